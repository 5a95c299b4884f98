//! The window's state: the scene being shown, its simulation and renderer, the camera, the
//! playback clock, recording, and the side panel that edits all of it live.
//!
//! The viewport shows the offscreen frame the shared renderer draws (3D + overlay), registered
//! as an egui texture, so what F9 records is exactly what the viewport shows (or the same view
//! at a chosen size, drawn by a second renderer: see `recording`).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use crate::app::input::{self, Action, DragMode};
use crate::app::recording::{self, Recording};
use crate::camera::OrbitCamera;
use crate::capture::{frame_name, write_png_atomic};
use crate::gpu::Gpu;
use crate::gpu::gpu_data::{Particle, STATUS_CONVERGED, STATUS_DIVERGED};
use crate::numbers::count;
use crate::render::RenderSettings;
use crate::render::overlay::{Overlay, pixels_per_point_for};
use crate::scene::Scene;
use crate::world::{Look, World};

/// Density segments the window accumulates per frame on a CPU adapter (lavapipe draws about
/// 4 million a second) and on a GPU.
/// Past this many particles the window's loss plot does not read particles back.
const MAX_SAMPLED_PARTICLES: u64 = 2_000_000;

pub const CPU_DENSITY_BUDGET: u64 = 300_000;
pub const GPU_DENSITY_BUDGET: u64 = 50_000_000;
/// Simulation time a frame may take before it is drawn: a large simulation catches up over
/// several frames while the camera stays smooth.
const CPU_SIM_BUDGET: std::time::Duration = std::time::Duration::from_millis(30);
const GPU_SIM_BUDGET: std::time::Duration = std::time::Duration::from_millis(10);

/// How often the window remakes a sweep's map while the run goes (a readback of every
/// particle each time).
const SWEEP_MAP_REFRESH: std::time::Duration = std::time::Duration::from_millis(250);

pub struct ViewerOptions {
    pub scene: Scene,
    /// Window size in logical pixels.
    pub size: [u32; 2],
    /// Where F9 frames and F12 screenshots go.
    pub capture_dir: PathBuf,
    /// F9 records at this size offscreen; `None`: the viewport as shown.
    pub record_size: Option<[u32; 2]>,
    /// Quit after this many frames (for tests and benchmarks).
    pub exit_after_frames: Option<u64>,
    /// Start paused.
    pub paused: bool,
    pub settings: RenderSettings,
    pub camera: OrbitCamera,
    /// How often the panel's numbers follow a playing run ([`PANEL_REFRESH`]).
    pub panel_refresh: std::time::Duration,
}

/// How often the panel's numbers (status, step slider, loss plot) follow the run while it
/// plays. Every change redraws the panel's ~5,700 egui triangles, a third of a frame on a CPU
/// adapter; at this rate the window mostly copies them (see `app::panel_cache`).
pub const PANEL_REFRESH: std::time::Duration = std::time::Duration::from_millis(100);

/// The run's numbers as the panel last showed them.
struct PanelShown {
    at: Option<Instant>,
    status: [String; 2],
    step: f64,
    steps: std::ops::RangeInclusive<u32>,
    loss: Vec<Vec<LossSample>>,
}

/// Per-step statistics of one optimizer, for the loss plot.
#[derive(Clone, Copy, Debug, Default)]
pub struct LossSample {
    pub step: u32,
    pub mean: f64,
    pub best: f64,
    pub converged: f64,
    pub diverged: f64,
}

