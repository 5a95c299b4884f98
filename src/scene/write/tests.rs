//! Tests of the writers: every scene file and a hand-made scene read back as themselves, and
//! command lines build the same run.

use std::path::{Path, PathBuf};

use super::command::shell_quote;
use super::*;
use crate::scene::{ReadFile, TrailStyle, ViewSpec, no_files};
use crate::schedule::parse_spec;

fn asset_scenes() -> Vec<(String, Scene)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{} scenes in {}", files.len(), dir.display());
    files
        .iter()
        .map(|p| {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(p).unwrap();
            let scene = Scene::parse(&name, &text).unwrap_or_else(|e| panic!("{e}"));
            (name, scene)
        })
        .collect()
}

fn bits(points: &[[f64; 2]]) -> Vec<[u64; 2]> {
    points.iter().map(|p| p.map(f64::to_bits)).collect()
}

fn debug_all<T: std::fmt::Debug>(v: &[T]) -> Vec<String> {
    v.iter().map(|x| format!("{x:?}")).collect()
}

/// The optimizers without their labels (a label records how a spec was written).
fn unlabelled(v: &[OptimizerSpec]) -> Vec<String> {
    v.iter()
        .map(|o| {
            format!(
                "{:?}",
                OptimizerSpec {
                    label: String::new(),
                    ..o.clone()
                }
            )
        })
        .collect()
}

/// Writes, reads back (files it names through `read`) and checks every setting; returns the
/// scene read back.
fn round_trip(name: &str, scene: &Scene, labels: bool, read: ReadFile<'_>) -> Scene {
    let text = scene.to_toml();
    let back = Scene::parse_with("x.toml", &text, read)
        .unwrap_or_else(|e| panic!("{name}: the written scene does not parse: {e}\n{text}"));
    let ctx = || format!("{name}:\n{text}");
    assert_eq!(back.title, scene.title, "{}", ctx());
    assert_eq!(back.surface.name, scene.surface.name, "{}", ctx());
    assert_eq!(back.surface.source, scene.surface.source, "{}", ctx());
    assert_eq!(
        format!("{:?}", back.surface.domain),
        format!("{:?}", scene.surface.domain)
    );
    assert_eq!(
        bits(&back.surface.minima),
        bits(&scene.surface.minima),
        "{}",
        ctx()
    );
    assert_eq!(
        bits(&back.start_points()),
        bits(&scene.start_points()),
        "{}",
        ctx()
    );
    assert_eq!(back.starts, scene.starts, "{}", ctx());
    if labels {
        assert_eq!(
            debug_all(&back.optimizers),
            debug_all(&scene.optimizers),
            "{}",
            ctx()
        );
    } else {
        assert_eq!(
            unlabelled(&back.optimizers),
            unlabelled(&scene.optimizers),
            "{}",
            ctx()
        );
    }
    assert_eq!(back.steps, scene.steps, "{}", ctx());
    assert_eq!(back.tol.to_bits(), scene.tol.to_bits(), "{}", ctx());
    assert_eq!(back.mesh, scene.mesh, "{}", ctx());
    assert_eq!(back.view, scene.view, "{}", ctx());
    match (&back.regression, &scene.regression) {
        (None, None) => {}
        (Some(a), Some(b)) => {
            assert_eq!(a.data, b.data, "{}", ctx());
            assert_eq!(a.source, b.source, "{}", ctx());
            assert_eq!(a.fixed_slope.map(f64::to_bits), b.fixed_slope.map(f64::to_bits));
        }
        _ => panic!("regression lost or gained: {}", ctx()),
    }
    // Writing again changes nothing.
    assert_eq!(back.to_toml(), text, "{name}");
    back
}

#[test]
fn every_asset_scene_reads_back_from_its_file() {
    for (name, scene) in asset_scenes() {
        round_trip(&name, &scene, true, &no_files);
    }
}

