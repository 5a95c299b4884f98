//! The overlay's 2D plots on rendered frames (lavapipe): the course figure of f(theta) =
//! theta^2 (red dots at theta_k = 3 * 0.4^k, green at the minimum, growing with time), the
//! regression lines along y = m x + b of the particles, and goldens of the tutorial scenes
//! with plots (same comparator as tests/render_golden.rs; `UPDATE_GOLDEN=1` rewrites them).

mod common;

use common::golden::assert_golden;

use std::path::Path;

use descent::render::overlay::style::{PlotPlacement, optimizer_color};
use descent::render::overlay::{Overlay, OverlayLayout, pixels_per_point_for};
use descent::render::{read_texture_rgba, view_settings};
use descent::scene::Scene;
use descent::world::{Look, World};
use image::{Rgba, RgbaImage};

const W: u32 = 640;
const H: u32 = 480;

fn scene(name: &str) -> Scene {
    Scene::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("assets/scenes/{name}.toml")))
        .expect("scene")
}

/// The frame `descent render` makes of `scene` at `step` (640x480), the overlay's layout and
/// every particle's position then.
fn render(scene: &Scene, step: u32) -> (RgbaImage, OverlayLayout, Vec<[f32; 2]>) {
    let gpu = common::gpu();
    let (settings, camera) = view_settings(&scene.view, [W, H], 4).expect("view");
    let mut world = World::new(gpu, scene, &settings).expect("world");
    let mut overlay = Overlay::new(gpu, wgpu::TextureFormat::Rgba8UnormSrgb);
    world.sim.advance_to(gpu, step);
    let look = Look {
        camera,
        time: f64::from(step),
        pixels_per_point: pixels_per_point_for(H),
    };
    let texture = world.draw(gpu, &mut overlay, &look);
    let image = read_texture_rgba(gpu, texture).expect("readback");
    let positions = world
        .sim
        .read_particles(gpu)
        .expect("particles")
        .iter()
        .map(|p| p.pos)
        .collect();
    assert!(gpu.take_fault().is_none(), "the GPU reported an error");
    (image, overlay.layout().clone(), positions)
}

/// Pixels within `r` of `at` that satisfy `pred`.
fn count_near(image: &RgbaImage, at: egui::Pos2, r: i32, pred: impl Fn(&Rgba<u8>) -> bool) -> usize {
    let (cx, cy) = (at.x.floor() as i32, at.y.floor() as i32);
    let mut n = 0;
    for y in cy - r..=cy + r {
        for x in cx - r..=cx + r {
            if x >= 0 && y >= 0 && (x as u32) < image.width() && (y as u32) < image.height() {
                n += usize::from(pred(image.get_pixel(x as u32, y as u32)));
            }
        }
    }
    n
}

fn red(p: &Rgba<u8>) -> bool {
    p[0] > 180 && p[1] < 90 && p[2] < 90
}

fn green(p: &Rgba<u8>) -> bool {
    p[1] > 130 && p[0] < 100 && p[2] < 100
}

fn close_to(c: [u8; 4], tol: u8) -> impl Fn(&Rgba<u8>) -> bool {
    move |p| (0..3).all(|k| p[k].abs_diff(c[k]) <= tol)
}

#[test]
fn theta_squared_curve_takes_the_frame_with_red_steps_and_a_green_minimum() {
    let scene = scene("theta-squared");
    let (image, layout, _) = render(&scene, 20);
    assert_eq!(layout.plots.len(), 1);
    let plot = &layout.plots[0];
    assert!(
        plot.frame.width() > 0.6 * W as f32 && plot.frame.height() > 0.6 * H as f32,
        "{plot:?}"
    );
    for k in 0..4 {
        let theta = 3.0 * 0.4f64.powi(k);
        let at = plot.to_screen([theta, theta * theta]).expect("on the plot");
        assert!(
            plot.data.contains(at),
            "theta_{k} at {at:?} outside {:?}",
            plot.data
        );
        let n = count_near(&image, at, 2, red);
        assert!(n >= 5, "theta_{k} = {theta}: {n} red pixels at {at:?}");
    }
    let min = plot.to_screen([0.0, 0.0]).expect("minimum");
    let n = count_near(&image, min, 3, green);
    assert!(n >= 15, "{n} green pixels at the minimum {min:?}");
    // The 3D view is hidden: no surface colours (coolwarm) in the data area away from marks.
    let blue_red_surface = |p: &Rgba<u8>| p[2] > 150 && p[0] < 150 && p[1] < 150;
    let corner = plot.data.left_top() + egui::vec2(20.0, 20.0);
    assert_eq!(count_near(&image, corner, 10, blue_red_surface), 0);
    if std::env::var("SAVE_FRAMES").is_ok() {
        image.save("/tmp/theta-squared-plot.png").expect("save");
    }
}

