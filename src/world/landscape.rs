//! A model scene made drawable: every initialisation trained on the GPU with its path
//! projected onto the scene's loss slice ([`SliceRequest`]), the slice evaluated on the GPU
//! over the paths' extent, and the surface scene that draws them: the slice as a tabulated
//! surface, one start per initialisation, the recorded paths replayed on it.
//!
//! A projected path is drawn at the slice's loss where it passes (on the surface, read
//! between the slice's grid points), not at the model's true loss, which lies off the slice
//! wherever the path leaves its plane; the true loss is kept for the plots and the legend.

use anyhow::{Result, anyhow};

use super::data_view::DataView;
use crate::gpu::Gpu;
use crate::gpu::gpu_data::{Particle, STATUS_DIVERGED, TrailPoint};
use crate::gpu::model_sim::{ModelSetup, train_async};
use crate::gpu::model_slice::evaluate_slice_async;
use crate::gpu::sim::{Recorded, Simulation, TrailPlan};
use crate::model::ModelProblem;
use crate::model::slice::Directions;
use crate::model::slice_request::{SliceFlags, SliceRequest, scene_key_error};
use crate::numbers::short_number;
use crate::render::overlay::slice_plot::SliceLosses;
use crate::scene::{ModelScene, Scene, SliceScene, Starts};
use crate::surfaces::{Domain, HeightTable, Surface};

/// A trained model scene, ready to draw.
pub struct Landscape {
    /// The scene that draws it: a tabulated surface, no `[model]`.
    pub scene: Scene,
    pub sim: Simulation,
    pub trail: TrailPlan,
    /// What the slice is and where, and at what height paths are drawn, in words.
    pub about: String,
    /// The true losses beside the slice's (the trail holds the slice's).
    pub losses: SliceLosses,
    pub data_view: Option<DataView>,
    /// Every model's end with its true final loss (for a sweep's map), and its trainability
    /// sums.
    pub outcome: Vec<Particle>,
    pub scores: Vec<crate::gpu::sim::ScoreSums>,
}

