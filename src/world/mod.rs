//! A scene made ready to draw: its simulation, mesh and renderer, built the same way for the
//! window and for `descent render` so both show the same thing.

use std::cell::RefCell;

use anyhow::{Context, Result};

use crate::camera::OrbitCamera;
use crate::gpu::Gpu;
use crate::gpu::gpu_data::Particle;
use crate::gpu::memory::AdapterMemory;
use crate::gpu::mesh::SurfaceMesh;
use crate::gpu::sim::{PARTICLE_BYTES, SimSetup, Simulation, TrailPlan};
use crate::gpu::stats::TrailStats;
use crate::numbers::short_number;
use crate::outcome::basins::Basins;
use crate::outcome::coloring::{Coloring, needs_final_state};
use crate::outcome::start_map::{StartMap, start_maps};
use crate::outcome::sweep_view::SweepView;
use crate::render::overlay::Overlay;
use crate::render::overlay::legend::overlay_content;
use crate::render::overlay::plots::{MAX_PLOT_PARTICLES, plots_for_frame, strip_share, wants_distribution};
use crate::render::overlay::slice_plot::SliceLosses;
use crate::render::overlay::style::Inset;
use crate::render::{FrameState, RenderSettings, Renderer};
use crate::scene::Scene;
use data_view::DataView;
pub use landscape::scene_problem;

mod data_view;
mod landscape;
pub mod map_training;
pub mod model_map;

/// Trail memory a scene of `particles` may use: what descent may use of the adapter's memory
/// ([`AdapterMemory::usable`]) after the particles' own state. Whole paths fit while they
/// fit there; longer runs are decimated (and said so).
pub fn trail_budget(gpu: &Gpu, particles: u64) -> u64 {
    AdapterMemory::of(gpu)
        .usable()
        .saturating_sub(particles * PARTICLE_BYTES)
}

/// What the trails of `n` particles of `scene` keep: the whole history while it fits.
fn trail_for(gpu: &Gpu, scene: &Scene, n: u64) -> Result<TrailPlan> {
    TrailPlan::whole_history(&gpu.device.limits(), n, scene.steps, trail_budget(gpu, n))
        .with_context(|| format!("{n} particles leave no room for trails in GPU memory"))
}

pub struct World {
    /// The scene it was built from: what every frame draws.
    scene: Scene,
    pub sim: Simulation,
    pub mesh: SurfaceMesh,
    pub renderer: Renderer,
    pub trail: TrailPlan,
    pub particles: u64,
    /// A model map training between frames (the map layout, in the window and the page).
    pub map_training: Option<map_training::MapTraining>,
    /// Where each particle ends, for scenes coloured by basin.
    pub basins: Option<Basins>,
    /// What the particles' colours say, and the key.
    pub coloring: Coloring,
    /// The start map of each optimizer, when the scene shows it.
    pub start_maps: Vec<StartMap>,
    /// The start maps as overlay insets.
    insets: Vec<Inset>,
    /// Per-step loss distributions and outcome shares of a swarm, for its loss plot (counted
    /// as frames need them, also by `draw_on`, hence the cell).
    pub stats: RefCell<Option<TrailStats>>,
    /// A sweep's maps (remade as the run goes) and the group picked on them.
    pub sweep: RefCell<SweepView>,
    /// For a model scene: what its slice is, and the true losses beside the slice's.
    pub model: Option<ModelNotes>,
    /// In a page, the tag of the run's end state while its read is on the way.
    #[cfg(target_arch = "wasm32")]
    end_state: Option<crate::gpu::later::Tag>,
}

/// What a model scene's world knows beyond its surface scene.
pub struct ModelNotes {
    /// What the slice is and where, and at what height paths are drawn, in words.
    pub about: String,
    /// The true losses beside the slice's, for the strip plot.
    pub losses: SliceLosses,
    /// The data with one model's prediction per optimizer, when the data has a picture.
    pub data_view: Option<DataView>,
}

/// The page's slot for a run's end state.
#[cfg(target_arch = "wasm32")]
const END_STATE: &str = "world.end_state";

/// What the end of the run decides: the particles' colours and key, basins, start maps.
struct Outcome {
    coloring: Coloring,
    basins: Option<Basins>,
    start_maps: Vec<StartMap>,
    insets: Vec<Inset>,
}

/// Whether the scene shows start maps (a sweep's map stands for them).
fn shows_start_maps(scene: &Scene) -> bool {
    scene.view.shows_start_map(&scene.starts) && !scene.has_sweep()
}

