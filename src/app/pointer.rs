//! What the pointer does in the viewport: orbit, pan and zoom the camera, add start points where
//! a click's ray meets the surface (or a grid from a shift-drag), and pick a sweep map's group,
//! or zoom into a map by a dragged rectangle or the wheel.

use crate::app::input::{self, DragMode};
use crate::app::viewer::Viewer;
use crate::gpu::Gpu;
use crate::scene::Scene;
use crate::sweep::ParamRange;

/// Seconds the wheel rests before its turns over a sweep map zoom it (a zoom is a whole run).
const MAP_SCROLL_REST: f32 = 0.3;

impl Viewer {
    pub(super) fn handle_pointer(
        &mut self,
        gpu: &Gpu,
        response: &egui::Response,
        rect: egui::Rect,
        ppp: f32,
    ) {
        let (modifiers, (scroll, raw_scroll), button, touch, since_scroll) = response.ctx.input(|i| {
            let button = [
                egui::PointerButton::Primary,
                egui::PointerButton::Secondary,
                egui::PointerButton::Middle,
            ]
            .into_iter()
            .find(|b| i.pointer.button_down(*b));
            (
                i.modifiers,
                (i.smooth_scroll_delta.y, wheel_points(i)),
                button,
                i.multi_touch(),
                i.time_since_last_scroll(),
            )
        });
        if response.drag_started() {
            self.drag = button.and_then(|b| input::drag_mode(b, modifiers));
            self.drag_origin = response.ctx.input(|i| i.pointer.press_origin());
            // A plain drag that starts on a sweep map zooms into it.
            if self.drag == Some(DragMode::Orbit)
                && let Some((k, _)) = self.drag_origin.and_then(|p| self.sweep_map_at(p, rect, ppp))
            {
                self.drag = Some(DragMode::ZoomMap(k));
            }
        }
        // Two fingers on the view: spreading them zooms in towards their centre, moving them
        // together pans; the first finger's drag, which egui also reports, stops orbiting.
        if let Some(t) = touch.filter(|t| t.num_touches >= 2 && rect.contains(t.center_pos)) {
            if (t.zoom_delta - 1.0).abs() > 1e-4 && t.zoom_delta.is_finite() && t.zoom_delta > 0.0 {
                let cursor = Some(self.ndc(t.center_pos, rect));
                self.camera
                    .zoom_towards(1.0 / t.zoom_delta, cursor, rect.width() / rect.height());
            }
            let d = t.translation_delta;
            if d != egui::Vec2::ZERO {
                self.camera.pan(d.x / rect.height(), d.y / rect.height());
            }
            self.drag = None;
        } else if response.dragged() {
            let d = response.drag_delta();
            match self.drag {
                Some(DragMode::Orbit) => self.camera.orbit(-d.x * 0.4, d.y * 0.4),
                Some(DragMode::Pan) => self.camera.pan(d.x / rect.height(), d.y / rect.height()),
                _ => {}
            }
        }
        if response.drag_stopped()
            && let Some(DragMode::ZoomMap(k)) = self.drag
        {
            if let (Some(start), Some(end)) = (self.drag_origin, response.interact_pointer_pos())
                && let (Some((_, a)), Some(b)) = (
                    self.sweep_map_at(start, rect, ppp),
                    self.map_uv(k, end, rect, ppp),
                )
            {
                self.zoom_sweep(gpu, k, a, b);
            }
            self.drag = None;
            self.drag_origin = None;
        }
        if response.drag_stopped() {
            if self.drag == Some(DragMode::Rectangle)
                && self.scene.model.is_none()
                && let (Some(end), Some(start)) = (response.interact_pointer_pos(), self.drag_origin)
            {
                self.panel.add_rectangle(
                    &self.scene,
                    self.pick(start, rect, ppp),
                    self.pick(end, rect, ppp),
                );
                self.apply_panel(gpu);
            }
            self.drag = None;
            self.drag_origin = None;
        }
        if response.hovered() && (scroll != 0.0 || raw_scroll != 0.0) {
            let on_map = response.hover_pos().and_then(|p| self.sweep_map_at(p, rect, ppp));
            if let Some((k, at)) = on_map {
                // The wheel over a map zooms its ranges about the pointer, once it rests. It
                // counts the wheel's own turns: egui's smoothed delta goes on arriving after
                // the rest, and would start a second zoom.
                if raw_scroll != 0.0 {
                    let (_, span, about) = self.map_scroll.get_or_insert((k, 1.0, at));
                    *span *= (-f64::from(raw_scroll) * 0.002).exp();
                    *about = at;
                }
            } else if scroll != 0.0 {
                let factor = (-scroll * 0.002).exp();
                let cursor = response.hover_pos().map(|p| self.ndc(p, rect));
                self.camera
                    .zoom_towards(factor, cursor, rect.width() / rect.height());
            }
        }
        if since_scroll > MAP_SCROLL_REST
            && let Some((k, span, [u, v])) = self.map_scroll.take()
        {
            if span < 1.0 {
                let a = [u * (1.0 - span), v * (1.0 - span)];
                let b = [u + (1.0 - u) * span, v + (1.0 - v) * span];
                self.zoom_sweep(gpu, k, a, b);
            } else if span > 1.0 && !self.zoom_back.is_empty() {
                // Out: back along the zoom history,
                self.act(gpu, crate::app::input::Action::ZoomBack);
            } else if span > 1.0 {
                // then past the scene's own ranges.
                self.widen_sweep(gpu, k, [u, 1.0 - v], span);
            }
        }
        if response.double_clicked() {
            self.camera = self.options.camera;
        } else if response.clicked()
            && let Some(pos) = response.interact_pointer_pos()
            && self.pick_on_sweep_map(pos, rect, ppp)
        {
            // A click on a sweep map picks a group; its paths show on the surface.
        } else if response.clicked()
            && self.scene.model.is_none()
            && let Some(pos) = response.interact_pointer_pos()
            && let Some(hit) = self.pick(pos, rect, ppp)
        {
            self.panel.add_start(&self.scene, hit);
            self.apply_panel(gpu);
        }
    }

