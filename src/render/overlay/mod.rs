//! The 2D overlay: title, optimizer legend, 'Initialization' box of start points, status line
//! and screen-space labels (axis ticks), drawn over a finished 3D frame.
//!
//! Text and shapes go through egui: the overlay lays out [`OverlayContent`] with an
//! [`egui::Painter`] on a background layer, egui tessellates it (glyphs come from a font atlas
//! rasterized at the physical pixel size, so text stays crisp at any `pixels_per_point`), and
//! `egui_wgpu::Renderer` draws the meshes onto the target with `LoadOp::Load`. The window and
//! captured frames use this one path; the window can add its own egui UI (side panel) to the
//! same pass through [`Overlay::draw_with`].
//!
//! Colour: egui's vertex colours and glyph coverage are premultiplied sRGB ("gamma") values
//! and its look (text weight, translucent fills) is tuned for blending in gamma space, like
//! matplotlib's. On an sRGB render target egui-wgpu converts the premultiplied colour to
//! linear and the hardware blends in linear light: a white fill at 80% over white turns grey
//! (232, measured) and dark text thins out. So the renderer is built for the target's
//! non-sRGB twin format ([`draw_format`]) and draws through such a view of the target
//! texture; the bytes in the texture are sRGB either way, so the frame underneath is
//! untouched.
//!
//! Units: everything is laid out in logical points; `pixels_per_point` maps them to physical
//! pixels, so a frame rendered at 4K with `pixels_per_point = 2` looks like the 1080p frame.
//! [`ScreenLabel::pos`] is in physical pixels (it comes from projecting 3D points) and is
//! divided by `pixels_per_point` here.
//!
//! - `mod.rs`: [`Overlay`], the egui context and renderer, and the pass that draws;
//! - `layout.rs`: where each part of [`OverlayContent`] goes, and the strip of plots;
//! - `widgets.rs`: the painted parts (colour bar, insets, paths, markers, labels);
//!   `legend_box.rs`: the legend and 'Initialization' boxes;
//! - `style.rs`: the content types; `legend.rs`: a scene's legend, title and status;
//!   `plots.rs`, `plot_paint.rs`: the 2D plots' data and painting (`slice_plot.rs`: a model
//!   scene's true and slice losses); `look.rs`: sizes, colours.

mod layout;
pub mod legend;
mod legend_box;
mod look;
pub mod plot_paint;
pub mod plots;
pub mod slice_plot;
pub mod style;
mod widgets;

use std::collections::HashMap;

use egui::{Pos2, Rect, vec2};

use crate::gpu::Gpu;
pub use layout::{paint_content, strip_share};
use plot_paint::PlotLayout;
use style::{OverlayContent, PlotPlacement};
pub use widgets::paint_marker;

/// Where the overlay put its parts, in physical pixels (origin top-left), from the last draw.
/// For tests and for hit-testing in the window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OverlayLayout {
    pub title: Option<Rect>,
    pub legend: Option<Rect>,
    pub starts: Option<Rect>,
    pub status: Option<Rect>,
    /// One rect per [`OverlayContent::labels`] entry, in order.
    pub labels: Vec<Rect>,
    /// One per [`OverlayContent::plots`] entry, in order.
    pub plots: Vec<PlotLayout>,
    pub color_bar: Option<Rect>,
    /// The colour bar's tick labels that were shown.
    pub color_bar_labels: Vec<Rect>,
    /// Where each of [`OverlayContent::insets`] went (its image, without title and labels).
    pub insets: Vec<Rect>,
    /// The box of each inset: its image, title and axis ranges.
    pub inset_frames: Vec<Rect>,
}

impl OverlayLayout {
    fn scaled(self, pixels_per_point: f32) -> Self {
        let s = |r: Rect| Rect::from_min_max(r.min * pixels_per_point, r.max * pixels_per_point);
        Self {
            title: self.title.map(s),
            legend: self.legend.map(s),
            starts: self.starts.map(s),
            status: self.status.map(s),
            labels: self.labels.into_iter().map(s).collect(),
            plots: self
                .plots
                .into_iter()
                .map(|p| p.scaled(pixels_per_point))
                .collect(),
            color_bar: self.color_bar.map(s),
            color_bar_labels: self.color_bar_labels.into_iter().map(s).collect(),
            insets: self.insets.into_iter().map(s).collect(),
            inset_frames: self.inset_frames.into_iter().map(s).collect(),
        }
    }
}

