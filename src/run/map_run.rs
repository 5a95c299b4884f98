//! A sweep's map from a whole run: the scene run to its end without trails (a surface's
//! simulation, or a model scene's training), then the map of its swept optimizer: what a
//! map-layout frame shows, each zoom step a fresh run.

use anyhow::{Result, anyhow};

use crate::gpu::Gpu;
use crate::gpu::gpu_data::Particle;
use crate::gpu::model_sim::{ModelSetup, train};
use crate::gpu::sim::ScoreSums;
use crate::outcome::sweep_map::{SweepMap, sweep_maps};
use crate::scene::Scene;

/// A run's end: each particle (group-major), its trainability sums when kept, and the
/// particles per group.
pub struct RunEnd {
    pub particles: Vec<Particle>,
    pub scores: Option<Vec<ScoreSums>>,
    pub per_group: usize,
}

/// Runs `scene` to its end, keeping no trails.
pub fn run_to_end(gpu: &Gpu, scene: &Scene) -> Result<RunEnd> {
    if scene.model.is_some() {
        return train_to_end(gpu, scene);
    }
    let outcome = crate::run::run_scene(gpu, scene, &crate::run::RunOptions::default())?;
    Ok(RunEnd {
        particles: outcome.particles,
        scores: outcome.scores,
        per_group: outcome.starts_per_group as usize,
    })
}

/// The map of optimizer `k` of `scene` (which sweeps), from a whole run.
pub fn map_of_run(gpu: &Gpu, scene: &Scene, k: usize) -> Result<SweepMap> {
    let end = run_to_end(gpu, scene)?;
    sweep_maps(scene, &end.particles, end.per_group, end.scores.as_deref())
        .into_iter()
        .find(|m| m.optimizer == k)
        .ok_or_else(|| anyhow!("optimizer {} sweeps no parameter: it has no map", k + 1))
}

/// Trains every model of the model scene `scene` to its end, keeping no trails and reading
/// back no parameters: each model's loss and status, and its trainability sums.
pub fn train_to_end(gpu: &Gpu, scene: &Scene) -> Result<RunEnd> {
    let model = scene
        .model
        .as_ref()
        .ok_or_else(|| anyhow!("the scene has no [model]"))?;
    let problem = crate::world::scene_problem(model)?;
    let groups = scene.groups();
    let setup = ModelSetup {
        problem: &problem,
        optimizers: &groups,
        steps: scene.steps,
        tol: scene.tol,
        seed: model.args.seed,
        record_every: 0,
        plane: None,
        keep_parameters: false,
    };
    let trained = train(gpu, &setup, &mut |_| {})?;
    let (particles, scores) = trained.outcome();
    Ok(RunEnd {
        particles,
        scores: Some(scores),
        per_group: problem.inits.len(),
    })
}
