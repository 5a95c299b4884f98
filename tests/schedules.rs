//! Learning-rate schedules: the lr of every step, for every scheduler, against values derived
//! here from torch's documented formulas (closed forms, torch's doc examples, and the chained
//! recursions where torch uses them), and trajectories on the GPU against the f64 reference.

mod common;

use descent::cpu::sim::simulate_with;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::optim::OptimizerSpec;
use descent::schedule::{Cycled, Schedule, Sequence, parse_spec, sequence};
use descent::step_tables::StepInputs;
use descent::surfaces::Surface;
use std::f64::consts::PI;

fn spec(s: &str) -> OptimizerSpec {
    s.parse().unwrap()
}

fn schedule(text: &str) -> Schedule {
    Schedule::from_node(&parse_spec(text).unwrap()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn lrs(optimizer: &str, text: &str, steps: u32) -> Sequence {
    sequence(&schedule(text), &spec(optimizer), steps).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Every step's lr within `rel` of `want(e)`, e = t - 1 the scheduler's epoch.
fn assert_lrs(got: &[f64], want: impl Fn(usize) -> f64, rel: f64, what: &str) {
    for (e, &g) in got.iter().enumerate() {
        let w = want(e);
        assert!(
            (g - w).abs() <= rel * w.abs().max(1e-300),
            "{what}: step {} (epoch {e}): {g} vs {w}",
            e + 1
        );
    }
}

#[test]
fn step_multistep_exponential_constant_linear_polynomial_follow_their_closed_forms() {
    let base = 0.1;
    let s = lrs("sgd:lr=0.1", "step:step_size=3,gamma=0.5", 20);
    assert_lrs(&s.lr, |e| base * 0.5f64.powi((e / 3) as i32), 1e-15, "StepLR");
    // A milestone given twice decays twice (torch counts them).
    let s = lrs("sgd:lr=0.1", "multi_step:milestones=[4,9,9],gamma=0.1", 14);
    assert_lrs(
        &s.lr,
        |e| base * 0.1f64.powi([4, 9, 9].iter().filter(|&&m| m <= e).count() as i32),
        1e-14,
        "MultiStepLR",
    );
    let s = lrs("sgd:lr=0.1", "ExponentialLR(gamma=0.9)", 30);
    assert_lrs(&s.lr, |e| base * 0.9f64.powi(e as i32), 1e-13, "ExponentialLR");
    let s = lrs("sgd:lr=0.1", "constant:factor=0.5,total_iters=4", 10);
    assert_lrs(&s.lr, |e| if e < 4 { 0.05 } else { 0.1 }, 1e-15, "ConstantLR");
    // Chained: lr *= 1 + (end - start) / (T start + (e - 1)(end - start)); closed form linear.
    let s = lrs(
        "sgd:lr=0.1",
        "linear:start_factor=0.25,end_factor=1,total_iters=8",
        14,
    );
    assert_lrs(
        &s.lr,
        |e| base * (0.25 + 0.75 * (e.min(8) as f64) / 8.0),
        1e-14,
        "LinearLR",
    );
    let s = lrs("sgd:lr=0.1", "polynomial:total_iters=10,power=2", 14);
    assert_lrs(
        &s.lr,
        |e| base * (1.0 - e.min(10) as f64 / 10.0).powi(2),
        1e-14,
        "PolynomialLR",
    );
    assert!(s.momentum.is_none());
}

#[test]
fn sequential_lr_follows_torchs_doc_example() {
    // torch's SequentialLR docstring: lr 0.05, ConstantLR(factor=0.1, total_iters=20) then
    // ExponentialLR(gamma=0.9) from epoch 20: 0.005 for epochs 0-19, 0.05, 0.045, 0.0405.
    let s = lrs(
        "sgd:lr=0.05",
        "sequential:schedulers=[constant(factor=0.1,total_iters=20),exponential(gamma=0.9)],milestones=[20]",
        30,
    );
    assert_lrs(
        &s.lr,
        |e| {
            if e < 20 {
                0.005
            } else {
                0.05 * 0.9f64.powi(e as i32 - 20)
            }
        },
        1e-13,
        "SequentialLR",
    );
    assert!((s.lr[22] - 0.0405).abs() < 1e-15);
}

#[test]
fn warmup_then_cosine_restarts_the_cosine_at_the_milestone() {
    // LinearLR warmup for 5 epochs, then CosineAnnealingLR(T_max=15) whose epoch restarts at
    // 0 at the milestone (torch's _update_lr(0), closed form there, chained after).
    let s = lrs(
        "adam:lr=0.02",
        "sequential:schedulers=[linear(start_factor=0.1,total_iters=5),cosine_annealing(T_max=15)],milestones=[5]",
        25,
    );
    assert_lrs(
        &s.lr,
        |e| {
            if e < 5 {
                0.02 * (0.1 + 0.9 * e as f64 / 5.0)
            } else {
                0.02 * (1.0 + (PI * (e - 5) as f64 / 15.0).cos()) / 2.0
            }
        },
        1e-12,
        "warmup + cosine",
    );
    // Past T_max the chained cosine climbs back (its restart branch), like the closed form.
    assert!(s.lr[20] == 0.0 || s.lr[20].abs() < 1e-17, "{}", s.lr[20]);
    assert!(s.lr[21] > 0.0 && s.lr[24] > s.lr[21]);
}

#[test]
fn cosine_annealing_is_torchs_chained_recursion_and_agrees_with_the_closed_form() {
    let (base, eta_min, t_max) = (0.1f64, 0.001f64, 10.0f64);
    let s = lrs("sgd:lr=0.1", "cosine_annealing:T_max=10,eta_min=0.001", 45);
    // The recursion of torch's get_lr, written out: lr_e from lr_{e-1}, with the branch that
    // adds the step back after each minimum ((e - 1 - T) mod 2T == 0).
    let mut chained = vec![base];
    for e in 1..45i64 {
        let prev = chained[e as usize - 1];
        let ef = e as f64;
        let next = if (e - 1 - 10).rem_euclid(20) == 0 {
            prev + (base - eta_min) * (1.0 - (PI / t_max).cos()) / 2.0
        } else {
            (1.0 + (PI * ef / t_max).cos()) / (1.0 + (PI * (ef - 1.0) / t_max).cos()) * (prev - eta_min)
                + eta_min
        };
        chained.push(next);
    }
    assert_eq!(s.lr, chained, "the chained form, operation for operation");
    // The closed form (SGDR's eta_min + (eta_max - eta_min)(1 + cos(pi e / T)) / 2) agrees to
    // rounding: the recursion accumulates a few ulp, never more.
    let closed = |e: usize| eta_min + (base - eta_min) * (1.0 + (PI * e as f64 / t_max).cos()) / 2.0;
    assert_lrs(&s.lr, closed, 1e-12, "closed form");
    let differs = (0..45).filter(|&e| s.lr[e] != closed(e)).count();
    assert!(differs > 0, "the two forms round differently somewhere");
}

#[test]
fn warm_restarts_restart_at_t0_times_powers_of_t_mult() {
    // T_0 = 4, T_mult = 2: periods 4, 8, 16 starting at epochs 0, 4, 12, 28.
    let s = lrs(
        "sgd:lr=0.1",
        "CosineAnnealingWarmRestarts(T_0=4,T_mult=2,eta_min=0.01)",
        40,
    );
    assert_lrs(
        &s.lr,
        |e| {
            let (t_cur, t_i) = match e {
                0..4 => (e, 4),
                4..12 => (e - 4, 8),
                12..28 => (e - 12, 16),
                _ => (e - 28, 32),
            };
            0.01 + 0.09 * (1.0 + (PI * t_cur as f64 / t_i as f64).cos()) / 2.0
        },
        1e-14,
        "CosineAnnealingWarmRestarts",
    );
}

#[test]
fn one_cycle_anneals_lr_up_then_down_and_momentum_inversely() {
    // max_lr 1, 100 steps: initial 1/25, min 1/25/1e4; phase 1 ends at epoch 29.
    let s = lrs("sgd:lr=0.5", "one_cycle:max_lr=1,total_steps=100", 100);
    let cos = |a: f64, b: f64, pct: f64| b + (a - b) / 2.0 * ((PI * pct).cos() + 1.0);
    let (initial, min) = (0.04, 0.04 / 1e4);
    assert_lrs(
        &s.lr,
        |e| {
            let e = e as f64;
            if e <= 29.0 {
                cos(initial, 1.0, e / 29.0)
            } else {
                cos(1.0, min, (e - 29.0) / 70.0)
            }
        },
        1e-13,
        "OneCycleLR lr",
    );
    let (which, m) = s.momentum.expect("momentum cycles by default");
    assert_eq!(
        which,
        Cycled::Momentum,
        "sgd's momentum (switched on from 0, as torch does)"
    );
    assert_lrs(
        &m,
        |e| {
            let e = e as f64;
            if e <= 29.0 {
                cos(0.95, 0.85, e / 29.0)
            } else {
                cos(0.85, 0.95, (e - 29.0) / 70.0)
            }
        },
        1e-14,
        "OneCycleLR momentum",
    );
    // Adam's beta1 cycles instead; linear annealing and three phases.
    let s = lrs(
        "adam",
        "one_cycle:max_lr=0.1,total_steps=50,anneal_strategy=linear,three_phase=true,cycle_momentum=true",
        50,
    );
    assert_eq!(s.momentum.as_ref().unwrap().0, Cycled::Beta1);
    // Phases end at 14 and 28 (pct_start 0.3 of 50, minus 1 and 2), then to 49.
    let lin = |a: f64, b: f64, pct: f64| (b - a) * pct + a;
    assert_lrs(
        &s.lr,
        |e| {
            let e = e as f64;
            if e <= 14.0 {
                lin(0.004, 0.1, e / 14.0)
            } else if e <= 28.0 {
                lin(0.1, 0.004, (e - 14.0) / 14.0)
            } else {
                lin(0.004, 4e-7, (e - 28.0) / 21.0)
            }
        },
        1e-13,
        "three-phase linear",
    );
    // torch refuses to step past total_steps: the run's last scheduler step is step 100.
    let e = sequence(&schedule("one_cycle:max_lr=1,total_steps=100"), &spec("sgd"), 101).unwrap_err();
    assert!(e.contains("Tried to step 101 times"), "{e}");
    // Without total_steps, the run's length.
    assert_eq!(
        lrs("sgd", "one_cycle:max_lr=1", 100),
        lrs("sgd", "one_cycle:max_lr=1,total_steps=100", 100)
    );
}

#[test]
fn cyclic_lr_is_a_triangle_wave_and_momentum_its_mirror() {
    // base 0.01, max 0.1, 5 up and 5 down: a period of 10.
    let tri = |e: usize| {
        let p = (e % 10) as f64;
        if p <= 5.0 { p / 5.0 } else { (10.0 - p) / 5.0 }
    };
    let s = lrs(
        "sgd:lr=0.3,momentum=0.9",
        "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=5",
        40,
    );
    assert_lrs(&s.lr, |e| 0.01 + 0.09 * tri(e), 1e-13, "triangular");
    let (_, m) = s.momentum.unwrap();
    assert_lrs(&m, |e| 0.9 - 0.1 * tri(e), 1e-13, "triangular momentum");
    let s = lrs(
        "sgd:momentum=0.9",
        "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=5,mode=triangular2",
        40,
    );
    assert_lrs(
        &s.lr,
        |e| 0.01 + 0.09 * tri(e) / 2f64.powi((e / 10) as i32),
        1e-13,
        "triangular2",
    );
    let s = lrs(
        "adam",
        "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=5,step_size_down=5,mode=exp_range,gamma=0.99,cycle_momentum=false",
        40,
    );
    assert_lrs(
        &s.lr,
        |e| 0.01 + 0.09 * tri(e) * 0.99f64.powi(e as i32),
        1e-12,
        "exp_range",
    );
    assert!(s.momentum.is_none());
    // Unequal halves: 2 up, 6 down.
    let s = lrs(
        "sgd:momentum=0.5",
        "cyclic:base_lr=0,max_lr=1,step_size_up=2,step_size_down=6",
        16,
    );
    assert_lrs(
        &s.lr,
        |e| {
            let p = (e % 8) as f64;
            if p <= 2.0 { p / 2.0 } else { (8.0 - p) / 6.0 }
        },
        1e-13,
        "2 up 6 down",
    );
}

#[test]
fn momentum_cycling_needs_momentum_or_beta1() {
    for (optimizer, text) in [("adagrad", "one_cycle:max_lr=1"), ("gd", "cyclic:max_lr=1")] {
        let e = sequence(&schedule(text), &spec(optimizer), 10).unwrap_err();
        assert!(e.contains("neither momentum nor beta1"), "{e}");
        assert!(e.contains("cycle_momentum = false"), "{e}");
    }
    assert!(sequence(&schedule("cyclic:max_lr=1,cycle_momentum=false"), &spec("gd"), 10).is_ok());
    let s = lrs("rmsprop", "cyclic:max_lr=0.1,step_size_up=3", 6);
    assert_eq!(s.momentum.unwrap().0, Cycled::Momentum);
    let s = lrs("lion", "one_cycle:max_lr=0.1", 6);
    assert_eq!(s.momentum.unwrap().0, Cycled::Beta1);
}

/// Runs `optimizers` from `starts` on the GPU (every step recorded) and on the f64 reference;
/// returns the largest relative difference of positions over every step.
fn gpu_vs_reference(
    surface: &str,
    optimizers: &[OptimizerSpec],
    starts: &[[f64; 2]],
    steps: u32,
    seed: u64,
) -> f64 {
    let surface = Surface::from_name_or_expr(surface).unwrap();
    let gpu = common::gpu();
    let setup = SimSetup {
        surface: &surface,
        optimizers: optimizers.into(),
        starts,
        max_steps: steps,
        tol: 0.0,
        trail: TrailPlan::every_step(steps),
        seed,
        regression: None,
        scores: false,
    };
    let mut sim = Simulation::new(gpu, &setup).unwrap();
    sim.advance_to(gpu, steps);
    let trail = sim.read_trail(gpu).unwrap();
    let inputs = StepInputs {
        seed,
        regression: None,
    };
    let cpu = simulate_with(&surface, optimizers, starts, steps, 0.0, &inputs).unwrap();
    let n = cpu.len();
    let mut worst = 0.0f64;
    for (i, path) in cpu.iter().enumerate() {
        for (s, want) in path.iter().enumerate() {
            let got = trail[s * n + i];
            assert_eq!(got.status, want.status, "particle {i} step {s}");
            for k in 0..2 {
                let d = (f64::from(got.pos[k]) - want.pos[k]).abs() / (1.0 + want.pos[k].abs());
                worst = worst.max(d);
            }
        }
    }
    worst
}

#[test]
fn scheduled_trajectories_on_the_gpu_follow_the_reference() {
    let mut optimizers = Vec::new();
    for (o, s) in [
        ("adam:lr=0.05", "one_cycle:max_lr=0.05"),
        (
            "sgd:lr=0.001,momentum=0.9",
            "cyclic:base_lr=1e-4,max_lr=2e-3,step_size_up=10",
        ),
        (
            "sgd:lr=0.001,momentum=0.9",
            "sequential:schedulers=[linear(start_factor=0.05,total_iters=10),cosine_annealing(T_max=50,eta_min=1e-5)],milestones=[10]",
        ),
        ("nadam:lr=0.02", "step:step_size=7,gamma=0.5"),
        (
            "rmsprop:lr=0.005",
            "cosine_annealing_warm_restarts:T_0=8,T_mult=2",
        ),
    ] {
        let mut spec = spec(o);
        spec.schedule = Some(schedule(s));
        optimizers.push(spec);
    }
    let worst = gpu_vs_reference("rosenbrock", &optimizers, &[[-1.5, 2.0], [0.5, -0.5]], 60, 0);
    // f32 against f64 over 60 contracting steps, as tests/sim_gpu.rs allows.
    assert!(worst < 2e-4, "GPU vs f64: {worst}");
    // And the schedule matters: without it the paths differ.
    let plain: Vec<OptimizerSpec> = optimizers
        .iter()
        .map(|o| OptimizerSpec {
            schedule: None,
            ..o.clone()
        })
        .collect();
    let surface = Surface::from_name_or_expr("rosenbrock").unwrap();
    let a = simulate_with(
        &surface,
        &optimizers,
        &[[-1.5, 2.0]],
        60,
        0.0,
        &StepInputs::default(),
    )
    .unwrap();
    let b = simulate_with(&surface, &plain, &[[-1.5, 2.0]], 60, 0.0, &StepInputs::default()).unwrap();
    for g in 0..optimizers.len() {
        assert_ne!(a[g][60].pos, b[g][60].pos, "optimizer {g}");
    }
}
