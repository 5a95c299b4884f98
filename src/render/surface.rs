//! The surface renderer: the mesh's storage buffer drawn as 6 vertices per grid cell (no
//! vertex buffer, no CPU copy), coloured through a 256 x 1 colormap texture. The lighting,
//! grid lines, contours and pole handling live in `shaders/surface.wgsl`.

use crate::gpu::Gpu;
use crate::gpu::mesh::SurfaceMesh;
use crate::render::RenderError;
use crate::render::colormap::{Colormap, LUT_SIZE};
use crate::render::pipeline::{PipelineSpec, render_pipeline, shader, storage_entry};
use crate::render::target::TargetFormats;

pub struct SurfaceRenderer {
    pipeline: wgpu::RenderPipeline,
    module: wgpu::ShaderModule,
    layout: wgpu::BindGroupLayout,
    bind_group: wgpu::BindGroup,
    lut: wgpu::Texture,
    vertices: u32,
}

impl SurfaceRenderer {
    pub fn new(
        gpu: &Gpu,
        formats: &TargetFormats,
        frame_layout: &wgpu::BindGroupLayout,
        mesh: &SurfaceMesh,
        colormap: Colormap,
    ) -> Result<Self, RenderError> {
        let module = shader(gpu, "surface.shader", crate::shaders::surface_source());
        let layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("surface.layout"),
                entries: &[
                    storage_entry(0),
                    crate::gpu::pipeline::texture_entry(1, wgpu::ShaderStages::FRAGMENT, true),
                    wgpu::BindGroupLayoutEntry {
                        binding: 2,
                        visibility: wgpu::ShaderStages::FRAGMENT,
                        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                        count: None,
                    },
                ],
            });
        let pipeline = render_pipeline(
            gpu,
            formats,
            &PipelineSpec {
                label: "surface.pipeline",
                module: &module,
                vs: "vs_surface",
                fs: "fs_surface",
                layouts: &[frame_layout, &layout],
                buffers: &[],
                topology: wgpu::PrimitiveTopology::TriangleList,
                blend: None,
                depth_write: true,
                depth_compare: wgpu::CompareFunction::Less,
                write_mask: wgpu::ColorWrites::ALL,
            },
        );
        let lut = gpu.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("surface.colormap"),
            size: wgpu::Extent3d {
                width: LUT_SIZE as u32,
                height: 1,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8UnormSrgb,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let sampler = gpu.device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("surface.colormap.sampler"),
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("surface.bind_group"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: mesh.vertex_buffer().as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&lut.create_view(&Default::default())),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::Sampler(&sampler),
                },
            ],
        });
        let renderer = Self {
            pipeline,
            module,
            layout,
            bind_group,
            lut,
            vertices: (mesh.cols - 1) * (mesh.rows - 1) * 6,
        };
        renderer.set_colormap(gpu, colormap);
        Ok(renderer)
    }

    /// Uploads a colormap's LUT.
    pub fn set_colormap(&self, gpu: &Gpu, colormap: Colormap) {
        let lut: Vec<u8> = colormap.lut().concat();
        gpu.queue.write_texture(
            self.lut.as_image_copy(),
            &lut,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(LUT_SIZE as u32 * 4),
                rows_per_image: Some(1),
            },
            self.lut.size(),
        );
    }

    /// Records the draw; the frame bind group is at group 0.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>) {
        self.draw_with(pass, &self.pipeline);
    }

    /// A pipeline that writes the surface's depth alone into targets of `formats` (the
    /// density layer's own depth buffer); draw it with [`Self::draw_with`].
    pub fn depth_pipeline(
        &self,
        gpu: &Gpu,
        formats: &TargetFormats,
        frame_layout: &wgpu::BindGroupLayout,
    ) -> wgpu::RenderPipeline {
        render_pipeline(
            gpu,
            formats,
            &PipelineSpec {
                label: "surface.depth.pipeline",
                module: &self.module,
                vs: "vs_surface",
                fs: "fs_surface_depth",
                layouts: &[frame_layout, &self.layout],
                buffers: &[],
                topology: wgpu::PrimitiveTopology::TriangleList,
                blend: None,
                depth_write: true,
                depth_compare: wgpu::CompareFunction::Less,
                write_mask: wgpu::ColorWrites::empty(),
            },
        )
    }

    /// Records the surface's draw with `pipeline` (this renderer's or a depth pipeline).
    pub fn draw_with(&self, pass: &mut wgpu::RenderPass<'_>, pipeline: &wgpu::RenderPipeline) {
        pass.set_pipeline(pipeline);
        pass.set_bind_group(1, &self.bind_group, &[]);
        pass.draw(0..self.vertices, 0..1);
    }
}
