//! The subcommands' bodies: `render`, `view`, `run` and `bench`, and the sweep outputs of
//! `run` and `render`.

use anyhow::{Context, Result, anyhow, bail};

use super::args::{BenchArgs, RenderArgs, RunArgs, SweepOutputs, ViewArgs};
use super::plan::{RenderPlan, check_file};
use super::render_job::describe_output;
use crate::gpu::{AdapterPreference, Gpu};
use crate::run::{RunOptions, format_summary, run_scene, summarize};
use crate::scene::Scene;

impl SweepOutputs {
    pub fn any(&self) -> bool {
        self.sweep_csv.is_some() || self.sweep_map.is_some() || self.fractal_dim
    }

    /// Refuses sweep outputs for a scene without a sweep, or into a folder that cannot take
    /// them, before any GPU work.
    pub(super) fn check(&self, scene: &Scene) -> Result<()> {
        for path in [&self.sweep_csv, &self.sweep_map].into_iter().flatten() {
            check_file(path)?;
        }
        if self.fractal_dim && scene.view.sweep_score != Some(crate::scene::SweepScore::Trainability) {
            bail!(
                "--fractal-dim measures the boundary between converged and diverged groups: add --sweep-score trainability"
            );
        }
        if self.any() && !scene.has_sweep() {
            let flag = if self.sweep_csv.is_some() {
                "--sweep-csv"
            } else if self.sweep_map.is_some() {
                "--sweep-map"
            } else {
                "--fractal-dim"
            };
            bail!(
                "{flag}: no optimizer sweeps a parameter; give a range, e.g. --optimizer \"sgd:lr=0.01..1:30\""
            );
        }
        Ok(())
    }

    /// Writes what was asked for from the run's final particles, and says where.
    pub fn write(
        &self,
        scene: &Scene,
        particles: &[crate::gpu::gpu_data::Particle],
        scores: Option<&[crate::gpu::sim::ScoreSums]>,
        per_group: usize,
    ) -> Result<()> {
        if let Some(path) = &self.sweep_csv {
            let rows = crate::run::sweep_csv::write_sweep_csv(scene, particles, per_group, path)
                .with_context(|| "--sweep-csv: cannot write the file".to_string())?;
            eprintln!("wrote {rows} rows to {}", path.display());
        }
        if self.fractal_dim {
            for (title, d) in crate::outcome::sweep_map::fractal_dimensions(scene, scores, per_group) {
                match d {
                    Some(d) => println!("{title}: boundary fractal dimension {d:.3}"),
                    None => println!("{title}: no boundary between converged and diverged groups"),
                }
            }
        }
        if let Some(path) = &self.sweep_map {
            let maps = crate::outcome::sweep_map::sweep_maps(scene, particles, per_group, scores);
            for (file, title) in crate::run::maps::write_maps(&maps, path)? {
                eprintln!("wrote the sweep map ({title}) to {}", file.display());
            }
        }
        Ok(())
    }

    /// Runs `scene` to its end (without trails: cheap) and writes the outputs.
    pub fn run_and_write(&self, gpu: &Gpu, scene: &Scene) -> Result<()> {
        if !self.any() {
            return Ok(());
        }
        let end = crate::run::map_run::run_to_end(gpu, scene)?;
        self.write(scene, &end.particles, end.scores.as_deref(), end.per_group)
    }
}

