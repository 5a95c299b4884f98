//! Running a scene to its end and streaming every kept step of every particle to a sink: the
//! core of `descent run`, the Python module's `run` and the page's `descent.run`. Reads are
//! futures, so that a page can wait for its GPU; natively they are ready at once.

use crate::gpu::Gpu;
use crate::gpu::gpu_data::{Particle, STATUS_CONVERGED, STATUS_DIVERGED, STATUS_RUNNING};
use crate::gpu::sim::{SimError, SimSetup, Simulation, TrailPlan};
use crate::scene::Scene;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Scene(String),
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
    /// The io error is the source (printed after the colon by `{:#}`), not repeated here.
    #[error("cannot write the export")]
    Export(#[from] std::io::Error),
    /// A [`TrajectorySink`] asked to stop (an interrupt, or its own failure, which it keeps).
    #[error("stopped")]
    Stopped,
}

/// Where a run's trajectory rows go: particle `i` (in the export's order: optimizer-major) at
/// `step`, in step order per particle; a particle's rows end at the step that froze it.
pub trait TrajectorySink {
    fn row(&mut self, i: usize, step: u32, p: &Particle) -> Result<(), RunError>;
}

/// What a run ended with.
pub struct RunOutcome {
    pub particles: Vec<Particle>,
    /// Each particle's trainability sums, when the scene asks for the score (natively).
    pub scores: Option<Vec<crate::gpu::sim::ScoreSums>>,
    pub starts_per_group: u32,
    pub trail: TrailPlan,
    pub rows_written: u64,
}

/// Runs `scene` to the end, handing every `every`th step of every particle's trajectory to
/// `sink` (and each particle's final state where it froze between kept steps), streamed in
/// chunks of at most `chunk_bytes` of trail memory.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_scene_into(
    gpu: &Gpu,
    scene: &Scene,
    every: u32,
    chunk_bytes: u64,
    sink: Option<&mut dyn TrajectorySink>,
) -> Result<RunOutcome, RunError> {
    pollster::block_on(run_scene_async(gpu, scene, every, chunk_bytes, sink))
}

/// [`run_scene_into`] as a future: the page awaits each readback (natively every await is
/// ready at once, see [`crate::gpu::context::map_read_async`]).
pub async fn run_scene_async(
    gpu: &Gpu,
    scene: &Scene,
    every: u32,
    chunk_bytes: u64,
    sink: Option<&mut dyn TrajectorySink>,
) -> Result<RunOutcome, RunError> {
    scene.validate().map_err(RunError::Scene)?;
    run_checked(gpu, scene, every, chunk_bytes, sink).await
}

/// [`run_scene_async`] for a scene already checked.
pub(crate) async fn run_checked(
    gpu: &Gpu,
    scene: &Scene,
    every: u32,
    chunk_bytes: u64,
    mut sink: Option<&mut dyn TrajectorySink>,
) -> Result<RunOutcome, RunError> {
    // Checked before the start list (or anything else large) is made.
    let n = scene.particle_count();
    Simulation::check_fits(gpu, n)?;
    let starts = scene.start_points();
    let limits = gpu.device.limits();

    let every = every.max(1);
    let records = scene.steps / every + 1;
    let trail = if sink.is_some() {
        let plan = TrailPlan::fit(&limits, n, records, every, chunk_bytes);
        if plan.capacity == 0 {
            return Err(RunError::Scene(format!(
                "{n} particles do not fit one trail point each in the adapter's storage limit; export fewer particles"
            )));
        }
        plan
    } else {
        TrailPlan {
            capacity: 0,
            record_every: every,
        }
    };
    let setup = SimSetup::for_scene(scene, &starts, trail);
    let mut sim = Simulation::new(gpu, &setup)?;

    if let Some(sink) = sink.as_deref_mut() {
        let cap = trail.capacity;
        let mut record = 0u32;
        while record < records {
            let last = (record + cap).min(records) - 1;
            sim.advance_to(gpu, last * every);
            let points = sim.read_trail_async(gpu).await?;
            let particles = sim.read_particles_async(gpu).await?;
            // Particles that froze at a step the trail does not keep get their final row too.
            let mut finals: Vec<(u32, usize)> = particles
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.status != STATUS_RUNNING
                        && p.step % every != 0
                        && p.step / every >= record
                        && p.step <= last * every
                })
                .map(|(i, p)| (p.step, i))
                .collect();
            finals.sort_unstable();
            let mut next_final = finals.iter().peekable();
            for r in record..=last {
                let step = r * every;
                while let Some(&&(s, i)) = next_final.peek().filter(|(s, _)| *s < step) {
                    sink.row(i, s, &particles[i])?;
                    next_final.next();
                }
                let slot = (r % cap) as usize;
                for (i, p) in particles.iter().enumerate() {
                    // A frozen particle's history ends at the step that froze it.
                    if step <= p.step {
                        let t = points[slot * particles.len() + i];
                        let at = Particle {
                            pos: t.pos,
                            loss: t.loss,
                            status: t.status,
                            ..*p
                        };
                        sink.row(i, step, &at)?;
                    }
                }
            }
            record = last + 1;
        }
    }
    sim.advance_to(gpu, scene.steps);
    let particles = sim.read_particles_async(gpu).await?;
    if let Some(sink) = sink {
        // The last step when it is not a multiple of `every`: every particle's final state.
        let last_kept = (records - 1) * every;
        let mut finals: Vec<(u32, usize)> = particles
            .iter()
            .enumerate()
            .filter(|(_, p)| p.step > last_kept)
            .map(|(i, p)| (p.step, i))
            .collect();
        finals.sort_unstable();
        for (s, i) in finals {
            sink.row(i, s, &particles[i])?;
        }
    }
    let scores = sim.read_scores_async(gpu).await?;
    Ok(RunOutcome {
        particles,
        scores,
        starts_per_group: sim.starts_per_group(),
        trail,
        rows_written: 0,
    })
}

