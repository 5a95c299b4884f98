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

use std::collections::HashMap;
use std::sync::Arc;

use egui::epaint::{CornerRadius, Galley, Mesh, PathStroke, StrokeKind};
use egui::{Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, Vec2, pos2, vec2};

use crate::gpu::Gpu;
use crate::render::plot_paint::{PlotLayout, paint_plot};
use crate::render::style::{
    Anchor, ColorBar, Inset, LegendEntry, MarkerShape, OverlayContent, PlotPlacement, ScreenLabel, StartEntry,
};

/// Sizes and colours of the overlay, in logical points and sRGB. One place to tune the look.
mod look {
    use egui::Color32;

    /// Distance of the boxes and the title from the edges of the frame.
    pub const MARGIN: f32 = 12.0;
    pub const TITLE_SIZE: f32 = 18.0;
    pub const TEXT_SIZE: f32 = 13.0;
    pub const STATUS_SIZE: f32 = 13.0;
    /// Inner padding of the legend boxes.
    pub const PAD: f32 = 8.0;
    /// Vertical space between legend rows.
    pub const ROW_GAP: f32 = 4.0;
    /// Gap between the legend box and the 'Initialization' box under it.
    pub const BOX_GAP: f32 = 8.0;
    /// Length of the coloured line in a legend row.
    pub const SWATCH_LEN: f32 = 26.0;
    pub const SWATCH_WIDTH: f32 = 2.5;
    /// Radius of the optimizer marker on the swatch line.
    pub const DOT_RADIUS: f32 = 4.0;
    /// Half-size of a start marker.
    pub const START_MARKER: f32 = 5.5;
    /// Space between a swatch and its label.
    pub const SWATCH_GAP: f32 = 8.0;
    /// Gap between a label and its anchor point (except [`crate::render::style::Anchor::Center`]).
    pub const LABEL_GAP: f32 = 3.0;
    pub const CORNER: u8 = 4;

    pub const TEXT: Color32 = Color32::from_rgb(34, 34, 34);
    pub const STATUS: Color32 = Color32::from_rgb(68, 68, 68);
    pub const HEADER: Color32 = Color32::from_rgb(17, 17, 17);
    /// Matplotlib's legend: white at 80% opacity, edge '0.8'.
    pub const BOX_FILL: Color32 = Color32::from_rgba_unmultiplied_const(255, 255, 255, 204);
    pub const BOX_EDGE: Color32 = Color32::from_rgb(204, 204, 204);
    pub const MARKER_EDGE: Color32 = Color32::from_rgb(0, 0, 0);
    /// Fill of start markers in the 'Initialization' box (the 3D start markers should match).
    pub const START_FILL: Color32 = Color32::from_rgb(255, 255, 255);
}

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
    /// Where each of [`OverlayContent::insets`] went (its image, without title and labels).
    pub insets: Vec<Rect>,
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
            insets: self.insets.into_iter().map(s).collect(),
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
                    crate::render::plot_paint::paint_ground(root.painter(), *b);
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

fn color(c: [u8; 4]) -> Color32 {
    Color32::from_rgba_unmultiplied(c[0], c[1], c[2], c[3])
}

