//! `descent bench`: particle-steps per second of the GPU simulation next to a single-threaded
//! CPU loop doing the same work per step (gradient, optimizer update, loss, divergence and
//! convergence tests), in one run so the ratio is measured side by side.

use std::time::Instant;

use crate::bench_case;
use crate::gpu::sim::{SimSetup, Simulation, TrailPlan};
use crate::gpu::{Gpu, GpuError};
use crate::optim::{self, OptimizerSpec};

pub struct SimBenchRow {
    pub particles: u32,
    pub gpu_steps: u32,
    pub gpu_seconds: f64,
    pub cpu_steps: u32,
    pub cpu_seconds: f64,
    /// GPU buffers the particles take (state; the bench keeps no trail).
    pub gpu_bytes: u64,
}

/// The most particles this adapter's memory holds (see `gpu::memory`): on a CPU adapter the
/// initial state kept for restarts lives in the same memory, so half as many.
pub fn largest_count(gpu: &Gpu) -> u32 {
    let memory = crate::gpu::memory::AdapterMemory::of(gpu);
    let copies = if gpu.adapter.get_info().device_type == wgpu::DeviceType::Cpu {
        2
    } else {
        1
    };
    (memory.usable() / (copies * crate::gpu::sim::PARTICLE_BYTES)).min(u64::from(u32::MAX)) as u32
}

impl SimBenchRow {
    pub fn gpu_rate(&self) -> f64 {
        f64::from(self.particles) * f64::from(self.gpu_steps) / self.gpu_seconds
    }
    pub fn cpu_rate(&self) -> f64 {
        f64::from(self.particles) * f64::from(self.cpu_steps) / self.cpu_seconds
    }
}

/// Adam (lr 0.02) on Rosenbrock from a grid of starts, for each particle count.
/// The CPU loop runs fewer steps where it would take long; rates are per particle-step.
pub fn bench_simulation(
    gpu: &Gpu,
    sizes: &[u32],
    gpu_steps: u32,
    cpu_budget_steps: u64,
) -> Result<Vec<SimBenchRow>, GpuError> {
    let (surface, adam) = bench_case::case()?;
    let mut rows = Vec::new();
    for &n in sizes {
        let timing = pollster::block_on(bench_case::time_gpu(gpu, n, gpu_steps))?;
        let starts = bench_case::grid_starts(&surface, n);
        let cpu_steps = (cpu_budget_steps / u64::from(n)).clamp(1, u64::from(timing.steps)) as u32;
        let t = Instant::now();
        let checksum = cpu_loop(&adam, &starts, cpu_steps);
        let cpu_seconds = t.elapsed().as_secs_f64();
        std::hint::black_box(checksum);
        rows.push(SimBenchRow {
            particles: n,
            gpu_steps: timing.steps,
            gpu_seconds: timing.seconds,
            cpu_steps,
            cpu_seconds,
            gpu_bytes: timing.gpu_bytes,
        });
    }
    Ok(rows)
}

/// Rosenbrock's value and gradient, hand-written as a CPU program would have them.
#[inline]
fn rosenbrock(p: [f64; 2]) -> (f64, [f64; 2]) {
    let (x, y) = (p[0], p[1]);
    let a = 1.0 - x;
    let b = y - x * x;
    (a * a + 100.0 * b * b, [-2.0 * a - 400.0 * x * b, 200.0 * b])
}

/// The shader's per-step work on one core: gradient, optimizer step, loss, checks.
fn cpu_loop(spec: &OptimizerSpec, starts: &[[f64; 2]], steps: u32) -> f64 {
    let mut sum = 0.0;
    for &start in starts {
        let mut st = optim::init_state(spec);
        let mut p = start;
        let mut alive = true;
        for t in 1..=steps {
            if !alive {
                break;
            }
            let (_, g) = rosenbrock(p);
            let next = optim::step(spec, &mut st, t, p, g);
            let (loss, _) = rosenbrock(next);
            if !(next[0].is_finite() && next[1].is_finite() && loss.is_finite()) {
                alive = false;
            } else {
                p = next;
            }
        }
        sum += p[0] + p[1];
    }
    sum
}

