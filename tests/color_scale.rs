//! The log colour scale, measured in pixels: on Rosenbrock seen from above, the floor of the
//! banana valley is one colour on the linear scale (it lies in the lowest 0.2% of the loss
//! range) and spreads over the colormap on the log scale.

mod common;

use descent::camera::OrbitCamera;
use descent::gpu::mesh::SurfaceMesh;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::render::{ColorScale, FrameState, LogColorScale, RenderSettings, Renderer, read_texture_rgba};
use descent::scene::Scene;
use glam::{DVec3, Mat4};

const SIZE: [u32; 2] = [480, 480];

/// Rosenbrock from above, one particle parked in a corner (it stays off the valley).
fn rosenbrock() -> Scene {
    let mut scene = Scene::default_scene();
    scene.surface = descent::surfaces::Surface::from_name_or_expr("rosenbrock").unwrap();
    scene.optimizers = vec!["gd:lr=0".parse().unwrap()];
    scene.starts = descent::scene::Starts {
        points: vec![[1.95, -0.95]],
        ..Default::default()
    };
    scene.steps = 1;
    scene.view.plots.clear();
    scene
}

/// The frame, and where data points land in it.
fn frame(scale: ColorScale) -> (image::RgbaImage, impl Fn(f64, f64) -> [u32; 2]) {
    let gpu = common::gpu();
    let scene = rosenbrock();
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(1)),
    )
    .unwrap();
    let mesh = SurfaceMesh::new(gpu, &scene.surface, scene.mesh[0], scene.mesh[1]).unwrap();
    let settings = RenderSettings {
        color_scale: scale,
        show_axes: false,
        grid_lines: false,
        ..RenderSettings::for_size(SIZE[0], SIZE[1])
    };
    let mut renderer = Renderer::new(gpu, &scene.surface, &mesh, &sim, &settings).unwrap();
    sim.advance_to(gpu, 1);
    let camera = OrbitCamera::top();
    let texture = renderer.render(
        gpu,
        &sim,
        &FrameState {
            camera: &camera,
            time: 1.0,
        },
    );
    let image = read_texture_rgba(gpu, texture).unwrap();
    let plot = *renderer.plot_box();
    let surface = scene.surface.clone();
    let world_from_data = Mat4::from_scale_rotation_translation(
        plot.world_from_data_scale(),
        glam::Quat::IDENTITY,
        plot.world_from_data_offset(),
    );
    let clip_from_data = camera.clip_from_world(SIZE[0] as f32 / SIZE[1] as f32) * world_from_data;
    let at = move |x: f64, y: f64| {
        let ndc = descent::app::picking::project(clip_from_data, DVec3::new(x, y, surface.value([x, y])));
        [
            ((ndc[0] + 1.0) * 0.5 * f64::from(SIZE[0])) as u32,
            ((1.0 - ndc[1]) * 0.5 * f64::from(SIZE[1])) as u32,
        ]
    };
    (image, at)
}

/// The largest colour difference (sum over channels) between two of the valley's samples.
fn valley_spread(image: &image::RgbaImage, at: &impl Fn(f64, f64) -> [u32; 2]) -> i32 {
    // Not (1, 1): the minimum's star is drawn there.
    let samples: Vec<[u8; 4]> = [-1.4, -1.0, -0.6, 0.0, 0.5, 1.4]
        .iter()
        .map(|&x| {
            let [px, py] = at(x, x * x);
            image.get_pixel(px, py).0
        })
        .collect();
    let mut spread = 0;
    for a in &samples {
        for b in &samples {
            spread = spread.max((0..3).map(|k| (i32::from(a[k]) - i32::from(b[k])).abs()).sum());
        }
    }
    spread
}

#[test]
fn the_log_scale_spreads_the_valley_floor_over_the_colormap() {
    let (linear, at) = frame(ColorScale::Linear);
    let (log, _) = frame(ColorScale::Log);
    let (l, g) = (valley_spread(&linear, &at), valley_spread(&log, &at));
    eprintln!("valley colour spread: linear {l}, log {g}");
    if std::env::var_os("DESCENT_DUMP").is_some() {
        let mut a = linear.clone();
        for x in [-1.4, -1.0, -0.6, 0.0, 0.5, 1.4] {
            let [px, py] = at(x, x * x);
            a.put_pixel(px, py, image::Rgba([0, 255, 0, 255]));
        }
        a.save("/tmp/cs-linear.png").unwrap();
        log.save("/tmp/cs-log.png").unwrap();
    }
    assert!(
        l < 40,
        "linear: the valley floor is nearly one colour, spread {l}"
    );
    assert!(g > 150 && g > 4 * l, "log: spread {g} (linear {l})");
    // Away from the valley both scales agree at the top of the range: the corner (-2, 3)...
    // is the highest loss on both.
    let [cx, cy] = at(-1.98, -0.98);
    let (a, b) = (linear.get_pixel(cx, cy).0, log.get_pixel(cx, cy).0);
    assert!(
        a[0] > a[2] && b[0] > b[2],
        "high loss is red on both: {a:?} {b:?}"
    );
}

#[test]
fn log_positions_are_even_in_decades() {
    let s = LogColorScale::new(0.0, 1000.0);
    assert!((s.eps - 1000.0 * descent::render::LOG_EPS_SHARE).abs() < 1e-12);
    assert_eq!(s.position(0.0, 0.0), 0.0);
    assert!((s.position(0.0, 1000.0) - 1.0).abs() < 1e-9);
    // Equal ratios above the minimum are equal steps of colour.
    let step = |f: f64| s.position(0.0, 10.0 * f) - s.position(0.0, f);
    assert!(
        (step(1.0) - step(10.0)).abs() < 1e-3,
        "{} {}",
        step(1.0),
        step(10.0)
    );
    // Contour levels: whole or half decades, about a dozen over the range.
    assert!([0.5, 1.0].contains(&s.contour_step), "{}", s.contour_step);
}

#[test]
fn loss_plots_take_a_log_axis_with_the_log_colour_scale() {
    use descent::gpu::gpu_data::TrailPoint;
    use descent::render::overlay::plots::{History, scene_plots};
    let mut scene = rosenbrock();
    scene.view.plots = vec!["xy".into(), "loss".into()];
    // Loss 4 to 2: less than two decades, so linear unless the scene asks for log.
    let point = |loss: f32| TrailPoint {
        pos: [0.5, 0.5],
        loss,
        status: 0,
    };
    let history = History {
        steps: vec![0, 1],
        paths: vec![vec![point(4.0), point(2.0)]],
        starts_per_group: 1,
        group_colors: Vec::new(),
        scheduled_lr: Vec::new(),
    };
    let log_axes = |scene: &Scene| -> Vec<(String, bool)> {
        scene_plots(scene, &history)
            .into_iter()
            .map(|p| (p.y_label, p.log_y))
            .filter(|(label, _)| label == "loss")
            .collect()
    };
    assert_eq!(log_axes(&scene), [("loss".into(), false), ("loss".into(), false)]);
    scene.view.color_scale = Some(ColorScale::Log);
    assert_eq!(log_axes(&scene), [("loss".into(), true), ("loss".into(), true)]);
}
