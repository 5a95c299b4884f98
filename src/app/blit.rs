//! Puts the rendered 3D view into the window before egui draws the side panel over the rest
//! (with `LoadOp::Load`): a texture copy into the viewport's rectangle when the frame has the
//! window's format (the viewer renders in it: BGRA on X11), else a pass that copies texel for
//! texel (`shaders/blit.wgsl`). On a CPU adapter either is far cheaper than drawing the frame
//! as an egui image (a filtered, colour-managed textured quad).

use crate::gpu::Gpu;
use crate::gpu::pipeline::{shader, texture_entry, uniform_entry};

pub struct Blit {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    origin: wgpu::Buffer,
    /// The frame's view and its bind group, rebuilt when the frame texture changes.
    bound: Option<(wgpu::Texture, wgpu::BindGroup)>,
    /// Whether the window's format decodes sRGB (then the frame is read through its sRGB view).
    srgb_window: bool,
    /// Whether the window's textures take copies (`COPY_DST`).
    copy_into_window: bool,
}

impl Blit {
    pub fn new(gpu: &Gpu, window_format: wgpu::TextureFormat, window_usage: wgpu::TextureUsages) -> Self {
        let module = shader(gpu, "blit.shader", crate::shaders::BLIT);
        let layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("blit.layout"),
                entries: &[
                    texture_entry(0, wgpu::ShaderStages::FRAGMENT, false),
                    uniform_entry(1, wgpu::ShaderStages::FRAGMENT, Some(16)),
                ],
            });
        let pipeline_layout = gpu
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("blit.pipeline"),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
        let pipeline = gpu
            .device
            .create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some("blit.pipeline"),
                layout: Some(&pipeline_layout),
                vertex: wgpu::VertexState {
                    module: &module,
                    entry_point: Some("vs_blit"),
                    compilation_options: Default::default(),
                    buffers: &[],
                },
                primitive: wgpu::PrimitiveState::default(),
                depth_stencil: None,
                multisample: wgpu::MultisampleState::default(),
                fragment: Some(wgpu::FragmentState {
                    module: &module,
                    entry_point: Some("fs_blit"),
                    compilation_options: Default::default(),
                    targets: &[Some(wgpu::ColorTargetState {
                        format: window_format,
                        blend: None,
                        write_mask: wgpu::ColorWrites::ALL,
                    })],
                }),
                multiview_mask: None,
                cache: None,
            });
        let origin = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("blit.origin"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Self {
            pipeline,
            layout,
            origin,
            bound: None,
            srgb_window: window_format.is_srgb(),
            copy_into_window: window_usage.contains(wgpu::TextureUsages::COPY_DST),
        }
    }

    /// Clears `window` (the surface's texture) to white and copies `frame` (the renderer's
    /// target) to `at` (window pixels, top-left), clipped to the window.
    pub fn draw(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        window: &wgpu::Texture,
        frame: Option<(&wgpu::Texture, [u32; 2])>,
    ) {
        let target_size = [window.width(), window.height()];
        let copy = frame.is_some_and(|(texture, _)| {
            self.copy_into_window
                && texture.format().remove_srgb_suffix() == window.format().remove_srgb_suffix()
        });
        let target = &window.create_view(&wgpu::TextureViewDescriptor::default());
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("window.blit"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                resolve_target: None,
                depth_slice: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color::WHITE),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        let Some((texture, at)) = frame else { return };
        // The part of the frame inside the window.
        let x1 = (at[0] + texture.width()).min(target_size[0]);
        let y1 = (at[1] + texture.height()).min(target_size[1]);
        if x1 <= at[0] || y1 <= at[1] {
            return;
        }
        if copy {
            drop(pass);
            encoder.copy_texture_to_texture(
                texture.as_image_copy(),
                wgpu::TexelCopyTextureInfo {
                    texture: window,
                    mip_level: 0,
                    origin: wgpu::Origin3d {
                        x: at[0],
                        y: at[1],
                        z: 0,
                    },
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::Extent3d {
                    width: x1 - at[0],
                    height: y1 - at[1],
                    depth_or_array_layers: 1,
                },
            );
            return;
        }
        if self.bound.as_ref().is_none_or(|(t, _)| t != texture) {
            // Through a non-sRGB view the frame's sRGB bytes reach a non-sRGB window unchanged.
            let format = if self.srgb_window {
                texture.format()
            } else {
                crate::render::overlay::draw_format(texture.format())
            };
            let view = texture.create_view(&wgpu::TextureViewDescriptor {
                format: Some(format),
                ..Default::default()
            });
            let group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("blit.bind_group"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(&view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: self.origin.as_entire_binding(),
                    },
                ],
            });
            self.bound = Some((texture.clone(), group));
        }
        gpu.queue.write_buffer(
            &self.origin,
            0,
            bytemuck::cast_slice(&[at[0] as f32, at[1] as f32, 0.0, 0.0]),
        );
        let Some((_, group)) = &self.bound else { return };
        pass.set_viewport(
            at[0] as f32,
            at[1] as f32,
            (x1 - at[0]) as f32,
            (y1 - at[1]) as f32,
            0.0,
            1.0,
        );
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, group, &[]);
        pass.draw(0..3, 0..1);
    }
}
