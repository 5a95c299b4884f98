//! `descent run --model ...`: the model, data and optimizer flags checked together, every
//! output checked, then the training on the GPU, its files and a summary.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};

use super::args::RunArgs;
use super::plan::check_file;
use crate::gpu::model_sim::Trained;
use crate::gpu::{AdapterPreference, Gpu};
use crate::model::slice::Plane;
use crate::model::slice_request::{SliceFlags, SlicePlane, SliceRequest, scene_key_error};
use crate::model::{ModelProblem, ProblemArgs};
use crate::optim::OptimizerSpec;
use crate::run::model::ModelRun;
use crate::run::model_slice::{SliceDone, make_slice};
use crate::scene::Scene;

/// Steps when `--steps` is not given.
const DEFAULT_STEPS: u32 = 100;

/// A model run's flags, resolved and checked (outputs included): what the command line and
/// the Python module both train from.
pub struct ModelPlan {
    pub problem: ModelProblem,
    /// One per group (sweeps expanded), with its label.
    pub groups: Vec<OptimizerSpec>,
    pub labels: Vec<String>,
    pub steps: u32,
    pub tol: f64,
    pub seed: u64,
    pub export: Option<PathBuf>,
    pub every: u32,
    pub export_params: Option<PathBuf>,
    /// `--slice` and its flags.
    pub slice: Option<SliceRequest>,
    /// The optimizers as written (sweeps unexpanded), steps and view: what sweep maps read.
    pub scene: Scene,
}

impl ModelPlan {
    /// Reads `--model` and its companions from `args`, over a model scene file's `[model]`,
    /// `[slice]`, `[[optimizer]]` and `[run]` when one is given.
    pub fn from_args(args: &RunArgs) -> Result<Self> {
        let m = &args.model;
        let s = &args.scene;
        let file = if s.scene.is_some() || s.scene_text.is_some() {
            Some(s.build()?)
        } else {
            None
        };
        let in_file = file.as_ref().and_then(|f| f.model.clone()).unwrap_or_default();
        for (given, flag) in [
            (
                file.as_ref().is_some_and(|f| f.model.is_none()),
                "a surface scene file",
            ),
            (s.surface.is_some(), "--surface"),
            (!s.surface_params.is_empty(), "--surface-param"),
            (s.domain.is_some(), "--domain"),
            (!s.starts.is_empty(), "--start"),
            (s.grid.is_some(), "--grid"),
            (s.random.is_some(), "--random"),
            (args.start_map.is_some(), "--start-map"),
        ] {
            if given {
                bail!("--model trains a model on data; {flag} belongs to a surface run: leave one out");
            }
        }
        let data = m
            .data
            .clone()
            .or((!in_file.args.data.is_empty()).then(|| in_file.args.data.clone()));
        let Some(data) = data else {
            bail!(
                "--model needs --data: a CSV file (feature columns, then the target) or a built-in set, e.g. --data two-moons:n=200"
            );
        };
        // Flags replace the file's values one by one; initial parameters come from one place.
        let (init, inits) = match (&m.init, m.inits) {
            (None, None) => (in_file.args.init.clone(), in_file.args.inits),
            given => (given.0.clone(), given.1),
        };
        let seed = if file.is_some() && s.seed == 0 {
            in_file.args.seed
        } else {
            s.seed
        };
        let read_file = |path: &str| std::fs::read_to_string(path);
        let read = in_file.read(&read_file);
        let problem = ModelProblem::resolve(
            &ProblemArgs {
                model: m.model.clone().unwrap_or(in_file.args.model.clone()),
                loss: m.loss.clone().or(in_file.args.loss.clone()),
                data,
                init,
                inits,
                seed,
            },
            &read,
        )
        .map_err(|e| anyhow!(e))?;
        // The optimizers and their schedules as a surface run reads them; sweeps expand to groups.
        let scene = match file {
            Some(scene) => scene,
            None => {
                let mut scene = Scene::default_scene();
                scene.optimizers = s.optimizer_specs(&scene.surface)?;
                s.apply_schedules(&mut scene)?;
                scene.steps = s.checked_steps()?.unwrap_or(DEFAULT_STEPS);
                scene.tol = s.checked_tol()?.unwrap_or(0.0);
                scene.view.sweep_score = s.checked_sweep_score()?;
                scene
            }
        };
        if scene.optimizers.is_empty() {
            bail!("--model needs at least one --optimizer, e.g. --optimizer adam:lr=0.01");
        }
        for (i, o) in scene.optimizers.iter().enumerate() {
            problem
                .model
                .check_optimizer(o)
                .map_err(|e| anyhow!("optimizer {} ({}): {e}", i + 1, o.name))?;
        }
        args.sweep.check(&scene)?;
        let (steps, tol) = (scene.steps, scene.tol);
        let groups = scene.groups();
        let labels = groups.iter().map(|o| o.label.clone()).collect();
        let slice_given = |flag: &Option<String>, file: &Option<String>| flag.clone().or(file.clone());
        let (directions, size, around, range) = (
            slice_given(&m.directions, &in_file.slice.directions),
            slice_given(&m.slice_size, &in_file.slice.size),
            slice_given(&m.slice_around, &in_file.slice.around),
            slice_given(&m.slice_range, &in_file.slice.range),
        );
        let slice = if m.slice.is_empty() {
            None
        } else {
            let flags = SliceFlags {
                directions: directions.as_deref(),
                size: size.as_deref(),
                around: around.as_deref(),
                range: range.as_deref(),
            };
            let particles = groups.len() * problem.inits.len();
            // An error about a value the scene file gave names the file's table and key.
            let in_scene = |e: String| {
                let scene = s
                    .scene
                    .as_ref()
                    .map_or("the scene".into(), |p| p.display().to_string());
                let from_flag = |flag: &str| match flag {
                    "--directions" => m.directions.is_some(),
                    "--slice-size" => m.slice_size.is_some(),
                    "--slice-around" => m.slice_around.is_some(),
                    "--slice-range" => m.slice_range.is_some(),
                    _ => false,
                };
                match scene_key_error(&e) {
                    Some((flag, renamed)) if !from_flag(flag) => anyhow!("{scene}: {renamed}"),
                    _ => anyhow!(e),
                }
            };
            Some(SliceRequest::parse(&flags, &m.slice, &problem, particles).map_err(in_scene)?)
        };
        for path in [args.export.as_deref(), m.export_params.as_deref()]
            .into_iter()
            .flatten()
            .chain(m.slice.iter().map(PathBuf::as_path))
        {
            check_file(path)?;
        }
        Ok(Self {
            problem,
            groups,
            labels,
            steps,
            tol,
            seed,
            export: args.export.clone(),
            every: args.every,
            export_params: m.export_params.clone(),
            slice,
            scene,
        })
    }

