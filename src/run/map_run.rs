//! A sweep's map from a whole run: the scene run to its end without trails (a surface's
//! simulation, or a model scene's training), then the map of its swept optimizer: what a
//! map-layout frame shows, each zoom step a fresh run.

use anyhow::{Result, anyhow};

use crate::gpu::Gpu;
use crate::outcome::sweep_map::{SweepMap, sweep_maps};
use crate::scene::Scene;

pub use crate::world::model_map::RunEnd;

/// Runs `scene` to its end, keeping no trails.
pub fn run_to_end(gpu: &Gpu, scene: &Scene) -> Result<RunEnd> {
    if scene.model.is_some() {
        return crate::world::model_map::train_to_end(gpu, scene);
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
