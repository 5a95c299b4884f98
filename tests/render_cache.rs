//! The static layer cache (axes and surface drawn once per camera, size and look; each frame
//! draws what moves over a copy): frames built on the cache equal frames drawn from scratch,
//! and anything that changes the static layer redraws it.

mod common;

use descent::camera::OrbitCamera;
use descent::gpu::mesh::SurfaceMesh;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::render::{Colormap, FrameState, RenderSettings, Renderer, read_texture_rgba};
use descent::scene::Scene;
use image::RgbaImage;

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;

struct Fixture {
    scene: Scene,
    sim: Simulation,
    mesh: SurfaceMesh,
    settings: RenderSettings,
}

fn fixture() -> Fixture {
    let gpu = common::gpu();
    let scene = Scene::default_scene();
    let starts = scene.start_points();
    let sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .expect("simulation");
    let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1]).expect("mesh");
    let settings = RenderSettings {
        width: WIDTH,
        height: HEIGHT,
        ..RenderSettings::default()
    };
    Fixture {
        scene,
        sim,
        mesh,
        settings,
    }
}

impl Fixture {
    fn renderer(&self) -> Renderer {
        Renderer::new(
            common::gpu(),
            &self.scene.surface,
            &self.mesh,
            &self.sim,
            &self.settings,
        )
        .expect("renderer")
    }
}

fn draw(renderer: &mut Renderer, sim: &Simulation, camera: &OrbitCamera, time: f32) -> RgbaImage {
    let gpu = common::gpu();
    let texture = renderer.render(gpu, sim, &FrameState { camera, time });
    read_texture_rgba(gpu, texture).expect("readback")
}

