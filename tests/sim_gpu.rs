//! The GPU simulation against the f64 CPU reference (`descent::cpu::sim`), for every optimizer
//! and option, on several surfaces.
//!
//! Tolerance: the GPU works in f32 (unit roundoff u = 6e-8). Each step adds a few u of relative
//! error to the position and the optimizer state; on these runs (contracting or mildly
//! expanding, <= 60 steps) the accumulated error stays below ~1e-5 relative, so we allow
//! 2e-4 * (1 + |x|): a wrong formula (a missing bias correction, a swapped beta, a wrong sign)
//! is off by far more than that within a step or two, as the failure tests below show.

mod common;

use descent::cpu::sim::{CpuPoint, simulate};
use descent::gpu::gpu_data::{STATUS_CONVERGED, STATUS_DIVERGED, STATUS_RUNNING, TrailPoint};
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::optim::OptimizerSpec;
use descent::surfaces::Surface;

struct Case<'a> {
    surface: &'a str,
    optimizers: &'a [&'a str],
    starts: &'a [[f64; 2]],
    steps: u32,
    tol: f64,
}

/// Runs the case on the GPU with a full trail; returns trajectories like `simulate`.
fn gpu_run(case: &Case<'_>, surface: &Surface, specs: &[OptimizerSpec]) -> Vec<Vec<TrailPoint>> {
    let gpu = common::gpu();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup {
            surface,
            optimizers: specs.into(),
            starts: case.starts,
            max_steps: case.steps,
            tol: case.tol,
            trail: TrailPlan {
                capacity: case.steps + 1,
                record_every: 1,
            },
            seed: 0,
            regression: None,
            scores: false,
        },
    )
    .expect("simulation");
    sim.advance_to(gpu, case.steps);
    assert_eq!(sim.steps_done(), case.steps, "the simulation stopped short");
    let trail = sim.read_trail(gpu).expect("trail");
    let n = sim.particle_count() as usize;
    // What the GPU holds, not what was asked for: a short trail gives short paths.
    let recorded = (trail.len() / n.max(1)).min(case.steps as usize + 1);
    (0..n)
        .map(|i| (0..recorded).map(|s| trail[s * n + i]).collect())
        .collect()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

/// Compares every point of every trajectory; returns the first mismatch.
fn compare(case: &Case<'_>, tol: f64) -> Result<(), String> {
    let surface = Surface::from_name_or_expr(case.surface).map_err(|e| e.to_string())?;
    let specs: Vec<OptimizerSpec> = case.optimizers.iter().map(|s| s.parse().expect("spec")).collect();
    let cpu = simulate(&surface, &specs, case.starts, case.steps, case.tol);
    let gpu = gpu_run(case, &surface, &specs);
    check_shapes(case, specs.len(), &cpu, &gpu)?;
    for (i, (c, g)) in cpu.iter().zip(&gpu).enumerate() {
        for (s, (c, g)) in c.iter().zip(g).enumerate() {
            let CpuPoint {
                pos, loss, status, ..
            } = *c;
            let ok = close(f64::from(g.pos[0]), pos[0], tol)
                && close(f64::from(g.pos[1]), pos[1], tol)
                && close(f64::from(g.loss), loss, tol)
                && g.status == status;
            if !ok {
                return Err(format!(
                    "{} on {}: particle {i} step {s}: gpu {:?} loss {} status {} vs cpu {:?} loss {} status {}",
                    specs[i / case.starts.len()].label,
                    case.surface,
                    g.pos,
                    g.loss,
                    g.status,
                    pos,
                    loss,
                    status
                ));
            }
        }
    }
    Ok(())
}

