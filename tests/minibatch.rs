//! Mini-batch SGD in linear-regression scenes: the GPU follows the f64 reference batch by
//! batch, a full batch is plain gradient descent, and smaller batches are noisy versions of it.

mod common;

use descent::cpu::sim::simulate_scene;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::scene::Scene;

fn scene() -> Scene {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenes/linear-regression-minibatch.toml"
    );
    Scene::load(std::path::Path::new(path)).unwrap()
}

#[test]
fn mini_batch_paths_on_the_gpu_follow_the_reference() {
    let scene = scene();
    let starts = scene.start_points();
    let steps = scene.steps;
    let gpu = common::gpu();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(steps)),
    )
    .unwrap();
    sim.advance_to(gpu, steps);
    let trail = sim.read_trail(gpu).unwrap();
    let cpu = simulate_scene(&scene, &starts, steps).unwrap();
    let n = cpu.len();
    for (i, path) in cpu.iter().enumerate() {
        for (s, want) in path.iter().enumerate() {
            let got = trail[s * n + i];
            for k in 0..2 {
                let d = (f64::from(got.pos[k]) - want.pos[k]).abs();
                assert!(
                    d <= 2e-4 * (1.0 + want.pos[k].abs()),
                    "optimizer {i} step {s}: gpu {:?} vs f64 {:?}",
                    got.pos,
                    want.pos
                );
            }
        }
    }
    // The batches matter: single-sample SGD ends away from full-batch GD, but near the
    // least-squares line (its loss within a few times the minimum).
    let (m, b) = scene.regression.as_ref().unwrap().data.least_squares();
    let data = &scene.regression.as_ref().unwrap().data;
    let best = data.mse(m, b);
    let end = |g: usize| cpu[g][steps as usize].pos;
    assert!(
        (end(0)[0] - m).abs() < 0.5 && (end(0)[1] - b).abs() < 0.5,
        "gd {:?} vs {m} {b}",
        end(0)
    );
    for g in [1, 2] {
        assert!(end(g) != end(0), "optimizer {g}");
        let loss = data.mse(end(g)[0], end(g)[1]);
        assert!(loss < 3.0 * best, "optimizer {g}: {loss} vs {best}");
    }
}

#[test]
fn a_full_batch_is_plain_gradient_descent() {
    let mut scene = scene();
    let n = scene.regression.as_ref().unwrap().data.len();
    // batch_size n (and anything larger: one batch of everything) against no batches.
    scene.optimizers.truncate(1);
    let mut full = scene.optimizers[0].clone();
    full.set("batch_size", &n.to_string()).unwrap();
    let mut more = full.clone();
    more.set("batch_size", &(3 * n).to_string()).unwrap();
    scene.optimizers.extend([full, more]);
    let starts = [[0.0, 0.0], [80.0, -20.0]];
    let cpu = simulate_scene(&scene, &starts, 120).unwrap();
    for g in [1, 2] {
        for s in 0..2 {
            for (a, b) in cpu[s].iter().zip(&cpu[g * 2 + s]) {
                for k in 0..2 {
                    assert!(
                        (a.pos[k] - b.pos[k]).abs() <= 1e-9 * (1.0 + a.pos[k].abs()),
                        "{a:?} {b:?}"
                    );
                }
            }
        }
    }
    // And the GPU agrees.
    let gpu = common::gpu();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(120)),
    )
    .unwrap();
    sim.advance_to(gpu, 120);
    for (i, p) in sim.read_particles(gpu).unwrap().iter().enumerate() {
        let want = cpu[i % 2][120].pos;
        for (got, want) in p.pos.iter().zip(want) {
            assert!((f64::from(*got) - want).abs() <= 2e-4 * (1.0 + want.abs()), "{i}");
        }
    }
}
