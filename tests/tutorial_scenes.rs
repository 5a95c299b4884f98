//! Each tutorial scene, run headless to the end, reproduces the numbers its tutorial states.

mod common;

use descent::cpu::sim::simulate;
use descent::run::{RunOptions, run_scene};
use descent::scene::Scene;

fn load(name: &str) -> Scene {
    let path = format!("{}/assets/scenes/{name}", env!("CARGO_MANIFEST_DIR"));
    Scene::load(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn linear_regression_reaches_least_squares() {
    let scene = load("linear-regression.toml");
    let reg = scene.regression.as_ref().unwrap();
    let (m, b) = reg.data.least_squares();
    assert_eq!(scene.surface.minima, vec![[m, b]]);
    let outcome = run_scene(common::gpu(), &scene, &RunOptions::default()).unwrap();
    // Plain GD (group 0) from (0, 0): within 1e-3 of the closed form.
    let gd = outcome.particles[0];
    assert!(
        (f64::from(gd.pos[0]) - m).abs() < 1e-3 && (f64::from(gd.pos[1]) - b).abs() < 1e-3,
        "{gd:?} vs ({m}, {b})"
    );
    // The loss is the data's MSE at the line found.
    let mse = reg.data.mse(f64::from(gd.pos[0]), f64::from(gd.pos[1]));
    assert!(
        (f64::from(gd.loss) - mse).abs() < 1e-5 * mse,
        "{} vs {mse}",
        gd.loss
    );
}

#[test]
fn linear_regression_only_b_is_one_dimensional() {
    let scene = load("linear-regression-only-b.toml");
    assert!(scene.surface.is_1d());
    let reg = scene.regression.as_ref().unwrap();
    let m = reg.fixed_slope.unwrap();
    let s = reg.data.moments();
    let b_best = s.y - m * s.x;
    assert!((scene.surface.minima[0][0] - b_best).abs() < 1e-9);
    let outcome = run_scene(common::gpu(), &scene, &RunOptions::default()).unwrap();
    let p = outcome.particles[0];
    assert!(
        (f64::from(p.pos[0]) - b_best).abs() < 1e-3 && p.pos[1] == 0.0,
        "{p:?} vs {b_best}"
    );
    // GD on b^2 + ...: b_k - b* = (1 - 2 lr)^k (b_0 - b*), checked against the f64 reference.
    let cpu = simulate(&scene.surface, &scene.optimizers, &scene.start_points(), 10, 0.0);
    let b10 = b_best + 0.8f64.powi(10) * (0.0 - b_best);
    assert!(
        (cpu[0][10].pos[0] - b10).abs() < 1e-9,
        "{} vs {b10}",
        cpu[0][10].pos[0]
    );
}