/// Pixels per point for a frame `height_px` tall: 1 at 1080p and below (text stays legible in
/// small windows), proportional above, so a 4K capture looks like the 1080p one.
pub fn pixels_per_point_for(height_px: u32) -> f32 {
    (height_px as f32 / 1080.0).max(1.0)
}

/// Draws [`OverlayContent`] over frames. Long-lived: keeps the egui context (fonts, glyph
/// atlas) and the renderer (pipeline, buffers, textures) between frames.
pub struct Overlay {
    ctx: egui::Context,
    renderer: egui_wgpu::Renderer,
    max_texture_side: usize,
    layout: OverlayLayout,
    /// The insets' images, uploaded once per id.
    inset_textures: HashMap<u64, egui::TextureHandle>,
    /// The strip plots' boxes (points) of the last draw, at its size and scale: the grounds
    /// the next static layer can hold (see [`Self::paint_grounds`]).
    strip_boxes: Grounds,
    /// The grounds the frame's static layer holds: their fills are not painted again.
    grounds_in_static: Grounds,
}

/// Plot boxes whose translucent fills are drawn into the static layer: at `size_px` and
/// `pixels_per_point`, `boxes` in points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grounds {
    pub size_px: [u32; 2],
    pub pixels_per_point: f32,
    pub boxes: Vec<Rect>,
}

impl Grounds {
    /// Identifies them, for the static layer's key (0 when there are none).
    pub fn key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        if self.boxes.is_empty() {
            return 0;
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.size_px.hash(&mut h);
        self.pixels_per_point.to_bits().hash(&mut h);
        for b in &self.boxes {
            [b.min.x, b.min.y, b.max.x, b.max.y]
                .map(f32::to_bits)
                .hash(&mut h);
        }
        h.finish().max(1)
    }
}

impl Overlay {
    /// `format`: the colour format of the texture it draws onto (`Rgba8UnormSrgb` for frames;
    /// the swapchain format in the window). For an sRGB format the texture must also allow
    /// views in [`draw_format`]`(format)` (`view_formats` of the texture or surface
    /// configuration): the overlay draws through such a view (see the module notes).
    pub fn new(gpu: &Gpu, format: wgpu::TextureFormat) -> Self {
        let ctx = egui::Context::default();
        // Dark text on a light figure: egui's light theme also picks the font transfer
        // function meant for black-on-white text.
        ctx.set_theme(egui::Theme::Light);
        ctx.options_mut(|o| {
            // egui's zoom (ctrl +/-) would scale the overlay away from `pixels_per_point`,
            // and a capture must not depend on keyboard state.
            o.zoom_with_keyboard = false;
        });
        let renderer = egui_wgpu::Renderer::new(
            &gpu.device,
            draw_format(format),
            egui_wgpu::RendererOptions {
                msaa_samples: 1,
                depth_stencil_format: None,
                // No noise in captured frames: they are compared with goldens and encoded.
                dithering: false,
                predictable_texture_filtering: false,
            },
        );
        Self {
            ctx,
            renderer,
            max_texture_side: gpu.device.limits().max_texture_dimension_2d as usize,
            layout: OverlayLayout::default(),
            inset_textures: HashMap::new(),
            strip_boxes: Grounds::default(),
            grounds_in_static: Grounds::default(),
        }
    }

    /// The egui context, e.g. for `egui_winit::State::new` in the window.
    pub fn context(&self) -> &egui::Context {
        &self.ctx
    }

    /// Where the last [`Self::draw`] put the title, boxes and labels (physical pixels).
    pub fn layout(&self) -> &OverlayLayout {
        &self.layout
    }

