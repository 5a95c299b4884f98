//! Hyperparameter sweeps: ranges in specs and scenes, their groups on the GPU against the f64
//! reference, the sweep CSV (the issue's proof on x^2 + y^2) and the sweep map.

mod common;

use std::process::Command;

use descent::gpu::gpu_data::{STATUS_CONVERGED, STATUS_DIVERGED};
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::optim::OptimizerSpec;
use descent::scene::Scene;

fn descent(args: &[&str]) -> (bool, String) {
    let out = Command::new(common::descent_bin())
        .args(args)
        .output()
        .expect("run descent");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn a_range_expands_to_one_group_per_value_first_parameter_fastest() {
    let spec: OptimizerSpec = "sgd:lr=1e-4..1e-2:3:log,momentum=0..0.5:2".parse().unwrap();
    assert_eq!(spec.group_count(), 6);
    let groups = spec.groups();
    let lr: Vec<f64> = groups.iter().map(|g| g.params.lr).collect();
    let momentum: Vec<f64> = groups.iter().map(|g| g.params.momentum).collect();
    assert!(
        (lr[1] - 1e-3).abs() < 1e-15 && lr[2] == 1e-2 && lr[3] == 1e-4,
        "{lr:?}"
    );
    assert_eq!(momentum, [0.0, 0.0, 0.0, 0.5, 0.5, 0.5]);
    assert!(groups.iter().all(|g| g.sweep.is_empty()));
    assert_eq!(spec.describe(), "sgd lr=1e-4..0.01:3:log momentum=0..0.5:2");
    // A plain value replaces a range of the same parameter.
    let mut s = spec.clone();
    s.set("lr", "0.1").unwrap();
    assert_eq!(s.group_count(), 2);
}

#[test]
fn bad_ranges_name_the_offending_token_and_column() {
    let err = |s: &str| s.parse::<OptimizerSpec>().unwrap_err().to_string();
    let e = err("sgd:lr=0.1..1:0");
    assert!(
        e.contains("'0.1..1:0'") && e.contains("column 8") && e.contains("at least 2"),
        "{e}"
    );
    let e = err("adam:lr=0..1e-2:5:log");
    assert!(e.contains("ends > 0"), "{e}");
    let e = err("sgd:lr=..1:5");
    assert!(e.contains("missing 'from'"), "{e}");
    let e = err("sgd:lr=0.1..:5");
    assert!(e.contains("missing 'to'"), "{e}");
    let e = err("sgd:lr=0.1..1");
    assert!(e.contains("missing ':count'"), "{e}");
    // Both ends obey the parameter's own rule.
    let e = err("sgd:momentum=-1..0.5:4");
    assert!(e.contains("momentum must be >= 0"), "{e}");
    let e = err("adam:beta1=0.5..1:4");
    assert!(e.contains("beta1 must be in [0, 1)"), "{e}");
    // Flags cannot be swept; a third range is refused.
    let e = err("sgd:nesterov=0..1:2");
    assert!(e.contains("nesterov at column 14 cannot be a range"), "{e}");
    let e = err("sgd:lr=0.1..1:3,momentum=0..0.9:3,dampening=0..0.5:2");
    assert!(
        e.contains("cannot sweep dampening") && e.contains("at most 2"),
        "{e}"
    );
    // Nesterov holds at every corner of the sweep or not at all.
    let e = err("nesterov:momentum=0..0.9:4");
    assert!(e.contains("nesterov requires momentum > 0"), "{e}");
}

#[test]
fn scenes_take_ranges_as_tables_and_name_bad_ones() {
    let text = r#"
[surface]
name = "rosenbrock"
[[optimizer]]
name = "sgd"
lr = { from = 1e-4, to = 1e-3, count = 4, scale = "log" }
momentum = { from = 0.0, to = 0.9, count = 3 }
[starts]
points = [[-1.5, 2.0]]
"#;
    let scene = Scene::parse("sweep.toml", text).unwrap();
    assert_eq!(scene.group_count(), 12);
    assert_eq!(scene.optimizers[0].sweep.len(), 2);
    let bad = text.replace("count = 3", "count = 0");
    let e = Scene::parse("sweep.toml", &bad).unwrap_err().to_string();
    assert!(
        e.contains("sweep.toml:7") && e.contains("count must be at least 2"),
        "{e}"
    );
    let bad = text.replace("scale = \"log\"", "scale = \"cubic\"");
    let e = Scene::parse("sweep.toml", &bad).unwrap_err().to_string();
    assert!(e.contains("unknown scale 'cubic'"), "{e}");
    let bad = text.replace("from = 1e-4, ", "");
    let e = Scene::parse("sweep.toml", &bad).unwrap_err().to_string();
    assert!(e.contains("needs 'from'"), "{e}");
}

#[test]
fn every_group_of_a_sweep_matches_the_f64_reference() {
    let mut scene = Scene::default_scene();
    scene.surface = descent::surfaces::Surface::from_name_or_expr("rosenbrock").unwrap();
    scene.optimizers = vec![
        "adam:lr=0.01".parse().unwrap(),
        "sgd:lr=1e-4..1e-3:5:log,momentum=0..0.9:4".parse().unwrap(),
    ];
    scene.steps = 60;
    let starts = vec![[-1.5, 2.0], [0.5, -0.5]];
    let groups = scene.groups();
    assert_eq!(groups.len(), 21);
    let gpu = common::gpu();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .unwrap();
    sim.advance_to(gpu, scene.steps);
    let gpu_end = sim.read_particles(gpu).unwrap();
    let cpu = descent::cpu::sim::simulate(&scene.surface, &groups, &starts, scene.steps, scene.tol);
    assert_eq!(gpu_end.len(), cpu.len());
    for (i, (g, c)) in gpu_end.iter().zip(&cpu).enumerate() {
        let c = c.last().unwrap();
        for k in 0..2 {
            let d = (f64::from(g.pos[k]) - c.pos[k]).abs();
            assert!(
                d < 1e-4 * (1.0 + c.pos[k].abs()),
                "particle {i}: gpu {:?} cpu {:?}",
                g.pos,
                c.pos
            );
        }
    }
}

/// The issue's proof: x_{k+1} = (1 - 2 lr) x_k on x^2 + y^2 from (1, 1).
#[test]
fn the_sweep_csv_says_converged_and_diverged_where_the_contraction_says() {
    let csv = tmp("sweep.csv");
    let (ok, err) = descent(&[
        "run",
        "--surface",
        "x^2 + y^2",
        "--optimizer",
        "sgd:lr=0.05..1.5:30",
        "--start=1,1",
        "--steps",
        "300",
        "--tol",
        "1e-9",
        "--sweep-csv",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("optimizer,lr,start,x,y,loss,steps,status"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 30);
    let (mut converged, mut diverged) = (0, 0);
    for r in &rows {
        assert_eq!(r[0], "sgd:lr=0.05..1.5:30");
        assert_eq!(r[2], "0");
        let lr: f64 = r[1].parse().unwrap();
        let rate = (1.0 - 2.0 * lr).abs();
        let status = r[7];
        if rate < 0.95 {
            assert_eq!(status, "converged", "lr {lr}: {r:?}");
            converged += 1;
        }
        if rate > 1.05 {
            assert_eq!(status, "diverged", "lr {lr}: {r:?}");
            // Diverged late when barely unstable, early when far out.
            diverged += 1;
        }
    }
    assert_eq!((converged, diverged), (19, 10));
    // Steps to diverge fall as lr grows past 1.
    let steps = |lr: &str| -> u32 { rows.iter().find(|r| r[1] == lr).unwrap()[6].parse().unwrap() };
    assert!(steps("1.05") > steps("1.5"), "{} {}", steps("1.05"), steps("1.5"));
}

#[test]
fn sweep_outputs_need_a_sweep() {
    let (ok, err) = descent(&[
        "run",
        "--surface",
        "x^2 + y^2",
        "--optimizer",
        "sgd:lr=0.1",
        "--start=1,1",
        "--sweep-csv",
        tmp("none.csv").to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        err.contains("--sweep-csv: no optimizer sweeps a parameter"),
        "{err}"
    );
}

#[test]
fn the_sweep_map_of_lr_and_momentum_shows_blue_below_the_boundary_and_red_above() {
    // On x^2 + y^2 (Hessian 2I), heavy-ball SGD converges for 0 < lr < 1 + momentum and
    // diverges beyond: the boundary is the line lr = 1 + momentum.
    let map = tmp("map.png");
    let (ok, err) = descent(&[
        "run",
        "--surface",
        "x^2 + y^2",
        "--optimizer",
        "sgd:lr=0.1..2.5:48,momentum=0..0.9:40",
        "--start=1,1",
        "--steps",
        "200",
        "--sweep-map",
        map.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let img = image::open(&map).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (48, 40));
    let (mut checked, mut wrong) = (0, 0);
    for j in 0..40u32 {
        let momentum = 0.9 * f64::from(39 - j) / 39.0;
        for i in 0..48u32 {
            let lr = 0.1 + 2.4 * f64::from(i) / 47.0;
            let margin = lr - (1.0 + momentum);
            if margin.abs() < 0.1 {
                continue;
            }
            let p = img.get_pixel(i, j).0;
            let blue = p[2] > p[0];
            checked += 1;
            if blue != (margin < 0.0) {
                wrong += 1;
            }
        }
    }
    assert!(
        checked > 1500 && wrong == 0,
        "{wrong} of {checked} pixels on the wrong side"
    );
}

#[test]
fn the_sweep_map_of_one_parameter_is_a_curve_with_the_diverged_region_shaded() {
    let scene = {
        let mut s = Scene::default_scene();
        s.surface = descent::surfaces::Surface::from_name_or_expr("x^2 + y^2").unwrap();
        s.optimizers = vec!["sgd:lr=0.05..1.5:30".parse().unwrap()];
        s.starts = descent::scene::Starts {
            points: vec![[1.0, 1.0]],
            ..Default::default()
        };
        s.steps = 300;
        s.tol = 1e-9;
        s
    };
    let gpu = common::gpu();
    let outcome = descent::run::run_scene(gpu, &scene, &Default::default()).unwrap();
    assert_eq!(outcome.particles[0].status, STATUS_CONVERGED);
    assert_eq!(outcome.particles[29].status, STATUS_DIVERGED);
    let maps = descent::outcome::sweep_map::sweep_maps(&scene, &outcome.particles, 1, None);
    assert_eq!(maps.len(), 1);
    let img = &maps[0].image;
    assert_eq!(maps[0].dims, [30, 1]);
    // The right third (lr > 1.025) is shaded pink from top to bottom; the left is paper with
    // a blue curve somewhere in every column.
    let (w, h) = img.dimensions();
    let pink = |x: u32| (0..h).all(|y| img.get_pixel(x, y).0 == [250, 205, 200, 255]);
    assert!(pink(w - 3) && pink(w * 3 / 4), "diverged side is not shaded");
    for x in (5..w / 2).step_by(7) {
        assert!(!pink(x));
        let curve = (0..h).any(|y| {
            let p = img.get_pixel(x, y).0;
            p[2] > 100 && p[0] < 80
        });
        assert!(curve, "no curve in column {x}");
    }
}

/// A frame of a sweep: its map is an inset with the map's own pixels, and a group picked on
/// it draws its path over the 3D view in the highlight colour.
#[test]
fn frames_show_the_map_and_a_picked_group_in_the_highlight_colour() {
    use descent::outcome::sweep_view::HIGHLIGHT;
    use descent::render::overlay::Overlay;
    use descent::world::{Look, World};
    let mut scene = Scene::default_scene();
    scene.surface = descent::surfaces::Surface::from_name_or_expr("x^2 + y^2").unwrap();
    scene.surface.domain = descent::surfaces::Domain::new(-1.5, 1.5, -1.5, 1.5);
    scene.optimizers = vec!["sgd:lr=0.1..2.5:24,momentum=0..0.9:20".parse().unwrap()];
    scene.starts = descent::scene::Starts {
        points: vec![[1.0, 1.0]],
        ..Default::default()
    };
    scene.steps = 60;
    let gpu = common::gpu();
    let (w, h) = (640, 480);
    let settings = descent::render::RenderSettings::for_size(w, h);
    let (_, camera) = descent::render::view_settings(&scene.view, [w, h], 1).unwrap();
    let mut world = World::new(gpu, &scene, &settings).unwrap();
    let mut overlay = Overlay::new(gpu, wgpu::TextureFormat::Rgba8UnormSrgb);
    world.sim.advance_to(gpu, scene.steps);
    let look = Look {
        camera,
        time: f64::from(scene.steps),
        pixels_per_point: 1.0,
    };
    let is_highlight = |p: &image::Rgba<u8>| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).abs();
        d(p[0], HIGHLIGHT[0]) < 20 && d(p[1], HIGHLIGHT[1]) < 20 && d(p[2], HIGHLIGHT[2]) < 20
    };
    let texture = world.draw(gpu, &mut overlay, &look);
    let before = descent::render::read_texture_rgba(gpu, texture).unwrap();
    assert_eq!(before.pixels().filter(|p| is_highlight(p)).count(), 0);

    // The inset shows the map: its bottom-left (lr 0.1, momentum 0) is blue, its bottom-right
    // (lr 2.5 > 1 + momentum) red.
    let inset = overlay.layout().insets[0];
    let at = |u: f32, v: f32| {
        *before.get_pixel(
            (inset.left() + u * inset.width()) as u32,
            (inset.top() + v * inset.height()) as u32,
        )
    };
    let (bl, br) = (at(0.03, 0.97), at(0.97, 0.97));
    assert!(bl[2] > bl[0] + 40, "bottom-left {bl:?}");
    assert!(br[0] > br[2] + 40, "bottom-right {br:?}");

    // Pick lr = 0.1 + 2.4 * 11.5/24 ~ 1.25, momentum ~ 0.5 (a spiralling path) and draw again.
    let picked = world.sweep.borrow_mut().pick(0, 0.5, 0.5).unwrap();
    assert_eq!(picked, 10 * 24 + 12);
    let texture = world.draw(gpu, &mut overlay, &look);
    let after = descent::render::read_texture_rgba(gpu, texture).unwrap();
    let lit = after.pixels().filter(|p| is_highlight(p)).count();
    assert!(lit > 300, "{lit} highlight pixels");
    // The picked pixel is ringed on the map.
    let ringed = (inset.top() as u32..inset.bottom() as u32)
        .flat_map(|y| (inset.left() as u32..inset.right() as u32).map(move |x| (x, y)))
        .filter(|&(x, y)| is_highlight(after.get_pixel(x, y)))
        .count();
    assert!(ringed > 10, "{ringed} highlight pixels on the map");
}

#[test]
fn render_writes_the_sweep_map_and_csv_alone_or_beside_a_still() {
    let (map, csv, still) = (tmp("r-map.png"), tmp("r-sweep.csv"), tmp("r-still.png"));
    let common_args = [
        "render",
        "--surface",
        "x^2 + y^2",
        "--optimizer",
        "sgd:lr=0.05..1.5:30",
        "--start=1,1",
        "--steps",
        "50",
        "--size",
        "320x240",
    ];
    let mut args = common_args.to_vec();
    args.extend([
        "--sweep-map",
        map.to_str().unwrap(),
        "--sweep-csv",
        csv.to_str().unwrap(),
    ]);
    let (ok, err) = descent(&args);
    assert!(ok, "{err}");
    // One parameter: the curve's picture; one row per group.
    let img = image::open(&map).unwrap();
    assert_eq!((img.width(), img.height()), (360, 220));
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 31);
    assert!(!still.exists());
    let mut args = common_args.to_vec();
    args.extend([
        "--still",
        still.to_str().unwrap(),
        "--sweep-csv",
        csv.to_str().unwrap(),
    ]);
    let (ok, err) = descent(&args);
    assert!(ok, "{err}");
    assert!(still.exists());
}

/// The map is made from the particles at the step shown: early in the run every group is
/// still running near its start (all blue), by the end the unstable ones are red.
#[test]
fn the_map_follows_the_run() {
    let mut scene = Scene::default_scene();
    scene.surface = descent::surfaces::Surface::from_name_or_expr("x^2 + y^2").unwrap();
    scene.optimizers = vec!["sgd:lr=0.1..2.5:24,momentum=0..0.9:20".parse().unwrap()];
    scene.starts = descent::scene::Starts {
        points: vec![[1.0, 1.0]],
        ..Default::default()
    };
    scene.steps = 200;
    let gpu = common::gpu();
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(scene.steps)),
    )
    .unwrap();
    let mut view = descent::outcome::sweep_view::SweepView::default();
    let red = |view: &descent::outcome::sweep_view::SweepView| {
        view.maps[0].image.pixels().filter(|p| p[0] > p[2]).count()
    };
    sim.advance_to(gpu, 1);
    view.update(gpu, &scene, &sim);
    assert_eq!(red(&view), 0, "nothing diverged after one step");
    sim.advance_to(gpu, scene.steps);
    view.update(gpu, &scene, &sim);
    // Unstable where lr > 1 + momentum: about a third of this grid.
    let n = red(&view);
    assert!((100..260).contains(&n), "{n} red pixels of 480");
}

