//! The window's side panel and 3D viewport as egui draws them: the timeline, capture and look
//! sections, the status line, and the viewport's image and help.

use std::path::PathBuf;
use web_time::Instant;

use anyhow::Result;

use crate::app::input::{self, Action};
use crate::app::offscreen::Offscreen;
use crate::app::recording;
use crate::app::viewer::Viewer;
use crate::capture::frame_name;
#[cfg(not(target_arch = "wasm32"))]
use crate::capture::write_png_atomic;
use crate::gpu::Gpu;
use crate::numbers::count;
use crate::render::overlay::pixels_per_point_for;
use crate::world::Look;

impl Viewer {
    /// Builds the whole UI for a frame: panel, viewport (rendering the 3D frame), help.
    /// The frame the window shows in the 3D view and where (window pixels, top-left); None
    /// before the first layout.
    pub fn window_frame(&self) -> Option<(&wgpu::Texture, [u32; 2])> {
        self.frame_size
            .map(|_| (self.world.renderer.target().texture(), self.frame_origin))
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, gpu: &Gpu) {
        #[cfg(target_arch = "wasm32")]
        self.finish_training(gpu);
        self.frames += 1;
        self.started.get_or_insert_with(Instant::now);
        self.tick(gpu);
        let ctx = ui.ctx().clone();
        if !ctx.egui_wants_keyboard_input() {
            let keys: Vec<egui::Key> = ctx.input(|i| {
                i.events
                    .iter()
                    .filter_map(|e| match e {
                        egui::Event::Key {
                            key,
                            pressed: true,
                            repeat: false,
                            ..
                        } => Some(*key),
                        egui::Event::Text(t) if t == "+" => Some(egui::Key::Plus),
                        _ => None,
                    })
                    .collect()
            });
            for key in keys {
                if let Some(action) = input::key_action(key) {
                    self.act(gpu, action);
                }
            }
        }
        // While it plays, the panel's numbers follow the run a few times a second; when it
        // stops (or was never moving) at once, so a still window shows the last step.
        if !self.is_animating()
            || self
                .shown
                .at
                .is_none_or(|t| t.elapsed() >= self.options.panel_refresh)
        {
            self.refresh_shown();
        }
        let panel = self.show_panel.then(|| {
            egui::Panel::left("descent.panel")
                .resizable(true)
                .default_size(300.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        self.status_ui(ui);
                        ui.separator();
                        self.open_scene_ui(ui, gpu);
                        self.capture_ui(ui, gpu);
                        ui.separator();
                        if let Some(scene) = self.panel.ui(ui, &self.scene, &self.shown.loss) {
                            match self.set_scene(gpu, scene) {
                                Ok(()) => self.panel.error = None,
                                Err(e) => self.panel.error = Some(format!("{e:#}")),
                            }
                        }
                        ui.separator();
                        self.look_ui(ui, gpu);
                    });
                })
        });
        self.panel_rect = panel.map(|p| p.response.rect);
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                self.viewport_ui(ui, gpu);
            });
        if let Some(text) = self.ctx_copy.take() {
            ctx.copy_text(text);
        }
        if self.show_help {
            egui::Window::new("Keys and mouse")
                .collapsible(false)
                .show(&ctx, |ui| {
                    for line in input::help_lines() {
                        ui.label(line);
                    }
                });
        }
    }

    /// The scene asked for: the one shown, or in a page a model scene still training.
    fn asked_scene(&self) -> &crate::scene::Scene {
        #[cfg(target_arch = "wasm32")]
        if let Some(t) = &self.training {
            return t.scene();
        }
        &self.scene
    }

    /// The scene asked for with the camera where it is now.
    pub fn shown_scene(&self) -> crate::scene::Scene {
        let mut scene = self.asked_scene().clone();
        let c = &self.camera;
        let tenth = |v: f32| (f64::from(v) * 10.0).round() / 10.0;
        scene.view.camera = None;
        scene.view.azim = Some(tenth(c.azimuth_deg));
        scene.view.elev = Some(tenth(c.elevation_deg));
        scene.view.dist = Some((f64::from(c.distance) * 100.0).round() / 100.0);
        scene
    }

    /// Puts `text` on the clipboard (egui's natively; the page's own through its hook, which
    /// sees [`Self::copied`]).
    fn copy(&mut self, text: String, what: &str) {
        self.ctx_copy = Some(text.clone());
        self.copied = Some((self.copied.as_ref().map_or(1, |c| c.0 + 1), text));
        self.message = format!("copied {what}");
    }

    /// The last text the panel copied, numbered so a host sees each copy once.
    pub fn copied(&self) -> Option<&(u64, String)> {
        self.copied.as_ref()
    }

    /// The steps the timeline can show without re-running: from the oldest record the trail
    /// still holds to the newest step simulated.
    pub fn recorded_steps(&self) -> std::ops::RangeInclusive<u32> {
        let plan = self.world.sim.trail_plan();
        let done = self.world.sim.steps_done();
        let every = plan.record_every.max(1);
        let oldest = if plan.capacity == 0 {
            done
        } else {
            ((done / every + 1).saturating_sub(plan.capacity)) * every
        };
        oldest..=done
    }

    /// Shows step `step` (clamped to [`Self::recorded_steps`]), forwards or backwards, from the
    /// recorded trail: the simulation is not re-run. Play continues from there.
    pub fn scrub_to(&mut self, step: f64) {
        let range = self.recorded_steps();
        self.time = step.clamp(f64::from(*range.start()), f64::from(*range.end()));
        self.pending_steps = 0;
    }

    /// The timeline: a slider over the recorded steps. Dragging it pauses; play resumes from
    /// the step shown (steps already simulated are replayed from the trail, later ones
    /// simulated as usual).
    pub(super) fn timeline_ui(&mut self, ui: &mut egui::Ui) {
        let range = self.shown.steps.clone();
        let mut step = self
            .shown
            .step
            .floor()
            .clamp(f64::from(*range.start()), f64::from(*range.end())) as u32;
        let slider = egui::Slider::new(&mut step, range)
            .text("step")
            .clamping(egui::SliderClamping::Always);
        if ui.add(slider).changed() {
            self.playing = false;
            self.scrub_to(f64::from(step));
            self.shown.step = self.time;
        }
    }

    /// Playback and capture buttons (the same actions as the keys), and the recording size.
    pub(super) fn capture_ui(&mut self, ui: &mut egui::Ui, gpu: &Gpu) {
        ui.heading("Playback and capture");
        self.timeline_ui(ui);
        ui.horizontal(|ui| {
            let play = if self.playing { "pause" } else { "play" };
            for (label, action) in [
                (play, Action::TogglePause),
                ("step", Action::StepOnce),
                ("restart", Action::Restart),
            ] {
                if ui.button(label).clicked() {
                    self.act(gpu, action);
                }
            }
        });
        ui.horizontal(|ui| {
            let record = if self.recording.is_some() {
                "stop recording (F9)"
            } else {
                "record (F9)"
            };
            if ui.button(record).clicked() {
                self.act(gpu, Action::ToggleRecord);
            }
            if ui.button("screenshot (F12)").clicked() {
                self.act(gpu, Action::Screenshot);
            }
        });
        // The scene as shown (camera included): a file for `descent view`, a `descent render`
        // line; the page keeps the same in its URL.
        ui.horizontal(|ui| {
            if ui.button("copy as scene file").clicked() {
                self.copy(self.shown_scene().to_toml(), "the scene file");
            }
            if ui.button("copy as command").clicked() {
                self.copy(self.shown_scene().to_command(), "the command");
            }
        });
        let name = |s: Option<[u32; 2]>| s.map_or("the viewport".to_string(), |[w, h]| format!("{w}x{h}"));
        ui.horizontal(|ui| {
            ui.add_enabled_ui(self.recording.is_none(), |ui| {
                egui::ComboBox::from_label("record size")
                    .selected_text(name(self.record_size))
                    .show_ui(ui, |ui| {
                        let mut choices = vec![None];
                        let max = self.max_record_side;
                        choices.extend(
                            recording::PRESETS
                                .into_iter()
                                .filter(|&[w, h]| w <= max && h <= max)
                                .map(Some),
                        );
                        if !choices.contains(&self.options.record_size) {
                            choices.push(self.options.record_size);
                        }
                        for choice in choices {
                            ui.selectable_value(&mut self.record_size, choice, name(choice));
                        }
                    });
            });
            if self.recording.is_some() {
                ui.colored_label(egui::Color32::RED, "recording");
            }
        });
        ui.label(format!("into {}", self.options.capture_dir.display()));
        // Below the buttons, so a message never moves them.
        if !self.message.is_empty() {
            ui.label(&self.message);
        }
    }

    /// Colormap, contours, mesh lines, axes and trails: applied to the renderer in place.
    pub(super) fn look_ui(&mut self, ui: &mut egui::Ui, gpu: &Gpu) {
        ui.heading("Look");
        let mut s = self.world.renderer.settings().clone();
        egui::ComboBox::from_label("colormap")
            .selected_text(s.colormap.name())
            .show_ui(ui, |ui| {
                for c in crate::render::Colormap::ALL {
                    ui.selectable_value(&mut s.colormap, c, c.name());
                }
            });
        let mut log = s.color_scale == crate::render::ColorScale::Log;
        if ui.checkbox(&mut log, "log colour scale").changed() {
            s.color_scale = if log {
                crate::render::ColorScale::Log
            } else {
                crate::render::ColorScale::Linear
            };
        }
        ui.checkbox(&mut s.contours, "contour lines");
        ui.checkbox(&mut s.grid_lines, "mesh lines");
        ui.checkbox(&mut s.show_axes, "axes");
        ui.checkbox(&mut s.fade_trails, "fade trails");
        ui.add(egui::Slider::new(&mut s.trail_width_px, 0.5..=8.0).text("trail width"));
        let mut whole = s.trail_length.is_none();
        ui.horizontal(|ui| {
            ui.checkbox(&mut whole, "whole trails");
            let mut n = s.trail_length.unwrap_or(50);
            if !whole {
                ui.add(
                    egui::Slider::new(&mut n, 1..=self.scene.steps.max(2))
                        .logarithmic(true)
                        .text("steps"),
                );
            }
            s.trail_length = (!whole).then_some(n);
        });
        if s != *self.world.renderer.settings() {
            match self.world.renderer.update_settings(gpu, &s) {
                Ok(()) => {
                    // The loss plots' axis follows the colour scale.
                    self.scene.view.color_scale = Some(s.color_scale);
                    self.world.set_color_scale(s.color_scale);
                    self.options.settings = s;
                }
                Err(e) => self.message = format!("{e}"),
            }
        }
    }

    /// The shipped scenes (`assets/scenes`, built in): one picked replaces the scene, with its
    /// own camera and look.
    pub(super) fn open_scene_ui(&mut self, ui: &mut egui::Ui, gpu: &Gpu) {
        let mut picked = None;
        egui::ComboBox::from_label("open a scene")
            .selected_text("assets/scenes")
            .show_ui(ui, |ui| {
                for (path, _) in crate::scene::library::SHIPPED {
                    let name = path.trim_end_matches(".toml");
                    if ui.selectable_label(false, name).clicked() {
                        picked = Some(*path);
                    }
                }
            });
        let Some(path) = picked else { return };
        let opened = match crate::scene::library::shipped(path) {
            Some(Ok(scene)) => self.open_scene(gpu, scene),
            Some(Err(e)) => Err(anyhow::anyhow!("{e}")),
            None => Err(anyhow::anyhow!("no scene {path}")),
        };
        self.message = match opened {
            Ok(()) => format!("opened {path}"),
            Err(e) => format!("cannot open {path}: {e:#}"),
        };
    }

    /// Replaces the scene by `scene`, a whole new one: the panel, the camera and the look
    /// follow its file (a panel edit keeps them).
    pub fn open_scene(&mut self, gpu: &Gpu, scene: crate::scene::Scene) -> anyhow::Result<()> {
        let old = &self.options.settings;
        let (mut settings, camera) =
            crate::render::view_settings(&scene.view, [old.width, old.height], old.msaa)
                .map_err(anyhow::Error::msg)?;
        // What the window chose for its adapter and surface stays.
        settings.density_budget = old.density_budget;
        settings.color_format = old.color_format;
        let before = std::mem::replace(&mut self.options.settings, settings);
        if let Err(e) = self.set_scene(gpu, scene) {
            self.options.settings = before;
            return Err(e);
        }
        self.camera = camera;
        self.panel = crate::app::panel::Panel::from_scene(self.asked_scene());
        Ok(())
    }

    /// Takes the run's numbers into what the panel shows.
    pub(super) fn refresh_shown(&mut self) {
        let status = [
            format!(
                "{:.0} fps   {}   {} particles",
                self.fps,
                self.rate_text(),
                count(self.world.particles)
            ),
            format!(
                "step {:.0} / {}   {}   speed {:.1} steps/s",
                self.time.floor(),
                self.scene.steps,
                self.run_state(),
                self.steps_per_second
            ),
        ];
        self.shown.status = status;
        self.shown.step = self.time;
        self.shown.steps = self.recorded_steps();
        self.shown.loss.clone_from(&self.loss);
        self.shown.at = Some(Instant::now());
    }

    pub(super) fn status_ui(&self, ui: &mut egui::Ui) {
        for line in &self.shown.status {
            ui.label(line);
        }
        ui.label(self.world.trail.describe(self.world.particles));
        ui.label("h: keys and mouse");
    }

    /// Where the side panel was laid out last (logical points); None before the first frame.
    pub fn panel_rect(&self) -> Option<egui::Rect> {
        self.panel_rect
    }

    pub(super) fn viewport_ui(&mut self, ui: &mut egui::Ui, gpu: &Gpu) {
        let rect = ui.available_rect_before_wrap();
        self.viewport = rect;
        let ppp = ui.ctx().pixels_per_point();
        let size = [
            ((rect.width() * ppp).round() as u32).max(1),
            ((rect.height() * ppp).round() as u32).max(1),
        ];
        // The 3D view sits above the plot strip; picking and zooming see the same projection.
        self.camera.bottom_inset = self.world.strip_share(size[1]);
        let response = ui.allocate_rect(rect, egui::Sense::click_and_drag());
        self.handle_pointer(gpu, &response, rect, ppp);
        // The rectangle a drag on a sweep map zooms into, drawn as it is dragged.
        if let (Some(crate::app::input::DragMode::ZoomMap(_)), Some(from), Some(to)) =
            (self.drag, self.drag_origin, ui.ctx().pointer_latest_pos())
        {
            let zoom = egui::Rect::from_two_pos(from, to);
            for (width, color) in [(3.0, egui::Color32::WHITE), (1.5, egui::Color32::BLACK)] {
                ui.painter().rect_stroke(
                    zoom,
                    0.0,
                    egui::Stroke::new(width, color),
                    egui::StrokeKind::Middle,
                );
            }
        }

        if (self.frame_size != Some(size) || self.frame_stale)
            && let Err(e) = self.world.renderer.resize(gpu, size[0], size[1])
        {
            self.message = format!("cannot resize: {e}");
            return;
        }
        let look = Look {
            camera: self.camera,
            time: self.time,
            pixels_per_point: pixels_per_point_for(size[1]).max(ppp),
        };
        self.world.draw(gpu, &mut self.overlay, &look);
        // The window copies the frame into this rectangle before egui draws (app::blit).
        self.frame_stale = false;
        self.frame_size = Some(size);
        self.frame_origin = [
            (rect.min.x * ppp).round().max(0.0) as u32,
            (rect.min.y * ppp).round().max(0.0) as u32,
        ];

        if let Some(text) = self.training_text() {
            // Over the frame: the scene shown is not the one asked for yet.
            let font = egui::FontId::proportional(16.0);
            let galley = ui
                .painter()
                .layout(text, font, egui::Color32::BLACK, rect.width() - 40.0);
            let at = rect.center() - galley.size() / 2.0;
            let back = egui::Rect::from_min_size(at, galley.size()).expand(10.0);
            ui.painter()
                .rect_filled(back, 6.0, egui::Color32::from_white_alpha(230));
            ui.painter().galley(at, galley, egui::Color32::BLACK);
        }
        if let Some(recording) = self.recording.as_mut()
            && let Err(e) = recording.push(gpu, &self.world, &look, self.world.renderer.target().texture())
        {
            self.message = format!("recording stopped: {e:#}");
            self.recording = None;
        }
        if std::mem::take(&mut self.screenshot) {
            self.message = match self.save_screenshot(gpu, &look) {
                Ok(path) => format!("screenshot: {}", path.display()),
                Err(e) => format!("screenshot failed: {e}"),
            };
        }
    }

    /// F12 at the panel's record size: the view `look` shows drawn offscreen at that size (as
    /// a recording there would be); at none, the viewport as shown.
    fn screenshot_offscreen(&self, gpu: &Gpu, look: &Look) -> Result<Option<Offscreen>> {
        let Some(size) = self.record_size else {
            return Ok(None);
        };
        let mut offscreen = Offscreen::new(gpu, &self.world, size)?;
        offscreen.draw(gpu, &self.world, look)?;
        Ok(Some(offscreen))
    }

    /// The page: the browser downloads the PNG when the GPU has handed it over.
    #[cfg(target_arch = "wasm32")]
    pub(super) fn save_screenshot(&mut self, gpu: &Gpu, look: &Look) -> Result<PathBuf> {
        let offscreen = self.screenshot_offscreen(gpu, look)?;
        let texture = match &offscreen {
            Some(o) => o.texture(),
            None => self.world.renderer.target().texture(),
        };
        let name = format!("descent-{}", frame_name(self.screenshots));
        self.screenshots += 1;
        recording::download_png(gpu, texture, name.clone());
        Ok(PathBuf::from(name))
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn save_screenshot(&mut self, gpu: &Gpu, look: &Look) -> Result<PathBuf> {
        let offscreen = self.screenshot_offscreen(gpu, look)?;
        let texture = match &offscreen {
            Some(o) => o.texture(),
            None => self.world.renderer.target().texture(),
        };
        let image = crate::render::read_texture_rgba(gpu, texture)?;
        std::fs::create_dir_all(&self.options.capture_dir)?;
        let mut n = 0;
        let path = loop {
            let p = self
                .options
                .capture_dir
                .join(format!("screenshot-{}", frame_name(n)));
            if !p.exists() {
                break p;
            }
            n += 1;
        };
        write_png_atomic(&path, image.width(), image.height(), image.as_raw())?;
        Ok(path)
    }
}