/// Paints `content` into `area` (logical points) on the overlay's layer, with the insets'
/// images from `textures` (by inset id); returns where the parts went (points).
pub fn paint_content(
    ctx: &egui::Context,
    area: Rect,
    content: &OverlayContent,
    textures: &HashMap<u64, egui::TextureId>,
    cached_grounds: &[Rect],
) -> OverlayLayout {
    let layer = egui::LayerId::new(egui::Order::Background, egui::Id::unique("descent.overlay"));
    let painter = ctx.layer_painter(layer).with_clip_rect(ctx.viewport_rect());
    let inner = area.shrink(look::MARGIN);
    // Lay everything out first, so the corners can make room for the title.
    let title = content.title.as_deref().filter(|t| !t.is_empty()).map(|t| {
        let galley = painter.layout_no_wrap(t.to_owned(), FontId::proportional(look::TITLE_SIZE), look::TEXT);
        let rect = Align2::CENTER_TOP.anchor_size(inner.center_top(), galley.size());
        (galley, rect)
    });
    let status = (!content.status.is_empty()).then(|| {
        let galley = painter.layout_no_wrap(
            content.status.clone(),
            FontId::proportional(look::STATUS_SIZE),
            look::STATUS,
        );
        let rect = Align2::LEFT_TOP.anchor_size(inner.left_top(), galley.size());
        (galley, rect)
    });
    let column = LegendColumn::new(&painter, &content.legend, &content.starts);
    // A corner block that would touch the title moves down below it.
    let title_rect = title.as_ref().map(|(_, r)| *r);
    let clear_of_title = |rect: Rect| match title_rect {
        Some(t) if rect.expand(look::BOX_GAP).intersects(t) => t.bottom() + look::BOX_GAP - rect.top(),
        _ => 0.0,
    };
    let status = status.map(|(galley, rect)| (galley, rect.translate(vec2(0.0, clear_of_title(rect)))));
    let column_rect = Rect::from_min_size(
        inner.right_top() - vec2(column.width, 0.0),
        vec2(column.width, column.height()),
    );
    let down = clear_of_title(column_rect);
    // The 3D view's labels, then the plots over them, then the text over both.
    let labels = content
        .labels
        .iter()
        .map(|l| paint_label(&painter, l, ctx.pixels_per_point()))
        .collect();
    paint_paths(&painter, &content.paths, ctx.pixels_per_point());
    let top_band = [title_rect, status.as_ref().map(|(_, r)| *r)]
        .into_iter()
        .flatten()
        .map(|r| r.bottom() + look::BOX_GAP)
        .fold(inner.top(), f32::max);
    let column_left = (column.height() > 0.0).then(|| column_rect.left() - look::BOX_GAP);
    let plots = paint_plots(
        &painter,
        area,
        inner,
        top_band,
        column_left,
        content,
        cached_grounds,
    );
    let status = status.map(|(galley, rect)| {
        painter.galley(rect.min, galley, look::STATUS);
        rect
    });
    let title = title.map(|(galley, rect)| {
        painter.galley(rect.min, galley, look::TEXT);
        rect
    });
    let (legend, starts) = column.paint(&painter, inner.right_top() + vec2(0.0, down));
    let below = [legend, starts]
        .into_iter()
        .flatten()
        .map(|r| r.bottom() + look::BOX_GAP)
        .fold(inner.top() + down, f32::max);
    let color_bar = content
        .color_bar
        .as_ref()
        .map(|bar| paint_color_bar(&painter, bar, pos2(inner.right(), below), column.width));
    let mut right = inner.right();
    // Insets sit above a strip of small plots, not over it.
    let inset_area = if content.plots.iter().any(|p| p.placement == PlotPlacement::Strip) {
        let bottom = inner.bottom() - strip_height(inner.height()) - PLOT_GAP;
        Rect::from_min_max(inner.min, pos2(inner.max.x, bottom.max(inner.top() + 80.0)))
    } else {
        inner
    };
    let insets = content
        .insets
        .iter()
        .map(|inset| {
            let rect = paint_inset(
                &painter,
                inset,
                textures.get(&inset.id).copied(),
                inset_area,
                right,
            );
            right = rect.left() - 3.0 * look::BOX_GAP;
            rect
        })
        .collect();
    OverlayLayout {
        title,
        legend,
        starts,
        status,
        labels,
        plots,
        color_bar,
        insets,
    }
}

/// Highlighted paths: a dark casing under the colour so they read on any surface colour,
/// and a dot at the head.
fn paint_paths(painter: &egui::Painter, paths: &[crate::render::style::ScreenPath], pixels_per_point: f32) {
    for path in paths {
        let points: Vec<Pos2> = path
            .points
            .iter()
            .map(|p| pos2(p[0] / pixels_per_point, p[1] / pixels_per_point))
            .collect();
        let Some(&head) = points.last() else { continue };
        painter.add(Shape::line(
            points.clone(),
            Stroke::new(path.width + 2.0, Color32::BLACK),
        ));
        painter.add(Shape::line(points, Stroke::new(path.width, color(path.color))));
        painter.circle(
            head,
            path.width + 2.0,
            color(path.color),
            Stroke::new(1.5, Color32::BLACK),
        );
    }
}