#[test]
fn the_curve_grows_with_time() {
    let scene = scene("theta-squared");
    let (image, layout, _) = render(&scene, 2);
    let plot = &layout.plots[0];
    for k in 0..=2 {
        let theta = 3.0 * 0.4f64.powi(k);
        let at = plot.to_screen([theta, theta * theta]).expect("on the plot");
        assert!(count_near(&image, at, 2, red) >= 5, "theta_{k} missing at step 2");
    }
    let theta3 = 3.0 * 0.4f64.powi(3);
    let at = plot.to_screen([theta3, theta3 * theta3]).expect("on the plot");
    assert_eq!(count_near(&image, at, 2, red), 0, "theta_3 drawn before step 3");
}

/// Samples of the line y = m x + b across the middle of the data's x range.
fn line_samples(scene: &Scene, m: f64, b: f64) -> Vec<[f64; 2]> {
    let data = &scene.regression.as_ref().expect("regression").data;
    let lo = data.x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = data.x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (1..20)
        .map(|k| {
            let x = lo + (hi - lo) * f64::from(k) / 20.0;
            [x, m * x + b]
        })
        .collect()
}

#[test]
fn regression_lines_lie_along_the_particles_lines() {
    let scene = scene("linear-regression");
    // Step 20: the three optimizers' lines still differ.
    let (image, layout, positions) = render(&scene, 20);
    assert_eq!(layout.plots.len(), 2, "the data with the lines, and the loss");
    let plot = &layout.plots[0];
    assert!(
        plot.frame.bottom() <= H as f32 + 0.5 && plot.frame.top() > 0.5 * H as f32,
        "in the bottom strip"
    );
    let legend = layout.legend.expect("legend");
    assert!(!plot.frame.intersects(legend) && !layout.plots[1].frame.intersects(legend));
    for (g, p) in positions.iter().enumerate() {
        let (m, b) = (f64::from(p[0]), f64::from(p[1]));
        let samples = line_samples(&scene, m, b);
        let inside: Vec<_> = samples
            .iter()
            .filter_map(|&s| plot.to_screen(s))
            .filter(|at| plot.data.shrink(2.0).contains(*at))
            .collect();
        assert!(
            inside.len() >= 5,
            "optimizer {g}: line (m {m}, b {b}) mostly off the plot"
        );
        let hits = inside
            .iter()
            .filter(|at| count_near(&image, **at, 1, close_to(optimizer_color(g), 40)) > 0)
            .count();
        assert!(
            hits * 10 >= inside.len() * 6,
            "optimizer {g}: {hits} of {} samples of y = {m} x + {b} on its line",
            inside.len()
        );
    }
}

#[test]
fn the_final_regression_line_is_the_least_squares_one() {
    let scene = scene("linear-regression");
    let (image, layout, positions) = render(&scene, scene.steps);
    let plot = &layout.plots[0];
    let (m, b) = scene
        .regression
        .as_ref()
        .expect("regression")
        .data
        .least_squares();
    let last = positions.last().expect("adam");
    assert!((f64::from(last[0]) - m).abs() < 0.5 && (f64::from(last[1]) - b).abs() < 0.5);
    let any_optimizer = |p: &Rgba<u8>| (0..3).any(|g| close_to(optimizer_color(g), 40)(p));
    let samples = line_samples(&scene, m, b);
    let hits = samples
        .iter()
        .filter_map(|&s| plot.to_screen(s))
        .filter(|at| count_near(&image, *at, 1, any_optimizer) > 0)
        .count();
    assert!(
        hits * 10 >= samples.len() * 8,
        "{hits} of {} on the least-squares line",
        samples.len()
    );
}

