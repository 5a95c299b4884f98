//! Command-line arguments and the subcommands they run. Flags override the scene file.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};

use descent::gpu::{AdapterPreference, Gpu};
use descent::optim::OptimizerSpec;
use descent::run::{RunOptions, format_summary, run_scene, summarize};
use descent::scene::Scene;
use descent::surfaces::{Domain, Surface};

#[derive(Parser)]
#[command(
    name = "descent",
    version,
    about = "GPU-accelerated, real-time 3D visualizer of gradient descent"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scene headless: export trajectories as CSV, print a summary.
    Run(RunArgs),
    /// Measure particle-steps per second, GPU next to one CPU thread.
    Bench(BenchArgs),
}

/// What to simulate: a scene file and/or flags that override it.
#[derive(Args, Clone, Default)]
pub struct SceneArgs {
    /// A scene file (TOML); without one, flags describe the scene (default: the saddle).
    scene: Option<PathBuf>,
    /// A built-in surface name or an expression in x and y, e.g. "x^2 - y^2".
    #[arg(long)]
    surface: Option<String>,
    /// The domain: xmin,xmax,ymin,ymax.
    #[arg(long, value_name = "XMIN,XMAX,YMIN,YMAX", allow_hyphen_values = true)]
    domain: Option<String>,
    /// An optimizer, NAME[:key=value,...] with torch.optim names (repeatable).
    #[arg(long = "optimizer", value_name = "SPEC")]
    optimizers: Vec<String>,
    /// A start point x,y (repeatable; use --start=-1,2 for negative x).
    #[arg(long = "start", value_name = "X,Y", allow_hyphen_values = true)]
    starts: Vec<String>,
    /// A grid of COLSxROWS start points over the domain.
    #[arg(long, value_name = "COLSxROWS")]
    grid: Option<String>,
    /// N uniformly random start points over the domain.
    #[arg(long, value_name = "N")]
    random: Option<u32>,
    /// Seed for --random.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Maximum optimizer steps per particle.
    #[arg(long)]
    steps: Option<u32>,
    /// A particle stops (converged) when its step is shorter than this.
    #[arg(long)]
    tol: Option<f64>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    scene: SceneArgs,
    /// Write every particle's trajectory to this CSV file.
    #[arg(long, value_name = "FILE.csv")]
    export: Option<PathBuf>,
    /// Keep every Nth step in the export.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    every: u32,
    /// Print, per optimizer, how many particles converged, diverged or still run, and their losses.
    #[arg(long)]
    summary: bool,
}

#[derive(Args)]
struct BenchArgs {
    /// Particle counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    particles: Vec<u32>,
    /// GPU steps per measurement.
    #[arg(long, default_value_t = 200)]
    steps: u32,
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Run(args)) => run_command(args),
        Some(Command::Bench(args)) => bench_command(args),
        None => run_command(RunArgs {
            scene: SceneArgs::default(),
            export: None,
            every: 1,
            summary: true,
        }),
    }
}

fn run_command(args: RunArgs) -> Result<()> {
    let scene = args.scene.build()?;
    let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
    let starts = scene.starts.count();
    eprintln!(
        "{}: {} optimizer(s) x {} start(s), {} steps on {}",
        scene.title.as_deref().unwrap_or(&scene.surface.name),
        scene.optimizers.len(),
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
    if args.summary || args.export.is_none() {
        print!("{}", format_summary(&summarize(&scene, &outcome)));
    }
    Ok(())
}

fn bench_command(args: BenchArgs) -> Result<()> {
    let gpu = Gpu::new(AdapterPreference::HighPerformance)?;
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run `cargo run --release -- bench` for real figures");
    }
    let rows = descent::bench::bench_simulation(&gpu, &args.particles, args.steps, 20_000_000)?;
    print!("{}", descent::bench::format_sim_bench(&gpu.adapter_name(), &rows));
    Ok(())
}

