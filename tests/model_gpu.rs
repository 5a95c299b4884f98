//! Models trained on the GPU equal the f64 twin (src/model/twin.rs) within f32 rounding: for
//! every optimizer, every activation and loss, with schedules, gradient noise and
//! mini-batches; and two runs against values derived by hand from torch's formulas.

mod common;

use descent::gpu::gpu_data::{STATUS_CONVERGED, STATUS_DIVERGED, STATUS_RUNNING};
use descent::gpu::model_sim::{ModelSetup, Trained, train, train_in_chunks};
use descent::model::slice::Plane;
use descent::model::{ModelProblem, ProblemArgs, Training, Trajectory};
use descent::optim::OptimizerSpec;

fn problem(model: &str, loss: &str, data: &str, inits: u32) -> ModelProblem {
    let args = ProblemArgs {
        model: model.into(),
        loss: Some(loss.into()),
        data: data.into(),
        inits: Some(inits),
        seed: 5,
        ..Default::default()
    };
    ModelProblem::resolve(&args, &|p| std::fs::read_to_string(p)).unwrap()
}

fn specs(texts: &[&str]) -> Vec<OptimizerSpec> {
    texts.iter().map(|t| t.parse().unwrap()).collect()
}

fn both(
    p: &ModelProblem,
    optimizers: &[OptimizerSpec],
    steps: u32,
    plane: Option<&Plane>,
) -> (Trained, Vec<Trajectory>) {
    let setup = ModelSetup {
        problem: p,
        optimizers,
        steps,
        tol: 0.0,
        seed: 11,
        record_every: 1,
        plane,
        keep_parameters: true,
    };
    let gpu = train(common::gpu(), &setup, &mut |_| {}).unwrap();
    let twin = Training {
        problem: p.problem(),
        optimizers,
        inits: &p.inits,
        steps,
        tol: 0.0,
        seed: 11,
    }
    .run()
    .unwrap();
    (gpu, twin)
}

/// f32 against f64: relative to the quantity's scale.
fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * (1.0 + b.abs())
}

fn assert_match(what: &str, gpu: &Trained, twin: &[Trajectory], rel: f64) {
    assert_eq!(gpu.meta.len(), twin.len());
    for (i, t) in twin.iter().enumerate() {
        let steps = t.loss.len() - 1;
        assert_eq!(
            gpu.meta[i].status,
            *t.status.last().unwrap(),
            "{what} particle {i} status"
        );
        assert_eq!(gpu.meta[i].step as usize, steps, "{what} particle {i} step");
        for s in 0..=steps {
            let g = gpu.trails[i][s];
            assert!(
                close(f64::from(g.loss), t.loss[s], rel),
                "{what} particle {i} step {s}: loss {} vs {}",
                g.loss,
                t.loss[s]
            );
        }
        let theta = t.theta.last().unwrap();
        for (k, (&g, &c)) in gpu.parameters[i].iter().zip(theta).enumerate() {
            assert!(
                close(f64::from(g), c, rel),
                "{what} particle {i} p{k}: {g} vs {c}"
            );
        }
    }
}

#[test]
fn every_optimizer_trains_an_mlp_as_the_twin_does() {
    let p = problem("mlp:2-6-1:tanh", "bce", "two-moons:n=40,noise=0.1", 3);
    let optimizers = specs(&[
        "sgd:lr=0.5",
        "sgd:lr=0.1,momentum=0.9,nesterov=true,weight_decay=0.01",
        "adagrad:lr=0.1",
        "rmsprop:lr=0.01,centered=true,momentum=0.5",
        "adam:lr=0.02,amsgrad=true",
        "adamw:lr=0.02",
        "nadam:lr=0.02",
        "radam:lr=0.02",
        "lion:lr=0.002",
    ]);
    let (gpu, twin) = both(&p, &optimizers, 30, None);
    assert_match("optimizers", &gpu, &twin, 2e-4);
    // Training went somewhere: every run's loss fell.
    for t in &twin {
        assert!(t.loss[30] < t.loss[0], "{:?}", (t.loss[0], t.loss[30]));
    }
    // Alone, each is its kind's kernel (the shader's switch over kinds folded): the same.
    for (k, one) in optimizers.iter().enumerate() {
        let (alone, _) = both(&p, std::slice::from_ref(one), 30, None);
        let per = alone.meta.len();
        assert_match(&one.label, &alone, &twin[k * per..(k + 1) * per], 2e-4);
    }
}

