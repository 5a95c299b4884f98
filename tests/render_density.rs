//! The density trail style, measured on its accumulation target (counts in alpha, colour sums
//! in rgb) and on the tone-mapped picture:
//! - counts conserve paths: straight paths of known pixel length add one visit per pixel
//!   they cross, placed where a camera worked out on paper puts them;
//! - a fixed camera adds only new records, and what it holds equals a rebuild (also for a
//!   comet's tail, whose old records are taken back out, and mid-step with a head segment);
//! - a hill hides what is behind it, as it hides lines;
//! - where two optimizers pass, the colour is the count-weighted mix of theirs.

mod common;

use descent::camera::OrbitCamera;
use descent::gpu::Gpu;
use descent::gpu::mesh::SurfaceMesh;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::render::overlay::style::{optimizer_color, srgb_to_linear};
use descent::render::{FrameState, RenderSettings, Renderer, TrailStyle, read_texture_rgba};
use descent::scene::Scene;

const SIZE: u32 = 280;

/// An Rgba32Float texture read back: [r, g, b, a] per pixel, rows top to bottom.
fn read_accumulation(gpu: &Gpu, texture: &wgpu::Texture) -> Vec<[f32; 4]> {
    assert_eq!(
        texture.format(),
        wgpu::TextureFormat::Rgba32Float,
        "32-bit counts on lavapipe"
    );
    let (w, h) = (texture.width(), texture.height());
    let row = w * 16;
    let padded = row.div_ceil(256) * 256;
    let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("test.accumulation"),
        size: u64::from(padded * h),
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &staging,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded),
                rows_per_image: Some(h),
            },
        },
        texture.size(),
    );
    gpu.queue.submit([encoder.finish()]);
    let bytes = descent::gpu::context::map_read(gpu, &staging).expect("map");
    let mut out = Vec::with_capacity((w * h) as usize);
    for y in 0..h as usize {
        let line: &[[f32; 4]] = bytemuck::cast_slice(&bytes[y * padded as usize..][..row as usize]);
        out.extend_from_slice(line);
    }
    out
}

struct Setup {
    scene: Scene,
    sim: Simulation,
    renderer: Renderer,
}

fn setup(source: &str, configure: impl FnOnce(&mut RenderSettings)) -> Setup {
    let gpu = common::gpu();
    let scene = Scene::parse("density.toml", source).unwrap_or_else(|e| panic!("{e}"));
    let starts = scene.start_points();
    let sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .expect("simulation");
    let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1]).expect("mesh");
    let mut settings = RenderSettings {
        show_axes: false,
        show_markers: false,
        trails: TrailStyle::Density,
        ..RenderSettings::for_size(SIZE, SIZE)
    };
    configure(&mut settings);
    let renderer = Renderer::new(gpu, &scene.surface, &mesh, &sim, &settings).expect("renderer");
    Setup { scene, sim, renderer }
}

impl Setup {
    /// Renders at `time` (the simulation run that far) and returns the accumulated counts.
    fn counts_at(&mut self, camera: &OrbitCamera, time: f32) -> Vec<[f32; 4]> {
        let gpu = common::gpu();
        self.sim.advance_to(gpu, time.ceil() as u32);
        self.renderer.render(gpu, &self.sim, &FrameState { camera, time });
        let texture = self
            .renderer
            .density()
            .expect("density drawn")
            .trail_texture()
            .expect("target");
        read_accumulation(gpu, texture)
    }
}

/// Particles on the plane f = x / 100 move left by lr / 100 a step, on a straight row each
/// (the tiny y term keeps the surface 2D, where a function of x alone would be a 1D problem).
/// Top view, by hand: the orthographic camera shows 2.8 world units over the frame's height,
/// the box maps the domain [-1, 1]^2 to world [-1, 1]^2, so data x lands at pixel column
/// 140 + x * 100 and data y at row 140 - y * 100. A particle from x = 0.8 taking 10 steps of
/// 0.01 * 10 = 0.1 ends at x = -0.2: a run of 100 pixels, each visited once.
const PLANE: &str = r#"
[surface]
expr = "x / 100 + y^2 / 1e9"
domain = [-1.0, 1.0, -1.0, 1.0]
[[optimizer]]
name = "gd"
lr = 10.0
[starts]
points = [[0.8, 0.5], [0.8, 0.0], [0.8, -0.5]]
[run]
steps = 10
"#;