pub(super) fn render_command(args: RenderArgs) -> Result<()> {
    let (job, start_map) = match args.plan()? {
        RenderPlan::NoFrames { scene, start_map } => {
            let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
            if let Some(path) = &start_map {
                report_start_maps(&gpu, &scene, path)?;
            }
            return args.sweep.run_and_write(&gpu, &scene);
        }
        RenderPlan::Frames { job, start_map } => (job, start_map),
    };
    let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
    let output = job.output.clone();
    let report = crate::cli::render_job::render(&gpu, &job)?;
    if let Some(path) = &start_map {
        report_start_maps(&gpu, &job.scene, path)?;
    }
    args.sweep.run_and_write(&gpu, &job.scene)?;
    let fps = f64::from(report.frames) / report.seconds.max(1e-9);
    if report.interrupted {
        let what = match output {
            crate::capture::Output::Pngs { .. } => "run the same command with --resume to continue",
            crate::capture::Output::Video { .. } => {
                "a playable video of the frames done; videos restart rather than resume"
            }
            crate::capture::Output::Gif { .. } => {
                "a playable GIF of the frames done; GIFs restart rather than resume"
            }
            _ => "",
        };
        eprintln!(
            "interrupted: {} whole frames written to {}{}{what}",
            report.frames,
            describe_output(&output).display(),
            if what.is_empty() { "" } else { "; " }
        );
        drop(gpu); // exit skips destructors: drop the device, draining its queue (see Gpu::drain)
        std::process::exit(130);
    }
    eprintln!(
        "wrote {} frame(s) to {} in {:.1}s ({fps:.1} frames/s) on {}",
        report.frames,
        describe_output(&output).display(),
        report.seconds,
        gpu.adapter_name()
    );
    Ok(())
}

pub(super) fn view_command(args: ViewArgs) -> Result<()> {
    crate::app::run(args.options()?)
}

/// Writes the start maps of `scene` and says where each went.
pub(super) fn report_start_maps(gpu: &Gpu, scene: &Scene, path: &std::path::Path) -> Result<()> {
    for (file, optimizer) in crate::run::maps::write_start_maps(gpu, scene, path)? {
        eprintln!("wrote the start map of {optimizer} to {}", file.display());
    }
    Ok(())
}

pub(super) fn run_command(args: RunArgs) -> Result<()> {
    if args.model.model.is_some() {
        return super::model_run::model_command(args);
    }
    let scene = args.scene.build()?;
    if scene.model.is_some() {
        return super::model_run::model_command(args);
    }
    // The model's companions (clap cannot tell a model scene file from a surface one).
    if let Some(flag) = args.model.given_flag() {
        bail!("{flag} belongs to a model run: add --model, or run a scene file with a [model] table");
    }
    if let Some(path) = &args.start_map {
        crate::outcome::start_map::grid_of(&scene).map_err(|m| anyhow!("--start-map: {m}"))?;
        check_file(path)?;
    }
    if let Some(path) = &args.export {
        check_file(path)?;
    }
    args.sweep.check(&scene)?;
    let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
    let starts = scene.starts.count();
    eprintln!(
        "{}: {} optimizer group(s) x {} start(s), {} steps on {}",
        scene.title.as_deref().unwrap_or(&scene.surface.name),
        scene.group_count(),
        starts,
        scene.steps,
        gpu.adapter_name()
    );
    let outcome = run_scene(
        &gpu,
        &scene,
        &RunOptions {
            export: args.export.as_deref(),
            every: args.every,
            ..Default::default()
        },
    )?;
    if let Some(path) = &args.export {
        let plan = outcome.trail;
        eprintln!(
            "wrote {} rows to {} (every {} step(s); streamed in chunks of {} records)",
            outcome.rows_written,
            path.display(),
            plan.record_every,
            plan.capacity
        );
    }
    if let Some(path) = &args.start_map {
        let maps =
            crate::outcome::start_map::start_maps(&scene, &outcome.particles).map_err(anyhow::Error::msg)?;
        for (file, optimizer) in crate::run::maps::write_maps(&maps, path)? {
            eprintln!("wrote the start map of {optimizer} to {}", file.display());
        }
    }
    args.sweep.write(
        &scene,
        &outcome.particles,
        outcome.scores.as_deref(),
        outcome.starts_per_group as usize,
    )?;
    if args.summary || (args.export.is_none() && args.start_map.is_none() && !args.sweep.any()) {
        print!("{}", format_summary(&summarize(&scene, &outcome)));
    }
    Ok(())
}

