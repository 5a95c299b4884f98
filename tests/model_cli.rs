//! `descent run --model` as a user runs it: the exports, and every bad-data case refused
//! with its location before any output is written.

mod common;

use std::path::PathBuf;

use common::run_descent as descent;

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-model-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(name: &str, text: &str) -> String {
    let path = dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn training_exports_parameters_and_steps() {
    let params = dir().join("params.csv");
    let steps = dir().join("steps.csv");
    let (ok, out, err) = descent(&[
        "run",
        "--model",
        "mlp:2-4-1:tanh",
        "--loss",
        "bce",
        "--data",
        "two-moons:n=50,noise=0.1",
        "--optimizer",
        "adam:lr=0.05",
        "--optimizer",
        "sgd:lr=0.5",
        "--inits",
        "3",
        "--steps",
        "40",
        "--export-params",
        params.to_str().unwrap(),
        "--export",
        steps.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("adam:lr=0.05: 3 model(s)"), "{out}");
    assert!(out.contains("median accuracy"), "{out}");
    let text = std::fs::read_to_string(&params).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 6);
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[..5], ["optimizer", "particle", "loss", "status", "p0"]);
    assert_eq!(header.len(), 4 + 17);
    assert!(lines[4].starts_with("sgd:lr=0.5,0,"));
    let steps = std::fs::read_to_string(&steps).unwrap();
    // Header, then 41 steps x 6 models; the loss at step 40 equals the final loss.
    assert_eq!(steps.lines().count(), 1 + 41 * 6);
    let last: Vec<&str> = steps.lines().last().unwrap().split(',').collect();
    let final_row: Vec<&str> = lines[6].split(',').collect();
    assert_eq!((last[2], last[5]), ("40", final_row[2]));
}

