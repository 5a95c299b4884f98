//! Lines: every particle's trail, read from the simulation's ring buffer, and the axes'
//! world-space segments and panes.
//!
//! A trail segment is an indexed quad (quad = segment * particles + particle, see
//! `render::quads`); the vertex shader (`shaders/lines.wgsl`) fetches its two points and their
//! neighbours from the ring, clips to the plot box, lifts the points a little towards the eye
//! (so a path on the surface wins the depth test but a hill in front still hides it), and
//! widens the segment in screen space with mitred joins and an anti-aliasing margin. The draw
//! is a few calls per chunk: the CPU only computes the quad count.

use crate::gpu::Gpu;
use crate::gpu::sim::Simulation;
use crate::render::RenderError;
use crate::render::axes::AxesGeometry;
use crate::render::gpu_data::{FillVertex, LineSegment};
use crate::render::particles::ParticleBindings;
use crate::render::pipeline::{ALPHA_BLEND, PipelineSpec, render_pipeline, shader, storage_entry};
use crate::render::quads::QuadIndices;
use crate::render::target::TargetFormats;

/// Room for the axes' segments (3 panes x 2 axes x 6 ticks, 3 axes x (1 + 6)) with margin.
const MAX_AXES_SEGMENTS: u64 = 128;
const PANE_VERTICES: u64 = 18;

pub struct LineRenderer {
    trail_pipeline: wgpu::RenderPipeline,
    halo_pipeline: wgpu::RenderPipeline,
    segment_pipeline: wgpu::RenderPipeline,
    fill_pipeline: wgpu::RenderPipeline,
    axes_bind_group: wgpu::BindGroup,
    segment_buffer: wgpu::Buffer,
    fill_buffer: wgpu::Buffer,
    /// Indices of the quads every segment is drawn as.
    quads: QuadIndices,
    segment_count: u32,
    fill_count: u32,
    trail_capacity: u32,
    record_every: u32,
}

impl LineRenderer {
    /// Axes draw in the static layer (`static_formats`), trails in the moving one.
    pub fn new(
        gpu: &Gpu,
        static_formats: &TargetFormats,
        moving_formats: &TargetFormats,
        frame_layout: &wgpu::BindGroupLayout,
        particle_layout: &wgpu::BindGroupLayout,
        sim: &Simulation,
        surface_wgsl: &str,
    ) -> Result<Self, RenderError> {
        let module = shader(gpu, "lines.shader", crate::shaders::lines_source(surface_wgsl));
        let axes_layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("axes.layout"),
                entries: &[storage_entry(3)],
            });
        let lines = |label, vs, fs, layout, compare, formats| {
            render_pipeline(
                gpu,
                formats,
                &PipelineSpec {
                    label,
                    module: &module,
                    vs,
                    fs,
                    layouts: &[frame_layout, layout],
                    buffers: &[],
                    topology: wgpu::PrimitiveTopology::TriangleList,
                    blend: Some(ALPHA_BLEND),
                    depth_write: false,
                    depth_compare: compare,
                    write_mask: wgpu::ColorWrites::ALL,
                },
            )
        };
        let trail_pipeline = lines(
            "trails.pipeline",
            "vs_trail",
            "fs_line",
            particle_layout,
            wgpu::CompareFunction::LessEqual,
            moving_formats,
        );
        let halo_pipeline = lines(
            "trails.halo.pipeline",
            "vs_trail",
            "fs_halo",
            particle_layout,
            wgpu::CompareFunction::LessEqual,
            moving_formats,
        );
        let segment_pipeline = lines(
            "axes.lines.pipeline",
            "vs_segment",
            "fs_line",
            &axes_layout,
            wgpu::CompareFunction::Always,
            static_formats,
        );
        let fill_attributes = wgpu::vertex_attr_array![0 => Float32x4, 1 => Float32x4];
        let fill_pipeline = render_pipeline(
            gpu,
            static_formats,
            &PipelineSpec {
                label: "axes.panes.pipeline",
                module: &module,
                vs: "vs_fill",
                fs: "fs_fill",
                layouts: &[frame_layout],
                buffers: &[Some(wgpu::VertexBufferLayout {
                    array_stride: size_of::<FillVertex>() as u64,
                    step_mode: wgpu::VertexStepMode::Vertex,
                    attributes: &fill_attributes,
                })],
                topology: wgpu::PrimitiveTopology::TriangleList,
                blend: None,
                depth_write: false,
                depth_compare: wgpu::CompareFunction::Always,
                write_mask: wgpu::ColorWrites::ALL,
            },
        );
        let segment_buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("axes.segments"),
            size: MAX_AXES_SEGMENTS * size_of::<LineSegment>() as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let fill_buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("axes.panes"),
            size: PANE_VERTICES * size_of::<FillVertex>() as u64,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let axes_bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("axes.bind_group"),
            layout: &axes_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 3,
                resource: segment_buffer.as_entire_binding(),
            }],
        });
        let plan = sim.trail_plan();
        Ok(Self {
            trail_pipeline,
            halo_pipeline,
            segment_pipeline,
            fill_pipeline,
            axes_bind_group,
            segment_buffer,
            fill_buffer,
            quads: QuadIndices::new(gpu),
            segment_count: 0,
            fill_count: 0,
            trail_capacity: plan.capacity,
            record_every: plan.record_every.max(1),
        })
    }

    pub fn trail_capacity(&self) -> u32 {
        self.trail_capacity
    }

    pub fn record_every(&self) -> u32 {
        self.record_every
    }

    /// Uploads this frame's axes (None: no axes).
    pub fn prepare_axes(&mut self, gpu: &Gpu, axes: Option<&AxesGeometry>) {
        let Some(axes) = axes else {
            self.segment_count = 0;
            self.fill_count = 0;
            return;
        };
        let segments = &axes.segments[..axes.segments.len().min(MAX_AXES_SEGMENTS as usize)];
        let fills = &axes.fills[..axes.fills.len().min(PANE_VERTICES as usize)];
        if !segments.is_empty() {
            gpu.queue
                .write_buffer(&self.segment_buffer, 0, bytemuck::cast_slice(segments));
        }
        if !fills.is_empty() {
            gpu.queue
                .write_buffer(&self.fill_buffer, 0, bytemuck::cast_slice(fills));
        }
        self.segment_count = segments.len() as u32;
        self.fill_count = fills.len() as u32;
    }

    pub fn draw_axes(&self, pass: &mut wgpu::RenderPass<'_>) {
        if self.fill_count > 0 {
            pass.set_pipeline(&self.fill_pipeline);
            pass.set_vertex_buffer(0, self.fill_buffer.slice(..));
            pass.draw(0..self.fill_count, 0..1);
        }
        if self.segment_count > 0 {
            pass.set_pipeline(&self.segment_pipeline);
            pass.set_bind_group(1, &self.axes_bind_group, &[]);
            self.quads.draw(pass, u64::from(self.segment_count));
        }
    }

    /// `segments` per particle, from the frame's trail window; with `halo`, every trail's
    /// halo first, then the lines over them.
    /// Every particle's trail of `segments` segments, halos first when asked.
    pub fn draw_trails(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        particles: &ParticleBindings,
        segments: u32,
        halo: bool,
    ) {
        if segments == 0 || self.trail_capacity == 0 {
            return;
        }
        if halo {
            pass.set_pipeline(&self.halo_pipeline);
            particles.draw_quads(pass, &self.quads, segments);
        }
        pass.set_pipeline(&self.trail_pipeline);
        particles.draw_quads(pass, &self.quads, segments);
    }
}
