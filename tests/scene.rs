//! Scene files: every shipped scene loads, runs a few steps as the f64 reference does, and
//! draws; bad files are reported with file, line and column of the offending value.

mod common;

use descent::cpu::sim::simulate_scene;
use descent::render::overlay::Overlay;
use descent::run::{RunOptions, run_scene};
use descent::scene::{Scene, Starts};
use descent::surfaces::Domain;
use descent::world::{Look, World};

/// Every scene in assets/scenes loads, validates and runs a few steps on the GPU, matching the
/// f64 reference there, and draws a frame.
#[test]
fn every_shipped_scene_loads_and_runs() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenes");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut scene = Scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
        scene.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        // A few steps: every particle moves (or is frozen) as the reference says.
        let steps = 3;
        scene.steps = steps;
        let outcome = run_scene(common::gpu(), &scene, &RunOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let starts = scene.start_points();
        // Optimizer groups: a sweep's are many.
        let groups = scene.groups();
        let n = starts.len() * groups.len();
        assert_eq!(outcome.particles.len(), n, "{name}");
        // The reference for the first starts of each group (a swarm's are alike), or for
        // all of them when there is gradient noise (keyed by the global particle index).
        let noisy = groups.iter().any(|o| o.params.grad_noise != 0.0);
        let some: Vec<[f64; 2]> = starts
            .iter()
            .copied()
            .take(if noisy { usize::MAX } else { 20 })
            .collect();
        let cpu = simulate_scene(&scene, &some, steps).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (g, _) in groups.iter().enumerate() {
            for (s, start) in some.iter().enumerate() {
                let gpu = outcome.particles[g * starts.len() + s];
                let want = cpu[g * some.len() + s][steps as usize];
                let close = |a: f32, b: f64| (f64::from(a) - b).abs() <= 1e-3 * (1.0 + b.abs());
                assert!(
                    close(gpu.pos[0], want.pos[0])
                        && close(gpu.pos[1], want.pos[1])
                        && gpu.status == want.status,
                    "{name}: optimizer {g} from {start:?}: gpu {gpu:?}, f64 {want:?}"
                );
            }
        }
        // And a frame of it, with its plots.
        let settings = descent::render::RenderSettings::for_size(160, 120);
        let mut world =
            World::new(common::gpu(), &scene, &settings).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut overlay = Overlay::new(common::gpu(), wgpu::TextureFormat::Rgba8UnormSrgb);
        world.sim.advance_to(common::gpu(), steps);
        let (_, camera) = descent::render::view_settings(&scene.view, [160, 120], 4).unwrap();
        let look = Look {
            camera,
            time: f64::from(steps),
            pixels_per_point: 1.0,
        };
        world.draw(common::gpu(), &mut overlay, &look);
        assert!(common::gpu().take_fault().is_none(), "{name}: a GPU error");
        names.push(name);
    }
    names.sort();
    assert_eq!(
        names,
        [
            "cosine-quadratic",
            "himmelblau-basins",
            "linear-regression",
            "linear-regression-minibatch",
            "linear-regression-only-b",
            "momentum-map",
            "noisy-sgd",
            "rastrigin-million",
            "rastrigin-swarm",
            "rosenbrock-race",
            "rosenbrock-schedules",
            "saddle-two-starts",
            "sgd-1d",
            "sgd-2d-top",
            "sgd-vs-adam",
            "theta-squared",
        ],
        "the shipped scenes (the README lists each with its picture)"
    );
}

#[test]
fn saddle_two_starts_is_the_blog_post() {
    let s = Scene::default_scene();
    assert_eq!(s.surface.name, "saddle");
    assert_eq!(s.surface.domain, Domain::new(-1.0, 1.0, -1.0, 1.0));
    assert_eq!(s.start_points(), vec![[1.0, 0.0], [1.0, 0.25]]);
    assert_eq!(s.optimizers.len(), 1);
    assert_eq!(s.optimizers[0].name, "gd");
    assert_eq!(s.optimizers[0].params.lr, 0.01);
    assert_eq!(s.steps, 200);
}

fn err(src: &str) -> String {
    Scene::parse("scene.toml", src).unwrap_err().to_string()
}

