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
use descent::render::style::optimizer_color;
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