pub fn format_sim_bench(gpu_name: &str, rows: &[SimBenchRow]) -> String {
    let mut out =
        format!("simulation: Adam (lr 0.02) on rosenbrock; GPU = {gpu_name}; CPU = one thread, f64\n");
    out.push_str(&format!(
        "{:>10}  {:>9}  {:>16}  {:>9}  {:>16}  {:>9}  {:>9}\n",
        "particles", "GPU steps", "GPU steps/s", "CPU steps", "CPU steps/s", "GPU/CPU", "GPU MiB"
    ));
    for r in rows {
        out.push_str(&format!(
            "{:>10}  {:>9}  {:>16.3e}  {:>9}  {:>16.3e}  {:>8.1}x  {:>9.1}\n",
            r.particles,
            r.gpu_steps,
            r.gpu_rate(),
            r.cpu_steps,
            r.cpu_rate(),
            r.gpu_rate() / r.cpu_rate(),
            r.gpu_bytes as f64 / 1048576.0
        ));
    }
    out
}

/// One `descent render` measurement: frames per second rendering only (read back, not
/// encoded), with PNG files written, and as a GIF (fast quality), in the same run.
pub struct RenderBenchRow {
    pub case: String,
    pub frames: u32,
    pub render_seconds: f64,
    pub png_seconds: f64,
    pub gif_seconds: f64,
}

/// The saddle scene at the blog post's 1200x900 (4x3 inches at dpi 300), 1920x1080 and 4K, and
/// 10,000 particles with full trails at 1920x1080.
pub fn bench_render(
    gpu: &Gpu,
    frames_small: u32,
    frames_swarm: u32,
    density_particles: u32,
) -> anyhow::Result<Vec<RenderBenchRow>> {
    use crate::capture::Output;
    use crate::cli::render_job::{RenderJob, render};
    use crate::scene::Scene;
    use crate::timeline::Timeline;

    let saddle = Scene::default_scene();
    let mut swarm = Scene::default_scene();
    swarm.title = Some("10,000 particles".into());
    swarm.starts = crate::scene::Starts {
        grid: Some([100, 100]),
        ..Default::default()
    };
    let density = density_scene(density_particles);
    let density_name = format!(
        "{} particles, density, 1920x1080",
        crate::numbers::count(u64::from(density_particles))
    );
    let cases = [
        (
            "saddle-two-starts 1200x900",
            &saddle,
            [1200, 900],
            frames_small,
            None,
        ),
        (
            "saddle-two-starts 1920x1080",
            &saddle,
            [1920, 1080],
            frames_small,
            None,
        ),
        // 4K: a 4K120 video records in real time above 120 frames/s.
        (
            "saddle-two-starts 3840x2160",
            &saddle,
            [3840, 2160],
            frames_swarm,
            None,
        ),
        (
            "10,000 particles, full trails, 1920x1080",
            &swarm,
            [1920, 1080],
            frames_swarm,
            None,
        ),
        // A video of the swarm from its start: one step per frame, every step recorded and
        // drawn (each frame adds the newest segments to what the density holds).
        (
            density_name.as_str(),
            &density,
            [1920, 1080],
            frames_swarm,
            Some(()),
        ),
    ];
    let dir = std::env::temp_dir().join(format!("descent-bench-{}", std::process::id()));
    let mut rows = Vec::new();
    for (name, scene, size, frames, step_per_frame) in cases {
        let (settings, camera) =
            crate::render::view_settings(&scene.view, size, 4).map_err(anyhow::Error::msg)?;
        let timeline = match step_per_frame {
            // Frames 0..frames at steps 0..frames.
            Some(()) => Timeline::new(frames.saturating_sub(1).max(1), 30.0, None, None),
            None => Timeline::new(scene.steps, 30.0, Some(frames), None),
        }
        .map_err(anyhow::Error::msg)?;
        let mut job = RenderJob {
            scene: scene.clone(),
            output: Output::Discard,
            settings,
            camera,
            timeline,
            orbit_deg_per_s: 0.0,
            resume: false,
            progress: false,
            zoom: None,
        };
        let render_only = render(gpu, &job)?;
        let _ = std::fs::remove_dir_all(&dir);
        job.output = Output::pngs(dir.clone());
        let with_png = render(gpu, &job)?;
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        job.output = Output::Gif {
            path: dir.join("bench.gif"),
            fps: 30.0,
            quality: crate::capture::GifQuality::Fast,
        };
        let as_gif = render(gpu, &job)?;
        let _ = std::fs::remove_dir_all(&dir);
        rows.push(RenderBenchRow {
            case: name.to_string(),
            frames,
            render_seconds: render_only.seconds,
            png_seconds: with_png.seconds,
            gif_seconds: as_gif.seconds,
        });
    }
    Ok(rows)
}

