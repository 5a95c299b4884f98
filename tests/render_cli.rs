//! `descent render` as a user runs it: PNG sequences, video, GIF, stills; and failing well:
//! ffmpeg missing, a size over the adapter's limit, Ctrl-C then --resume.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn scene() -> &'static str {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenes/saddle-two-starts.toml"
    )
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-render-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn descent(args: &[&str]) -> std::process::Output {
    Command::new(common::descent_bin()).args(args).output().unwrap()
}

/// The last line of stderr: the error, after any progress or driver chatter.
fn last_line(stderr: &str) -> &str {
    stderr.lines().last().unwrap_or("")
}

fn pngs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

#[test]
fn frames_video_gif_and_still() {
    let dir = tmpdir("outputs");
    let frames = dir.join("frames");
    let out = descent(&[
        "render",
        scene(),
        "--out",
        frames.to_str().unwrap(),
        "--size",
        "320x240",
        "--frames",
        "6",
        "--msaa",
        "1",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = pngs(&frames);
    assert_eq!(files.len(), 6, "{files:?}");
    assert!(
        files
            .iter()
            .all(|f| image::open(f).unwrap().to_rgba8().dimensions() == (320, 240))
    );
    // Frames differ as the paths grow: the first and last are not the same picture.
    assert_ne!(
        std::fs::read(&files[0]).unwrap(),
        std::fs::read(&files[5]).unwrap()
    );

    let mp4 = dir.join("saddle.mp4");
    let out = descent(&[
        "render",
        scene(),
        "--video",
        mp4.to_str().unwrap(),
        "--size",
        "320x240",
        "--frames",
        "10",
        "--msaa",
        "1",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::metadata(&mp4).unwrap().len() > 1000);

    let gif = dir.join("saddle.gif");
    let out = descent(&[
        "render",
        scene(),
        "--gif",
        gif.to_str().unwrap(),
        "--size",
        "160x120",
        "--frames",
        "4",
        "--msaa",
        "1",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(&gif).unwrap().starts_with(b"GIF89a"));

    let still = dir.join("poster.png");
    let out = descent(&[
        "render",
        scene(),
        "--still",
        still.to_str().unwrap(),
        "--at-step",
        "100",
        "--size",
        "320x240",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(image::open(&still).unwrap().to_rgba8().dimensions(), (320, 240));
}

#[test]
fn bad_render_requests_are_refused_with_the_reason() {
    let dir = tmpdir("bad");
    let mp4 = dir.join("x.mp4");
    let out = Command::new(common::descent_bin())
        .args([
            "render",
            scene(),
            "--video",
            mp4.to_str().unwrap(),
            "--size",
            "64x48",
            "--frames",
            "2",
        ])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(
        last_line(&err),
        format!(
            "error: ffmpeg was not found on PATH, so {} cannot be written. Install it (Debian/Ubuntu: \
             sudo apt-get install ffmpeg) or write PNG frames with --out DIR",
            mp4.display()
        )
    );
    assert!(!mp4.exists());

    let out = descent(&[
        "render",
        scene(),
        "--out",
        dir.to_str().unwrap(),
        "--size",
        "100000x100",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let limit = common::gpu().device.limits().max_texture_dimension_2d;
    assert_eq!(
        last_line(&err),
        format!("error: --size 100000x100 is over this adapter's texture limit of {limit}x{limit}")
    );
    assert!(!dir.exists() || pngs(&dir).is_empty());

    let out = descent(&["render", scene(), "--size", "64x48"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(
        last_line(&err),
        "error: give exactly one of --out DIR, --video FILE, --gif FILE or --still FILE.png"
    );

    let still = dir.join("x.png");
    let out = descent(&[
        "render",
        scene(),
        "--still",
        still.to_str().unwrap(),
        "--at-step",
        "999",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(
        last_line(&err),
        "error: --at-step 999 is outside the run's 0..=200 steps"
    );
    assert!(!dir.join("x.png").exists());
}

#[test]
fn interrupt_leaves_whole_frames_and_resume_finishes() {
    let dir = tmpdir("interrupt");
    let args = [
        "render",
        scene(),
        "--out",
        dir.to_str().unwrap(),
        "--size",
        "200x150",
        "--msaa",
        "1",
    ];
    let mut child = Command::new(common::descent_bin())
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !dir.exists() || pngs(&dir).len() < 5 {
        assert!(start.elapsed() < Duration::from_secs(60), "no frames");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGINT, as Ctrl-C sends it, through the shell's builtin `kill` (a minimal machine may
    // have no /usr/bin/kill: procps is not in Debian's minbase).
    assert!(
        Command::new("sh")
            .args(["-c", &format!("kill -INT {}", child.id())])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted:") && stderr.contains("--resume"),
        "{stderr}"
    );
    let written = pngs(&dir);
    assert!(
        written.len() < 201,
        "finished before the interrupt: {}",
        written.len()
    );
    for f in &written {
        assert!(
            f.file_name().unwrap().to_string_lossy().starts_with("frame_"),
            "left over: {f:?}"
        );
        image::open(f).unwrap_or_else(|e| panic!("{f:?} is not a whole PNG: {e}"));
    }
    let mut resumed: Vec<&str> = args.to_vec();
    resumed.push("--resume");
    let out = descent(&resumed);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(pngs(&dir).len(), 201);
}

#[test]
fn ffmpeg_failing_is_reported_with_its_last_lines_and_no_file() {
    // A stand-in ffmpeg that reads a little, complains like ffmpeg does and exits 1.
    let dir = tmpdir("fake-ffmpeg");
    std::fs::create_dir_all(&dir).unwrap();
    let fake = dir.join("ffmpeg");
    std::fs::write(&fake, "#!/bin/sh\nhead -c 1000 >/dev/null\necho 'Unknown encoder libx264' >&2\necho 'Conversion failed!' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mp4 = dir.join("out.mp4");
    let out = Command::new(common::descent_bin())
        .args([
            "render",
            scene(),
            "--video",
            mp4.to_str().unwrap(),
            "--size",
            "64x48",
            "--frames",
            "20",
            "--msaa",
            "1",
        ])
        .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("ffmpeg failed (exit status: 1)"), "{err}");
    assert!(
        err.contains("Unknown encoder libx264\nConversion failed!"),
        "{err}"
    );
    assert!(!mp4.exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("ffmpeg")],
        "{leftovers:?}"
    );
}
