//! The offscreen render target. A frame is two layers:
//! - the **static layer** (axes, surface) is drawn only when the camera, size or look changes:
//!   multisampled (4x by default) and resolved into `static_color`, with its single-sample
//!   depth in `static_depth` (a second, depth-only pass of the surface at one sample);
//! - each frame starts from a copy of the static colour in `resolve` and draws what moves
//!   (trails, heads, markers, the density layer) over it at one sample per pixel, tested
//!   against the static depth, bound read-only (nothing that moves writes depth). Lines and markers carry their own analytic anti-aliasing, so
//!   MSAA only ever mattered for the surface's edges, which the cache keeps.
//!
//! `resolve` is the texture a frame ends in (`RENDER_ATTACHMENT | COPY_SRC | TEXTURE_BINDING`:
//! the overlay draws on it, capture copies it out, a window blits it). Rebuilt on resize.

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
    color_format: wgpu::TextureFormat,
    /// The static pass's multisampled colour and depth (None when samples == 1: it draws
    /// straight into `static_color` and `static_depth`).
    msaa: Option<(wgpu::TextureView, wgpu::TextureView)>,
    static_color: wgpu::Texture,
    static_color_view: wgpu::TextureView,
    static_depth_view: wgpu::TextureView,
    resolve: wgpu::Texture,
    resolve_view: wgpu::TextureView,
}

/// Checks a size against the device and a sample count against the format.
pub fn check(
    gpu: &Gpu,
    width: u32,
    height: u32,
    samples: u32,
    color: wgpu::TextureFormat,
) -> Result<(), RenderError> {
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
    if samples != 1 && !(supported(color) && supported(DEPTH_FORMAT)) {
        return Err(RenderError::Msaa(samples));
    }
    Ok(())
}