#[test]
fn plots_are_off_by_default_and_unknown_names_are_refused() {
    let saddle = Scene::default_scene();
    let mut bad = saddle.clone();
    bad.view.plots = vec!["pie".into()];
    let err = bad.validate().expect_err("unknown plot");
    assert!(err.contains("pie"), "{err}");
    let (_, layout, _) = render(&scene("sgd-vs-adam"), 5);
    assert!(layout.plots.is_empty());
}

#[test]
fn one_d_plots_are_full_frame_and_others_in_the_strip() {
    let s = scene("sgd-1d");
    assert_eq!(s.view.plots, ["curve"]);
    let (_, layout, _) = render(&s, 15);
    assert_eq!(layout.plots.len(), 1);
    assert!(
        layout.plots[0].frame.width() > 0.6 * W as f32,
        "the curve takes the frame"
    );
    // A 2D scene's regression plots stay in the strip at the bottom.
    let (_, layout, _) = render(&scene("linear-regression"), 10);
    assert_eq!(layout.plots.len(), 2);
    assert!(layout.plots.iter().all(|p| p.frame.top() > 0.5 * H as f32));
}

/// The only-b scene is a 1D problem: J(b) as a curve with b across (the slope held at 90 and
/// said so) and the steps on it, beside the data with the current line; the 3D view, whose
/// axes would name m and b for a surface that has only b, is not shown.
#[test]
fn only_b_draws_j_of_b_as_a_curve_beside_the_data() {
    let only_b = scene("linear-regression-only-b");
    let reg = only_b.regression.as_ref().expect("regression");
    assert_eq!(reg.fixed_slope, Some(90.0));
    let plots = descent::render::overlay::plots::scene_plots(&only_b, &Default::default());
    assert_eq!(plots.len(), 2, "{plots:#?}");
    assert!(plots.iter().all(|p| p.placement == PlotPlacement::Full));
    assert_eq!(
        (plots[0].x_label.as_str(), plots[0].y_label.as_str()),
        ("b", "J(b)")
    );
    assert_eq!(plots[0].title, "J(b) with the slope held at m = 90");
    assert_eq!(plots[1].title, "data and y = 90 x + b");
    assert_eq!(
        only_b.view.axis_names,
        Some(["b", "", "J(b)"].map(String::from)),
        "b is the 1D surface's x; its y carries nothing"
    );
    let content = descent::render::overlay::legend::overlay_content(&only_b, 0.0, Vec::new(), "starts");
    assert_eq!(content.starts[0].label, "b = 0");

    let (image, layout, positions) = render(&only_b, 3);
    assert_eq!(layout.plots.len(), 2);
    let (curve, data) = (&layout.plots[0], &layout.plots[1]);
    for p in [curve, data] {
        assert!(
            p.frame.top() < 0.2 * H as f32 && p.frame.height() > 0.6 * H as f32,
            "full height: {p:?}"
        );
    }
    assert!(
        curve.frame.right() <= data.frame.left(),
        "side by side: {curve:?} {data:?}"
    );
    // The steps, computed here: J(b) = b^2 + 2 b mean(m x - y) + ..., so GD with lr 0.1
    // gives b_k - b* = 0.8^k (b_0 - b*) with b* = mean(y) - m mean(x).
    let (data_x, data_y) = (&reg.data.x, &reg.data.y);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let b_star = mean(data_y) - 90.0 * mean(data_x);
    let j = |b: f64| {
        data_x
            .iter()
            .zip(data_y)
            .map(|(x, y)| (90.0 * x + b - y).powi(2))
            .sum::<f64>()
            / data_x.len() as f64
    };
    for k in 0..=3 {
        let b = b_star * (1.0 - 0.8f64.powi(k));
        let at = curve.to_screen([b, j(b)]).expect("on the plot");
        assert!(curve.data.contains(at), "b_{k} = {b} at {at:?}");
        let n = count_near(&image, at, 2, red);
        assert!(n >= 5, "b_{k} = {b}: {n} red pixels at {at:?}");
    }
    let b4 = b_star * (1.0 - 0.8f64.powi(4));
    let at = curve.to_screen([b4, j(b4)]).expect("on the plot");
    assert_eq!(count_near(&image, at, 1, red), 0, "b_4 drawn at step 3");
    let b3 = f64::from(positions[0][0]);
    assert!((b3 - b_star * (1.0 - 0.8f64.powi(3))).abs() < 1e-3, "{b3}");
    // The data plot's line is y = 90 x + b_3.
    let hits = line_samples(&only_b, 90.0, b3)
        .iter()
        .filter_map(|&s| data.to_screen(s))
        .filter(|at| count_near(&image, *at, 1, close_to(optimizer_color(0), 40)) > 0)
        .count();
    assert!(hits >= 15, "{hits} of 19 samples on y = 90 x + b_3");
    // No 3D view: no surface colours anywhere in the frame's middle.
    let blue_red_surface = |p: &Rgba<u8>| p[2] > 150 && p[0] < 150 && p[1] < 150;
    let middle = egui::pos2(0.5 * (curve.frame.right() + data.frame.left()), 0.5 * H as f32);
    assert_eq!(count_near(&image, middle, 4, blue_red_surface), 0);
    if std::env::var("SAVE_FRAMES").is_ok() {
        image.save("/tmp/only-b-plot.png").expect("save");
    }
}

