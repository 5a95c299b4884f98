//! Textures read back to the CPU. A texture-to-buffer copy needs rows padded to 256 bytes
//! (`COPY_BYTES_PER_ROW_ALIGNMENT`); the rows are unpadded on the way out and a window's BGRA
//! swapped to RGBA. The renderer's blocking readback and capture's ring of staging buffers both
//! go through [`TextureCopy`].

use crate::gpu::{Gpu, GpuError};

/// Whether `format` is one of the 8-bit BGRA formats (a window's swapchain).
pub fn is_bgra8(format: wgpu::TextureFormat) -> bool {
    matches!(
        format,
        wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
    )
}

/// Whether `format` can be read back as RGBA bytes (8-bit RGBA or BGRA, sRGB or not).
pub fn is_readable(format: wgpu::TextureFormat) -> bool {
    is_bgra8(format)
        || matches!(
            format,
            wgpu::TextureFormat::Rgba8Unorm | wgpu::TextureFormat::Rgba8UnormSrgb
        )
}

/// The layout of one texture's copy into a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextureCopy {
    pub width: u32,
    pub height: u32,
    /// Bytes per row in the buffer: `width * 4` rounded up to 256.
    pub padded_row: u32,
}

impl TextureCopy {
    pub fn new(width: u32, height: u32) -> Self {
        let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        Self {
            width,
            height,
            padded_row: (width * 4).div_ceil(align) * align,
        }
    }

    /// Bytes the staging buffer needs.
    pub fn buffer_size(&self) -> u64 {
        u64::from(self.padded_row) * u64::from(self.height)
    }

    /// A mappable buffer the copy fits in.
    pub fn staging_buffer(&self, gpu: &Gpu, label: &str) -> wgpu::Buffer {
        gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: self.buffer_size(),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Records the copy of `texture` (this size, `COPY_SRC`) into `buffer`.
    pub fn encode(&self, encoder: &mut wgpu::CommandEncoder, texture: &wgpu::Texture, buffer: &wgpu::Buffer) {
        encoder.copy_texture_to_buffer(
            texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
    }

    /// The copied bytes as tight RGBA rows; `bgra` swaps a BGRA texture's channels.
    pub fn unpad(&self, bytes: &[u8], bgra: bool) -> Vec<u8> {
        let row = (self.width * 4) as usize;
        let mut rgba = Vec::with_capacity(row * self.height as usize);
        for chunk in bytes.chunks(self.padded_row as usize).take(self.height as usize) {
            rgba.extend_from_slice(&chunk[..row]);
        }
        if bgra {
            rgba.chunks_exact_mut(4).for_each(|px| px.swap(0, 2));
        }
        rgba
    }
}

/// A texture's copy recorded into a staging buffer, read back once the encoder is submitted:
/// blocking ([`read_texture`]) or as a future (the page's captures).
pub struct StagedTexture {
    copy: TextureCopy,
    buffer: wgpu::Buffer,
    bgra: bool,
}

impl StagedTexture {
    /// Records the copy of `texture` (8-bit RGBA or BGRA, `COPY_SRC`) into `encoder`.
    pub fn record(
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        texture: &wgpu::Texture,
        label: &str,
    ) -> Self {
        let copy = TextureCopy::new(texture.width(), texture.height());
        let buffer = copy.staging_buffer(gpu, label);
        copy.encode(encoder, texture, &buffer);
        Self {
            copy,
            buffer,
            bgra: is_bgra8(texture.format()),
        }
    }

    /// Tight RGBA rows, blocking (see [`crate::gpu::context::map_read`]).
    pub fn read(&self, gpu: &Gpu) -> Result<Vec<u8>, GpuError> {
        let bytes = crate::gpu::context::map_read(gpu, &self.buffer)?;
        Ok(self.copy.unpad(&bytes, self.bgra))
    }

    /// Tight RGBA rows, when the GPU has them (see [`crate::gpu::context::map_read_async`]).
    pub async fn read_async(&self) -> Result<Vec<u8>, GpuError> {
        let bytes = crate::gpu::context::map_read_async(&self.buffer).await?;
        Ok(self.copy.unpad(&bytes, self.bgra))
    }
}

/// Copies `texture` (8-bit RGBA or BGRA, `COPY_SRC`) to the CPU as tight RGBA rows, blocking.
pub fn read_texture(gpu: &Gpu, texture: &wgpu::Texture) -> Result<Vec<u8>, GpuError> {
    let mut encoder = gpu
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("render.readback"),
        });
    let staged = StagedTexture::record(gpu, &mut encoder, texture, "render.readback");
    gpu.queue.submit([encoder.finish()]);
    staged.read(gpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpad_strips_rows_and_swaps_bgra() {
        let copy = TextureCopy::new(3, 2);
        assert_eq!(copy.padded_row, 256);
        let mut bytes = vec![0u8; copy.buffer_size() as usize];
        bytes[..12].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        bytes[256..260].copy_from_slice(&[13, 14, 15, 16]);
        let rgba = copy.unpad(&bytes, false);
        assert_eq!(rgba.len(), 24);
        assert_eq!(&rgba[..12], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(&rgba[12..16], &[13, 14, 15, 16]);
        assert_eq!(&copy.unpad(&bytes, true)[..4], &[3, 2, 1, 4]);
    }
}
