//! [`Capture`]: a ring of staging buffers keeps several frames in flight, so the GPU renders
//! the next frame while earlier ones are mapped and handed to the encoders.

use std::collections::VecDeque;
use std::sync::mpsc::Receiver;

use super::sink::Sink;
use super::{CaptureError, Output};
use crate::gpu::readback::{TextureCopy, is_bgra8};
use crate::gpu::{Gpu, GpuError};

/// Staging buffers in flight.
const RING: usize = 3;

struct Pending {
    frame: u32,
    slot: usize,
    /// The texture was BGRA (a window's frame): swapped to RGBA on the way out.
    bgra: bool,
    done: Receiver<Result<(), wgpu::BufferAsyncError>>,
}

/// Captures frames of one size in order.
pub struct Capture {
    copy: TextureCopy,
    ring: Vec<wgpu::Buffer>,
    pending: VecDeque<Pending>,
    next_frame: u32,
    sink: Sink,
    pub frames_written: u32,
}

impl Capture {
    /// Prepares the output (creates the folder, checks for ffmpeg, starts the encoders).
    /// `first_frame` numbers PNG frames from there (for resuming).
    pub fn new(
        gpu: &Gpu,
        width: u32,
        height: u32,
        output: &Output,
        first_frame: u32,
    ) -> Result<Self, CaptureError> {
        let copy = TextureCopy::new(width, height);
        let ring = (0..RING)
            .map(|i| copy.staging_buffer(gpu, &format!("capture.staging.{i}")))
            .collect();
        let sink = Sink::start(output, width, height)?;
        Ok(Self {
            copy,
            ring,
            pending: VecDeque::new(),
            next_frame: first_frame,
            sink,
            frames_written: 0,
        })
    }

    /// Queues a copy of `texture` (Rgba8 or Bgra8, sRGB or not, `COPY_SRC`, this capture's
    /// size) as the next frame. Returns once the copy is submitted; an older frame may be
    /// handed to the encoders meanwhile.
    pub fn push(&mut self, gpu: &Gpu, texture: &wgpu::Texture) -> Result<(), CaptureError> {
        if self.pending.len() == RING {
            self.complete_oldest(gpu)?;
        }
        self.sink.check()?;
        let used: Vec<usize> = self.pending.iter().map(|p| p.slot).collect();
        let slot = (0..RING).find(|s| !used.contains(s)).unwrap_or(0);
        let buffer = &self.ring[slot];
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("capture.copy"),
            });
        self.copy.encode(&mut encoder, texture, buffer);
        gpu.queue.submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        buffer.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        self.pending.push_back(Pending {
            frame: self.next_frame,
            slot,
            bgra: is_bgra8(texture.format()),
            done: rx,
        });
        self.next_frame += 1;
        Ok(())
    }

    fn complete_oldest(&mut self, gpu: &Gpu) -> Result<(), CaptureError> {
        let Some(p) = self.pending.pop_front() else {
            return Ok(());
        };
        let mapped = loop {
            match p.done.try_recv() {
                Ok(r) => break r,
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    gpu.device
                        .poll(wgpu::PollType::wait_indefinitely())
                        .map_err(|e| GpuError::DeviceLost(e.to_string()))?;
                }
                Err(e) => return Err(GpuError::Map(e.to_string()).into()),
            }
        };
        mapped.map_err(|e| GpuError::Map(e.to_string()))?;
        if let Some(fault) = gpu.take_fault() {
            return Err(fault.into());
        }
        let buffer = &self.ring[p.slot];
        let rgba = {
            let view = buffer
                .get_mapped_range(..)
                .map_err(|e| GpuError::Map(e.to_string()))?;
            self.copy.unpad(&view, p.bgra)
        };
        buffer.unmap();
        self.sink.send(p.frame, rgba)?;
        self.frames_written += 1;
        Ok(())
    }

    /// Drains the frames in flight, waits for the encoders, and renames finished files into
    /// place. Returns the number of frames written.
    pub fn finish(mut self, gpu: &Gpu) -> Result<u32, CaptureError> {
        while !self.pending.is_empty() {
            self.complete_oldest(gpu)?;
        }
        let frames = self.frames_written;
        self.sink.finish()?;
        Ok(frames)
    }
}