pub(super) fn bench_command(args: BenchArgs) -> Result<()> {
    let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run `cargo run --release -- bench` for real figures");
    }
    if let Some(seconds) = args.soak {
        let samples = crate::bench::soak(&gpu, 100_000, seconds, 5.0)?;
        println!(
            "soak: 100,000 particles, restart every 5 s (every other one a new scene), 640x480 frames on {}",
            gpu.adapter_name()
        );
        println!(
            "{:>8}  {:>8}  {:>8}  {:>10}  {:>12}",
            "seconds", "restarts", "frames", "RSS MiB", "GPU buf MiB"
        );
        for s in &samples {
            println!(
                "{:>8.0}  {:>8}  {:>8}  {:>10.1}  {:>12.1}",
                s.seconds,
                s.restarts,
                s.frames,
                s.rss as f64 / 1048576.0,
                s.gpu_bytes as f64 / 1048576.0
            );
        }
        println!();
        println!("{:>8}  {:>14}  {:>13}", "minute", "RSS floor MiB", "RSS peak MiB");
        for (minute, floor, peak) in crate::bench::soak_minutes(&samples) {
            println!(
                "{minute:>8}  {:>14.1}  {:>13.1}",
                floor as f64 / 1048576.0,
                peak as f64 / 1048576.0
            );
        }
        return Ok(());
    }
    if args.trainability {
        if args.widths.iter().any(|w| !(1..=256).contains(w)) {
            bail!("--widths are network widths from 1 to 256");
        }
        let mut rows = Vec::new();
        for &width in &args.widths {
            rows.push(crate::bench_trainability::bench_descent(
                &gpu,
                width,
                args.resolution,
                args.steps,
                2,
            )?);
            if let Some(notebook) = &args.jax_notebook {
                rows.push(crate::bench_trainability::bench_jax(
                    &args.python,
                    notebook,
                    width,
                    args.resolution,
                    args.steps,
                    2,
                )?);
            }
        }
        print!("{}", crate::bench_trainability::format_trainability_bench(&rows));
        if args.jax_notebook.is_none() {
            println!(
                "(give --jax-notebook PATH, a copy of Sohl-Dickstein's notebook, to time its JAX code beside)"
            );
        }
        return Ok(());
    }
    if args.model {
        if args.models.contains(&0)
            || args.slice_sides.iter().any(|s| !(2..=4096).contains(s))
            || args.points.iter().any(|p| !(2..=1_000_000).contains(p))
        {
            bail!(
                "--models are counts of at least 1, --points from 2 to 1000000, --slice-sides from 2 to 4096"
            );
        }
        let counts: Vec<usize> = args.models.iter().map(|&n| n as usize).collect();
        let training = crate::bench_model::bench_training(
            &gpu,
            &counts,
            &args.points,
            args.steps,
            u64::from(args.twin_model_steps),
        )?;
        let slices = crate::bench_model::bench_slices(&gpu, &args.slice_sides)?;
        print!(
            "{}",
            crate::bench_model::format_model_bench(&gpu.adapter_name(), &training, &slices)
        );
        return Ok(());
    }
    let counts = args
        .particles
        .iter()
        .map(|p| match p.trim() {
            "max" => Ok(crate::bench::largest_count(&gpu)),
            n => n
                .parse::<u32>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| anyhow!("--particles: '{n}' is not a count of particles or max")),
        })
        .collect::<Result<Vec<u32>>>()?;
    let rows = crate::bench::bench_simulation(&gpu, &counts, args.steps, 20_000_000)?;
    print!("{}", crate::bench::format_sim_bench(&gpu.adapter_name(), &rows));
    if args.render {
        let frames = args.render_frames.max(2);
        let rows = crate::bench::bench_render(&gpu, frames, (frames / 10).max(2), args.density_particles)?;
        print!(
            "{}",
            crate::bench::format_render_bench(&gpu.adapter_name(), &rows)
        );
        let n = args.density_particles;
        let memory = crate::bench::bench_memory(&gpu, &[n, n.saturating_mul(10)], 300)?;
        print!(
            "{}",
            crate::bench::format_memory_bench(
                &gpu.adapter_name(),
                &crate::gpu::memory::AdapterMemory::of(&gpu).describe(),
                &memory
            )
        );
    }
    Ok(())
}