// ---- goldens ----

#[test]
fn golden_theta_squared_curve() {
    let (image, _, _) = render(&scene("theta-squared"), 20);
    assert_golden("plots-theta-squared", &image);
}

#[test]
fn golden_linear_regression_plots() {
    let (image, _, _) = render(&scene("linear-regression"), 40);
    assert_golden("plots-linear-regression", &image);
}

#[test]
fn golden_linear_regression_only_b_plots() {
    let (image, _, _) = render(&scene("linear-regression-only-b"), 100);
    assert_golden("plots-linear-regression-only-b", &image);
}

/// On linear regression's bowl (isotropic: J's Hessian is about 2 I for these data) GD and
/// momentum from (0, 0) take the same straight line, and Adam joins it: every optimizer's
/// path must still show. Samples of each reference path (f64), projected with the frame's
/// camera, are looked up in the frame for the optimizer's colour.
#[test]
fn every_optimizer_path_shows_on_linear_regression() {
    use descent::render::overlay::plots::strip_share;
    let gpu = common::gpu();
    let scene = scene("linear-regression");
    let (settings, mut camera) = view_settings(&scene.view, [960, 720], 4).expect("view");
    let mut world = World::new(gpu, &scene, &settings).expect("world");
    let mut overlay = Overlay::new(gpu, wgpu::TextureFormat::Rgba8UnormSrgb);
    world.sim.advance_to(gpu, scene.steps);
    let look = Look {
        camera,
        time: f64::from(scene.steps),
        pixels_per_point: pixels_per_point_for(720),
    };
    let texture = world.draw(gpu, &mut overlay, &look);
    let image = read_texture_rgba(gpu, texture).expect("readback");
    camera.bottom_inset = strip_share(&scene, world.sim.particle_count(), 720);
    let clip = camera.clip_from_world(960.0 / 720.0);
    let plot = *world.renderer.plot_box();
    let to_px = |p: [f64; 3]| {
        let c = clip * plot.world_from_data(glam::DVec3::from(p)).extend(1.0);
        egui::pos2((c.x / c.w * 0.5 + 0.5) * 960.0, (0.5 - c.y / c.w * 0.5) * 720.0)
    };
    let paths = descent::cpu::sim::simulate(
        &scene.surface,
        &scene.optimizers,
        &scene.start_points(),
        scene.steps,
        scene.tol,
    );
    let start = to_px([0.0, 0.0, scene.surface.value([0.0, 0.0])]);
    let m = scene.surface.minima[0];
    let star = to_px([m[0], m[1], scene.surface.value(m)]);
    let mut shown = Vec::new();
    for (g, path) in paths.iter().enumerate() {
        let mut samples: Vec<egui::Pos2> = Vec::new();
        for pair in path.windows(2) {
            let (a, b) = (pair[0].pos, pair[1].pos);
            for t in 0..8 {
                let t = f64::from(t) / 8.0;
                let (x, y) = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]));
                let at = to_px([x, y, scene.surface.value([x, y])]);
                // Away from the start marker and the star (with the heads on it), one sample
                // per 3 pixels of path.
                if at.distance(start) > 14.0
                    && at.distance(star) > 16.0
                    && samples.iter().all(|s| s.distance(at) > 3.0)
                {
                    samples.push(at);
                }
            }
        }
        let seen = samples
            .iter()
            .filter(|at| count_near(&image, **at, 1, close_to(optimizer_color(g), 30)) > 0)
            .count();
        shown.push((seen, samples.len()));
    }
    eprintln!("samples of each path in its colour: {shown:?}");
    // GD (the tutorials' method) shows along its whole path; the others at least where they
    // leave it (Adam's first steps, momentum's overshoot).
    let (gd_seen, gd_total) = shown[0];
    assert!(gd_total >= 15 && gd_seen * 10 >= gd_total * 9, "GD: {shown:?}");
    for (g, (seen, _)) in shown.iter().enumerate().skip(1) {
        assert!(*seen >= 5, "optimizer {g}'s path is hidden: {shown:?}");
    }
}

