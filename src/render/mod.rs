//! Rendering: the 3D renderers (surface, trails, markers, axes) draw into an offscreen
//! target; the overlay draws text over it. The window, tests and capture share this path.
//!
//! A [`Renderer`] owns the target and every pipeline, all built once in [`Renderer::new`].
//! A frame writes one uniform ([`gpu_data::FrameUniform`]), starts from a copy of the cached
//! static layer (axes and surface, redrawn only when the camera, size or look changes; see
//! [`target`]), records one pass of what moves (trails, heads, markers) and submits it; the
//! trail and head draws read the simulation's buffers directly, so the CPU work per frame does
//! not grow with particles or trail length.
//!
//! - `renderer.rs`: [`Renderer`], the frame in layers; `settings.rs`: how frames look;
//!   `trail_window.rs`: which trail records a frame shows; `view.rs`: a scene's `[view]` as
//!   settings and camera;
//! - one file per primitive: `surface.rs`, `lines.rs` (trails and axes' lines), `markers.rs`,
//!   `particles.rs` (the simulation's buffers bound for drawing), `density/` (the swarm view),
//!   `axes.rs` (box, grid, ticks), `colormap.rs`;
//! - `target.rs`: the offscreen target and the cached static layer; `plot_box.rs`: data to
//!   world; `gpu_data.rs`: the Pod twins of the render shaders' structs; `pipeline.rs`: render
//!   pipelines and blends;
//! - `overlay/`: text, legend, plots and insets over the 3D frame (egui); `map_frame.rs`: a
//!   frame that is a sweep's map alone (`[view] layout = "map"`), drawn by the overlay.

pub mod axes;
pub mod colormap;
pub mod density;
pub mod gpu_data;
pub mod lines;
pub mod map_frame;
pub mod markers;
pub mod overlay;
pub mod particles;
mod pipeline;
pub mod plot_box;
pub mod quads;
mod renderer;
mod settings;
pub mod surface;
pub mod target;
mod trail_window;
pub mod view;

use crate::camera::OrbitCamera;
use crate::gpu::{Gpu, GpuError};

pub use crate::scene::{ColorScale, DensityScale, TrailStyle};
pub use colormap::Colormap;
pub use plot_box::PlotBox;
pub use renderer::{Renderer, group_colors, scene_group_colors};
pub use settings::*;
pub use target::{RenderTarget, TargetFormats};
pub use trail_window::TrailWindow;
pub use view::view_settings;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "a {width}x{height} image is larger than this GPU allows: max_texture_dimension_2d is {limit} pixels"
    )]
    TooLarge { width: u32, height: u32, limit: u32 },
    #[error("a {width}x{height} image has no pixels")]
    EmptySize { width: u32, height: u32 },
    #[error("this GPU cannot multisample {0}x (use msaa 1 or 4)")]
    Msaa(u32),
    #[error("changing msaa or the colour format needs a new renderer")]
    MsaaChange,
    #[error("a render shader or pipeline was rejected: {0}")]
    Shader(String),
    #[error("the texture is not Rgba8 (it is {0:?})")]
    Format(wgpu::TextureFormat),
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// What changes from frame to frame.
#[derive(Clone, Copy, Debug)]
pub struct FrameState<'a> {
    pub camera: &'a OrbitCamera,
    /// Global step shown, fractional; the simulation must have been advanced to `ceil(time)`.
    pub time: f32,
}

/// Copies a texture (Rgba8 or Bgra8, `COPY_SRC`) to the CPU as RGBA, blocking; strips the
/// 256-byte row padding.
pub fn read_texture_rgba(gpu: &Gpu, texture: &wgpu::Texture) -> Result<image::RgbaImage, RenderError> {
    if !crate::gpu::readback::is_readable(texture.format()) {
        return Err(RenderError::Format(texture.format()));
    }
    let pixels = crate::gpu::readback::read_texture(gpu, texture)?;
    image::RgbaImage::from_raw(texture.width(), texture.height(), pixels)
        .ok_or_else(|| RenderError::Gpu(GpuError::Map("readback size mismatch".into())))
}
