//! The offscreen render target: a multisampled colour texture (Rgba8UnormSrgb, 4x by
//! default, 1 allowed), a matching Depth32Float texture, and the single-sample resolve texture
//! the frame ends in (`RENDER_ATTACHMENT | COPY_SRC | TEXTURE_BINDING`: the overlay draws on
//! it, capture copies it out, a window blits it). Rebuilt on resize.

use crate::gpu::Gpu;
use crate::render::RenderError;

pub const COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
pub const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// Formats and sample count the pipelines are built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetFormats {
    pub color: wgpu::TextureFormat,
    pub depth: wgpu::TextureFormat,
    pub samples: u32,
}

pub struct RenderTarget {
    pub width: u32,
    pub height: u32,
    pub samples: u32,
    /// The multisampled colour texture (None when samples == 1: draw straight to `resolve`).
    msaa: Option<wgpu::Texture>,
    msaa_view: Option<wgpu::TextureView>,
    depth_view: wgpu::TextureView,
    resolve: wgpu::Texture,
    resolve_view: wgpu::TextureView,
}

/// Checks a size against the device and a sample count against the format.
pub fn check(gpu: &Gpu, width: u32, height: u32, samples: u32) -> Result<(), RenderError> {
    let limit = gpu.device.limits().max_texture_dimension_2d;
    if width == 0 || height == 0 {
        return Err(RenderError::EmptySize { width, height });
    }
    if width > limit || height > limit {
        return Err(RenderError::TooLarge { width, height, limit });
    }
    let supported = |format: wgpu::TextureFormat| {
        gpu.adapter
            .get_texture_format_features(format)
            .flags
            .sample_count_supported(samples)
    };
    if samples != 1 && !(supported(COLOR_FORMAT) && supported(DEPTH_FORMAT)) {
        return Err(RenderError::Msaa(samples));
    }
    Ok(())
}

impl RenderTarget {
    pub fn new(gpu: &Gpu, width: u32, height: u32, samples: u32) -> Result<Self, RenderError> {
        check(gpu, width, height, samples)?;
        let size = wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        };
        let texture = |label: &str,
                       format: wgpu::TextureFormat,
                       samples,
                       usage,
                       view_formats: &[wgpu::TextureFormat]| {
            gpu.device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size,
                mip_level_count: 1,
                sample_count: samples,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage,
                view_formats,
            })
        };
        let resolve = texture(
            "render.target.resolve",
            COLOR_FORMAT,
            1,
            wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::TEXTURE_BINDING,
            // The text overlay blends through a non-sRGB view (matplotlib-like blending).
            &[crate::render::overlay::draw_format(COLOR_FORMAT)],
        );
        let msaa = (samples > 1).then(|| {
            texture(
                "render.target.msaa",
                COLOR_FORMAT,
                samples,
                wgpu::TextureUsages::RENDER_ATTACHMENT,
                &[],
            )
        });
        let depth = texture(
            "render.target.depth",
            DEPTH_FORMAT,
            samples,
            wgpu::TextureUsages::RENDER_ATTACHMENT,
            &[],
        );
        Ok(Self {
            width,
            height,
            samples,
            msaa_view: msaa.as_ref().map(|t| t.create_view(&Default::default())),
            msaa,
            depth_view: depth.create_view(&Default::default()),
            resolve_view: resolve.create_view(&Default::default()),
            resolve,
        })
    }

    pub fn formats(&self) -> TargetFormats {
        TargetFormats {
            color: COLOR_FORMAT,
            depth: DEPTH_FORMAT,
            samples: self.samples,
        }
    }

    /// The texture a frame ends in.
    pub fn texture(&self) -> &wgpu::Texture {
        &self.resolve
    }

    pub fn view(&self) -> &wgpu::TextureView {
        &self.resolve_view
    }

    pub fn aspect(&self) -> f32 {
        self.width as f32 / self.height as f32
    }

    /// Colour attachment (drawing to the MSAA texture and resolving, or straight to the
    /// resolve texture) cleared to `clear` (linear).
    pub fn color_attachment(&self, clear: wgpu::Color) -> wgpu::RenderPassColorAttachment<'_> {
        let ops = |store| wgpu::Operations {
            load: wgpu::LoadOp::Clear(clear),
            store,
        };
        match &self.msaa_view {
            Some(msaa) => wgpu::RenderPassColorAttachment {
                view: msaa,
                depth_slice: None,
                resolve_target: Some(&self.resolve_view),
                ops: ops(wgpu::StoreOp::Discard),
            },
            None => wgpu::RenderPassColorAttachment {
                view: &self.resolve_view,
                depth_slice: None,
                resolve_target: None,
                ops: ops(wgpu::StoreOp::Store),
            },
        }
    }

    pub fn depth_attachment(&self) -> wgpu::RenderPassDepthStencilAttachment<'_> {
        wgpu::RenderPassDepthStencilAttachment {
            view: &self.depth_view,
            depth_ops: Some(wgpu::Operations {
                load: wgpu::LoadOp::Clear(1.0),
                store: wgpu::StoreOp::Discard,
            }),
            stencil_ops: None,
        }
    }

    /// Whether the MSAA texture exists (for tests and logs).
    pub fn is_multisampled(&self) -> bool {
        self.msaa.is_some()
    }
}
