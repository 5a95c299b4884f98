//! A model scene in the map layout (window and page): its models trained between frames, coarse
//! to fine ([`MapTraining`]), without trails or loss slice (the map is the picture), drawn as
//! its sweep's map from their true losses and trainability sums.

use anyhow::Result;

use super::World;
use super::map_training::MapTraining;
use crate::gpu::Gpu;
use crate::gpu::gpu_data::{STATUS_RUNNING, TrailPoint};
use crate::gpu::mesh::SurfaceMesh;
use crate::gpu::sim::{Recorded, Simulation, TrailPlan};
use crate::render::RenderSettings;
use crate::scene::Scene;

/// A model scene drawn as its sweep's map, trained between frames coarse to fine
/// ([`MapTraining`]): no trails, no slice (the map is the picture); the map comes from the
/// models' true losses and trainability sums. Its simulation is a placeholder.
pub fn model_map(gpu: &Gpu, scene: &Scene, settings: &RenderSettings) -> Result<World> {
    let job = MapTraining::new(scene)?;
    let (particles, per_group) = job.particles();
    let at = TrailPoint::default();
    let trails = vec![vec![
        TrailPoint {
            status: STATUS_RUNNING,
            ..at
        },
        at,
    ]];
    let trail = TrailPlan {
        capacity: 2,
        record_every: scene.steps.max(1),
    };
    let sim = Simulation::replay(
        gpu,
        &Recorded {
            trails: &trails,
            plan: trail,
            starts_per_group: per_group as u32,
            steps: scene.steps,
        },
    )?;
    let drawn = Scene {
        model: None,
        ..scene.clone()
    };
    let mesh = SurfaceMesh::new(gpu, &drawn.surface, 8, 8)?;
    let mut world = World::assemble(gpu, drawn, sim, mesh, trail, None, settings)?;
    world.particles = particles as u64;
    world.sweep.get_mut().await_outcome();
    world.map_training = Some(job);
    Ok(world)
}
