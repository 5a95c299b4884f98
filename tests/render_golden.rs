//! Golden images of the 3D renderer on lavapipe, and tests of the image comparator itself.
//!
//! Goldens live in `tests/golden/*.png`, rendered on lavapipe (480x360, 4x MSAA). The
//! comparator is in `tests/common/golden.rs`: a frame matches its golden when at most 0.05% of
//! its pixels differ by more than 16
//! (max over RGB) from every pixel in the 3x3 neighbourhood of the same place in the other
//! image, both ways: a one-pixel shift or LLVM rounding passes, a missing trail (hundreds of
//! pixels of a line 2.5 px wide) fails. A missing golden fails unless `UPDATE_GOLDEN=1`; on a
//! failure `NAME.new.png` and `NAME.diff.png` are written next to the golden (gitignored).

mod common;

use common::golden::{THRESHOLD, assert_golden, check_golden, compare, delta, golden_dir, near};

use std::path::Path;

use descent::camera::OrbitCamera;
use descent::gpu::mesh::SurfaceMesh;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::render::{Colormap, FrameState, RenderSettings, Renderer, read_texture_rgba};
use descent::scene::Scene;
use image::{Rgba, RgbaImage};

const WIDTH: u32 = 480;
const HEIGHT: u32 = 360;

fn saddle() -> Scene {
    Scene::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes/saddle-two-starts.toml"))
        .expect("saddle scene")
}

fn settings() -> RenderSettings {
    RenderSettings {
        width: WIDTH,
        height: HEIGHT,
        ..RenderSettings::default()
    }
}

/// Simulates `scene` to `ceil(time)` with a full trail and renders one frame.
fn render(scene: &Scene, settings: &RenderSettings, camera: &OrbitCamera, time: f32) -> RgbaImage {
    let gpu = common::gpu();
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .expect("simulation");
    let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1]).expect("mesh");
    let mut renderer = Renderer::new(gpu, &scene.surface, &mesh, &sim, settings).expect("renderer");
    sim.advance_to(gpu, time.ceil() as u32);
    let texture = renderer.render(gpu, &sim, &FrameState { camera, time });
    let image = read_texture_rgba(gpu, texture).expect("readback");
    assert!(gpu.take_fault().is_none(), "the GPU reported an error");
    image
}

// ---- goldens ----

#[test]
fn golden_saddle_at_step_0() {
    let image = render(&saddle(), &settings(), &OrbitCamera::post(), 0.0);
    assert_golden("saddle-step0", &image);
}

#[test]
fn golden_saddle_at_step_200() {
    let image = render(&saddle(), &settings(), &OrbitCamera::post(), 200.0);
    assert_golden("saddle-step200", &image);
}

#[test]
fn golden_top_down_contours() {
    let settings = RenderSettings {
        contours: true,
        grid_lines: false,
        ..settings()
    };
    let image = render(&saddle(), &settings, &OrbitCamera::top(), 120.5);
    assert_golden("saddle-top-contours", &image);
}

#[test]
fn trail_length_shortens_the_drawn_trails() {
    // Top-down, no markers: pixels of the trails' blue are the trails alone.
    let blue = Rgba([31, 119, 180, 255]);
    let count = |trail_length| {
        let settings = RenderSettings {
            trail_length,
            show_markers: false,
            contours: false,
            grid_lines: false,
            colormap: Colormap::Gray,
            ..settings()
        };
        let image = render(&saddle(), &settings, &OrbitCamera::top(), 60.0);
        image.pixels().filter(|p| delta(p, &blue) <= 24).count()
    };
    let (whole, short) = (count(None), count(Some(20)));
    // At step 60, the last 20 steps are about a third of each path's length.
    assert!(whole > 300, "{whole}");
    assert!(short > 20 && short * 2 < whole, "{short} of {whole}");
}

#[test]
fn golden_trail_behind_a_hill() {
    let scene = Scene::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenes/behind-the-hill.toml"))
        .expect("hill scene");
    let settings = RenderSettings {
        colormap: Colormap::Magma,
        ..settings()
    };
    let image = render(&scene, &settings, &OrbitCamera::post(), 240.0);
    assert_golden("hill-occlusion", &image);
}

// ---- the comparator, on synthetic and real images ----

