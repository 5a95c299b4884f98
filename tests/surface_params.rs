//! Surface parameters (`[surface] params`, `--surface-param`): a named value in the surface's
//! expression that an optimizer may set or sweep, so a sweep map's axis may be the surface's
//! own (Liu's ripple amplitude on x^2 + ripple*cos(2 pi x), assets/scenes/cosine-quadratic.toml).
//! Each group runs on its own values on the GPU (lavapipe) as in the f64 reference.

mod common;

use descent::cpu::sim::simulate;
use descent::expr::SurfaceParam;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::optim::OptimizerSpec;
use descent::outcome::trainability::Trainability;
use descent::scene::Scene;
use descent::surfaces::Surface;

fn param(name: &str, value: f64) -> SurfaceParam {
    SurfaceParam {
        name: name.into(),
        value,
    }
}

/// Every group's final position and per-step losses on the GPU.
fn gpu_paths(
    surface: &Surface,
    groups: &[OptimizerSpec],
    starts: &[[f64; 2]],
    steps: u32,
) -> Vec<Vec<[f32; 3]>> {
    let gpu = common::gpu();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup {
            surface,
            optimizers: groups.into(),
            starts,
            max_steps: steps,
            tol: 0.0,
            trail: TrailPlan {
                capacity: steps + 1,
                record_every: 1,
            },
            seed: 0,
            regression: None,
            scores: false,
        },
    )
    .expect("simulation");
    sim.advance_to(gpu, steps);
    let trail = sim.read_trail(gpu).expect("trail");
    let n = sim.particle_count() as usize;
    assert_eq!(trail.len(), n * (steps as usize + 1), "a full trail");
    (0..n)
        .map(|i| {
            (0..=steps as usize)
                .map(|s| {
                    let p = trail[s * n + i];
                    [p.pos[0], p.pos[1], p.loss]
                })
                .collect()
        })
        .collect()
}

/// A sweep of a surface parameter, an optimizer's plain value of another and the surface's
/// own values: every group's path on the GPU is the f64 reference's on that group's surface,
/// within the f32 tolerance of `tests/sim_gpu.rs`; and the groups really differ.
#[test]
fn each_group_runs_on_its_own_surface_as_the_reference() {
    let surface = Surface::from_name_or_expr_with(
        "x^2 + ripple*cos(2*pi*x/wavelength) + 0.5*k*y^2",
        vec![param("ripple", 0.1), param("wavelength", 1.0), param("k", 1.0)],
    )
    .unwrap();
    let names = ["ripple", "wavelength", "k"];
    let specs = [
        OptimizerSpec::parse_on("gd:lr=0.05..0.3:4,ripple=0..0.15:3", &names).unwrap(),
        OptimizerSpec::parse_on("adam:lr=0.05,k=3", &names).unwrap(),
        OptimizerSpec::parse_on("sgd:lr=0.1,momentum=0.5", &names).unwrap(),
    ];
    assert_eq!(specs[0].group_count(), 12);
    let groups: Vec<OptimizerSpec> = specs.iter().flat_map(OptimizerSpec::groups).collect();
    assert_eq!(groups.len(), 14);
    assert_eq!(
        groups[4].label, "gd lr=0.05 ripple=0.075",
        "labels name the surface's value"
    );
    let starts = [[1.3, 0.8], [-0.6, -1.1]];
    let steps = 40;
    let cpu = simulate(&surface, &groups, &starts, steps, 0.0);
    let gpu = gpu_paths(&surface, &groups, &starts, steps);
    assert_eq!(cpu.len(), gpu.len());
    let close = |a: f32, b: f64| (f64::from(a) - b).abs() <= 2e-4 * (1.0 + b.abs());
    for (i, (c, g)) in cpu.iter().zip(&gpu).enumerate() {
        for (s, (c, g)) in c.iter().zip(g).enumerate() {
            assert!(
                close(g[0], c.pos[0]) && close(g[1], c.pos[1]) && close(g[2], c.loss),
                "{} particle {i} step {s}: gpu {g:?} vs cpu {:?} loss {}",
                groups[i / starts.len()].label,
                c.pos,
                c.loss
            );
        }
    }
    // The same lr on three ripples: three different paths (a GPU that ignored the table
    // would give one).
    let finals: Vec<f32> = [0, 4, 8]
        .iter()
        .map(|g| gpu[g * starts.len()][steps as usize][0])
        .collect();
    assert!(
        (finals[0] - finals[1]).abs() > 1e-3 && (finals[1] - finals[2]).abs() > 1e-3,
        "{finals:?}"
    );
    // k = 3 for adam only: its y-gradient is three times the surface's own.
    let own = surface.grad_with([0.0, 1.0], &surface.param_values(&[]));
    let adam = surface.grad_with([0.0, 1.0], &surface.param_values(&groups[12].surface));
    assert!((adam[1] - 3.0 * own[1]).abs() < 1e-12, "{own:?} {adam:?}");
}

