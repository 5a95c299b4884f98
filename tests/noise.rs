//! Gradient noise: SGD on x^2 + y^2 with noise is an AR(1) process whose stationary statistics
//! are known in closed form; the GPU's draws match the f64 reference's, do not depend on how
//! particles are split into chunks, differ between particles and steps, and repeat per seed.

mod common;

use descent::cpu::sim::simulate_with;
use descent::gpu::gpu_data::Particle;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::optim::OptimizerSpec;
use descent::step_tables::StepInputs;
use descent::surfaces::Surface;

fn run(
    optimizer: &str,
    starts: &[[f64; 2]],
    steps: u32,
    seed: u64,
    chunk: u32,
    at: &[u32],
) -> Vec<Vec<Particle>> {
    let surface = Surface::from_name_or_expr("x^2 + y^2").unwrap();
    let spec: OptimizerSpec = optimizer.parse().unwrap();
    let gpu = common::gpu();
    let setup = SimSetup {
        surface: &surface,
        optimizers: std::slice::from_ref(&spec).into(),
        starts,
        max_steps: steps,
        tol: 0.0,
        trail: TrailPlan {
            capacity: 0,
            record_every: 1,
        },
        seed,
        regression: None,
        scores: false,
    };
    let mut sim = Simulation::with_chunk_limit(gpu, &setup, chunk).unwrap();
    at.iter()
        .map(|&s| {
            sim.advance_to(gpu, s);
            sim.read_particles(gpu).unwrap()
        })
        .collect()
}

#[test]
fn noisy_sgd_on_a_bowl_has_the_ar1_stationary_statistics() {
    // x' = x - lr (2 x + s z) = (1 - 2 lr) x - lr s z: variance lr s^2 / (4 (1 - lr)), mean 0,
    // lag-one correlation 1 - 2 lr. lr 0.1, s 1: 0.02778 and 0.8; 200 steps forget the start
    // (0.8^200 ~ 4e-20).
    let n = 20_000;
    let starts = vec![[0.5, -0.5]; n];
    let out = run("sgd:lr=0.1,grad_noise=1", &starts, 201, 5, u32::MAX, &[200, 201]);
    let (a, b) = (&out[0], &out[1]);
    let want_var = 0.1 / (4.0 * 0.9);
    for k in 0..2 {
        let x: Vec<f64> = a.iter().map(|p| f64::from(p.pos[k])).collect();
        let y: Vec<f64> = b.iter().map(|p| f64::from(p.pos[k])).collect();
        let mean = x.iter().sum::<f64>() / n as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        let mean_y = y.iter().sum::<f64>() / n as f64;
        let var_y = y.iter().map(|v| (v - mean_y).powi(2)).sum::<f64>() / n as f64;
        let cov = x
            .iter()
            .zip(&y)
            .map(|(u, v)| (u - mean) * (v - mean_y))
            .sum::<f64>()
            / n as f64;
        let corr = cov / (var * var_y).sqrt();
        eprintln!(
            "component {k}: mean {mean:.5}, variance {var:.5} (want {want_var:.5}), lag-1 correlation {corr:.4}"
        );
        // Standard errors: variance ~1% (sqrt(2/n)), mean sqrt(var/n) = 0.0012, correlation ~0.003.
        assert!(
            (var / want_var - 1.0).abs() < 0.04,
            "variance {var} vs {want_var}"
        );
        assert!(mean.abs() < 0.005, "mean {mean}");
        assert!((corr - 0.8).abs() < 0.015, "correlation {corr}");
    }
}

#[test]
fn the_gpus_draws_are_the_references_and_independent_of_chunks() {
    let starts: Vec<[f64; 2]> = (0..150)
        .map(|i| [(i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()])
        .collect();
    let optimizer = "adam:lr=0.05,grad_noise=0.7";
    let whole = run(optimizer, &starts, 40, 11, u32::MAX, &[40]).remove(0);
    // Chunks of 64 particles (and slices within them): the same bits, since the noise is keyed
    // by the global particle index.
    let chunked = run(optimizer, &starts, 40, 11, 64, &[40]).remove(0);
    assert_eq!(whole, chunked);
    let surface = Surface::from_name_or_expr("x^2 + y^2").unwrap();
    let spec: OptimizerSpec = optimizer.parse().unwrap();
    let inputs = StepInputs {
        seed: 11,
        regression: None,
    };
    let cpu = simulate_with(&surface, &[spec], &starts, 40, 0.0, &inputs).unwrap();
    for (i, p) in whole.iter().enumerate() {
        let want = cpu[i][40].pos;
        for k in 0..2 {
            let d = (f64::from(p.pos[k]) - want[k]).abs();
            assert!(
                d < 2e-4 * (1.0 + want[k].abs()),
                "particle {i}: gpu {:?} vs f64 {want:?}",
                p.pos
            );
        }
    }
}

#[test]
fn draws_differ_between_particles_and_steps_and_repeat_per_seed() {
    let starts = vec![[0.0, 0.0]; 64];
    let a = run("sgd:lr=0.1,grad_noise=1", &starts, 3, 1, u32::MAX, &[1, 2, 3]);
    // From one start, every particle went its own way, at every step.
    for step in &a {
        let mut xs: Vec<u32> = step.iter().map(|p| p.pos[0].to_bits()).collect();
        xs.sort();
        xs.dedup();
        assert_eq!(xs.len(), 64, "all distinct");
    }
    // Step 2's displacement is not step 1's again.
    let d1 = a[0][0].pos[0];
    let d2 = a[1][0].pos[0] - 0.8 * a[0][0].pos[0];
    assert!((d1 - d2).abs() > 1e-6, "{d1} {d2}");
    // The same seed repeats bit for bit; another seed does not.
    assert_eq!(
        a,
        run("sgd:lr=0.1,grad_noise=1", &starts, 3, 1, u32::MAX, &[1, 2, 3])
    );
    assert_ne!(
        a,
        run("sgd:lr=0.1,grad_noise=1", &starts, 3, 2, u32::MAX, &[1, 2, 3])
    );
    // No noise: every particle stays at the minimum.
    let still = run("sgd:lr=0.1", &starts, 3, 1, u32::MAX, &[3]);
    assert!(still[0].iter().all(|p| p.pos == [0.0, 0.0]));
}
