//! `descent bench --model`: model-steps per second of GPU training next to the f64 twin on one
//! CPU thread doing the same steps, and loss-slice points per second, in one run so the
//! ratios are side by side. The case: a 2-16-16-1 tanh MLP (337 parameters) with bce loss on
//! two-moons (200 points, or each of `--points`), Adam (lr 0.01), full batch.

use std::time::Instant;

use crate::gpu::Gpu;
use crate::gpu::model_sim::{ModelSetup, train};
use crate::gpu::model_slice::evaluate_slice;
use crate::model::slice::{Plane, Slice};
use crate::model::{ModelProblem, ProblemArgs, Training};
use crate::optim::OptimizerSpec;

/// One training measurement.
pub struct ModelBenchRow {
    pub models: usize,
    /// Data points each model trains on.
    pub points: u32,
    pub steps: u32,
    pub gpu_seconds: f64,
    /// Models the twin ran for the CPU figure (fewer where it would take long).
    pub cpu_models: usize,
    pub cpu_seconds: f64,
}

/// One slice measurement: grid points per second.
pub struct SliceBenchRow {
    pub side: u32,
    pub seconds: f64,
    pub cpu_points: usize,
    pub cpu_seconds: f64,
}

fn problem(inits: usize, points: u32) -> anyhow::Result<ModelProblem> {
    let args = ProblemArgs {
        model: "mlp:2-16-16-1:tanh".into(),
        loss: Some("bce".into()),
        data: format!("two-moons:n={points},noise=0.1"),
        inits: Some(inits as u32),
        ..Default::default()
    };
    ModelProblem::resolve(&args, &|p| std::fs::read_to_string(p)).map_err(|e| anyhow::anyhow!(e))
}

/// Trains `counts` models on each of `points` data sizes for `steps` steps on the GPU (wall
/// time, to the parameters read back), and as many as fit in about `cpu_budget` model-steps
/// of 200 points with the twin.
pub fn bench_training(
    gpu: &Gpu,
    counts: &[usize],
    points: &[u32],
    steps: u32,
    cpu_budget: u64,
) -> anyhow::Result<Vec<ModelBenchRow>> {
    let adam: Vec<OptimizerSpec> = vec!["adam:lr=0.01".parse().map_err(anyhow::Error::msg)?];
    // One small run first: the shader's compile is not a step.
    let warm = problem(64, 200)?;
    train(gpu, &setup(&warm, &adam, 2), &mut |_| {})?;
    let mut rows = Vec::new();
    for (&n, &m) in points.iter().flat_map(|m| counts.iter().map(move |n| (n, m))) {
        let p = problem(n, m)?;
        let t = Instant::now();
        let trained = train(gpu, &setup(&p, &adam, steps), &mut |_| {})?;
        let gpu_seconds = t.elapsed().as_secs_f64();
        std::hint::black_box(&trained.parameters);
        // The twin's cost grows with the data: its budget is in 200-point model-steps.
        let budget = cpu_budget * 200 / u64::from(m).max(1);
        let cpu_models = ((budget / u64::from(steps)) as usize).clamp(1, n);
        let t = Instant::now();
        let twin = Training {
            problem: p.problem(),
            optimizers: &adam,
            inits: &p.inits[..cpu_models],
            steps,
            tol: 0.0,
            seed: 0,
        }
        .run()
        .map_err(anyhow::Error::msg)?;
        let cpu_seconds = t.elapsed().as_secs_f64();
        std::hint::black_box(twin);
        rows.push(ModelBenchRow {
            models: n,
            points: m,
            steps,
            gpu_seconds,
            cpu_models,
            cpu_seconds,
        });
    }
    Ok(rows)
}

fn setup<'a>(p: &'a ModelProblem, optimizers: &'a [OptimizerSpec], steps: u32) -> ModelSetup<'a> {
    ModelSetup {
        problem: p,
        optimizers,
        steps,
        tol: 0.0,
        seed: 0,
        record_every: 0,
        plane: None,
        keep_parameters: true,
    }
}

/// Slices of `sides` x `sides` points around an initial model, on the GPU (wall time, to the
/// losses read back) and, for a few thousand points, with the twin.
pub fn bench_slices(gpu: &Gpu, sides: &[u32]) -> anyhow::Result<Vec<SliceBenchRow>> {
    let p = problem(1, 200)?;
    let theta = &p.inits[0];
    let slice = |side: u32| Slice {
        plane: Plane::filter_normalized(&p.model, theta, 0),
        centre: [0.0, 0.0],
        a: [-1.0, 1.0],
        b: [-1.0, 1.0],
        cols: side,
        rows: side,
    };
    evaluate_slice(gpu, &p, &slice(8))?;
    let mut rows = Vec::new();
    for &side in sides {
        let s = slice(side);
        let t = Instant::now();
        std::hint::black_box(evaluate_slice(gpu, &p, &s)?);
        let seconds = t.elapsed().as_secs_f64();
        let cpu_points = s.points().min(4096);
        let t = Instant::now();
        let problem = p.problem();
        let mut sum = 0.0;
        for k in 0..cpu_points as u32 {
            sum += problem.loss(&s.theta_at(k % side, k / side));
        }
        std::hint::black_box(sum);
        rows.push(SliceBenchRow {
            side,
            seconds,
            cpu_points,
            cpu_seconds: t.elapsed().as_secs_f64(),
        });
    }
    Ok(rows)
}

pub fn format_model_bench(gpu_name: &str, training: &[ModelBenchRow], slices: &[SliceBenchRow]) -> String {
    let mut out = format!(
        "models: mlp:2-16-16-1:tanh (337 parameters), bce, two-moons, Adam lr 0.01, full batch; \
         GPU = {gpu_name}; CPU = the f64 twin, one thread\n"
    );
    out.push_str(&format!(
        "{:>8}  {:>6}  {:>6}  {:>9}  {:>16}  {:>10}  {:>16}  {:>9}\n",
        "models",
        "points",
        "steps",
        "GPU s",
        "GPU model-steps/s",
        "CPU models",
        "CPU model-steps/s",
        "GPU/CPU"
    ));
    for r in training {
        let gpu_rate = r.models as f64 * f64::from(r.steps) / r.gpu_seconds;
        let cpu_rate = r.cpu_models as f64 * f64::from(r.steps) / r.cpu_seconds;
        out.push_str(&format!(
            "{:>8}  {:>6}  {:>6}  {:>9.2}  {:>16.3e}  {:>10}  {:>16.3e}  {:>8.1}x\n",
            r.models,
            r.points,
            r.steps,
            r.gpu_seconds,
            gpu_rate,
            r.cpu_models,
            cpu_rate,
            gpu_rate / cpu_rate
        ));
    }
    out.push_str(&format!(
        "loss slices of the same model (200 points):\n{:>11}  {:>9}  {:>16}  {:>16}  {:>9}\n",
        "grid", "GPU s", "GPU points/s", "CPU points/s", "GPU/CPU"
    ));
    for r in slices {
        let points = f64::from(r.side) * f64::from(r.side);
        let (gpu_rate, cpu_rate) = (points / r.seconds, r.cpu_points as f64 / r.cpu_seconds);
        out.push_str(&format!(
            "{:>11}  {:>9.3}  {:>16.3e}  {:>16.3e}  {:>8.1}x\n",
            format!("{0}x{0}", r.side),
            r.seconds,
            gpu_rate,
            cpu_rate,
            gpu_rate / cpu_rate
        ));
    }
    out
}
