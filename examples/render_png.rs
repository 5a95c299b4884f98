//! Renders a scene to a PNG with the 3D renderer alone (no text overlay), and prints the axis
//! labels the overlay would draw (x, y in pixels, anchor, size in points, text).
//!
//! cargo run --example render_png -- [SCENE.toml] [OUT.png] [STEP] [post|top|side] [WxH]

use descent::camera::OrbitCamera;
use descent::gpu::mesh::SurfaceMesh;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::gpu::{AdapterPreference, Gpu};
use descent::render::{FrameState, RenderSettings, Renderer, read_texture_rgba};
use descent::scene::Scene;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &'static str| args.get(i).map_or(default, String::as_str);
    let scene = Scene::load(arg(0, "assets/scenes/saddle-two-starts.toml").as_ref())?;
    let time: f32 = args.get(2).map_or(Ok(scene.steps as f32), |s| s.parse())?;
    let view = arg(3, "post");
    let camera = OrbitCamera::preset(view).ok_or_else(|| anyhow::anyhow!("unknown view {view}"))?;
    let (w, h) = arg(4, "640x480").split_once('x').unwrap_or(("640", "480"));

    let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        &gpu,
        &SimSetup::for_scene(&scene, &starts, TrailPlan::every_step(scene.steps)),
    )?;
    let mesh = SurfaceMesh::new(&gpu, &scene.surface, scene.mesh[0], scene.mesh[1])?;
    let settings = RenderSettings {
        contours: view == "top",
        ..RenderSettings::for_size(w.parse()?, h.parse()?)
    };
    let mut renderer = Renderer::new(&gpu, &scene.surface, &mesh, &sim, &settings)?;
    // The head is interpolated between steps: simulate up to ceil(time) first.
    sim.advance_to(&gpu, time.ceil() as u32);
    let frame = FrameState {
        camera: &camera,
        time,
    };
    let started = std::time::Instant::now();
    let texture = renderer.render(&gpu, &sim, &frame);
    let image = read_texture_rgba(&gpu, texture)?;
    eprintln!(
        "{}x{} frame rendered and read back in {:.1} ms on {}",
        image.width(),
        image.height(),
        started.elapsed().as_secs_f64() * 1e3,
        gpu.adapter_name()
    );
    image.save(arg(1, "render.png"))?;
    for l in renderer.axis_labels() {
        println!(
            "{:.1}\t{:.1}\t{:?}\t{}\t{}",
            l.pos[0], l.pos[1], l.anchor, l.size, l.text
        );
    }
    Ok(())
}
