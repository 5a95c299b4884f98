//! The benchmark cases the native program and the page time with the same code (a page cannot
//! block, so the timings are futures; natively they are blocked on):
//! - the simulation: Adam (lr 0.02) on Rosenbrock from a grid of N starts, no trail
//!   (`descent bench`, the page's `descent.bench`);
//! - frames: the post's saddle drawn one step a frame (`descent.benchFrames` in the page).

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

/// The frame case: the post's saddle from its two starts with a small rate, so that both
/// paths stay in view while their trails grow by a record a frame.
pub const FRAME_SCENE: &str = "[surface]\nname = \"saddle\"\n[[optimizer]]\nname = \"gd\"\n\
    lr = 0.001\n[starts]\npoints = [[1.0, 0.0], [1.0, 0.25]]\n[run]\nsteps = 100000\n\
    [view]\ncamera = \"post\"\n";

/// Frames drawn before the timing starts (pipelines and first uploads).
const WARM_FRAMES: u32 = 10;

/// One frame measurement: `frames` frames of `size` pixels in `seconds`.
#[derive(Clone, Copy, Debug)]
pub struct FrameTiming {
    pub frames: u32,
    pub size: [u32; 2],
    pub seconds: f64,
}

impl FrameTiming {
    pub fn rate(&self) -> f64 {
        f64::from(self.frames) / self.seconds
    }
}

/// Times [`FRAME_SCENE`] drawn at `size` without multisampling: after a few warm-up frames,
/// `frames` frames at steps 1, 2, ... after them, each finished on the GPU before the next is
/// drawn (as a window presents it). The frame is what the renderer draws offscreen, the
/// overlay included; a window's or page's copy to the screen is not in it.
pub async fn time_frames(gpu: &Gpu, size: [u32; 2], frames: u32) -> anyhow::Result<FrameTiming> {
    use crate::camera::OrbitCamera;
    use crate::render::RenderSettings;
    use crate::render::overlay::Overlay;
    use crate::world::{Look, World};

    let scene = crate::scene::Scene::parse_with("frame case", FRAME_SCENE, &crate::scene::no_files)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let settings = RenderSettings {
        msaa: 1,
        ..RenderSettings::for_size(size[0], size[1])
    };
    let mut world = World::new(gpu, &scene, &settings)?;
    let mut overlay = Overlay::new(gpu, settings.color_format);
    let mut frame = async |step: u32| -> anyhow::Result<()> {
        world.sim.advance_to(gpu, step);
        let look = Look {
            camera: OrbitCamera::post(),
            time: f64::from(step),
            pixels_per_point: 1.0,
        };
        world.draw(gpu, &mut overlay, &look);
        gpu.done_async().await?;
        Ok(())
    };
    for step in 1..=WARM_FRAMES {
        frame(step).await?;
    }
    let t = Instant::now();
    for step in WARM_FRAMES + 1..=WARM_FRAMES + frames {
        frame(step).await?;
    }
    Ok(FrameTiming {
        frames,
        size,
        seconds: t.elapsed().as_secs_f64().max(1e-9),
    })
}
