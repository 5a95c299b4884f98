//! The trainability score on the GPU (lavapipe): its sums equal the f64 reference's
//! (Sohl-Dickstein's `convergence_measure` over the CPU simulation's losses), and on
//! x^2 + y^2 with SGD the boundary sits at lr = 1 however far one zooms: a map of lr in
//! 0.999..1.001 is converged left of 1 and diverged right of it, pixel for pixel. The paper's
//! network (assets/scenes/models/trainability-fractal.toml) labels each pixel as its f64
//! twin does.

mod common;

use descent::cpu::sim::simulate;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::optim::OptimizerSpec;
use descent::outcome::sweep_map::{fractal_dimensions, sweep_maps};
use descent::outcome::trainability::Trainability;
use descent::scene::{Scene, SweepScore};
use descent::surfaces::Surface;

fn gpu_sums(surface: &Surface, specs: &[OptimizerSpec], starts: &[[f64; 2]], steps: u32) -> Vec<[f32; 4]> {
    let gpu = common::gpu();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup {
            surface,
            optimizers: specs.into(),
            starts,
            max_steps: steps,
            tol: 0.0,
            trail: TrailPlan {
                capacity: 0,
                record_every: 1,
            },
            seed: 0,
            regression: None,
            scores: true,
        },
    )
    .expect("simulation");
    // In several dispatches: the sums carry over.
    for to in [3, 17, steps] {
        sim.advance_to(gpu, to);
    }
    sim.read_scores(gpu).unwrap().expect("a run that keeps scores")
}

