//! Headless runs: simulate a scene to the end on the GPU, streaming the trajectory export
//! chunk by chunk, and summarise the outcome per optimizer. A platform room: what a run
//! writes (`csv.rs`, the trajectory CSV; `sweep_csv.rs`, one row per sweep group; `maps.rs`,
//! start and sweep maps as PNGs) goes to files.

pub mod csv;
pub mod maps;
pub mod sweep_csv;

use std::path::Path;

use crate::gpu::Gpu;
use crate::gpu::gpu_data::{Particle, STATUS_CONVERGED, STATUS_DIVERGED, STATUS_RUNNING};
use crate::gpu::sim::{SimError, SimSetup, Simulation, TrailPlan};
use crate::scene::Scene;
pub use csv::CsvSink;

/// Trail memory an export may use per chunk: big chunks amortise readbacks, small ones keep
/// memory modest. The adapter's binding limit caps it further.
pub const EXPORT_CHUNK_BYTES: u64 = 64 << 20;

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

/// The label of each optimizer group, in the simulation's group order.
pub fn group_labels(scene: &Scene) -> Vec<String> {
    if scene.has_sweep() {
        scene.groups().into_iter().map(|o| o.label).collect()
    } else {
        scene.optimizers.iter().map(|o| o.label.clone()).collect()
    }
}

pub struct RunOptions<'a> {
    pub export: Option<&'a Path>,
    /// Keep every Nth step in the export.
    pub every: u32,
    /// Trail memory per export chunk ([`EXPORT_CHUNK_BYTES`] unless testing the chunking).
    pub chunk_bytes: u64,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        Self {
            export: None,
            every: 1,
            chunk_bytes: EXPORT_CHUNK_BYTES,
        }
    }
}

/// What a run ended with.
pub struct RunOutcome {
    pub particles: Vec<Particle>,
    pub starts_per_group: u32,
    pub trail: TrailPlan,
    pub rows_written: u64,
}

pub fn run_scene(gpu: &Gpu, scene: &Scene, options: &RunOptions<'_>) -> Result<RunOutcome, RunError> {
    let Some(path) = options.export else {
        return run_scene_into(gpu, scene, options.every, options.chunk_bytes, None);
    };
    // Checked once, before the file is created.
    scene.validate().map_err(RunError::Scene)?;
    let mut sink = CsvSink::create(path, scene)?;
    let mut outcome = run_checked(gpu, scene, options.every, options.chunk_bytes, Some(&mut sink))?;
    outcome.rows_written = sink.finish()?;
    Ok(outcome)
}

/// Runs `scene` to the end, handing every `every`th step of every particle's trajectory to
/// `sink` (and each particle's final state where it froze between kept steps), streamed in
/// chunks of at most `chunk_bytes` of trail memory.
pub fn run_scene_into(
    gpu: &Gpu,
    scene: &Scene,
    every: u32,
    chunk_bytes: u64,
    sink: Option<&mut dyn TrajectorySink>,
) -> Result<RunOutcome, RunError> {
    scene.validate().map_err(RunError::Scene)?;
    run_checked(gpu, scene, every, chunk_bytes, sink)
}

/// [`run_scene_into`] for a scene already checked.
fn run_checked(
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
            let points = sim.read_trail(gpu)?;
            let particles = sim.read_particles(gpu)?;
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
    let particles = sim.read_particles(gpu)?;
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
    Ok(RunOutcome {
        particles,
        starts_per_group: sim.starts_per_group(),
        trail,
        rows_written: 0,
    })
}

/// Per-optimizer outcome: counts by status, best and median final loss of the non-diverged.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSummary {
    pub label: String,
    pub converged: u32,
    pub diverged: u32,
    pub running: u32,
    pub best_loss: Option<f32>,
    pub median_loss: Option<f32>,
}

/// One row per optimizer: a sweep's groups are counted together (`--sweep-csv` has them apart).
pub fn summarize(scene: &Scene, outcome: &RunOutcome) -> Vec<GroupSummary> {
    let per = outcome.starts_per_group.max(1) as usize;
    let mut first = 0;
    scene
        .optimizers
        .iter()
        .map(|spec| {
            let end = (first + spec.group_count() as usize * per).min(outcome.particles.len());
            let group = &outcome.particles[first.min(end)..end];
            first = end;
            let mut losses: Vec<f32> = group
                .iter()
                .filter(|p| p.status != STATUS_DIVERGED && p.loss.is_finite())
                .map(|p| p.loss)
                .collect();
            losses.sort_by(f32::total_cmp);
            let count = |s: u32| group.iter().filter(|p| p.status == s).count() as u32;
            let converged = count(STATUS_CONVERGED);
            let diverged = count(STATUS_DIVERGED);
            GroupSummary {
                label: spec.label.clone(),
                converged,
                diverged,
                running: group.len() as u32 - converged - diverged,
                best_loss: losses.first().copied(),
                median_loss: median(&losses),
            }
        })
        .collect()
}

fn median(sorted: &[f32]) -> Option<f32> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The summary as an aligned text table.
pub fn format_summary(rows: &[GroupSummary]) -> String {
    let fmt = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{v:.6e}"));
    let width = rows
        .iter()
        .map(|r| r.label.len())
        .max()
        .unwrap_or(0)
        .max("optimizer".len());
    let mut out = format!(
        "{:<width$}  {:>10}  {:>10}  {:>10}  {:>13}  {:>13}\n",
        "optimizer", "converged", "diverged", "running", "best loss", "median loss"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<width$}  {:>10}  {:>10}  {:>10}  {:>13}  {:>13}\n",
            r.label,
            r.converged,
            r.diverged,
            r.running,
            fmt(r.best_loss),
            fmt(r.median_loss)
        ));
    }
    out
}