/// The [`Outcome`] of `sim` ending at `last` (none yet: colours that need it wait).
fn outcome(scene: &Scene, sim: &Simulation, last: Option<&[Particle]>) -> Result<Outcome> {
    let mut coloring = Coloring::new(
        scene.view.color_by,
        sim.initial_particles(),
        last,
        &scene.surface.minima,
        &scene.surface.domain,
    );
    let basins = coloring.basins.take();
    let start_maps = match last {
        Some(last) if shows_start_maps(scene) => start_maps(scene, last).map_err(anyhow::Error::msg)?,
        _ => Vec::new(),
    };
    let insets = start_maps.iter().map(|m| map_inset(scene, m)).collect();
    Ok(Outcome {
        coloring,
        basins,
        start_maps,
        insets,
    })
}

impl World {
    /// Validates the scene, refuses particle counts the adapter cannot hold before any GPU
    /// work, and builds everything. A scene coloured by what happens at the end (basin, final
    /// loss, steps to converge) is simulated to its end once first, then reset. A model scene
    /// is trained and sliced here, then drawn as its slice's surface scene ([`landscape`]); a
    /// page cannot wait for that and builds it with [`Self::new_async`].
    pub fn new(gpu: &Gpu, scene: &Scene, settings: &RenderSettings) -> Result<Self> {
        scene.validate().map_err(anyhow::Error::msg)?;
        let trail_for = |n: u64| trail_for(gpu, scene, n);
        // A model map trains between frames, in the window and in the page.
        if scene.model.is_some() && scene.view.layout == Some(crate::scene::Layout::Map) {
            return model_map::model_map(gpu, scene, settings);
        }
        #[cfg(target_arch = "wasm32")]
        if scene.model.is_some() {
            anyhow::bail!("a [model] scene trains before it draws: a page builds it with World::new_async");
        }
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(model) = &scene.model {
            // Trained and sliced first; then drawn as a surface scene.
            let land = landscape::landscape(gpu, scene, model, trail_for, &mut |_, _| {})?;
            return Self::from_landscape(gpu, land, settings);
        }
        // Checked before the start list (or anything else large) is made.
        let n = scene.particle_count();
        Simulation::check_fits(gpu, n)?;
        let starts = scene.start_points();
        // A map-layout frame draws no paths: the trail keeps the start and the end.
        let trail = if scene.view.layout == Some(crate::scene::Layout::Map) {
            TrailPlan {
                capacity: 2,
                record_every: scene.steps.max(1),
            }
        } else {
            trail_for(n)?
        };
        let sim = Simulation::new(gpu, &SimSetup::for_scene(scene, &starts, trail))?;
        let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1])?;
        Self::assemble(gpu, scene.clone(), sim, mesh, trail, None, settings)
    }

    /// The world of a model scene in a page: trained and sliced without blocking (every
    /// readback awaited), `progress` told the models done and their number as chunks finish.
    /// Other scenes, and a model map (which trains between frames), are built as
    /// [`Self::new`] builds them.
    pub async fn new_async(
        gpu: &Gpu,
        scene: &Scene,
        settings: &RenderSettings,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Self> {
        let Some(model) = &scene.model else {
            return Self::new(gpu, scene, settings);
        };
        if scene.view.layout == Some(crate::scene::Layout::Map) {
            return Self::new(gpu, scene, settings);
        }
        scene.validate().map_err(anyhow::Error::msg)?;
        let trail_for = |n: u64| trail_for(gpu, scene, n);
        let land = landscape::landscape_async(gpu, scene, model, trail_for, progress).await?;
        Self::from_landscape(gpu, land, settings)
    }

    /// A trained model scene's world: its slice drawn as a surface scene.
    fn from_landscape(gpu: &Gpu, land: landscape::Landscape, settings: &RenderSettings) -> Result<Self> {
        let mesh = SurfaceMesh::new(gpu, &land.scene.surface, land.scene.mesh[0], land.scene.mesh[1])?;
        let notes = ModelNotes {
            about: land.about,
            losses: land.losses,
            data_view: land.data_view,
        };
        let world = Self::assemble(gpu, land.scene, land.sim, mesh, land.trail, Some(notes), settings)?;
        // A sweep's map by the models' true final losses, not the slice's under them.
        world
            .sweep
            .borrow_mut()
            .set_outcome(land.outcome, Some(land.scores));
        Ok(world)
    }

    /// The world of `scene` drawn from `sim` on `mesh`.
    pub(super) fn assemble(
        gpu: &Gpu,
        scene: Scene,
        mut sim: Simulation,
        mesh: SurfaceMesh,
        trail: TrailPlan,
        model: Option<ModelNotes>,
        settings: &RenderSettings,
    ) -> Result<Self> {
        let scene = &scene;
        let n = u64::from(sim.particle_count());
        #[cfg_attr(target_arch = "wasm32", allow(unused_mut))]
        let mut last: Option<Vec<Particle>> = None;
        #[cfg(target_arch = "wasm32")]
        let mut end_state = None;
        if needs_final_state(scene.view.color_by) || shows_start_maps(scene) {
            sim.advance_to(gpu, sim.max_steps());
            #[cfg(not(target_arch = "wasm32"))]
            {
                last = Some(sim.read_particles(gpu)?);
            }
            // A page cannot wait: the end state is asked for now, its copy taken before the
            // reset, and used when it comes (`settle`).
            #[cfg(target_arch = "wasm32")]
            {
                let [r0, r1] = sim.run_tag();
                end_state = Some([r0, r1, sim.steps_done(), 0]);
                sim.read_particles_kept(gpu, END_STATE, true)?;
            }
            sim.reset(gpu);
        }
        let Outcome {
            coloring,
            basins,
            start_maps,
            insets,
        } = outcome(scene, &sim, last.as_deref())?;
        let renderer = build_renderer(gpu, scene, &mesh, &sim, &coloring, settings)?;
        let swarm = n > u64::from(MAX_PLOT_PARTICLES) && model.is_none();
        let stats = (swarm && wants_distribution(scene)).then(|| {
            let plot = renderer.plot_box();
            TrailStats::new(gpu, &sim, plot.min.z, plot.max.z)
        });
        Ok(Self {
            scene: scene.clone(),
            sim,
            mesh,
            renderer,
            trail,
            particles: n,
            model,
            basins,
            coloring,
            start_maps,
            insets,
            stats: RefCell::new(stats),
            sweep: RefCell::new(SweepView::default()),
            map_training: None,
            #[cfg(target_arch = "wasm32")]
            end_state,
        })
    }

    /// The share of a frame `height_px` tall that the plot strip takes under the 3D view.
    pub fn strip_share(&self, height_px: u32) -> f32 {
        frame_strip_share(&self.scene, &self.sim, self.model.as_ref(), height_px)
    }

    /// The scene this world draws.
    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    /// The colour scale the frames' loss plots follow (the renderer's settings have their own).
    pub fn set_color_scale(&mut self, scale: crate::scene::ColorScale) {
        self.scene.view.color_scale = Some(scale);
    }

    /// Draws the whole frame (the 3D view above the plot strip, then legend, axis labels
    /// and plots) into the world's renderer and returns its texture: what `descent render`
    /// writes and the window shows. The simulation must be at `ceil(look.time)`.
    pub fn draw(&mut self, gpu: &Gpu, overlay: &mut Overlay, look: &Look) -> &wgpu::Texture {
        #[cfg(target_arch = "wasm32")]
        self.settle(gpu);
        self.train_map(gpu);
        draw_frame(
            gpu,
            &self.scene,
            &self.sim,
            self.model.as_ref(),
            &self.coloring,
            &self.insets,
            &self.stats,
            &self.sweep,
            &mut self.renderer,
            overlay,
            look,
        );
        self.renderer.target().texture()
    }

    /// A model map in training: a slice of this frame's time for it, and the map remade
    /// when a chunk of models has finished.
    fn train_map(&mut self, gpu: &Gpu) {
        let Some(job) = self.map_training.as_mut() else {
            return;
        };
        if job.is_done() {
            return;
        }
        let sweep = self.sweep.get_mut();
        match job.work(gpu, MAP_TRAINING_SLICE) {
            Ok(news) => {
                let (done, all) = job.progress();
                sweep.progress = (done < all).then(|| {
                    format!(
                        "training: {} of {} groups",
                        crate::numbers::count(done as u64),
                        crate::numbers::count(all as u64)
                    )
                });
                if news && let Some((particles, scores)) = job.outcome() {
                    sweep.set_outcome(particles, Some(scores));
                }
            }
            Err(e) => {
                sweep.progress = Some(format!("training stopped: {e:#}"));
                self.map_training = None;
            }
        }
    }

    /// Whether a model map has finished training (true for anything else).
    pub fn map_trained(&self) -> bool {
        if let Some(job) = &self.map_training {
            return job.is_done();
        }
        true
    }

    /// In a page: once the run's end state has come, the colours and start maps it decides.
    #[cfg(target_arch = "wasm32")]
    fn settle(&mut self, gpu: &Gpu) {
        let Some(tag) = self.end_state else {
            return;
        };
        let last = match self.sim.read_particles_kept(gpu, END_STATE, false) {
            Ok(Some((t, last))) if t == tag => last,
            Ok(_) => return,
            Err(e) => {
                log::error!("the run's end state could not be read: {e}");
                self.end_state = None;
                return;
            }
        };
        self.end_state = None;
        match outcome(&self.scene, &self.sim, Some(&last)) {
            Ok(o) => {
                if let Some(colors) = &o.coloring.colors {
                    self.renderer.set_particle_colors(gpu, &self.sim, colors);
                }
                (self.coloring, self.basins) = (o.coloring, o.basins);
                (self.start_maps, self.insets) = (o.start_maps, o.insets);
            }
            Err(e) => log::error!("{e:#}"),
        }
    }

    /// [`Self::draw`] through another renderer of this world, e.g. one at a recording's size
    /// (see [`Self::renderer_at`]). `overlay` should be that renderer's own: a change of
    /// text scale rebuilds an overlay's glyph atlas.
    pub fn draw_on<'r>(
        &self,
        gpu: &Gpu,
        renderer: &'r mut Renderer,
        overlay: &mut Overlay,
        look: &Look,
    ) -> &'r wgpu::Texture {
        draw_frame(
            gpu,
            &self.scene,
            &self.sim,
            self.model.as_ref(),
            &self.coloring,
            &self.insets,
            &self.stats,
            &self.sweep,
            renderer,
            overlay,
            look,
        );
        renderer.target().texture()
    }

    /// A second renderer of this world (same surface, particles and colours) with its own
    /// size and settings: recordings at a chosen resolution from the window.
    pub fn renderer_at(&self, gpu: &Gpu, settings: &RenderSettings) -> Result<Renderer> {
        build_renderer(gpu, &self.scene, &self.mesh, &self.sim, &self.coloring, settings)
    }
}

