//! Frame capture: rendered texture -> staging buffer (rows padded to 256 bytes) -> mapped
//! asynchronously -> encoder threads -> PNG files, an ffmpeg pipe, or a GIF.
//!
//! Pipelined: a ring of staging buffers keeps several frames in flight, so the GPU renders the
//! next frame while earlier ones are mapped and encoded; a bounded queue to the encoders holds
//! memory steady when they are the slower side. Every file is written under a temporary name
//! and renamed when whole, so an interrupted run leaves only complete frames.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::gif_encode::{GifQuality, GifWriter, Palette, encode_frame};
use crate::gpu::{Gpu, GpuError};

/// Staging buffers in flight.
const RING: usize = 3;

/// Where captured frames go.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// `frame_000000.png`, `frame_000001.png`, ... in a folder.
    Pngs {
        dir: PathBuf,
        compression: PngCompression,
    },
    /// One PNG.
    Still {
        path: PathBuf,
        compression: PngCompression,
    },
    /// A video through ffmpeg; the container and codec follow the extension (mp4, webm, mkv, mov).
    Video { path: PathBuf, fps: f64 },
    /// An animated GIF (frame delays in whole centiseconds, as the format has them), encoded
    /// on every core (see [`crate::gif_encode`]).
    Gif {
        path: PathBuf,
        fps: f64,
        quality: GifQuality,
    },
    /// Read back and dropped: what benchmarks use to time rendering apart from encoding.
    Discard,
}

impl Output {
    /// PNG frames in `dir`, fast compression.
    pub fn pngs(dir: impl Into<PathBuf>) -> Self {
        Self::Pngs {
            dir: dir.into(),
            compression: PngCompression::Fast,
        }
    }

    /// One PNG at `path`, fast compression.
    pub fn still(path: impl Into<PathBuf>) -> Self {
        Self::Still {
            path: path.into(),
            compression: PngCompression::Fast,
        }
    }
}

/// How hard PNG frames are compressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PngCompression {
    /// fdeflate's fast mode: several times quicker than best, files about 1.3x the size.
    #[default]
    Fast,
    /// The smallest files (zlib level 9 with adaptive filters).
    Best,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot create the output folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode {path}: {message}")]
    Encode { path: PathBuf, message: String },
    #[error(
        "ffmpeg was not found on PATH, so {path} cannot be written. Install it (Debian/Ubuntu: \
         sudo apt-get install ffmpeg) or write PNG frames with --out DIR"
    )]
    FfmpegMissing { path: PathBuf },
    #[error("ffmpeg failed ({status}) writing {path}:\n{stderr}")]
    Ffmpeg {
        path: PathBuf,
        status: String,
        stderr: String,
    },
    /// An encoder thread's failure, as it reported it.
    #[error("{0}")]
    Encoder(String),
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// Threads for encoders: one per core, at most `max` (2 when the count is unknown).
pub(crate) fn worker_threads(max: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, max)
}

/// Numbered frame file name, as `descent render --out` writes them.
pub fn frame_name(index: u32) -> String {
    format!("frame_{index:06}.png")
}

/// A file beside `path` with `.partial` before the extension, renamed into place when whole.
fn partial_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    match path.extension() {
        Some(ext) => path.with_file_name(format!(".{stem}.partial.{}", ext.to_string_lossy())),
        None => path.with_file_name(format!(".{stem}.partial")),
    }
}

/// Writes an RGBA image as PNG (fast compression: ~10x quicker than default at ~1.3x the size),
/// atomically: temporary name, then rename.
pub fn write_png_atomic(path: &Path, width: u32, height: u32, rgba: &[u8]) -> Result<(), CaptureError> {
    write_png_with(path, width, height, rgba, PngCompression::Fast)
}