pub struct Viewer {
    options: ViewerOptions,
    scene: Scene,
    world: World,
    overlay: Overlay,
    camera: OrbitCamera,
    /// The 3D view's size and top-left corner in window pixels, as last laid out; the window
    /// copies the renderer's target there (see `app::blit`).
    frame_size: Option<[u32; 2]>,
    frame_origin: [u32; 2],
    /// The renderer was rebuilt: the egui texture must point at its new target.
    frame_stale: bool,
    // playback
    playing: bool,
    steps_per_second: f64,
    time: f64,
    last_tick: Instant,
    pending_steps: u32,
    // recording
    recording: Option<Recording>,
    record_size: Option<[u32; 2]>,
    screenshot: bool,
    message: String,
    // ui
    show_help: bool,
    drag: Option<DragMode>,
    /// Where the current drag was pressed (egui forgets it on the frame of the release).
    drag_origin: Option<egui::Pos2>,
    panel: crate::app::panel::Panel,
    /// Where the side panel was laid out last (logical points).
    panel_rect: Option<egui::Rect>,
    loss: Vec<Vec<LossSample>>,
    /// The run as the panel shows it: see [`PanelShown`].
    shown: PanelShown,
    last_sampled_step: Option<u32>,
    /// Where the viewport was laid out last (logical points).
    viewport: egui::Rect,
    // stats
    started: Option<Instant>,
    frames: u64,
    fps: f64,
    steps_rate: f64,
    /// Time spent advancing and particle-steps done since the last (re)start: the rate the
    /// status line shows once a run stops moving.
    run_seconds: f64,
    run_particle_steps: f64,
    /// Simulation time a frame may take (by adapter kind).
    sim_budget: std::time::Duration,
}

impl Viewer {
    pub fn new(gpu: &Gpu, mut options: ViewerOptions) -> Result<Self> {
        let cpu = gpu.adapter.get_info().device_type == wgpu::DeviceType::Cpu;
        if options.settings.msaa == 0 {
            // Not chosen: 4x MSAA on a GPU; none on a CPU adapter, where it costs ~3.5x a frame.
            options.settings.msaa = if cpu { 1 } else { 4 };
        }
        // A camera move rebuilds the density layer: within a frame's worth of segments, by
        // skipping records evenly when there are more.
        options.settings.density_budget.get_or_insert(if cpu {
            CPU_DENSITY_BUDGET
        } else {
            GPU_DENSITY_BUDGET
        });
        let scene = options.scene.clone();
        let world = World::new(gpu, &scene, &options.settings)?;
        world.sweep.borrow_mut().refresh = SWEEP_MAP_REFRESH;
        let overlay = Overlay::new(gpu, options.settings.color_format);
        let panel = crate::app::panel::Panel::from_scene(&scene);
        Ok(Self {
            camera: options.camera,
            playing: !options.paused,
            steps_per_second: 60.0,
            time: 0.0,
            last_tick: Instant::now(),
            pending_steps: 0,
            recording: None,
            record_size: options.record_size,
            screenshot: false,
            message: String::new(),
            show_help: false,
            drag: None,
            drag_origin: None,
            loss: vec![Vec::new(); scene.optimizers.len()],
            panel_rect: None,
            shown: PanelShown {
                at: None,
                status: Default::default(),
                step: 0.0,
                steps: 0..=0,
                loss: Vec::new(),
            },
            last_sampled_step: None,
            started: None,
            frames: 0,
            fps: 0.0,
            steps_rate: 0.0,
            run_seconds: 0.0,
            run_particle_steps: 0.0,
            sim_budget: if cpu { CPU_SIM_BUDGET } else { GPU_SIM_BUDGET },
            frame_size: None,
            frame_origin: [0, 0],
            frame_stale: false,
            viewport: egui::Rect::NOTHING,
            panel,
            world,
            overlay,
            scene,
            options,
        })
    }

    /// Frames drawn and their rate since the first, for `--exit-after-frames` runs.
    pub fn report(&self) -> String {
        let seconds = self.started.map_or(0.0, |t| t.elapsed().as_secs_f64());
        format!(
            "{} frames in {seconds:.1}s: {:.1} frames/s, {} particles",
            self.frames,
            self.frames.saturating_sub(1) as f64 / seconds.max(1e-9),
            count(self.world.particles)
        )
    }

    /// The scene shown (the panel's edits replace it when they validate).
    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn camera(&self) -> &OrbitCamera {
        &self.camera
    }