/// The time a frame gives a model map in training.
const MAP_TRAINING_SLICE: std::time::Duration = std::time::Duration::from_millis(60);

/// How a frame is looked at: the camera (its `bottom_inset` is set per frame for the plot
/// strip), the step shown (fractional between steps) and the text scale.
#[derive(Clone, Copy, Debug)]
pub struct Look {
    pub camera: OrbitCamera,
    pub time: f64,
    pub pixels_per_point: f32,
}

/// A renderer of `sim` on `mesh`, its particles coloured as `coloring` says.
fn build_renderer(
    gpu: &Gpu,
    scene: &Scene,
    mesh: &SurfaceMesh,
    sim: &Simulation,
    coloring: &Coloring,
    settings: &RenderSettings,
) -> Result<Renderer> {
    // The scene's own axis names (a model scene's slice directions) over the defaults.
    let mut settings = settings.clone();
    if let Some(names) = &scene.view.axis_names {
        settings.axis_names = names.clone();
    }
    let mut renderer = Renderer::new(gpu, &scene.surface, mesh, sim, &settings)?;
    if let Some(colors) = &coloring.colors {
        renderer.set_particle_colors(gpu, sim, colors);
    } else if scene.has_sweep() {
        renderer.set_group_colors(gpu, sim, &crate::render::scene_group_colors(scene));
    }
    Ok(renderer)
}