/// The shipped scene, cut to 24 x 24: at ripple 0 the surface is x^2, whose boundary is
/// lr = 1; every pixel's converged/diverged label is the f64 reference's, except where the
/// reference's mean normalised loss is within 1% of the threshold; and the ripple moves the
/// boundary.
#[test]
fn the_cosine_quadratic_map_is_the_references() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenes/cosine-quadratic.toml");
    let mut scene = Scene::load(std::path::Path::new(path)).unwrap();
    for axis in &mut scene.optimizers[0].sweep {
        axis.range.count = 24;
    }
    let params: Vec<&str> = scene.optimizers[0]
        .sweep
        .iter()
        .map(|a| a.param.as_str())
        .collect();
    assert_eq!(params, ["lr", "ripple"], "lr across, ripple up");
    let gpu = common::gpu();
    let outcome = descent::run::run_scene(gpu, &scene, &Default::default()).unwrap();
    let sums = outcome.scores.as_deref().expect("the scene keeps scores");
    let groups = scene.groups();
    assert_eq!(groups.len(), 24 * 24);
    let starts = scene
        .starts
        .generate(&scene.surface.domain, scene.surface.is_1d());
    let cpu = simulate(&scene.surface, &groups, &starts, scene.steps, 0.0);
    let steps = scene.steps as usize;
    let (mut exempt, mut converged) = (0, 0);
    let mut boundary = Vec::new();
    for (g, spec) in groups.iter().enumerate() {
        let losses: Vec<f64> = cpu[g][..steps]
            .iter()
            .map(|p| if p.status == 2 { f64::INFINITY } else { p.loss })
            .collect();
        let want = Trainability::of_losses(&losses);
        let got = Trainability::of_sums(sums[g], scene.steps);
        let tail = &losses[steps - 20..];
        let normalised = tail.iter().map(|l| l / losses[0]).sum::<f64>() / 20.0;
        if (normalised - 1.0).abs() < 0.01 {
            exempt += 1;
            continue;
        }
        assert_eq!(
            got.converged, want.converged,
            "{}: gpu {got:?} vs f64 {want:?}",
            spec.label
        );
        converged += usize::from(got.converged);
        let ripple = spec.number("ripple").unwrap();
        if ripple == 0.0 {
            assert_eq!(got.converged, spec.params.lr < 1.0, "{}", spec.label);
        }
        if g % 24 == 23 || !got.converged {
            continue;
        }
        // The last converged lr of each row, where the next one diverges.
        if !Trainability::of_sums(sums[g + 1], scene.steps).converged {
            boundary.push((ripple, spec.params.lr));
        }
    }
    assert!(exempt < 10, "{exempt} pixels within 1% of the threshold");
    assert!(
        converged > 100 && converged < 24 * 24 - 100,
        "{converged} converged"
    );
    let lrs: Vec<f64> = boundary.iter().map(|b| b.1).collect();
    assert!(
        lrs.iter().any(|lr| (lr - lrs[0]).abs() > 0.05),
        "the ripple moves the boundary: {boundary:?}"
    );
}