    /// Lays out `content` for a frame of `size_px` physical pixels at `pixels_per_point`,
    /// uploads what changed and draws it onto `target` (`LoadOp::Load`: the frame underneath
    /// stays) in its own command encoder, submitted.
    pub fn draw(
        &mut self,
        gpu: &Gpu,
        target: &wgpu::TextureView,
        size_px: [u32; 2],
        pixels_per_point: f32,
        content: &OverlayContent,
    ) {
        self.draw_with(
            gpu,
            target,
            size_px,
            pixels_per_point,
            content,
            egui::RawInput::default(),
            |_| {},
        );
    }

    /// The grounds (strip plots' boxes) of the last draw, if it was at `size_px` and
    /// `pixels_per_point`: what the next static layer can hold.
    pub fn next_grounds(&self, size_px: [u32; 2], pixels_per_point: f32) -> Grounds {
        let g = &self.strip_boxes;
        if g.size_px == size_px && g.pixels_per_point == pixels_per_point.max(0.1) {
            g.clone()
        } else {
            Grounds::default()
        }
    }

    /// Says which grounds the frame's static layer holds, so that [`Self::draw`] leaves their
    /// fills out (none: it paints them all).
    pub fn set_grounds_in_static(&mut self, grounds: Grounds) {
        self.grounds_in_static = grounds;
    }

    /// Paints the fills of `grounds` into `texture` (a static layer's colour, with the
    /// non-sRGB view format). On a CPU rasterizer these translucent boxes are the overlay's
    /// most costly pixels (a quarter of the post scene's frame); in the static layer they are
    /// painted once per camera. What moves is then drawn over them, not under: the strip lies
    /// below the 3D view, where trails and heads do not go.
    pub fn paint_grounds(&mut self, gpu: &Gpu, texture: &wgpu::Texture, grounds: &Grounds) {
        if grounds.boxes.is_empty() {
            return;
        }
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        self.paint_pass(
            gpu,
            &view,
            grounds.size_px,
            grounds.pixels_per_point,
            egui::RawInput::default(),
            |root| {
                for b in &grounds.boxes {
                    crate::render::overlay::plot_paint::paint_ground(root.painter(), *b);
                }
            },
        );
    }

    /// [`Self::draw`] plus the window's own egui UI: `input` from `egui_winit::State::take_egui_input`
    /// (its screen size and scale are replaced by `size_px` and `pixels_per_point`), `ui` adds
    /// panels to the root [`egui::Ui`] before the overlay is laid out in what space is left.
    /// Returns egui's platform output (cursor, clipboard) for `egui_winit::State::handle_platform_output`.
    /// egui-winit converts pointer positions with the window's scale factor, so in the window
    /// pass `window.scale_factor()` as `pixels_per_point`, or pointer input lands elsewhere.
    #[allow(clippy::too_many_arguments)]
    pub fn draw_with(
        &mut self,
        gpu: &Gpu,
        target: &wgpu::TextureView,
        size_px: [u32; 2],
        pixels_per_point: f32,
        content: &OverlayContent,
        input: egui::RawInput,
        mut ui: impl FnMut(&mut egui::Ui),
    ) -> egui::PlatformOutput {
        let pixels_per_point = pixels_per_point.max(0.1);
        let ctx = self.ctx.clone();
        let mut textures = HashMap::new();
        for inset in &content.insets {
            let handle = self.inset_textures.entry(inset.id).or_insert_with(|| {
                let (w, h) = inset.image.dimensions();
                ctx.load_texture(
                    format!("descent.inset.{}", inset.id),
                    egui::ColorImage::from_rgba_unmultiplied([w as usize, h as usize], inset.image.as_raw()),
                    egui::TextureOptions::NEAREST,
                )
            });
            textures.insert(inset.id, handle.id());
        }
        self.inset_textures.retain(|id, _| textures.contains_key(id));
        let mut layout = OverlayLayout::default();
        // Fills already in the static layer under this very frame's boxes are not painted.
        let g = &self.grounds_in_static;
        let cached = if g.size_px == size_px && g.pixels_per_point == pixels_per_point {
            g.boxes.clone()
        } else {
            Vec::new()
        };
        let output = self.paint_pass(gpu, target, size_px, pixels_per_point, input, |root| {
            ui(root);
            let area = root.available_rect_before_wrap();
            layout = paint_content(root.ctx(), area, content, &textures, &cached);
        });
        self.strip_boxes = Grounds {
            size_px,
            pixels_per_point,
            boxes: content
                .plots
                .iter()
                .zip(&layout.plots)
                .filter(|(p, _)| p.placement == PlotPlacement::Strip)
                .map(|(_, l)| l.frame)
                .collect(),
        };
        self.layout = layout.scaled(pixels_per_point);
        output
    }

