//! The side panel's pixels, kept between frames. On a CPU adapter egui's triangles (glyphs,
//! feathered widget edges: about 5,700 for the panel) cost a third of a 1280x720 frame, while
//! the panel changes a few times a second at most (the viewer refreshes its numbers at
//! `PANEL_REFRESH` while playing). So the window draws egui's output into a texture of its
//! own only when that output changes, and copies the panel's rectangle into the window every
//! frame.
//!
//! The copy gives the pixels egui would draw: the panel's fill is opaque and covers its
//! rectangle, so egui over a cleared texture is egui over the window there. Only the outer
//! half-pixel feather of the panel's edge line, which falls on the 3D view, is not copied. Output that reaches outside
//! the panel (a popup, the help window, a tooltip over the 3D view) is drawn straight into the
//! window, as before, and so is everything when the window's textures take no copies.

use std::hash::{Hash, Hasher};

use egui::epaint::{ClippedPrimitive, Primitive};

use crate::gpu::Gpu;

/// A rectangle in window pixels: x, y, width, height.
pub type PixelRect = [u32; 4];

#[derive(Default)]
pub struct PanelCache {
    /// Window-sized, in the window's format; egui's output as last drawn.
    texture: Option<wgpu::Texture>,
    /// What was drawn into `texture`: see [`signature`].
    drawn: Option<u64>,
    /// Times egui was drawn into the cache (for tests and benchmarks).
    draws: u64,
}

impl PanelCache {
    /// Times egui's output was drawn into the cache; a frame that only copies does not count.
    pub fn draws(&self) -> u64 {
        self.draws
    }

    /// Puts egui's output into `window` (whose contents outside `panel` are already final),
    /// through the cache when `panel` holds all of it. Returns false when it did not (nothing
    /// was recorded): then the caller draws egui into the window itself.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        egui_renderer: &egui_wgpu::Renderer,
        paint_jobs: &[ClippedPrimitive],
        screen: &egui_wgpu::ScreenDescriptor,
        textures_changed: bool,
        window: &wgpu::Texture,
        panel: Option<PixelRect>,
    ) -> bool {
        let Some(panel) = panel.filter(|p| p[2] > 0 && p[3] > 0) else {
            self.drawn = None;
            return false;
        };
        if !within(paint_jobs, panel, screen.pixels_per_point) {
            self.drawn = None;
            return false;
        }
        let size = window.size();
        if self
            .texture
            .as_ref()
            .is_none_or(|t| t.size() != size || t.format() != window.format())
        {
            self.texture = Some(gpu.device.create_texture(&wgpu::TextureDescriptor {
                label: Some("window.panel_cache"),
                size,
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: window.format(),
                usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
                view_formats: &[],
            }));
            self.drawn = None;
        }
        let texture = self.texture.as_ref().expect("created above");
        let signature = signature(paint_jobs, screen, panel);
        // A texture update may change what the same meshes show (a glyph's texels).
        if textures_changed || self.drawn != Some(signature) {
            let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
            let pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("window.panel_cache"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    resolve_target: None,
                    depth_slice: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            egui_renderer.render(&mut pass.forget_lifetime(), paint_jobs, screen);
            self.drawn = Some(signature);
            self.draws += 1;
        }
        let [x, y, w, h] = panel;
        let origin = wgpu::Origin3d { x, y, z: 0 };
        encoder.copy_texture_to_texture(
            wgpu::TexelCopyTextureInfo {
                texture,
                mip_level: 0,
                origin,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyTextureInfo {
                texture: window,
                mip_level: 0,
                origin,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: 1,
            },
        );
        true
    }
}

/// `rect` (logical points) in window pixels, clamped to the window: the rectangle the side
/// panel fills. egui lays panels out on whole pixels, so rounding loses nothing.
pub fn pixel_rect(rect: egui::Rect, pixels_per_point: f32, window: [u32; 2]) -> PixelRect {
    let px = |v: f32, max: u32| ((v * pixels_per_point).round().max(0.0) as u32).min(max);
    let (x0, x1) = (px(rect.min.x, window[0]), px(rect.max.x, window[0]));
    let (y0, y1) = (px(rect.min.y, window[1]), px(rect.max.y, window[1]));
    [x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0)]
}

/// Whether every visible part of `paint_jobs` (each mesh's bounds within its clip rectangle)
/// lies inside `panel`, give or take the half-pixel feather egui puts outside the panel's
/// edge line (the copy leaves it out: a faint fringe one pixel wide over the 3D view).
/// Callbacks draw who knows where: never.
pub fn within(paint_jobs: &[ClippedPrimitive], panel: PixelRect, pixels_per_point: f32) -> bool {
    let [x, y, w, h] = panel.map(|v| v as f32 / pixels_per_point);
    let inside = egui::Rect::from_min_size(egui::pos2(x, y), egui::vec2(w, h)).expand(0.5 / pixels_per_point);
    paint_jobs.iter().all(|job| match &job.primitive {
        Primitive::Mesh(mesh) => {
            let shown = mesh.calc_bounds().intersect(job.clip_rect);
            !shown.is_positive() || inside.contains_rect(shown)
        }
        Primitive::Callback(_) => false,
    })
}

