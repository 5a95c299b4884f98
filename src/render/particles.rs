//! The simulation's particles as the renderers see them: one bind group per chunk of the
//! simulation (its particle state, its trail ring, the colours and the chunk's place), so the
//! trail, head and density draws read the simulation's buffers directly, one instanced draw
//! per chunk.
//!
//! Colours are packed sRGB bytes (4 per particle or per group): ten million particles' colours
//! fit one binding. Per-group colours are bound whole and indexed by group; per-particle
//! colours are bound at the chunk's offset (chunks are multiples of 64 particles, so the
//! offset meets the 256-byte alignment).

use wgpu::util::DeviceExt;

use crate::gpu::Gpu;
use crate::gpu::sim::Simulation;
use crate::render::gpu_data::ChunkUniform;
use crate::render::pipeline::storage_entry;
use crate::render::quads::QuadIndices;

/// Group 1 of the trail, head and density pipelines.
pub fn layout(gpu: &Gpu) -> wgpu::BindGroupLayout {
    gpu.device
        .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("particles.layout"),
            entries: &[
                storage_entry(0),
                storage_entry(1),
                storage_entry(2),
                storage_entry(3),
            ],
        })
}

/// Whose colour a colour buffer holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorStride {
    /// One colour per optimizer group (`starts_per_group` particles).
    Group,
    /// One colour per particle.
    Particle,
}

/// One draw's worth of particles.
pub struct ChunkBinding {
    pub bind_group: wgpu::BindGroup,
    /// Particles in the chunk.
    pub count: u32,
}

/// The particles of one simulation, bound chunk by chunk.
pub struct ParticleBindings {
    pub chunks: Vec<ChunkBinding>,
    pub stride: ColorStride,
}

/// Packs an sRGB colour as the shaders' `unpack4x8unorm` reads it.
pub fn pack(c: [u8; 4]) -> u32 {
    u32::from_le_bytes(c)
}

impl ParticleBindings {
    /// Binds `sim`'s chunks with `colors` (sRGB): one per optimizer group or one per particle.
    pub fn new(
        gpu: &Gpu,
        layout: &wgpu::BindGroupLayout,
        sim: &Simulation,
        colors: &[[u8; 4]],
        stride: ColorStride,
    ) -> Self {
        let mut packed: Vec<u32> = colors.iter().map(|&c| pack(c)).collect();
        if packed.is_empty() {
            packed.push(pack([0, 0, 0, 255]));
        }
        let color_buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("particles.colors"),
            contents: bytemuck::cast_slice(&packed),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let starts_per_group = sim.starts_per_group().max(1);
        let chunks = sim
            .chunks()
            .iter()
            .map(|chunk| {
                let r = chunk.range;
                let (color_base, color_binding) = match stride {
                    ColorStride::Group => (0, color_buffer.as_entire_binding()),
                    ColorStride::Particle => (
                        r.first,
                        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: &color_buffer,
                            offset: u64::from(r.first) * 4,
                            size: wgpu::BufferSize::new(u64::from(r.count) * 4),
                        }),
                    ),
                };
                let uniform = ChunkUniform {
                    first: r.first,
                    count: r.count,
                    color_base,
                    color_stride: match stride {
                        ColorStride::Group => starts_per_group,
                        ColorStride::Particle => 1,
                    },
                };
                let uniform_buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("particles.chunk"),
                    contents: bytemuck::bytes_of(&uniform),
                    usage: wgpu::BufferUsages::STORAGE,
                });
                let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("particles.bind_group"),
                    layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: chunk.particle_buffer().as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: chunk.trail_buffer().as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: color_binding,
                        },
                        wgpu::BindGroupEntry {
                            binding: 3,
                            resource: uniform_buffer.as_entire_binding(),
                        },
                    ],
                });
                ChunkBinding {
                    bind_group,
                    count: r.count,
                }
            })
            .collect();
        Self { chunks, stride }
    }

    /// Draws `per_particle` quads of every particle, chunk by chunk (quad = k * count +
    /// particle), with the pipeline set.
    pub fn draw_quads(&self, pass: &mut wgpu::RenderPass<'_>, quads: &QuadIndices, per_particle: u32) {
        for chunk in &self.chunks {
            let total = u64::from(chunk.count) * u64::from(per_particle);
            if total == 0 {
                continue;
            }
            pass.set_bind_group(1, &chunk.bind_group, &[]);
            quads.draw(pass, total);
        }
    }

    /// Draws `vertices * per_particle * count` vertices per chunk in one run (vertex =
    /// (k * count + particle) * vertices + corner), with the pipeline already set: the
    /// density layer's lines and points. Not instanced, as [`QuadIndices`] says why.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>, vertices: u32, per_particle: u32) {
        for chunk in &self.chunks {
            let total = u64::from(chunk.count) * u64::from(per_particle) * u64::from(vertices);
            if total == 0 {
                continue;
            }
            pass.set_bind_group(1, &chunk.bind_group, &[]);
            pass.draw(0..total.min(u64::from(u32::MAX)) as u32, 0..1);
        }
    }
}
