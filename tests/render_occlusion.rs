//! Occlusion, measured: a path that passes behind a hill (tests/scenes/behind-the-hill.toml)
//! must be hidden exactly where the hill covers it and drawn elsewhere.
//!
//! Where the hill covers the path is computed independently of the GPU: the f64 reference
//! trajectory (`cpu::sim`) is projected with the camera, and the ray from the eye to each
//! point is marched against the true surface. Points whose ray clears the surface by a margin
//! must show trail-coloured pixels; points whose ray passes clearly below the surface (inside
//! the hill) must not. Points near either verdict's boundary, or under a marker, are skipped.

mod common;

use std::path::Path;

use descent::camera::OrbitCamera;
use descent::cpu::sim::simulate;
use descent::gpu::mesh::SurfaceMesh;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::render::overlay::style::optimizer_color;
use descent::render::{Colormap, FrameState, RenderSettings, Renderer, read_texture_rgba};
use descent::scene::Scene;
use glam::{DVec3, Vec3};
use image::RgbaImage;

const WIDTH: u32 = 480;
const HEIGHT: u32 = 360;
/// World units the ray must clear the surface by (or dip under it by) for a verdict.
const MARGIN: f32 = 0.05;

enum Verdict {
    Visible,
    Hidden,
    Unsure,
}

#[test]
fn a_path_behind_a_hill_is_hidden_where_the_hill_covers_it() {
    let gpu = common::gpu();
    let scene = Scene::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenes/behind-the-hill.toml"))
        .expect("scene");
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .expect("simulation");
    let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1]).expect("mesh");
    // Magma has no colour near the trail's blue, so trail pixels are unambiguous.
    let settings = RenderSettings {
        width: WIDTH,
        height: HEIGHT,
        colormap: Colormap::Magma,
        ..RenderSettings::default()
    };
    let mut renderer = Renderer::new(gpu, &scene.surface, &mesh, &sim, &settings).expect("renderer");
    let camera = OrbitCamera::post();
    sim.advance_to(gpu, scene.steps);
    let texture = renderer.render(
        gpu,
        &sim,
        &FrameState {
            camera: &camera,
            time: scene.steps as f32,
        },
    );
    let image = read_texture_rgba(gpu, texture).expect("readback");

    let plot = *renderer.plot_box();
    let clip_from_world = camera.clip_from_world(WIDTH as f32 / HEIGHT as f32);
    let to_px = |world: Vec3| {
        let c = clip_from_world * world.extend(1.0);
        [
            (c.x / c.w * 0.5 + 0.5) * WIDTH as f32,
            (0.5 - c.y / c.w * 0.5) * HEIGHT as f32,
        ]
    };
    let eye = camera.eye();
    let surface = &scene.surface;
    let verdict = |world: Vec3| {
        let mut lowest = f32::INFINITY;
        for k in 1..600 {
            let t = k as f32 / 600.0;
            if t > 0.97 {
                break;
            }
            let q = eye + (world - eye) * t;
            let d = plot.data_from_world(q);
            if d.x < plot.min.x || d.x > plot.max.x || d.y < plot.min.y || d.y > plot.max.y {
                continue;
            }
            let f = surface.value([d.x, d.y]);
            let zs = plot.world_from_data(DVec3::new(d.x, d.y, f)).z;
            lowest = lowest.min(q.z - zs);
        }
        if lowest > MARGIN {
            Verdict::Visible
        } else if lowest < -MARGIN {
            Verdict::Hidden
        } else {
            Verdict::Unsure
        }
    };

    let trail_rgb = optimizer_color(0);
    let is_trail = |px: &image::Rgba<u8>| (0..3).all(|k| px[k].abs_diff(trail_rgb[k]) <= 30);
    let trail_near = |image: &RgbaImage, p: [f32; 2]| {
        let (x0, y0) = (p[0].round() as i64, p[1].round() as i64);
        (-1..=1).any(|dy| {
            (-1..=1).any(|dx| {
                let (x, y) = (x0 + dx, y0 + dy);
                x >= 0
                    && y >= 0
                    && (x as u32) < WIDTH
                    && (y as u32) < HEIGHT
                    && is_trail(image.get_pixel(x as u32, y as u32))
            })
        })
    };

    let path = &simulate(surface, &scene.optimizers, &starts, scene.steps, scene.tol)[0];
    let world_of =
        |p: &descent::cpu::sim::CpuPoint| plot.world_from_data(DVec3::new(p.pos[0], p.pos[1], p.loss));
    let start_px = to_px(world_of(&path[0]));
    let end_px = to_px(world_of(&path[path.len() - 1]));
    let (mut visible, mut visible_drawn, mut hidden, mut hidden_drawn) = (0, 0, 0, 0);
    for point in path {
        let world = world_of(point);
        let px = to_px(world);
        let far_from = |m: [f32; 2]| ((px[0] - m[0]).powi(2) + (px[1] - m[1]).powi(2)).sqrt() > 12.0;
        if !(far_from(start_px) && far_from(end_px)) {
            continue;
        }
        match verdict(world) {
            Verdict::Visible => {
                visible += 1;
                visible_drawn += usize::from(trail_near(&image, px));
            }
            Verdict::Hidden => {
                hidden += 1;
                hidden_drawn += usize::from(trail_near(&image, px));
            }
            Verdict::Unsure => {}
        }
    }
    eprintln!("visible {visible_drawn}/{visible} drawn, hidden {hidden_drawn}/{hidden} drawn");
    assert!(
        visible >= 40 && hidden >= 20,
        "the scene no longer puts the path behind the hill"
    );
    assert!(
        visible_drawn as f64 >= 0.97 * visible as f64,
        "only {visible_drawn} of {visible} visible points are drawn"
    );
    assert!(
        hidden_drawn as f64 <= 0.03 * hidden as f64,
        "{hidden_drawn} of {hidden} points behind the hill are drawn through it"
    );
    // Nothing else in the picture has the trail's colour (the check above is meaningful).
    let trail_pixels = image.pixels().filter(|p| is_trail(p)).count();
    assert!(trail_pixels < 3000, "{trail_pixels} trail-coloured pixels");
}

