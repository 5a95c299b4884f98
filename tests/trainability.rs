//! The trainability score on the GPU (lavapipe): its sums equal the f64 reference's
//! (Sohl-Dickstein's `convergence_measure` over the CPU simulation's losses), and on
//! x^2 + y^2 with SGD the boundary sits at lr = 1 however far one zooms: a map of lr in
//! 0.999..1.001 is converged left of 1 and diverged right of it, pixel for pixel.

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