/// A smooth background, a 1 px grid, a disc and (optionally) a 3 px 'trail' 150 px long.
fn synthetic(with_trail: bool, shift: u32) -> RgbaImage {
    let (w, h) = (200u32, 150u32);
    RgbaImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 - shift as f32, y as f32 - shift as f32);
        let mut c = [(100.0 + fx * 0.5) as u8, (80.0 + fy * 0.6) as u8, 160, 255];
        if (fx as i32).rem_euclid(10) == 0 || (fy as i32).rem_euclid(10) == 0 {
            c = [30, 30, 30, 255];
        }
        if (fx - 60.0).powi(2) + (fy - 70.0).powi(2) < 100.0 {
            c = [250, 250, 250, 255];
        }
        // The trail: y = 0.5 x + 20 from x = 25 to 175, 3 px thick.
        let d = (fy - 0.5 * fx - 20.0).abs() / 1.118;
        if with_trail && (25.0..175.0).contains(&fx) && d < 1.5 {
            c = [31, 119, 180, 255];
        }
        Rgba(c)
    })
}

#[test]
fn comparator_accepts_a_one_pixel_shift() {
    let golden = synthetic(true, 0);
    let cmp = compare(&golden, &synthetic(true, 1));
    assert!(cmp.passes(), "{} pixels differ", cmp.failing);
    assert_eq!(compare(&golden, &golden).failing, 0);
}

#[test]
fn comparator_rejects_a_missing_trail() {
    let cmp = compare(&synthetic(true, 0), &synthetic(false, 0));
    assert!(!cmp.passes(), "only {} pixels differ", cmp.failing);
    assert!(cmp.failing >= 100, "{}", cmp.failing);
}

#[test]
fn comparator_on_real_frames_accepts_a_shift_and_rejects_no_trails() {
    let scene = saddle();
    let camera = OrbitCamera::post();
    let with = render(&scene, &settings(), &camera, 200.0);
    let shifted = RgbaImage::from_fn(WIDTH, HEIGHT, |x, y| *with.get_pixel(x.saturating_sub(1), y));
    let cmp = compare(&with, &shifted);
    assert!(cmp.passes(), "a one-pixel shift fails: {} pixels", cmp.failing);
    let without = render(
        &scene,
        &RenderSettings {
            show_trails: false,
            ..settings()
        },
        &camera,
        200.0,
    );
    let cmp = compare(&with, &without);
    assert!(
        !cmp.passes(),
        "frames without trails pass: only {} pixels differ",
        cmp.failing
    );
}

