//! Capture: frames come back byte-exact through the padded-row readback, in order, as PNGs,
//! a GIF or a video; outputs appear only when whole.

mod common;

use descent::capture::gif::GifQuality;
use descent::capture::{Capture, Output, frame_name};

/// A texture holding a pattern unique to `frame`, at an odd width so rows need padding.
fn frame_texture(width: u32, height: u32, frame: u32) -> (wgpu::Texture, Vec<u8>) {
    let gpu = common::gpu();
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("test.frame"),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8UnormSrgb,
        usage: wgpu::TextureUsages::COPY_SRC | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    let mut rgba = Vec::with_capacity((width * height * 4) as usize);
    for y in 0..height {
        for x in 0..width {
            rgba.extend_from_slice(&[(x * 7 + frame * 31) as u8, (y * 3) as u8, (frame * 50) as u8, 255]);
        }
    }
    gpu.queue.write_texture(
        texture.as_image_copy(),
        &rgba,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(width * 4),
            rows_per_image: Some(height),
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    (texture, rgba)
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-capture-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn png_frames_are_exact_and_in_order() {
    let gpu = common::gpu();
    let (w, h) = (133, 47);
    let dir = tmpdir("pngs");
    let mut capture = Capture::new(gpu, w, h, &Output::pngs(dir.clone()), 0).unwrap();
    let mut expected = Vec::new();
    for f in 0..7 {
        let (texture, rgba) = frame_texture(w, h, f);
        capture.push(gpu, &texture).unwrap();
        expected.push(rgba);
    }
    assert_eq!(capture.finish(gpu).unwrap(), 7);
    for (f, rgba) in expected.iter().enumerate() {
        let img = image::open(dir.join(frame_name(f as u32))).unwrap().to_rgba8();
        assert_eq!(img.dimensions(), (w, h));
        assert!(img.as_raw() == rgba, "frame {f} differs");
    }
    // Only whole frames, no temporaries.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
}

#[test]
fn gif_and_still_are_written_whole() {
    let gpu = common::gpu();
    let (w, h) = (64, 48);
    let dir = tmpdir("gif");
    std::fs::create_dir_all(&dir).unwrap();
    let gif = dir.join("anim.gif");
    let mut capture = Capture::new(
        gpu,
        w,
        h,
        &Output::Gif {
            path: gif.clone(),
            fps: 20.0,
            quality: GifQuality::Fast,
        },
        0,
    )
    .unwrap();
    for f in 0..5 {
        capture.push(gpu, &frame_texture(w, h, f).0).unwrap();
    }
    capture.finish(gpu).unwrap();
    use image::AnimationDecoder;
    let frames =
        image::codecs::gif::GifDecoder::new(std::io::BufReader::new(std::fs::File::open(&gif).unwrap()))
            .unwrap()
            .into_frames()
            .collect_frames()
            .unwrap();
    assert_eq!(frames.len(), 5);
    assert_eq!(frames[0].delay().numer_denom_ms(), (50, 1));

    let still = dir.join("poster.png");
    let mut capture = Capture::new(gpu, w, h, &Output::still(still.clone()), 0).unwrap();
    let (texture, rgba) = frame_texture(w, h, 3);
    capture.push(gpu, &texture).unwrap();
    capture.finish(gpu).unwrap();
    assert!(image::open(&still).unwrap().to_rgba8().as_raw() == &rgba);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn video_through_ffmpeg() {
    let gpu = common::gpu();
    let (w, h) = (161, 90); // odd: padded to even for yuv420p
    let dir = tmpdir("video");
    std::fs::create_dir_all(&dir).unwrap();
    let mp4 = dir.join("out.mp4");
    let mut capture = Capture::new(
        gpu,
        w,
        h,
        &Output::Video {
            path: mp4.clone(),
            fps: 30.0,
        },
        0,
    )
    .unwrap_or_else(|e| panic!("{e} (the test setup installs ffmpeg: scripts/setup-debian.sh)"));
    for f in 0..12 {
        capture.push(gpu, &frame_texture(w, h, f).0).unwrap();
    }
    capture.finish(gpu).unwrap();
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames,width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(&mp4)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "162,90,12");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn unwritable_output_fails_before_rendering() {
    let gpu = common::gpu();
    let err = Capture::new(gpu, 8, 8, &Output::pngs("/proc/descent-frames"), 0)
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .starts_with("cannot create the output folder /proc/descent-frames"),
        "{err}"
    );
}

#[test]
fn resume_point_skips_whole_frames_and_clears_temporaries() {
    let dir = tmpdir("resume");
    assert_eq!(descent::capture::resume_point(&dir).unwrap(), 0);
    std::fs::create_dir_all(&dir).unwrap();
    for f in 0..3 {
        std::fs::write(dir.join(frame_name(f)), b"png").unwrap();
    }
    std::fs::write(dir.join(".frame_000003.partial.png"), b"half").unwrap();
    std::fs::write(dir.join(frame_name(5)), b"png").unwrap(); // not contiguous: rewritten
    assert_eq!(descent::capture::resume_point(&dir).unwrap(), 3);
    assert!(!dir.join(".frame_000003.partial.png").exists());
}

#[test]
fn full_disk_stops_the_capture_with_the_reason_and_no_partial_frame() {
    let gpu = common::gpu();
    let dir = tmpdir("full");
    std::fs::create_dir_all(&dir).unwrap();
    // Frame 2's temporary is a link to /dev/full: writing it fails with ENOSPC.
    std::os::unix::fs::symlink("/dev/full", dir.join(".frame_000002.partial.png")).unwrap();
    let mut capture = Capture::new(gpu, 32, 16, &Output::pngs(dir.clone()), 0).unwrap();
    let mut result = Ok(());
    for f in 0..12 {
        result = capture.push(gpu, &frame_texture(32, 16, f).0);
        if result.is_err() {
            break;
        }
    }
    let err = match result {
        Err(e) => e.to_string(),
        Ok(()) => capture.finish(gpu).expect_err("the capture fails").to_string(),
    };
    assert!(
        err.starts_with(&format!(
            "cannot write {}",
            dir.join(".frame_000002.partial.png").display()
        )),
        "{err}"
    );
    assert!(err.contains("No space left on device"), "{err}");
    assert!(!dir.join(frame_name(2)).exists());
    assert!(std::fs::symlink_metadata(dir.join(".frame_000002.partial.png")).is_err());
}
