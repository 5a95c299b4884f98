//! A simulation whose paths were computed elsewhere (a model scene's trainings, projected onto
//! its loss slice): its trail rings are filled at once and its clock stands at the end, so the
//! renderer, the plots and the timeline draw the recorded history as they draw a live run.

use super::{Chunk, Ring, SimError, Simulation, TrailPlan, chunk_ranges};
use crate::gpu::Gpu;
use crate::gpu::gpu_data::{Particle, STATUS_RUNNING, SimParams, TrailPoint};

/// Paths recorded elsewhere.
pub struct Recorded<'a> {
    /// Per particle (group-major: particle `g * starts_per_group + s`), its records in step
    /// order, `plan.capacity` of them, one every `plan.record_every` steps from step 0.
    pub trails: &'a [Vec<TrailPoint>],
    pub plan: TrailPlan,
    pub starts_per_group: u32,
    pub steps: u32,
}

impl Simulation {
    /// A simulation that shows `recorded`: stepping it does nothing, every step is there.
    pub fn replay(gpu: &Gpu, recorded: &Recorded<'_>) -> Result<Self, SimError> {
        let plan = recorded.plan;
        let n = recorded.trails.len();
        if n == 0 || plan.capacity == 0 {
            return Err(SimError::Empty);
        }
        if let Some(t) = recorded.trails.iter().find(|t| t.len() != plan.capacity as usize) {
            return Err(SimError::Tables(format!(
                "a recorded path has {} points where the plan keeps {}",
                t.len(),
                plan.capacity
            )));
        }
        Self::check_fits(gpu, n as u64)?;
        let state = |p: TrailPoint, step: u32| Particle {
            pos: p.pos,
            loss: p.loss,
            step,
            status: p.status,
            ..Particle::default()
        };
        let initial: Vec<Particle> = recorded
            .trails
            .iter()
            .map(|t| Particle {
                status: STATUS_RUNNING,
                ..state(t[0], 0)
            })
            .collect();
        // The end state; `step` is where it stopped (the first record that is no longer running).
        let last: Vec<Particle> = recorded
            .trails
            .iter()
            .map(|t| {
                let end = t[t.len() - 1];
                let stopped = t.iter().position(|p| p.status != STATUS_RUNNING);
                let step = stopped.map_or(recorded.steps, |r| r as u32 * plan.record_every);
                state(end, step.min(recorded.steps))
            })
            .collect();
        let limits = gpu.device.limits();
        let chunks = chunk_ranges(&limits, n as u32, plan.capacity)
            .into_iter()
            .map(|range| {
                let (first, count) = (range.first as usize, range.count as usize);
                // The ring's layout: slot-major, point `slot * count + l` for particle l.
                let mut ring = Vec::with_capacity(plan.capacity as usize * count);
                for slot in 0..plan.capacity as usize {
                    ring.extend(recorded.trails[first..first + count].iter().map(|t| t[slot]));
                }
                Chunk::new(
                    gpu,
                    range,
                    &last[first..first + count],
                    Ring::Filled(&ring),
                    false,
                )
            })
            .collect();
        let params = SimParams {
            starts_per_group: recorded.starts_per_group,
            max_steps: recorded.steps,
            record_every: plan.record_every.max(1),
            trail_capacity: plan.capacity,
            ..SimParams::default()
        };
        Ok(Self {
            pipeline: None,
            chunks,
            slices: Vec::new(),
            initial,
            params,
            n_particles: n as u32,
            pacer: Default::default(),
            resets: 0,
            trail_memo: std::sync::Mutex::new(None),
            lr_table: Vec::new(),
            lr_at: Vec::new(),
            max_steps: recorded.steps,
            keeps_scores: false,
        })
    }
}