#[test]
fn schedule_errors_name_line_and_column_inside_the_table() {
    let head = "[surface]\nname = \"saddle\"\n[[optimizer]]\nname = \"sgd\"\n";
    let e = err(&format!(
        "{head}schedule = {{ name = \"CosineAnnealingLR\", T_mx = 200 }}\n"
    ));
    assert!(
        e.starts_with("scene.toml:5:42: unknown key 'T_mx' for CosineAnnealingLR"),
        "{e}"
    );
    assert!(e.contains("T_max, eta_min"), "{e}");
    let e = err(&format!("{head}schedule = {{ name = \"Cosine\" }}\n"));
    assert!(
        e.starts_with("scene.toml:5:12: CosineAnnealingLR needs T_max"),
        "{e}"
    );
    let e = err(&format!(
        "{head}schedule = {{ name = \"StepLR\", step_size = 2.5 }}\n"
    ));
    assert!(
        e.starts_with("scene.toml:5:43: StepLR's step_size must be a whole number >= 1, got 2.5"),
        "{e}"
    );
    // Inside SequentialLR's list, on a later line.
    let e = err(&format!(
        "{head}schedule = {{ name = \"SequentialLR\", schedulers = [\n  {{ name = \"linear\" }},\n  {{ name = \"OneCycleLR\", max_lr = 0.1, pct_start = 2 }},\n], milestones = [5] }}\n"
    ));
    assert!(
        e.starts_with("scene.toml:7:52: OneCycleLR's pct_start must be in [0, 1], got 2"),
        "{e}"
    );
    let e = err(&format!(
        "{head}schedule = {{ name = \"SequentialLR\", schedulers = [{{ name = \"linear\" }}], milestones = [5] }}\n"
    ));
    assert!(e.contains("one milestone fewer than schedulers"), "{e}");
    let e = err(
        "[surface]\nname = \"saddle\"\n[[optimizer]]\nname = \"adagrad\"\nschedule = { name = \"OneCycleLR\", max_lr = 1 }\n",
    );
    assert!(
        e.starts_with("scene.toml:5:1: OneCycleLR cycles momentum") && e.contains("adagrad"),
        "{e}"
    );
    // What only the run's length decides.
    let e = Scene::parse(
        "s.toml",
        &format!("{head}schedule = {{ name = \"OneCycleLR\", max_lr = 1, total_steps = 50 }}\n[starts]\npoints = [[1, 0]]\n[run]\nsteps = 80\n"),
    )
    .unwrap()
    .validate()
    .unwrap_err();
    assert!(
        e.contains("optimizer 1 (sgd)") && e.contains("Tried to step 51 times"),
        "{e}"
    );
    // grad_noise and batch_size are checked like torch's parameters.
    let e = err(&format!("{head}grad_noise = -1\n"));
    assert!(e.starts_with("scene.toml:5:1: grad_noise must be >= 0"), "{e}");
    let e = Scene::parse(
        "s.toml",
        &format!("{head}batch_size = 10\n[starts]\npoints = [[1, 0]]\n"),
    )
    .unwrap()
    .validate()
    .unwrap_err();
    assert!(e.contains("batch_size needs a linear-regression scene"), "{e}");
}

#[test]
fn errors_name_file_line_and_column() {
    let e = err("[surface]\nname = \"saddle\"\n[[optimizer]]\nname = \"adma\"\n");
    assert!(e.starts_with("scene.toml:4:8: unknown optimizer 'adma'"), "{e}");
    assert!(e.contains("did you mean 'adam'"), "{e}");

    let e = err("[surface]\nname = \"saddle\"\n[[optimizer]]\nname = \"adam\"\nlrr = 0.1\n");
    assert!(e.starts_with("scene.toml:5:1: unknown parameter 'lrr'"), "{e}");

    let e = err("[surface]\nname = \"saddle\"\n[[optimizer]]\nname = \"adam\"\nlr = -1\n");
    assert!(e.starts_with("scene.toml:5:1:") && e.contains("lr"), "{e}");

    let e = err("[surface]\nexpr = \"x + sinn(y)\"\n");
    assert!(e.starts_with("scene.toml:2:13: unknown function 'sinn'"), "{e}");

    let e = err("[surface]\nname = \"saddle\"\ncolour = 1\n");
    assert!(e.starts_with("scene.toml:3:1:") && e.contains("colour"), "{e}");

    let e = err("[surface]\nname = \"saddle\"\n[run]\nsteps = \"many\"\n");
    assert!(e.starts_with("scene.toml:4:9:"), "{e}");

    let e = err("[surface]\nname = \"saddle\"\n[run]\nsteps = 0\n");
    assert!(
        e.starts_with("scene.toml:4:9: steps must be between 1 and 4294967295, got 0"),
        "{e}"
    );

    let e = err("[surface]\nname = \"saddle\"\ndomain = [1, -1, 0, 1]\n");
    assert!(
        e.starts_with("scene.toml:3:10: invalid domain: empty x range"),
        "{e}"
    );

    let e = err("[surface]\nname = \"saddle\"\n[starts]\ngrid = [0, 0]\n");
    assert!(e.starts_with("scene.toml:4:8: grid needs [columns, rows]"), "{e}");

    let e = err("[surface]\nname = \"sadle\"\n");
    assert!(
        e.starts_with("scene.toml:2:8: unknown built-in surface 'sadle'"),
        "{e}"
    );

    let e = err("[surface\nname = 1");
    assert!(e.starts_with("scene.toml:1:"), "{e}");
    // The snippet shows the line and a caret.
    let e = err("[surface]\nname = \"saddle\"\n[run]\ntol = -1.0\n");
    assert!(e.contains("\n  | tol = -1.0\n  |       ^"), "{e}");
}

