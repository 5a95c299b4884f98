//! A model scene in the window and `descent render` (lavapipe): trained on the GPU, its paths
//! replayed on its loss slice. The replayed paths equal the f64 twin's parameters; each is
//! drawn at the slice's height where it passes; on the exact two-parameter surface that
//! height is the true loss (up to reading the slice between its grid points); the strip plot
//! holds the true losses; and the frame shows each model's head where its path is.

mod common;

use descent::model::{ModelProblem, Training};
use descent::render::overlay::{Overlay, pixels_per_point_for};
use descent::render::{read_texture_rgba, view_settings};
use descent::scene::Scene;
use descent::world::{Look, World};

const W: u32 = 800;
const H: u32 = 600;

/// Logistic regression without bias (two weights): its slice through both is the exact loss.
const EXACT: &str = r#"
title = "three logistic regressions"
[model]
model = "mlp:2-1:nobias"
loss = "bce"
data = "blobs:n=60,noise=3.0"
inits = 3
seed = 4
[[optimizer]]
name = "sgd"
lr = 0.05
[run]
steps = 30
[slice]
directions = "params:p0,p1"
range = "-1.5:1.5,-1.5:1.5"
"#;

fn scene(text: &str) -> Scene {
    Scene::parse("model-view.toml", text).expect("scene")
}

/// The twin's trajectories of the scene's models.
fn twin(scene: &Scene) -> Vec<descent::model::Trajectory> {
    let m = scene.model.as_ref().unwrap();
    let problem = ModelProblem::resolve(&m.args, &|p| std::fs::read_to_string(p)).unwrap();
    let groups = scene.groups();
    Training {
        problem: problem.problem(),
        optimizers: &groups,
        inits: &problem.inits,
        steps: scene.steps,
        tol: scene.tol,
        seed: m.args.seed,
    }
    .run()
    .unwrap()
}

#[test]
fn replayed_paths_are_the_models_drawn_at_the_slices_height() {
    let gpu = common::gpu();
    let scene = scene(EXACT);
    let settings = descent::render::RenderSettings::for_size(320, 240);
    let world = World::new(gpu, &scene, &settings).expect("world");
    let drawn = world.scene();
    assert!(drawn.model.is_none(), "the world draws a surface scene");
    let surface = &drawn.surface;
    let table = surface.table().expect("a tabulated surface");
    assert_eq!((table.cols, table.rows), (81, 81));
    assert_eq!((surface.domain.x, surface.domain.y), ([-1.5, 1.5], [-1.5, 1.5]));
    assert_eq!(drawn.view.axis_names.as_ref().unwrap()[0], "w0[0,0]");
    // The clock stands at the end; stepping does nothing.
    assert_eq!(world.sim.steps_done(), 30);
    let trail = world.sim.read_trail(gpu).unwrap();
    let n = world.sim.particle_count() as usize;
    assert_eq!((n, trail.len()), (3, 3 * 31));
    let twin = twin(&scene);
    let notes = world.model.as_ref().expect("model notes");
    for (i, t) in twin.iter().enumerate() {
        for s in 0..=30 {
            let p = trail[s * n + i];
            // Directions along p0 and p1 through the origin: (a, b) are the two weights.
            for k in 0..2 {
                let (got, want) = (f64::from(p.pos[k]), t.theta[s][k]);
                assert!(
                    (got - want).abs() < 1e-4,
                    "model {i} step {s} w{k}: {got} vs {want}"
                );
            }
            let height = surface.value([f64::from(p.pos[0]), f64::from(p.pos[1])]);
            assert!(
                (f64::from(p.loss) - height).abs() <= 1e-6 * (1.0 + height.abs()),
                "model {i} step {s}: drawn at {} where the slice is {height}",
                p.loss
            );
            // The exact surface: its height is the true loss, up to reading the 81x81 grid
            // bilinearly (cells of 0.0375).
            assert!(
                (height - t.loss[s]).abs() <= 2e-3 * t.loss[s],
                "model {i} step {s}: slice {height} vs true loss {}",
                t.loss[s]
            );
        }
    }
    // The strip plot's true loss: the median over the three models.
    for s in [0usize, 10, 30] {
        let mut v: Vec<f64> = twin.iter().map(|t| t.loss[s]).collect();
        v.sort_by(f64::total_cmp);
        let median = notes.losses.true_loss[0][s].unwrap()[1];
        assert!(
            (median - v[1]).abs() < 1e-5 * v[1],
            "step {s}: median {median} vs {}",
            v[1]
        );
    }
    assert!(notes.about.contains("exact loss surface"), "{}", notes.about);
}