    /// One egui pass onto `target` (`size_px`, `pixels_per_point`): `paint` lays out and paints
    /// on the root [`egui::Ui`], egui tessellates, and the meshes are drawn over what is there.
    /// Returns egui's platform output.
    fn paint_pass(
        &mut self,
        gpu: &Gpu,
        target: &wgpu::TextureView,
        size_px: [u32; 2],
        pixels_per_point: f32,
        mut input: egui::RawInput,
        paint: impl FnMut(&mut egui::Ui),
    ) -> egui::PlatformOutput {
        let size_points = vec2(size_px[0] as f32, size_px[1] as f32) / pixels_per_point;
        input.screen_rect = Some(Rect::from_min_size(Pos2::ZERO, size_points));
        input.max_texture_side = Some(self.max_texture_side);
        input
            .viewports
            .entry(input.viewport_id)
            .or_default()
            .native_pixels_per_point = Some(pixels_per_point);
        let mut output = self.ctx.run_ui(input, paint);

        let ppp = output.pixels_per_point;
        let primitives = self.ctx.tessellate(output.shapes, ppp);
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: size_px,
            pixels_per_point: ppp,
        };
        let (device, queue) = (&gpu.device, &gpu.queue);
        // egui 0.37: several deltas per texture per frame (e.g. a font-atlas resize, then new
        // glyphs), applied in order; and a `TexturesDelta` dropped with anything left in it
        // panics in debug builds, so drain it.
        #[allow(clippy::iter_over_hash_type)] // textures are independent of each other
        for (id, deltas) in output.textures_delta.set.drain() {
            for delta in &deltas {
                self.renderer.update_texture(device, queue, id, delta);
            }
        }
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("overlay.encoder"),
        });
        // Blend in gamma space, as egui (and matplotlib) do: through a non-sRGB view of an sRGB
        // target. The target's own view is used as it is otherwise.
        let texture = target.texture();
        let gamma_view = (texture.format().is_srgb()).then(|| {
            texture.create_view(&wgpu::TextureViewDescriptor {
                label: Some("overlay.target"),
                format: Some(draw_format(texture.format())),
                ..Default::default()
            })
        });
        let view = gamma_view.as_ref().unwrap_or(target);
        let callback_buffers =
            self.renderer
                .update_buffers(device, queue, &mut encoder, &primitives, &screen);
        {
            // egui-wgpu's `render` wants a `RenderPass<'static>`: the pass keeps what it uses
            // alive, `forget_lifetime` only moves the encoder borrow check to run time.
            let mut pass = encoder
                .begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("overlay.pass"),
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view,
                        depth_slice: None,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Load,
                            store: wgpu::StoreOp::Store,
                        },
                    })],
                    ..Default::default()
                })
                .forget_lifetime();
            pass.push_debug_group("overlay");
            self.renderer.render(&mut pass, &primitives, &screen);
            pass.pop_debug_group();
        }
        queue.submit(callback_buffers.into_iter().chain([encoder.finish()]));
        #[allow(clippy::iter_over_hash_type)]
        for id in output.textures_delta.free.drain() {
            self.renderer.free_texture(&id);
        }
        output.platform_output
    }
}

/// The format the overlay renders in for a target texture of `format`: its non-sRGB twin
/// (`Rgba8UnormSrgb` -> `Rgba8Unorm`). Targets with an sRGB format need this in their
/// `view_formats`.
pub fn draw_format(format: wgpu::TextureFormat) -> wgpu::TextureFormat {
    format.remove_srgb_suffix()
}