/// The label of each optimizer group, in the simulation's group order.
pub fn group_labels(scene: &Scene) -> Vec<String> {
    if scene.has_sweep() {
        scene.groups().into_iter().map(|o| o.label).collect()
    } else {
        scene.optimizers.iter().map(|o| o.label.clone()).collect()
    }
}

/// A particle's status as the CSV export, the Python module and the page name it.
pub fn status_name(status: u32) -> &'static str {
    match status {
        STATUS_CONVERGED => "converged",
        STATUS_DIVERGED => "diverged",
        _ => "running",
    }
}

/// The steps a run with `every` keeps: every `every`th, and the last when it is not one of them.
pub fn kept_steps(steps: u32, every: u32) -> Vec<u32> {
    let every = every.max(1);
    let mut kept: Vec<u32> = (0..=steps).step_by(every as usize).collect();
    if !steps.is_multiple_of(every) {
        kept.push(steps);
    }
    kept
}

/// A run's trajectories as flat arrays, what the Python module and the page return: `xy`
/// (particle, record, 2) and `loss` (particle, record), particle-major in the export's order,
/// one record per kept step ([`kept_steps`]). Filled as a [`TrajectorySink`], then
/// [`Self::finish`]ed with the outcome.
pub struct TrajectoryArrays {
    pub every: u32,
    pub steps: Vec<u32>,
    pub xy: Vec<f32>,
    pub loss: Vec<f32>,
}

impl TrajectoryArrays {
    /// NaN-filled arrays for `particles` particles of `scene`, or why they do not fit in memory.
    pub fn new(scene: &Scene, every: u32) -> Result<Self, String> {
        let every = every.max(1);
        let steps = kept_steps(scene.steps, every);
        let records = steps.len();
        let n = scene.particle_count() as usize;
        let cells = n
            .checked_mul(records)
            .filter(|c| c.checked_mul(12).is_some())
            .ok_or_else(|| "the trajectories are too large; raise every".to_string())?;
        let alloc = |len: usize| -> Result<Vec<f32>, String> {
            let mut v = Vec::new();
            v.try_reserve_exact(len).map_err(|_| {
                format!(
                    "{n} particles x {records} records do not fit in memory ({:.1} GiB); keep fewer steps with every=N",
                    (cells * 12) as f64 / f64::from(1u32 << 30)
                )
            })?;
            v.resize(len, f32::NAN);
            Ok(v)
        };
        Ok(Self {
            every,
            xy: alloc(cells * 2)?,
            loss: alloc(cells)?,
            steps,
        })
    }

    pub fn records(&self) -> usize {
        self.steps.len()
    }

    /// After the run: a particle that froze stays where it stopped (its later records repeat
    /// its end), and the last step, when not a multiple of `every`, holds every final state.
    pub fn finish(&mut self, outcome: &RunOutcome) {
        let records = self.records();
        for (i, p) in outcome.particles.iter().enumerate() {
            for (r, &step) in self.steps.iter().enumerate() {
                if step > p.step || !step.is_multiple_of(self.every) {
                    let at = i * records + r;
                    self.xy[2 * at..2 * at + 2].copy_from_slice(&p.pos);
                    self.loss[at] = p.loss;
                }
            }
        }
    }
}

impl TrajectorySink for TrajectoryArrays {
    fn row(&mut self, i: usize, step: u32, p: &Particle) -> Result<(), RunError> {
        if step.is_multiple_of(self.every) {
            let at = i * self.records() + (step / self.every) as usize;
            self.xy[2 * at..2 * at + 2].copy_from_slice(&p.pos);
            self.loss[at] = p.loss;
        }
        Ok(())
    }
}