#[test]
fn the_frame_shows_each_models_head_on_its_path_and_the_strip_plot() {
    let gpu = common::gpu();
    let scene = scene(EXACT);
    let (settings, mut camera) = view_settings(&scene.view, [W, H], 1).expect("view");
    let mut world = World::new(gpu, &scene, &settings).expect("world");
    let mut overlay = Overlay::new(gpu, wgpu::TextureFormat::Rgba8UnormSrgb);
    let time = 6.0;
    let look = Look {
        camera,
        time,
        pixels_per_point: pixels_per_point_for(H),
    };
    let texture = world.draw(gpu, &mut overlay, &look);
    let image = read_texture_rgba(gpu, texture).expect("readback");
    image
        .save(std::env::temp_dir().join("descent-model-view.png"))
        .ok();
    // Where each head is: its record at step 6, at the slice's height.
    camera.bottom_inset = world.strip_share(H);
    let clip = camera.clip_from_world(W as f32 / H as f32);
    let plot = *world.renderer.plot_box();
    let trail = world.sim.read_trail(gpu).unwrap();
    let sgd = descent::render::overlay::style::optimizer_color(0);
    let near_color = |x: f32, y: f32, r: i32| {
        (-r..=r).any(|dy| {
            (-r..=r).any(|dx| {
                let (px, py) = (x as i32 + dx, y as i32 + dy);
                if px < 0 || py < 0 || px >= W as i32 || py >= H as i32 {
                    return false;
                }
                let c = image.get_pixel(px as u32, py as u32).0;
                let chroma = c.iter().take(3).max().unwrap() - c.iter().take(3).min().unwrap();
                chroma > 80 && (common::hue(c) - common::hue(sgd)).abs() < 12.0
            })
        })
    };
    for i in 0..3 {
        let p = trail[6 * 3 + i];
        let data = glam::DVec3::new(f64::from(p.pos[0]), f64::from(p.pos[1]), f64::from(p.loss));
        let c = clip * plot.world_from_data(data).extend(1.0);
        let (x, y) = (
            (c.x / c.w * 0.5 + 0.5) * W as f32,
            (0.5 - c.y / c.w * 0.5) * H as f32,
        );
        assert!(
            near_color(x, y, 4),
            "model {i}'s head at ({x:.0}, {y:.0}) is not drawn"
        );
    }
    // The strip plot: the true loss's median line in the optimizer's colour.
    let layout = overlay.layout();
    assert_eq!(layout.plots.len(), 2, "true and slice losses; accuracy");
    let data = layout.plots[0].data;
    let in_plot = (data.min.y as u32..data.max.y as u32)
        .flat_map(|y| (data.min.x as u32..data.max.x as u32).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let c = image.get_pixel(x, y).0;
            let chroma = c.iter().take(3).max().unwrap() - c.iter().take(3).min().unwrap();
            chroma > 80 && (common::hue(c) - common::hue(sgd)).abs() < 12.0
        })
        .count();
    assert!(
        in_plot > 20,
        "{in_plot} pixels of the loss lines in the strip plot"
    );
    // The data view: the points of both classes on the model's regions.
    assert_eq!(layout.insets.len(), 1, "one data view per optimizer");
    let r = layout.insets[0];
    let mut seen = [0usize; 2];
    for y in r.min.y as u32 + 1..r.max.y as u32 - 1 {
        for x in r.min.x as u32 + 1..r.max.x as u32 - 1 {
            let c = image.get_pixel(x, y).0;
            for (k, n) in seen.iter_mut().enumerate() {
                let want = descent::render::overlay::style::optimizer_color(k);
                if (0..3).all(|i| c[i].abs_diff(want[i]) < 24) {
                    *n += 1;
                }
            }
        }
    }
    assert!(
        seen.iter().all(|&n| n > 30),
        "class colours in the data view: {seen:?}"
    );
}

#[test]
fn a_model_scene_reads_back_from_its_scene_file() {
    let mut scene = scene(EXACT);
    scene.view.azim = Some(30.0);
    let text = scene.to_toml();
    let back = Scene::parse("back.toml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let (a, b) = (scene.model.as_ref().unwrap(), back.model.as_ref().unwrap());
    assert_eq!(format!("{:?}", a.args), format!("{:?}", b.args));
    assert_eq!(a.slice, b.slice);
    assert_eq!(back.view.azim, Some(30.0));
    assert_eq!(back.to_toml(), text);
    assert!(
        scene.to_command().contains("no flags of descent render"),
        "{}",
        scene.to_command()
    );
}

#[test]
fn surface_flags_are_refused_on_a_model_scene() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenes/models/logistic-blobs.toml");
    let out = std::env::temp_dir().join("descent-model-refused.png");
    let _ = std::fs::remove_file(&out);
    let (ok, _, err) = common::run_descent(&[
        "render",
        path.to_str().unwrap(),
        "--start",
        "1,1",
        "--still",
        out.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("--start belongs to a surface run"), "{err}");
    assert!(!out.exists());
}