#[test]
fn every_activation_and_loss_trains_as_the_twin_does() {
    for (model, loss, data) in [
        ("mlp:2-5-4-1:relu", "mse", "teacher:n=24,d=2"),
        ("mlp:2-5-1:sigmoid:nobias", "bce", "xor:n=24"),
        ("mlp:2-5-3:identity", "ce", "blobs:n=24,classes=3"),
        ("mlp:2-8-3:tanh", "ce", "spirals:n=30,classes=3"),
        ("logistic", "bce", "blobs:n=20"),
        ("linear", "mse", "linear:n=20,noise=1"),
    ] {
        let p = problem(model, loss, data, 2);
        let lr = if model == "linear" {
            "sgd:lr=0.01"
        } else {
            "adam:lr=0.05"
        };
        let (gpu, twin) = both(&p, &specs(&[lr]), 25, None);
        assert_match(model, &gpu, &twin, 2e-4);
    }
}

#[test]
fn schedules_noise_and_mini_batches_follow_the_twin() {
    let p = problem("mlp:2-4-1:tanh", "bce", "circles:n=30", 2);
    let mut scheduled: OptimizerSpec = "sgd:lr=0.3,momentum=0.9,batch_size=8".parse().unwrap();
    let node = descent::schedule::parse_spec("one_cycle:max_lr=0.5,total_steps=20").unwrap();
    scheduled.schedule = Some(descent::schedule::Schedule::from_node(&node).unwrap());
    let noisy: OptimizerSpec = "adam:lr=0.03,grad_noise=0.2,batch_size=7".parse().unwrap();
    let (gpu, twin) = both(&p, &[scheduled, noisy], 20, None);
    assert_match("tables", &gpu, &twin, 5e-4);
}

/// The kernel's three ways through a pass, each against the twin, full batch and mini-batch:
/// written out (at most `MAX_UNROLLED_PARAMS` parameters), loops over private copies (at most
/// `MAX_LOCAL_PARAMS`), and loops over the parameters in memory.
#[test]
fn written_out_and_looped_passes_train_as_the_twin_does() {
    use descent::gpu::model_sim::MAX_LOCAL_PARAMS;
    use descent::gpu::model_unrolled::MAX_UNROLLED_PARAMS;
    let cases = [
        ("mlp:3-9-9-1:tanh", 136),
        ("mlp:3-16-16-1:tanh", 353),
        ("mlp:3-32-32-1:tanh", 1217),
    ];
    assert!(cases[0].1 <= MAX_UNROLLED_PARAMS);
    assert!((MAX_UNROLLED_PARAMS + 1..=MAX_LOCAL_PARAMS).contains(&cases[1].1));
    assert!(cases[2].1 > MAX_LOCAL_PARAMS);
    for (model, params) in cases {
        let p = problem(model, "mse", "teacher:n=24,d=3", 2);
        assert_eq!(p.model.parameter_count(), params);
        let optimizers = specs(&["sgd:lr=0.05,momentum=0.9", "adam:lr=0.01,batch_size=7"]);
        let (gpu, twin) = both(&p, &optimizers, 12, None);
        assert_match(model, &gpu, &twin, 2e-4);
        // One kind, full batch: the mini-batch paths folded away.
        let (alone, _) = both(&p, &optimizers[..1], 12, None);
        assert_match(model, &alone, &twin[..2], 2e-4);
    }
}

