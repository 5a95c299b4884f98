//! Markers: SDF-shaded billboards for the start points (one shape per start index, white with
//! a black outline, like the blog post's square and circle), the surface's known global
//! minima (gold stars), and the particles' moving heads (optimizer colour; a ring once
//! converged, a red cross once diverged), read from the simulation's buffers on the GPU.
//!
//! With many starts the start markers become small grey dots (up to [`MAX_START_DOTS`]) and
//! then are skipped; heads shrink to small plain dots ([`crate::render::head_size`]).

use wgpu::util::DeviceExt;

use crate::gpu::Gpu;
use crate::gpu::sim::Simulation;
use crate::render::RenderError;
use crate::render::gpu_data::{MarkerInstance, SHAPE_DOT};
use crate::render::overlay::style::{MarkerShape, srgb_to_linear};
use crate::render::particles::ParticleBindings;
use crate::render::pipeline::{ALPHA_BLEND, PipelineSpec, render_pipeline, shader, storage_entry};
use crate::render::plot_box::PlotBox;
use crate::render::quads::QuadIndices;
use crate::render::target::TargetFormats;
use crate::surfaces::Surface;

/// Up to this many starts get their own shapes.
pub const MAX_START_SHAPES: usize = 32;
/// Up to this many starts are drawn as dots; beyond, not at all (the heads show the swarm).
pub const MAX_START_DOTS: usize = 2000;

/// Start and minimum markers for a scene.
/// With `start_dots` false, many starts are not drawn as dots (a density layer shows where
/// the swarm began).
pub fn static_markers(
    surface: &Surface,
    plot: &PlotBox,
    sim: &Simulation,
    ui_scale: f32,
    start_dots: bool,
) -> Vec<MarkerInstance> {
    let starts = &sim.initial_particles()[..sim.starts_per_group() as usize];
    let mut out = Vec::new();
    let black = [0.0, 0.0, 0.0, 1.0];
    if starts.len() <= MAX_START_SHAPES {
        for (i, p) in starts.iter().enumerate() {
            out.push(MarkerInstance {
                position: [p.pos[0], p.pos[1], p.loss],
                size_px: 12.0 * ui_scale,
                fill: [1.0, 1.0, 1.0, 1.0],
                outline: black,
                shape: MarkerShape::for_start(i).code(),
                outline_px: 1.6 * ui_scale,
                _pad: [0.0; 2],
            });
        }
    } else if start_dots && starts.len() <= MAX_START_DOTS {
        let grey = srgb_to_linear([60, 60, 60, 200]);
        for p in starts {
            out.push(MarkerInstance {
                position: [p.pos[0], p.pos[1], p.loss],
                size_px: 3.0 * ui_scale,
                fill: grey,
                outline: grey,
                shape: SHAPE_DOT,
                outline_px: 0.0,
                _pad: [0.0; 2],
            });
        }
    }
    // Gold, unlike any optimizer colour (tab10), on any colormap.
    let gold = srgb_to_linear([255, 204, 0, 255]);
    let dark = srgb_to_linear([60, 40, 0, 255]);
    for m in &surface.minima {
        let loss = surface.value(*m);
        let inside = m[0] >= plot.min.x && m[0] <= plot.max.x && m[1] >= plot.min.y && m[1] <= plot.max.y;
        if loss.is_finite() && inside {
            out.push(MarkerInstance {
                position: [m[0] as f32, m[1] as f32, loss as f32],
                size_px: 18.0 * ui_scale,
                fill: gold,
                outline: dark,
                shape: MarkerShape::Star.code(),
                outline_px: 1.4 * ui_scale,
                _pad: [0.0; 2],
            });
        }
    }
    // Unwritten instances are never drawn; keep the buffer non-empty for the binding.
    out
}

pub struct MarkerRenderer {
    static_pipeline: wgpu::RenderPipeline,
    head_pipeline: wgpu::RenderPipeline,
    static_bind_group: wgpu::BindGroup,
    static_count: u32,
    /// Indices of the quads every marker is drawn as.
    quads: QuadIndices,
}

impl MarkerRenderer {
    pub fn new(
        gpu: &Gpu,
        formats: &TargetFormats,
        frame_layout: &wgpu::BindGroupLayout,
        particle_layout: &wgpu::BindGroupLayout,
        surface_wgsl: &str,
        statics: &[MarkerInstance],
    ) -> Result<Self, RenderError> {
        let module = shader(
            gpu,
            "markers.shader",
            crate::shaders::markers_source(surface_wgsl),
        );
        let static_layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("markers.static.layout"),
                entries: &[storage_entry(4)],
            });
        let pipeline = |label, vs, layout| {
            render_pipeline(
                gpu,
                formats,
                &PipelineSpec {
                    label,
                    module: &module,
                    vs,
                    fs: "fs_marker",
                    layouts: &[frame_layout, layout],
                    buffers: &[],
                    topology: wgpu::PrimitiveTopology::TriangleList,
                    blend: Some(ALPHA_BLEND),
                    depth_write: false,
                    depth_compare: wgpu::CompareFunction::LessEqual,
                    write_mask: wgpu::ColorWrites::ALL,
                },
            )
        };
        let static_pipeline = pipeline("markers.static.pipeline", "vs_static", &static_layout);
        let head_pipeline = pipeline("markers.heads.pipeline", "vs_head", particle_layout);
        let placeholder = [MarkerInstance::default()];
        let contents: &[MarkerInstance] = if statics.is_empty() { &placeholder } else { statics };
        let buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("markers.static"),
            contents: bytemuck::cast_slice(contents),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let static_bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("markers.static.bind_group"),
            layout: &static_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 4,
                resource: buffer.as_entire_binding(),
            }],
        });
        Ok(Self {
            static_pipeline,
            head_pipeline,
            static_bind_group,
            static_count: statics.len() as u32,
            quads: QuadIndices::new(gpu),
        })
    }

    /// Start points and minima, then (with `heads`) every particle's head on top.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>, heads: Option<&ParticleBindings>) {
        if self.static_count > 0 {
            pass.set_pipeline(&self.static_pipeline);
            pass.set_bind_group(1, &self.static_bind_group, &[]);
            self.quads.draw(pass, u64::from(self.static_count));
        }
        if let Some(particles) = heads {
            pass.set_pipeline(&self.head_pipeline);
            particles.draw_quads(pass, &self.quads, 1);
        }
    }
}
