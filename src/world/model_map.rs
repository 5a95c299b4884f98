//! A model scene in the map layout: every model trained to its end without trails (no loss
//! slice: the map is the picture), drawn as its sweep's map from their true losses and
//! trainability sums.

use anyhow::Result;

use super::World;
use crate::gpu::Gpu;
use crate::gpu::gpu_data::{STATUS_RUNNING, TrailPoint};
use crate::gpu::mesh::SurfaceMesh;
use crate::gpu::sim::{Recorded, Simulation, TrailPlan};
use crate::render::RenderSettings;
use crate::scene::Scene;

/// A model scene drawn as its sweep's map: every model trained to its end without trails
/// (no slice: the map is the picture), the map made from their true losses and
/// trainability sums. Its simulation holds each model's first two parameters.
pub fn model_map(gpu: &Gpu, scene: &Scene, settings: &RenderSettings) -> Result<World> {
    let end = crate::run::map_run::run_to_end(gpu, scene)?;
    let trails: Vec<Vec<TrailPoint>> = end
        .particles
        .iter()
        .map(|p| {
            let at = TrailPoint {
                pos: p.pos,
                loss: p.loss,
                status: p.status,
            };
            vec![
                TrailPoint {
                    status: STATUS_RUNNING,
                    ..at
                },
                at,
            ]
        })
        .collect();
    let trail = TrailPlan {
        capacity: 2,
        record_every: scene.steps.max(1),
    };
    let sim = Simulation::replay(
        gpu,
        &Recorded {
            trails: &trails,
            plan: trail,
            starts_per_group: end.per_group as u32,
            steps: scene.steps,
        },
    )?;
    let drawn = Scene {
        model: None,
        ..scene.clone()
    };
    let mesh = SurfaceMesh::new(gpu, &drawn.surface, 8, 8)?;
    let world = World::assemble(gpu, drawn, sim, mesh, trail, None, settings)?;
    world.sweep.borrow_mut().set_outcome(end.particles, end.scores);
    Ok(world)
}
