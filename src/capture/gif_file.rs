//! The GIF file: frames in order go to `threads` workers, which quantize and compress each
//! against the one before it ([`super::gif`]); this thread writes them in order and renames
//! the file into place when whole.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::CaptureError;
use super::gif::{GifQuality, GifWriter, Palette, encode_frame};
use super::workers::Job;

pub(crate) struct GifJob {
    pub(crate) path: PathBuf,
    pub(crate) tmp: PathBuf,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) delay_cs: u16,
    pub(crate) quality: GifQuality,
    pub(crate) threads: usize,
}

/// Frames in order -> `threads` workers quantizing and compressing each frame against the
/// one before it -> this thread, which writes them in order and renames the file when whole.
pub(crate) fn write_gif(file: File, job: GifJob, rx: Receiver<Job>) -> Result<(), CaptureError> {
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
        io: e.into_error(),
    })?;
    file.sync_data().map_err(|source| CaptureError::Write {
        path: job.tmp.clone(),
        io: source,
    })?;
    std::fs::rename(&job.tmp, &path).map_err(|source| CaptureError::Write { path, io: source })
}