/// Rastrigin with Adam and SGD with momentum from `particles` random starts (half each), 300
/// steps, drawn as density.
pub fn density_scene(particles: u32) -> crate::scene::Scene {
    let mut scene = crate::scene::Scene::parse(
        "bench-density",
        "[surface]\nname = \"rastrigin\"\n[[optimizer]]\nname = \"adam\"\nlr = 0.05\n\
         [[optimizer]]\nname = \"sgd\"\nlr = 0.002\nmomentum = 0.9\n[run]\nsteps = 300\n\
         [view]\ntrails = \"density\"\n",
    )
    .unwrap_or_else(|e| panic!("the density bench scene is invalid: {e}"));
    scene.starts.random = (particles / 2).max(1);
    scene
}

/// GPU memory a swarm of `particles` holds with whole trails over `steps` steps, as a scene
/// would plan it: allocated for real, then freed.
pub struct MemoryRow {
    pub particles: u32,
    pub state_bytes: u64,
    pub trail: crate::gpu::sim::TrailPlan,
    pub trail_bytes: u64,
}

pub fn bench_memory(gpu: &Gpu, counts: &[u32], steps: u32) -> anyhow::Result<Vec<MemoryRow>> {
    let mut rows = Vec::new();
    for &n in counts {
        let scene = density_scene(n);
        let starts = scene.start_points();
        let particles = starts.len() as u64 * scene.group_count();
        let trail = TrailPlan::whole_history(
            &gpu.device.limits(),
            particles,
            steps,
            crate::world::trail_budget(gpu, particles),
        )
        .ok_or_else(|| anyhow::anyhow!("{particles} particles leave no room for trails"))?;
        let sim = Simulation::new(gpu, &SimSetup::for_scene(&scene, &starts, trail))?;
        gpu.wait()?;
        let total = sim.gpu_bytes();
        let trail_bytes = trail.bytes(particles);
        rows.push(MemoryRow {
            particles: particles as u32,
            state_bytes: total - trail_bytes,
            trail,
            trail_bytes,
        });
    }
    Ok(rows)
}

pub fn format_memory_bench(gpu_name: &str, memory: &str, rows: &[MemoryRow]) -> String {
    let mut out = format!("memory: particles and whole trails of 300 steps; GPU = {gpu_name} ({memory})\n");
    out.push_str(&format!(
        "{:>10}  {:>12}  {:>12}  {:>12}\n",
        "particles", "state MiB", "trails MiB", "trail keeps"
    ));
    for r in rows {
        out.push_str(&format!(
            "{:>10}  {:>12.1}  {:>12.1}  {:>12}\n",
            r.particles,
            r.state_bytes as f64 / 1048576.0,
            r.trail_bytes as f64 / 1048576.0,
            format!("1 in {}", r.trail.record_every)
        ));
    }
    out
}

pub fn format_render_bench(gpu_name: &str, rows: &[RenderBenchRow]) -> String {
    let mut out = format!(
        "render: 4x MSAA, overlay on; GPU = {gpu_name}; PNG = fast compression, GIF = fast \
         quality; encoders on every core\n"
    );
    out.push_str(&format!(
        "{:<42}  {:>6}  {:>12}  {:>12}  {:>14}  {:>12}\n",
        "case", "frames", "render fps", "fps with PNG", "PNG cost/frame", "fps as GIF"
    ));
    for r in rows {
        let f = f64::from(r.frames);
        out.push_str(&format!(
            "{:<42}  {:>6}  {:>12.2}  {:>12.2}  {:>12.1}ms  {:>12.2}\n",
            r.case,
            r.frames,
            f / r.render_seconds,
            f / r.png_seconds,
            1e3 * (r.png_seconds - r.render_seconds).max(0.0) / f,
            f / r.gif_seconds
        ));
    }
    out
}

/// Resident memory of this process in bytes (Linux /proc; None elsewhere).
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// One sample of a soak run.
pub struct SoakSample {
    pub seconds: f64,
    pub restarts: u32,
    pub frames: u64,
    pub rss: u64,
    /// Bytes of the GPU buffers descent holds for the scene (particles, trail ring, mesh).
    pub gpu_bytes: u64,
}