#[allow(clippy::too_many_arguments)]
fn draw_frame(
    gpu: &Gpu,
    scene: &Scene,
    sim: &Simulation,
    model: Option<&ModelNotes>,
    coloring: &Coloring,
    insets: &[Inset],
    stats: &RefCell<Option<TrailStats>>,
    sweep: &RefCell<SweepView>,
    renderer: &mut Renderer,
    overlay: &mut Overlay,
    look: &Look,
) {
    let (w, h) = (renderer.settings().width, renderer.settings().height);
    let mut camera = look.camera;
    camera.bottom_inset = frame_strip_share(scene, sim, model, h);
    let frame = FrameState {
        camera: &camera,
        time: look.time as f32,
    };
    // Prepared before any drawing: what the overlay shows, with every readback it needs (the
    // sweep's maps, the plots' series from the trail or the statistics).
    // A model scene's starts are its initialisations, its surface a slice.
    let starts = if model.is_some() {
        "initialisations"
    } else {
        "starts"
    };
    let mut content = overlay_content(scene, look.time, Vec::new(), starts);
    if scene.view.layout == Some(crate::scene::Layout::Map) && scene.has_sweep() {
        // The map alone, the whole frame: no 3D view under it.
        let mut sweep = sweep.borrow_mut();
        sweep.update(gpu, scene, sim);
        content.legend.clear();
        content.starts.clear();
        content.insets = sweep.insets().iter().take(1).cloned().collect();
        content.subtitle = sweep.maps.first().map(|m| m.subtitle(scene.steps));
        if let Some(progress) = &sweep.progress {
            let line = content
                .subtitle
                .take()
                .map_or(progress.clone(), |s| format!("{s}; {progress}"));
            content.subtitle = Some(line);
        }
        content.full_inset = true;
        if let Some(text) = sweep.picked_text(scene) {
            content.status.push_str(&format!("   {text}"));
        }
        let view = renderer
            .target()
            .texture()
            .create_view(&wgpu::TextureViewDescriptor::default());
        crate::render::map_frame::clear_white(gpu, &view);
        overlay.draw(gpu, &view, [w, h], look.pixels_per_point, &content);
        return;
    }
    content.subtitle = model.map(|m| m.about.clone());
    if coloring.colors.is_some() {
        // Colours that say something else: the legend explains them (basins' shares, who
        // diverged), and the optimizers move to the status line.
        content.legend = coloring.legend.clone().unwrap_or_default();
        let names: Vec<String> = scene.optimizers.iter().map(|o| o.describe()).collect();
        content.status.push_str(&format!("   {}", names.join(", ")));
    }
    content.color_bar = coloring.bar.clone();
    if scene.has_sweep() {
        // The sweep's maps first: inset k is map k, for picking in the window.
        let mut sweep = sweep.borrow_mut();
        sweep.update(gpu, scene, sim);
        content.insets.extend(sweep.insets().iter().cloned());
        content.paths = sweep.screen_paths(renderer.plot_box(), &camera, [w, h], look.time);
        if let Some(text) = sweep.picked_text(scene) {
            content.status.push_str(&format!("   {text}"));
        }
    }
    content.insets.extend(coloring.inset.clone());
    content.insets.extend(insets.iter().cloned());
    content.plots = match model {
        Some(model) => {
            let up_to = (look.time.max(0.0).floor() as u32).min(scene.steps);
            let mut plots = vec![model.losses.plot(up_to, scene.steps)];
            if let Some(view) = &model.data_view {
                plots.extend(view.accuracy_plot(up_to, scene.steps));
                content.insets.extend(view.insets(up_to));
            }
            plots
        }
        None => plots_for_frame(gpu, scene, sim, look.time, stats.borrow_mut().as_mut()),
    };

    // Then the layers in order: static (with the strip plots' translucent grounds, laid out
    // by the last frame's overlay; the first frame paints them itself) and moving...
    let grounds = overlay.next_grounds([w, h], look.pixels_per_point);
    let key = grounds.key();
    renderer.render_with(gpu, sim, &frame, key, &mut |gpu, texture| {
        overlay.paint_grounds(gpu, texture, &grounds)
    });
    overlay.set_grounds_in_static(if key == 0 { Default::default() } else { grounds });
    // ...and the overlay, with the axis labels and lines of the static layer just built.
    content.labels = renderer.axis_labels().to_vec();
    content.axis_lines = renderer.axis_lines().to_vec();
    let view = renderer
        .target()
        .texture()
        .create_view(&wgpu::TextureViewDescriptor::default());
    overlay.draw(gpu, &view, [w, h], look.pixels_per_point, &content);
}

/// The plot strip's share of a frame `height_px` tall: a model scene always has its loss plot.
fn frame_strip_share(scene: &Scene, sim: &Simulation, model: Option<&ModelNotes>, height_px: u32) -> f32 {
    match model {
        Some(_) => crate::render::overlay::strip_share(height_px),
        None => strip_share(scene, sim.particle_count(), height_px),
    }
}

/// A start map as an overlay inset, named after its optimizer.
fn map_inset(scene: &Scene, map: &StartMap) -> Inset {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let d = &scene.surface.domain;
    Inset {
        id: 0x5a27_0000_0000 + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        title: format!("start map: {}", map.optimizer),
        image: std::sync::Arc::new(map.image.clone()),
        x_range: [short_number(d.x[0]), short_number(d.x[1])],
        y_range: [short_number(d.y[0]), short_number(d.y[1])],
    }
}
