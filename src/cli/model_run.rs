//! `descent run --model ...`: the model, data and optimizer flags checked together, every
//! output checked, then the training on the GPU, its files and a summary.

use anyhow::{Result, anyhow, bail};

use super::args::RunArgs;
use super::plan::check_file;
use crate::gpu::{AdapterPreference, Gpu};
use crate::model::{ModelProblem, ProblemArgs};
use crate::run::model::ModelRun;
use crate::scene::Scene;

/// Steps when `--steps` is not given.
const DEFAULT_STEPS: u32 = 100;

pub(super) fn model_command(args: RunArgs) -> Result<()> {
    let m = &args.model;
    let s = &args.scene;
    for (given, flag) in [
        (s.scene.is_some(), "a scene file"),
        (s.surface.is_some(), "--surface"),
        (s.domain.is_some(), "--domain"),
        (!s.starts.is_empty(), "--start"),
        (s.grid.is_some(), "--grid"),
        (s.random.is_some(), "--random"),
        (args.start_map.is_some(), "--start-map"),
        (args.sweep.any(), "--sweep-csv and --sweep-map"),
    ] {
        if given {
            bail!("--model trains a model on data; {flag} belongs to a surface run: leave one out");
        }
    }
    let Some(data) = &m.data else {
        bail!(
            "--model needs --data: a CSV file (feature columns, then the target) or a built-in set, e.g. --data two-moons:n=200"
        );
    };
    if s.optimizers.is_empty() {
        bail!("--model needs at least one --optimizer, e.g. --optimizer adam:lr=0.01");
    }
    let problem = ModelProblem::resolve(
        &ProblemArgs {
            model: m.model.clone().unwrap_or_default(),
            loss: m.loss.clone(),
            data: data.clone(),
            init: m.init.clone(),
            inits: m.inits,
            seed: s.seed,
        },
        &|path| std::fs::read_to_string(path),
    )
    .map_err(|e| anyhow!(e))?;
    // The optimizers and their schedules as a surface run reads them; sweeps expand to groups.
    let mut scene = Scene::default_scene();
    scene.optimizers = s.optimizer_specs()?;
    s.apply_schedules(&mut scene)?;
    let steps = s.checked_steps()?.unwrap_or(DEFAULT_STEPS);
    let tol = s.checked_tol()?.unwrap_or(0.0);
    let groups = scene.groups();
    let labels: Vec<String> = groups.iter().map(|o| o.label.clone()).collect();
    for path in [args.export.as_deref(), m.export_params.as_deref()]
        .into_iter()
        .flatten()
    {
        check_file(path)?;
    }
    let run = ModelRun {
        problem: &problem,
        optimizers: &groups,
        labels: &labels,
        steps,
        tol,
        seed: s.seed,
        export: args.export.as_deref(),
        every: args.every,
        export_params: m.export_params.as_deref(),
    };
    let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
    eprintln!(
        "{} ({} parameters), {} loss, on {} ({} points): {} optimizer group(s) x {} initialisation(s), {steps} steps on {}",
        problem.model.describe(),
        problem.model.parameter_count(),
        problem.loss.name(),
        problem.data_source,
        problem.data.len(),
        groups.len(),
        problem.inits.len(),
        gpu.adapter_name()
    );
    let trained = run.run(&gpu, &mut |_| {}).map_err(|e| anyhow!(e))?;
    if let Some(path) = &args.export {
        eprintln!(
            "wrote {} rows to {}",
            trained.trails.first().map_or(0, Vec::len) * trained.trails.len(),
            path.display()
        );
    }
    if let Some(path) = &m.export_params {
        eprintln!("wrote {} rows to {}", trained.parameters.len(), path.display());
    }
    print!("{}", run.summary(&trained));
    Ok(())
}