/// Both runs hold every optimizer group, every particle and every step: a GPU run that lost
/// any of them must not pass a comparison that pairs points with `zip`.
fn check_shapes(
    case: &Case<'_>,
    groups: usize,
    cpu: &[Vec<CpuPoint>],
    gpu: &[Vec<TrailPoint>],
) -> Result<(), String> {
    let particles = groups * case.starts.len();
    let points = case.steps as usize + 1;
    if cpu.len() != particles || gpu.len() != particles {
        return Err(format!(
            "{}: {particles} particles expected ({groups} optimizers x {} starts), cpu has {}, gpu {}",
            case.surface,
            case.starts.len(),
            cpu.len(),
            gpu.len()
        ));
    }
    for (i, (c, g)) in cpu.iter().zip(gpu).enumerate() {
        if c.len() != points || g.len() != points {
            return Err(format!(
                "{}: particle {i} has {} cpu and {} gpu points, expected {points} (steps 0..={})",
                case.surface,
                c.len(),
                g.len(),
                case.steps
            ));
        }
    }
    Ok(())
}

const TOL: f64 = 2e-4;

#[test]
fn every_optimizer_and_option_matches_the_f64_reference() {
    let optimizers = [
        "gd:lr=0.01",
        "sgd:lr=0.01",
        "sgd:lr=0.01,momentum=0.9",
        "sgd:lr=0.01,momentum=0.9,dampening=0.5",
        "sgd:lr=0.01,momentum=0.9,nesterov=true",
        "sgd:lr=0.01,weight_decay=0.1",
        "sgd:lr=0.01,maximize=true",
        "momentum:lr=0.005",
        "nesterov:lr=0.005",
        "adagrad:lr=0.1",
        "adagrad:lr=0.1,lr_decay=0.01,initial_accumulator_value=0.1,weight_decay=0.05",
        "rmsprop:lr=0.01",
        "rmsprop:lr=0.01,centered=true",
        "rmsprop:lr=0.005,momentum=0.9",
        "rmsprop:lr=0.005,momentum=0.5,centered=true,weight_decay=0.01,alpha=0.9",
        "adam:lr=0.05",
        "adam:lr=0.05,amsgrad=true",
        "adam:lr=0.05,weight_decay=0.1,beta1=0.8,beta2=0.99",
        "adam:lr=0.05,maximize=true",
        "adamw:lr=0.05",
        "adamw:lr=0.05,weight_decay=0.1,amsgrad=true",
        "nadam:lr=0.05",
        "nadam:lr=0.05,weight_decay=0.1,decoupled_weight_decay=true",
        "radam:lr=0.05",
        "radam:lr=0.05,weight_decay=0.1",
        "lion:lr=0.01",
        "lion:lr=0.01,weight_decay=0.5",
    ];
    let surfaces: [(&str, &[[f64; 2]]); 4] = [
        ("bowl", &[[1.5, -1.0], [-0.3, 0.7]]),
        ("saddle", &[[1.0, 0.25], [0.2, 1e-3]]),
        ("booth", &[[-4.0, 6.0], [8.0, -3.0]]),
        ("rosenbrock", &[[-1.2, 1.0], [0.5, 2.0]]),
    ];
    let mut failures = Vec::new();
    for (surface, starts) in surfaces {
        // Rosenbrock is stiff: keep steps small enough that gd/sgd stay stable.
        let steps = 40;
        let case = Case {
            surface,
            optimizers: &optimizers,
            starts,
            steps,
            tol: 0.0,
        };
        if let Err(e) = compare(&case, TOL) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn expression_surfaces_match_the_reference() {
    for (surface, starts) in [
        ("sin(x)*cos(y) + 0.1*(x^2 + y^2)", &[[1.0, 0.5], [-2.0, 1.0]][..]),
        ("log(1 + x^2 + y^2) + abs(x - y)/4", &[[1.5, -0.5]][..]),
        ("himmelblau", &[[0.0, 0.0], [-1.0, -1.0]][..]),
        ("six-hump-camel", &[[1.0, 1.0]][..]),
        ("theta-squared", &[[3.0, 0.0]][..]),
    ] {
        let case = Case {
            surface,
            optimizers: &["gd:lr=0.01", "adam:lr=0.05", "rmsprop:lr=0.01,centered=true"],
            starts,
            steps: 60,
            tol: 0.0,
        };
        compare(&case, TOL).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn a_wrong_reference_is_caught() {
    // The comparison must be able to fail: adam against a run where the GPU does adamw with
    // weight decay differs after the first step by far more than TOL.
    let surface = Surface::from_name_or_expr("bowl").unwrap();
    let starts = [[1.5, -1.0]];
    let adam: OptimizerSpec = "adam:lr=0.05".parse().unwrap();
    let adamw: OptimizerSpec = "adamw:lr=0.05,weight_decay=0.5".parse().unwrap();
    let cpu = simulate(&surface, std::slice::from_ref(&adam), &starts, 10, 0.0);
    let case = Case {
        surface: "bowl",
        optimizers: &[],
        starts: &starts,
        steps: 10,
        tol: 0.0,
    };
    let gpu = gpu_run(&case, &surface, std::slice::from_ref(&adamw));
    let last = (cpu[0][10].pos, gpu[0][10].pos);
    assert!(!close(f64::from(last.1[0]), last.0[0], TOL), "{last:?}");
}

#[test]
fn lost_groups_particles_or_steps_are_caught() {
    // The shape check, on runs with a group, a particle or a step missing from the GPU side.
    let case = Case {
        surface: "bowl",
        optimizers: &["gd:lr=0.1", "adam:lr=0.05"],
        starts: &[[1.5, -1.0], [-0.3, 0.7]],
        steps: 5,
        tol: 0.0,
    };
    let surface = Surface::from_name_or_expr("bowl").unwrap();
    let specs: Vec<OptimizerSpec> = case.optimizers.iter().map(|s| s.parse().unwrap()).collect();
    let cpu = simulate(&surface, &specs, case.starts, case.steps, case.tol);
    let gpu = gpu_run(&case, &surface, &specs);
    assert_eq!(check_shapes(&case, 2, &cpu, &gpu), Ok(()));
    let one_group = gpu_run(&case, &surface, &specs[..1]);
    let err = check_shapes(&case, 2, &cpu, &one_group).unwrap_err();
    assert!(
        err.contains("4 particles expected") && err.contains("gpu 2"),
        "{err}"
    );
    let mut short = gpu.clone();
    short[3].pop();
    let err = check_shapes(&case, 2, &cpu, &short).unwrap_err();
    assert!(err.contains("particle 3 has 6 cpu and 5 gpu points"), "{err}");
    let mut fewer = gpu;
    fewer.pop();
    assert!(check_shapes(&case, 2, &cpu, &fewer).is_err());
}

#[test]
fn saddle_two_starts_matches_closed_form() {
    // Plain GD on x^2 - y^2: x_{k} = x0 (1 - 2 lr)^k, y_k = y0 (1 + 2 lr)^k.
    let surface = Surface::from_name_or_expr("saddle").unwrap();
    let specs = ["gd:lr=0.01".parse().unwrap()];
    let case = Case {
        surface: "saddle",
        optimizers: &[],
        starts: &[[1.0, 0.0], [1.0, 0.25]],
        steps: 200,
        tol: 0.0,
    };
    let gpu = gpu_run(&case, &surface, &specs);
    for (i, start) in case.starts.iter().enumerate() {
        for k in [0usize, 1, 10, 100, 200] {
            let x = start[0] * 0.98f64.powi(k as i32);
            let y = start[1] * 1.02f64.powi(k as i32);
            let g = gpu[i][k].pos;
            assert!(
                close(f64::from(g[0]), x, 1e-5) && close(f64::from(g[1]), y, 1e-5),
                "start {i} step {k}: {g:?} vs ({x}, {y})"
            );
        }
    }
}

#[test]
fn tolerance_stops_particles_like_the_reference() {
    // theta^2 from 3 with lr 0.3: theta_k = 3 * 0.4^k; step k moves 0.6 theta_{k-1} = 1.8 * 0.4^(k-1):
    // 1.2e-5 at k = 14, 4.8e-6 at k = 15, so it stops at step 15.
    let case = Case {
        surface: "theta-squared",
        optimizers: &["gd:lr=0.3"],
        starts: &[[3.0, 0.0]],
        steps: 20,
        tol: 1e-5,
    };
    compare(&case, TOL).unwrap_or_else(|e| panic!("{e}"));
    let surface = Surface::from_name_or_expr("theta-squared").unwrap();
    let specs = ["gd:lr=0.3".parse().unwrap()];
    let gpu = gpu_run(&case, &surface, &specs);
    let stop = gpu[0]
        .iter()
        .position(|p| p.status == STATUS_CONVERGED)
        .expect("converges");
    assert_eq!(stop, 15);
    for (k, p) in gpu[0].iter().enumerate().take(stop + 1) {
        assert!(
            close(f64::from(p.pos[0]), 3.0 * 0.4f64.powi(k as i32), 1e-5),
            "step {k}: {}",
            p.pos[0]
        );
    }
    // Frozen afterwards.
    assert!(gpu[0][stop..].iter().all(|p| p.pos == gpu[0][stop].pos));
}

#[test]
fn diverging_particles_are_frozen_and_do_not_poison_others() {
    // gd with lr 2 on the bowl multiplies x by -3 each step: it leaves the bound and is marked
    // diverged at its last finite position; adam in the same dispatch is unaffected.
    let case = Case {
        surface: "bowl",
        optimizers: &["gd:lr=2", "adam:lr=0.05"],
        starts: &[[1.0, 1.0], [0.5, -0.5]],
        steps: 60,
        tol: 0.0,
    };
    compare(&case, TOL).unwrap_or_else(|e| panic!("{e}"));
    let surface = Surface::from_name_or_expr("bowl").unwrap();
    let specs: Vec<OptimizerSpec> = case.optimizers.iter().map(|s| s.parse().unwrap()).collect();
    let gpu = gpu_run(&case, &surface, &specs);
    for p in &gpu[0..2] {
        let last = p.last().unwrap();
        assert_eq!(last.status, STATUS_DIVERGED);
        assert!(last.pos.iter().all(|v| v.is_finite()) && last.loss.is_finite());
    }
    for p in &gpu[2..4] {
        assert_eq!(p.last().unwrap().status, STATUS_RUNNING);
        assert!(p.iter().all(|t| t.pos.iter().all(|v| v.is_finite())));
    }
}

#[test]
fn poles_mark_particles_diverged() {
    // 1/x: gd walks towards the pole at 0 and overshoots to non-finite or huge values.
    let case = Case {
        surface: "1/x + y^2",
        optimizers: &["gd:lr=0.5"],
        starts: &[[0.01, 1.0], [-1e-30, 0.5]],
        steps: 30,
        tol: 0.0,
    };
    let surface = Surface::from_name_or_expr(case.surface).unwrap();
    let specs: Vec<OptimizerSpec> = case.optimizers.iter().map(|s| s.parse().unwrap()).collect();
    let gpu = gpu_run(&case, &surface, &specs);
    for p in &gpu {
        assert_eq!(p.last().unwrap().status, STATUS_DIVERGED, "{:?}", p.last());
        assert!(p.iter().all(|t| t.pos.iter().all(|v| v.is_finite())));
    }
}

#[test]
fn trail_ring_keeps_every_nth_step_and_wraps() {
    let gpu = common::gpu();
    let surface = Surface::from_name_or_expr("rosenbrock").unwrap();
    let specs: Vec<OptimizerSpec> =
        ["adam:lr=0.02".parse().unwrap(), "gd:lr=0.0005".parse().unwrap()].to_vec();
    let starts = [[-1.5, 2.0], [0.0, -0.5], [1.5, 1.5]];
    let steps = 100;
    let (every, capacity) = (3, 7);
    let cpu = simulate(&surface, &specs, &starts, steps, 0.0);
    let mut sim = Simulation::new(
        gpu,
        &SimSetup {
            surface: &surface,
            optimizers: specs.as_slice().into(),
            starts: &starts,
            max_steps: steps,
            tol: 0.0,
            trail: TrailPlan {
                capacity,
                record_every: every,
            },
            seed: 0,
            regression: None,
            scores: false,
        },
    )
    .unwrap();
    sim.advance_to(gpu, steps);
    let trail = sim.read_trail(gpu).unwrap();
    let n = sim.particle_count() as usize;
    // The last `capacity` records are steps 99, 96, ..., 81, in slots (step / 3) % 7.
    for r in (steps / every + 1 - capacity)..=(steps / every) {
        let slot = (r % capacity) as usize;
        for i in 0..n {
            let g = trail[slot * n + i];
            let c = cpu[i][(r * every) as usize];
            assert!(
                close(f64::from(g.pos[0]), c.pos[0], TOL) && close(f64::from(g.pos[1]), c.pos[1], TOL),
                "record {r} particle {i}: {g:?} vs {c:?}"
            );
        }
    }
    // Stepping in several calls gives the same as one call.
    sim.reset(gpu);
    for target in [0, 1, 17, 50, 99, 100] {
        sim.advance_to(gpu, target);
    }
    assert_eq!(sim.read_trail(gpu).unwrap(), trail);
}

#[test]
fn too_many_particles_are_refused_with_the_number_that_fits() {
    let gpu = common::gpu();
    let memory = descent::gpu::memory::AdapterMemory::of(gpu);
    let max = memory.usable() / 48;
    // Far past one storage binding (128 MiB on lavapipe, 2.8M particles): chunks hold them.
    assert!(max > 10_000_000, "{}", memory.describe());
    assert!(Simulation::check_fits(gpu, max).is_ok());
    let err = Simulation::check_fits(gpu, max + 1).unwrap_err().to_string();
    assert!(err.contains(&format!("at most {max} particles fit")), "{err}");
    assert!(err.contains(&memory.describe()), "{err}");
}

/// A run split into chunks of 64 particles (and stepped slice by slice, with a deadline that
/// stops after every dispatch) is the same run, bit for bit, as one chunk.
#[test]
fn chunks_and_slices_give_the_same_run() {
    let gpu = common::gpu();
    let surface = Surface::from_name_or_expr("himmelblau").unwrap();
    let specs: Vec<OptimizerSpec> = ["adam:lr=0.05", "sgd:lr=0.01,momentum=0.9", "rmsprop:lr=0.01"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let starts: Vec<[f64; 2]> = (0..100)
        .map(|k| [-4.5 + 0.09 * f64::from(k), 4.0 - 0.07 * f64::from(k)])
        .collect();
    let setup = SimSetup {
        surface: &surface,
        optimizers: specs.as_slice().into(),
        starts: &starts,
        max_steps: 40,
        tol: 1e-4,
        trail: TrailPlan::every_step(40),
        seed: 0,
        regression: None,
        scores: false,
    };
    let mut whole = Simulation::new(gpu, &setup).unwrap();
    assert_eq!(whole.chunks().len(), 1);
    whole.advance_to(gpu, 40);
    let mut split = Simulation::with_chunk_limit(gpu, &setup, 64).unwrap();
    let counts: Vec<u32> = split.chunks().iter().map(|c| c.range.count).collect();
    assert_eq!(counts, [64, 64, 64, 64, 44]);
    // Stepping with no time to spare dispatches one slice per call: the slices drift apart,
    // and the simulation counts as far as the slowest.
    assert!(!split.advance_within(gpu, 40, std::time::Duration::ZERO));
    assert!(!split.has_started());
    let mut calls = 1;
    while !split.advance_within(gpu, 40, std::time::Duration::ZERO) {
        calls += 1;
        assert!(calls < 10_000);
    }
    // Each slice's 41 steps fit one dispatch: five dispatches, the last call returns true.
    assert_eq!(calls, 4);
    assert_eq!(split.steps_done(), 40);
    assert_eq!(
        split.read_particles(gpu).unwrap(),
        whole.read_particles(gpu).unwrap()
    );
    assert_eq!(split.read_trail(gpu).unwrap(), whole.read_trail(gpu).unwrap());
}

#[test]
fn mesh_matches_the_surface() {
    let gpu = common::gpu();
    let surface = Surface::from_name_or_expr("himmelblau").unwrap();
    let mesh = descent::gpu::mesh::SurfaceMesh::new(gpu, &surface, 81, 61).unwrap();
    let v = mesh.read(gpu).unwrap();
    assert_eq!(v.len(), 81 * 61);
    let d = surface.domain;
    for (j, i) in [(0, 0), (30, 40), (60, 80), (17, 3)] {
        let x = d.x[0] + (d.x[1] - d.x[0]) * i as f64 / 80.0;
        let y = d.y[0] + (d.y[1] - d.y[0]) * j as f64 / 60.0;
        let p = v[j * 81 + i];
        assert!(close(f64::from(p.position[0]), x, 1e-6) && close(f64::from(p.position[1]), y, 1e-6));
        assert!(
            close(f64::from(p.position[2]), surface.value([x, y]), 1e-4),
            "{p:?}"
        );
        let g = surface.grad([x, y]);
        assert!(close(f64::from(p.gradient[0]), g[0], 1e-4) && close(f64::from(p.gradient[1]), g[1], 1e-4));
        assert_eq!(p.position[3], 1.0);
    }
}

#[test]
fn whole_history_decimates_to_fit() {
    let limits = common::gpu().device.limits();
    // Fits: every step.
    let p = TrailPlan::whole_history(&limits, 1000, 200, 64 << 20).unwrap();
    assert_eq!(
        p,
        TrailPlan {
            capacity: 201,
            record_every: 1
        }
    );
    // 100,000 particles x 1001 points x 16 B = 1.6 GB: decimated into 8 MiB.
    let p = TrailPlan::whole_history(&limits, 100_000, 1000, 8 << 20).unwrap();
    assert!(p.bytes(100_000) <= 8 << 20, "{p:?}");
    assert!(
        p.record_every > 1 && (p.capacity - 1) * p.record_every >= 1000 - p.record_every,
        "{p:?}"
    );
    assert!(
        p.describe(100_000)
            .starts_with(&format!("trails keep every {}th step", p.record_every))
    );
    // Not even two points each.
    assert!(TrailPlan::whole_history(&limits, 1 << 30, 10, 8 << 20).is_none());
}

/// The divergence rule, pinned by hand: a particle is diverged once a step takes it more than
/// 1000 domain widths (the larger side) from the domain's centre; it keeps its last position.
/// GD with lr 2 on x^2 + y^2 multiplies each coordinate by 1 - 2 * 2 = -3 per step.
#[test]
fn divergence_bound_is_a_thousand_domain_widths_from_the_centre() {
    use descent::gpu::sim::divergence_bound;
    // Domain [-1, 1] x [0, 59.04]: widths 2 and 59.04, so the bound is 59,040 around
    // (0, 29.52).
    let mut surface = Surface::from_name_or_expr("x^2 + y^2").unwrap();
    surface.domain = descent::surfaces::Domain::new(-1.0, 1.0, 0.0, 59.04);
    assert!((divergence_bound(&surface) - 59_040.0).abs() < 1e-9);
    // From (0, 1): y_k = (-3)^k. y_10 = 59,049 is 59,019.48 from the centre: inside (from
    // the origin it would be out, with the smaller width long before). y_11 = -177,147 is
    // out: diverged at step 11, frozen at y = 59,049.
    let specs = vec!["gd:lr=2".parse::<OptimizerSpec>().unwrap()];
    let starts = [[0.0, 1.0]];
    let cpu = simulate(&surface, &specs, &starts, 14, 0.0);
    let gpu = {
        let g = common::gpu();
        let mut sim = Simulation::new(
            g,
            &SimSetup {
                surface: &surface,
                optimizers: specs.as_slice().into(),
                starts: &starts,
                max_steps: 14,
                tol: 0.0,
                trail: TrailPlan {
                    capacity: 15,
                    record_every: 1,
                },
                seed: 0,
                regression: None,
                scores: false,
            },
        )
        .unwrap();
        sim.advance_to(g, 14);
        sim.read_trail(g).unwrap()
    };
    for k in 0..=14usize {
        let (want_y, want_status) = if k <= 10 {
            ((-3.0f64).powi(k as i32), STATUS_RUNNING)
        } else {
            (59_049.0, STATUS_DIVERGED)
        };
        let (c, g) = (cpu[0][k], gpu[k]);
        assert_eq!((c.pos[1], c.status), (want_y, want_status), "cpu step {k}");
        assert_eq!(
            (f64::from(g.pos[1]), g.status),
            (want_y, want_status),
            "gpu step {k}"
        );
        assert!(
            close(f64::from(g.loss), want_y * want_y, 1e-6),
            "gpu step {k}: {g:?}"
        );
    }
}
