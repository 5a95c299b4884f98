//! The surface mesh: a compute pass evaluates f and its gradient on a cols x rows grid over
//! the domain into a storage buffer the renderer reads as vertices. A tabulated surface (a
//! model's loss slice) has no WGSL heights: its vertices are sampled from the table here.

use wgpu::util::DeviceExt;

use crate::gpu::gpu_data::{MeshParams, MeshVertex};
use crate::gpu::{Gpu, GpuError};
use crate::surfaces::Surface;

pub struct SurfaceMesh {
    pub cols: u32,
    pub rows: u32,
    vertex_buffer: wgpu::Buffer,
}

const VERTEX_USAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::VERTEX)
    .union(wgpu::BufferUsages::COPY_SRC);

#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    #[error("mesh of {cols}x{rows} is out of range: each side needs 2 to 4096 vertices")]
    Size { cols: u32, rows: u32 },
    #[error("the surface shader did not compile: {0}")]
    Shader(String),
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

impl SurfaceMesh {
    /// Builds the pipeline and evaluates the mesh once (submitted, not waited for).
    pub fn new(gpu: &Gpu, surface: &Surface, cols: u32, rows: u32) -> Result<Self, MeshError> {
        if !(2..=4096).contains(&cols) || !(2..=4096).contains(&rows) {
            return Err(MeshError::Size { cols, rows });
        }
        if surface.table().is_some() {
            return Ok(Self::sampled(gpu, surface, cols, rows));
        }
        let source = crate::shaders::mesh_source(&surface.wgsl());
        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = crate::gpu::pipeline::shader(gpu, "mesh.shader", source);
        let pipeline = gpu
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("mesh.pipeline"),
                layout: None,
                module: &module,
                entry_point: Some("evaluate_mesh"),
                compilation_options: Default::default(),
                cache: None,
            });
        if let Some(e) = crate::gpu::context::scope_error(scope) {
            return Err(MeshError::Shader(e.to_string()));
        }
        let d = surface.domain;
        let params = MeshParams {
            min: [d.x[0] as f32, d.y[0] as f32],
            max: [d.x[1] as f32, d.y[1] as f32],
            cols,
            rows,
            _pad: [0; 2],
        };
        let params_buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("mesh.params"),
            contents: bytemuck::bytes_of(&params),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let vertex_buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("mesh.vertices"),
            size: u64::from(cols * rows) * std::mem::size_of::<MeshVertex>() as u64,
            usage: VERTEX_USAGE,
            mapped_at_creation: false,
        });
        let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("mesh.bind_group"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params_buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: vertex_buffer.as_entire_binding(),
                },
            ],
        });
        gpu.dispatch(
            "mesh.evaluate",
            &pipeline,
            &bind_group,
            [cols.div_ceil(8), rows.div_ceil(8), 1],
        );
        Ok(Self {
            cols,
            rows,
            vertex_buffer,
        })
    }

    /// The mesh of `surface` sampled on the CPU (as `mesh.wgsl` lays it out).
    fn sampled(gpu: &Gpu, surface: &Surface, cols: u32, rows: u32) -> Self {
        let vertices: Vec<MeshVertex> = surface
            .domain
            .grid(cols, rows)
            .map(|[x, y]| {
                let z = surface.value([x, y]) as f32;
                let g = surface.grad([x, y]).map(|v| v as f32);
                let ok = z.is_finite() && g.iter().all(|v| v.is_finite());
                MeshVertex {
                    position: [
                        x as f32,
                        y as f32,
                        if ok { z } else { 0.0 },
                        if ok { 1.0 } else { 0.0 },
                    ],
                    gradient: if ok { [g[0], g[1], 0.0, 0.0] } else { [0.0; 4] },
                }
            })
            .collect();
        let vertex_buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("mesh.vertices"),
            contents: bytemuck::cast_slice(&vertices),
            usage: VERTEX_USAGE,
        });
        Self {
            cols,
            rows,
            vertex_buffer,
        }
    }

    pub fn vertex_buffer(&self) -> &wgpu::Buffer {
        &self.vertex_buffer
    }

    /// Reads the vertices back (row-major, y outer).
    pub fn read(&self, gpu: &Gpu) -> Result<Vec<MeshVertex>, GpuError> {
        let bytes = gpu.read_buffer(&self.vertex_buffer, 0, self.vertex_buffer.size())?;
        Ok(bytemuck::cast_slice(&bytes).to_vec())
    }
}
