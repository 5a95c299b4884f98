//! Renders a scene to a PNG with the 3D renderer (no text overlay).
//!
//! cargo run --example render_png -- assets/scenes/saddle-two-starts.toml out.png [step] [post|top|side] [WxH]

use descent::camera::OrbitCamera;
use descent::gpu::mesh::SurfaceMesh;
use descent::gpu::sim::{SimSetup, Simulation, TrailPlan};
use descent::gpu::{AdapterPreference, Gpu};
use descent::render::{FrameState, RenderSettings, Renderer, read_texture_rgba};
use descent::scene::Scene;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scene = Scene::load(
        args.first()
            .map_or("assets/scenes/saddle-two-starts.toml", |s| s)
            .as_ref(),
    )?;
    let out = args.get(1).map_or("render.png", |s| s);
    let time: f32 = args.get(2).map_or(Ok(scene.steps as f32), |s| s.parse())?;
    let camera = OrbitCamera::preset(args.get(3).map_or("post", |s| s)).unwrap_or_default();
    let (w, h) = match args.get(4).and_then(|s| s.split_once('x')) {
        Some((w, h)) => (w.parse()?, h.parse()?),
        None => (640, 480),
    };

    let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
    let starts = scene.start_points();
    let mut sim = Simulation::new(
        &gpu,
        &SimSetup {
            surface: &scene.surface,
            optimizers: &scene.optimizers,
            starts: &starts,
            max_steps: scene.steps,
            tol: scene.tol,
            trail: TrailPlan {
                capacity: std::env::var("CAP").map_or(scene.steps + 1, |c| c.parse().unwrap_or(1)),
                record_every: std::env::var("EVERY").map_or(1, |c| c.parse().unwrap_or(1)),
            },
        },
    )?;
    let mesh = SurfaceMesh::new(&gpu, &scene.surface, scene.mesh[0], scene.mesh[1])?;
    let settings = RenderSettings {
        contours: args.get(3).is_some_and(|c| c == "top"),
        fade_trails: std::env::var("FADE").is_ok(),
        show_trails: std::env::var("NOTRAILS").is_err(),
        msaa: if std::env::var("NOMSAA").is_ok() { 1 } else { 4 },
        ..RenderSettings::for_size(w, h)
    };
    let mut renderer = Renderer::new(&gpu, &scene.surface, &mesh, &sim, &settings)?;
    sim.advance_to(&gpu, time.ceil() as u32);
    let frame = FrameState {
        camera: &camera,
        time,
    };
    renderer.render(&gpu, &sim, &frame);
    gpu.wait()?;
    let started = std::time::Instant::now();
    let texture = renderer.render(&gpu, &sim, &frame);
    gpu.wait()?;
    eprintln!("frame: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    read_texture_rgba(&gpu, texture)?.save(out)?;
    // The overlay's job, printed for inspection: where the axis labels go.
    for l in renderer.axis_labels(&frame) {
        println!(
            "{:.1}\t{:.1}\t{:?}\t{}\t{}",
            l.pos[0], l.pos[1], l.anchor, l.size, l.text
        );
    }
    Ok(())
}
