//! The simulation benchmark's case and its GPU timing, measured the same way by `descent bench`
//! and by the page's `descent.bench` (a page cannot block, so the timing is a future; natively
//! it is blocked on): Adam (lr 0.02) on Rosenbrock from a grid of N starts, no trail.

use web_time::Instant;

use crate::gpu::sim::{SimSetup, Simulation, TrailPlan};
use crate::gpu::{Gpu, GpuError};
use crate::optim::OptimizerSpec;
use crate::surfaces::Surface;

/// Seconds the GPU side of a measurement aims at: counts past a few million take fewer steps
/// than asked, so every row finishes in a few seconds on any adapter.
const MEASURE_SECONDS: f64 = 2.0;

/// The case's surface and optimizer.
pub fn case() -> Result<(Surface, OptimizerSpec), GpuError> {
    let surface =
        Surface::from_name_or_expr("rosenbrock").map_err(|e| GpuError::Uncaptured(e.to_string()))?;
    let adam: OptimizerSpec = "adam:lr=0.02"
        .parse()
        .map_err(|e: crate::optim::SpecError| GpuError::Uncaptured(e.to_string()))?;
    Ok((surface, adam))
}

/// `n` starts on a square grid over `surface`'s domain.
pub fn grid_starts(surface: &Surface, n: u32) -> Vec<[f64; 2]> {
    let side = (f64::from(n).sqrt().ceil()) as u32;
    let d = surface.domain;
    (0..n)
        .map(|i| {
            let (c, r) = (i % side, i / side);
            [
                d.x[0] + (d.x[1] - d.x[0]) * f64::from(c) / f64::from(side),
                d.y[0] + (d.y[1] - d.y[0]) * f64::from(r) / f64::from(side),
            ]
        })
        .collect()
}

/// One GPU measurement: `steps` steps of `particles` particles in `seconds`.
#[derive(Clone, Copy, Debug)]
pub struct GpuTiming {
    pub particles: u32,
    pub steps: u32,
    pub seconds: f64,
    /// GPU buffers the particles take (state; the case keeps no trail).
    pub gpu_bytes: u64,
}

impl GpuTiming {
    /// Particle-steps per second.
    pub fn rate(&self) -> f64 {
        f64::from(self.particles) * f64::from(self.steps) / self.seconds
    }
}

/// Times the case with `n` particles: a warm-up step (the first dispatch pays for pipeline
/// compilation on some drivers), two steps that size the measurement, then up to `max_steps`
/// steps (fewer where they would take more than [`MEASURE_SECONDS`]) from the start, again
/// with more steps where that took under half of it.
pub async fn time_gpu(gpu: &Gpu, n: u32, max_steps: u32) -> Result<GpuTiming, GpuError> {
    let (surface, adam) = case()?;
    let starts = grid_starts(&surface, n);
    let setup = SimSetup {
        surface: &surface,
        optimizers: std::slice::from_ref(&adam).into(),
        starts: &starts,
        max_steps,
        tol: 0.0,
        trail: TrailPlan {
            capacity: 0,
            record_every: 1,
        },
        seed: 0,
        regression: None,
        scores: false,
    };
    let mut sim = Simulation::new(gpu, &setup).map_err(|e| GpuError::Uncaptured(e.to_string()))?;
    sim.advance_to(gpu, 1);
    gpu.done_async().await?;
    let t = Instant::now();
    sim.advance_to(gpu, 3);
    gpu.done_async().await?;
    let rate = 2.0 * f64::from(n) / t.elapsed().as_secs_f64().max(1e-9);
    let max_steps = max_steps.max(3);
    let mut steps = ((MEASURE_SECONDS * rate / f64::from(n)) as u32).clamp(3, max_steps);
    loop {
        sim.reset(gpu);
        sim.advance_to(gpu, 0);
        gpu.done_async().await?;
        let t = Instant::now();
        sim.advance_to(gpu, steps);
        gpu.done_async().await?;
        let seconds = t.elapsed().as_secs_f64();
        // Two steps' rate guessed low where waiting for the GPU has a latency of its own (a
        // page's): a run much shorter than meant runs again, longer.
        if seconds >= 0.5 * MEASURE_SECONDS || steps == max_steps {
            return Ok(GpuTiming {
                particles: n,
                steps,
                seconds,
                gpu_bytes: sim.gpu_bytes(),
            });
        }
        let more = f64::from(steps) * MEASURE_SECONDS / seconds.max(1e-3);
        steps = (more.min(f64::from(max_steps)) as u32).max(steps + 1);
    }
}
