//! A scene made ready to draw: its simulation, mesh and renderer, built the same way for the
//! window and for `descent render` so both show the same thing.

use anyhow::{Context, Result};

use crate::basins::Basins;
use crate::camera::OrbitCamera;
use crate::coloring::{Coloring, needs_final_state};
use crate::gpu::Gpu;
use crate::gpu::memory::AdapterMemory;
use crate::gpu::mesh::SurfaceMesh;
use crate::gpu::sim::{PARTICLE_BYTES, SimSetup, Simulation, TrailPlan};
use crate::render::legend::overlay_content;
use crate::render::overlay::Overlay;
use crate::render::plots::{plots_for_frame, strip_share};
use crate::render::{FrameState, RenderSettings, Renderer};
use crate::scene::Scene;

/// Trail memory a scene of `particles` may use: what descent may use of the adapter's memory
/// ([`AdapterMemory::usable`]) after the particles' own state. Whole paths fit while they
/// fit there; longer runs are decimated (and said so).
pub fn trail_budget(gpu: &Gpu, particles: u64) -> u64 {
    AdapterMemory::of(gpu)
        .usable()
        .saturating_sub(particles * PARTICLE_BYTES)
}

pub struct World {
    pub sim: Simulation,
    pub mesh: SurfaceMesh,
    pub renderer: Renderer,
    pub trail: TrailPlan,
    pub particles: u64,
    /// Where each particle ends, for scenes coloured by basin.
    pub basins: Option<Basins>,
    /// What the particles' colours say, and the key.
    pub coloring: Coloring,
}

impl World {
    /// Validates the scene, refuses particle counts the adapter cannot hold before any GPU
    /// work, and builds everything. A scene coloured by what happens at the end (basin, final
    /// loss, steps to converge) is simulated to its end once first, then reset.
    pub fn new(gpu: &Gpu, scene: &Scene, settings: &RenderSettings) -> Result<Self> {
        scene.validate().map_err(anyhow::Error::msg)?;
        let starts = scene.start_points();
        let n = starts.len() as u64 * scene.optimizers.len() as u64;
        let limits = gpu.device.limits();
        Simulation::check_fits(gpu, n)?;
        let trail = TrailPlan::whole_history(&limits, n, scene.steps, trail_budget(gpu, n))
            .with_context(|| format!("{n} particles leave no room for trails in GPU memory"))?;
        let mut sim = Simulation::new(gpu, &SimSetup::for_scene(scene, &starts, trail))?;
        let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1])?;
        let last = if needs_final_state(scene.view.color_by) {
            sim.advance_to(gpu, sim.max_steps());
            let last = sim.read_particles(gpu)?;
            sim.reset(gpu);
            Some(last)
        } else {
            None
        };
        let mut coloring = Coloring::new(
            scene.view.color_by,
            sim.initial_particles(),
            last.as_deref(),
            &scene.surface.minima,
            &scene.surface.domain,
        );
        let basins = coloring.basins.take();
        let renderer = build_renderer(gpu, scene, &mesh, &sim, &coloring, settings)?;
        Ok(Self {
            sim,
            mesh,
            renderer,
            trail,
            particles: n,
            basins,
            coloring,
        })
    }

    /// Draws the whole frame (the 3D view above the plot strip, then legend, axis labels
    /// and plots) into the world's renderer and returns its texture: what `descent render`
    /// writes and the window shows. The simulation must be at `ceil(look.time)`.
    pub fn draw(&mut self, gpu: &Gpu, scene: &Scene, overlay: &mut Overlay, look: &Look) -> &wgpu::Texture {
        draw_frame(
            gpu,
            scene,
            &self.sim,
            &self.coloring,
            &mut self.renderer,
            overlay,
            look,
        );
        self.renderer.target().texture()
    }

    /// [`Self::draw`] through another renderer of this world, e.g. one at a recording's size
    /// (see [`Self::renderer_at`]). `overlay` should be that renderer's own: a change of
    /// text scale rebuilds an overlay's glyph atlas.
    pub fn draw_on<'r>(
        &self,
        gpu: &Gpu,
        renderer: &'r mut Renderer,
        scene: &Scene,
        overlay: &mut Overlay,
        look: &Look,
    ) -> &'r wgpu::Texture {
        draw_frame(gpu, scene, &self.sim, &self.coloring, renderer, overlay, look);
        renderer.target().texture()
    }

    /// A second renderer of this world (same surface, particles and colours) with its own
    /// size and settings: recordings at a chosen resolution from the window.
    pub fn renderer_at(&self, gpu: &Gpu, scene: &Scene, settings: &RenderSettings) -> Result<Renderer> {
        build_renderer(gpu, scene, &self.mesh, &self.sim, &self.coloring, settings)
    }
}

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
    let mut renderer = Renderer::new(gpu, &scene.surface, mesh, sim, settings)?;
    if let Some(colors) = &coloring.colors {
        renderer.set_particle_colors(gpu, sim, colors);
    }
    Ok(renderer)
}

fn draw_frame(
    gpu: &Gpu,
    scene: &Scene,
    sim: &Simulation,
    coloring: &Coloring,
    renderer: &mut Renderer,
    overlay: &mut Overlay,
    look: &Look,
) {
    let (w, h) = (renderer.settings().width, renderer.settings().height);
    let mut camera = look.camera;
    camera.bottom_inset = strip_share(scene, sim.particle_count(), h);
    let frame = FrameState {
        camera: &camera,
        time: look.time as f32,
    };
    renderer.render(gpu, sim, &frame);
    let mut content = overlay_content(scene, look.time, renderer.axis_labels().to_vec());
    if coloring.colors.is_some() {
        // Colours that say something else: the legend explains them (basins' shares, who
        // diverged), and the optimizers move to the status line.
        content.legend = coloring.legend.clone().unwrap_or_default();
        let names: Vec<String> = scene.optimizers.iter().map(|o| o.describe()).collect();
        content.status.push_str(&format!("   {}", names.join(", ")));
    }
    content.color_bar = coloring.bar.clone();
    content.insets.extend(coloring.inset.clone());
    content.plots = plots_for_frame(gpu, scene, sim, look.time);
    let view = renderer
        .target()
        .texture()
        .create_view(&wgpu::TextureViewDescriptor::default());
    overlay.draw(gpu, &view, [w, h], look.pixels_per_point, &content);
}