/// The course figure checked without the plot's own mapping: the axes box is found in the
/// picture (its grey spines, scanning out from the middle), and the steps theta_k = 3 * 0.4^k
/// are placed in it by hand: x spans the surface's domain [-4, 4], y the curve's values 0..16
/// padded by 5% ([-0.8, 16.8]), y up.
#[test]
fn theta_squared_steps_are_where_the_axes_put_them_by_hand() {
    let (image, _, _) = render(&scene("theta-squared"), 20);
    let grey = |x: u32, y: u32| {
        let p = image.get_pixel(x, y);
        let (lo, hi) = (p[0].min(p[1]).min(p[2]), p[0].max(p[1]).max(p[2]));
        hi - lo < 12 && hi < 200
    };
    let (cx, cy) = (W / 2, H / 2);
    let left = (0..cx).rev().find(|&x| grey(x, cy)).expect("left spine");
    let right = (cx..W).find(|&x| grey(x, cy)).expect("right spine");
    let top = (0..cy).rev().find(|&y| grey(cx + 40, y)).expect("top spine");
    let bottom = (cy..H).find(|&y| grey(cx + 40, y)).expect("bottom spine");
    assert!(
        right - left > W / 2 && bottom - top > H / 2,
        "{left} {right} {top} {bottom}"
    );
    let to_px = |x: f64, y: f64| {
        let (l, r, t, b) = (
            f64::from(left) + 0.5,
            f64::from(right) + 0.5,
            f64::from(top) + 0.5,
            f64::from(bottom) + 0.5,
        );
        egui::pos2(
            (l + (x + 4.0) / 8.0 * (r - l)) as f32,
            (b - (y + 0.8) / 17.6 * (b - t)) as f32,
        )
    };
    for k in 0..5 {
        let theta = 3.0 * 0.4f64.powi(k);
        let at = to_px(theta, theta * theta);
        let n = count_near(&image, at, 2, red);
        assert!(n >= 5, "theta_{k} = {theta}: {n} red pixels at {at:?}");
    }
    // The minimum's green dot at (0, 0), and no red dot where a wrong step would be (theta
    // shrinking by 0.6 instead of 0.4: 1.8 after the first step).
    assert!(count_near(&image, to_px(0.0, 0.0), 3, green) >= 15);
    assert_eq!(count_near(&image, to_px(1.8, 3.24), 2, red), 0);
}

