//! The window's state: the scene being shown, its simulation and renderer, the camera, the
//! playback clock, recording, and the side panel that edits all of it live.
//!
//! The viewport shows the offscreen frame the shared renderer draws (3D + overlay), registered
//! as an egui texture, so what F9 records is exactly what the viewport shows (or the same view
//! at a chosen size, drawn by a second renderer: see `recording`).

use std::path::PathBuf;
use web_time::Instant;

use anyhow::Result;

use crate::app::input::{Action, DragMode};
use crate::app::loss::{LossSample, loss_sample};
use crate::app::recording::Recording;
use crate::camera::OrbitCamera;
use crate::gpu::Gpu;
use crate::numbers::count;
use crate::render::RenderSettings;
use crate::render::overlay::Overlay;
use crate::scene::Scene;
use crate::world::World;

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
    /// Whether the side panel shows (Tab toggles it; an embedded page starts without it).
    pub panel: bool,
}

/// How often the panel's numbers (status, step slider, loss plot) follow the run while it
/// plays. Every change redraws the panel's ~5,700 egui triangles, a third of a frame on a CPU
/// adapter; at this rate the window mostly copies them (see `app::panel_cache`).
pub const PANEL_REFRESH: std::time::Duration = std::time::Duration::from_millis(100);

/// The run's numbers as the panel last showed them.
pub(super) struct PanelShown {
    pub(super) at: Option<Instant>,
    pub(super) status: [String; 2],
    pub(super) step: f64,
    pub(super) steps: std::ops::RangeInclusive<u32>,
    pub(super) loss: Vec<Vec<LossSample>>,
}