/// Identifies what egui drew: the meshes' bytes, their clip rectangles and textures, the
/// screen, and the panel's place.
fn signature(paint_jobs: &[ClippedPrimitive], screen: &egui_wgpu::ScreenDescriptor, panel: PixelRect) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    screen.size_in_pixels.hash(&mut h);
    screen.pixels_per_point.to_bits().hash(&mut h);
    panel.hash(&mut h);
    for job in paint_jobs {
        let c = job.clip_rect;
        [c.min.x, c.min.y, c.max.x, c.max.y]
            .map(f32::to_bits)
            .hash(&mut h);
        if let Primitive::Mesh(mesh) = &job.primitive {
            mesh.texture_id.hash(&mut h);
            h.write(bytemuck::cast_slice(&mesh.indices));
            h.write(bytemuck::cast_slice(&mesh.vertices));
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::epaint::{Mesh, Vertex};
    use egui::{Color32, Rect, pos2};

    fn job(min: egui::Pos2, max: egui::Pos2, clip: Rect) -> ClippedPrimitive {
        let mut mesh = Mesh::default();
        mesh.add_colored_rect(Rect::from_min_max(min, max), Color32::WHITE);
        ClippedPrimitive {
            clip_rect: clip,
            primitive: Primitive::Mesh(mesh),
        }
    }

    #[test]
    fn output_inside_the_panel_is_cacheable_and_outside_is_not() {
        let everywhere = Rect::from_min_max(pos2(0.0, 0.0), pos2(1000.0, 1000.0));
        let panel = pixel_rect(
            Rect::from_min_max(pos2(0.0, 0.0), pos2(300.0, 720.0)),
            1.0,
            [1280, 720],
        );
        assert_eq!(panel, [0, 0, 300, 720]);
        let inside = job(pos2(10.0, 10.0), pos2(290.0, 700.0), everywhere);
        assert!(within(std::slice::from_ref(&inside), panel, 1.0));
        let popup = job(pos2(250.0, 10.0), pos2(400.0, 60.0), everywhere);
        assert!(!within(&[inside.clone(), popup.clone()], panel, 1.0));
        // Clipped to the panel, the same mesh shows only inside it.
        let clipped = job(
            pos2(250.0, 10.0),
            pos2(400.0, 60.0),
            Rect::from_min_max(pos2(0.0, 0.0), pos2(300.0, 720.0)),
        );
        assert!(within(&[clipped], panel, 1.0));
        // At 2 pixels per point the panel's 600 pixels hold 300 points.
        let panel2 = pixel_rect(
            Rect::from_min_max(pos2(0.0, 0.0), pos2(300.0, 360.0)),
            2.0,
            [1280, 720],
        );
        assert_eq!(panel2, [0, 0, 600, 720]);
        assert!(within(
            &[job(pos2(0.0, 0.0), pos2(300.0, 360.0), everywhere)],
            panel2,
            2.0
        ));
        assert!(!within(
            &[job(pos2(0.0, 0.0), pos2(301.0, 360.0), everywhere)],
            panel2,
            2.0
        ));
        // The edge line's outer feather, half a pixel past the panel, is let through.
        assert!(within(
            &[job(pos2(298.5, 0.0), pos2(300.5, 720.0), everywhere)],
            panel,
            1.0
        ));
        assert!(!within(
            &[job(pos2(298.5, 0.0), pos2(301.5, 720.0), everywhere)],
            panel,
            1.0
        ));
    }

    #[test]
    fn the_signature_changes_with_any_vertex() {
        let everywhere = Rect::from_min_max(pos2(0.0, 0.0), pos2(1000.0, 1000.0));
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [1280, 720],
            pixels_per_point: 1.0,
        };
        let a = job(pos2(10.0, 10.0), pos2(20.0, 20.0), everywhere);
        let mut b = a.clone();
        assert_eq!(
            signature(std::slice::from_ref(&a), &screen, [0, 0, 300, 720]),
            signature(&[b.clone()], &screen, [0, 0, 300, 720])
        );
        if let Primitive::Mesh(m) = &mut b.primitive {
            m.vertices[0] = Vertex {
                color: Color32::RED,
                ..m.vertices[0]
            };
        }
        assert_ne!(
            signature(std::slice::from_ref(&a), &screen, [0, 0, 300, 720]),
            signature(&[b], &screen, [0, 0, 300, 720])
        );
        assert_ne!(
            signature(std::slice::from_ref(&a), &screen, [0, 0, 300, 720]),
            signature(&[a], &screen, [0, 0, 301, 720])
        );
    }
}
