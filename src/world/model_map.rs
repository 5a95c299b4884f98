//! A model scene in the map layout: every model trained to its end without trails (no loss
//! slice: the map is the picture), drawn as its sweep's map from their true losses and
//! trainability sums.

use anyhow::{Result, anyhow};

use super::World;
use super::map_training::MapTraining;
use crate::gpu::Gpu;
use crate::gpu::gpu_data::{Particle, STATUS_RUNNING, TrailPoint};
use crate::gpu::mesh::SurfaceMesh;
use crate::gpu::model_sim::{ModelSetup, train};
use crate::gpu::sim::{Recorded, ScoreSums, Simulation, TrailPlan};
use crate::render::RenderSettings;
use crate::scene::Scene;

/// A run's end: each particle (group-major), its trainability sums when kept, and the
/// particles per group.
pub struct RunEnd {
    pub particles: Vec<Particle>,
    pub scores: Option<Vec<ScoreSums>>,
    pub per_group: usize,
}

/// Trains every model of the model scene `scene` to its end, keeping no trails: each
/// model's end (its first two parameters as its position) and its trainability sums.
pub fn train_to_end(gpu: &Gpu, scene: &Scene) -> Result<RunEnd> {
    let model = scene
        .model
        .as_ref()
        .ok_or_else(|| anyhow!("the scene has no [model]"))?;
    let problem = super::landscape::scene_problem(model)?;
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