/// The blog post's three small plots ("xy"): x, y and loss against iteration, one line per
/// start in the optimizer's colour, the second start's dashed. y_k = 0.25 * 1.02^k for the
/// second start and 0 for the first: the first is drawn solid along y = 0, the second in
/// dashes along its curve.
#[test]
fn xy_plots_draw_the_second_start_dashed() {
    let scene = scene("saddle-two-starts");
    assert_eq!(scene.view.plots, ["xy"]);
    let (image, layout, _) = render(&scene, 100);
    assert_eq!(layout.plots.len(), 3);
    let plots = descent::render::overlay::plots::scene_plots(&scene, &Default::default());
    let titles: Vec<&str> = plots.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "x against iteration",
            "y against iteration",
            "loss against iteration"
        ]
    );
    let y_plot = &layout.plots[1];
    // The optimizer's blue, or lighter where a 1.5-point line covers part of a pixel.
    let blue = |p: &Rgba<u8>| i32::from(p[2]) - i32::from(p[0]) > 40;
    let hits = |f: &dyn Fn(f64) -> f64| {
        let samples: Vec<egui::Pos2> = (20..190)
            .map(|k| f64::from(k) / 2.0)
            .filter_map(|t| y_plot.to_screen([t, f(t)]))
            .collect();
        let hit = samples
            .iter()
            .filter(|at| count_near(&image, **at, 0, blue) > 0)
            .count();
        hit as f64 / samples.len() as f64
    };
    let solid = hits(&|_| 0.0);
    eprintln!("solid {solid}");
    let dashed = hits(&|t| 0.25 * 1.02f64.powf(t));
    assert!(
        solid > 0.95,
        "the first start's line covers {solid:.2} of its samples"
    );
    assert!(
        (0.35..0.85).contains(&dashed),
        "the second start's line covers {dashed:.2} of its samples: not dashed"
    );
    // Nothing past the frame's step (100) in the x plot.
    let x_plot = &layout.plots[0];
    let late = x_plot.to_screen([150.0, 0.98f64.powi(150)]).unwrap();
    assert_eq!(
        count_near(&image, late, 1, blue),
        0,
        "the x plot runs ahead of step 100"
    );
}