/// A colour bar in a legend-style box whose top right corner is `top_right`: its title, the
/// gradient, ticks under it.
fn paint_color_bar(painter: &egui::Painter, bar: &ColorBar, top_right: Pos2, min_width: f32) -> Rect {
    const BAR_HEIGHT: f32 = 10.0;
    const TICK_SIZE: f32 = 11.0;
    let title = painter.layout_no_wrap(
        bar.title.clone(),
        FontId::proportional(look::TEXT_SIZE),
        look::TEXT,
    );
    let ticks: Vec<(f32, Arc<Galley>)> = bar
        .ticks
        .iter()
        .map(|(t, text)| {
            let g = painter.layout_no_wrap(text.clone(), FontId::proportional(TICK_SIZE), look::TEXT);
            (*t, g)
        })
        .collect();
    let tick_h = ticks.iter().map(|(_, g)| g.size().y).fold(0.0, f32::max);
    let width = (title.size().x + 2.0 * look::PAD).max(min_width).max(170.0);
    let height = look::PAD + title.size().y + 4.0 + BAR_HEIGHT + 3.0 + tick_h + look::PAD;
    let rect = Rect::from_min_size(pos2(top_right.x - width, top_right.y), vec2(width, height));
    painter.rect(
        rect,
        CornerRadius::same(look::CORNER),
        look::BOX_FILL,
        Stroke::new(1.0, look::BOX_EDGE),
        StrokeKind::Inside,
    );
    painter.galley(rect.min + vec2(look::PAD, look::PAD), title.clone(), look::TEXT);
    // Room for the end labels' halves inside the box.
    let inset = look::PAD + 8.0;
    let bar_rect = Rect::from_min_size(
        pos2(rect.left() + inset, rect.top() + look::PAD + title.size().y + 4.0),
        vec2(width - 2.0 * inset, BAR_HEIGHT),
    );
    let mut mesh = Mesh::default();
    let n = bar.colors.len().max(1);
    for (k, c) in bar.colors.iter().enumerate() {
        let x = bar_rect.left() + bar_rect.width() * k as f32 / (n - 1).max(1) as f32;
        let c = color(*c);
        mesh.colored_vertex(pos2(x, bar_rect.top()), c);
        mesh.colored_vertex(pos2(x, bar_rect.bottom()), c);
        if k > 0 {
            let i = 2 * k as u32;
            mesh.add_triangle(i - 2, i - 1, i);
            mesh.add_triangle(i - 1, i + 1, i);
        }
    }
    painter.add(Shape::mesh(mesh));
    painter.rect_stroke(
        bar_rect,
        CornerRadius::ZERO,
        Stroke::new(0.75, look::BOX_EDGE),
        StrokeKind::Outside,
    );
    for (t, galley) in ticks {
        let x = bar_rect.left() + bar_rect.width() * t.clamp(0.0, 1.0);
        painter.line_segment(
            [pos2(x, bar_rect.bottom()), pos2(x, bar_rect.bottom() + 3.0)],
            Stroke::new(1.0, look::TEXT),
        );
        let at = Align2::CENTER_TOP.anchor_size(pos2(x, bar_rect.bottom() + 3.0), galley.size());
        painter.galley(at.min, galley, look::TEXT);
    }
    rect
}

/// An inset in the bottom-right corner of `inner`, its right edge at `right`: a title over
/// the image, the ranges of its axes at its edges. Returns the image's rect.
fn paint_inset(
    painter: &egui::Painter,
    inset: &Inset,
    texture: Option<egui::TextureId>,
    inner: Rect,
    right: f32,
) -> Rect {
    const LABEL_SIZE: f32 = 11.0;
    let side = (0.3 * inner.height()).clamp(60.0, 260.0);
    let (w, h) = inset.image.dimensions();
    let aspect = w.max(1) as f32 / h.max(1) as f32;
    let size = if aspect >= 1.0 {
        vec2(side, side / aspect)
    } else {
        vec2(side * aspect, side)
    };
    let font = FontId::proportional(LABEL_SIZE);
    let label = |text: &str| painter.layout_no_wrap(text.to_owned(), font.clone(), look::TEXT);
    let (x0, x1) = (label(&inset.x_range[0]), label(&inset.x_range[1]));
    let (y0, y1) = (label(&inset.y_range[0]), label(&inset.y_range[1]));
    let y_width = y0.size().x.max(y1.size().x) + look::LABEL_GAP;
    let image = Rect::from_min_size(
        pos2(
            right - size.x,
            inner.bottom() - x0.size().y - look::LABEL_GAP - size.y,
        ),
        size,
    );
    let title = painter.layout_no_wrap(
        inset.title.clone(),
        FontId::proportional(look::TEXT_SIZE),
        look::TEXT,
    );
    let frame = Rect::from_min_max(
        pos2(
            image.left() - y_width - look::PAD,
            image.top() - title.size().y - 4.0 - look::PAD,
        ),
        pos2(image.right() + look::PAD, inner.bottom() + 2.0),
    );
    painter.rect(
        frame,
        CornerRadius::same(look::CORNER),
        look::BOX_FILL,
        Stroke::new(1.0, look::BOX_EDGE),
        StrokeKind::Inside,
    );
    painter.galley(
        pos2(
            image.center().x - 0.5 * title.size().x,
            image.top() - title.size().y - 4.0,
        ),
        title,
        look::TEXT,
    );
    if let Some(id) = texture {
        painter.image(
            id,
            image,
            Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
            Color32::WHITE,
        );
    }
    painter.rect_stroke(
        image,
        CornerRadius::ZERO,
        Stroke::new(0.75, look::TEXT),
        StrokeKind::Outside,
    );
    let below = image.bottom() + look::LABEL_GAP;
    painter.galley(pos2(image.left(), below), x0, look::TEXT);
    painter.galley(pos2(image.right() - x1.size().x, below), x1, look::TEXT);
    painter.galley(
        pos2(
            image.left() - look::LABEL_GAP - y0.size().x,
            image.bottom() - y0.size().y,
        ),
        y0,
        look::TEXT,
    );
    painter.galley(
        pos2(image.left() - look::LABEL_GAP - y1.size().x, image.top()),
        y1,
        look::TEXT,
    );
    image
}