/// Trails hold the projection onto a plane: the twin's projection of the twin's parameters.
#[test]
fn trails_are_projected_onto_the_plane() {
    let p = problem("mlp:2-3-1:tanh", "mse", "teacher:n=10,d=2", 2);
    let count = p.model.parameter_count();
    let plane = Plane {
        origin: p.inits[0].clone(),
        d1: (0..count).map(|k| ((k * 7 % 5) as f64 - 2.0) / 3.0).collect(),
        d2: (0..count).map(|k| if k % 2 == 0 { 0.5 } else { -0.25 }).collect(),
    };
    let (gpu, twin) = both(&p, &specs(&["sgd:lr=0.2"]), 10, Some(&plane));
    for (i, t) in twin.iter().enumerate() {
        for s in [0, 5, 10] {
            let want = plane.project(&t.theta[s]);
            let got = gpu.trails[i][s].pos;
            for c in 0..2 {
                assert!(
                    close(f64::from(got[c]), want[c], 1e-4),
                    "particle {i} step {s}: {got:?} vs {want:?}"
                );
            }
        }
    }
    // Particle 0 starts at the origin of the plane.
    assert_eq!(gpu.trails[0][0].pos, [0.0, 0.0]);
}

/// Divergence keeps the last finite state and freezes; a tolerance converges.
#[test]
fn divergence_and_convergence_freeze_particles() {
    let p = problem("linear", "mse", "linear:n=20,noise=1", 1);
    let setup = |tol: f64, lr: &str, o: &mut Vec<OptimizerSpec>| {
        *o = specs(&[lr]);
        tol
    };
    let mut o = Vec::new();
    for (tol, lr, want) in [
        (0.0, "sgd:lr=10", STATUS_DIVERGED),
        (1e-3, "sgd:lr=0.1", STATUS_CONVERGED),
        (0.0, "sgd:lr=0.001", STATUS_RUNNING),
    ] {
        let tol = setup(tol, lr, &mut o);
        let s = ModelSetup {
            problem: &p,
            optimizers: &o,
            steps: 200,
            tol,
            seed: 0,
            record_every: 1,
            plane: None,
            keep_parameters: true,
        };
        let gpu = train(common::gpu(), &s, &mut |_| {}).unwrap();
        let twin = Training {
            problem: p.problem(),
            optimizers: &o,
            inits: &p.inits,
            steps: 200,
            tol,
            seed: 0,
        }
        .run()
        .unwrap();
        assert_eq!(gpu.meta[0].status, want, "{lr}");
        assert_eq!(*twin[0].status.last().unwrap(), want, "{lr}");
        assert!(gpu.meta[0].loss.is_finite() && gpu.parameters[0].iter().all(|v| v.is_finite()));
    }
}

/// More particles than one chunk holds run chunk after chunk with the same results.
#[test]
fn chunks_do_not_change_results() {
    let p = problem("mlp:2-4-1:tanh", "bce", "two-moons:n=16", 70);
    let optimizers = specs(&["adam:lr=0.05,grad_noise=0.1", "sgd:lr=0.5"]);
    let setup = ModelSetup {
        problem: &p,
        optimizers: &optimizers,
        steps: 8,
        tol: 0.0,
        seed: 11,
        record_every: 1,
        plane: None,
        keep_parameters: true,
    };
    let mut done = Vec::new();
    let chunked = train_in_chunks(common::gpu(), &setup, 64, &mut |n| done.push(n)).unwrap();
    assert_eq!(done, [64, 128, 140]);
    let (gpu, twin) = both(&p, &optimizers, 8, None);
    assert_eq!(chunked.parameters, gpu.parameters);
    assert_match("chunked", &gpu, &twin, 2e-4);
}

/// A problem from CSV texts given inline (data, then one init row).
fn inline_problem(model: &str, loss: &str, data: &str, init: &str) -> ModelProblem {
    let args = ProblemArgs {
        model: model.into(),
        loss: Some(loss.into()),
        data: "data.csv".into(),
        init: Some("init.csv".into()),
        ..Default::default()
    };
    let (data, init) = (data.to_string(), init.to_string());
    ModelProblem::resolve(&args, &move |p| {
        Ok(if p == "data.csv" {
            data.clone()
        } else {
            init.clone()
        })
    })
    .unwrap()
}