    /// Zooms sweep map k into the rectangle between `a` and `b` (across and down, 0..1): the
    /// swept ranges become the rectangle's, the sweep runs again, and the scene before goes
    /// onto the zoom history (`[` goes back).
    pub(super) fn zoom_sweep(&mut self, gpu: &Gpu, k: usize, a: [f64; 2], b: [f64; 2]) {
        let Some(optimizer) = self.world.sweep.borrow().maps.get(k).map(|m| m.optimizer) else {
            return;
        };
        let mut scene = self.scene.clone();
        let Some(spec) = scene.optimizers.get_mut(optimizer) else {
            return;
        };
        // Across is the first swept parameter; up the second (the image's rows run down).
        let spans = [(a[0], b[0]), (1.0 - a[1], 1.0 - b[1])];
        let mut zoomed = false;
        for (axis, (u0, u1)) in spec.sweep.iter_mut().zip(spans) {
            if let Some(r) = axis.range.zoomed(u0, u1) {
                // The label names the ranges as written (`lr=0.05..1.5:12`): now the new ones.
                let (old, new) = (
                    format!("{}={}", axis.param, axis.range),
                    format!("{}={r}", axis.param),
                );
                spec.label = spec.label.replace(&old, &new);
                axis.range = r;
                zoomed = true;
            }
        }
        if !zoomed {
            return;
        }
        self.zoom_forward.clear();
        self.go_to_zoom(gpu, scene, true);
    }

    /// Zooms sweep map k out `factor` times about the point `at` (across and up, 0..1): each
    /// swept range widens about the value under the pointer ([`ParamRange::widened`]), an end
    /// that would leave the parameter's valid values (lr > 0, momentum below 1, ...) staying
    /// where it is; the scene before goes onto the zoom history.
    pub(super) fn widen_sweep(&mut self, gpu: &Gpu, k: usize, at: [f64; 2], factor: f64) {
        let Some(optimizer) = self.world.sweep.borrow().maps.get(k).map(|m| m.optimizer) else {
            return;
        };
        let mut scene = self.scene.clone();
        let Some(spec) = scene.optimizers.get_mut(optimizer) else {
            return;
        };
        let mut widened = false;
        for (i, u) in at.into_iter().enumerate().take(spec.sweep.len()) {
            let (param, old) = (spec.sweep[i].param.clone(), spec.sweep[i].range);
            let Some(wide) = old.widened(u, factor) else {
                continue;
            };
            // The widest of: both ends moved, the low end kept, the high end kept.
            let tries = [
                wide,
                ParamRange {
                    from: old.from,
                    ..wide
                },
                ParamRange { to: old.to, ..wide },
            ];
            let fits =
                |r: &ParamRange| *r != old && r.from != r.to && spec.clone().set_range(&param, *r).is_ok();
            if let Some(r) = tries.into_iter().find(fits) {
                let (before, after) = (format!("{param}={old}"), format!("{param}={r}"));
                spec.set_range(&param, r).ok();
                // set_range moves the axis last: keep the sweep's order (which orders the map).
                let moved = spec.sweep.pop().expect("the axis just set");
                spec.sweep.insert(i, moved);
                spec.label = spec.label.replace(&before, &after);
                widened = true;
            }
        }
        if !widened {
            self.message =
                "the map's ranges cannot widen further: their ends are the parameters' limits".into();
            return;
        }
        self.zoom_forward.clear();
        self.go_to_zoom(gpu, scene, true);
    }