/// Names and values are checked where they are written; the scene's writers give it back.
#[test]
fn surface_parameters_are_checked_and_written_back() {
    let scene = |params: &str, optimizer: &str| {
        Scene::parse(
            "p.toml",
            &format!(
                "[surface]\nexpr = \"x^2 + amp*cos(2*pi*x)\"\nparams = {params}\n\
                 [[optimizer]]\nname = \"gd\"\n{optimizer}\n[starts]\npoints = [[1.0]]\n"
            ),
        )
    };
    let err = scene("{ lr = 0.1 }", "lr = 0.1").unwrap_err().to_string();
    assert!(
        err.contains("p.toml:3:") && err.contains("'lr' is an optimizer's parameter"),
        "{err}"
    );
    let err = scene("{ sin = 0.1 }", "").unwrap_err().to_string();
    assert!(err.contains("a function"), "{err}");
    let err = scene("{ ampl = 0.1 }", "").unwrap_err().to_string();
    assert!(
        err.contains("unknown variable 'amp'") && err.contains("did you mean 'ampl'"),
        "{err}"
    );
    let err = scene("{ amp = 0.1 }", "freq = 2").unwrap_err().to_string();
    assert!(
        err.contains("p.toml:6:") && err.contains("surface's parameters: amp"),
        "{err}"
    );
    let err = scene("{ amp = \"big\" }", "").unwrap_err().to_string();
    assert!(
        err.contains("p.toml:3:") && err.contains("finite number"),
        "{err}"
    );

    let s = scene(
        "{ amp = 0.1 }",
        "lr = { from = 0.1, to = 0.9, count = 8 }\namp = { from = 0, to = 0.2, count = 4 }",
    )
    .unwrap();
    assert_eq!(s.group_count(), 32);
    let back = Scene::parse("back.toml", &s.to_toml()).unwrap();
    assert_eq!(back.surface.params(), s.surface.params());
    assert_eq!(back.optimizers[0].sweep, s.optimizers[0].sweep);
    let command = s.to_command();
    assert!(
        command.contains("--surface-param amp=0.1") && command.contains("amp=0..0.2:4"),
        "{command}"
    );
    // A built-in has no parameters; an optimizer key is not a surface parameter.
    let err = Surface::from_name_or_expr_with("rosenbrock", vec![param("amp", 1.0)]).unwrap_err();
    assert!(err.message.contains("no parameters"), "{}", err.message);
    let err = OptimizerSpec::parse_on("gd:lr=0.1,amp=x", &["amp"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column 15") && err.contains("finite number"),
        "{err}"
    );
}

/// A surface parameter swept from a scene file (`[surface] params`) and from the flags
/// (`--surface-param`) is the same sweep with the same labels: the two paths share one
/// helper (the flags' labels did not name the swept parameter).
#[test]
fn a_surface_sweep_from_a_file_and_from_flags_is_the_same() {
    let dir = std::env::temp_dir().join(format!("descent-surface-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("folder");
    let file = dir.join("sweep.toml");
    std::fs::write(
        &file,
        "[surface]\nexpr = \"x^2 + amp*cos(2*pi*x)\"\nparams = { amp = { from = 0, to = 0.2, count = 3 } }\n\
         [[optimizer]]\nname = \"gd\"\nlr = 0.1\n[starts]\npoints = [[1.0]]\n[run]\nsteps = 5\n",
    )
    .expect("scene");
    let run = |args: &[&str], csv: &str| {
        let out = dir.join(csv);
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_descent"))
            .arg("run")
            .args(args)
            .arg("--sweep-csv")
            .arg(&out)
            .status()
            .expect("descent run");
        assert!(status.success());
        std::fs::read_to_string(&out).expect("csv")
    };
    let from_file = run(&[file.to_str().expect("path")], "file.csv");
    let from_flags = run(
        &[
            "--surface",
            "x^2 + amp*cos(2*pi*x)",
            "--surface-param",
            "amp=0..0.2:3",
            "--optimizer",
            "gd:lr=0.1",
            "--start=1",
            "--steps",
            "5",
        ],
        "flags.csv",
    );
    assert!(from_file.contains("\"gd:lr=0.1,amp=0..0.2:3\""), "{from_file}");
    assert_eq!(from_flags, from_file);
}