/// Every kind of setting, with values no file gave (1/3, labels from spec strings).
fn hand_made() -> Scene {
    let mut scene = Scene::default_scene();
    scene.title = Some("Ünïcode \"quoted\" \\ and\ta tab".into());
    scene.surface = Surface::from_name_or_expr("sin(x)*cos(y) + 0.1*(x^2 + y^2)").unwrap();
    scene.surface.domain = crate::surfaces::Domain::new(-3.5, 2.25, -1e-3, 4.0 / 3.0);
    scene.surface.minima = vec![[0.1, 1.0 / 3.0], [-1e-300, 5e15]];
    let spec = |s: &str| s.parse::<OptimizerSpec>().unwrap();
    let schedule = |s: &str| Schedule::from_node(&parse_spec(s).unwrap()).unwrap();
    let mut adam = spec("Adam:lr=0.0333,betas=0.8/0.99,amsgrad=true,grad_noise=0.25");
    adam.params.lr = 0.1 / 3.0;
    adam.schedule = Some(schedule("cosine_annealing:T_max=150,eta_min=1e-4"));
    let mut rmsprop = spec("rmsprop:lr=0.01,momentum=0.5,centered=true,eps=1e-10");
    rmsprop.schedule = Some(schedule(
        "one_cycle:max_lr=0.05,anneal_strategy=linear,three_phase=true",
    ));
    let mut sgd = spec("sgd:lr=1e-4..1e-2:8:log,momentum=0..0.9:4,nesterov=false,weight_decay=0.001");
    sgd.schedule = Some(schedule(
        "sequential:schedulers=[linear(start_factor=0.1,total_iters=10),exponential(gamma=0.99)],milestones=[10]",
    ));
    let mut nadam = spec("nadam:lr=0.002,grad_noise=1.5,decoupled_weight_decay=true");
    nadam.schedule = Some(schedule(
        "cyclic:max_lr=0.01,mode=exp_range,gamma=0.999,step_size_up=7",
    ));
    scene.optimizers = vec![adam, rmsprop, sgd, nadam, spec("gd:lr=0.3,maximize=true")];
    scene.starts = crate::scene::Starts {
        points: vec![[-0.0, 0.1 + 0.2], [1e-8, -2.0]],
        grid: Some([5, 4]),
        random: 17,
        seed: 12345,
    };
    scene.steps = 150;
    scene.tol = 1e-7;
    scene.mesh = [129, 129];
    scene.view = ViewSpec {
        camera: Some("side".into()),
        azim: Some(-30.5),
        elev: Some(12.25),
        dist: Some(1.0 / 3.0 + 3.0),
        colormap: Some("viridis".into()),
        contours: Some(false),
        grid_lines: Some(true),
        axes: Some(false),
        trail_width: Some(2.5),
        trail_length: Some(40),
        fade: Some(true),
        axis_names: Some(["a".into(), "b \"quoted\"".into(), "".into()]),
        plots: vec!["loss".into(), "lr".into()],
        color_by: ColorBy::Loss,
        trails: Some(TrailStyle::Density),
        density_scale: Some(DensityScale::Log),
        start_map: Some(true),
        color_scale: Some(ColorScale::Log),
        sweep_score: Some(crate::scene::SweepScore::Trainability),
        layout: Some(crate::scene::Layout::Map),
    };
    scene.validate().unwrap();
    scene
}

#[test]
fn a_hand_made_scene_reads_back() {
    let scene = hand_made();
    let back = round_trip("hand-made", &scene, false, &no_files);
    // Schedules and sweeps are the point of this case: check they are there.
    assert!(
        back.optimizers
            .iter()
            .all(|o| o.schedule.is_some() || o.name == "gd")
    );
    assert_eq!(back.optimizers[2].sweep.len(), 2);
    assert_eq!(back.optimizers[2].sweep[0].param, "lr");
    assert_eq!(back.optimizers[0].params.lr, 0.1 / 3.0);
    assert_eq!(back.start_points().len(), 2 + 20 + 17);
    // A label the loader made reads back as itself.
    round_trip("hand-made, read back", &back, true, &no_files);
}

