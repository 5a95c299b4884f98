//! A map-layout frame (`[view] layout = "map"`): a sweep's map filling the frame under the
//! scene's title, drawn by the overlay onto a white target, no 3D view. Stills, videos and
//! zoom frames of a map all come from here, so a zoom's first and last frames are the stills
//! of their ranges.

use crate::gpu::Gpu;
use crate::outcome::sweep_map::SweepMap;
use crate::render::overlay::style::{Inset, OverlayContent};
use crate::render::overlay::{Overlay, draw_format, pixels_per_point_for};

const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;

/// The target and overlay map frames are drawn with.
pub struct MapFrame {
    overlay: Overlay,
    texture: wgpu::Texture,
    size: [u32; 2],
    /// Names each map's image for the overlay, which uploads an image once per id.
    next_id: u64,
}

impl MapFrame {
    pub fn new(gpu: &Gpu, width: u32, height: u32) -> Self {
        let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("map_frame.target"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[draw_format(FORMAT)],
        });
        Self {
            overlay: Overlay::new(gpu, FORMAT),
            texture,
            size: [width, height],
            next_id: 1,
        }
    }

    /// Draws `map` under `title` (and `subtitle`); the frame's texture, for capture.
    pub fn draw(&mut self, gpu: &Gpu, title: Option<&str>, subtitle: &str, map: &SweepMap) -> &wgpu::Texture {
        self.next_id += 1;
        let content = OverlayContent {
            title: title.map(str::to_owned),
            subtitle: Some(subtitle.to_owned()),
            insets: vec![Inset {
                id: 0x3a9f_0000_0000 + self.next_id,
                title: map.title.clone(),
                image: std::sync::Arc::new(map.image.clone()),
                x_range: map.x_range.clone(),
                y_range: map.y_range.clone(),
            }],
            full_inset: true,
            ..OverlayContent::default()
        };
        let view = self.texture.create_view(&wgpu::TextureViewDescriptor {
            format: Some(draw_format(FORMAT)),
            ..Default::default()
        });
        // White first: the overlay draws over what is there.
        clear_white(gpu, &view);
        self.overlay.draw(
            gpu,
            &view,
            self.size,
            pixels_per_point_for(self.size[1]),
            &content,
        );
        &self.texture
    }

    /// Where the last frame's parts went (physical pixels).
    pub fn layout(&self) -> &crate::render::overlay::OverlayLayout {
        self.overlay.layout()
    }
}

/// Clears `view` (of a frame's colour texture) to white: a map frame's ground.
pub fn clear_white(gpu: &Gpu, view: &wgpu::TextureView) {
    let mut encoder = gpu
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("map_frame.clear"),
        });
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some("map_frame.clear"),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view,
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
    gpu.queue.submit([encoder.finish()]);
}
