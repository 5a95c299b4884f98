//! F9 and F12 in the page: a video of the canvas through the browser's MediaRecorder (WebM,
//! at the display's frame rate) and a PNG of the 3D view, both handed to the browser as
//! downloads. The page's script (`assets/web/page.js`) holds the recorder; the native window's
//! `recording.rs` writes PNG frames instead.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use wasm_bindgen::prelude::*;

use crate::gpu::Gpu;
use crate::gpu::readback::StagedTexture;
use crate::world::{Look, World};

/// Sizes offered in the panel besides the viewport's own (screenshots only: a video is the
/// canvas as shown).
pub const PRESETS: [[u32; 2]; 4] = [[1280, 720], [1920, 1080], [2560, 1440], [3840, 2160]];

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = descentPage, js_name = startRecording, catch)]
    fn start_recording() -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = descentPage, js_name = stopRecording, catch)]
    fn stop_recording() -> Result<f64, JsValue>;
    #[wasm_bindgen(js_namespace = descentPage, catch)]
    fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), JsValue>;
}

fn js_error(e: JsValue) -> anyhow::Error {
    anyhow!("{}", e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

pub struct Recording {
    name: PathBuf,
}

impl Recording {
    /// Starts the browser's recorder on the canvas.
    pub fn start(
        _gpu: &Gpu,
        _world: &World,
        _capture_dir: &Path,
        _size: Option<[u32; 2]>,
        _viewport: [u32; 2],
    ) -> Result<Self> {
        start_recording().map_err(js_error)?;
        Ok(Self {
            name: PathBuf::from("descent.webm"),
        })
    }

    /// Where it goes: the browser's downloads.
    pub fn dir(&self) -> &Path {
        &self.name
    }

    /// The canvas as shown.
    pub fn size(&self, viewport: [u32; 2]) -> [u32; 2] {
        viewport
    }

    /// The recorder takes the canvas's frames itself.
    pub fn push(&mut self, _gpu: &Gpu, _world: &World, _look: &Look, _frame: &wgpu::Texture) -> Result<()> {
        Ok(())
    }

    /// Stops the recorder; the browser downloads the video. Returns the seconds recorded.
    pub fn finish(self, _gpu: &Gpu) -> Result<u32> {
        let seconds = stop_recording().map_err(js_error)?;
        Ok(seconds.round() as u32)
    }
}

/// What the panel says when a recording ends.
pub fn finished_message(seconds: u32, name: &Path) -> String {
    format!(
        "recorded {seconds} s of video: {} (the browser downloads it)",
        name.display()
    )
}

/// Reads `texture` back (asynchronously: a page cannot wait) and offers it as a PNG download.
pub fn download_png(gpu: &Gpu, texture: &wgpu::Texture, name: String) {
    let mut encoder = gpu
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("page.screenshot"),
        });
    let staged = StagedTexture::record(gpu, &mut encoder, texture, "page.screenshot");
    gpu.queue.submit([encoder.finish()]);
    let (w, h) = (texture.width(), texture.height());
    wasm_bindgen_futures::spawn_local(async move {
        let result = async {
            let rgba = staged.read_async().await?;
            let png = crate::app::page_capture::png(&rgba, w, h).map_err(|e| anyhow!(e))?;
            download(&name, &png, "image/png").map_err(js_error)
        }
        .await;
        if let Err(e) = result {
            log::error!("screenshot failed: {e:#}");
        }
    });
}