/// Gap between plots, and between the strip and the 3D view above it (points).
const PLOT_GAP: f32 = 8.0;

/// Height of the plot strip for an inner area `inner_height` points tall.
fn strip_height(inner_height: f32) -> f32 {
    (0.32 * inner_height).min(180.0)
}

/// Share of a frame `height_px` tall that a strip of plots takes at the bottom (margin and gap
/// included): the camera's `bottom_inset`, so the 3D view sits above the strip.
pub fn strip_share(height_px: u32) -> f32 {
    let height = height_px as f32 / pixels_per_point_for(height_px);
    let inner = height - 2.0 * look::MARGIN;
    ((strip_height(inner) + look::MARGIN + PLOT_GAP) / height).clamp(0.0, 0.5)
}

/// Lays out and paints the plots: [`PlotPlacement::Full`] ones share the frame under the
/// title band and left of the legend column (on a white ground that hides the 3D view), the
/// others a strip along the bottom, left to right.
fn paint_plots(
    painter: &egui::Painter,
    area: Rect,
    inner: Rect,
    top_band: f32,
    column_left: Option<f32>,
    content: &OverlayContent,
    cached_grounds: &[Rect],
) -> Vec<PlotLayout> {
    const GAP: f32 = PLOT_GAP;
    let full: Vec<usize> = (0..content.plots.len())
        .filter(|&i| content.plots[i].placement == PlotPlacement::Full)
        .collect();
    let strip: Vec<usize> = (0..content.plots.len())
        .filter(|&i| content.plots[i].placement == PlotPlacement::Strip)
        .collect();
    let mut rects = vec![Rect::NOTHING; content.plots.len()];
    let mut strip_bottom = inner.bottom();
    if !full.is_empty() {
        painter.rect_filled(area, CornerRadius::ZERO, Color32::WHITE);
        let right = column_left.unwrap_or(inner.right()).max(inner.left() + 100.0);
        let mut region = Rect::from_min_max(pos2(inner.left(), top_band), pos2(right, inner.bottom()));
        if !strip.is_empty() {
            // Small plots keep their strip at the bottom; the big ones take the rest.
            let h = (0.3 * inner.height()).min(170.0);
            region.max.y -= h + GAP;
        }
        let w = (region.width() - GAP * (full.len() - 1) as f32) / full.len() as f32;
        for (k, &i) in full.iter().enumerate() {
            rects[i] = Rect::from_min_size(
                pos2(region.left() + k as f32 * (w + GAP), region.top()),
                vec2(w, region.height()),
            );
        }
        strip_bottom = inner.bottom();
    }
    if !strip.is_empty() {
        let k = strip.len() as f32;
        let w = ((inner.width() - GAP * (k - 1.0)) / k).min(280.0);
        let h = strip_height(inner.height());
        for (j, &i) in strip.iter().enumerate() {
            rects[i] = Rect::from_min_size(
                pos2(inner.left() + j as f32 * (w + GAP), strip_bottom - h),
                vec2(w, h),
            );
        }
    }
    content
        .plots
        .iter()
        .zip(rects)
        .map(|(plot, rect)| {
            let boxed = plot.placement == PlotPlacement::Strip;
            paint_plot(
                painter,
                rect,
                plot,
                boxed,
                boxed && !cached_grounds.contains(&rect),
            )
        })
        .collect()
}

