//! Quads (trail segments, markers) as indexed pairs of triangles: vertex = 4 * quad + corner,
//! the corner 0..3 in triangle-strip order (bit 0 the side, bit 1 the end), its triangles
//! (0, 1, 2) and (2, 1, 3) sharing two vertices, so the vertex shader runs four times a quad
//! rather than six. Not instanced: CPU adapters (lavapipe, SwiftShader, so also a page in a
//! browser without a GPU) draw every instance as a draw of its own. One small index buffer
//! serves every quad draw, a batch at a time.

use wgpu::util::DeviceExt;

use crate::gpu::Gpu;

/// Quads per draw: their 65,536 vertices take 16-bit indices.
const QUADS_PER_BATCH: u64 = 1 << 14;

/// The index buffer of one batch of quads (a cheap handle: clones share it).
#[derive(Clone)]
pub struct QuadIndices {
    buffer: wgpu::Buffer,
}

impl QuadIndices {
    pub fn new(gpu: &Gpu) -> Self {
        let indices: Vec<u16> = (0..QUADS_PER_BATCH as u16)
            .flat_map(|q| {
                let v = 4 * q;
                [v, v + 1, v + 2, v + 2, v + 1, v + 3]
            })
            .collect();
        let buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("quads.indices"),
            contents: bytemuck::cast_slice(&indices),
            usage: wgpu::BufferUsages::INDEX,
        });
        Self { buffer }
    }

    /// Draws quads 0..count (vertex = 4 * quad + corner, the base vertex of each batch
    /// included in the shader's vertex index), with the pipeline and bind groups set.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>, count: u64) {
        pass.set_index_buffer(self.buffer.slice(..), wgpu::IndexFormat::Uint16);
        // The base vertex is an i32: 2^29 quads at most, more than any budget draws.
        let count = count.min(1 << 29);
        let mut first = 0;
        while first < count {
            let n = (count - first).min(QUADS_PER_BATCH);
            pass.draw_indexed(0..(6 * n) as u32, (4 * first) as i32, 0..1);
            first += n;
        }
    }
}