/// Occlusion with a camera worked out on paper: the side view (azimuth -90, elevation 0,
/// distance 7, 26 degree field of view) looks along +y from the eye at world (0, -7, 0), x to
/// the right and z up, so world (x, y, z) lands at pixel (W/2 (1 + x / (a t (y + 7))),
/// H/2 (1 - z / (t (y + 7)))) with t = tan 13 degrees and a = W/H. A ridge along y = 0,
/// 3 exp(-20 y^2), stands between the eye and a path at y ~ 0.6 (hidden) while a path at
/// y ~ -0.6 lies in front of it (drawn). With the loss range set to [0, 3.1], world z is
/// -0.75 + 1.5 f / 3.1; the paths are the f64 reference's.
#[test]
fn a_ridge_hides_the_path_behind_it_from_the_side() {
    let gpu = common::gpu();
    let scene = Scene::parse(
        "ridge.toml",
        r#"
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
"#,
    )
    .expect("scene");
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .expect("simulation");
    let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1]).expect("mesh");
    let settings = RenderSettings {
        width: WIDTH,
        height: HEIGHT,
        colormap: Colormap::Magma,
        loss_range: Some([0.0, 3.1]),
        show_axes: false,
        ..RenderSettings::default()
    };
    let mut renderer = Renderer::new(gpu, &scene.surface, &mesh, &sim, &settings).expect("renderer");
    let camera = OrbitCamera::side();
    sim.advance_to(gpu, scene.steps);
    let texture = renderer.render(
        gpu,
        &sim,
        &FrameState {
            camera: &camera,
            time: scene.steps as f32,
        },
    );
    let image = read_texture_rgba(gpu, texture).expect("readback");
    if std::env::var("SAVE_FRAMES").is_ok() {
        image.save("/tmp/ridge-side.png").unwrap();
    }
    let (w, h) = (f64::from(WIDTH), f64::from(HEIGHT));
    let t = 13f64.to_radians().tan();
    let to_px = |x: f64, y: f64, f: f64| {
        let z = -0.75 + 1.5 * f / 3.1;
        let d = y + 7.0;
        [
            (w / 2.0 * (1.0 + x / (w / h * t * d))) as f32,
            (h / 2.0 * (1.0 - z / (t * d))) as f32,
        ]
    };
    let trail_rgb = optimizer_color(0);
    let is_trail = |px: &image::Rgba<u8>| (0..3).all(|k| px[k].abs_diff(trail_rgb[k]) <= 30);
    let trail_near = |p: [f32; 2], r: i64| {
        let (x0, y0) = (p[0].round() as i64, p[1].round() as i64);
        (-r..=r).any(|dy| {
            (-r..=r).any(|dx| {
                let (x, y) = (x0 + dx, y0 + dy);
                x >= 0
                    && y >= 0
                    && (x as u32) < WIDTH
                    && (y as u32) < HEIGHT
                    && is_trail(image.get_pixel(x as u32, y as u32))
            })
        })
    };
    let paths = simulate(&scene.surface, &scene.optimizers, &starts, scene.steps, scene.tol);
    for (i, path) in paths.iter().enumerate() {
        let behind = path[0].pos[1] > 0.0;
        let ends = [&path[0], &path[path.len() - 1]].map(|p| to_px(p.pos[0], p.pos[1], p.loss));
        let (mut checked, mut drawn) = (0, 0);
        for pair in path.windows(2) {
            for s in 0..4 {
                let u = f64::from(s) / 4.0;
                let (a, b) = (pair[0].pos, pair[1].pos);
                let (x, y) = (a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1]));
                let p = to_px(x, y, scene.surface.value([x, y]));
                if ends
                    .iter()
                    .any(|e| ((p[0] - e[0]).powi(2) + (p[1] - e[1]).powi(2)).sqrt() < 12.0)
                {
                    continue;
                }
                checked += 1;
                drawn += usize::from(trail_near(p, 2));
            }
        }
        eprintln!(
            "path {i} ({}): {drawn} of {checked} samples drawn",
            if behind { "behind" } else { "in front" }
        );
        assert!(checked >= 20, "path {i}: {checked} samples");
        if behind {
            assert_eq!(drawn, 0, "path {i} behind the ridge is drawn through it");
        } else {
            assert!(
                drawn * 10 >= checked * 9,
                "path {i} in front: only {drawn} of {checked} drawn"
            );
        }
    }
    // The one behind still exists: seen from above it is drawn (the test can tell).
    let top = renderer.render(
        gpu,
        &sim,
        &FrameState {
            camera: &OrbitCamera::top(),
            time: scene.steps as f32,
        },
    );
    let above = read_texture_rgba(gpu, top).expect("readback");
    let (x, y) = (paths[0][5].pos[0], paths[0][5].pos[1]);
    let s = w.min(h) / 2.8;
    let (px, py) = ((w / 2.0 + x * s) as u32, (h / 2.0 - y * s) as u32);
    let seen = (py.saturating_sub(2)..=py + 2)
        .flat_map(|yy| (px.saturating_sub(2)..=px + 2).map(move |xx| (xx, yy)))
        .any(|(xx, yy)| is_trail(above.get_pixel(xx, yy)));
    assert!(
        seen,
        "the path behind the ridge is not drawn from above either, at ({px}, {py})"
    );
}