fn paint_label(painter: &egui::Painter, label: &ScreenLabel, pixels_per_point: f32) -> Rect {
    let at = pos2(label.pos[0], label.pos[1]) / pixels_per_point;
    let g = look::LABEL_GAP;
    // `anchor` says where the label sits relative to the point: Left = to its left, so the
    // text's right edge is at the point.
    let (align, offset) = match label.anchor {
        Anchor::Center => (Align2::CENTER_CENTER, Vec2::ZERO),
        Anchor::Left => (Align2::RIGHT_CENTER, vec2(-g, 0.0)),
        Anchor::Right => (Align2::LEFT_CENTER, vec2(g, 0.0)),
        Anchor::Top => (Align2::CENTER_BOTTOM, vec2(0.0, -g)),
        Anchor::Bottom => (Align2::CENTER_TOP, vec2(0.0, g)),
    };
    painter.text(
        at + offset,
        align,
        &label.text,
        FontId::proportional(label.size.max(1.0)),
        color(label.color),
    )
}

/// One laid-out row of a legend box: what to draw left of the text, and the text.
struct Row {
    swatch: Swatch,
    galley: Arc<Galley>,
}

enum Swatch {
    /// Optimizer: a short line in its colour with a dot in the middle.
    Line(Color32),
    /// Start point: its marker shape.
    Marker(MarkerShape),
    /// The box's heading.
    None,
}

/// The optimizer legend and, under it, the 'Initialization' box: right-aligned, sharing one
/// width so they read as one column.
struct LegendColumn {
    legend: Vec<Row>,
    starts: Vec<Row>,
    width: f32,
}

impl LegendColumn {
    const TEXT_X: f32 = look::PAD + look::SWATCH_LEN + look::SWATCH_GAP;

    fn new(painter: &egui::Painter, legend: &[LegendEntry], starts: &[StartEntry]) -> Self {
        let font = FontId::proportional(look::TEXT_SIZE);
        let layout =
            |text: &str, color: Color32| painter.layout_no_wrap(text.to_owned(), font.clone(), color);
        let legend: Vec<Row> = legend
            .iter()
            .map(|e| Row {
                swatch: Swatch::Line(color(e.color)),
                galley: layout(&e.label, look::TEXT),
            })
            .collect();
        let mut start_rows = Vec::new();
        if !starts.is_empty() {
            start_rows.push(Row {
                swatch: Swatch::None,
                galley: layout("Initialization", look::HEADER),
            });
            start_rows.extend(starts.iter().map(|s| Row {
                swatch: Swatch::Marker(s.shape),
                galley: layout(&s.label, look::TEXT),
            }));
        }
        let row_width = |r: &Row| match r.swatch {
            Swatch::None => look::PAD + r.galley.size().x,
            _ => Self::TEXT_X + r.galley.size().x,
        };
        let width = legend
            .iter()
            .chain(&start_rows)
            .map(row_width)
            .fold(0.0_f32, f32::max)
            + look::PAD;
        Self {
            legend,
            starts: start_rows,
            width,
        }
    }

    fn box_height(rows: &[Row]) -> f32 {
        rows.iter().map(|r| r.galley.size().y).sum::<f32>()
            + look::ROW_GAP * rows.len().saturating_sub(1) as f32
            + 2.0 * look::PAD
    }

    fn height(&self) -> f32 {
        match (self.legend.is_empty(), self.starts.is_empty()) {
            (true, true) => 0.0,
            (false, true) => Self::box_height(&self.legend),
            (true, false) => Self::box_height(&self.starts),
            (false, false) => Self::box_height(&self.legend) + look::BOX_GAP + Self::box_height(&self.starts),
        }
    }

