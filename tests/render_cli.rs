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

/// `descent` on the adapter the tests use (the binary prefers a real GPU; a machine with one
/// would otherwise render, and report limits, on another adapter than the test compares with).
fn command() -> Command {
    let info = common::gpu().adapter.get_info();
    let mut c = Command::new(common::descent_bin());
    c.env("WGPU_ADAPTER_NAME", &info.name)
        .env("WGPU_BACKEND", info.backend.to_str());
    c
}

fn descent(args: &[&str]) -> std::process::Output {
    command().args(args).output().unwrap()
}

fn rgba(path: &std::path::Path) -> image::RgbaImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8()
}

/// Mean absolute difference per channel (RGB) of two pictures of one size.
fn mean_diff(a: &image::RgbaImage, b: &image::RgbaImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .pixels()
        .zip(b.pixels())
        .map(|(p, q)| (0..3).map(|k| u64::from(p[k].abs_diff(q[k]))).sum::<u64>())
        .sum();
    sum as f64 / (3.0 * f64::from(a.width() * a.height()))
}

/// `descent render SCENE --still` at `step`, `size`, MSAA `msaa`, plus `extra` flags.
fn render_still(
    dir: &std::path::Path,
    name: &str,
    step: &str,
    size: &str,
    msaa: &str,
    extra: &[&str],
) -> image::RgbaImage {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    let mut args = vec![
        "render",
        scene(),
        "--still",
        path.to_str().unwrap(),
        "--at-step",
        step,
        "--size",
        size,
        "--msaa",
        msaa,
    ];
    args.extend_from_slice(extra);
    let out = descent(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    rgba(&path)
}

/// Frame `n` of a video, decoded by ffmpeg.
fn video_frame(video: &std::path::Path, n: u32) -> image::RgbaImage {
    let png = video.with_extension(format!("frame{n}.png"));
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(video)
        .args(["-vf", &format!("select=eq(n\\,{n})"), "-vframes", "1"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    rgba(&png)
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

/// GIF frames, decoded (disposal and transparency applied), as RGBA images.
fn gif_frames(path: &std::path::Path) -> Vec<image::RgbaImage> {
    use image::AnimationDecoder;
    image::codecs::gif::GifDecoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()))
        .unwrap()
        .into_frames()
        .collect_frames()
        .unwrap()
        .into_iter()
        .map(|f| f.into_buffer())
        .collect()
}

/// Each GIF frame is its PNG frame within the quantization error, and nearer to it than to
/// any other frame (so the parallel encoders wrote them in order). The bounds: mean
/// difference per channel under 1.5 levels for `fast` (ordered dither over a global palette)
/// and under 1.0 for `best` (a palette per frame); both measure about 0.8 and 0.3 on the
/// post scene at 1200x900.
#[test]
fn gif_frames_match_the_png_frames_in_order() {
    let dir = tmpdir("gif-vs-png");
    let frames = dir.join("frames");
    let common = ["--size", "240x180", "--frames", "12"];
    let out = descent(
        &[
            &["render", scene(), "--out", frames.to_str().unwrap()][..],
            &common,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pngs: Vec<image::RgbaImage> = pngs(&frames).iter().map(|f| rgba(f)).collect();
    assert_eq!(pngs.len(), 12);
    for (quality, bound) in [("fast", 1.5), ("best", 1.0)] {
        let gif = dir.join(format!("{quality}.gif"));
        let out = descent(
            &[
                &[
                    "render",
                    scene(),
                    "--gif",
                    gif.to_str().unwrap(),
                    "--gif-quality",
                    quality,
                ][..],
                &common,
            ]
            .concat(),
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let decoded = gif_frames(&gif);
        assert_eq!(decoded.len(), 12, "{quality}");
        for (i, frame) in decoded.iter().enumerate() {
            let own = mean_diff(frame, &pngs[i]);
            assert!(
                own < bound,
                "{quality} gif frame {i}: mean difference {own:.3} >= {bound}"
            );
            for (j, other) in pngs.iter().enumerate() {
                if j != i && mean_diff(other, &pngs[i]) > 0.0 {
                    let d = mean_diff(frame, other);
                    assert!(
                        d > own,
                        "{quality} gif frame {i} is nearer png frame {j} ({d:.3} <= {own:.3})"
                    );
                }
            }
        }
    }
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
    // And each is the frame of its time: 6 frames over 200 steps are steps 0, 40, ..., 200,
    // the same pictures as stills at those steps.
    let stills = dir.join("stills");
    let at_40 = render_still(&stills, "40.png", "40", "320x240", "1", &[]);
    let at_200 = render_still(&stills, "200.png", "200", "320x240", "1", &[]);
    assert!(
        mean_diff(&rgba(&files[1]), &at_40) < 0.2,
        "frame 1 is not step 40"
    );
    assert!(
        mean_diff(&rgba(&files[5]), &at_200) < 0.2,
        "frame 5 is not step 200"
    );
    assert!(mean_diff(&at_40, &at_200) > 0.5, "steps 40 and 200 look alike");

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
    // The last of 10 frames is step 200: x264 is lossy, but close to the still.
    let last = video_frame(&mp4, 9);
    let (d, d0) = (mean_diff(&last, &at_200), mean_diff(&last, &at_40));
    assert!(
        d < 3.0 && d < d0,
        "mp4 frame 9 vs step 200: {d}, vs step 40: {d0}"
    );

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
    // The last of 4 frames is step 200, in 256 colours.
    let frames = gif_frames(&gif);
    assert_eq!(frames.len(), 4);
    let small_200 = render_still(&stills, "200-small.png", "200", "160x120", "1", &[]);
    let small_0 = render_still(&stills, "0-small.png", "0", "160x120", "1", &[]);
    let last = &frames[3];
    let (d, d0) = (mean_diff(last, &small_200), mean_diff(last, &small_0));
    assert!(d < 3.0 && d < d0, "gif frame 3 vs step 200: {d}, vs step 0: {d0}");
    assert!(mean_diff(&frames[0], &small_0) < 3.0, "gif frame 0 is not step 0");

    let webm = dir.join("saddle.webm");
    let out = descent(&[
        "render",
        scene(),
        "--video",
        webm.to_str().unwrap(),
        "--size",
        "320x240",
        "--frames",
        "10",
        "--msaa",
        "1",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
        ])
        .arg(&webm)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "vp9");
    let last = video_frame(&webm, 9);
    let (d, d0) = (mean_diff(&last, &at_200), mean_diff(&last, &at_40));
    assert!(
        d < 3.0 && d < d0,
        "webm frame 9 vs step 200: {d}, vs step 40: {d0}"
    );

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
    let poster = rgba(&still);
    assert_eq!(poster.dimensions(), (320, 240));
    // At step 100 with 4x MSAA: between the stills at 40 and 200 (1x), nearer neither's
    // pixels exactly, and not blank.
    let white = image::RgbaImage::from_pixel(320, 240, image::Rgba([255, 255, 255, 255]));
    assert!(mean_diff(&poster, &white) > 5.0, "a blank still");
    let at_100 = render_still(&stills, "100.png", "100", "320x240", "4", &[]);
    assert!(mean_diff(&poster, &at_100) < 0.2);
    assert!(mean_diff(&poster, &at_200) > 0.3 && mean_diff(&poster, &at_40) > 0.3);
}

#[test]
fn bad_render_requests_are_refused_with_the_reason() {
    let dir = tmpdir("bad");
    let mp4 = dir.join("x.mp4");
    let out = command()
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
        "error: give exactly one of --out DIR, --video FILE, --gif FILE or --still FILE.png (and --start-map FILE.png, --sweep-map FILE.png or --sweep-csv FILE.csv if wanted)"
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
    let mut child = command().args(args).stderr(Stdio::piped()).spawn().unwrap();
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
    let all = pngs(&dir);
    assert_eq!(all.len(), 201);
    // The first resumed frame, one after it and the last are those of an uninterrupted run:
    // frame k shows step k.
    let first = written.len();
    let stills = tmpdir("interrupt-stills");
    for k in [first, first + 1, 200] {
        let step = k.to_string();
        let want = render_still(&stills, &format!("{k}.png"), &step, "200x150", "1", &[]);
        let got = rgba(&all[k]);
        let d = mean_diff(&got, &want);
        assert!(
            d < 0.2,
            "resumed frame {k} differs from step {k} by {d} per channel"
        );
    }
    let before = rgba(&all[first - 1]);
    assert!(mean_diff(&before, &rgba(&all[200])) > 0.3, "frames do not change");
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
    let out = command()
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

/// The style flags change the picture as they say: `--orbit` turns the camera by its degrees
/// per second of video (frame 1 at 1 fps is 90 degrees on: the still from azimuth 120 + 90),
/// `--camera azim=..,elev=..` places it (the post's angles give the post's view), `--fade`
/// thins the old part of the trails, `--trail-width` widens them.
#[test]
fn orbit_camera_fade_and_trail_width_flags() {
    let dir = tmpdir("flags");
    let frames = dir.join("orbit");
    let out = descent(&[
        "render",
        scene(),
        "--out",
        frames.to_str().unwrap(),
        "--size",
        "240x180",
        "--msaa",
        "1",
        "--frames",
        "2",
        "--fps",
        "1",
        "--orbit",
        "90",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let orbit = pngs(&frames);
    let turned = render_still(
        &dir,
        "turned.png",
        "200",
        "240x180",
        "1",
        &["--camera", "azim=210,elev=37"],
    );
    let post = render_still(&dir, "post.png", "200", "240x180", "1", &[]);
    let post_angles = render_still(
        &dir,
        "post-angles.png",
        "200",
        "240x180",
        "1",
        &["--camera", "azim=120,elev=37"],
    );
    let start = render_still(&dir, "start.png", "0", "240x180", "1", &[]);
    assert!(
        mean_diff(&rgba(&orbit[0]), &start) < 0.2,
        "frame 0 is turned already"
    );
    assert!(
        mean_diff(&rgba(&orbit[1]), &turned) < 0.2,
        "frame 1 is not 90 degrees on"
    );
    assert!(
        mean_diff(&turned, &post) > 2.0,
        "azim=210 looks like the post's view"
    );
    assert!(
        mean_diff(&post_angles, &post) < 0.2,
        "azim=120,elev=37 is not the post's view"
    );
    let low = render_still(
        &dir,
        "low.png",
        "200",
        "240x180",
        "1",
        &["--camera", "azim=120,elev=5"],
    );
    assert!(mean_diff(&low, &post) > 2.0, "elev=5 looks like elev=37");

    // Trails from the top on a grey surface: the trails' blue pixels are the trails; fading
    // leaves fewer of them at full colour.
    let blue = |img: &image::RgbaImage| {
        img.pixels()
            .filter(|p| p[0].abs_diff(31) <= 30 && p[1].abs_diff(119) <= 30 && p[2].abs_diff(180) <= 30)
            .count()
    };
    let top = ["--camera", "top", "--colormap", "gray", "--no-axes"];
    let plain = render_still(&dir, "plain.png", "200", "480x360", "1", &top);
    let faded = render_still(
        &dir,
        "faded.png",
        "200",
        "480x360",
        "1",
        &[&top[..], &["--fade"]].concat(),
    );
    // Width: sgd-vs-adam has no plots, so the top view fills the frame and puts data (x, y)
    // at pixel (240 + 128.6 x, 180 - 128.6 y) (2.8 world units over 360 rows). SGD runs along
    // y = 0 from x = 0.2 to the origin; Adam leaves it diagonally (y ~ 0.1 at x = 0.1). Count
    // the coloured pixels across SGD's path at x = 0.1, within 8 rows of it.
    let sgd_vs_adam = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenes/sgd-vs-adam.toml");
    let width_of = |name: &str, extra: &[&str]| {
        let path = dir.join(name);
        let mut args = vec![
            "render",
            sgd_vs_adam,
            "--still",
            path.to_str().unwrap(),
            "--size",
            "480x360",
            "--msaa",
            "1",
            "--camera",
            "top",
            "--colormap",
            "gray",
            "--no-axes",
        ];
        args.extend_from_slice(extra);
        let out = descent(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let img = rgba(&path);
        (172..=188)
            .filter(|&y| {
                let p = img.get_pixel(240 + 13, y);
                p[0].max(p[1]).max(p[2]) - p[0].min(p[1]).min(p[2]) > 30
            })
            .count()
    };
    let (narrow, broad) = (
        width_of("narrow.png", &[]),
        width_of("broad.png", &["--trail-width", "6"]),
    );
    assert!((2..=5).contains(&narrow), "a 2.5 px trail is {narrow} px across");
    assert!((5..=9).contains(&broad), "a 6 px trail is {broad} px across");
    let (plain, faded) = (blue(&plain), blue(&faded));
    assert!(plain > 300, "{plain} trail pixels");
    assert!(faded * 10 < plain * 8, "--fade: {faded} trail pixels of {plain}");
}

/// Outputs are checked before any work: a still into a folder that does not exist fails
/// before a GPU is even looked for (an adapter name that matches nothing would fail later),
/// with the path, once, and leaves nothing; so do a start map, a sweep CSV and a video.
#[test]
fn a_bad_output_fails_before_any_work() {
    for args in [
        vec![
            "render",
            "assets/scenes/rastrigin-million.toml",
            "--still",
            "/nonexistent/dir/x.png",
        ],
        vec![
            "render",
            "--start-map",
            "/nonexistent/dir/m.png",
            "--grid",
            "4x4",
            "--surface",
            "bowl",
            "--still",
            "/tmp/x.png",
        ],
        vec![
            "render",
            "--surface",
            "bowl",
            "--optimizer",
            "sgd:lr=0.1..0.2:4",
            "--sweep-csv",
            "/nonexistent/dir/s.csv",
        ],
        vec!["render", "--surface", "bowl", "--video", "/nonexistent/dir/v.mp4"],
        vec!["run", "--surface", "bowl", "--export", "/nonexistent/dir/t.csv"],
    ] {
        let out = Command::new(common::descent_bin())
            .args(&args)
            .env("WGPU_ADAPTER_NAME", "no-such-adapter")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        let last = err.lines().last().unwrap_or("");
        assert!(
            last.starts_with("error: cannot write /nonexistent/dir/")
                && last.ends_with(": No such file or directory (os error 2)")
                && last.matches("os error").count() == 1,
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("adapter"),
            "{args:?}: a GPU was looked for first: {err}"
        );
    }
}

/// A render that fails midway (frame 2 cannot be written: the disk is full) ends its progress
/// line first: the error starts a line of its own.
#[test]
fn an_error_midway_starts_its_own_line() {
    let dir = tmpdir("full-midway");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink("/dev/full", dir.join(".frame_000002.partial.png")).unwrap();
    let out = descent(&[
        "render",
        "--surface",
        "bowl",
        "--steps",
        "20",
        "--size",
        "160x120",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("error:"))
        .unwrap_or_else(|| panic!("no error in {err}"));
    assert!(
        line.starts_with("error: "),
        "the error is glued to another line: {line:?}"
    );
    assert!(line.contains("No space left on device"), "{line}");
}

/// Ctrl-C from a terminal reaches the whole process group: a video and a GIF interrupted so
/// keep the frames done as a playable file (ffmpeg runs in a group of its own and is not
/// killed mid-write), and the message says how many and that they restart, not resume.
#[test]
fn ctrl_c_to_the_process_group_keeps_a_playable_video_and_gif() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    let dir = tmpdir("ctrl-c");
    std::fs::create_dir_all(&dir).unwrap();
    for (flag, file) in [("--video", "cc.mp4"), ("--gif", "cc.gif")] {
        let path = dir.join(file);
        let mut child = command()
            .args([
                "render",
                "--surface",
                "bowl",
                "--steps",
                "3000",
                "--size",
                "160x120",
                flag,
            ])
            .arg(&path)
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = child.id();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        // Wait for frame 20 (progress lines end in '\r'), then interrupt the whole group.
        let mut seen = Vec::new();
        loop {
            let mut chunk = Vec::new();
            if err.read_until(b'\r', &mut chunk).unwrap() == 0 {
                break;
            }
            seen.extend_from_slice(&chunk);
            if String::from_utf8_lossy(&chunk).contains("frame 20/") {
                break;
            }
        }
        let kill = Command::new("kill")
            .args(["-s", "INT", "--", &format!("-{pgid}")])
            .status()
            .unwrap();
        assert!(kill.success());
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
        let status = child.wait().unwrap();
        let text = format!("{}{rest}", String::from_utf8_lossy(&seen));
        assert_eq!(status.code(), Some(130), "{flag}: {text}");
        let line = text
            .lines()
            .find(|l| l.starts_with("interrupted: "))
            .unwrap_or_else(|| panic!("{flag}: {text}"));
        let frames: u32 = line["interrupted: ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!((20..3001).contains(&frames), "{line}");
        assert!(line.contains("restart rather than resume"), "{line}");
        let decoded = if flag == "--video" {
            let probe = Command::new("ffprobe")
                .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
                .args(["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
                .arg(&path)
                .output()
                .expect("ffprobe (installed with ffmpeg)");
            assert!(
                probe.status.success(),
                "{}",
                String::from_utf8_lossy(&probe.stderr)
            );
            String::from_utf8_lossy(&probe.stdout)
                .trim()
                .parse::<u32>()
                .unwrap()
        } else {
            let file = std::fs::File::open(&path).unwrap();
            let mut options = gif::DecodeOptions::new();
            options.set_color_output(gif::ColorOutput::RGBA);
            let mut decoder = options.read_info(file).unwrap();
            let mut n = 0;
            while decoder.read_next_frame().unwrap().is_some() {
                n += 1;
            }
            n
        };
        assert_eq!(decoded, frames, "{flag}: the file holds the frames done");
    }
}

/// A momentum x lr trainability map on Rosenbrock, 24 x 24 groups of 200 steps.
fn small_map_scene(lr: [f64; 2], momentum: [f64; 2]) -> String {
    format!(
        "title = \"zoom\"\n[surface]\nname = \"rosenbrock\"\n[[optimizer]]\nname = \"sgd\"\n\
         lr = {{ from = {:?}, to = {:?}, count = 24, scale = \"log\" }}\n\
         momentum = {{ from = {:?}, to = {:?}, count = 24 }}\n[starts]\npoints = [[-1.5, 2.0]]\n\
         [run]\nsteps = 200\n[view]\nsweep_score = \"trainability\"\n",
        lr[0], lr[1], momentum[0], momentum[1]
    )
}

/// `--zoom-to` renders the map, full-frame, as a fresh run per frame: its first frame is the
/// still of the scene's ranges and its last the still of the target's, pixel for pixel; the
/// frames between zoom in (each differs from both ends).
#[test]
fn a_zoom_videos_ends_are_the_stills_of_their_ranges() {
    let dir = tmpdir("zoom");
    std::fs::create_dir_all(&dir).unwrap();
    let start = dir.join("start.toml");
    let end = dir.join("end.toml");
    std::fs::write(&start, small_map_scene([1e-4, 1e-2], [0.0, 0.99])).unwrap();
    std::fs::write(&end, small_map_scene([0.002, 0.004], [0.8, 0.95])).unwrap();
    let frames = dir.join("frames");
    let out = descent(&[
        "render",
        start.to_str().unwrap(),
        "--zoom-to",
        "lr=0.002..0.004,momentum=0.8..0.95",
        "--frames",
        "4",
        "--size",
        "480x360",
        "--out",
        frames.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let still = |scene: &std::path::Path, name: &str| {
        let path = dir.join(name);
        let out = descent(&[
            "render",
            scene.to_str().unwrap(),
            "--layout",
            "map",
            "--size",
            "480x360",
            "--still",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        rgba(&path)
    };
    let frame = |k: u32| rgba(&frames.join(format!("frame_{k:06}.png")));
    let (first, last) = (still(&start, "start.png"), still(&end, "end.png"));
    assert!(
        frame(0) == first,
        "the first frame is not the still of the scene's ranges"
    );
    assert!(
        frame(3) == last,
        "the last frame is not the still of the target's ranges"
    );
    assert!(frame(1) != first && frame(1) != last && frame(2) != frame(1));
    // A map frame is the map: mostly Spectral's colours, both classes, on white.
    let img = frame(0);
    let red = img.pixels().filter(|p| p[0] > 150 && p[1] < 80).count();
    let blue = img.pixels().filter(|p| p[2] > 140 && p[0] < 120).count();
    let pixels = (img.width() * img.height()) as usize;
    assert!(
        red > pixels / 50 && blue > pixels / 50,
        "{red} red, {blue} blue of {pixels}"
    );
    // A zoom names parameters the scene sweeps.
    let out = descent(&[
        "render",
        start.to_str().unwrap(),
        "--zoom-to",
        "beta1=0.1..0.2",
        "--gif",
        "x.gif",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no optimizer sweeps beta1"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
