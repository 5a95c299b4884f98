//! `descent render` of a map-layout scene (`[view] layout = "map"`, or `--zoom-to`): every
//! frame is its sweep's map from a whole run, filling the frame. A zoom (`--zoom-to`) runs
//! the sweep afresh for every frame, its ranges shrinking geometrically from the scene's to
//! the target's ([`crate::outcome::zoom`]); without one the map is run once and every frame
//! shows it. Frames go to the same capture as any render (PNGs, video, GIF, still).

use std::time::Instant;

use anyhow::{Result, anyhow};

use super::frames::{ProgressLine, RenderJob, RenderReport};
use crate::capture::Capture;
use crate::gpu::Gpu;
use crate::gpu::sim::TrailPlan;
use crate::outcome::sweep_map::SweepMap;
use crate::outcome::zoom::{ZoomAxis, frame_alpha, zoom_optimizer, zoomed};
use crate::render::map_frame::MapFrame;
use crate::scene::Scene;

/// The swept optimizer a map frame shows: the zoomed one, else the first that sweeps.
pub fn map_optimizer(scene: &Scene, zoom: Option<&[ZoomAxis]>) -> Result<usize> {
    match zoom {
        Some(z) => zoom_optimizer(&scene.optimizers, z).map_err(|m| anyhow!("--zoom-to: {m}")),
        None => scene
            .optimizers
            .iter()
            .position(|o| !o.sweep.is_empty())
            .ok_or_else(|| anyhow!("layout \"map\" draws a sweep's map: no optimizer sweeps a parameter")),
    }
}

/// `scene` with optimizer `k` at `alpha` of the zoom (itself without one).
pub fn scene_at(scene: &Scene, k: usize, zoom: Option<&[ZoomAxis]>, alpha: f64) -> Scene {
    let mut s = scene.clone();
    if let Some(z) = zoom {
        s.optimizers[k] = zoomed(&scene.optimizers[k], z, alpha);
    }
    s
}

/// Renders `job`'s map frames (a zoom's when the job has one), asking `keep_going(frames
/// done, frames to do)` before each as [`super::render_job::render_until`] does.
pub fn render_map(
    gpu: &Gpu,
    job: &RenderJob,
    keep_going: &mut dyn FnMut(u32, u32) -> bool,
) -> Result<RenderReport> {
    let zoom = job.zoom.as_deref();
    let scene = &job.scene;
    let k = map_optimizer(scene, zoom)?;
    let (w, h) = (job.settings.width, job.settings.height);
    let (first_frame, frames) = job.frames_to_render()?;
    let total = job.timeline.frames;
    let mut capture = Capture::new(gpu, w, h, &job.output, first_frame)?;
    let mut framer = MapFrame::new(gpu, w, h);
    let started = Instant::now();
    let mut line = ProgressLine(false);
    let mut still: Option<(Scene, SweepMap)> = None;
    let (mut done, mut stopped) = (0u32, false);
    for &f in &frames {
        if !keep_going(done, frames.len() as u32) {
            stopped = true;
            break;
        }
        if zoom.is_some() || still.is_none() {
            let at = scene_at(scene, k, zoom, frame_alpha(f, total));
            let map = crate::run::map_run::map_of_run(gpu, &at, k)?;
            still = Some((at, map));
        }
        let (at, map) = still.as_ref().expect("a map");
        let texture = framer.draw(gpu, at.title.as_deref(), &map.subtitle(at.steps), map);
        capture.push(gpu, texture)?;
        done += 1;
        if job.progress {
            line.frame(f, total, done, frames.len() as u32, started);
        }
    }
    let written = capture.finish(gpu)?;
    drop(line);
    Ok(RenderReport {
        frames: written,
        first_frame,
        seconds: started.elapsed().as_secs_f64(),
        trail: TrailPlan {
            capacity: 0,
            record_every: 1,
        },
        interrupted: stopped,
    })
}
