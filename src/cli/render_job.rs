//! `descent render`: a scene to frames, without a window. The simulation runs ahead of the
//! frame being drawn just far enough (to the step after the frame's time, for interpolation);
//! the renderer and the overlay draw into the offscreen target; capture encodes on worker
//! threads while the next frame renders. Ctrl-C finishes the frames in flight and stops;
//! `--resume` continues a PNG sequence from the first frame missing.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Result, bail};

use crate::capture::{Capture, Output};
use crate::gpu::Gpu;
use crate::render::overlay::{Overlay, pixels_per_point_for};
use crate::world::{Look, World};

use super::frames::ProgressLine;
pub use super::frames::{RenderJob, RenderReport};

/// Set by Ctrl-C / SIGTERM; the frame loop polls it.
fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        // Fails only if a handler is already installed (e.g. by an embedding program).
        let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
        flag
    })
    .clone()
}

/// Renders `job`, stopping cleanly at Ctrl-C / SIGTERM (the command line's way); a
/// map-layout scene or a zoom frame by frame as maps ([`super::map_job`]).
pub fn render(gpu: &Gpu, job: &RenderJob) -> Result<RenderReport> {
    let interrupted = interrupt_flag();
    render_until(gpu, job, &mut |_, _| !interrupted.load(Ordering::SeqCst))
}

/// Renders `job`, asking `keep_going(frames done, frames to do)` before each frame; `false`
/// stops it as Ctrl-C does: the frames in flight are finished, so only whole frames remain,
/// and the report says `interrupted`. For front ends with their own progress and interrupts
/// (no signal handler is installed here).
pub fn render_until(
    gpu: &Gpu,
    job: &RenderJob,
    keep_going: &mut dyn FnMut(u32, u32) -> bool,
) -> Result<RenderReport> {
    if job.zoom.is_some() || job.scene.view.layout == Some(crate::scene::Layout::Map) {
        return super::map_job::render_map(gpu, job, keep_going);
    }
    // The scene is checked once, by World::new below (the command line checked it before a
    // GPU was opened).
    let scene = &job.scene;
    let limits = gpu.device.limits();
    let max_side = limits.max_texture_dimension_2d;
    if job.settings.width > max_side || job.settings.height > max_side {
        bail!(
            "--size {}x{} is over this adapter's texture limit of {max_side}x{max_side}",
            job.settings.width,
            job.settings.height
        );
    }
    let mut world = World::new(gpu, scene, &job.settings)?;
    let (n, trail) = (world.particles, world.trail);
    let mut overlay = Overlay::new(gpu, wgpu::TextureFormat::Rgba8UnormSrgb);

    let (first_frame, frames) = job.frames_to_render()?;
    let (w, h) = (job.settings.width, job.settings.height);
    let mut capture = Capture::new(gpu, w, h, &job.output, first_frame)?;
    if job.progress && trail.record_every > 1 {
        eprintln!("{}", trail.describe(n));
    }
    let started = Instant::now();
    // Plots of a few particles read their trail back: run such a simulation to the end
    // first (it costs nothing) and read it once, instead of waiting on the GPU every frame.
    // Frames still show their own step (trails and heads come from the trail's records).
    let few = n <= u64::from(crate::render::overlay::plots::MAX_PLOT_PARTICLES);
    if few && !scene.view.plots.is_empty() && frames.len() > 1 {
        let last = frames.last().map_or(0.0, |&f| job.timeline.time(f));
        world.sim.advance_to(gpu, last.ceil() as u32);
    }
    let mut done = 0u32;
    let mut interrupted = false;
    let mut line = ProgressLine(false);
    for &f in &frames {
        if !keep_going(done, frames.len() as u32) {
            interrupted = true;
            break;
        }
        let time = job.timeline.time(f);
        world.sim.advance_to(gpu, time.ceil() as u32);
        let mut camera = job.camera;
        camera.orbit((job.orbit_deg_per_s * job.timeline.seconds(f)) as f32, 0.0);
        let look = Look {
            camera,
            time,
            pixels_per_point: pixels_per_point_for(h),
        };
        let texture = world.draw(gpu, &mut overlay, &look);
        capture.push(gpu, texture)?;
        done += 1;
        if job.progress {
            line.frame(f, job.timeline.frames, done, frames.len() as u32, started);
        }
    }
    let written = capture.finish(gpu)?;
    drop(line);
    Ok(RenderReport {
        frames: written,
        first_frame,
        seconds: started.elapsed().as_secs_f64(),
        trail,
        interrupted,
    })
}

/// Where a job's output goes, in words, for the final message.
pub fn describe_output(output: &Output) -> PathBuf {
    match output {
        Output::Pngs { dir, .. } => dir.clone(),
        Output::Still { path, .. } | Output::Video { path, .. } | Output::Gif { path, .. } => path.clone(),
        Output::Discard => PathBuf::from("nowhere"),
    }
}