#[test]
fn a_missing_golden_fails_and_leaves_the_new_image() {
    let dir = std::env::temp_dir().join(format!("descent-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let image = synthetic(true, 0);
    let err = check_golden(&dir, "nothing", &image, false).unwrap_err();
    assert!(err.contains("UPDATE_GOLDEN=1"), "{err}");
    assert!(dir.join("nothing.new.png").exists());
    check_golden(&dir, "nothing", &image, true).unwrap();
    check_golden(&dir, "nothing", &image, false).unwrap();
    let err = check_golden(&dir, "nothing", &synthetic(false, 0), false).unwrap_err();
    assert!(dir.join("nothing.diff.png").exists(), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

// ---- the target and settings ----

fn golden(name: &str) -> RgbaImage {
    image::open(golden_dir().join(format!("{name}.png")))
        .expect("golden")
        .to_rgba8()
}

#[test]
fn without_msaa_the_picture_is_the_same_up_to_edges() {
    let image = render(
        &saddle(),
        &RenderSettings {
            msaa: 1,
            ..settings()
        },
        &OrbitCamera::post(),
        200.0,
    );
    let golden = golden("saddle-step200");
    let cmp = compare(&golden, &image);
    // Aliased silhouettes differ from the multisampled ones, but little else may.
    assert!(
        cmp.failing < cmp.total / 100,
        "{} of {} pixels differ",
        cmp.failing,
        cmp.total
    );
    // 1% of the frame is more than all the trails and heads: they are checked on their own.
    // Where the golden differs from the same frame without trails, the trails are; there the
    // frame without MSAA must show the golden's colours too.
    let no_trails = render(
        &saddle(),
        &RenderSettings {
            show_trails: false,
            ..settings()
        },
        &OrbitCamera::post(),
        200.0,
    );
    let trail_pixels: Vec<(u32, u32)> = golden
        .enumerate_pixels()
        .filter(|(x, y, p)| delta(p, no_trails.get_pixel(*x, *y)) > THRESHOLD)
        .map(|(x, y, _)| (x, y))
        .collect();
    assert!(
        trail_pixels.len() > 500 && trail_pixels.len() < cmp.total / 100,
        "{} trail pixels",
        trail_pixels.len()
    );
    let kept = trail_pixels
        .iter()
        .filter(|&&(x, y)| near(&image, x, y, golden.get_pixel(x, y)))
        .count();
    assert!(
        kept * 10 >= trail_pixels.len() * 9,
        "only {kept} of {} trail pixels are there without MSAA",
        trail_pixels.len()
    );
}

#[test]
fn resize_and_colormap_changes_take_effect() {
    let gpu = common::gpu();
    let scene = saddle();
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .unwrap();
    let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1]).unwrap();
    let small = RenderSettings {
        width: 200,
        height: 150,
        ..settings()
    };
    let mut renderer = Renderer::new(gpu, &scene.surface, &mesh, &sim, &small).unwrap();
    sim.advance_to(gpu, 200);
    let camera = OrbitCamera::post();
    let frame = FrameState {
        camera: &camera,
        time: 200.0,
    };
    let texture = renderer.render(gpu, &sim, &frame);
    assert_eq!((texture.width(), texture.height()), (200, 150));
    renderer.resize(gpu, WIDTH, HEIGHT).unwrap();
    let image = read_texture_rgba(gpu, renderer.render(gpu, &sim, &frame)).unwrap();
    let cmp = compare(&golden("saddle-step200"), &image);
    assert!(cmp.passes(), "after resize {} pixels differ", cmp.failing);

    let gray = RenderSettings {
        colormap: Colormap::Gray,
        show_axes: false,
        ..settings()
    };
    renderer.update_settings(gpu, &gray).unwrap();
    let image = read_texture_rgba(gpu, renderer.render(gpu, &sim, &frame)).unwrap();
    // Coolwarm's red half is gone (the trails and heads are blue).
    let reds = |image: &RgbaImage| image.pixels().filter(|p| p[0] > p[2].saturating_add(60)).count();
    assert!(reds(&golden("saddle-step200")) > 5000);
    assert_eq!(reds(&image), 0, "red pixels on a gray surface");
    assert!(matches!(
        renderer.update_settings(gpu, &RenderSettings { msaa: 1, ..gray }),
        Err(descent::render::RenderError::MsaaChange)
    ));
}

#[test]
fn a_target_larger_than_the_device_allows_names_the_limit() {
    let gpu = common::gpu();
    let limit = gpu.device.limits().max_texture_dimension_2d;
    let err =
        descent::render::RenderTarget::new(gpu, limit + 1, 16, 4, descent::render::target::COLOR_FORMAT)
            .err()
            .expect("too large");
    let message = err.to_string();
    assert!(
        message.contains("max_texture_dimension_2d") && message.contains(&limit.to_string()),
        "{message}"
    );
    assert!(
        descent::render::RenderTarget::new(gpu, 0, 16, 1, descent::render::target::COLOR_FORMAT).is_err()
    );
    assert!(
        descent::render::RenderTarget::new(gpu, 64, 48, 1, descent::render::target::COLOR_FORMAT).is_ok()
    );
}

#[test]
fn poles_leave_holes_not_spikes() {
    // 1/(x^2 + y^2) is infinite at the centre vertex of the 81 x 81 mesh.
    let scene = Scene::parse(
        "pole.toml",
        "[surface]\nexpr = \"1/(x^2 + y^2)\"\ndomain = [-1.0, 1.0, -1.0, 1.0]\n\
         [[optimizer]]\nname = \"gd\"\nlr = 0.01\n[starts]\npoints = [[0.8, 0.6]]\n[run]\nsteps = 10\n",
    )
    .expect("scene");
    let settings = RenderSettings {
        show_axes: false,
        show_markers: false,
        ..settings()
    };
    let camera = OrbitCamera::top();
    let image = render(&scene, &settings, &camera, 10.0);
    let white = |p: &Rgba<u8>| p[0] > 250 && p[1] > 250 && p[2] > 250;
    // The cells around the pole are not drawn: the background shows through.
    assert!(
        white(image.get_pixel(WIDTH / 2, HEIGHT / 2)),
        "no hole at the pole"
    );
    // Nothing is drawn outside the box's square on screen (no spikes towards the eye).
    let clip = camera.clip_from_world(WIDTH as f32 / HEIGHT as f32);
    let corner = clip * glam::Vec4::new(1.0, 1.0, 0.0, 1.0);
    let half_w = (corner.x / corner.w * 0.5 * WIDTH as f32).ceil() as u32 + 2;
    let half_h = (corner.y / corner.w * 0.5 * HEIGHT as f32).ceil() as u32 + 2;
    let outside = image
        .enumerate_pixels()
        .filter(|(x, y, p)| (x.abs_diff(WIDTH / 2) > half_w || y.abs_diff(HEIGHT / 2) > half_h) && !white(p))
        .count();
    assert_eq!(outside, 0, "{outside} pixels drawn outside the plot box");
    // And the surface itself is there around the hole.
    let drawn = image.pixels().filter(|p| !white(p)).count();
    assert!(drawn > 30_000, "only {drawn} pixels of surface");
}
