//! The density layer: many particles' trails and heads accumulated into float targets and
//! tone-mapped (see `shaders/density.wgsl`, `density_stats.wgsl` and `tonemap.wgsl`), so a
//! million paths read as where particles went and how many, instead of one opaque blob.
//!
//! Incremental: the trail target keeps what it has accumulated while the camera, size and
//! colours stay the same, and each frame adds only the segments recorded since (and, for a
//! trail of fixed length, subtracts those that left it), so a fixed-camera video of a million
//! particles costs a million segments per frame, not a million times the steps so far. A
//! change of camera rebuilds it; with a segment budget (the window) a rebuild too large for
//! one frame skips records evenly (chords) rather than stalling. The segment from the last
//! whole record to the interpolated head is added for the frame and subtracted after it, so
//! the trail always reaches the head. Heads are accumulated anew every frame, one point each
//! at a fraction of the frame's resolution (a CPU adapter shades a few million vertices a
//! second, so six per head would cost a million heads over a second), and the tone map
//! upsamples them bilinearly into soft dots.

mod plan;

pub use plan::*;

use crate::gpu::Gpu;
use crate::gpu::pipeline::{buffer_entry, compute_pipeline, texture_entry, uniform_entry};
use crate::render::DensityScale;
use crate::render::RenderError;
use crate::render::gpu_data::{DensityDraw, DensityLook};
use crate::render::particles::ParticleBindings;
use crate::render::pipeline::{
    ADDITIVE_BLEND, ALPHA_BLEND, PipelineSpec, SUBTRACTIVE_BLEND, render_pipeline, shader,
};
use crate::render::surface::SurfaceRenderer;
use crate::render::target::{DEPTH_FORMAT, TargetFormats};

/// Histogram bins of the eq_hist transfer (`BINS` in `shaders/density_stats.wgsl`).
const BINS: u64 = 1024;
/// max_bits, nonzero, two words of padding, the histogram, the cumulative shares.
const STATS_BYTES: u64 = 16 + 2 * BINS * 4;

/// One accumulation draw's uniform and bind group.
struct DrawSlot {
    buffer: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

/// The per-size targets.
struct Targets {
    size: [u32; 2],
    head_block: u32,
    heads_depth_view: wgpu::TextureView,
    trails: wgpu::Texture,
    trails_view: wgpu::TextureView,
    heads_view: wgpu::TextureView,
    depth_view: wgpu::TextureView,
    trail_stats: wgpu::Buffer,
    head_stats: wgpu::Buffer,
    trail_stats_group: wgpu::BindGroup,
    head_stats_group: wgpu::BindGroup,
    tonemap_group: wgpu::BindGroup,
}

pub struct DensityRenderer {
    format: wgpu::TextureFormat,
    surface_depth: wgpu::RenderPipeline,
    segment_add: wgpu::RenderPipeline,
    segment_remove: wgpu::RenderPipeline,
    head_add: wgpu::RenderPipeline,
    stats_max: wgpu::ComputePipeline,
    stats_hist: wgpu::ComputePipeline,
    stats_cdf: wgpu::ComputePipeline,
    stats_layout: wgpu::BindGroupLayout,
    tonemap: wgpu::RenderPipeline,
    tonemap_layout: wgpu::BindGroupLayout,
    look_buffer: wgpu::Buffer,
    /// Add, remove, head segment, heads.
    draws: [DrawSlot; 4],
    targets: Option<Targets>,
    held: Option<Accumulated>,
    /// The layers the last prepared frame drew (for the tone map).
    layers: u32,
}

const ADD: usize = 0;
const REMOVE: usize = 1;
const HEAD_SEGMENT: usize = 2;
const HEADS: usize = 3;

impl DensityRenderer {
    pub fn new(
        gpu: &Gpu,
        main: &TargetFormats,
        frame_layout: &wgpu::BindGroupLayout,
        particle_layout: &wgpu::BindGroupLayout,
        surface: &SurfaceRenderer,
        surface_wgsl: &str,
    ) -> Result<Self, RenderError> {
        let format = accumulation_format(gpu);
        let formats = TargetFormats {
            color: format,
            depth: DEPTH_FORMAT,
            samples: 1,
        };
        let module = shader(
            gpu,
            "density.shader",
            crate::shaders::density_source(surface_wgsl),
        );
        let draw_layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("density.draw.layout"),
                entries: &[buffer_entry(
                    0,
                    wgpu::ShaderStages::VERTEX,
                    wgpu::BufferBindingType::Storage { read_only: true },
                    None,
                )],
            });
        let accumulate = |label, vs, topology, blend| {
            render_pipeline(
                gpu,
                &formats,
                &PipelineSpec {
                    label,
                    module: &module,
                    vs,
                    fs: "fs_density",
                    layouts: &[frame_layout, particle_layout, &draw_layout],
                    buffers: &[],
                    topology,
                    blend: Some(blend),
                    depth_write: false,
                    depth_compare: wgpu::CompareFunction::LessEqual,
                    write_mask: wgpu::ColorWrites::ALL,
                },
            )
        };
        let segment_add = accumulate(
            "density.segments.add",
            "vs_density_segment",
            wgpu::PrimitiveTopology::LineList,
            ADDITIVE_BLEND,
        );
        let segment_remove = accumulate(
            "density.segments.remove",
            "vs_density_segment",
            wgpu::PrimitiveTopology::LineList,
            SUBTRACTIVE_BLEND,
        );
        let head_add = accumulate(
            "density.heads",
            "vs_density_head",
            wgpu::PrimitiveTopology::PointList,
            ADDITIVE_BLEND,
        );
        let surface_depth = surface.depth_pipeline(gpu, &formats, frame_layout);