#[test]
fn counts_conserve_paths_where_the_camera_puts_them() {
    let mut s = setup(PLANE, |_| {});
    let counts = s.counts_at(&OrbitCamera::top(), 10.0);
    let at = |col: i32, row: i32| counts[(row * SIZE as i32 + col) as usize][3];
    for y in [0.5f64, 0.0, -0.5] {
        let row = (140.0 - y * 100.0).round() as i32;
        // Along the run, columns 120 to 220: every pixel once (the row may be the one above
        // or below it, the row's edge lying on a pixel boundary).
        for col in 122..=218 {
            let visits: f32 = (row - 1..=row + 1).map(|r| at(col, r)).sum();
            assert_eq!(visits, 1.0, "y = {y}: column {col} has {visits} visits");
        }
        // Beyond its ends: nothing.
        for col in (0..116).chain(225..280) {
            let visits: f32 = (row - 2..=row + 2).map(|r| at(col, r)).sum();
            assert_eq!(visits, 0.0, "y = {y}: column {col} outside the run has {visits}");
        }
    }
    // In all, 3 runs of about 100 pixels: what was drawn is the paths' length, no more.
    let total: f32 = counts.iter().map(|p| p[3]).sum();
    assert!(
        (297.0..=303.0).contains(&total),
        "{total} visits for 3 x 100 pixels"
    );
}

#[test]
fn a_fixed_camera_adds_new_records_and_matches_a_rebuild() {
    let camera = OrbitCamera::post();
    let rosenbrock = "[surface]\nname = \"himmelblau\"\n[[optimizer]]\nname = \"adam\"\nlr = 0.1\n\
                      [starts]\ngrid = [12, 12]\n[run]\nsteps = 40\n";
    // Step by step, with a fractional time in between (the head segment is added for the
    // frame and taken out after it).
    let mut stepped = setup(rosenbrock, |_| {});
    for t in [0.0, 1.0, 2.5, 7.0, 7.5, 20.0, 33.25, 40.0] {
        stepped.counts_at(&camera, t);
    }
    let stepped = stepped.counts_at(&camera, 40.0);
    let mut once = setup(rosenbrock, |_| {});
    let once = once.counts_at(&camera, 40.0);
    assert!(
        once.iter().map(|p| p[3]).sum::<f32>() > 2000.0,
        "paths were drawn"
    );
    same_accumulation(&stepped, &once, "step by step");

    // A comet's tail of 5 steps: old records leave as new ones come.
    let tail = |s: &mut RenderSettings| s.trail_length = Some(5);
    let mut moving = setup(rosenbrock, tail);
    for t in [3.0, 9.0, 14.0, 15.0] {
        moving.counts_at(&camera, t);
    }
    let moving = moving.counts_at(&camera, 15.0);
    let mut fresh = setup(rosenbrock, tail);
    same_accumulation(&moving, &fresh.counts_at(&camera, 15.0), "a moving tail");
}

/// Counts equal exactly (whole visits); colour sums to float rounding (added in another order).
fn same_accumulation(a: &[[f32; 4]], b: &[[f32; 4]], what: &str) {
    assert_eq!(a.len(), b.len());
    for (i, (p, q)) in a.iter().zip(b).enumerate() {
        assert_eq!(
            p[3], q[3],
            "{what}: pixel {i} has {} visits, a rebuild {}",
            p[3], q[3]
        );
        for k in 0..3 {
            assert!(
                (p[k] - q[k]).abs() <= 1e-4 * p[3].max(1.0),
                "{what}: pixel {i} colour {p:?} vs {q:?}"
            );
        }
    }
}