#[test]
fn init_files_start_every_particle() {
    let init = write("init.csv", "w,w,b\n0.5,-0.5,0\n1,1,1\n");
    let data = write("line.csv", "1,2,0\n2,1,1\n");
    let out = dir().join("init-out.csv");
    let (ok, _, err) = descent(&[
        "run",
        "--model",
        "logistic",
        "--data",
        &data,
        "--init",
        &init,
        "--optimizer",
        "sgd:lr=0",
        "--steps",
        "1",
        "--export-params",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert!(rows[0].ends_with(",0.5,-0.5,0"), "{}", rows[0]);
    assert!(rows[1].ends_with(",1,1,1"), "{}", rows[1]);
}

#[test]
fn bad_data_is_refused_with_its_location_and_no_output() {
    let out = dir().join("never.csv");
    let cases: Vec<(String, &str, &str, String)> = vec![
        (
            write("nan.csv", "x,y,t\n1,2,0\n3,oops,1\n"),
            "mlp:2-3-1",
            "bce",
            "nan.csv:3:3: 'oops' is not a finite number".into(),
        ),
        (
            write("ragged.csv", "1,2,0\n3,4\n"),
            "mlp:2-3-1",
            "mse",
            "ragged.csv:2:4: expected 3 columns, found 2".into(),
        ),
        (
            write("empty.csv", ""),
            "mlp:2-3-1",
            "mse",
            "empty.csv: no data rows".into(),
        ),
        (
            write("target.csv", "1,2,0\n3,4,2\n"),
            "mlp:2-3-1",
            "bce",
            "target.csv:2:3: bce needs targets 0 or 1, not 2".into(),
        ),
        (
            write("classes.csv", "1,2,0\n3,4,3\n"),
            "mlp:2-3-3",
            "ce",
            "classes.csv:2:3: ce needs a class 0 to 2".into(),
        ),
        (
            write("features.csv", "1,2,0\n3,4,1\n"),
            "mlp:3-3-1",
            "mse",
            "the data has 2 feature column(s) but the model takes 3 input(s)".into(),
        ),
    ];
    for (data, model, loss, want) in cases {
        let (ok, _, err) = descent(&[
            "run",
            "--model",
            model,
            "--loss",
            loss,
            "--data",
            &data,
            "--optimizer",
            "sgd",
            "--export-params",
            out.to_str().unwrap(),
        ]);
        assert!(!ok && err.contains(&want), "{data}: {err}");
        assert_eq!(err.lines().count(), 1, "one line, no trace: {err}");
        assert!(!out.exists(), "{data} wrote {}", out.display());
    }
    let bad_flags: [(&[&str], &str); 3] = [
        (
            &["--model", "mlp:2-x-1", "--data", "xor"],
            "--model \"mlp:2-x-1\": 'x' is not a layer size",
        ),
        (
            &["--model", "mlp:2-3-1", "--data", "xor:n=-1"],
            "--data \"xor:n=-1\": invalid value '-1' for n",
        ),
        (
            &["--model", "mlp:2-3-1", "--data", "xor", "--surface", "saddle"],
            "--surface belongs to a surface run",
        ),
    ];
    for (flags, want) in bad_flags {
        let args = [&["run", "--optimizer", "sgd"][..], flags].concat();
        let (ok, _, err) = descent(&args);
        assert!(!ok && err.contains(want), "{args:?}: {err}");
    }
}

/// `--slice` on linear regression, a two-parameter model: its default directions are the
/// parameters themselves, so the CSV is the exact loss J(w, b) (checked against the twin in
/// f64 at every point), and the map is a PNG of the size it reports. The trails in the export
/// are then (w, b), and the last one ends where the export says.
#[test]
fn slice_of_linear_regression_is_its_exact_loss_surface() {
    use descent::model::slice::{Plane, Slice, reference_grid};
    use descent::model::{ModelProblem, ProblemArgs};
    let (csv, png, steps) = (
        dir().join("slice.csv"),
        dir().join("slice.png"),
        dir().join("slice-steps.csv"),
    );
    let data = "linear:n=30,noise=0.5";
    let (ok, _, err) = descent(&[
        "run",
        "--model",
        "linear",
        "--data",
        data,
        "--optimizer",
        "sgd:lr=0.1",
        "--inits",
        "4",
        "--steps",
        "30",
        "--slice",
        csv.to_str().unwrap(),
        "--slice",
        png.to_str().unwrap(),
        "--slice-size",
        "31x21",
        "--export",
        steps.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("parameters w0[0,0] and b0[0]"), "{err}");
    assert!(err.contains("(804x804)") || err.contains("x720)"), "{err}");
    let rows: Vec<Vec<f64>> = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 31 * 21);
    let p = ModelProblem::resolve(
        &ProblemArgs {
            model: "linear".into(),
            data: data.into(),
            ..Default::default()
        },
        &|p| std::fs::read_to_string(p),
    )
    .unwrap();
    let (a, b) = ([rows[0][0], rows[30][0]], [rows[0][1], rows[31 * 20][1]]);
    let slice = Slice {
        plane: Plane {
            origin: vec![0.0, 0.0],
            d1: vec![1.0, 0.0],
            d2: vec![0.0, 1.0],
        },
        centre: [0.0, 0.0],
        a,
        b,
        cols: 31,
        rows: 21,
    };
    let want = reference_grid(&p.problem(), &slice);
    for (k, row) in rows.iter().enumerate() {
        assert!(
            (row[2] - want[k]).abs() <= 2e-5 * (1.0 + want[k]),
            "point {k}: {row:?} vs {}",
            want[k]
        );
    }
    // The extent covers every trail point: the export's (x, y) are (w, b).
    for line in std::fs::read_to_string(&steps).unwrap().lines().skip(1) {
        let v: Vec<&str> = line.split(',').collect();
        let (w, bias): (f64, f64) = (v[3].parse().unwrap(), v[4].parse().unwrap());
        assert!(
            a[0] <= w && w <= a[1] && b[0] <= bias && bias <= b[1],
            "{line} outside {a:?} {b:?}"
        );
    }
    let image = image::open(&png).unwrap();
    assert_eq!(image.width(), image.height());
    assert!(image.width() >= 720);
}

#[test]
fn slice_flags_are_checked_before_training() {
    let out = dir().join("never.png");
    for (flags, want) in [
        (
            vec!["--directions", "params:w9,b0[0]"],
            "--directions: mlp:1-1 has no parameter 'w9'",
        ),
        (
            vec!["--slice-size", "5000x5"],
            "--slice-size \"5000x5\": each side is a whole number from 2 to 1024",
        ),
        (
            vec!["--slice-around", "final:9"],
            "the run has 2 particle(s), 0 to 1",
        ),
    ] {
        let mut args = vec![
            "run",
            "--model",
            "linear",
            "--data",
            "linear:n=10",
            "--optimizer",
            "sgd",
            "--inits",
            "2",
            "--slice",
            out.to_str().unwrap(),
        ];
        args.extend(flags);
        let (ok, _, err) = descent(&args);
        assert!(!ok && err.contains(want), "{err}");
        assert!(!out.exists());
    }
    let (ok, _, err) = descent(&[
        "run",
        "--model",
        "linear",
        "--data",
        "linear",
        "--optimizer",
        "sgd",
        "--slice",
        "x.jpg",
    ]);
    assert!(!ok && err.contains(".png (a map) or a .csv"), "{err}");
}

/// A model scene file is `descent run --model ...` written down: the same exports byte for
/// byte, its flags over the file's values, and files it names read beside it.
#[test]
fn model_scenes_run_as_their_flags_do() {
    let from_scene = dir().join("scene-params.csv");
    let from_flags = dir().join("flag-params.csv");
    let (ok, _, err) = descent(&[
        "run",
        "assets/scenes/models/logistic-blobs.toml",
        "--inits",
        "3",
        "--steps",
        "7",
        "--export-params",
        from_scene.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let (ok, _, err) = descent(&[
        "run",
        "--model",
        "mlp:2-1:nobias",
        "--loss",
        "bce",
        "--data",
        "blobs:n=200,noise=3.0",
        "--seed",
        "1",
        "--optimizer",
        "sgd:lr=0.5",
        "--optimizer",
        "adam:lr=0.05",
        "--inits",
        "3",
        "--steps",
        "7",
        "--export-params",
        from_flags.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let scene = std::fs::read_to_string(&from_scene).unwrap();
    assert_eq!(scene, std::fs::read_to_string(&from_flags).unwrap());
    assert_eq!(scene.lines().count(), 1 + 2 * 3, "{scene}");

    // Data and initial parameters named relative to the scene file.
    let sub = dir().join("scene-dir");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("points.csv"), "x0,x1,y\n0,1,1\n1,0,0\n1,1,1\n").unwrap();
    std::fs::write(sub.join("init.csv"), "0.5,-0.25\n").unwrap();
    let scene = sub.join("mine.toml");
    std::fs::write(
        &scene,
        "[model]\nmodel = \"mlp:2-1:nobias\"\nloss = \"bce\"\ndata = \"points.csv\"\ninit = \"init.csv\"\n\
         [[optimizer]]\nname = \"gd\"\nlr = 0.1\n[run]\nsteps = 1\n",
    )
    .unwrap();
    let out = dir().join("mine-params.csv");
    let (ok, _, err) = descent(&[
        "run",
        scene.to_str().unwrap(),
        "--export-params",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let rows = std::fs::read_to_string(&out).unwrap();
    // One step of plain gradient descent from (0.5, -0.25): p - 0.1 * grad, with grad the
    // mean over the three points of (sigmoid(w.x) - y) x.
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let points = [([0.0, 1.0], 1.0), ([1.0, 0.0], 0.0), ([1.0, 1.0], 1.0)];
    let mut grad = [0.0; 2];
    for (x, y) in points {
        let e = sigmoid(0.5 * x[0] - 0.25 * x[1]) - y;
        grad[0] += e * x[0] / 3.0;
        grad[1] += e * x[1] / 3.0;
    }
    let row: Vec<f64> = rows
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .skip(4)
        .map(|v| v.parse().unwrap())
        .collect();
    assert!((row[0] - (0.5 - 0.1 * grad[0])).abs() < 1e-6, "{rows}");
    assert!((row[1] - (-0.25 - 0.1 * grad[1])).abs() < 1e-6, "{rows}");
}

/// A model scene's mistakes are named where they are written, and the parts of a surface
/// scene are refused in it.
#[test]
fn model_scene_errors_are_located() {
    let cases: [(&str, &str); 5] = [
        (
            "[model]\nmodel = \"mlp:2-x-1\"\ndata = \"xor\"\n[[optimizer]]\nname = \"gd\"\n",
            ":2:16: 'x' is not a layer size",
        ),
        (
            "[model]\nmodel = \"mlp:2-4-1\"\ndata = \"two-moons:m=3\"\n[[optimizer]]\nname = \"gd\"\n",
            ":3:19: unknown key 'm'",
        ),
        (
            "[surface]\nname = \"saddle\"\n[model]\nmodel = \"linear\"\ndata = \"linear\"\n[[optimizer]]\nname = \"gd\"\n",
            "[surface] belongs to a surface scene",
        ),
        (
            "[surface]\nname = \"saddle\"\n[slice]\ndirections = \"pca\"\n[[optimizer]]\nname = \"gd\"\n[starts]\npoints = [[0.5, 0.5]]\n",
            ":3:1: [slice] belongs to a [model] scene",
        ),
        (
            "[model]\nmodel = \"linear\"\ndata = \"nothere.csv\"\n[[optimizer]]\nname = \"gd\"\n",
            ":3:8: ",
        ),
    ];
    for (i, (text, wanted)) in cases.iter().enumerate() {
        let path = write(&format!("bad-model-{i}.toml"), text);
        let (ok, _, err) = descent(&["run", &path]);
        assert!(!ok && err.contains(wanted), "case {i}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A [slice] value is checked when the slice is asked for, and named as the file's.
    let path = write(
        "bad-slice.toml",
        "[model]\nmodel = \"linear\"\ndata = \"linear:n=20\"\n[[optimizer]]\nname = \"gd\"\n[slice]\nsize = \"1x1\"\n",
    );
    let png = dir().join("bad-slice.png");
    let (ok, _, err) = descent(&["run", &path, "--slice", png.to_str().unwrap()]);
    assert!(
        !ok && err.contains("bad-slice.toml: [slice] size \"1x1\": each side"),
        "{err}"
    );
    assert!(!png.exists());
    // `descent render` (and the window) draw the slice: its values are checked first.
    let still = dir().join("bad-slice-still.png");
    let (ok, _, err) = descent(&["render", &path, "--still", still.to_str().unwrap()]);
    assert!(!ok && err.contains("[slice] size \"1x1\": each side"), "{err}");
    assert!(!still.exists());
    // A model flag on a surface run is refused by name.
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "bowl",
        "--optimizer",
        "gd",
        "--start=1,1",
        "--inits",
        "3",
    ]);
    assert!(!ok && err.contains("--inits belongs to a model run"), "{err}");
}

/// Every model scene shipped in assets/scenes/models trains (two initialisations, two steps;
/// a sweep cut to 4 values per axis) and writes its slice.
#[test]
fn every_shipped_model_scene_runs() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenes/models");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let slice = in_dir(&format!("{name}-slice.csv"));
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("count = 512", "count = 4");
        let cut = in_dir(&format!("{name}.toml"));
        std::fs::write(&cut, text).unwrap();
        let (ok, out, err) = descent(&[
            "run",
            &cut,
            "--inits",
            "2",
            "--steps",
            "2",
            "--slice",
            &slice,
            "--slice-size",
            "5x4",
        ]);
        assert!(ok, "{name}: {err}");
        assert!(out.contains("2 model(s)"), "{name}: {out}");
        assert_eq!(
            std::fs::read_to_string(&slice).unwrap().lines().count(),
            1 + 5 * 4,
            "{name}"
        );
        count += 1;
    }
    assert!(count >= 4, "{count} model scenes in {dir}");
}

fn in_dir(name: &str) -> String {
    dir().join(name).to_str().unwrap().to_string()
}

/// A model sweep writes its trainability map (one pixel per group) and the boundary's
/// fractal dimension, from the shipped trainability scene cut to 16 x 16 pixels (--map-size).
#[test]
fn a_model_sweep_writes_its_trainability_map() {
    let scene = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenes/models/trainability-fractal.toml"
    );
    let map = in_dir("trainability-16.png");
    let (ok, out, err) = descent(&[
        "run",
        scene,
        "--map-size",
        "16",
        "--steps",
        "30",
        "--sweep-map",
        &map,
        "--fractal-dim",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("(256 groups): 256 model(s)"), "{out}");
    assert!(out.contains("boundary fractal dimension"), "{out}");
    let img = image::open(&map).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (16, 16));
    // Both classes, apart: Spectral's red half (diverged) and its blue-violet half.
    let reddish = img.pixels().filter(|p| p[0] > p[2].saturating_add(40)).count();
    let bluish = img.pixels().filter(|p| p[2] > p[0].saturating_add(40)).count();
    assert!(reddish > 20 && bluish > 20, "{reddish} red, {bluish} blue");
    // The layer keys are checked against the model before any training.
    let (ok, _, err) = descent(&[
        "run",
        scene,
        "--layout",
        "scene",
        "--optimizer",
        "sgd:lr_layer2=0.1",
    ]);
    assert!(
        !ok && err.contains("lr_layer2") && err.contains("2 layers"),
        "{err}"
    );
    // A surface's particle has no layers.
    let (ok, _, err) = descent(&["run", "--optimizer", "sgd:lr_layer0=0.1", "--steps", "2"]);
    assert!(
        !ok && err.contains("lr_layer0 applies to a model's layers"),
        "{err}"
    );
}
