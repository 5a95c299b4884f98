//! A scene made ready to draw: its simulation, mesh and renderer, built the same way for the
//! window and for `descent render` so both show the same thing.

use anyhow::{Context, Result};

use crate::basins::Basins;
use crate::camera::OrbitCamera;
use crate::gpu::Gpu;
use crate::gpu::mesh::SurfaceMesh;
use crate::gpu::sim::{SimSetup, Simulation, TrailPlan};
use crate::render::legend::overlay_content;
use crate::render::overlay::Overlay;
use crate::render::plots::{plots_for_frame, strip_share};
use crate::render::{FrameState, RenderSettings, Renderer};
use crate::scene::{ColorBy, Scene};

/// Trail memory a scene may use: whole paths for 10,000 particles x 200 steps fit easily;
/// more is decimated (and said so).
pub const TRAIL_BUDGET_BYTES: u64 = 256 << 20;

pub struct World {
    pub sim: Simulation,
    pub mesh: SurfaceMesh,
    pub renderer: Renderer,
    pub trail: TrailPlan,
    pub particles: u64,
    /// Where each particle ends, for scenes coloured by basin.
    pub basins: Option<Basins>,
}

impl World {
    /// Validates the scene, refuses particle counts the adapter cannot hold before any GPU
    /// work, and builds everything. A scene coloured by basin is simulated to its end once
    /// first (to learn where each particle goes), then reset.
    pub fn new(gpu: &Gpu, scene: &Scene, settings: &RenderSettings) -> Result<Self> {
        scene.validate().map_err(anyhow::Error::msg)?;
        let starts = scene.start_points();
        let n = starts.len() as u64 * scene.optimizers.len() as u64;
        let limits = gpu.device.limits();
        Simulation::check_fits(&limits, n)?;
        let trail = TrailPlan::whole_history(&limits, n, scene.steps, TRAIL_BUDGET_BYTES)
            .with_context(|| format!("{n} particles leave no room for trails in GPU memory"))?;
        let mut sim = Simulation::new(gpu, &SimSetup::for_scene(scene, &starts, trail))?;
        let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1])?;
        let basins = match scene.view.color_by {
            ColorBy::Optimizer => None,
            ColorBy::Basin => {
                sim.advance_to(gpu, sim.max_steps());
                let last = sim.read_particles(gpu)?;
                sim.reset(gpu);
                Some(Basins::classify(
                    &last,
                    &scene.surface.minima,
                    &scene.surface.domain,
                ))
            }
        };
        let renderer = build_renderer(gpu, scene, &mesh, &sim, basins.as_ref(), settings)?;
        Ok(Self {
            sim,
            mesh,
            renderer,
            trail,
            particles: n,
            basins,
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
            self.basins.as_ref(),
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
        draw_frame(
            gpu,
            scene,
            &self.sim,
            self.basins.as_ref(),
            renderer,
            overlay,
            look,
        );
        renderer.target().texture()
    }

    /// A second renderer of this world (same surface, particles and colours) with its own
    /// size and settings: recordings at a chosen resolution from the window.
    pub fn renderer_at(&self, gpu: &Gpu, scene: &Scene, settings: &RenderSettings) -> Result<Renderer> {
        build_renderer(gpu, scene, &self.mesh, &self.sim, self.basins.as_ref(), settings)
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

/// A renderer of `sim` on `mesh`, its particles in their basin's colour when there are basins.
fn build_renderer(
    gpu: &Gpu,
    scene: &Scene,
    mesh: &SurfaceMesh,
    sim: &Simulation,
    basins: Option<&Basins>,
    settings: &RenderSettings,
) -> Result<Renderer> {
    let mut renderer = Renderer::new(gpu, &scene.surface, mesh, sim, settings)?;
    if let Some(basins) = basins {
        renderer.set_particle_colors(gpu, sim, &basins.particle_colors());
    }
    Ok(renderer)
}

fn draw_frame(
    gpu: &Gpu,
    scene: &Scene,
    sim: &Simulation,
    basins: Option<&Basins>,
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
    if let Some(basins) = basins {
        // A basin-coloured scene's legend names the minima; the optimizers move to the
        // status line.
        content.legend = basins.legend();
        let names: Vec<String> = scene.optimizers.iter().map(|o| o.describe()).collect();
        content.status.push_str(&format!("   {}", names.join(", ")));
    }
    content.plots = plots_for_frame(gpu, scene, sim, look.time);
    let view = renderer
        .target()
        .texture()
        .create_view(&wgpu::TextureViewDescriptor::default());
    overlay.draw(gpu, &view, [w, h], look.pixels_per_point, &content);
}
