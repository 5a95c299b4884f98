//! A scene made ready to draw: its simulation, mesh and renderer, built the same way for the
//! window and for `descent render` so both show the same thing.

use anyhow::{Context, Result};

use crate::basins::Basins;
use crate::gpu::Gpu;
use crate::gpu::mesh::SurfaceMesh;
use crate::gpu::sim::{SimSetup, Simulation, TrailPlan};
use crate::render::style::OverlayContent;
use crate::render::{RenderSettings, Renderer};
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
        let mut renderer = Renderer::new(gpu, &scene.surface, &mesh, &sim, settings)?;
        let basins = match scene.view.color_by {
            ColorBy::Optimizer => None,
            ColorBy::Basin => {
                sim.advance_to(gpu, sim.max_steps());
                let last = sim.read_particles(gpu)?;
                sim.reset(gpu);
                let basins = Basins::classify(&last, &scene.surface.minima, &scene.surface.domain);
                renderer.set_particle_colors(gpu, &sim, &basins.particle_colors());
                Some(basins)
            }
        };
        Ok(Self {
            sim,
            mesh,
            renderer,
            trail,
            particles: n,
            basins,
        })
    }

    /// A basin-coloured scene's legend names the minima instead of the optimizers, which move
    /// to the status line.
    pub fn annotate(&self, scene: &Scene, content: &mut OverlayContent) {
        if let Some(basins) = &self.basins {
            content.legend = basins.legend();
            let names: Vec<String> = scene.optimizers.iter().map(|o| o.describe()).collect();
            content.status.push_str(&format!("   {}", names.join(", ")));
        }
    }
}