        let stats_module = shader(
            gpu,
            "density.stats.shader",
            crate::shaders::density_stats_source(),
        );
        let stats_layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("density.stats.layout"),
                entries: &[
                    texture_entry(0, wgpu::ShaderStages::COMPUTE, false),
                    buffer_entry(
                        1,
                        wgpu::ShaderStages::COMPUTE,
                        wgpu::BufferBindingType::Storage { read_only: false },
                        Some(STATS_BYTES),
                    ),
                ],
            });
        let compute = |entry: &str| compute_pipeline(gpu, entry, &stats_module, &stats_layout, entry);
        let (stats_max, stats_hist, stats_cdf) =
            (compute("stats_max"), compute("stats_hist"), compute("stats_cdf"));

        let tonemap_module = shader(gpu, "density.tonemap.shader", crate::shaders::tonemap_source());
        let read_stats = |binding| {
            buffer_entry(
                binding,
                wgpu::ShaderStages::FRAGMENT,
                wgpu::BufferBindingType::Storage { read_only: true },
                Some(STATS_BYTES),
            )
        };
        let tonemap_layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("density.tonemap.layout"),
                entries: &[
                    texture_entry(0, wgpu::ShaderStages::FRAGMENT, false),
                    texture_entry(1, wgpu::ShaderStages::FRAGMENT, false),
                    read_stats(2),
                    read_stats(3),
                    uniform_entry(4, wgpu::ShaderStages::FRAGMENT, None),
                ],
            });
        let tonemap = render_pipeline(
            gpu,
            main,
            &PipelineSpec {
                label: "density.tonemap",
                module: &tonemap_module,
                vs: "vs_fullscreen",
                fs: "fs_tonemap",
                layouts: &[frame_layout, &tonemap_layout],
                buffers: &[],
                topology: wgpu::PrimitiveTopology::TriangleList,
                blend: Some(ALPHA_BLEND),
                depth_write: false,
                depth_compare: wgpu::CompareFunction::Always,
                write_mask: wgpu::ColorWrites::ALL,
            },
        );
        let look_buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("density.look"),
            size: size_of::<DensityLook>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let slot = |label| {
            let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size_of::<DensityDraw>() as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &draw_layout,
                entries: &[wgpu::BindGroupEntry {
                    binding: 0,
                    resource: buffer.as_entire_binding(),
                }],
            });
            DrawSlot { buffer, bind_group }
        };
        Ok(Self {
            format,
            surface_depth,
            segment_add,
            segment_remove,
            head_add,
            stats_max,
            stats_hist,
            stats_cdf,
            stats_layout,
            tonemap,
            tonemap_layout,
            look_buffer,
            draws: [
                slot("density.draw.add"),
                slot("density.draw.remove"),
                slot("density.draw.head_segment"),
                slot("density.draw.heads"),
            ],
            targets: None,
            held: None,
            layers: 0,
        })
    }

    /// Forgets the accumulated trails (the simulation restarted or changed under them).
    pub fn invalidate(&mut self) {
        self.held = None;
    }

    fn ensure_targets(&mut self, gpu: &Gpu, size: [u32; 2], head_block: u32) {
        if self
            .targets
            .as_ref()
            .is_some_and(|t| t.size == size && t.head_block == head_block)
        {
            return;
        }
        self.held = None;
        let full = wgpu::Extent3d {
            width: size[0],
            height: size[1],
            depth_or_array_layers: 1,
        };
        let low = wgpu::Extent3d {
            width: size[0].div_ceil(head_block),
            height: size[1].div_ceil(head_block),
            depth_or_array_layers: 1,
        };
        let texture = |label, extent, format, usage| {
            gpu.device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: extent,
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage,
                view_formats: &[],
            })
        };
        let accum_usage = wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::COPY_SRC;
        let trails = texture("density.trails", full, self.format, accum_usage);
        let heads = texture("density.heads", low, self.format, accum_usage);
        let depth_usage = wgpu::TextureUsages::RENDER_ATTACHMENT;
        let depth = texture("density.depth", full, DEPTH_FORMAT, depth_usage);
        let heads_depth = texture("density.heads.depth", low, DEPTH_FORMAT, depth_usage);
        let stats = |label| {
            gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: STATS_BYTES,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let trail_stats = stats("density.trails.stats");
        let head_stats = stats("density.heads.stats");
        let trails_view = trails.create_view(&Default::default());
        let heads_view = heads.create_view(&Default::default());
        let stats_group = |view: &wgpu::TextureView, buffer: &wgpu::Buffer| {
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("density.stats.bind_group"),
                layout: &self.stats_layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: buffer.as_entire_binding(),
                    },
                ],
            })
        };
        let trail_stats_group = stats_group(&trails_view, &trail_stats);
        let head_stats_group = stats_group(&heads_view, &head_stats);
        let tonemap_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("density.tonemap.bind_group"),
            layout: &self.tonemap_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(&trails_view),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&heads_view),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: trail_stats.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: head_stats.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: self.look_buffer.as_entire_binding(),
                },
            ],
        });
        self.targets = Some(Targets {
            size,
            head_block,
            heads_depth_view: heads_depth.create_view(&Default::default()),
            trails,
            trails_view,
            heads_view,
            depth_view: depth.create_view(&Default::default()),
            trail_stats,
            head_stats,
            trail_stats_group,
            head_stats_group,
            tonemap_group,
        });
    }

    /// Records the accumulation and statistics of a frame into `encoder`, before the main
    /// pass that tone-maps them ([`Self::draw`]); [`Self::finish`] after it.
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        frame_group: &wgpu::BindGroup,
        surface: &SurfaceRenderer,
        particles: &ParticleBindings,
        particle_count: u32,
        frame: &DensityFrame,
    ) {
        self.ensure_targets(gpu, frame.key.size, frame.head_block.max(1));
        let w = frame.window;
        let has_trail = frame.trails && w.segments > 0 && w.source != 2;
        let mut layers = 0;
        if has_trail {
            let held = self
                .held
                .filter(|h| h.key == frame.key)
                .map(|h| (h.first, h.upto, h.stride));
            let plan = plan_accumulation(
                held,
                w.first,
                w.head,
                particle_count,
                frame.budget,
                frame.key.fade,
            );
            log::debug!(
                "density: records {}..={}, held {held:?}, plan {plan:?}",
                w.first,
                w.head
            );
            self.held = Some(Accumulated {
                key: frame.key,
                first: plan.holds.0,
                upto: plan.holds.1,
                stride: plan.stride,
            });
            self.accumulate_trails(gpu, encoder, frame_group, surface, particles, Some(&plan), frame);
            layers |= 1;
        } else {
            self.held = None;
        }
        if frame.heads {
            self.accumulate_heads(gpu, encoder, frame_group, surface, particles, frame);
            layers |= 2;
        }
        self.layers = layers;
        let targets = self.targets.as_ref().expect("targets made above");
        let look = DensityLook {
            scale: match frame.scale {
                DensityScale::EqHist => 0,
                DensityScale::Log => 1,
            },
            layers,
            _pad: [0; 2],
            trail_floor: 0.15,
            head_floor: 0.7,
            max_alpha: 0.94,
            head_shade: 0.45,
            trail_shade: 0.75,
            head_block: frame.head_block.max(1) as f32,
            _pad2: [0.0; 2],
        };
        gpu.queue
            .write_buffer(&self.look_buffer, 0, bytemuck::bytes_of(&look));
        let groups = [frame.key.size[0].div_ceil(16), frame.key.size[1].div_ceil(16)];
        for (on, buffer, group) in [
            (layers & 1 != 0, &targets.trail_stats, &targets.trail_stats_group),
            (layers & 2 != 0, &targets.head_stats, &targets.head_stats_group),
        ] {
            if !on {
                continue;
            }
            encoder.clear_buffer(buffer, 0, None);
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("density.stats"),
                timestamp_writes: None,
            });
            pass.set_bind_group(0, group, &[]);
            pass.set_pipeline(&self.stats_max);
            pass.dispatch_workgroups(groups[0], groups[1], 1);
            pass.set_pipeline(&self.stats_hist);
            pass.dispatch_workgroups(groups[0], groups[1], 1);
            pass.set_pipeline(&self.stats_cdf);
            pass.dispatch_workgroups(1, 1, 1);
        }
    }

    /// Tone-maps the layers over what the main pass has drawn so far.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>) {
        let Some(targets) = &self.targets else { return };
        if self.layers == 0 {
            return;
        }
        pass.set_pipeline(&self.tonemap);
        pass.set_bind_group(1, &targets.tonemap_group, &[]);
        pass.draw(0..3, 0..1);
    }

    /// After the main pass: takes the frame's head segments back out of the trail target.
    pub fn finish(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        frame_group: &wgpu::BindGroup,
        surface: &SurfaceRenderer,
        particles: &ParticleBindings,
        frame: &DensityFrame,
    ) {
        if self.layers & 1 == 0 {
            return;
        }
        self.accumulate_trails(gpu, encoder, frame_group, surface, particles, None, frame);
    }

    /// The trail target's pass: the surface's depth, then the plan's draws and the head
    /// segment; without a plan, the head segment alone, subtracted (after the frame).
    #[allow(clippy::too_many_arguments)]
    fn accumulate_trails(
        &self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        frame_group: &wgpu::BindGroup,
        surface: &SurfaceRenderer,
        particles: &ParticleBindings,
        plan: Option<&AccumulationPlan>,
        frame: &DensityFrame,
    ) {
        let targets = self.targets.as_ref().expect("targets made before accumulating");
        let held = self.held.expect("a trail plan was made");
        let fade = if frame.key.fade { 1.0 } else { 0.0 };
        let segments = |draw: &DensityDraw| {
            if draw.head_segment == 1 {
                1
            } else {
                (draw.last_record - draw.first_record).div_ceil(draw.stride.max(1))
            }
        };
        let head = DensityDraw {
            first_record: held.upto,
            stride: 1,
            last_record: held.upto,
            head_segment: 1,
            weight: 1.0,
            fade,
            head_px: 0.0,
            _pad: 0.0,
        };
        let range = |(from, to): (u32, u32), stride: u32| DensityDraw {
            first_record: from,
            stride,
            last_record: to,
            head_segment: 0,
            weight: 1.0,
            fade,
            head_px: 0.0,
            _pad: 0.0,
        };
        let mut draws: Vec<(usize, DensityDraw)> = Vec::new();
        if let Some(plan) = plan {
            if let Some(r) = plan.remove {
                draws.push((REMOVE, range(r, plan.stride)));
            }
            if let Some(r) = plan.add {
                draws.push((ADD, range(r, plan.stride)));
            }
        }
        draws.push((HEAD_SEGMENT, head));
        for (slot, draw) in &draws {
            gpu.queue
                .write_buffer(&self.draws[*slot].buffer, 0, bytemuck::bytes_of(draw));
        }
        let load = if plan.is_some_and(|p| p.clear) {
            wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT)
        } else {
            wgpu::LoadOp::Load
        };
        let mut pass = begin_accumulation(
            encoder,
            "density.trails",
            &targets.trails_view,
            load,
            &targets.depth_view,
        );
        pass.set_bind_group(0, frame_group, &[]);
        surface.draw_with(&mut pass, &self.surface_depth);
        for (slot, draw) in &draws {
            let pipeline = if *slot == REMOVE || plan.is_none() {
                &self.segment_remove
            } else {
                &self.segment_add
            };
            pass.set_pipeline(pipeline);
            pass.set_bind_group(2, &self.draws[*slot].bind_group, &[]);
            particles.draw(&mut pass, 2, segments(draw));
        }
    }

    fn accumulate_heads(
        &self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        frame_group: &wgpu::BindGroup,
        surface: &SurfaceRenderer,
        particles: &ParticleBindings,
        frame: &DensityFrame,
    ) {
        let targets = self.targets.as_ref().expect("targets made before accumulating");
        let draw = DensityDraw {
            weight: 1.0,
            head_px: frame.head_block.max(1) as f32,
            ..DensityDraw::default()
        };
        gpu.queue
            .write_buffer(&self.draws[HEADS].buffer, 0, bytemuck::bytes_of(&draw));
        let clear = wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT);
        let mut pass = begin_accumulation(
            encoder,
            "density.heads",
            &targets.heads_view,
            clear,
            &targets.heads_depth_view,
        );
        pass.set_bind_group(0, frame_group, &[]);
        surface.draw_with(&mut pass, &self.surface_depth);
        pass.set_pipeline(&self.head_add);
        pass.set_bind_group(2, &self.draws[HEADS].bind_group, &[]);
        particles.draw(&mut pass, 1, 1);
    }

    /// The trail accumulation texture (counts in alpha), for tests.
    pub fn trail_texture(&self) -> Option<&wgpu::Texture> {
        self.targets.as_ref().map(|t| &t.trails)
    }

    pub fn format(&self) -> wgpu::TextureFormat {
        self.format
    }
}

fn begin_accumulation<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    label: &str,
    view: &wgpu::TextureView,
    load: wgpu::LoadOp<wgpu::Color>,
    depth: &wgpu::TextureView,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(label),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load,
                store: wgpu::StoreOp::Store,
            },
        })],
        depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
            view: depth,
            depth_ops: Some(wgpu::Operations {
                load: wgpu::LoadOp::Clear(1.0),
                store: wgpu::StoreOp::Discard,
            }),
            stencil_ops: None,
        }),
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    })
}
