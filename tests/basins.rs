//! `[view] color_by = "basin"`: particles coloured by the minimum they end at, classified from
//! the GPU run, agreeing with the f64 reference, and visible as four coloured regions.

mod common;

use std::path::Path;

use descent::camera::OrbitCamera;
use descent::cpu::sim::simulate;
use descent::gpu::gpu_data::Particle;
use descent::outcome::basins::Basins;
use descent::render::{FrameState, RenderSettings, read_texture_rgba};
use descent::scene::{ColorBy, Scene, Starts};
use descent::world::World;
use glam::DVec3;

fn himmelblau(random: u32) -> Scene {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes/himmelblau-basins.toml");
    let mut scene = Scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scene.view.color_by, ColorBy::Basin);
    // Random starts instead of the scene's grid (and no start map).
    scene.starts = Starts {
        random,
        grid: None,
        ..scene.starts
    };
    scene.view.start_map = None;
    scene
}

#[test]
fn gpu_basins_agree_with_the_f64_reference() {
    let gpu = common::gpu();
    let scene = himmelblau(4_000);
    let world = World::new(gpu, &scene, &RenderSettings::for_size(64, 64)).expect("world");
    let gpu_basins = world.basins.as_ref().expect("basins");
    // The classification run was reset: the window starts from the start points.
    assert_eq!(world.sim.steps_done(), 0);
    assert!(!world.sim.has_started());

    let starts = scene.start_points();
    let cpu = simulate(&scene.surface, &scene.optimizers, &starts, scene.steps, scene.tol);
    let last: Vec<Particle> = cpu
        .iter()
        .map(|t| {
            let p = t.last().unwrap();
            Particle {
                pos: p.pos.map(|v| v as f32),
                status: p.status,
                ..Particle::default()
            }
        })
        .collect();
    let cpu_basins = Basins::classify(&last, &scene.surface.minima, &scene.surface.domain);
    let agree = gpu_basins
        .of_particle
        .iter()
        .zip(&cpu_basins.of_particle)
        .filter(|(a, b)| a == b)
        .count();
    // f32 against f64 may disagree only for starts on a basin boundary (a ridge of measure
    // zero, thickened by rounding): a handful in 4,000.
    assert!(agree >= 3_980, "{agree} of 4000 agree");
    let (counts, none) = gpu_basins.counts();
    assert!(counts.iter().all(|&c| c > 700), "{counts:?}");
    assert!(none < 20, "{none} reached no minimum");
}

#[test]
fn basins_are_drawn_in_their_colours() {
    let gpu = common::gpu();
    let scene = himmelblau(20_000);
    let settings = RenderSettings {
        show_axes: false,
        show_markers: false,
        ..RenderSettings::for_size(320, 320)
    };
    let mut world = World::new(gpu, &scene, &settings).expect("world");
    let basins = world.basins.clone().expect("basins");
    let camera = OrbitCamera::top();
    world.sim.advance_to(gpu, scene.steps);
    let frame = FrameState {
        camera: &camera,
        time: scene.steps as f32,
    };
    let texture = world.renderer.render(gpu, &world.sim, &frame);
    let image = read_texture_rgba(gpu, texture).expect("readback");
    assert!(gpu.take_fault().is_none(), "the GPU reported an error");

    // Halfway from each minimum towards its own corner of the domain lies deep in its basin:
    // the colour there is nearer that basin's colour than any other's.
    let plot = world.renderer.plot_box();
    let clip = camera.clip_from_world(1.0);
    for (k, m) in basins.minima.iter().enumerate() {
        let toward = [
            m[0] + 0.3 * (5.0 * m[0].signum() - m[0]),
            m[1] + 0.3 * (5.0 * m[1].signum() - m[1]),
        ];
        let loss = scene.surface.value(toward);
        let w = plot.world_from_data(DVec3::new(toward[0], toward[1], loss));
        let c = clip * w.extend(1.0);
        let (px, py) = (
            ((c.x / c.w * 0.5 + 0.5) * 320.0) as u32,
            ((0.5 - c.y / c.w * 0.5) * 320.0) as u32,
        );
        // By hand: the top view is orthographic, 2.8 world units tall, x right and y up;
        // the box maps [-5, 5] to world [-1, 1]. So pixel = 160 + (x / 5) * 320 / 2.8 across
        // and 160 - (y / 5) * 320 / 2.8 down.
        let by_hand = |v: f64| 320.0 / 2.8 * v / 5.0;
        let (hx, hy) = (160.0 + by_hand(toward[0]), 160.0 - by_hand(toward[1]));
        assert!(
            (f64::from(px) - hx).abs() <= 1.0 && (f64::from(py) - hy).abs() <= 1.0,
            "projection ({px}, {py}) vs by hand ({hx:.1}, {hy:.1})"
        );
        let (px, py) = (hx as u32, hy as u32);
        let seen = image.get_pixel(px, py).0;
        // 20,000 particles are drawn as density: tinted lighter or darker by how many passed,
        // over a grey surface, so the hue is what says the basin.
        let distance = |c: [u8; 4]| -> f64 {
            let d = (common::hue(c) - common::hue(seen)).abs();
            d.min(360.0 - d)
        };
        let nearest = (0..basins.minima.len())
            .min_by(|&a, &b| distance(Basins::color(a)).total_cmp(&distance(Basins::color(b))))
            .unwrap();
        assert_eq!(
            nearest, k,
            "at {toward:?} ({px}, {py}) the colour {seen:?} is not basin {k}'s"
        );
    }
}

/// Endpoints known by hand: starts a little off each minimum (where Himmelblau is locally a
/// bowl) end in that minimum's basin, in the GPU run and in the classifier; and the reach is
/// 2% of the domain's diagonal (0.2828 on [-5, 5]^2), pinned on both sides.
#[test]
fn starts_next_to_each_minimum_end_in_its_basin() {
    let gpu = common::gpu();
    let mut scene = himmelblau(0);
    let minima = scene.surface.minima.clone();
    assert_eq!(minima.len(), 4);
    let offsets = [[0.3, 0.2], [-0.25, 0.3], [-0.3, -0.2], [0.25, -0.3]];
    scene.starts = Starts {
        points: minima
            .iter()
            .zip(offsets)
            .map(|(m, o)| [m[0] + o[0], m[1] + o[1]])
            .collect(),
        ..Starts::default()
    };
    let world = World::new(gpu, &scene, &RenderSettings::for_size(64, 64)).expect("world");
    let basins = world.basins.as_ref().expect("basins");
    assert_eq!(
        basins.of_particle,
        [Some(0), Some(1), Some(2), Some(3)],
        "each start ends at its own minimum"
    );
    let at = |x: f64, y: f64| Particle {
        pos: [x as f32, y as f32],
        ..Particle::default()
    };
    let [x, y] = minima[0];
    let particles = [at(x, y), at(x + 0.28, y), at(x + 0.29, y), at(x, y - 0.2)];
    let b = Basins::classify(&particles, &minima, &scene.surface.domain);
    assert_eq!(b.of_particle, [Some(0), Some(0), None, Some(0)]);
}
