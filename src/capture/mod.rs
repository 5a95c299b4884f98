//! Frame capture: rendered texture -> staging buffer (rows padded to 256 bytes) -> mapped
//! asynchronously -> encoder threads -> PNG files, an ffmpeg pipe, or a GIF.
//!
//! Pipelined: a ring of staging buffers keeps several frames in flight, so the GPU renders the
//! next frame while earlier ones are mapped and encoded; a bounded queue to the encoders holds
//! memory steady when they are the slower side. Every file is written under a temporary name
//! and renamed when whole, so an interrupted run leaves only complete frames.
//!
//! - `ring.rs`: [`Capture`], the staging ring; `sink.rs`: the encoder threads behind it;
//! - `png.rs`: PNG files written atomically, and where a resumed sequence restarts;
//! - `ffmpeg.rs`: video through an ffmpeg pipe; `gif.rs` and `gif_file.rs`: the GIF encoder
//!   and the thread that writes its frames in order;
//! - `workers.rs`: how many encoder threads a machine gets.
//!
//! The page (wasm32) builds only this file's types (the options its flags name); the rooms
//! with threads, files and processes are the native program's.

#[cfg(not(target_arch = "wasm32"))]
mod ffmpeg;
#[cfg(not(target_arch = "wasm32"))]
pub mod gif;
#[cfg(not(target_arch = "wasm32"))]
mod gif_file;
#[cfg(not(target_arch = "wasm32"))]
mod png;
#[cfg(not(target_arch = "wasm32"))]
mod ring;
#[cfg(not(target_arch = "wasm32"))]
mod sink;
#[cfg(not(target_arch = "wasm32"))]
mod workers;

#[cfg(not(target_arch = "wasm32"))]
use std::path::Path;
use std::path::PathBuf;

use crate::gpu::GpuError;
#[cfg(not(target_arch = "wasm32"))]
pub use png::{resume_point, write_png_atomic, write_png_with};
#[cfg(not(target_arch = "wasm32"))]
pub use ring::Capture;

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
    /// on every core (see [`gif`]).
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

/// How GIF frames are quantized (see [`gif`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GifQuality {
    /// One palette from the first frame, ordered dither, only changed pixels stored.
    #[default]
    Fast,
    /// A palette per frame (NeuQuant), no dither.
    Best,
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
    // The io error is part of the message, not a source (a field named `source` would be):
    // `{:#}` would print it twice.
    #[error("cannot create the output folder {path}: {io}")]
    CreateDir { path: PathBuf, io: std::io::Error },
    #[error("cannot write {path}: {io}")]
    Write { path: PathBuf, io: std::io::Error },
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

/// Numbered frame file name, as `descent render --out` writes them.
pub fn frame_name(index: u32) -> String {
    format!("frame_{index:06}.png")
}

#[cfg(not(target_arch = "wasm32"))]
/// A file beside `path` with `.partial` before the extension, renamed into place when whole.
fn partial_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    match path.extension() {
        Some(ext) => path.with_file_name(format!(".{stem}.partial.{}", ext.to_string_lossy())),
        None => path.with_file_name(format!(".{stem}.partial")),
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// Checks that `output` can be written before any work is done: a PNG folder is created and
/// written to, a file's folder must exist and take a new file, and a video needs ffmpeg on
/// `PATH`. Nothing is left behind but the folder asked for.
pub fn check_output(output: &Output) -> Result<(), CaptureError> {
    // The probe's name is unique to this process and call: two runs writing into one folder
    // at once must not delete each other's probe.
    static PROBES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let probe_in = |dir: &Path, shown: &Path| {
        let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let probe = dir.join(format!(".descent-write-test-{}-{n}", std::process::id()));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .and_then(|_| std::fs::remove_file(&probe))
            .map_err(|source| CaptureError::Write {
                path: shown.to_path_buf(),
                io: source,
            })
    };
    let parent = |path: &Path| match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match output {
        Output::Pngs { dir, .. } => {
            std::fs::create_dir_all(dir).map_err(|source| CaptureError::CreateDir {
                path: dir.clone(),
                io: source,
            })?;
            probe_in(dir, dir)
        }
        Output::Still { path, .. } | Output::Gif { path, .. } => probe_in(&parent(path), path),
        Output::Video { path, .. } => {
            ffmpeg::find_ffmpeg().ok_or_else(|| CaptureError::FfmpegMissing { path: path.clone() })?;
            probe_in(&parent(path), path)
        }
        Output::Discard => Ok(()),
    }
}