/// Checks the GPU and the twin against numbers derived independently from torch's formulas.
fn check_hand_derived(p: &ModelProblem, optimizer: &str, losses: [f64; 4], theta: &[f64]) {
    let (gpu, twin) = both(p, &specs(&[optimizer]), 50, None);
    for (k, s) in [0, 1, 10, 50].into_iter().enumerate() {
        assert!(
            close(twin[0].loss[s], losses[k], 1e-12),
            "twin step {s}: {} vs {}",
            twin[0].loss[s],
            losses[k]
        );
        let g = f64::from(gpu.trails[0][s].loss);
        assert!(close(g, losses[k], 1e-5), "GPU step {s}: {g} vs {}", losses[k]);
    }
    for (k, want) in theta.iter().enumerate() {
        assert!(close(twin[0].theta[50][k], *want, 1e-12), "twin p{k}");
        let g = f64::from(gpu.parameters[0][k]);
        assert!(close(g, *want, 1e-5), "GPU p{k}: {g} vs {want}");
    }
}

/// Logistic regression by SGD, 50 steps. Expected values: `python3 scripts/model_expected.py`
/// (torch's formulas for binary_cross_entropy_with_logits and SGD in plain float64 Python,
/// sharing no code with descent; with torch installed it trains the same model in torch).
#[test]
fn hand_derived_logistic_regression() {
    let p = inline_problem(
        "logistic",
        "bce",
        "x0,x1,y\n0.5,1.0,1\n-1.0,0.5,0\n1.5,-0.5,1\n-0.5,-1.5,0\n",
        "0.1,-0.2,0.05\n",
    );
    check_hand_derived(
        &p,
        "sgd:lr=0.5",
        [
            0.6935160492000394,
            0.5868726743500894,
            0.21587513934152622,
            0.05229477046196304,
        ],
        &[2.96813015735855, 1.2132637142835538, -0.13806583487254698],
    );
}

/// A 2-8-1 tanh MLP with MSE by SGD with momentum, 50 steps, from p_k = 0.3 sin(k + 1).
/// Expected values: `python3 scripts/model_expected.py`, as above.
#[test]
fn hand_derived_mlp() {
    let init: Vec<String> = (0..33)
        .map(|k| format!("{:e}", 0.3 * ((k + 1) as f64).sin()))
        .collect();
    let p = inline_problem(
        "mlp:2-8-1:tanh",
        "mse",
        "0,1,0.5\n1,0,-0.25\n-1,0.5,1\n0.5,-1,0\n1.5,1.5,-1\n-0.5,-0.5,0.75\n",
        &init.join(","),
    );
    check_hand_derived(
        &p,
        "sgd:lr=0.05,momentum=0.9",
        [
            0.4485574136162307,
            0.4077434408781961,
            0.07711641217663807,
            0.011077674074893122,
        ],
        &[
            0.3006861369215812,
            0.20992185394363078,
            -0.32261021540195856,
            -0.11857971525336447,
            -0.8719562961570244,
            0.2723786525152496,
            0.038913172359669346,
            0.2375880265504071,
            0.4949913018364075,
            -0.19727890272101709,
            0.17903896027829588,
            -0.2650061992262836,
            0.29689535234464165,
            0.18757404707549954,
            -0.197741506928691,
            -0.11740897697338971,
            -0.3710817293926591,
            -0.25724080328002524,
            0.19017998972160302,
            0.30139928228754875,
            0.2849701226695184,
            -0.07427729722976617,
            -0.3231752660762728,
            -0.30065378816132826,
            -0.4659076520971534,
            0.054277427236452125,
            0.7016476264912909,
            -0.20876154314708215,
            -0.30594012374153595,
            0.2837729327658627,
            -0.3391787330827761,
            -0.13261777191630897,
            0.17055522047941257,
        ],
    );
}