/// Mean absolute difference per channel.
fn mean_difference(a: &RgbaImage, b: &RgbaImage) -> f64 {
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

#[test]
fn a_still_camera_draws_the_static_layer_once_and_frames_match_fresh_ones() {
    let gpu = common::gpu();
    let mut f = fixture();
    let camera = OrbitCamera::post();
    let mut renderer = f.renderer();
    let steps = f.scene.steps;
    let mut last = None;
    for step in (0..=steps).step_by(20) {
        f.sim.advance_to(gpu, step);
        last = Some(draw(&mut renderer, &f.sim, &camera, step as f32));
    }
    assert_eq!(
        renderer.static_layer_builds(),
        1,
        "the static layer was redrawn although the camera never moved"
    );
    // The moving layer of earlier frames must not survive into later ones: the last cached
    // frame equals a first frame drawn by a new renderer at the same step.
    let cached = last.expect("frames");
    let fresh = draw(&mut f.renderer(), &f.sim, &camera, steps as f32);
    assert_eq!(
        mean_difference(&cached, &fresh),
        0.0,
        "a frame drawn over the cached static layer differs from one drawn from scratch"
    );
}

#[test]
fn moving_the_camera_redraws_the_static_layer() {
    let gpu = common::gpu();
    let mut f = fixture();
    f.sim.advance_to(gpu, 50);
    let mut renderer = f.renderer();
    let first = OrbitCamera::post();
    let mut turned = first;
    turned.orbit(40.0, 0.0);

    let a = draw(&mut renderer, &f.sim, &first, 50.0);
    let b = draw(&mut renderer, &f.sim, &turned, 50.0);
    assert_eq!(
        renderer.static_layer_builds(),
        2,
        "a new camera must redraw the static layer"
    );
    // The surface moved: the second frame is far from the first, and it is exactly what a
    // renderer that only ever saw the turned camera draws (nothing stale from the first).
    assert!(
        mean_difference(&a, &b) > 5.0,
        "turning the camera 40 degrees barely changed the frame ({:.2})",
        mean_difference(&a, &b)
    );
    let fresh = draw(&mut f.renderer(), &f.sim, &turned, 50.0);
    assert_eq!(
        mean_difference(&b, &fresh),
        0.0,
        "the turned frame kept some of the old static layer"
    );

    // Back to the first camera: drawn again, and the same as the first frame.
    let c = draw(&mut renderer, &f.sim, &first, 50.0);
    assert_eq!(renderer.static_layer_builds(), 3);
    assert_eq!(mean_difference(&a, &c), 0.0);
}

#[test]
fn a_change_of_look_redraws_the_static_layer_and_the_same_settings_do_not() {
    let gpu = common::gpu();
    let f = fixture();
    let camera = OrbitCamera::post();
    let mut renderer = f.renderer();
    let viridis = draw(&mut renderer, &f.sim, &camera, 0.0);
    renderer.update_settings(gpu, &f.settings).expect("settings");
    draw(&mut renderer, &f.sim, &camera, 0.0);
    assert_eq!(
        renderer.static_layer_builds(),
        1,
        "unchanged settings redrew the static layer"
    );

    let magma = RenderSettings {
        colormap: Colormap::Magma,
        ..f.settings.clone()
    };
    renderer.update_settings(gpu, &magma).expect("settings");
    let recoloured = draw(&mut renderer, &f.sim, &camera, 0.0);
    assert_eq!(renderer.static_layer_builds(), 2);
    assert!(
        mean_difference(&viridis, &recoloured) > 5.0,
        "a new colormap did not reach the surface"
    );

    renderer.resize(gpu, WIDTH / 2, HEIGHT / 2).expect("resize");
    let small = draw(&mut renderer, &f.sim, &camera, 0.0);
    assert_eq!(
        renderer.static_layer_builds(),
        3,
        "a resize must redraw the static layer"
    );
    assert_eq!(small.dimensions(), (WIDTH / 2, HEIGHT / 2));
}

/// The strip plots' translucent grounds are painted into the static layer once the overlay
/// has laid them out (one more build, after the first frame), and the overlay leaves their
/// fills out: the frames equal, byte for byte, those of a fresh world, whose first frame
/// paints them itself.
#[test]
fn the_plot_strips_grounds_go_into_the_static_layer_with_the_same_picture() {
    use descent::render::overlay::Overlay;
    use descent::world::{Look, World};
    let gpu = common::gpu();
    let scene = Scene::default_scene();
    let (mut settings, camera) = descent::render::view_settings(&scene.view, [480, 360], 4).expect("view");
    // On grey, the grounds (white at 96%) show; on the default white they would not.
    settings.background = [170, 170, 170, 255];
    let look = |time: f64| Look {
        camera,
        time,
        pixels_per_point: 1.0,
    };
    let mut world = World::new(gpu, &scene, &settings).expect("world");
    let mut overlay = Overlay::new(gpu, settings.color_format);
    world.sim.advance_to(gpu, 100);
    for time in [0.0, 50.0, 100.0] {
        world.draw(gpu, &mut overlay, &look(time));
    }
    assert_eq!(
        world.renderer.static_layer_builds(),
        2,
        "one build without the grounds, one with them"
    );
    let cached = read_texture_rgba(gpu, world.renderer.target().texture()).unwrap();
    let boxes: Vec<_> = overlay.layout().plots.iter().map(|p| p.frame).collect();
    assert_eq!(boxes.len(), 3, "the post scene's three strip plots");

    let mut fresh = World::new(gpu, &scene, &settings).expect("world");
    let mut fresh_overlay = Overlay::new(gpu, settings.color_format);
    fresh.sim.advance_to(gpu, 100);
    fresh.draw(gpu, &mut fresh_overlay, &look(100.0));
    assert_eq!(fresh.renderer.static_layer_builds(), 1);
    let painted = read_texture_rgba(gpu, fresh.renderer.target().texture()).unwrap();
    let (mut differ, mut most) = (0, 0u8);
    for (p, q) in cached.pixels().zip(painted.pixels()) {
        let d = (0..3).map(|k| p[k].abs_diff(q[k])).max().unwrap();
        differ += usize::from(d > 0);

        most = most.max(d);
    }
    assert!(
        differ == 0,
        "the frame on cached grounds differs from the painted one: {differ} pixels, by up to {most}"
    );

    // The grounds are in the cached layer itself, and only there in the fresh world.
    let inside = |layer: &RgbaImage| {
        let c = boxes[0].center();
        layer.get_pixel(c.x as u32, c.y as u32).0
    };
    let cached_layer = read_texture_rgba(gpu, world.renderer.target().static_color()).unwrap();
    let fresh_layer = read_texture_rgba(gpu, fresh.renderer.target().static_color()).unwrap();
    assert!(
        inside(&cached_layer)[0] > 230,
        "cached layer: {:?}",
        inside(&cached_layer)
    );
    assert!(
        inside(&fresh_layer)[0] < 200,
        "fresh layer: {:?}",
        inside(&fresh_layer)
    );
}
