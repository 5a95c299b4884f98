//! What a render job is and what it reports, shared by the scene's frame loop
//! (`render_job.rs`) and the map's (`map_job.rs`); and the progress line both print.

use std::time::Instant;

use crate::camera::OrbitCamera;
use crate::capture::Output;
use crate::gpu::sim::TrailPlan;
use crate::render::RenderSettings;
use crate::scene::Scene;
use crate::timeline::Timeline;

pub struct RenderJob {
    pub scene: Scene,
    pub output: Output,
    pub settings: RenderSettings,
    pub camera: OrbitCamera,
    pub timeline: Timeline,
    /// Degrees of azimuth per second of video (a slow orbit), 0 for none.
    pub orbit_deg_per_s: f64,
    /// Continue a PNG sequence from its first missing frame.
    pub resume: bool,
    /// Print progress to stderr.
    pub progress: bool,
    /// `--zoom-to`: each frame a fresh run of the sweep, its ranges zooming to these.
    pub zoom: Option<Vec<crate::outcome::zoom::ZoomAxis>>,
}

impl RenderJob {
    /// The first frame this run writes (where `--resume` picks a PNG sequence up) and the
    /// frames to render: a still is the timeline's last frame.
    pub(super) fn frames_to_render(&self) -> anyhow::Result<(u32, Vec<u32>)> {
        let first = match (&self.output, self.resume) {
            (Output::Pngs { dir, .. }, true) => crate::capture::resume_point(dir)?,
            (_, true) => {
                anyhow::bail!("--resume continues a PNG sequence (--out DIR); videos and GIFs restart")
            }
            _ => 0,
        };
        let frames = match &self.output {
            Output::Still { .. } => vec![self.timeline.frames.saturating_sub(1)],
            _ => (first..self.timeline.frames).collect(),
        };
        Ok((first, frames))
    }
}

pub struct RenderReport {
    pub frames: u32,
    pub first_frame: u32,
    pub seconds: f64,
    pub trail: TrailPlan,
    pub interrupted: bool,
}

/// A progress line in flight (`\r` updates): ended with a newline when dropped, so whatever
/// is printed next, an error included, starts on its own line.
pub(super) struct ProgressLine(pub(super) bool);

impl ProgressLine {
    /// Shows frame `f` of `total` written, `done` of `to_do` this run, the rate since
    /// `started` and the time left.
    pub(super) fn frame(&mut self, f: u32, total: u32, done: u32, to_do: u32, started: Instant) {
        let elapsed = started.elapsed().as_secs_f64();
        let rate = f64::from(done) / elapsed.max(1e-9);
        let left = f64::from(to_do.saturating_sub(done)) / rate.max(1e-9);
        eprint!("\rframe {}/{total}  {rate:.2} frames/s  ETA {left:.0}s   ", f + 1);
        self.0 = true;
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        if self.0 {
            eprintln!();
        }
    }
}
