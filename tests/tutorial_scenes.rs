//! Each tutorial scene, run headless to the end, reproduces the numbers its tutorial states.

mod common;

use descent::cpu::sim::simulate;
use descent::run::{RunOptions, run_scene};
use descent::scene::Scene;

fn load(name: &str) -> Scene {
    let path = format!("{}/assets/scenes/{name}", env!("CARGO_MANIFEST_DIR"));
    Scene::load(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"))
}

/// The least-squares line of the data, computed here from the points (the slope is the
/// covariance over the variance of x, the line passes through the means), not with the
/// library's `least_squares`, from which the scene's marked minimum is set.
fn closed_form(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let var: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let m = cov / var;
    (m, my - m * mx)
}

#[test]
fn linear_regression_reaches_least_squares() {
    let scene = load("linear-regression.toml");
    let reg = scene.regression.as_ref().unwrap();
    let (m, b) = closed_form(&reg.data.x, &reg.data.y);
    let marked = scene.surface.minima[0];
    assert!(
        (marked[0] - m).abs() < 1e-9 * m.abs() && (marked[1] - b).abs() < 1e-9 * m.abs(),
        "the marked minimum {marked:?} is not the least-squares line ({m}, {b})"
    );
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
    // With the slope held, J(b) = mean((m x + b - y)^2) is least at b = mean(y) - m mean(x).
    let n = reg.data.x.len() as f64;
    let b_best = reg.data.y.iter().sum::<f64>() / n - m * reg.data.x.iter().sum::<f64>() / n;
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

#[test]
fn theta_squared_course_example() {
    let scene = load("theta-squared.toml");
    let path = gpu_paths(&scene).swap_remove(0);
    let stop = path
        .iter()
        .position(|p| p.status == descent::gpu::gpu_data::STATUS_CONVERGED)
        .unwrap();
    assert_eq!(stop, 15, "the tolerance stops it at step 15 of at most 20");
    for (k, p) in path.iter().enumerate().take(stop + 1) {
        let want = 3.0 * 0.4f64.powi(k as i32);
        assert!(
            (f64::from(p.pos[0]) - want).abs() <= 1e-6 * want.max(1e-3),
            "step {k}: {} vs {want}",
            p.pos[0]
        );
        assert!((f64::from(p.loss) - want * want).abs() <= 1e-5 * (want * want).max(1e-6));
    }
}

#[test]
fn sgd_1d_post_is_15_steps_of_x_times_0_8() {
    let scene = load("sgd-1d.toml");
    assert_eq!(scene.steps, 15);
    let x0 = scene.start_points()[0][0];
    assert!((-4.0..4.0).contains(&x0) && x0.abs() > 0.1, "{x0}");
    let path = gpu_paths(&scene).swap_remove(0);
    assert_eq!(path.len(), 16);
    for (k, p) in path.iter().enumerate() {
        let want = x0 * 0.8f64.powi(k as i32);
        assert!(
            (f64::from(p.pos[0]) - want).abs() <= 1e-6 * want.abs().max(1.0),
            "epoch {k}: {} vs {want}",
            p.pos[0]
        );
    }
}

#[test]
fn sgd_vs_adam_breaks_the_symmetry() {
    let scene = load("sgd-vs-adam.toml");
    let outcome = run_scene(common::gpu(), &scene, &RunOptions::default()).unwrap();
    let (sgd, adam) = (outcome.particles[0], outcome.particles[1]);
    // SGD: y = 1e-8 * 1.02^200, still ~5e-7 — stuck on the ridge; Adam escapes to |y| > 1.
    assert!(
        (f64::from(sgd.pos[1]) - 1e-8 * 1.02f64.powi(200)).abs() < 1e-9,
        "{sgd:?}"
    );
    assert!(adam.pos[1].abs() > 1.0, "{adam:?}");
    // Within a few steps Adam's y is already orders of magnitude past SGD's.
    let cpu = simulate(&scene.surface, &scene.optimizers, &scene.start_points(), 5, 0.0);
    assert!(cpu[1][5].pos[1].abs() > 1e3 * cpu[0][5].pos[1].abs());
}

#[test]
fn himmelblau_starts_settle_in_the_four_basins() {
    let scene = load("himmelblau-basins.toml");
    let outcome = run_scene(common::gpu(), &scene, &RunOptions::default()).unwrap();
    assert_eq!(outcome.particles.len(), 316 * 316);
    let mut per_minimum = [0u32; 4];
    for p in &outcome.particles {
        let near = scene
            .surface
            .minima
            .iter()
            .position(|m| (f64::from(p.pos[0]) - m[0]).hypot(f64::from(p.pos[1]) - m[1]) < 1e-2);
        if let Some(k) = near {
            per_minimum[k] += 1;
        }
    }
    let settled: u32 = per_minimum.iter().sum();
    assert!(settled > 95_000, "{per_minimum:?}");
    // Every basin is reached by a good share of the uniform starts.
    assert!(per_minimum.iter().all(|&c| c > 10_000), "{per_minimum:?}");
}

/// Every particle's trajectory on the GPU, every step: `out[i][s]`.
fn gpu_paths(scene: &Scene) -> Vec<Vec<descent::gpu::gpu_data::TrailPoint>> {
    use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
    let gpu = common::gpu();
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .unwrap();
    sim.advance_to(gpu, scene.steps);
    let n = sim.particle_count() as usize;
    let trail = sim.read_trail(gpu).unwrap();
    (0..n)
        .map(|i| (0..=scene.steps as usize).map(|s| trail[s * n + i]).collect())
        .collect()
}

fn close(got: f32, want: f64) -> bool {
    (f64::from(got) - want).abs() <= 1e-5 * want.abs().max(1e-2)
}

#[test]
fn saddle_two_starts_follow_the_closed_form() {
    // GD with lr 0.01 on x^2 - y^2: x <- 0.98 x, y <- 1.02 y. From (1, 0) the path runs down
    // the ridge to the saddle point; from (1, 0.25) it slides off, y = 0.25 * 1.02^k.
    let scene = load("saddle-two-starts.toml");
    let paths = gpu_paths(&scene);
    assert_eq!(paths.len(), 2);
    for (i, y0) in [(0, 0.0), (1, 0.25)] {
        for (k, p) in paths[i].iter().enumerate() {
            let (x, y) = (0.98f64.powi(k as i32), y0 * 1.02f64.powi(k as i32));
            assert!(
                close(p.pos[0], x) && close(p.pos[1], y),
                "start {i} step {k}: {p:?}"
            );
            // The loss is a difference of squares: its rounding scales with x^2 + y^2.
            let loss_tol = 1e-5 * (x * x + y * y).max(1e-2);
            assert!(
                (f64::from(p.loss) - (x * x - y * y)).abs() <= loss_tol,
                "start {i} step {k}: {p:?}"
            );
        }
    }
}

#[test]
fn sgd_2d_top_zig_zags_across_the_valley() {
    // x^2 + 4 y^2 with SGD lr 0.2: x <- 0.6 x, y <- -0.6 y (the step overshoots in y and the
    // path zig-zags); momentum matches the f64 reference.
    let scene = load("sgd-2d-top.toml");
    let paths = gpu_paths(&scene);
    for (k, p) in paths[0].iter().enumerate().take(20) {
        let (x, y) = (-2.5 * 0.6f64.powi(k as i32), 2.0 * (-0.6f64).powi(k as i32));
        assert!(close(p.pos[0], x) && close(p.pos[1], y), "step {k}: {p:?}");
    }
    let cpu = simulate(
        &scene.surface,
        &scene.optimizers,
        &scene.start_points(),
        scene.steps,
        scene.tol,
    );
    for (k, (g, c)) in paths[1].iter().zip(&cpu[1]).enumerate() {
        for d in 0..2 {
            assert!(
                (f64::from(g.pos[d]) - c.pos[d]).abs() < 1e-4,
                "momentum step {k}: {g:?} vs {c:?}"
            );
        }
    }
    // Both end near the marked minimum: the loss 100 times below the start's (22.25).
    for path in &paths {
        let end = path.last().unwrap();
        assert!(end.loss < 0.2225, "{end:?}");
    }
}

#[test]
fn rosenbrock_race_adaptive_methods_reach_the_valley_and_blowups_are_marked() {
    use descent::gpu::gpu_data::STATUS_DIVERGED;
    let scene = load("rosenbrock-race.toml");
    let outcome = run_scene(common::gpu(), &scene, &RunOptions::default()).unwrap();
    let starts = scene.start_points().len();
    assert_eq!(outcome.particles.len(), 7 * starts);
    let group = |name: &str| {
        let g = scene.optimizers.iter().position(|o| o.name == name).unwrap();
        &outcome.particles[g * starts..(g + 1) * starts]
    };
    // Adam reaches the banana's floor (loss < 0.3 from every start, < 0.05 from the best);
    // plain GD with the same budget is behind from its worst start.
    let worst = |name: &str| group(name).iter().map(|p| p.loss).fold(0.0f32, f32::max);
    let best = |name: &str| group(name).iter().map(|p| p.loss).fold(f32::INFINITY, f32::min);
    assert!(worst("adam") < 0.3 && best("adam") < 0.05, "{:?}", group("adam"));
    assert!(worst("gd") > worst("adam"), "{:?}", group("gd"));
    // Momentum with lr 1e-3 blows up from (1.8, -0.5) within a few steps: marked diverged,
    // its position and loss the last finite ones.
    for p in &outcome.particles {
        assert!(p.pos.iter().all(|v| v.is_finite()) && p.loss.is_finite(), "{p:?}");
    }
    assert_eq!(
        group("momentum")[2].status,
        STATUS_DIVERGED,
        "{:?}",
        group("momentum")
    );
}

#[test]
fn rastrigin_swarm_is_caught_by_local_minima() {
    let scene = load("rastrigin-swarm.toml");
    let outcome = run_scene(common::gpu(), &scene, &RunOptions::default()).unwrap();
    let n = outcome.particles.len();
    assert_eq!(n, 2 * 1600);
    // Rastrigin's local minima sit near the integer lattice points.
    let at_lattice = outcome
        .particles
        .iter()
        .filter(|p| p.pos.iter().all(|v| (v - v.round()).abs() < 0.05))
        .count();
    assert!(
        at_lattice * 100 >= n * 95,
        "{at_lattice} of {n} at a lattice point"
    );
    // Few find the global minimum at the origin.
    let global = outcome.particles.iter().filter(|p| p.loss < 1e-3).count();
    assert!(global >= 1 && global * 100 < n * 2, "{global} of {n}");
}
