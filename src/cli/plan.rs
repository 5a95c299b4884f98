//! What `descent render` and `descent view` will do: the scene with every flag applied, the
//! output, timeline and settings, all checked before a GPU or a window is opened.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};

use super::args::{RenderArgs, ViewArgs};
use super::render_job::RenderJob;
use super::scene_flags::parse_size;
use crate::capture::Output;
use crate::scene::Scene;
use crate::timeline::Timeline;

/// What `descent render` will do, checked in full before a GPU is opened.
pub enum RenderPlan {
    /// Frames, then the start map if asked for.
    Frames {
        job: Box<RenderJob>,
        start_map: Option<PathBuf>,
    },
    /// No frames: the start map and/or the sweep outputs (`RenderArgs::sweep`) only.
    NoFrames {
        scene: Box<Scene>,
        start_map: Option<PathBuf>,
    },
}

impl RenderArgs {
    /// The scene with every flag applied, the output, the timeline and the render settings.
    pub fn plan(&self) -> Result<RenderPlan> {
        let args = self;
        let mut scene = args.scene.build()?;
        args.style.apply(&mut scene.view)?;
        let size = parse_size("--size", &args.size)?;
        let outputs = [&args.out, &args.video, &args.gif, &args.still]
            .iter()
            .filter(|o| o.is_some())
            .count();
        if let Some(path) = &args.start_map {
            crate::outcome::start_map::grid_of(&scene).map_err(|m| anyhow!("--start-map: {m}"))?;
            check_file(path)?;
        }
        args.sweep.check(&scene)?;
        if outputs == 0 && (args.start_map.is_some() || args.sweep.any()) {
            return Ok(RenderPlan::NoFrames {
                scene: Box::new(scene),
                start_map: args.start_map.clone(),
            });
        }
        if outputs != 1 {
            bail!(
                "give exactly one of --out DIR, --video FILE, --gif FILE or --still FILE.png (and --start-map FILE.png, --sweep-map FILE.png or --sweep-csv FILE.csv if wanted)"
            );
        }
        let output = if let Some(dir) = &args.out {
            Output::Pngs {
                dir: dir.clone(),
                compression: args.png_compression,
            }
        } else if let Some(path) = &args.video {
            Output::Video {
                path: path.clone(),
                fps: args.fps,
            }
        } else if let Some(path) = &args.gif {
            Output::Gif {
                path: path.clone(),
                fps: args.fps,
                quality: args.gif_quality,
            }
        } else {
            Output::Still {
                path: args.still.clone().unwrap_or_default(),
                compression: args.png_compression,
            }
        };
        let zoom = match &args.zoom_to {
            Some(text) => {
                let zoom =
                    crate::outcome::zoom::parse_zoom(text).map_err(|m| anyhow!("--zoom-to {text:?}: {m}"))?;
                scene.view.layout = Some(crate::scene::Layout::Map);
                Some(zoom)
            }
            None => None,
        };
        let map = scene.view.layout == Some(crate::scene::Layout::Map);
        let timeline = if map {
            args.map_timeline(&scene, zoom.as_deref())?
        } else {
            args.scene_timeline(&scene)?
        };
        // A map frame is an image drawn by the overlay: nothing to multisample.
        let msaa = if map { 1 } else { args.style.msaa.unwrap_or(4) };
        let (settings, camera) =
            crate::render::view_settings(&scene.view, size, msaa).map_err(anyhow::Error::msg)?;
        // Last, once every flag is known good: the output can be written (a folder is made).
        crate::capture::check_output(&output)?;
        Ok(RenderPlan::Frames {
            job: Box::new(RenderJob {
                scene,
                output,
                settings,
                camera,
                timeline,
                orbit_deg_per_s: args.orbit,
                resume: args.resume,
                progress: true,
                zoom,
            }),
            start_map: args.start_map.clone(),
        })
    }

    /// A scene's frames: one per step (or as --frames, --steps-per-second, --at-step say).
    fn scene_timeline(&self, scene: &Scene) -> Result<Timeline> {
        let args = self;
        let mut timeline = Timeline::new(scene.steps, args.fps, args.frames, args.steps_per_second)
            .map_err(anyhow::Error::msg)?;
        if let Some(step) = args.at_step {
            if args.still.is_none() {
                bail!("--at-step goes with --still");
            }
            if !(step.is_finite() && step >= 0.0 && step <= f64::from(scene.steps)) {
                bail!("--at-step {step} is outside the run's 0..={} steps", scene.steps);
            }
            timeline = Timeline::new(scene.steps, args.fps, Some(scene.steps + 1), None)
                .map_err(anyhow::Error::msg)?;
            timeline = timeline.ending_at(step);
        }
        Ok(timeline)
    }

    /// A map's frames (each a whole run): --frames, or for a zoom 60 per halving of its
    /// ranges (the paper's videos), else one. The flags that move through a run are refused.
    fn map_timeline(
        &self,
        scene: &Scene,
        zoom: Option<&[crate::outcome::zoom::ZoomAxis]>,
    ) -> Result<Timeline> {
        let args = self;
        let k = super::map_job::map_optimizer(scene, zoom)?;
        for (flag, given) in [
            ("--at-step", args.at_step.is_some()),
            ("--steps-per-second", args.steps_per_second.is_some()),
            ("--orbit", args.orbit != 0.0),
        ] {
            if given {
                bail!("{flag}: a map frame is a whole run, with no camera; leave it out");
            }
        }
        let frames = match (zoom, args.frames) {
            (_, Some(n)) => n,
            (Some(z), None) => crate::outcome::zoom::default_frames(&scene.optimizers[k], z),
            (None, None) => 1,
        };
        Timeline::new(frames, args.fps, Some(frames), None).map_err(anyhow::Error::msg)
    }
}

impl ViewArgs {
    /// The window's options: the scene with every flag applied, checked before a window opens.
    pub fn options(&self) -> Result<crate::app::viewer::ViewerOptions> {
        let args = self;
        let mut scene = args.scene.build()?;
        args.style.apply(&mut scene.view)?;
        let size = parse_size("--size", &args.size)?;
        let record_size = args
            .record_size
            .as_deref()
            .map(|text| parse_size("--record-size", text))
            .transpose()?;
        let (settings, camera) =
            crate::render::view_settings(&scene.view, size, args.style.msaa.unwrap_or(0))
                .map_err(anyhow::Error::msg)?;
        Ok(crate::app::viewer::ViewerOptions {
            scene,
            size,
            capture_dir: args.capture_dir.clone(),
            record_size,
            exit_after_frames: args.exit_after_frames,
            paused: args.paused,
            settings,
            camera,
            panel_refresh: crate::app::viewer::PANEL_REFRESH,
            panel: true,
        })
    }
}

/// Checks that a file can be written at `path` (its folder exists and takes a new file), before
/// any work: the error names the path.
pub(super) fn check_file(path: &std::path::Path) -> Result<()> {
    crate::capture::check_output(&crate::capture::Output::still(path))?;
    Ok(())
}