/// The side view worked out on paper (as tests/render_occlusion.rs): a ridge along y = 0
/// stands between the eye and a path at y ~ 0.6; a path at y ~ -0.6 lies in front of it.
/// World (x, y, z) lands at pixel (W/2 (1 + x / (t (y + 7))), H/2 (1 - z / (t (y + 7)))) with
/// t = tan 13 degrees (square frame), z = -0.75 + 1.5 f / 3.1.
#[test]
fn a_ridge_hides_density_behind_it() {
    let source = r#"
[surface]
expr = "3*exp(-20*y^2) + 0.1*x^2"
domain = [-1.0, 1.0, -1.0, 1.0]
[[optimizer]]
name = "gd"
lr = 0.5
[starts]
points = [[0.8, 0.6], [0.8, -0.6]]
[run]
steps = 30
"#;
    let mut s = setup(source, |s| s.loss_range = Some([0.0, 3.1]));
    let counts = s.counts_at(&OrbitCamera::side(), 30.0);
    let t = 13f64.to_radians().tan();
    let half = f64::from(SIZE) / 2.0;
    let to_px = |x: f64, y: f64, f: f64| {
        let z = -0.75 + 1.5 * f / 3.1;
        let d = y + 7.0;
        (half * (1.0 + x / (t * d)), half * (1.0 - z / (t * d)))
    };
    let near = |p: (f64, f64)| -> f32 {
        let (x0, y0) = (p.0.round() as i64, p.1.round() as i64);
        let mut sum = 0.0;
        for y in y0 - 2..=y0 + 2 {
            for x in x0 - 2..=x0 + 2 {
                if (0..i64::from(SIZE)).contains(&x) && (0..i64::from(SIZE)).contains(&y) {
                    sum += counts[(y * i64::from(SIZE) + x) as usize][3];
                }
            }
        }
        sum
    };
    let starts = s.scene.start_points();
    let paths = descent::cpu::sim::simulate(&s.scene.surface, &s.scene.optimizers, &starts, 30, 0.0);
    for path in &paths {
        let behind = path[0].pos[1] > 0.0;
        let (mut checked, mut seen) = (0, 0);
        for p in &path[2..path.len() - 2] {
            let px = to_px(p.pos[0], p.pos[1], p.loss);
            if (px.0 - to_px(0.0, p.pos[1], 0.0).0).abs() < 3.0 {
                continue; // where the path has stopped: the end
            }
            checked += 1;
            seen += usize::from(near(px) > 0.0);
        }
        assert!(checked >= 5, "{checked} samples");
        if behind {
            assert_eq!(seen, 0, "density behind the ridge shows through it");
        } else {
            assert!(seen * 10 >= checked * 9, "in front: {seen} of {checked}");
        }
    }
}

/// Two optimizers on the same path (GD and SGD with the same learning rate take the same
/// steps): every pixel holds both colours, and the picture shows their mean, not one over
/// the other.
#[test]
fn two_optimizers_passing_together_mix_their_colours() {
    let source = r#"
[surface]
expr = "x / 100 + y^2 / 1e9"
domain = [-1.0, 1.0, -1.0, 1.0]
[[optimizer]]
name = "gd"
lr = 10.0
[[optimizer]]
name = "sgd"
lr = 10.0
[starts]
points = [[0.8, 0.0]]
[run]
steps = 10
"#;
    let mut s = setup(source, |_| {});
    let camera = OrbitCamera::top();
    let counts = s.counts_at(&camera, 10.0);
    let linear = |c: [u8; 4]| {
        let l = srgb_to_linear(c);
        [l[0], l[1], l[2]]
    };
    let (blue, orange) = (linear(optimizer_color(0)), linear(optimizer_color(1)));
    let mut checked = 0;
    for p in counts.iter().filter(|p| p[3] > 0.0) {
        assert_eq!(p[3], 2.0, "each pixel of the path is visited by both");
        for k in 0..3 {
            let mean = p[k] / p[3];
            let want = 0.5 * (blue[k] + orange[k]);
            assert!((mean - want).abs() < 0.01, "channel {k}: {mean} vs {want}");
        }
        checked += 1;
    }
    assert!(checked >= 95, "{checked} pixels on the path");
    // In the picture: the mix's hue (a mauve, near 350 degrees), far from blue's (205) and
    // orange's (28), on the path's middle pixel.
    let gpu = common::gpu();
    let image = read_texture_rgba(gpu, s.renderer.target().texture()).expect("readback");
    let on_path = (0..SIZE)
        .map(|row| row * SIZE + 170)
        .find(|&i| counts[i as usize][3] > 0.0)
        .expect("the path crosses column 170");
    let px = image.get_pixel(170, on_path / SIZE).0;
    let mixed = common::hue(px);
    let apart = |h: f64| {
        let d = (mixed - h).abs();
        d.min(360.0 - d)
    };
    assert!(
        apart(common::hue(optimizer_color(0))) > 60.0 && apart(common::hue(optimizer_color(1))) > 30.0,
        "{px:?} (hue {mixed:.0}) looks like one optimizer, not both"
    );
}