#[test]
fn starts_are_generated_in_order_and_reproducibly() {
    let d = Domain::new(-1.0, 1.0, 0.0, 2.0);
    let s = Starts {
        points: vec![[0.5, 0.5]],
        grid: Some([3, 2]),
        random: 4,
        seed: 7,
    };
    let a = s.generate(&d, false);
    assert_eq!(a.len(), 1 + 6 + 4);
    assert_eq!(
        &a[..7],
        &[
            [0.5, 0.5],
            [-1.0, 0.0],
            [0.0, 0.0],
            [1.0, 0.0],
            [-1.0, 2.0],
            [0.0, 2.0],
            [1.0, 2.0]
        ]
    );
    assert_eq!(a, s.generate(&d, false));
    let other = Starts { seed: 8, ..s.clone() }.generate(&d, false);
    assert_ne!(a[7..], other[7..]);
    assert!(
        a[7..]
            .iter()
            .all(|p| (-1.0..1.0).contains(&p[0]) && (0.0..2.0).contains(&p[1]))
    );
    // 1D: y is 0 and the grid spans x alone.
    let one_d = s.generate(&d, true);
    assert_eq!(one_d.len(), 1 + 3 + 4);
    assert!(one_d.iter().all(|p| p[1] == 0.0));
}

#[test]
fn expression_errors_point_at_the_character_past_non_ascii_text() {
    // 'θ' is two bytes: columns count characters.
    let e = err("title = \"θ\"\n[surface]\nexpr = \"x + θ\"\n");
    assert!(
        e.starts_with("scene.toml:3:13: unexpected character 'θ' at column 5"),
        "{e}"
    );
}

#[test]
fn regression_scene_errors() {
    let e = err("[surface.regression]\ncsv = \"no-such-data.csv\"\n");
    assert!(e.starts_with("scene.toml:2:7: no-such-data.csv: "), "{e}");
    let e = err("[surface.regression]\nsamples = 1\n");
    assert!(
        e.starts_with("scene.toml:2:11: samples must be at least 2, got 1"),
        "{e}"
    );
    let e = err("[surface]\nname = \"bowl\"\n[surface.regression]\nsamples = 10\n");
    assert!(
        e.contains("give one of surface.name, surface.expr or surface.regression"),
        "{e}"
    );
    let e = err("[surface.regression]\nsamples = 10\nslope = 3\n");
    assert!(e.starts_with("scene.toml:3:1:") && e.contains("slope"), "{e}");
}

