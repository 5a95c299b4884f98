//! The encoding side of a capture: worker threads fed through a bounded queue, which holds
//! memory steady when they are slower than the GPU; the first failure is reported to the
//! producer as soon as it is seen.

use std::fs::File;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::ffmpeg::{feed_ffmpeg, spawn_ffmpeg};
use super::gif_file::{GifJob, write_gif};
use super::png::write_png_with;
use super::workers::{Job, worker_threads};
use super::{CaptureError, Output, check_output, frame_name, partial_path};

/// The encoding side: worker threads fed through a bounded queue.
pub(crate) struct Sink {
    tx: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<Result<(), CaptureError>>>,
    /// The first error any worker met, seen by the producer without waiting for a join.
    failed: Arc<Mutex<Option<String>>>,
}

impl Sink {
    pub(crate) fn start(output: &Output, width: u32, height: u32) -> Result<Self, CaptureError> {
        let failed: Arc<Mutex<Option<String>>> = Arc::default();
        match output {
            Output::Pngs { dir, compression } => {
                let compression = *compression;
                // Fail now, not after rendering, when the folder cannot be made or written.
                check_output(output)?;
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
                    io: source,
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
    pub(crate) fn check(&self) -> Result<(), CaptureError> {
        let message = self.failed.lock().ok().and_then(|f| f.clone());
        match message {
            Some(m) => Err(CaptureError::Encoder(m)),
            None => Ok(()),
        }
    }

    pub(crate) fn send(&mut self, frame: u32, rgba: Vec<u8>) -> Result<(), CaptureError> {
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

    pub(crate) fn finish(mut self) -> Result<(), CaptureError> {
        self.join()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

pub(crate) fn record(failed: &Mutex<Option<String>>, e: &CaptureError) {
    if let Ok(mut f) = failed.lock() {
        f.get_or_insert_with(|| e.to_string());
    }
}