#[test]
fn regression_scenes_write_where_their_data_came_from() {
    let run = "[[optimizer]]\nname = \"gd\"\nlr = 0.1\n[starts]\npoints = [[0.0, 0.0]]\n";
    let source = |s: &Scene| s.regression.as_ref().map(|r| r.source.clone());

    // Generated: the table's settings, the ones it leaves out filled in.
    let text = format!("[surface.regression]\nsamples = 37\nnoise = 0.3\nbias = -2.5\nseed = 999\n{run}");
    let scene = Scene::parse_with("scene.toml", &text, &no_files).unwrap();
    let back = round_trip("generated", &scene, true, &no_files);
    let generated = DataSource::Generated {
        samples: 37,
        noise: 0.3,
        bias: -2.5,
        seed: 999,
    };
    assert_eq!(source(&back), Some(generated));
    let text = format!("[surface.regression]\nseed = 4\n{run}");
    let scene = Scene::parse_with("scene.toml", &text, &no_files).unwrap();
    let back = round_trip("generated, defaults", &scene, true, &no_files);
    let defaults = DataSource::Generated {
        samples: 100,
        noise: 10.0,
        bias: 0.0,
        seed: 4,
    };
    assert_eq!(source(&back), Some(defaults));

    // CSV: the path as the file wrote it (relative to the scene file), and the slope held.
    let csv = "x,y\n0,1\n1,3.5\n2,4.75\n3,7.125\n";
    let read = |p: &Path| {
        if p.ends_with("data.csv") {
            Ok(csv.to_string())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                p.display().to_string(),
            ))
        }
    };
    let run = run.replace("[[0.0, 0.0]]", "[[0.0]]");
    let text = format!("[surface.regression]\ncsv = \"data.csv\"\nfix_slope = 2.0\n{run}");
    let scene = Scene::parse_with("dir/scene.toml", &text, &read).unwrap();
    let written = scene.to_toml();
    assert!(
        written.contains("[surface.regression]\ncsv = \"data.csv\"\nfix_slope = 2.0\n"),
        "{written}"
    );
    assert!(!written.contains("axis_names"), "the parser's default: {written}");
    let back = round_trip("csv", &scene, true, &read);
    assert_eq!(source(&back), Some(DataSource::Csv("data.csv".into())));
    assert_eq!(back.view.axis_names, scene.view.axis_names);
    // The data is read again, not carried in the file.
    assert!(Scene::parse_with("x.toml", &written, &no_files).is_err());
}

/// Splits what [`shell_quote`] writes back into words, up to a comment.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    w.push(q);
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            '#' if word.is_none() => break,
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[test]
fn commands_build_the_same_run() {
    let mut scenes = asset_scenes();
    scenes.push(("hand-made".into(), hand_made()));
    let mut checked = 0;
    for (name, scene) in scenes {
        let line = scene.to_command();
        if scene.command_args().is_err() {
            assert!(line.starts_with("descent render scene.toml"), "{name}: {line}");
            continue;
        }
        let argv = shell_words(&line);
        let cli = crate::cli::parse_from(&argv).unwrap_or_else(|e| panic!("{name}: {line}\n{e}"));
        let Some(crate::cli::Command::Render(args)) = cli.command else {
            panic!("{name}: not a render command: {line}");
        };
        let built = args
            .scene
            .build()
            .unwrap_or_else(|e| panic!("{name}: {line}\n{e:#}"));
        assert_eq!(
            bits(&built.start_points()),
            bits(&scene.start_points()),
            "{name}: {line}"
        );
        assert_eq!(built.starts.seed, scene.starts.seed, "{name}: {line}");
        assert_eq!(
            unlabelled(&built.optimizers),
            unlabelled(&scene.optimizers),
            "{name}: {line}"
        );
        assert_eq!(built.steps, scene.steps, "{name}: {line}");
        assert_eq!(built.tol.to_bits(), scene.tol.to_bits(), "{name}: {line}");
        assert_eq!(built.surface.source, scene.surface.source, "{name}: {line}");
        assert_eq!(built.surface.domain, scene.surface.domain, "{name}: {line}");
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
}

#[test]
fn commands_say_what_has_no_flag() {
    let scene = Scene::default_scene();
    assert_eq!(
        scene.to_command(),
        "descent render --surface saddle --optimizer gd:lr=0.01 \
         --start 1.0,0.0 --start 1.0,0.25 --steps 200 --video descent.mp4  # no flag for: title; \
         a scene file has them (Scene::to_toml)"
    );
    let line = hand_made().to_command();
    assert!(
        line.contains(
            "--optimizer sgd:weight_decay=0.001,lr=1e-4..0.01:8:log,momentum=0..0.9:4 --schedule 'seq"
        ),
        "{line}"
    );
    assert!(line.contains("# no flag for: title, minima, mesh, [view] contours = false, [view] axis_names, [view] plots, [view] start_map;"),
        "{line}"
    );
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
    assert_eq!(shell_words(&shell_quote("x^2 - 'y'")), ["x^2 - 'y'"]);
}
