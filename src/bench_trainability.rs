//! `descent bench --trainability`: pixel-steps per second of Sohl-Dickstein's trainability
//! map (one full-batch gradient-descent training of his mean-field tanh network per pixel,
//! an lr per layer, the map of `assets/scenes/models/trainability-fractal.toml` at any width)
//! on the GPU, and of his notebook's own JAX code on this machine's CPU at the same size, in
//! one run. The notebook is not shipped: `--jax-notebook PATH` names a copy of
//! `the_boundary_of_neural_network_trainability_is_fractal.ipynb`, which
//! `scripts/trainability-jax.py` loads and times (it needs `jax` in the Python given).

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};

use crate::gpu::Gpu;
use crate::gpu::model_sim::{ModelSetup, train};
use crate::model::{ModelProblem, ProblemArgs};
use crate::optim::OptimizerSpec;

/// One measurement: a `resolution`² map of the width-`width` network, `steps` steps.
pub struct TrainabilityRow {
    pub who: String,
    pub width: u32,
    pub resolution: u32,
    pub steps: u32,
    /// The first call (with compiling) and the best of the calls after it, in seconds.
    pub first_seconds: f64,
    pub warm_seconds: f64,
}

impl TrainabilityRow {
    pub fn pixel_steps_per_second(&self) -> f64 {
        f64::from(self.resolution).powi(2) * f64::from(self.steps) / self.warm_seconds.max(1e-12)
    }
}

/// The paper's problem at `width`: as many standard normal points as parameters.
fn problem(width: u32) -> Result<ModelProblem> {
    let args = ProblemArgs {
        model: format!("mlp:{width}-{width}-1:tanh:nobias:meanfield"),
        loss: Some("mse".into()),
        data: format!("teacher:n={},d={width}", width * width + width),
        inits: Some(1),
        ..Default::default()
    };
    ModelProblem::resolve(&args, &|p| std::fs::read_to_string(p)).map_err(|e| anyhow!(e))
}

/// The map's groups: lr_layer0 x lr_layer1, both 1e-3 to 1e6 in log (the notebook's view).
fn groups(resolution: u32) -> Result<Vec<OptimizerSpec>> {
    let spec: OptimizerSpec =
        format!("sgd:lr_layer0=1e-3..1e6:{resolution}:log,lr_layer1=1e-3..1e6:{resolution}:log")
            .parse()
            .map_err(|e| anyhow!("{e}"))?;
    Ok(spec.groups())
}

/// Times the map on the GPU: a first call, then the best of `repeats` more.
pub fn bench_descent(
    gpu: &Gpu,
    width: u32,
    resolution: u32,
    steps: u32,
    repeats: u32,
) -> Result<TrainabilityRow> {
    let problem = problem(width)?;
    let groups = groups(resolution)?;
    let setup = ModelSetup {
        problem: &problem,
        optimizers: &groups,
        steps,
        tol: 0.0,
        seed: 0,
        record_every: 0,
        plane: None,
        keep_parameters: false,
    };
    let mut times = Vec::new();
    for _ in 0..=repeats {
        let t = Instant::now();
        let trained = train(gpu, &setup, &mut |_| {})?;
        times.push(t.elapsed().as_secs_f64());
        if trained.meta.len() != groups.len() {
            bail!("{} models trained of {}", trained.meta.len(), groups.len());
        }
    }
    Ok(TrainabilityRow {
        who: format!("descent ({})", gpu.adapter_name()),
        width,
        resolution,
        steps,
        first_seconds: times[0],
        warm_seconds: times[1..].iter().copied().fold(f64::INFINITY, f64::min),
    })
}

/// Times the notebook's `gen_img` through `scripts/trainability-jax.py` with `python`.
pub fn bench_jax(
    python: &str,
    notebook: &Path,
    width: u32,
    resolution: u32,
    steps: u32,
    repeats: u32,
) -> Result<TrainabilityRow> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/trainability-jax.py");
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(notebook)
        .args(["--width", &width.to_string()])
        .args(["--resolution", &resolution.to_string()])
        .args(["--steps", &steps.to_string()])
        .args(["--repeats", &repeats.to_string()])
        .output()
        .with_context(|| format!("--python {python}: cannot start it"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "{} {} failed: {}",
            python,
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let field = |name: &str| -> Result<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .ok_or_else(|| anyhow!("the JAX script printed no '{name}': {text}"))
    };
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("jax "))
        .unwrap_or("?")
        .trim()
        .to_string();
    Ok(TrainabilityRow {
        who: format!("the notebook's JAX code (jax {version}, CPU, float64)"),
        width,
        resolution,
        steps,
        first_seconds: field("first_seconds")?,
        warm_seconds: field("warm_seconds")?,
    })
}

/// The table, and per width descent's ratio over JAX when both ran.
pub fn format_trainability_bench(rows: &[TrainabilityRow]) -> String {
    let mut out = String::from(
        "trainability map: full-batch GD of the mean-field tanh network, lr x lr per pixel\n\
         width  pixels      steps  first call s  warm s    pixel-steps/s  who\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{:>5}  {:>10}  {:>5}  {:>12.3}  {:>8.3}  {:>13}  {}\n",
            r.width,
            format!("{0}x{0}", r.resolution),
            r.steps,
            r.first_seconds,
            r.warm_seconds,
            crate::numbers::count(r.pixel_steps_per_second() as u64),
            r.who
        ));
    }
    for d in rows.iter().filter(|r| r.who.starts_with("descent")) {
        if let Some(j) = rows
            .iter()
            .find(|r| !r.who.starts_with("descent") && r.width == d.width && r.resolution == d.resolution)
        {
            out.push_str(&format!(
                "width {}: descent / JAX = {:.2}x (warm), {:.2}x (first call)\n",
                d.width,
                j.warm_seconds / d.warm_seconds,
                j.first_seconds / d.first_seconds
            ));
        }
    }
    out
}