impl SceneArgs {
    /// The scene file (or the default scene when neither a file nor a surface is given),
    /// with every flag applied on top.
    pub fn build(&self) -> Result<Scene> {
        let mut scene = match (&self.scene, &self.surface) {
            (Some(path), _) => Scene::load(path)?,
            (None, None) => Scene::default_scene(),
            (None, Some(_)) => {
                let mut s = Scene::default_scene();
                s.title = None;
                s.optimizers.clear();
                s.starts = Default::default();
                s
            }
        };
        if let Some(text) = &self.surface {
            scene.surface = Surface::from_name_or_expr(text).map_err(|e| {
                let caret = " ".repeat(e.column.saturating_sub(1));
                anyhow!("--surface: {e}\n  {text}\n  {caret}^")
            })?;
        }
        if let Some(text) = &self.domain {
            let v = parse_numbers(text, 4).with_context(|| format!("--domain {text:?}"))?;
            let domain = Domain::new(v[0], v[1], v[2], v[3]);
            domain.validate().map_err(|m| anyhow!("--domain {text:?}: {m}"))?;
            scene.surface.domain = domain;
        }
        if !self.optimizers.is_empty() {
            scene.optimizers = self
                .optimizers
                .iter()
                .map(|s| {
                    s.parse::<OptimizerSpec>()
                        .map_err(|e| anyhow!("--optimizer {s:?}: {e}"))
                })
                .collect::<Result<_>>()?;
        }
        if !self.starts.is_empty() || self.grid.is_some() || self.random.is_some() {
            let mut starts = descent::scene::Starts {
                seed: self.seed,
                ..Default::default()
            };
            for s in &self.starts {
                let v = parse_numbers(s, 0).with_context(|| format!("--start {s:?}"))?;
                starts.points.push(match v.as_slice() {
                    [x] => [*x, 0.0],
                    [x, y] => [*x, *y],
                    _ => bail!("--start {s:?}: expected x,y"),
                });
            }
            if let Some(g) = &self.grid {
                starts.grid = Some(parse_grid(g).with_context(|| format!("--grid {g:?}"))?);
            }
            starts.random = self.random.unwrap_or(0);
            scene.starts = starts;
        } else {
            scene.starts.seed = if self.seed != 0 {
                self.seed
            } else {
                scene.starts.seed
            };
        }
        if let Some(steps) = self.steps {
            if steps == 0 {
                bail!("--steps must be at least 1");
            }
            scene.steps = steps;
        }
        if let Some(tol) = self.tol {
            if !(tol.is_finite() && tol >= 0.0) {
                bail!("--tol must be a finite number >= 0, got {tol}");
            }
            scene.tol = tol;
        }
        scene.validate().map_err(|m| anyhow!(m))?;
        Ok(scene)
    }
}

/// Comma-separated finite numbers; `count` 0 accepts any count.
fn parse_numbers(text: &str, count: usize) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for (i, part) in text.split(',').enumerate() {
        let v: f64 = part
            .trim()
            .parse()
            .map_err(|_| anyhow!("'{}' (item {}) is not a number", part.trim(), i + 1))?;
        if !v.is_finite() {
            bail!("'{}' (item {}) is not finite", part.trim(), i + 1);
        }
        out.push(v);
    }
    if count != 0 && out.len() != count {
        bail!("expected {count} comma-separated numbers, got {}", out.len());
    }
    Ok(out)
}

/// `COLSxROWS`, both at least 1.
fn parse_grid(text: &str) -> Result<[u32; 2]> {
    let (c, r) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| anyhow!("expected COLSxROWS, e.g. 64x64"))?;
    let parse = |s: &str| -> Result<u32> {
        let v: u32 = s
            .trim()
            .parse()
            .map_err(|_| anyhow!("'{s}' is not a whole number"))?;
        if v == 0 {
            bail!("a grid side must be at least 1");
        }
        Ok(v)
    };
    Ok([parse(c)?, parse(r)?])
}