    /// Paints both boxes (those with rows) down from `top_right`; returns their rects.
    fn paint(&self, painter: &egui::Painter, top_right: Pos2) -> (Option<Rect>, Option<Rect>) {
        let mut top = top_right.y;
        let mut paint_box = |rows: &[Row]| -> Option<Rect> {
            if rows.is_empty() {
                return None;
            }
            let rect = Rect::from_min_size(
                pos2(top_right.x - self.width, top),
                vec2(self.width, Self::box_height(rows)),
            );
            top = rect.bottom() + look::BOX_GAP;
            painter.rect(
                rect,
                CornerRadius::same(look::CORNER),
                look::BOX_FILL,
                Stroke::new(1.0, look::BOX_EDGE),
                StrokeKind::Inside,
            );
            let mut y = rect.top() + look::PAD;
            for row in rows {
                let h = row.galley.size().y;
                let swatch_centre = pos2(rect.left() + look::PAD + 0.5 * look::SWATCH_LEN, y + 0.5 * h);
                let text_left = match row.swatch {
                    Swatch::Line(c) => {
                        let half = vec2(0.5 * look::SWATCH_LEN, 0.0);
                        painter.line_segment(
                            [swatch_centre - half, swatch_centre + half],
                            Stroke::new(look::SWATCH_WIDTH, c),
                        );
                        painter.circle(
                            swatch_centre,
                            look::DOT_RADIUS,
                            c,
                            Stroke::new(0.75, look::MARKER_EDGE),
                        );
                        rect.left() + Self::TEXT_X
                    }
                    Swatch::Marker(shape) => {
                        paint_marker(
                            painter,
                            shape,
                            swatch_centre,
                            look::START_MARKER,
                            look::START_FILL,
                            Stroke::new(1.25, look::MARKER_EDGE),
                        );
                        rect.left() + Self::TEXT_X
                    }
                    Swatch::None => rect.left() + look::PAD,
                };
                painter.galley(pos2(text_left, y), row.galley.clone(), look::TEXT);
                y += h + look::ROW_GAP;
            }
            Some(rect)
        };
        let legend = paint_box(&self.legend);
        let starts = paint_box(&self.starts);
        (legend, starts)
    }
}

/// Paints a marker of `shape` centred at `centre`; `radius` is the half-size of a square
/// (the other shapes are sized to look as large). Usable by any egui UI (the window's panel).
pub fn paint_marker(
    painter: &egui::Painter,
    shape: MarkerShape,
    centre: Pos2,
    radius: f32,
    fill: Color32,
    stroke: Stroke,
) {
    let at = |dx: f32, dy: f32| centre + vec2(dx, dy);
    let r = radius;
    match shape {
        MarkerShape::Square => {
            painter.rect(
                Rect::from_center_size(centre, Vec2::splat(2.0 * r * 0.9)),
                CornerRadius::ZERO,
                fill,
                stroke,
                StrokeKind::Middle,
            );
        }
        MarkerShape::Circle => {
            painter.circle(centre, r, fill, stroke);
        }
        MarkerShape::Triangle => {
            // Pointing up; centred on its centroid, a little larger to match the square's area.
            let s = 1.25 * r;
            let points = [-90.0_f32, 30.0, 150.0]
                .map(|deg| {
                    let (sin, cos) = deg.to_radians().sin_cos();
                    at(s * cos, s * sin + 0.1 * r)
                })
                .to_vec();
            painter.add(Shape::convex_polygon(points, fill, stroke));
        }
        MarkerShape::Diamond => {
            let (w, h) = (0.95 * r, 1.3 * r);
            let points = vec![at(0.0, -h), at(w, 0.0), at(0.0, h), at(-w, 0.0)];
            painter.add(Shape::convex_polygon(points, fill, stroke));
        }
        MarkerShape::Cross => {
            // An 'x' has no inside: draw it in the outline colour, thick.
            let d = 0.85 * r;
            let thick = Stroke::new(stroke.width.max(0.25 * r), stroke.color);
            painter.line_segment([at(-d, -d), at(d, d)], thick);
            painter.line_segment([at(-d, d), at(d, -d)], thick);
        }
        MarkerShape::Star => {
            let points: Vec<Pos2> = (0..10)
                .map(|i| {
                    let rad = if i % 2 == 0 { 1.35 * r } else { 0.55 * r };
                    let (sin, cos) = (-90.0_f32 + 36.0 * i as f32).to_radians().sin_cos();
                    at(rad * cos, rad * sin + 0.1 * r)
                })
                .collect();
            // Not convex: fill as a fan around the centre, then outline.
            let mut mesh = Mesh::default();
            mesh.colored_vertex(centre, fill);
            for p in &points {
                mesh.colored_vertex(*p, fill);
            }
            for i in 0..10u32 {
                mesh.add_triangle(0, 1 + i, 1 + (i + 1) % 10);
            }
            painter.add(Shape::mesh(mesh));
            painter.add(Shape::closed_line(points, PathStroke::from(stroke)));
        }
    }
}