/// The GPU's loss slice equals the f64 twin's at every grid point, for filter-normalized
/// random directions around a trained model, for named parameters, and in chunks.
#[test]
fn loss_slices_equal_the_twin() {
    use descent::gpu::model_slice::{evaluate_slice, evaluate_slice_in_chunks};
    use descent::model::slice::{Slice, filter_normalized, reference_grid, unit};
    let cases = [
        ("mlp:2-6-1:tanh", "bce", "two-moons:n=60,noise=0.1"),
        ("mlp:2-4-4-3:relu", "ce", "blobs:n=50,classes=3"),
        ("logistic", "bce", "circles:n=40"),
    ];
    for (model, loss, data) in cases {
        let p = problem(model, loss, data, 1);
        let theta = &p.inits[0];
        let count = theta.len();
        let slices = [
            Slice {
                plane: Plane {
                    origin: theta.clone(),
                    d1: filter_normalized(&p.model, theta, 1),
                    d2: filter_normalized(&p.model, theta, 2),
                },
                centre: [0.0, 0.0],
                a: [-1.0, 1.0],
                b: [-1.0, 1.0],
                cols: 17,
                rows: 13,
            },
            Slice {
                plane: Plane {
                    origin: theta.clone(),
                    d1: unit(count, 0),
                    d2: unit(count, count - 1),
                },
                centre: [0.0, 0.0],
                a: [-3.0, 2.0],
                b: [0.5, -1.5],
                cols: 9,
                rows: 2,
            },
        ];
        for slice in &slices {
            let got = evaluate_slice(common::gpu(), &p, slice).unwrap();
            let want = reference_grid(&p.problem(), slice);
            let chunked = evaluate_slice_in_chunks(common::gpu(), &p, slice, 50).unwrap();
            assert_eq!(got, chunked, "{model}: chunks of 50 points");
            assert_eq!(got.len(), want.len());
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(close(f64::from(*g), *w, 2e-4), "{model} point {k}: {g} vs {w}");
            }
        }
    }
}

/// The mean-field network of Sohl-Dickstein's notebook, with a learning rate per layer
/// (also across the pair that straddles two layers) and the first layer's offset, trains as
/// the twin does; its trainability sums give the twin's class and score.
#[test]
fn meanfield_layer_rates_and_offsets_train_as_the_twin_does() {
    use descent::outcome::trainability::Trainability;
    let runs = [
        (
            "mlp:4-4-1:tanh:nobias:meanfield",
            "teacher:n=20,d=4",
            vec![
                "sgd:lr_layer0=0.5,lr_layer1=2",
                "sgd:lr=1,init_offset=0.3",
                "adam:lr=0.05,lr_layer0=0.01",
            ],
        ),
        (
            "mlp:2-3-1:relu:meanfield",
            "teacher:n=12,d=2",
            vec![
                "sgd:lr_layer0=0.7,lr_layer1=0.2,momentum=0.9",
                "rmsprop:lr=0.01,lr_layer1=0.001",
            ],
        ),
    ];
    let steps = 30;
    let (mut converged, mut diverged) = (0, 0);
    // Rates that blow up: the f32 run overflows where the f64 one has not yet, so only the
    // class and score are compared (both capped at 1e6 times the first loss).
    let wild = (
        "mlp:4-4-1:tanh:nobias:meanfield",
        "teacher:n=20,d=4",
        vec!["sgd:lr_layer0=40,lr_layer1=90"],
    );
    for (k, (model, data, texts)) in runs.into_iter().chain([wild]).enumerate() {
        let p = problem(model, "mse", data, 2);
        let (gpu, twin) = both(&p, &specs(&texts), steps, None);
        if k < 2 {
            assert_match(model, &gpu, &twin, 2e-4);
        }
        for (i, t) in twin.iter().enumerate() {
            let want = Trainability::of_losses(&t.losses_before_steps());
            let got = Trainability::of_sums(gpu.meta[i].scores, steps);
            assert_eq!(got.converged, want.converged, "{model} particle {i}");
            let rel = (got.score - want.score).abs() / want.score.abs().max(1e-30);
            assert!(
                rel < 1e-3,
                "{model} particle {i}: {} vs {}",
                got.score,
                want.score
            );
            if want.converged {
                converged += 1;
            } else {
                diverged += 1;
            }
        }
    }
    assert!(
        converged > 0 && diverged > 0,
        "{converged} converged, {diverged} diverged"
    );
}