    /// The step shown, fractional between steps.
    pub fn time(&self) -> f64 {
        self.time
    }

    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// Whether the next frame would differ from the last without any input: the clock runs
    /// (playing before the last step, or a step was asked for), the simulation is behind the
    /// clock, or a recording takes frames. Otherwise the window waits for input.
    /// `--exit-after-frames` (a benchmark) draws continuously.
    pub fn is_animating(&self) -> bool {
        let end = f64::from(self.scene.steps);
        self.options.exit_after_frames.is_some()
            || (self.playing && self.time < end)
            || self.pending_steps > 0
            || self.world.sim.steps_done() < self.time.ceil() as u32
            || self.recording.is_some()
    }

    /// Playback speed in optimizer steps per second.
    pub fn steps_per_second(&self) -> f64 {
        self.steps_per_second
    }

    pub fn panel(&self) -> &crate::app::panel::Panel {
        &self.panel
    }

    /// Where the viewport went in the last frame, in logical points (for input in tests).
    /// Where the overlay put its parts in the last frame (frame pixels from the viewport's
    /// top-left corner).
    pub fn overlay_layout(&self) -> &crate::render::overlay::OverlayLayout {
        self.overlay.layout()
    }

    pub fn viewport(&self) -> egui::Rect {
        self.viewport
    }

    pub fn should_exit(&self) -> bool {
        self.options.exit_after_frames.is_some_and(|n| self.frames >= n)
    }

    /// Minimised: the clock runs, nothing is drawn.
    pub fn idle(&mut self, gpu: &Gpu) {
        self.tick(gpu);
    }

    /// Replaces the scene (from the panel); on error the old scene keeps running.
    pub fn set_scene(&mut self, gpu: &Gpu, scene: Scene) -> Result<()> {
        let world = World::new(gpu, &scene, &self.options.settings)?;
        world.sweep.borrow_mut().refresh = SWEEP_MAP_REFRESH;
        if self.recording.is_some() {
            // Its renderer draws the old world; the frames so far are kept.
            self.toggle_record(gpu);
            self.message = format!("{} (the scene changed)", self.message);
        }
        self.world = world;
        self.loss = vec![Vec::new(); scene.optimizers.len()];
        self.last_sampled_step = None;
        self.scene = scene;
        self.time = 0.0;
        self.frame_stale = true;
        self.reset_run_stats();
        Ok(())
    }

    fn reset_run_stats(&mut self) {
        self.run_seconds = 0.0;
        self.run_particle_steps = 0.0;
        self.steps_rate = 0.0;
    }

    /// The status line's rate: the current one while the clock moves; once it stops (the
    /// run is done or paused), the mean over the run so far, not a value decaying to zero.
    fn rate_text(&self) -> String {
        let moving = self.playing && self.time < f64::from(self.scene.steps);
        if moving {
            format!("{:.2e} particle-steps/s", self.steps_rate)
        } else if self.run_seconds > 0.0 {
            let state = if self.time >= f64::from(self.scene.steps) {
                "done"
            } else {
                "paused"
            };
            format!(
                "{state}: {:.2e} particle-steps/s over the run",
                self.run_particle_steps / self.run_seconds
            )
        } else {
            "paused".to_string()
        }
    }

    fn restart(&mut self, gpu: &Gpu) {
        self.reset_run_stats();
        self.world.sim.reset(gpu);
        self.world.renderer.history_changed();
        self.time = 0.0;
        self.loss.iter_mut().for_each(Vec::clear);
        self.last_sampled_step = None;
    }

    /// Advances the clock and the simulation to it.
    fn tick(&mut self, gpu: &Gpu) {
        let now = Instant::now();
        let dt = now.duration_since(self.last_tick).as_secs_f64().min(0.25);
        self.last_tick = now;
        let end = f64::from(self.scene.steps);
        let before = self.time;
        if self.playing {
            self.time = (self.time + dt * self.steps_per_second).min(end);
        }
        if self.pending_steps > 0 {
            self.time = (self.time.floor() + f64::from(self.pending_steps)).min(end);
            self.pending_steps = 0;
        }
        let stepped = self.time.ceil() as u32;
        if !self.world.sim.advance_within(gpu, stepped, self.sim_budget) {
            // The simulation is behind the clock: show what it has, and let the clock wait.
            let done = f64::from(self.world.sim.steps_done());
            self.time = self.time.min(done);
        }
        let advanced = self.time - before;
        let rate = advanced * self.world.particles as f64 / dt.max(1e-6);
        self.steps_rate = 0.9 * self.steps_rate + 0.1 * rate;
        if advanced > 0.0 {
            self.run_seconds += dt;
            self.run_particle_steps += advanced * self.world.particles as f64;
        }
        if dt > 0.0 {
            self.fps = 0.9 * self.fps + 0.1 / dt;
        }
        // The particles are at the newest simulated step, whatever step the timeline shows.
        self.sample_loss(gpu, self.world.sim.steps_done());
    }