    /// The slice's plane (computed from the twin's run of its centre model) and the line
    /// that says what it is, when `--slice` is given.
    pub fn slice_plane(&self) -> Result<Option<SlicePlane>> {
        let Some(request) = &self.slice else {
            return Ok(None);
        };
        let plane = request
            .plane(&self.problem, &self.groups, self.steps, self.tol, self.seed)
            .map_err(|e| anyhow!(e))?;
        Ok(Some(plane))
    }

    /// Makes and writes the slice (when asked for) over `trained`'s trails.
    pub fn finish_slice(
        &self,
        gpu: &Gpu,
        plane: Option<SlicePlane>,
        trained: &Trained,
    ) -> Result<Option<SliceDone>> {
        let (Some(request), Some(plane)) = (&self.slice, plane) else {
            return Ok(None);
        };
        let done = make_slice(request, gpu, &self.problem, plane, &trained.trails).map_err(|e| anyhow!(e))?;
        Ok(Some(done))
    }

    /// The run; `keep_trails` records every `every`th step even without `--export` (a slice
    /// always does), projected onto `plane` when given.
    pub fn run<'a>(&'a self, keep_trails: bool, plane: Option<&'a Plane>) -> ModelRun<'a> {
        let keep_trails = keep_trails || self.slice.is_some();
        ModelRun {
            problem: &self.problem,
            optimizers: &self.groups,
            labels: &self.labels,
            steps: self.steps,
            tol: self.tol,
            seed: self.seed,
            export: self.export.as_deref(),
            record_every: if keep_trails || self.export.is_some() {
                self.every
            } else {
                0
            },
            export_params: self.export_params.as_deref(),
            plane,
            sweeps: self
                .scene
                .optimizers
                .iter()
                .map(|o| (o.describe(), o.group_count() as usize))
                .collect(),
        }
    }

    /// The line that says what is about to train, and where.
    pub fn describe(&self, adapter: &str) -> String {
        let p = &self.problem;
        format!(
            "{} ({} parameters), {} loss, on {} ({} points): {} optimizer group(s) x {} initialisation(s), {} steps on {adapter}",
            p.spec.describe(),
            p.model.parameter_count(),
            p.loss.name(),
            p.data_source,
            p.data.len(),
            self.groups.len(),
            p.inits.len(),
            self.steps
        )
    }
}

pub(super) fn model_command(args: RunArgs) -> Result<()> {
    let plan = ModelPlan::from_args(&args)?;
    let plane = plan.slice_plane()?;
    let run = plan.run(false, plane.as_ref().map(|p| &p.plane));
    let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
    eprintln!("{}", plan.describe(&gpu.adapter_name()));
    if let Some(p) = &plane {
        eprintln!("{}; trails are projected onto it", p.line);
    }
    let trained = run.run(&gpu, &mut |_| {}).map_err(|e| anyhow!(e))?;
    if let Some(done) = plan.finish_slice(&gpu, plane.clone(), &trained)? {
        for line in done.lines {
            eprintln!("{line}");
        }
    }
    if let Some(path) = &plan.export {
        eprintln!(
            "wrote {} rows to {}",
            trained.trails.first().map_or(0, Vec::len) * trained.trails.len(),
            path.display()
        );
    }
    if let Some(path) = &plan.export_params {
        eprintln!("wrote {} rows to {}", trained.parameters.len(), path.display());
    }
    if args.sweep.any() {
        let (particles, scores) = trained.outcome();
        args.sweep
            .write(&plan.scene, &particles, Some(&scores), plan.problem.inits.len())?;
    }
    print!("{}", run.summary(&trained));
    Ok(())
}