/// The model of `scene`, trained and sliced; `plan` says what the trails keep (every step
/// while it fits, as a surface run's); `progress` is told the models trained and their number.
#[cfg(not(target_arch = "wasm32"))]
pub fn landscape(
    gpu: &Gpu,
    scene: &Scene,
    model: &ModelScene,
    plan: impl FnOnce(u64) -> Result<TrailPlan>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Landscape> {
    pollster::block_on(landscape_async(gpu, scene, model, plan, progress))
}

/// [`landscape`] as a future (a page cannot wait for the GPU).
pub async fn landscape_async(
    gpu: &Gpu,
    scene: &Scene,
    model: &ModelScene,
    plan: impl FnOnce(u64) -> Result<TrailPlan>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Landscape> {
    let problem = scene_problem(model)?;
    let groups = scene.groups();
    let inits = problem.inits.len();
    let particles = (groups.len() * inits) as u64;
    let request = slice_request(&model.slice, &problem, particles as usize)?;
    let (steps, tol, seed) = (scene.steps, scene.tol, model.args.seed);
    let plane = request
        .plane(&problem, &groups, steps, tol, seed)
        .map_err(|e| anyhow!(e))?;
    let plan = plan(particles)?;
    let known = plane.centre_run.as_ref().map(|t| (request.particle, t));
    let data_view = DataView::new(&problem, &groups, request.particle, steps, tol, seed, known);
    let setup = ModelSetup {
        problem: &problem,
        optimizers: &groups,
        steps,
        tol,
        seed,
        record_every: plan.record_every,
        plane: Some(&plane.plane),
        keep_parameters: true,
    };
    let total = setup.particles();
    progress(0, total);
    let trained = train_async(gpu, &setup, &mut |done| progress(done, total)).await?;
    let kept = trained
        .trails
        .iter()
        .flatten()
        .filter(|p| p.status != STATUS_DIVERGED);
    let about = plane.line.clone();
    let slice = request.slice(plane.clone(), kept.map(|p| p.pos));
    let losses = evaluate_slice_async(gpu, &problem, &slice).await?;
    let domain = Domain {
        x: slice.a,
        y: slice.b,
    };
    let name = format!(
        "loss slice of {} on {}",
        problem.spec.describe(),
        problem.data_source
    );
    let table = HeightTable {
        cols: slice.cols,
        rows: slice.rows,
        values: losses,
    };
    let surface = Surface::tabulated(&name, domain, table);
    // Every path at the slice's loss where it passes; the true loss kept beside it.
    let mut true_loss = Vec::with_capacity(trained.trails.len());
    let trails: Vec<Vec<TrailPoint>> = trained
        .trails
        .iter()
        .map(|trail| {
            true_loss.push(trail.iter().map(|p| p.loss).collect());
            trail
                .iter()
                .map(|&p| TrailPoint {
                    loss: surface.value([f64::from(p.pos[0]), f64::from(p.pos[1])]) as f32,
                    ..p
                })
                .collect()
        })
        .collect();
    let trail = TrailPlan {
        capacity: setup.trail_capacity(),
        record_every: plan.record_every,
    };
    let sim = Simulation::replay(
        gpu,
        &Recorded {
            trails: &trails,
            plan: trail,
            starts_per_group: inits as u32,
            steps,
        },
    )?;
    let slice_loss: Vec<Vec<f32>> = trails
        .iter()
        .map(|t| t.iter().map(|p| p.loss).collect())
        .collect();
    // One series per optimizer as the legend has them (a sweep's groups together).
    let spans: Vec<usize> = scene
        .optimizers
        .iter()
        .map(|o| o.group_count() as usize * inits)
        .collect();
    let losses = SliceLosses::new(&true_loss, &slice_loss, &spans, trail.record_every);
    let outcome = trained
        .meta
        .iter()
        .zip(&trails)
        .map(|(m, t)| Particle {
            pos: t[t.len() - 1].pos,
            ..m.end()
        })
        .collect();
    let scores = trained.meta.iter().map(|m| m.scores).collect();
    let starts = trails[..inits]
        .iter()
        .map(|t| [f64::from(t[0].pos[0]), f64::from(t[0].pos[1])])
        .collect();
    // Two named parameters of a two-parameter model: the slice is the whole loss surface.
    let exact = problem.model.parameter_count() == 2 && matches!(request.directions, Directions::Params(..));
    let about = if exact {
        format!("{about}: the exact loss surface, each path on it")
    } else {
        format!(
            "{about}; a {} to {}, b {} to {}; paths projected onto it, drawn at the slice's loss",
            short_number(slice.a[0]),
            short_number(slice.a[1]),
            short_number(slice.b[0]),
            short_number(slice.b[1])
        )
    };
    let mut view = scene.view.clone();
    if view.axis_names.is_none() {
        let names = problem.model.parameter_names();
        let [a, b] = match request.directions {
            Directions::Params(i, j) => [names[i].clone(), names[j].clone()],
            Directions::Pca => ["PC 1".into(), "PC 2".into()],
            Directions::Random { .. } => ["a (direction 1)".into(), "b (direction 2)".into()],
        };
        view.axis_names = Some([a, b, format!("{} loss", problem.loss.name())]);
    }
    let drawn = Scene {
        title: scene.title.clone(),
        surface,
        optimizers: scene.optimizers.clone(),
        starts: Starts {
            points: starts,
            ..Starts::default()
        },
        steps,
        tol,
        mesh: [slice.cols, slice.rows],
        regression: None,
        model: None,
        view,
    };
    Ok(Landscape {
        scene: drawn,
        sim,
        trail,
        about,
        losses,
        data_view,
        outcome,
        scores,
    })
}

/// The training problem of a model scene, from what the scene holds (its files were read with
/// it: nothing is read here).
pub fn scene_problem(model: &ModelScene) -> Result<ModelProblem> {
    let read = model.read(&|path: &str| {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{path} was not read with the scene"),
        ))
    });
    ModelProblem::resolve(&model.args, &read).map_err(|e| anyhow!(e))
}

/// The scene's `[slice]` read as the run's flags are, its errors naming the table's keys.
fn slice_request(slice: &SliceScene, problem: &ModelProblem, particles: usize) -> Result<SliceRequest> {
    let flags = SliceFlags {
        directions: slice.directions.as_deref(),
        size: slice.size.as_deref(),
        around: slice.around.as_deref(),
        range: slice.range.as_deref(),
    };
    SliceRequest::parse(&flags, &[], problem, particles).map_err(|e| match scene_key_error(&e) {
        Some((_, renamed)) => anyhow!(renamed),
        None => anyhow!(e),
    })
}