/// Every bad value a scene file can hold, with the exact first line of its error (file, line,
/// column, message) and the exact snippet for one of them.
#[test]
fn every_bad_value_gets_its_exact_message() {
    const HEAD: &str = "[surface]\nname = \"saddle\"\n[[optimizer]]\nname = \"gd\"\n";
    let cases: &[(&str, &str)] = &[
        ("lr = -0.5", "scene.toml:5:1: lr must be >= 0, got -0.5"),
        (
            "lr = \"fast\"",
            "scene.toml:5:6: lr must be a number, a boolean or a range { from, to, count, scale }, got string \"fast\"",
        ),
        (
            "momentum = 0.9",
            "scene.toml:5:1: unknown parameter 'momentum' for gd (gd takes lr, weight_decay, maximize; every optimizer also takes grad_noise, batch_size)",
        ),
        (
            "[starts]\ngrid = [0, 0]",
            "scene.toml:6:8: grid needs [columns, rows], both at least 1",
        ),
        (
            "[starts]\npoints = [[1.0]]",
            "scene.toml:6:11: a start point needs [x, y], got 1 number",
        ),
        (
            "[starts]\npoints = [[1.0, 2.0, 3.0]]",
            "scene.toml:6:11: a start point needs [x, y], got 3 numbers",
        ),
        (
            "[run]\nsteps = 0",
            "scene.toml:6:9: steps must be between 1 and 4294967295, got 0",
        ),
        (
            "[run]\nsteps = -5",
            "scene.toml:6:9: steps must be between 1 and 4294967295, got -5",
        ),
        (
            "[run]\ntol = -1",
            "scene.toml:6:7: tol must be a finite number >= 0, got -1",
        ),
        (
            "[run]\nmesh = 1",
            "scene.toml:6:8: mesh must be between 2 and 4096, got 1",
        ),
        (
            "[view]\ncolormap = \"viridiss\"",
            "scene.toml:6:12: unknown colormap 'viridiss'; the colormaps are coolwarm, viridis, plasma, \
             magma, inferno, cividis, gray",
        ),
        (
            "[view]\ncamera = \"above\"",
            "scene.toml:6:10: unknown camera preset 'above'; the presets are post, top and side",
        ),
        (
            "[view]\nplots = [\"xy\", \"histogram\"]",
            "scene.toml:6:16: unknown plot 'histogram'; the plots are xy, loss, regression, curve, lr",
        ),
        (
            "[view]\ncolor_by = \"basin\"",
            "scene.toml:6:12: color_by = \"basin\" needs the surface's minima, and saddle has none: \
             list them in [surface] minima = [[x, y], ...]",
        ),
        (
            "[view]\ncolor_by = \"minimum\"",
            "scene.toml:6:12: unknown variant `minimum`, expected one of `optimizer`, `basin`, `loss`, `start`, `steps`",
        ),
        (
            "[view]\ntrail_length = 0",
            "scene.toml:6:16: trail_length must be at least 1 step, got 0",
        ),
        (
            "[view]\nelev = 120",
            "scene.toml:6:8: elev must be between -90 and 90 degrees, got 120",
        ),
        (
            "[view]\ndist = -2.0",
            "scene.toml:6:8: dist must be positive, got -2",
        ),
        (
            "[view]\ntrail_width = 0",
            "scene.toml:6:15: trail_width must be between 0 and 100 pixels, got 0",
        ),
        (
            "[view]\nzoom = 2",
            "scene.toml:6:1: unknown field `zoom`, expected one of `camera`, `azim`, \
             `elev`, `dist`, `colormap`, `contours`, `grid_lines`, `axes`, `trail_width`, \
             `trail_length`, `fade`, \
             `axis_names`, `plots`, `color_by`, `trails`, `density_scale`, `start_map`, \
             `color_scale`, `sweep_score`, `layout`",
        ),
    ];
    for (tail, expected) in cases {
        let e = err(&format!("{HEAD}{tail}\n"));
        let first = e.lines().next().unwrap();
        assert_eq!(first, *expected, "for {tail:?}");
    }
    // The snippet: the offending line and a caret under the column.
    let e = err(&format!("{HEAD}[view]\ncamera = \"above\"\n"));
    assert_eq!(
        e.lines().skip(1).collect::<Vec<_>>(),
        ["  | camera = \"above\"", "  |          ^"]
    );
}

/// The scenes built into the program (`scene::library`, the panel's menu) are every `.toml` of
/// assets/scenes and assets/scenes/models, and nothing else, each parsing.
#[test]
fn the_built_in_scenes_are_the_scenes_folder_and_every_one_parses() {
    use descent::scene::library::{SHIPPED, shipped};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes");
    let mut on_disk = Vec::new();
    for (dir, prefix) in [(root.clone(), ""), (root.join("models"), "models/")] {
        for entry in std::fs::read_dir(&dir).expect("assets/scenes") {
            let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
            if name.ends_with(".toml") {
                on_disk.push(format!("{prefix}{name}"));
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = SHIPPED.iter().map(|(p, _)| p.to_string()).collect();
    listed.sort();
    assert_eq!(listed, on_disk, "src/scene/library.rs lists the scenes folder");
    for (path, _) in SHIPPED {
        if let Err(e) = shipped(path).expect("listed") {
            panic!("{path}: {e}");
        }
    }
    assert!(shipped("no-such.toml").is_none());
}