pub struct Viewer {
    pub(super) options: ViewerOptions,
    pub(super) scene: Scene,
    pub(super) world: World,
    pub(super) overlay: Overlay,
    pub(super) camera: OrbitCamera,
    /// The 3D view's size and top-left corner in window pixels, as last laid out; the window
    /// copies the renderer's target there (see `app::blit`).
    pub(super) frame_size: Option<[u32; 2]>,
    pub(super) frame_origin: [u32; 2],
    /// The renderer was rebuilt: the egui texture must point at its new target.
    pub(super) frame_stale: bool,
    // playback
    pub(super) playing: bool,
    pub(super) steps_per_second: f64,
    pub(super) time: f64,
    pub(super) last_tick: Instant,
    pub(super) pending_steps: u32,
    // recording
    pub(super) recording: Option<Recording>,
    pub(super) record_size: Option<[u32; 2]>,
    /// The largest side a recording may have: the adapter's texture limit.
    pub(super) max_record_side: u32,
    pub(super) screenshot: bool,
    /// The side panel shows.
    pub(super) show_panel: bool,
    /// Text for egui's clipboard this frame, and the last copy (numbered) for a host's own.
    pub(super) ctx_copy: Option<String>,
    pub(super) copied: Option<(u64, String)>,
    /// Screenshots taken so far (the page numbers its downloads).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(super) screenshots: u32,
    pub(super) message: String,
    // ui
    pub(super) show_help: bool,
    pub(super) drag: Option<DragMode>,
    /// Where the current drag was pressed (egui forgets it on the frame of the release).
    pub(super) drag_origin: Option<egui::Pos2>,
    /// The sweep map's zooms: the scenes before the current one, and after it (`[` and `]`).
    pub(super) zoom_back: Vec<Scene>,
    pub(super) zoom_forward: Vec<Scene>,
    /// Wheel turns over a sweep map not yet applied: (map, the factor of its span so far, the
    /// point they zoom about, across and down). Applied once the wheel rests (each zoom is a
    /// whole run).
    pub(super) map_scroll: Option<(usize, f64, [f64; 2])>,
    pub(super) panel: crate::app::panel::Panel,
    /// Where the side panel was laid out last (logical points).
    pub(super) panel_rect: Option<egui::Rect>,
    pub(super) loss: Vec<Vec<LossSample>>,
    /// The run as the panel shows it: see [`PanelShown`].
    pub(super) shown: PanelShown,
    pub(super) last_sampled_step: Option<u32>,
    /// Where the viewport was laid out last (logical points).
    pub(super) viewport: egui::Rect,
    // stats
    pub(super) started: Option<Instant>,
    pub(super) frames: u64,
    pub(super) fps: f64,
    pub(super) steps_rate: f64,
    /// Time spent advancing and particle-steps done since the last (re)start: the rate the
    /// status line shows once a run stops moving.
    pub(super) run_seconds: f64,
    pub(super) run_particle_steps: f64,
    /// Simulation time a frame may take (by adapter kind).
    pub(super) sim_budget: std::time::Duration,
    /// In a page, a model scene training (see `app::training`), and why the last one failed.
    #[cfg(target_arch = "wasm32")]
    pub(super) training: Option<crate::app::training::Training>,
    #[cfg(target_arch = "wasm32")]
    pub(super) training_failed: Option<String>,
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
        // A recording size the adapter cannot hold is refused before the window shows.
        let max_record_side = gpu.device.limits().max_texture_dimension_2d;
        if let Some([w, h]) = options.record_size
            && (w > max_record_side || h > max_record_side)
        {
            anyhow::bail!(
                "--record-size {w}x{h} is over this adapter's texture limit of {max_record_side}x{max_record_side}"
            );
        }
        let panel = crate::app::panel::Panel::from_scene(&options.scene);
        // A page trains a model scene without blocking: the default scene shows meanwhile.
        #[cfg(target_arch = "wasm32")]
        let (scene, training) = if options.scene.model.is_some() {
            let training =
                crate::app::training::Training::start(gpu, &options.settings, options.scene.clone());
            (Scene::default_scene(), Some(training))
        } else {
            (options.scene.clone(), None)
        };
        #[cfg(not(target_arch = "wasm32"))]
        let scene = options.scene.clone();
        let world = World::new(gpu, &scene, &options.settings)?;
        world.sweep.borrow_mut().refresh = SWEEP_MAP_REFRESH;
        let overlay = Overlay::new(gpu, options.settings.color_format);
        Ok(Self {
            #[cfg(target_arch = "wasm32")]
            training,
            #[cfg(target_arch = "wasm32")]
            training_failed: None,
            camera: options.camera,
            playing: !options.paused,
            steps_per_second: 60.0,
            time: 0.0,
            last_tick: Instant::now(),
            pending_steps: 0,
            recording: None,
            record_size: options.record_size,
            max_record_side,
            screenshot: false,
            screenshots: 0,
            show_panel: options.panel,
            ctx_copy: None,
            copied: None,
            message: String::new(),
            show_help: false,
            drag: None,
            drag_origin: None,
            zoom_back: Vec::new(),
            map_scroll: None,
            zoom_forward: Vec::new(),
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
    /// clock. Otherwise the window waits for input (a recording writes a frame whenever the view
    /// changes, so it needs no redraws of its own).
    /// `--exit-after-frames` (a benchmark) draws continuously.
    /// Whether the run has been played to its end and nothing moves any more.
    pub fn has_ended(&self) -> bool {
        !self.is_animating() && self.time >= f64::from(self.scene.steps) && !self.is_training()
    }

    pub fn is_animating(&self) -> bool {
        let end = f64::from(self.scene.steps);
        self.options.exit_after_frames.is_some()
            || (self.playing && self.time < end)
            || self.pending_steps > 0
            || self.world.sim.steps_done() < self.time.ceil() as u32
            || !self.world.map_trained()
    }

    /// Playback speed in optimizer steps per second.
    pub fn steps_per_second(&self) -> f64 {
        self.steps_per_second
    }

    pub fn panel(&self) -> &crate::app::panel::Panel {
        &self.panel
    }

    /// Where the overlay put its parts in the last frame (frame pixels from the viewport's
    /// top-left corner).
    pub fn overlay_layout(&self) -> &crate::render::overlay::OverlayLayout {
        self.overlay.layout()
    }

    /// Where the viewport went in the last frame, in logical points (for input in tests).
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

    /// Replaces the scene (from the panel); on error the old scene keeps running. In a page a
    /// model scene trains first, the old scene showing meanwhile (see `app::training`).
    pub fn set_scene(&mut self, gpu: &Gpu, scene: Scene) -> Result<()> {
        #[cfg(target_arch = "wasm32")]
        {
            if scene.model.is_some() {
                scene.validate().map_err(anyhow::Error::msg)?;
                self.training = Some(crate::app::training::Training::start(
                    gpu,
                    &self.options.settings,
                    scene,
                ));
                return Ok(());
            }
            self.training = None;
        }
        let world = World::new(gpu, &scene, &self.options.settings)?;
        self.put_world(gpu, world, scene);
        Ok(())
    }

    /// In a page: the world of a model scene that finished training replaces the one shown.
    #[cfg(target_arch = "wasm32")]
    pub(super) fn finish_training(&mut self, gpu: &Gpu) {
        let Some((scene, world)) = self.training.as_ref().and_then(|t| t.finished()) else {
            return;
        };
        self.training = None;
        match world {
            Ok(world) => self.put_world(gpu, world, scene),
            Err(e) => {
                self.message = format!("{e:#}");
                self.panel.error = Some(self.message.clone());
                self.training_failed = Some(self.message.clone());
            }
        }
    }

    /// What the view says over the frame while a page trains a model scene (or why it could not).
    pub(super) fn training_text(&self) -> Option<String> {
        #[cfg(target_arch = "wasm32")]
        {
            if let Some(t) = &self.training {
                return Some(t.text());
            }
            self.training_failed
                .as_ref()
                .map(|e| format!("the model scene could not be shown: {e}"))
        }
        #[cfg(not(target_arch = "wasm32"))]
        None
    }

    /// Whether a page is training a model scene.
    pub fn is_training(&self) -> bool {
        #[cfg(target_arch = "wasm32")]
        {
            self.training.is_some()
        }
        #[cfg(not(target_arch = "wasm32"))]
        false
    }

    /// `world` (of `scene`) becomes the one shown, its run from the start.
    fn put_world(&mut self, gpu: &Gpu, world: World, scene: Scene) {
        #[cfg(target_arch = "wasm32")]
        {
            self.training_failed = None;
        }
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
    }

    pub(super) fn reset_run_stats(&mut self) {
        self.run_seconds = 0.0;
        self.run_particle_steps = 0.0;
        self.steps_rate = 0.0;
    }

    /// The status line's rate: the current one while the clock moves; once it stops (the
    /// run is done or paused), the mean over the run so far, not a value decaying to zero.
    pub(super) fn rate_text(&self) -> String {
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

    pub(super) fn restart(&mut self, gpu: &Gpu) {
        self.reset_run_stats();
        self.world.sim.reset(gpu);
        self.world.renderer.history_changed();
        self.time = 0.0;
        self.loss.iter_mut().for_each(Vec::clear);
        self.last_sampled_step = None;
    }

    /// Advances the clock and the simulation to it.
    pub(super) fn tick(&mut self, gpu: &Gpu) {
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
    pub(super) fn sample_loss(&mut self, gpu: &Gpu, step: u32) {
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
        // In a page the answer shows an earlier step (or none yet): sampled at the step it shows.
        let Ok(Some((step, particles))) = self.world.sim.read_particles_latest(gpu) else {
            return;
        };
        if self.last_sampled_step == Some(step) {
            return;
        }
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

    pub(super) fn act(&mut self, gpu: &Gpu, action: Action) {
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
            Action::ZoomBack => {
                if let Some(scene) = self.zoom_back.pop() {
                    self.go_to_zoom(gpu, scene, false);
                }
            }
            Action::ZoomForward => {
                if let Some(scene) = self.zoom_forward.pop() {
                    self.go_to_zoom(gpu, scene, true);
                }
            }
            Action::TogglePanel => self.show_panel = !self.show_panel,
        }
    }

    /// What the status line says of the run: "done" at its last step, else playing or paused.
    pub(super) fn run_state(&self) -> &'static str {
        if self.time >= f64::from(self.scene.steps) {
            "done"
        } else if self.playing {
            "playing"
        } else {
            "paused"
        }
    }

    pub(super) fn toggle_record(&mut self, gpu: &Gpu) {
        if let Some(recording) = self.recording.take() {
            let dir = recording.dir().to_path_buf();
            self.message = match recording.finish(gpu) {
                Ok(n) => crate::app::recording::finished_message(n, &dir),
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
            &self.options.capture_dir,
            self.record_size,
            viewport,
        ) {
            Ok(r) => {
                let [w, h] = r.size(viewport);
                let still = !self.is_animating() && self.run_state() == "done";
                self.message = format!(
                    "recording {w}x{h} to {} (F9 stops){}",
                    r.dir().display(),
                    if still {
                        ": the run is done, so frames come as the view changes (drag to orbit)"
                    } else {
                        ""
                    }
                );
                self.recording = Some(r);
            }
            Err(e) => self.message = format!("cannot record: {e:#}"),
        }
    }
}