    /// Reads the particles once per new step (at most ~20 times a second for big runs) for
    /// the loss plot.
    fn sample_loss(&mut self, gpu: &Gpu, step: u32) {
        if self.last_sampled_step == Some(step) {
            return;
        }
        if self.world.particles > 200_000 && !self.frames.is_multiple_of(3) {
            return;
        }
        // Reading every particle back is too slow past a few million; the loss plot then waits
        // for the run's statistics instead.
        if self.world.particles > MAX_SAMPLED_PARTICLES {
            return;
        }
        let Ok(particles) = self.world.sim.read_particles(gpu) else {
            return;
        };
        self.last_sampled_step = Some(step);
        // One series per optimizer: a sweep's groups are sampled together.
        let per = self.world.sim.starts_per_group().max(1) as usize;
        let mut first = 0;
        for (spec, series) in self.scene.optimizers.iter().zip(self.loss.iter_mut()) {
            let end = (first + spec.group_count() as usize * per).min(particles.len());
            series.push(loss_sample(step, &particles[first.min(end)..end]));
            first = end;
        }
    }

    fn act(&mut self, gpu: &Gpu, action: Action) {
        match action {
            Action::TogglePause => self.playing = !self.playing,
            Action::StepOnce => {
                self.playing = false;
                self.pending_steps += 1;
            }
            Action::StepBack => {
                self.playing = false;
                let step = (self.time.ceil() - 1.0).max(0.0);
                self.scrub_to(step);
            }
            Action::Restart => self.restart(gpu),
            Action::Faster => self.steps_per_second = (self.steps_per_second * 1.5).min(1e6),
            Action::Slower => self.steps_per_second = (self.steps_per_second / 1.5).max(0.1),
            Action::ToggleHelp => self.show_help = !self.show_help,
            Action::ViewPost => self.camera = OrbitCamera::post(),
            Action::ViewTop => self.camera = OrbitCamera::top(),
            Action::ViewSide => self.camera = OrbitCamera::side(),
            Action::ResetView => self.camera = self.options.camera,
            Action::ToggleRecord => self.toggle_record(gpu),
            Action::Screenshot => self.screenshot = true,
        }
    }

    fn toggle_record(&mut self, gpu: &Gpu) {
        if let Some(recording) = self.recording.take() {
            let dir = recording.dir().to_path_buf();
            self.message = match recording.finish(gpu) {
                Ok(n) => format!("recorded {n} frames to {}", dir.display()),
                Err(e) => format!("recording failed: {e:#}"),
            };
            return;
        }
        let Some(viewport) = self.frame_size else {
            return;
        };
        match Recording::start(
            gpu,
            &self.world,
            &self.scene,
            &self.options.capture_dir,
            self.record_size,
            viewport,
        ) {
            Ok(r) => {
                let [w, h] = r.size(viewport);
                self.message = format!("recording {w}x{h} to {} (F9 stops)", r.dir().display());
                self.recording = Some(r);
            }
            Err(e) => self.message = format!("cannot record: {e:#}"),
        }
    }

