//! F9 recordings from the window: PNG frames of exactly what the viewport shows, or of the
//! same view drawn offscreen at a chosen resolution by a second renderer of the same world
//! (the window stays responsive at its own size while a 4K video is written).

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::app::offscreen::Offscreen;
use crate::capture::{Capture, Output};
use crate::gpu::Gpu;
use crate::render::RenderSettings;
use crate::world::{Look, World};

/// Sizes offered in the panel besides the viewport's own.
pub const PRESETS: [[u32; 2]; 4] = [[1280, 720], [1920, 1080], [2560, 1440], [3840, 2160]];

pub struct Recording {
    capture: Capture,
    dir: PathBuf,
    /// `None`: frames are the viewport's.
    offscreen: Option<Offscreen>,
    /// What the last frame showed (step, camera, look): an unchanged view writes no frame.
    last: Option<(f64, crate::camera::OrbitCamera, RenderSettings)>,
}

impl Recording {
    /// Starts writing frames into a new folder under `capture_dir`: at `size` through a
    /// renderer of its own, or at the viewport's `viewport` size when `size` is `None`.
    pub fn start(
        gpu: &Gpu,
        world: &World,
        capture_dir: &Path,
        size: Option<[u32; 2]>,
        viewport: [u32; 2],
    ) -> Result<Self> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut dir = capture_dir.join(format!("recording-{stamp}"));
        // Two recordings within a second get their own folders.
        let mut n = 1;
        while dir.exists() {
            n += 1;
            dir = capture_dir.join(format!("recording-{stamp}-{n}"));
        }
        // A size over the adapter's limit is refused by the renderer's target.
        let offscreen = size.map(|size| Offscreen::new(gpu, world, size)).transpose()?;
        let [w, h] = size.unwrap_or(viewport);
        let capture = Capture::new(gpu, w, h, &Output::pngs(dir.clone()), 0)?;
        Ok(Self {
            capture,
            dir,
            offscreen,
            last: None,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The frame's size, for the panel.
    pub fn size(&self, viewport: [u32; 2]) -> [u32; 2] {
        self.offscreen.as_ref().map_or(viewport, Offscreen::size)
    }

    /// Adds one frame: `viewport_frame` itself (drawn with `look`), or the same view drawn
    /// offscreen. The window's live settings (colormap, trails, ...) are carried over every
    /// frame.
    pub fn push(
        &mut self,
        gpu: &Gpu,
        world: &World,
        look: &Look,
        viewport_frame: &wgpu::Texture,
    ) -> Result<()> {
        // The window redraws for many reasons (the panel, the pointer): a frame is written only
        // when the view changed, so a finished, still run records one frame, not a stream of
        // copies.
        let shown = (look.time, look.camera, world.renderer.settings().clone());
        if self.last.as_ref() == Some(&shown) {
            return Ok(());
        }
        self.last = Some(shown);
        match &mut self.offscreen {
            None => self.capture.push(gpu, viewport_frame)?,
            Some(offscreen) => {
                let frame = offscreen.draw(gpu, world, look)?;
                self.capture.push(gpu, frame)?;
            }
        }
        Ok(())
    }

    /// Waits for the last frames to be written; returns how many there are.
    pub fn finish(self, gpu: &Gpu) -> Result<u32> {
        Ok(self.capture.finish(gpu)?)
    }
}

/// What the panel says when a recording ends.
pub fn finished_message(frames: u32, dir: &Path) -> String {
    format!("recorded {frames} frames to {}", dir.display())
}