/// Resident memory per whole or partial minute of a soak: (minute from 1, floor, peak) in
/// bytes. The floor (the least RSS sampled in the minute) is what must stay flat; peaks
/// include a scene being built while the old one still lives.
pub fn soak_minutes(samples: &[SoakSample]) -> Vec<(u32, u64, u64)> {
    let mut out: Vec<(u32, u64, u64)> = Vec::new();
    for s in samples.iter().skip(1) {
        // Sample 0 is taken before the first frame: not part of any minute's steady state.
        let minute = (s.seconds / 60.0).floor() as u32 + 1;
        match out.last_mut() {
            Some((m, floor, peak)) if *m == minute => {
                *floor = (*floor).min(s.rss);
                *peak = (*peak).max(s.rss);
            }
            _ => out.push((minute, s.rss, s.rss)),
        }
    }
    out
}

/// The soak test of the headless path: `particles` random starts on Himmelblau with Adam,
/// rendered at 640x480 for `seconds`, restarting every `restart_s` seconds: odd restarts
/// reset the simulation (the window's `r`), even ones build the whole scene anew with other
/// starts (a change in the window's panel), so buffers are freed and allocated again. A
/// sample of resident memory at every restart; on a CPU adapter the GPU's buffers live in
/// the process too, so flat RSS means flat GPU memory.
pub fn soak(gpu: &Gpu, particles: u32, seconds: f64, restart_s: f64) -> anyhow::Result<Vec<SoakSample>> {
    use crate::camera::OrbitCamera;
    use crate::render::overlay::legend::overlay_content;
    use crate::render::overlay::{Overlay, pixels_per_point_for};
    use crate::render::{FrameState, RenderSettings};
    use crate::scene::{Scene, Starts};
    use crate::world::World;

    let mut scene = Scene::parse(
        "soak",
        "[surface]\nname = \"himmelblau\"\n[[optimizer]]\nname = \"adam\"\nlr = 0.05\n[run]\nsteps = 400\n",
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let scene_with_seed = |scene: &mut Scene, seed: u64| {
        scene.starts = Starts {
            random: particles,
            seed,
            ..Default::default()
        };
    };
    scene_with_seed(&mut scene, 1);
    let settings = RenderSettings {
        msaa: 1,
        ..RenderSettings::for_size(640, 480)
    };
    let mut world = World::new(gpu, &scene, &settings)?;
    let gpu_bytes = |w: &World| w.sim.gpu_bytes() + w.mesh.vertex_buffer().size();
    let mut overlay = Overlay::new(gpu, wgpu::TextureFormat::Rgba8UnormSrgb);
    let camera = OrbitCamera::post();
    let start = Instant::now();
    let mut samples = vec![SoakSample {
        seconds: 0.0,
        restarts: 0,
        frames: 0,
        rss: resident_bytes().unwrap_or(0),
        gpu_bytes: gpu_bytes(&world),
    }];
    let (mut restarts, mut frames, mut run_started) = (0u32, 0u64, Instant::now());
    let mut step = 0u32;
    while start.elapsed().as_secs_f64() < seconds {
        if run_started.elapsed().as_secs_f64() >= restart_s {
            restarts += 1;
            if restarts.is_multiple_of(2) {
                scene_with_seed(&mut scene, u64::from(restarts));
                world = World::new(gpu, &scene, &settings)?;
            } else {
                world.sim.reset(gpu);
            }
            step = 0;
            run_started = Instant::now();
            samples.push(SoakSample {
                seconds: start.elapsed().as_secs_f64(),
                restarts,
                frames,
                rss: resident_bytes().unwrap_or(0),
                gpu_bytes: gpu_bytes(&world),
            });
        }
        step = (step + 5).min(scene.steps);
        world.sim.advance_to(gpu, step);
        let frame = FrameState {
            camera: &camera,
            time: step as f32,
        };
        world.renderer.render(gpu, &world.sim, &frame);
        let content = overlay_content(
            &scene,
            f64::from(step),
            world.renderer.axis_labels().to_vec(),
            "starts",
        );
        let texture = world.renderer.target().texture();
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        overlay.draw(gpu, &view, [640, 480], pixels_per_point_for(480), &content);
        gpu.wait()?;
        frames += 1;
    }
    Ok(samples)
}