    /// Shows `scene` (a zoom of the current one, or one from the history), keeping the current
    /// one on the history: behind it when `forward`, else ahead of it.
    pub(super) fn go_to_zoom(&mut self, gpu: &Gpu, scene: Scene, forward: bool) {
        let before = self.scene.clone();
        match self.set_scene(gpu, scene) {
            Ok(()) => {
                if forward {
                    self.zoom_back.push(before);
                } else {
                    self.zoom_forward.push(before);
                }
                // The panel shows the new ranges (its next edit starts from them).
                self.panel = crate::app::panel::Panel::from_scene(&self.scene);
                let ranges: Vec<String> = self
                    .scene
                    .optimizers
                    .iter()
                    .flat_map(|o| o.sweep.iter().map(|a| format!("{} {}", a.param, a.range)))
                    .collect();
                self.message = format!("sweep map: {}", ranges.join(", "));
                let blurred = self
                    .scene
                    .optimizers
                    .iter()
                    .flat_map(|o| o.sweep.iter())
                    .any(|a| !a.range.distinct_in_f32());
                if blurred {
                    self.message
                        .push_str(" (below f32 spacing: neighbouring cells share a value; zoom out)");
                }
            }
            Err(e) => self.message = format!("cannot zoom: {e:#}"),
        }
    }

    pub(super) fn apply_panel(&mut self, gpu: &Gpu) {
        if let Some(scene) = self.panel.build(&self.scene)
            && let Err(e) = self.set_scene(gpu, scene)
        {
            self.panel.error = Some(format!("{e:#}"));
        }
    }

    /// Picks the sweep group under a viewport position if it is on a sweep map's inset (the
    /// overlay's last layout, in frame pixels); a click on a map outside any group clears the
    /// pick. Returns whether the position was on a map.
    pub(super) fn pick_on_sweep_map(&mut self, p: egui::Pos2, rect: egui::Rect, ppp: f32) -> bool {
        let Some((k, [u, v])) = self.sweep_map_at(p, rect, ppp) else {
            return false;
        };
        self.world.sweep.borrow_mut().pick(k, u, v);
        true
    }

    /// The sweep map under a viewport position and where on it (across and down, 0..1).
    pub(super) fn sweep_map_at(
        &self,
        p: egui::Pos2,
        rect: egui::Rect,
        ppp: f32,
    ) -> Option<(usize, [f64; 2])> {
        let maps = self.world.sweep.borrow().maps.len();
        let k = (0..maps).find(|&k| {
            self.map_uv(k, p, rect, ppp)
                .is_some_and(|[u, v]| (0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v))
        })?;
        Some((k, self.map_uv(k, p, rect, ppp)?))
    }

    /// Where a viewport position is on sweep map k's image (across and down; outside 0..1
    /// beyond its edges), from the overlay's last layout (frame pixels).
    pub(super) fn map_uv(&self, k: usize, p: egui::Pos2, rect: egui::Rect, ppp: f32) -> Option<[f64; 2]> {
        let px = (p - rect.min) * ppp;
        let r = self.overlay.layout().insets.get(k)?;
        Some([
            f64::from((px.x - r.left()) / r.width()),
            f64::from((px.y - r.top()) / r.height()),
        ])
    }

    /// A point of the viewport in normalised device coordinates (-1..1, y up).
    pub(super) fn ndc(&self, p: egui::Pos2, rect: egui::Rect) -> [f32; 2] {
        [
            (p.x - rect.min.x) / rect.width() * 2.0 - 1.0,
            1.0 - (p.y - rect.min.y) / rect.height() * 2.0,
        ]
    }

    /// The surface point under a viewport position, if the ray hits the surface.
    pub(super) fn pick(&self, p: egui::Pos2, rect: egui::Rect, _ppp: f32) -> Option<[f64; 2]> {
        let plot = self.world.renderer.plot_box();
        let world_from_data = glam::Mat4::from_scale_rotation_translation(
            plot.world_from_data_scale(),
            glam::Quat::IDENTITY,
            plot.world_from_data_offset(),
        );
        let clip_from_data = self.camera.clip_from_world(rect.width() / rect.height()) * world_from_data;
        // The surface drawn: a model scene's is its slice.
        crate::app::picking::pick_with(clip_from_data, &self.world.scene().surface, self.ndc(p, rect))
    }
}

/// The wheel's turns this frame in points (egui's line is 40 points, a page the screen),
/// before egui smooths them.
fn wheel_points(input: &egui::InputState) -> f32 {
    input
        .events
        .iter()
        .map(|e| match e {
            egui::Event::MouseWheel { unit, delta, .. } => match unit {
                egui::MouseWheelUnit::Point => delta.y,
                egui::MouseWheelUnit::Line => delta.y * 40.0,
                egui::MouseWheelUnit::Page => delta.y * input.content_rect().height(),
            },
            _ => 0.0,
        })
        .sum()
}
