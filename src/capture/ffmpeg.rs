//! Video through ffmpeg: raw RGBA frames streamed into its stdin (x264 for mp4, VP9 for webm),
//! written under a temporary name and renamed when ffmpeg finishes; its stderr is kept for the
//! error message.

use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Receiver;

use super::workers::Job;
use super::{CaptureError, partial_path};

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

/// The ffmpeg executable on `PATH`, if there is one (what `Command::new("ffmpeg")` runs).
pub(crate) fn find_ffmpeg() -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(if cfg!(windows) { "ffmpeg.exe" } else { "ffmpeg" }))
        .find(|p| p.is_file())
}

pub(crate) fn spawn_ffmpeg(
    path: &Path,
    width: u32,
    height: u32,
    fps: f64,
) -> Result<(Child, ChildStdin, std::process::ChildStderr), CaptureError> {
    let tmp = partial_path(path);
    let mut cmd = Command::new("ffmpeg");
    // Its own process group: a terminal's Ctrl-C reaches descent's group only, so ffmpeg is not
    // killed mid-write; descent ends its input, and it finishes the file with the frames done.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
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
            io: e,
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

pub(crate) fn feed_ffmpeg(
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
        io: source,
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
        io: source,
    })
}