/// A scene on the bowl with `n` starts per optimizer (a grid), two optimizers, plots = ["loss"].
fn bowl_loss_scene(cols: u32, rows: u32, steps: u32, lr: &str) -> Scene {
    Scene::parse(
        "loss.toml",
        &format!(
            "[surface]\nname = \"bowl\"\n[[optimizer]]\nname = \"gd\"\nlr = {lr}\n[[optimizer]]\nname = \"adam\"\nlr = 0.05\n\
             [starts]\ngrid = [{cols}, {rows}]\n[run]\nsteps = {steps}\n[view]\nplots = [\"loss\"]\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The plots of `scene` after `steps`, from a real run.
fn plots_after(scene: &Scene, steps: u32) -> Vec<descent::render::overlay::style::Plot> {
    let gpu = common::gpu();
    let starts = scene.start_points();
    let mut sim = descent::gpu::sim::Simulation::new(
        gpu,
        &descent::gpu::sim::SimSetup::for_scene(
            scene,
            &starts,
            descent::gpu::sim::TrailPlan::every_step(scene.steps),
        ),
    )
    .expect("simulation");
    sim.advance_to(gpu, steps);
    // A swarm's loss plot comes from statistics counted on the GPU (bins from 0 to the
    // bowl's corner value and beyond).
    let mut stats = (sim.particle_count() > descent::render::overlay::plots::MAX_PLOT_PARTICLES)
        .then(|| descent::gpu::stats::TrailStats::new(gpu, &sim, 0.0, 100.0));
    descent::render::overlay::plots::plots_for_frame(gpu, scene, &sim, f64::from(steps), stats.as_mut())
}

/// "loss": one line per particle up to 16 particles, each optimizer's mean above (the means
/// computed here from the f64 reference), and a log axis when the losses span more than two
/// decades.
#[test]
fn loss_plot_lines_means_and_log_axis() {
    // 2 optimizers x 8 starts = 16 particles: a line each, linear (5 small GD steps).
    let few = bowl_loss_scene(4, 2, 5, "0.01");
    let plots = plots_after(&few, 5);
    assert_eq!(plots.len(), 1);
    assert_eq!(plots[0].series.len(), 16, "a line per particle");
    assert!(!plots[0].log_y, "5 small steps span no decades");

    // 2 x 9 = 18 particles: a mean per optimizer in its colour; GD with lr 0.25 halves every
    // coordinate a step, so its losses fall 4x a step: a log axis.
    let many = bowl_loss_scene(3, 3, 20, "0.25");
    let plots = plots_after(&many, 20);
    let plot = &plots[0];
    assert_eq!(plot.series.len(), 2, "a mean per optimizer");
    assert!(plot.log_y, "losses spanning 12 decades on a linear axis");
    let starts = many.start_points();
    let cpu = descent::cpu::sim::simulate(&many.surface, &many.optimizers, &starts, 20, 0.0);
    for g in 0..2 {
        let series = plot
            .series
            .iter()
            .find(|s| s.color == optimizer_color(g))
            .expect("the optimizer's colour");
        assert_eq!(series.points.len(), 21);
        for &[step, mean] in &series.points {
            let k = step as usize;
            let want = cpu[g * 9..(g + 1) * 9].iter().map(|p| p[k].loss).sum::<f64>() / 9.0;
            assert!(
                (mean - want).abs() <= 1e-4 * want.max(1e-6),
                "optimizer {g} step {k}: mean {mean}, f64 {want}"
            );
        }
    }
}

/// Up to 64 particles get per-particle lines; more get none (the trail would be read back and
/// drawn line by line every frame).
#[test]
fn no_per_particle_lines_past_64_particles() {
    let xy = |cols: u32| {
        Scene::parse(
            "many.toml",
            &format!(
                "[surface]\nname = \"bowl\"\n[[optimizer]]\nname = \"gd\"\nlr = 0.1\n\
                 [starts]\ngrid = [{cols}, 1]\n[run]\nsteps = 4\n[view]\nplots = [\"xy\", \"loss\"]\n"
            ),
        )
        .unwrap()
    };
    let plots = plots_after(&xy(64), 4);
    assert_eq!(plots.len(), 4);
    assert!(
        plots[..3].iter().all(|p| p.series.len() == 64),
        "64 particles: a line each"
    );
    for n in [65, 80] {
        let plots = plots_after(&xy(n), 4);
        for p in &plots {
            assert!(
                p.series.len() < 16,
                "{n} particles: {} series in '{}'",
                p.series.len(),
                p.title
            );
        }
    }
}

/// A swarm's loss plot: the median and the 5-95% and 25-75% bands of each optimizer, from
/// histograms counted on the GPU, against the same quantiles of the f64 reference (within
/// the log bins' resolution); and the shares of converged particles, counted exactly.
#[test]
fn a_swarm_loss_plot_shows_quantiles_and_shares() {
    let scene = Scene::parse(
        "swarm.toml",
        "[surface]\nname = \"bowl\"\n[[optimizer]]\nname = \"gd\"\nlr = 0.1\n\
         [starts]\ngrid = [30, 30]\n[run]\nsteps = 30\ntol = 1e-3\n[view]\nplots = [\"loss\"]\n",
    )
    .unwrap();
    let plots = plots_after(&scene, 30);
    assert_eq!(
        plots.len(),
        2,
        "{:?}",
        plots.iter().map(|p| &p.title).collect::<Vec<_>>()
    );
    let starts = scene.start_points();
    let cpu = descent::cpu::sim::simulate(&scene.surface, &scene.optimizers, &starts, 30, 1e-3);
    let quantile = |k: usize, q: f64| {
        let mut v: Vec<f64> = cpu.iter().map(|p| p[k.min(p.len() - 1)].loss).collect();
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    let loss = &plots[0];
    let median = loss
        .series
        .iter()
        .find(|s| matches!(s.style, descent::render::overlay::style::SeriesStyle::Line { .. }))
        .expect("a median line");
    let bands: Vec<_> = loss
        .series
        .iter()
        .filter(|s| s.style == descent::render::overlay::style::SeriesStyle::Band)
        .collect();
    assert_eq!(bands.len(), 2, "5-95% and 25-75%");
    for k in [0usize, 5, 10] {
        let near = |got: f64, want: f64, what: &str| {
            assert!(
                (got / want - 1.0).abs() < 0.2,
                "step {k} {what}: plot {got}, f64 reference {want}"
            );
        };
        near(median.points[k][1], quantile(k, 0.5), "median");
        let n = bands[0].points.len() / 2;
        near(bands[0].points[k][1], quantile(k, 0.05), "5%");
        near(bands[0].points[n + k][1], quantile(k, 0.95), "95%");
    }
    // Shares: the reference's converged particles at each step.
    let converged = &plots[1].series[0];
    for k in [0usize, 10, 20, 30] {
        let want = cpu.iter().filter(|p| p[k].status == 1).count() as f64 / cpu.len() as f64;
        assert!(
            (converged.points[k][1] - want).abs() < 1e-9,
            "step {k}: converged share {} vs {want}",
            converged.points[k][1]
        );
    }
}

/// A swarm's video starts at step 0, where the loss bands have one step and no area yet: the
/// frame draws (egui is never handed an empty mesh), and so do the next.
#[test]
fn a_swarm_with_a_loss_plot_draws_from_its_first_frame() {
    let gpu = common::gpu();
    let scene = Scene::parse(
        "swarm.toml",
        "[surface]\nname = \"rastrigin\"\n[[optimizer]]\nname = \"adam\"\nlr = 0.05\n\
         [starts]\nrandom = 500\n[run]\nsteps = 5\n[view]\nplots = [\"loss\"]\n",
    )
    .unwrap();
    let settings = descent::render::RenderSettings::for_size(320, 240);
    let mut world = descent::world::World::new(gpu, &scene, &settings).expect("world");
    let mut overlay = descent::render::overlay::Overlay::new(gpu, wgpu::TextureFormat::Rgba8UnormSrgb);
    for step in 0..=2u32 {
        world.sim.advance_to(gpu, step);
        let look = descent::world::Look {
            camera: descent::camera::OrbitCamera::post(),
            time: f64::from(step),
            pixels_per_point: 1.0,
        };
        world.draw(gpu, &mut overlay, &look);
        assert_eq!(
            overlay.layout().plots.len(),
            2,
            "step {step}: the loss and share plots"
        );
    }
    assert!(gpu.take_fault().is_none());
}

/// "lr": each optimizer's learning rate against step, drawn where the schedule (derived here
/// by hand: warmup to 0.004 by step 51, OneCycleLR's peak at step 151, constant 0.001) puts it.
#[test]
fn the_lr_plot_draws_each_schedule() {
    let scene = scene("rosenbrock-schedules");
    let (image, layout, _) = render(&scene, 500);
    assert_eq!(layout.plots.len(), 2, "loss and lr");
    let plot = &layout.plots[1];
    assert!(!plot.log_y, "the lr axis is linear");
    let checks: [(usize, &[(f64, f64)]); 3] = [
        (0, &[(100.0, 0.001), (300.0, 0.001), (450.0, 0.001)]),
        // SequentialLR: LinearLR from 0.01 x 0.004 to 0.004 over 50 steps, then the cosine.
        (
            1,
            &[
                (26.0, 0.004 * (0.01 + 0.99 * 25.0 / 50.0)),
                (51.0, 0.004),
                (
                    276.0,
                    0.004 * (1.0 + (std::f64::consts::PI * 225.0 / 450.0).cos()) / 2.0,
                ),
            ],
        ),
        // OneCycleLR: 0.004 / 25 up to 0.004 at epoch 149 (0.3 x 500 - 1), down to ~0.
        (
            2,
            &[
                (150.0, 0.004),
                (
                    400.0,
                    0.004 / 25.0 / 1e4
                        + (0.004 - 0.004 / 25.0 / 1e4) / 2.0
                            * ((std::f64::consts::PI * 250.0 / 350.0).cos() + 1.0),
                ),
            ],
        ),
    ];
    for (g, points) in checks {
        for &(t, lr) in points {
            let at = plot.to_screen([t, lr]).expect("on the plot");
            assert!(
                count_near(&image, at, 2, close_to(optimizer_color(g), 50)) > 0,
                "optimizer {g}: no line at step {t}, lr {lr} ({at:?})"
            );
        }
    }
    // And nothing of the warmup line where the constant one is early on.
    let at = plot.to_screen([5.0, 0.004]).unwrap();
    assert_eq!(count_near(&image, at, 1, close_to(optimizer_color(1), 50)), 0);
}
