//! The page's picture of itself: the next frame (3D view and panel, as the canvas gets it)
//! drawn into a texture of its own, read back and encoded as PNG. What `descent.capture()`
//! returns and the browser tests look at: headless chromium on SwiftShader renders WebGPU but
//! does not composite the canvas, so a screenshot of the page would be blank.

use std::cell::RefCell;

use image::ImageEncoder as _;

use crate::gpu::Gpu;
use crate::gpu::readback::StagedTexture;

/// Called with the PNG, or why there is none.
pub type Done = Box<dyn FnOnce(Result<Vec<u8>, String>)>;

thread_local! {
    static REQUEST: RefCell<Option<Done>> = const { RefCell::new(None) };
}

/// Asks for the next frame; `done` gets it. The event loop, which sleeps while nothing moves,
/// is woken and draws it at once.
pub fn request(done: Done) {
    if let Some(previous) = REQUEST.with(|r| r.borrow_mut().replace(done)) {
        previous(Err("replaced by a newer capture".into()));
    }
    crate::gpu::later::wake();
}

pub fn pending() -> bool {
    REQUEST.with(|r| r.borrow().is_some())
}

pub(super) fn take() -> Option<Done> {
    REQUEST.with(|r| r.borrow_mut().take())
}

/// A texture like the canvas's, to draw the frame into.
pub(super) fn target(gpu: &Gpu, config: &wgpu::SurfaceConfiguration) -> wgpu::Texture {
    gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("page.capture"),
        size: wgpu::Extent3d {
            width: config.width,
            height: config.height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: config.format,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::COPY_SRC
            | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    })
}

/// Records the copies (into the canvas and into a staging buffer); the returned function,
/// called after the submission, reads the buffer back and hands `done` the PNG.
pub(super) fn finish(
    gpu: &Gpu,
    encoder: &mut wgpu::CommandEncoder,
    texture: wgpu::Texture,
    canvas: &wgpu::Texture,
    done: Done,
) -> impl FnOnce() + use<> {
    let size = texture.size();
    if canvas.usage().contains(wgpu::TextureUsages::COPY_DST) {
        encoder.copy_texture_to_texture(texture.as_image_copy(), canvas.as_image_copy(), size);
    }
    let staged = StagedTexture::record(gpu, encoder, &texture, "page.capture");
    move || {
        wasm_bindgen_futures::spawn_local(async move {
            let png = async {
                let mut rgba = staged.read_async().await.map_err(|e| e.to_string())?;
                // The canvas is opaque: what egui leaves translucent shows as drawn.
                for px in rgba.chunks_exact_mut(4) {
                    px[3] = 255;
                }
                png(&rgba, size.width, size.height)
            }
            .await;
            drop(texture);
            done(png);
        });
    }
}

/// `rgba` (tight rows) as PNG bytes.
pub fn png(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(rgba, width, height, image::ExtendedColorType::Rgba8)
        .map_err(|e| e.to_string())?;
    Ok(png)
}