/// [`write_png_atomic`] with a choice of compression.
pub fn write_png_with(
    path: &Path,
    width: u32,
    height: u32,
    rgba: &[u8],
    compression: PngCompression,
) -> Result<(), CaptureError> {
    use image::ImageEncoder;
    let tmp = partial_path(path);
    let write = || -> Result<(), CaptureError> {
        let file = File::create(&tmp).map_err(|source| CaptureError::Write {
            path: tmp.clone(),
            source,
        })?;
        let mut out = BufWriter::new(file);
        image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            match compression {
                PngCompression::Fast => image::codecs::png::CompressionType::Fast,
                PngCompression::Best => image::codecs::png::CompressionType::Best,
            },
            image::codecs::png::FilterType::Adaptive,
        )
        .write_image(rgba, width, height, image::ExtendedColorType::Rgba8)
        .map_err(|e| match e {
            image::ImageError::IoError(source) => CaptureError::Write {
                path: tmp.clone(),
                source,
            },
            other => CaptureError::Encode {
                path: path.to_path_buf(),
                message: other.to_string(),
            },
        })?;
        // Flushed (a full disk fails here), not synced: "whole" means that an interrupted
        // or failed run leaves no partial file, which the rename gives; an fsync per frame
        // made a PNG sequence wait on the disk (1-2 s of the post scene's 4-6 s here).
        out.into_inner().map_err(|e| CaptureError::Write {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
        std::fs::rename(&tmp, path).map_err(|source| CaptureError::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    let result = write();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

struct Pending {
    frame: u32,
    slot: usize,
    /// The texture was BGRA (a window's frame): swapped to RGBA on the way out.
    bgra: bool,
    done: Receiver<Result<(), wgpu::BufferAsyncError>>,
}

/// Captures frames of one size in order.
pub struct Capture {
    width: u32,
    height: u32,
    padded_row: u32,
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
        let padded_row =
            (width * 4).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let ring = (0..RING)
            .map(|i| {
                gpu.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(&format!("capture.staging.{i}")),
                    size: u64::from(padded_row) * u64::from(height),
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                })
            })
            .collect();
        let sink = Sink::start(output, width, height)?;
        Ok(Self {
            width,
            height,
            padded_row,
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
        gpu.queue.submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        buffer.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        self.pending.push_back(Pending {
            frame: self.next_frame,
            slot,
            bgra: matches!(
                texture.format(),
                wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
            ),
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
        let row = (self.width * 4) as usize;
        let mut rgba = Vec::with_capacity(row * self.height as usize);
        {
            let view = buffer
                .get_mapped_range(..)
                .map_err(|e| GpuError::Map(e.to_string()))?;
            for chunk in view.chunks(self.padded_row as usize) {
                rgba.extend_from_slice(&chunk[..row]);
            }
        }
        buffer.unmap();
        if p.bgra {
            rgba.chunks_exact_mut(4).for_each(|px| px.swap(0, 2));
        }
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

type Job = (u32, Vec<u8>);

/// The encoding side: worker threads fed through a bounded queue.
struct Sink {
    tx: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<Result<(), CaptureError>>>,
    /// The first error any worker met, seen by the producer without waiting for a join.
    failed: Arc<Mutex<Option<String>>>,
}

impl Sink {
    fn start(output: &Output, width: u32, height: u32) -> Result<Self, CaptureError> {
        let failed: Arc<Mutex<Option<String>>> = Arc::default();
        match output {
            Output::Pngs { dir, compression } => {
                let compression = *compression;
                std::fs::create_dir_all(dir).map_err(|source| CaptureError::CreateDir {
                    path: dir.clone(),
                    source,
                })?;
                // Fail now, not after rendering, when the folder is not writable.
                let probe = dir.join(".descent-write-test");
                File::create(&probe)
                    .and_then(|_| std::fs::remove_file(&probe))
                    .map_err(|source| CaptureError::Write {
                        path: dir.clone(),
                        source,
                    })?;
                let threads = worker_threads(64);
                let (tx, rx) = sync_channel::<Job>(threads * 2);
                let rx = Arc::new(Mutex::new(rx));
                let workers = (0..threads)
                    .map(|_| {
                        let rx = rx.clone();
                        let dir = dir.clone();
                        let failed = failed.clone();
                        std::thread::spawn(move || {
                            loop {
                                let job = rx.lock().map_err(|_| ()).and_then(|r| r.recv().map_err(|_| ()));
                                let Ok((frame, rgba)) = job else { return Ok(()) };
                                if let Err(e) = write_png_with(
                                    &dir.join(frame_name(frame)),
                                    width,
                                    height,
                                    &rgba,
                                    compression,
                                ) {
                                    record(&failed, &e);
                                    return Err(e);
                                }
                            }
                        })
                    })
                    .collect();
                Ok(Self {
                    tx: Some(tx),
                    workers,
                    failed,
                })
            }
            Output::Discard => {
                let (tx, rx) = sync_channel::<Job>(2);
                let worker = std::thread::spawn(move || {
                    while rx.recv().is_ok() {}
                    Ok(())
                });
                Ok(Self {
                    tx: Some(tx),
                    workers: vec![worker],
                    failed,
                })
            }
            Output::Still { path, compression } => {
                let (tx, rx) = sync_channel::<Job>(1);
                let (path, compression) = (path.clone(), *compression);
                let f = failed.clone();
                let worker = std::thread::spawn(move || {
                    let mut last = None;
                    while let Ok((_, rgba)) = rx.recv() {
                        last = Some(rgba);
                    }
                    match last {
                        Some(rgba) => write_png_with(&path, width, height, &rgba, compression)
                            .inspect_err(|e| record(&f, e)),
                        None => Ok(()),
                    }
                });
                Ok(Self {
                    tx: Some(tx),
                    workers: vec![worker],
                    failed,
                })
            }
            Output::Video { path, fps } => {
                let (child, stdin, stderr) = spawn_ffmpeg(path, width, height, *fps)?;
                let (tx, rx) = sync_channel::<Job>(4);
                let path = path.clone();
                let f = failed.clone();
                let worker = std::thread::spawn(move || {
                    feed_ffmpeg(child, stdin, stderr, rx, &path).inspect_err(|e| record(&f, e))
                });
                Ok(Self {
                    tx: Some(tx),
                    workers: vec![worker],
                    failed,
                })
            }
            Output::Gif { path, fps, quality } => {
                let tmp = partial_path(path);
                let file = File::create(&tmp).map_err(|source| CaptureError::Write {
                    path: tmp.clone(),
                    source,
                })?;
                let threads = worker_threads(16);
                let (tx, rx) = sync_channel::<Job>(threads * 2);
                let gif = GifJob {
                    path: path.clone(),
                    tmp: tmp.clone(),
                    width,
                    height,
                    delay_cs: (100.0 / fps.max(1e-3)).round().clamp(2.0, 65535.0) as u16,
                    quality: *quality,
                    threads,
                };
                let f = failed.clone();
                let worker = std::thread::spawn(move || {
                    write_gif(file, gif, rx).inspect_err(|e| {
                        let _ = std::fs::remove_file(&tmp);
                        record(&f, e);
                    })
                });
                Ok(Self {
                    tx: Some(tx),
                    workers: vec![worker],
                    failed,
                })
            }
        }
    }

    /// An encoder's failure, reported to the producer as soon as it is seen.
    fn check(&self) -> Result<(), CaptureError> {
        let message = self.failed.lock().ok().and_then(|f| f.clone());
        match message {
            Some(m) => Err(CaptureError::Encoder(m)),
            None => Ok(()),
        }
    }

    fn send(&mut self, frame: u32, rgba: Vec<u8>) -> Result<(), CaptureError> {
        let sent = self
            .tx
            .as_ref()
            .map(|tx| tx.send((frame, rgba)).is_ok())
            .unwrap_or(false);
        if !sent {
            // The workers are gone: one of them failed; its error is the one to report.
            return self
                .join()
                .and(Err(CaptureError::Encoder("the encoder stopped".into())));
        }
        Ok(())
    }

    fn join(&mut self) -> Result<(), CaptureError> {
        self.tx = None;
        let mut first = Ok(());
        for w in self.workers.drain(..) {
            let r = w
                .join()
                .unwrap_or_else(|_| Err(CaptureError::Encoder("an encoder thread panicked".into())));
            if first.is_ok() {
                first = r;
            }
        }
        first
    }

    fn finish(mut self) -> Result<(), CaptureError> {
        self.join()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

fn record(failed: &Mutex<Option<String>>, e: &CaptureError) {
    if let Ok(mut f) = failed.lock() {
        f.get_or_insert_with(|| e.to_string());
    }
}

fn ffmpeg_codec_args(path: &Path) -> Vec<&'static str> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("webm") => vec![
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "0",
            "-crf",
            "32",
            "-row-mt",
            "1",
            "-pix_fmt",
            "yuv420p",
        ],
        _ => vec![
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "18",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
        ],
    }
}

fn spawn_ffmpeg(
    path: &Path,
    width: u32,
    height: u32,
    fps: f64,
) -> Result<(Child, ChildStdin, std::process::ChildStderr), CaptureError> {
    let tmp = partial_path(path);
    let mut cmd = Command::new("ffmpeg");
    cmd.args([
        "-y",
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgba",
    ])
    .args([
        "-s",
        &format!("{width}x{height}"),
        "-framerate",
        &format!("{fps}"),
        "-i",
        "-",
    ])
    // yuv420p needs even sides.
    .args(["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"])
    .args(ffmpeg_codec_args(path))
    .arg(&tmp)
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CaptureError::FfmpegMissing {
            path: path.to_path_buf(),
        },
        _ => CaptureError::Write {
            path: path.to_path_buf(),
            source: e,
        },
    })?;
    let stdin = child.stdin.take().ok_or_else(|| CaptureError::Encode {
        path: path.to_path_buf(),
        message: "no pipe to ffmpeg".into(),
    })?;
    let stderr = child.stderr.take().ok_or_else(|| CaptureError::Encode {
        path: path.to_path_buf(),
        message: "no pipe from ffmpeg".into(),
    })?;
    Ok((child, stdin, stderr))
}

fn feed_ffmpeg(
    mut child: Child,
    stdin: ChildStdin,
    mut stderr: std::process::ChildStderr,
    rx: Receiver<Job>,
    path: &Path,
) -> Result<(), CaptureError> {
    let tmp = partial_path(path);
    // Read stderr as it comes so ffmpeg never blocks on a full pipe.
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdin = Some(BufWriter::with_capacity(1 << 22, stdin));
    let mut broken = false;
    while let Ok((_, rgba)) = rx.recv() {
        if let Some(w) = stdin.as_mut()
            && w.write_all(&rgba).is_err()
        {
            broken = true;
            break;
        }
    }
    if let Some(mut w) = stdin.take() {
        broken |= w.flush().is_err();
    }
    let status = child.wait().map_err(|source| CaptureError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() || broken {
        let _ = std::fs::remove_file(&tmp);
        let tail: Vec<&str> = stderr
            .lines()
            .rev()
            .take(10)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(CaptureError::Ffmpeg {
            path: path.to_path_buf(),
            status: status.to_string(),
            stderr: tail.join("\n"),
        });
    }
    std::fs::rename(&tmp, path).map_err(|source| CaptureError::Write {
        path: path.to_path_buf(),
        source,
    })
}

struct GifJob {
    path: PathBuf,
    tmp: PathBuf,
    width: u32,
    height: u32,
    delay_cs: u16,
    quality: GifQuality,
    threads: usize,
}

/// Frames in order -> `threads` workers quantizing and compressing each frame against the
/// one before it -> this thread, which writes them in order and renames the file when whole.
fn write_gif(file: File, job: GifJob, rx: Receiver<Job>) -> Result<(), CaptureError> {
    let path = job.path.clone();
    let enc_err = |e: gif::EncodingError| CaptureError::Encode {
        path: path.clone(),
        message: e.to_string(),
    };
    let (w, h) = (job.width as usize, job.height as usize);
    let (Ok(w16), Ok(h16)) = (u16::try_from(job.width), u16::try_from(job.height)) else {
        return Err(CaptureError::Encode {
            path,
            message: format!("a GIF is at most 65535 pixels a side, not {w}x{h}"),
        });
    };
    // The first frame gives the global palette (fast quality) before anything is encoded.
    let Ok((_, first)) = rx.recv() else {
        return Ok(());
    };
    let first = Arc::new(first);
    let palette = (job.quality == GifQuality::Fast).then(|| Arc::new(Palette::learn(&first)));
    let mut writer = GifWriter::new(BufWriter::new(file), w16, h16, palette.as_deref()).map_err(enc_err)?;

    type Work = (u32, Arc<Vec<u8>>, Option<Arc<Vec<u8>>>);
    let (work_tx, work_rx) = sync_channel::<Work>(job.threads);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let workers: Vec<JoinHandle<()>> = (0..job.threads)
        .map(|_| {
            let work_rx = work_rx.clone();
            let done_tx = done_tx.clone();
            let palette = palette.clone();
            let delay = job.delay_cs;
            std::thread::spawn(move || {
                loop {
                    let next = work_rx
                        .lock()
                        .map_err(|_| ())
                        .and_then(|r| r.recv().map_err(|_| ()));
                    let Ok((index, rgba, prev)) = next else { return };
                    let frame = encode_frame(
                        &rgba,
                        prev.as_deref().map(Vec::as_slice),
                        w,
                        h,
                        delay,
                        palette.as_deref(),
                    );
                    if done_tx.send((index, frame)).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    drop(done_tx);

    // Feed the workers and write what they finish, interleaved, so neither side stalls.
    let mut result = Ok(());
    let mut sent = 0u32;
    let mut prev: Option<Arc<Vec<u8>>> = None;
    let mut next = Some(first);
    loop {
        while let Ok((index, frame)) = done_rx.try_recv() {
            if result.is_ok() {
                result = writer.push(index, frame).map_err(enc_err);
            }
        }
        let Some(rgba) = next.take() else { break };
        if work_tx.send((sent, rgba.clone(), prev.replace(rgba))).is_err() {
            break;
        }
        sent += 1;
        next = rx.recv().ok().map(|(_, rgba)| Arc::new(rgba));
    }
    drop(work_tx);
    for (index, frame) in done_rx {
        if result.is_ok() {
            result = writer.push(index, frame).map_err(enc_err);
        }
    }
    for w in workers {
        if w.join().is_err() && result.is_ok() {
            result = Err(CaptureError::Encoder("a GIF encoder thread panicked".into()));
        }
    }
    result?;
    if writer.written() != sent {
        return Err(CaptureError::Encoder(format!(
            "the GIF encoders finished {} of {sent} frames",
            writer.written()
        )));
    }
    let out = writer.finish().map_err(enc_err)?;
    let file = out.into_inner().map_err(|e| CaptureError::Write {
        path: job.tmp.clone(),
        source: e.into_error(),
    })?;
    file.sync_data().map_err(|source| CaptureError::Write {
        path: job.tmp.clone(),
        source,
    })?;
    std::fs::rename(&job.tmp, &path).map_err(|source| CaptureError::Write { path, source })
}

/// The first frame a resumed `--out DIR` render must write: frames 0..n are on disk, whole
/// (they only ever appear by rename), and temporaries left by an interrupt are removed.
pub fn resume_point(dir: &Path) -> Result<u32, CaptureError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(source) => {
            return Err(CaptureError::Write {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".frame_") && name.contains(".partial") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let mut next = 0;
    while dir.join(frame_name(next)).is_file() {
        next += 1;
    }
    Ok(next)
}