/// The shipped momentum-map scene's map shows a boundary in every row: blue at the smallest
/// learning rate, red at the largest.
#[test]
fn the_momentum_map_scene_shows_the_boundary() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes/momentum-map.toml");
    let scene = Scene::load(&path).unwrap();
    let outcome = descent::run::run_scene(common::gpu(), &scene, &Default::default()).unwrap();
    let maps = descent::outcome::sweep_map::sweep_maps(&scene, &outcome.particles, 1, None);
    let img = &maps[0].image;
    assert_eq!(img.dimensions(), (128, 128));
    let blue = |p: &image::Rgba<u8>| p[2] > p[0];
    let mut red_share = 0.0;
    for j in 0..128 {
        assert!(blue(img.get_pixel(0, j)), "row {j}: the smallest lr is not blue");
        assert!(!blue(img.get_pixel(127, j)), "row {j}: the largest lr is not red");
        red_share += (0..128).filter(|&i| !blue(img.get_pixel(i, j))).count() as f64 / (128.0 * 128.0);
    }
    assert!((0.15..0.6).contains(&red_share), "red share {red_share}");
}

/// Sweep maps and start maps in top-down views sit clear of the axes: no tick label or axis
/// line under an inset's box, at a large and a small frame (the inset moves beside the axes,
/// shrinking to fit, or above them), and the x axis's right end is drawn, not covered.
#[test]
fn insets_keep_clear_of_the_axes_in_top_down_views() {
    use descent::render::overlay::{Overlay, pixels_per_point_for};
    use descent::world::{Look, World};
    let gpu = common::gpu();
    let sweep = Scene::parse(
        "sweep.toml",
        "[surface]\nname = \"rosenbrock\"\n[[optimizer]]\nname = \"sgd\"\n\
         lr = { from = 1e-4, to = 1e-2, count = 16, scale = \"log\" }\n\
         momentum = { from = 0.0, to = 0.99, count = 16 }\n\
         [starts]\npoints = [[-1.5, 2.0]]\n[run]\nsteps = 100\n[view]\ncamera = \"top\"\n",
    )
    .unwrap();
    let basins = Scene::parse(
        "basins.toml",
        "[surface]\nname = \"himmelblau\"\n[[optimizer]]\nname = \"adam\"\nlr = 0.05\n\
         [starts]\ngrid = [40, 40]\n[run]\nsteps = 100\n[view]\ncamera = \"top\"\nstart_map = true\n",
    )
    .unwrap();
    for scene in [&sweep, &basins] {
        for (w, h) in [(1200, 900), (640, 480)] {
            let (settings, camera) = descent::render::view_settings(&scene.view, [w, h], 1).unwrap();
            let mut world = World::new(gpu, scene, &settings).unwrap();
            let mut overlay = Overlay::new(gpu, wgpu::TextureFormat::Rgba8UnormSrgb);
            world.sim.advance_to(gpu, scene.steps);
            let look = Look {
                camera,
                time: f64::from(scene.steps),
                pixels_per_point: pixels_per_point_for(h),
            };
            let texture = world.draw(gpu, &mut overlay, &look);
            let image = descent::render::read_texture_rgba(gpu, texture).unwrap();
            let layout = overlay.layout();
            assert_eq!(layout.inset_frames.len(), 1, "{w}x{h}");
            let frame = layout.inset_frames[0];
            for label in &layout.labels {
                assert!(
                    !label.intersects(frame),
                    "{w}x{h}: inset {frame:?} covers label {label:?}"
                );
            }
            let lines = world.renderer.axis_lines();
            assert!(!lines.is_empty());
            for &[x0, y0, x1, y1] in lines {
                for k in 0..=200 {
                    let t = k as f32 / 200.0;
                    let p = egui::pos2(x0 + t * (x1 - x0), y0 + t * (y1 - y0));
                    assert!(
                        !frame.contains(p),
                        "{w}x{h}: inset {frame:?} covers the axis line at {p:?}"
                    );
                }
            }
            // The pixels: the x axis (the horizontal line) is dark up to its right end.
            let &[x0, y0, x1, y1] = lines
                .iter()
                .find(|l| (l[1] - l[3]).abs() < 1.0)
                .expect("a horizontal axis in a top view");
            let end = if x1 > x0 { [x1 - 3.0, y1] } else { [x0 - 3.0, y0] };
            let px = image.get_pixel(end[0] as u32, end[1].round() as u32);
            assert!(
                px[0] < 120 && px[1] < 120 && px[2] < 120,
                "{w}x{h}: the axis's end is {px:?}"
            );
        }
    }
}