#[test]
fn gpu_sums_equal_the_f64_reference() {
    let surface = Surface::from_name_or_expr("rosenbrock").unwrap();
    let specs: Vec<OptimizerSpec> = [
        "sgd:lr=0.0005",
        "sgd:lr=0.003",
        "adam:lr=0.05",
        "sgd:lr=0.0012,momentum=0.9",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let starts = [[-1.5, 2.0], [0.5, -0.5]];
    let steps = 60;
    let sums = gpu_sums(&surface, &specs, &starts, steps);
    let cpu = simulate(&surface, &specs, &starts, steps, 0.0);
    let (mut converged, mut diverged) = (0, 0);
    for (i, path) in cpu.iter().enumerate() {
        // The losses before each step: after steps 0..steps-1; a diverged particle's are
        // infinite from then on (the reference stops it there, as the GPU does).
        let losses: Vec<f64> = path[..steps as usize]
            .iter()
            .map(|p| if p.status == 2 { f64::INFINITY } else { p.loss })
            .collect();
        let want = Trainability::of_losses(&losses);
        let got = Trainability::of_sums(sums[i], steps);
        assert_eq!(got.converged, want.converged, "particle {i}: {got:?} vs {want:?}");
        let rel = (got.score - want.score).abs() / want.score.abs().max(1e-30);
        assert!(rel < 1e-4, "particle {i}: score {} vs {}", got.score, want.score);
        if want.converged {
            converged += 1;
        } else {
            diverged += 1;
        }
    }
    assert!(
        converged > 0 && diverged > 0,
        "both classes: {converged} and {diverged}"
    );
}

#[test]
fn the_bowls_boundary_is_at_lr_one_pixel_for_pixel() {
    let gpu = common::gpu();
    let text = "[surface]\nname = \"bowl\"\n[[optimizer]]\nname = \"sgd\"\n\
                lr = { from = 0.999, to = 1.001, count = 64 }\n\
                dampening = { from = 0.0, to = 0.5, count = 16 }\n\
                [starts]\npoints = [[1.0, 0.5]]\n[run]\nsteps = 100\n\
                [view]\nsweep_score = \"trainability\"\n";
    let scene = Scene::parse("bowl-zoom.toml", text).unwrap();
    assert_eq!(scene.view.sweep_score, Some(SweepScore::Trainability));
    let outcome = descent::run::run_scene(gpu, &scene, &Default::default()).unwrap();
    let sums = outcome.scores.as_deref().expect("the scene keeps scores");
    let groups = scene.groups();
    for (g, spec) in groups.iter().enumerate() {
        let lr = spec.params.lr as f32;
        let t = Trainability::of_sums(sums[g], scene.steps);
        assert_eq!(t.converged, lr < 1.0, "group {g}: lr {lr} gives {t:?}");
    }
    // The map: converged columns (Spectral's green-to-violet side, blue above 150) left of
    // lr = 1, diverged ones (its red-to-yellow side, blue below 120) right.
    let maps = sweep_maps(&scene, &outcome.particles, 1, Some(sums));
    // A scene file's swept keys come in name order: dampening across, lr up (rows from the
    // top: the highest lr first).
    let image = &maps[0].image;
    assert!(
        maps[0].title.contains("dampening across, lr up"),
        "{}",
        maps[0].title
    );
    assert_eq!(image.dimensions(), (16, 64));
    for y in 0..64 {
        for x in 0..16 {
            let c = image.get_pixel(x, y).0;
            assert_eq!(c[2] > 140, y >= 32, "pixel ({x}, {y}) {c:?}");
        }
    }
    assert!(maps[0].title.contains("trainability"), "{}", maps[0].title);
    // A straight boundary: its dimension is about 1 (a 64 x 16 map counts boxes of 1 and 2).
    let dims = fractal_dimensions(&scene, Some(sums), 1);
    let d = dims[0].1.expect("a boundary");
    assert!((d - 1.0).abs() < 0.15, "{d}");
}

/// A map zoomed below f32's spacing (the GPU's precision) says so in its title: its
/// neighbouring cells share a value and stop being distinct runs.
#[test]
fn a_map_below_f32_spacing_says_so() {
    let scene = |lr: &str| {
        let text = format!(
            "[surface]\nname = \"bowl\"\n[[optimizer]]\nname = \"sgd\"\nlr = {lr}\n\
             momentum = {{ from = 0.0, to = 0.5, count = 8 }}\n[starts]\npoints = [[1.0, 0.5]]\n"
        );
        Scene::parse("f32.toml", &text).unwrap()
    };
    let title = |s: &Scene| {
        let particles = vec![Default::default(); s.group_count() as usize];
        sweep_maps(s, &particles, 1, None)[0].title.clone()
    };
    let fine = scene("{ from = 0.9999, to = 1.0001, count = 64 }");
    assert!(!title(&fine).contains("f32"), "{}", title(&fine));
    let blurred = scene("{ from = 0.9999999, to = 1.0000001, count = 64 }");
    assert!(
        title(&blurred).contains("lr below f32 spacing"),
        "{}",
        title(&blurred)
    );
}

/// The shipped trainability scene (Sohl-Dickstein's 16-16-1 mean-field tanh network, an lr
/// per layer) at 32 x 32 pixels and 50 steps: every pixel's converged/diverged label on the
/// GPU (f32) equals the f64 twin's, except where the twin's last-20 mean of normalised losses
/// is within 1% of the threshold 1 (the test prints how many that exempts).
#[test]
fn the_papers_network_labels_every_pixel_as_its_f64_twin() {
    use descent::gpu::model_sim::{ModelSetup, train};
    use descent::model::{ModelProblem, Training};
    use descent::sweep::ParamRange;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenes/models/trainability-fractal.toml"
    );
    let mut scene = Scene::load(std::path::Path::new(path)).unwrap();
    scene.steps = 50;
    for axis in &mut scene.optimizers[0].sweep {
        let r = axis.range;
        axis.range = ParamRange::new(r.from, r.to, 32, r.spacing).unwrap();
    }
    let model = scene.model.as_ref().unwrap();
    let problem = ModelProblem::resolve(&model.args, &|p| std::fs::read_to_string(p)).unwrap();
    let groups = scene.groups();
    assert_eq!(groups.len(), 1024);
    let setup = ModelSetup {
        problem: &problem,
        optimizers: &groups,
        steps: scene.steps,
        tol: 0.0,
        seed: 0,
        record_every: 0,
        plane: None,
        keep_parameters: false,
    };
    let trained = train(common::gpu(), &setup, &mut |_| {}).unwrap();
    assert!(trained.parameters.is_empty(), "a map reads back no parameters");
    let training = Training {
        problem: problem.problem(),
        optimizers: &groups,
        inits: &problem.inits,
        steps: scene.steps,
        tol: 0.0,
        seed: 0,
    };
    // The twin on both cores.
    let twin: Vec<(bool, f64)> = std::thread::scope(|scope| {
        let halves: Vec<_> = [0..512, 512..1024]
            .into_iter()
            .map(|range| {
                let training = &training;
                scope.spawn(move || {
                    range
                        .map(|g| {
                            let losses = training.one(g).unwrap().losses_before_steps();
                            let first = losses[0];
                            let tail: f64 = losses[losses.len() - 20..]
                                .iter()
                                .map(|l| (l / first).min(1e6))
                                .map(|v| if v.is_finite() { v } else { 1e6 })
                                .sum::<f64>()
                                / 20.0;
                            (Trainability::of_losses(&losses).converged, tail)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let (mut exempt, mut exempt_differ, mut converged) = (0, 0, 0);
    for (g, &(label, tail)) in twin.iter().enumerate() {
        converged += usize::from(label);
        let gpu = Trainability::of_sums(trained.meta[g].scores, scene.steps).converged;
        // Mostly the smallest rates, whose loss moves less than 1% in 50 steps.
        if (tail - 1.0).abs() <= 0.01 {
            exempt += 1;
            exempt_differ += usize::from(gpu != label);
            continue;
        }
        assert_eq!(
            gpu, label,
            "pixel {g} ({}): GPU {gpu}, twin {label} (twin's tail mean {tail})",
            groups[g].label
        );
    }
    eprintln!(
        "{converged} of 1024 pixels converged; {exempt} exempt (within 1% of the threshold), \
         {exempt_differ} of them labelled otherwise on the GPU"
    );
    assert!(
        converged > 100 && converged < 924,
        "{converged} converged: no boundary"
    );
    assert!(exempt < 160, "{exempt} pixels exempt");
}

/// The window's coarse-to-fine training of a model map ends with the numbers of one whole
/// run (each model trains alone, whatever its chunk), and before that shows every cell:
/// untrained ones take the cell of the finest whole level over them.
#[test]
fn a_map_trained_coarse_to_fine_ends_as_one_run() {
    use descent::run::map_run::train_to_end;
    use descent::world::map_training::MapTraining;
    let text = r#"
[model]
model = "mlp:4-4-1:tanh:nobias:meanfield"
loss = "mse"
data = "teacher:n=20,d=4"
[[optimizer]]
name = "sgd"
lr_layer0 = { from = 1e-2, to = 1e4, count = 40, scale = "log" }
lr_layer1 = { from = 1e-2, to = 1e4, count = 36, scale = "log" }
[run]
steps = 25
[view]
sweep_score = "trainability"
"#;
    let scene = Scene::parse("map.toml", text).unwrap();
    let gpu = common::gpu();
    let whole = train_to_end(gpu, &scene).unwrap();
    let mut job = MapTraining::new(&scene).unwrap();
    assert!(job.outcome().is_none(), "nothing to show before the first level");
    let mut looks = 0;
    while !job.is_done() {
        // A chunk may end inside a level: the map shows once its first level is whole.
        if job.work(gpu, std::time::Duration::from_millis(1)).unwrap()
            && let Some((particles, _)) = job.outcome()
        {
            assert_eq!(particles.len(), 40 * 36);
            assert!(
                particles.iter().all(|p| p.loss.is_finite() || p.status == 2),
                "every cell shown"
            );
            looks += 1;
        }
    }
    assert!(looks >= 3, "{looks} looks: it sharpened in steps");
    let (particles, scores) = job.outcome().unwrap();
    let want = whole.scores.unwrap();
    for (g, (p, s)) in particles.iter().zip(&scores).enumerate() {
        assert_eq!(p.loss.to_bits(), whole.particles[g].loss.to_bits(), "group {g}");
        assert_eq!((p.status, *s), (whole.particles[g].status, want[g]), "group {g}");
    }
}