    /// Builds the whole UI for a frame: panel, viewport (rendering the 3D frame), help.
    /// The frame the window shows in the 3D view and where (window pixels, top-left); None
    /// before the first layout.
    pub fn window_frame(&self) -> Option<(&wgpu::Texture, [u32; 2])> {
        self.frame_size
            .map(|_| (self.world.renderer.target().texture(), self.frame_origin))
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, gpu: &Gpu) {
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
        let panel = egui::Panel::left("descent.panel")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    self.status_ui(ui);
                    ui.separator();
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
            });
        self.panel_rect = Some(panel.response.rect);
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                self.viewport_ui(ui, gpu);
            });
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
    fn timeline_ui(&mut self, ui: &mut egui::Ui) {
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
    fn capture_ui(&mut self, ui: &mut egui::Ui, gpu: &Gpu) {
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
        let name = |s: Option<[u32; 2]>| s.map_or("the viewport".to_string(), |[w, h]| format!("{w}x{h}"));
        ui.horizontal(|ui| {
            ui.add_enabled_ui(self.recording.is_none(), |ui| {
                egui::ComboBox::from_label("record size")
                    .selected_text(name(self.record_size))
                    .show_ui(ui, |ui| {
                        let mut choices = vec![None];
                        choices.extend(recording::PRESETS.map(Some));
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
    fn look_ui(&mut self, ui: &mut egui::Ui, gpu: &Gpu) {
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
                    self.options.settings = s;
                }
                Err(e) => self.message = format!("{e}"),
            }
        }
    }

    /// Takes the run's numbers into what the panel shows.
    fn refresh_shown(&mut self) {
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
                if self.playing { "playing" } else { "paused" },
                self.steps_per_second
            ),
        ];
        self.shown.status = status;
        self.shown.step = self.time;
        self.shown.steps = self.recorded_steps();
        self.shown.loss.clone_from(&self.loss);
        self.shown.at = Some(Instant::now());
    }

    fn status_ui(&self, ui: &mut egui::Ui) {
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

    fn viewport_ui(&mut self, ui: &mut egui::Ui, gpu: &Gpu) {
        let rect = ui.available_rect_before_wrap();
        self.viewport = rect;
        let ppp = ui.ctx().pixels_per_point();
        let size = [
            ((rect.width() * ppp).round() as u32).max(1),
            ((rect.height() * ppp).round() as u32).max(1),
        ];
        // The 3D view sits above the plot strip; picking and zooming see the same projection.
        self.camera.bottom_inset =
            crate::render::plots::strip_share(&self.scene, self.world.sim.particle_count(), size[1]);
        let response = ui.allocate_rect(rect, egui::Sense::click_and_drag());
        self.handle_pointer(gpu, &response, rect, ppp);

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
        self.world.draw(gpu, &self.scene, &mut self.overlay, &look);
        // The window copies the frame into this rectangle before egui draws (app::blit).
        self.frame_stale = false;
        self.frame_size = Some(size);
        self.frame_origin = [
            (rect.min.x * ppp).round().max(0.0) as u32,
            (rect.min.y * ppp).round().max(0.0) as u32,
        ];

        if let Some(recording) = self.recording.as_mut()
            && let Err(e) = recording.push(
                gpu,
                &self.world,
                &self.scene,
                &look,
                self.world.renderer.target().texture(),
            )
        {
            self.message = format!("recording stopped: {e:#}");
            self.recording = None;
        }
        if std::mem::take(&mut self.screenshot) {
            self.message = match self.save_screenshot(gpu) {
                Ok(path) => format!("screenshot: {}", path.display()),
                Err(e) => format!("screenshot failed: {e}"),
            };
        }
    }

    fn save_screenshot(&mut self, gpu: &Gpu) -> Result<PathBuf> {
        let image = crate::render::read_texture_rgba(gpu, self.world.renderer.target().texture())?;
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

    fn handle_pointer(&mut self, gpu: &Gpu, response: &egui::Response, rect: egui::Rect, ppp: f32) {
        let (modifiers, scroll, button) = response.ctx.input(|i| {
            let button = [
                egui::PointerButton::Primary,
                egui::PointerButton::Secondary,
                egui::PointerButton::Middle,
            ]
            .into_iter()
            .find(|b| i.pointer.button_down(*b));
            (i.modifiers, i.smooth_scroll_delta.y, button)
        });
        if response.drag_started() {
            self.drag = button.and_then(|b| input::drag_mode(b, modifiers));
            self.drag_origin = response.ctx.input(|i| i.pointer.press_origin());
        }
        if response.dragged() {
            let d = response.drag_delta();
            match self.drag {
                Some(DragMode::Orbit) => self.camera.orbit(-d.x * 0.4, d.y * 0.4),
                Some(DragMode::Pan) => self.camera.pan(d.x / rect.height(), d.y / rect.height()),
                _ => {}
            }
        }
        if response.drag_stopped() {
            if self.drag == Some(DragMode::Rectangle)
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
        if response.hovered() && scroll != 0.0 {
            let factor = (-scroll * 0.002).exp();
            let cursor = response.hover_pos().map(|p| self.ndc(p, rect));
            self.camera
                .zoom_towards(factor, cursor, rect.width() / rect.height());
        }
        if response.double_clicked() {
            self.camera = self.options.camera;
        } else if response.clicked()
            && let Some(pos) = response.interact_pointer_pos()
            && self.pick_on_sweep_map(pos, rect, ppp)
        {
            // A click on a sweep map picks a group; its paths show on the surface.
        } else if response.clicked()
            && let Some(pos) = response.interact_pointer_pos()
            && let Some(hit) = self.pick(pos, rect, ppp)
        {
            self.panel.add_start(&self.scene, hit);
            self.apply_panel(gpu);
        }
    }

    fn apply_panel(&mut self, gpu: &Gpu) {
        if let Some(scene) = self.panel.build(&self.scene)
            && let Err(e) = self.set_scene(gpu, scene)
        {
            self.panel.error = Some(format!("{e:#}"));
        }
    }

    /// Picks the sweep group under a viewport position if it is on a sweep map's inset (the
    /// overlay's last layout, in frame pixels); a click on a map outside any group clears the
    /// pick. Returns whether the position was on a map.
    fn pick_on_sweep_map(&mut self, p: egui::Pos2, rect: egui::Rect, ppp: f32) -> bool {
        let px = (p - rect.min) * ppp;
        let mut sweep = self.world.sweep.borrow_mut();
        let maps = sweep.maps.len();
        let hit = self
            .overlay
            .layout()
            .insets
            .iter()
            .take(maps)
            .enumerate()
            .find(|(_, r)| r.contains(egui::pos2(px.x, px.y)));
        let Some((k, r)) = hit else { return false };
        let (u, v) = (
            f64::from((px.x - r.left()) / r.width()),
            f64::from((px.y - r.top()) / r.height()),
        );
        sweep.pick(k, u, v);
        true
    }

    /// A point of the viewport in normalised device coordinates (-1..1, y up).
    fn ndc(&self, p: egui::Pos2, rect: egui::Rect) -> [f32; 2] {
        [
            (p.x - rect.min.x) / rect.width() * 2.0 - 1.0,
            1.0 - (p.y - rect.min.y) / rect.height() * 2.0,
        ]
    }

    /// The surface point under a viewport position, if the ray hits the surface.
    fn pick(&self, p: egui::Pos2, rect: egui::Rect, _ppp: f32) -> Option<[f64; 2]> {
        let plot = self.world.renderer.plot_box();
        let world_from_data = glam::Mat4::from_scale_rotation_translation(
            plot.world_from_data_scale(),
            glam::Quat::IDENTITY,
            plot.world_from_data_offset(),
        );
        let clip_from_data = self.camera.clip_from_world(rect.width() / rect.height()) * world_from_data;
        crate::app::picking::pick_with(clip_from_data, &self.scene.surface, self.ndc(p, rect))
    }
}

fn loss_sample(step: u32, group: &[Particle]) -> LossSample {
    let n = group.len().max(1) as f64;
    let alive: Vec<f64> = group
        .iter()
        .filter(|p| p.status != STATUS_DIVERGED && p.loss.is_finite())
        .map(|p| f64::from(p.loss))
        .collect();
    LossSample {
        step,
        mean: if alive.is_empty() {
            f64::NAN
        } else {
            alive.iter().sum::<f64>() / alive.len() as f64
        },
        best: alive.iter().copied().fold(f64::INFINITY, f64::min),
        converged: group.iter().filter(|p| p.status == STATUS_CONVERGED).count() as f64 / n,
        diverged: group.iter().filter(|p| p.status == STATUS_DIVERGED).count() as f64 / n,
    }
}