impl RenderTarget {
    /// A target of `width` x `height`, `samples` per pixel in the static layer, in `color`:
    /// [`COLOR_FORMAT`], or its BGRA twin for a window whose surface is BGRA (the frame is then
    /// copied into the window, not drawn through a shader).
    pub fn new(
        gpu: &Gpu,
        width: u32,
        height: u32,
        samples: u32,
        color: wgpu::TextureFormat,
    ) -> Result<Self, RenderError> {
        if !matches!(
            color,
            wgpu::TextureFormat::Rgba8UnormSrgb | wgpu::TextureFormat::Bgra8UnormSrgb
        ) {
            return Err(RenderError::Format(color));
        }
        check(gpu, width, height, samples, color)?;
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
            color,
            1,
            wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::COPY_DST
                | wgpu::TextureUsages::TEXTURE_BINDING,
            // The text overlay blends through a non-sRGB view (matplotlib-like blending).
            &[crate::render::overlay::draw_format(color)],
        );
        let static_color = texture(
            "render.target.static_color",
            color,
            1,
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            // The overlay paints the plots' grounds into it (see `Renderer::render_with`).
            &[crate::render::overlay::draw_format(color)],
        );
        let static_depth = texture(
            "render.target.static_depth",
            DEPTH_FORMAT,
            1,
            wgpu::TextureUsages::RENDER_ATTACHMENT,
            &[],
        );
        let msaa = (samples > 1).then(|| {
            let usage = wgpu::TextureUsages::RENDER_ATTACHMENT;
            let color = texture("render.target.msaa", color, samples, usage, &[]);
            let depth = texture("render.target.msaa_depth", DEPTH_FORMAT, samples, usage, &[]);
            (
                color.create_view(&Default::default()),
                depth.create_view(&Default::default()),
            )
        });
        Ok(Self {
            width,
            height,
            samples,
            color_format: color,
            msaa,
            static_color_view: static_color.create_view(&Default::default()),
            static_color,
            static_depth_view: static_depth.create_view(&Default::default()),
            resolve_view: resolve.create_view(&Default::default()),
            resolve,
        })
    }

    /// What the static layer's pipelines draw into (multisampled).
    pub fn static_formats(&self) -> TargetFormats {
        TargetFormats {
            color: self.color_format,
            depth: DEPTH_FORMAT,
            samples: self.samples,
        }
    }

    /// What the moving layer's pipelines draw into (one sample per pixel).
    pub fn moving_formats(&self) -> TargetFormats {
        TargetFormats {
            samples: 1,
            ..self.static_formats()
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

    /// The static pass's colour attachment, cleared to `clear` (linear): the MSAA texture
    /// The static layer's colour, resolved: what each frame starts from.
    pub fn static_color(&self) -> &wgpu::Texture {
        &self.static_color
    }

    /// resolving into `static_color`, or `static_color` itself.
    pub fn static_color_attachment(&self, clear: wgpu::Color) -> wgpu::RenderPassColorAttachment<'_> {
        let ops = |store| wgpu::Operations {
            load: wgpu::LoadOp::Clear(clear),
            store,
        };
        match &self.msaa {
            Some((color, _)) => wgpu::RenderPassColorAttachment {
                view: color,
                depth_slice: None,
                resolve_target: Some(&self.static_color_view),
                ops: ops(wgpu::StoreOp::Discard),
            },
            None => wgpu::RenderPassColorAttachment {
                view: &self.static_color_view,
                depth_slice: None,
                resolve_target: None,
                ops: ops(wgpu::StoreOp::Store),
            },
        }
    }

    /// The static pass's depth: the MSAA depth (dropped after the pass), or `static_depth`.
    pub fn static_depth_attachment(&self) -> wgpu::RenderPassDepthStencilAttachment<'_> {
        let (view, store) = match &self.msaa {
            Some((_, depth)) => (depth, wgpu::StoreOp::Discard),
            None => (&self.static_depth_view, wgpu::StoreOp::Store),
        };
        depth_attachment(view, wgpu::LoadOp::Clear(1.0), store)
    }

    /// With MSAA, the static depth comes from a pass of its own at one sample: its depth
    /// attachment, and `resolve` as the colour attachment it does not write (pipelines have
    /// one colour target). None without MSAA: the static pass wrote it.
    pub fn static_depth_pass(
        &self,
    ) -> Option<(
        wgpu::RenderPassColorAttachment<'_>,
        wgpu::RenderPassDepthStencilAttachment<'_>,
    )> {
        self.msaa.as_ref().map(|_| {
            (
                wgpu::RenderPassColorAttachment {
                    view: &self.resolve_view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Load,
                        store: wgpu::StoreOp::Discard,
                    },
                },
                depth_attachment(
                    &self.static_depth_view,
                    wgpu::LoadOp::Clear(1.0),
                    wgpu::StoreOp::Store,
                ),
            )
        })
    }

    /// Starts a frame from the static layer: copies its colour into the frame's.
    pub fn copy_static(&self, encoder: &mut wgpu::CommandEncoder) {
        let size = wgpu::Extent3d {
            width: self.width,
            height: self.height,
            depth_or_array_layers: 1,
        };
        encoder.copy_texture_to_texture(
            self.static_color.as_image_copy(),
            self.resolve.as_image_copy(),
            size,
        );
    }

    /// The moving pass's attachments: the frame's colour as the copy left it, and the static
    /// depth, read-only.
    pub fn moving_attachments(
        &self,
    ) -> (
        wgpu::RenderPassColorAttachment<'_>,
        wgpu::RenderPassDepthStencilAttachment<'_>,
    ) {
        (
            wgpu::RenderPassColorAttachment {
                view: &self.resolve_view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Load,
                    store: wgpu::StoreOp::Store,
                },
            },
            wgpu::RenderPassDepthStencilAttachment {
                view: &self.static_depth_view,
                depth_ops: None,
                stencil_ops: None,
            },
        )
    }

    /// Whether the MSAA texture exists (for tests and logs).
    pub fn is_multisampled(&self) -> bool {
        self.msaa.is_some()
    }
}

fn depth_attachment(
    view: &wgpu::TextureView,
    load: wgpu::LoadOp<f32>,
    store: wgpu::StoreOp,
) -> wgpu::RenderPassDepthStencilAttachment<'_> {
    wgpu::RenderPassDepthStencilAttachment {
        view,
        depth_ops: Some(wgpu::Operations { load, store }),
        stencil_ops: None,
    }
}
