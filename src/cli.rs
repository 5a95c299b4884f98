//! Command-line arguments and the subcommands they run. Flags override the scene file.
//!
//! In the library, not the binary, so that other front ends (the Python module) parse the same
//! flags with the same defaults and checks and get the same error messages.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};

use crate::camera::OrbitCamera;
use crate::capture::GifQuality;
use crate::capture::{Output, PngCompression};
use crate::gpu::{AdapterPreference, Gpu};
use crate::headless::{RenderJob, describe_output};
use crate::optim::OptimizerSpec;
use crate::run::{RunOptions, format_summary, run_scene, summarize};
use crate::scene::Scene;
use crate::scene::{ColorBy, ColorScale, DensityScale, TrailStyle, ViewSpec};
use crate::surfaces::{Domain, Surface};
use crate::timeline::Timeline;

#[derive(Parser)]
#[command(
    name = "descent",
    version,
    about = "GPU-accelerated, real-time 3D visualizer of gradient descent"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Simulate a scene headless: export trajectories as CSV, print a summary.
    Run(RunArgs),
    /// Render a scene to PNG frames, a video (ffmpeg), a GIF or a still, without a window.
    Render(RenderArgs),
    /// Open the interactive window (the default when no command is given).
    View(ViewArgs),
    /// Measure particle-steps per second, GPU next to one CPU thread.
    Bench(BenchArgs),
}

/// Camera and style flags, shared by `render` and `view`; they override the scene's [view].
#[derive(Args, Clone, Default)]
pub struct StyleArgs {
    /// A preset (post, top, side) and/or angles: --camera post, --camera azim=120,elev=37,dist=3.
    #[arg(
        long,
        value_name = "PRESET|azim=..,elev=..,dist=..",
        allow_hyphen_values = true
    )]
    camera: Option<String>,
    /// Colormap: coolwarm, viridis, plasma, magma, inferno, cividis, gray.
    #[arg(long)]
    colormap: Option<String>,
    /// Contour lines on the surface.
    #[arg(long)]
    contours: bool,
    /// Thin mesh lines on the surface (matplotlib's edgecolors='k').
    #[arg(long)]
    grid_lines: bool,
    /// Hide the axes box, ticks and labels.
    #[arg(long)]
    no_axes: bool,
    /// Trail width in pixels at 1080p.
    #[arg(long)]
    trail_width: Option<f64>,
    /// Steps of history each trail shows behind its head (default: the whole path).
    #[arg(long)]
    trail_length: Option<u32>,
    /// Trails fade with age.
    #[arg(long)]
    fade: bool,
    /// MSAA samples: 1 or 4 (default 4; the window uses 1 on CPU adapters, for speed).
    #[arg(long)]
    msaa: Option<u32>,
    /// How trails are drawn: auto (lines up to 5,000 particles, density beyond), lines, density
    /// (every segment accumulated and tone-mapped), heads (the particles now; with
    /// --trail-length, comet tails).
    #[arg(long, value_name = "auto|lines|density|heads")]
    trails: Option<String>,
    /// How density maps counts to brightness: eq_hist (histogram-equalised) or log.
    #[arg(long, value_name = "eq_hist|log")]
    density_scale: Option<String>,
    /// How the surface's colours and contour levels follow the loss: linear, or log
    /// (log10(f - min f + eps), eps 1e-5 of the surface's loss range).
    #[arg(long, value_name = "linear|log")]
    color_scale: Option<String>,
    /// What a particle's colour says: optimizer, basin (the known minimum it ends at), loss
    /// (final loss, with a colour bar), start (its start position, a 2D colour wheel) or steps
    /// (steps to converge).
    #[arg(long, value_name = "optimizer|basin|loss|start|steps")]
    color_by: Option<String>,
}

#[derive(Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub scene: SceneArgs,
    #[command(flatten)]
    style: StyleArgs,
    /// Write numbered PNG frames (frame_000000.png, ...) into this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write a video through ffmpeg (mp4, webm, mkv, mov by extension).
    #[arg(long, value_name = "FILE")]
    video: Option<PathBuf>,
    /// Write an animated GIF (encoded on every core).
    #[arg(long, value_name = "FILE")]
    gif: Option<PathBuf>,
    /// GIF quantization: fast (one palette, ordered dither) or best (a palette per frame).
    #[arg(long, value_enum, default_value_t = GifQuality::Fast)]
    gif_quality: GifQuality,
    /// PNG compression of --out frames and --still: fast (about 1.3x the size, several times
    /// quicker) or best (smallest files).
    #[arg(long, value_enum, default_value_t = PngCompression::Fast)]
    png_compression: PngCompression,
    /// Write one PNG of the frame at --at-step (default: the last step).
    #[arg(long, value_name = "FILE.png")]
    still: Option<PathBuf>,
    /// The step a --still shows.
    #[arg(long)]
    at_step: Option<f64>,
    /// Frame size in pixels.
    #[arg(long, default_value = "1920x1080", value_name = "WxH")]
    size: String,
    /// Frames per second of the video.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// Number of frames (default: one per optimizer step).
    #[arg(long)]
    frames: Option<u32>,
    /// Optimizer steps per second of video (default: one step per frame).
    #[arg(long)]
    steps_per_second: Option<f64>,
    /// Orbit the camera this many degrees of azimuth per second of video.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    orbit: f64,
    /// Continue a PNG sequence in --out from its first missing frame.
    #[arg(long)]
    resume: bool,
    /// Also (or only) write the start map: one pixel per start of the grid, coloured by the
    /// basin it ends in and shaded by its steps to converge (FILE-1.png, FILE-2.png, ... for
    /// several optimizers).
    #[arg(long, value_name = "FILE.png")]
    start_map: Option<PathBuf>,
    #[command(flatten)]
    pub sweep: SweepOutputs,
}

/// What a sweep (an optimizer parameter given as a range) writes besides frames.
#[derive(Args, Clone, Default)]
pub struct SweepOutputs {
    /// Write one row per optimizer group and start with its final state:
    /// optimizer,<swept parameters>,start,x,y,loss,steps,status.
    #[arg(long, value_name = "FILE.csv")]
    sweep_csv: Option<PathBuf>,
    /// Write the sweep map at full resolution: one pixel per group for two swept parameters,
    /// the loss curve for one (FILE-1.png, ... for several swept optimizers).
    #[arg(long, value_name = "FILE.png")]
    sweep_map: Option<PathBuf>,
}

impl SweepOutputs {
    pub fn any(&self) -> bool {
        self.sweep_csv.is_some() || self.sweep_map.is_some()
    }

    /// Refuses sweep outputs for a scene without a sweep, before any GPU work.
    fn check(&self, scene: &Scene) -> Result<()> {
        if self.any() && !scene.has_sweep() {
            let flag = if self.sweep_csv.is_some() {
                "--sweep-csv"
            } else {
                "--sweep-map"
            };
            bail!(
                "{flag}: no optimizer sweeps a parameter; give a range, e.g. --optimizer \"sgd:lr=0.01..1:30\""
            );
        }
        Ok(())
    }

    /// Writes what was asked for from the run's final particles, and says where.
    fn write(
        &self,
        scene: &Scene,
        particles: &[crate::gpu::gpu_data::Particle],
        per_group: usize,
    ) -> Result<()> {
        if let Some(path) = &self.sweep_csv {
            let rows = crate::sweep_csv::write_sweep_csv(scene, particles, per_group, path)
                .with_context(|| "--sweep-csv: cannot write the file".to_string())?;
            eprintln!("wrote {rows} rows to {}", path.display());
        }
        if let Some(path) = &self.sweep_map {
            let maps = crate::sweep_map::sweep_maps(scene, particles, per_group);
            for (file, title) in crate::sweep_map::write_maps(&maps, path)? {
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
        let outcome = run_scene(gpu, scene, &RunOptions::default())?;
        self.write(scene, &outcome.particles, outcome.starts_per_group as usize)
    }
}

#[derive(Args)]
pub struct ViewArgs {
    #[command(flatten)]
    pub scene: SceneArgs,
    #[command(flatten)]
    style: StyleArgs,
    /// Window size in logical pixels.
    #[arg(long, default_value = "1280x720", value_name = "WxH")]
    size: String,
    /// Where F9 recordings and F12 screenshots go.
    #[arg(long, default_value = "descent-captures", value_name = "DIR")]
    capture_dir: PathBuf,
    /// F9 records at this size, drawn offscreen, instead of the viewport as shown.
    #[arg(long, value_name = "WxH")]
    record_size: Option<String>,
    /// Start paused.
    #[arg(long)]
    paused: bool,
    /// Draw continuously and quit after this many frames, printing the frame rate (tests,
    /// benchmarks).
    #[arg(long, hide = true)]
    exit_after_frames: Option<u64>,
}

/// What to simulate: a scene file and/or flags that override it.
#[derive(Args, Clone, Default)]
pub struct SceneArgs {
    /// A scene file (TOML); without one, flags describe the scene (default: the saddle).
    scene: Option<PathBuf>,
    /// A built-in surface name or an expression in x and y, e.g. "x^2 - y^2" (it may start
    /// with a minus: "-1/(1 + x^2)"). Alone, it runs plain GD with a learning rate suited to the
    /// surface's curvature from a 3x3 grid of starts (5x1 for a function of x alone).
    #[arg(long, allow_hyphen_values = true)]
    surface: Option<String>,
    /// The domain: xmin,xmax,ymin,ymax.
    #[arg(long, value_name = "XMIN,XMAX,YMIN,YMAX", allow_hyphen_values = true)]
    domain: Option<String>,
    /// An optimizer, NAME[:key=value,...] with torch.optim names (repeatable).
    #[arg(long = "optimizer", value_name = "SPEC")]
    optimizers: Vec<String>,
    /// A torch.optim.lr_scheduler schedule for the --optimizer before it, NAME:key=value,...
    /// e.g. cosine_annealing:T_max=200,eta_min=1e-4 (a scheduler inside SequentialLR's list is
    /// name(key=value,...)).
    #[arg(long = "schedule", value_name = "SPEC")]
    schedules: Vec<String>,
    /// For each --schedule, how many --optimizer flags came before it (from the command line's
    /// order; see [`attach_order`]).
    #[arg(skip)]
    schedule_after: Vec<usize>,
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
    /// Scene text given in place of a file (name for errors, TOML): what a front end that holds
    /// the scene in memory passes; the positional file wins when both are set.
    #[arg(skip)]
    pub scene_text: Option<(String, String)>,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub scene: SceneArgs,
    /// Write every particle's trajectory to this CSV file.
    #[arg(long, value_name = "FILE.csv")]
    pub export: Option<PathBuf>,
    /// Keep every Nth step in the export.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub every: u32,
    /// Print, per optimizer, how many particles converged, diverged or still run, and their losses.
    #[arg(long)]
    pub summary: bool,
    /// Write the start map of a grid of starts (see `descent render --start-map`).
    #[arg(long, value_name = "FILE.png")]
    pub start_map: Option<PathBuf>,
    #[command(flatten)]
    pub sweep: SweepOutputs,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Particle counts to measure; `max` is the most this adapter's memory holds.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10000,100000,1000000,10000000,max"
    )]
    particles: Vec<String>,
    /// GPU steps per measurement.
    #[arg(long, default_value_t = 200)]
    steps: u32,
    /// Also time `descent render` (saddle at 1200x900 and 1920x1080, 10,000 particles).
    #[arg(long)]
    render: bool,
    /// Frames per render case (the 4K, 10,000-particle and density cases render a tenth as many).
    #[arg(long, default_value_t = 60)]
    render_frames: u32,
    /// Particles of the density render case and of the memory table's first row (the second
    /// has ten times as many).
    #[arg(long, default_value_t = 1_000_000)]
    density_particles: u32,
    /// Instead: a soak test of this many seconds (100,000 particles restarting every 5 s,
    /// rendered headless), printing resident memory at each restart.
    #[arg(long, value_name = "SECONDS")]
    soak: Option<f64>,
}

/// Records where each `--schedule` stands among the `--optimizer` flags: clap keeps each
/// repeated flag's values apart, `indices_of` says their order.
/// Parses a command line as `descent` does (the binary and the Python module): clap, then the
/// order of `--schedule` flags relative to `--optimizer`s.
pub fn parse_from<I, T>(argv: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command().try_get_matches_from(argv)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    attach_order(&mut cli, &matches);
    Ok(cli)
}

pub fn attach_order(cli: &mut Cli, matches: &clap::ArgMatches) {
    // Only the subcommands with scene flags have these ids (clap panics on unknown ones).
    let args = match &mut cli.command {
        Some(Command::Run(a)) => &mut a.scene,
        Some(Command::Render(a)) => &mut a.scene,
        Some(Command::View(a)) => &mut a.scene,
        _ => return,
    };
    let Some((_, sub)) = matches.subcommand() else {
        return;
    };
    let indices = |id: &str| -> Vec<usize> { sub.indices_of(id).map(|i| i.collect()).unwrap_or_default() };
    let optimizers = indices("optimizers");
    args.schedule_after = indices("schedules")
        .iter()
        .map(|&s| optimizers.iter().filter(|&&o| o < s).count())
        .collect();
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Run(args)) => run_command(args),
        Some(Command::Bench(args)) => bench_command(args),
        Some(Command::Render(args)) => render_command(args),
        Some(Command::View(args)) => view_command(args),
        None => view_command(ViewArgs {
            scene: SceneArgs::default(),
            style: StyleArgs::default(),
            size: "1280x720".into(),
            capture_dir: "descent-captures".into(),
            record_size: None,
            paused: false,
            exit_after_frames: None,
        }),
    }
}

/// `WxH`, both at least 1.
/// An image size given to `flag` (`--size`, `--record-size`).
fn parse_size(flag: &str, text: &str) -> Result<[u32; 2]> {
    parse_grid(text).with_context(|| format!("{flag} {text:?}: expected WIDTHxHEIGHT, e.g. 1920x1080"))
}

impl StyleArgs {
    /// The scene's [view] with these flags on top.
    fn apply(&self, view: &mut ViewSpec) -> Result<()> {
        if let Some(text) = &self.camera {
            for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match part.split_once('=') {
                    None => {
                        OrbitCamera::named(part).map_err(|m| anyhow!("--camera: {m}"))?;
                        view.camera = Some(part.to_string());
                    }
                    Some((key, value)) => {
                        let v: f64 = value
                            .trim()
                            .parse()
                            .ok()
                            .filter(|v: &f64| v.is_finite())
                            .ok_or_else(|| anyhow!("--camera: '{value}' for {key} is not a number"))?;
                        match key.trim() {
                            "azim" => view.azim = Some(v),
                            "elev" => view.elev = Some(v),
                            "dist" if v > 0.0 => view.dist = Some(v),
                            "dist" => bail!("--camera: dist must be positive, got {v}"),
                            other => bail!("--camera: unknown key '{other}'; use azim, elev and dist"),
                        }
                    }
                }
            }
        }
        if let Some(c) = &self.colormap {
            view.colormap = Some(c.clone());
        }
        if self.contours {
            view.contours = Some(true);
        }
        if self.grid_lines {
            view.grid_lines = Some(true);
        }
        if self.no_axes {
            view.axes = Some(false);
        }
        if let Some(w) = self.trail_width {
            if !(w.is_finite() && w > 0.0) {
                bail!("--trail-width must be positive, got {w}");
            }
            view.trail_width = Some(w);
        }
        if let Some(n) = self.trail_length {
            if n == 0 {
                bail!("--trail-length must be at least 1 step, got 0");
            }
            view.trail_length = Some(n);
        }
        if self.fade {
            view.fade = Some(true);
        }
        if let Some(t) = &self.trails {
            view.trails = Some(TrailStyle::from_name(t).ok_or_else(|| {
                anyhow!(
                    "--trails: unknown style '{t}'; the styles are {}",
                    TrailStyle::NAMES.join(", ")
                )
            })?);
        }
        if let Some(c) = &self.color_by {
            view.color_by = ColorBy::from_name(c).ok_or_else(|| {
                anyhow!(
                    "--color-by: unknown choice '{c}'; the choices are {}",
                    ColorBy::NAMES.join(", ")
                )
            })?;
        }
        if let Some(d) = &self.density_scale {
            view.density_scale = Some(DensityScale::from_name(d).ok_or_else(|| {
                anyhow!(
                    "--density-scale: unknown scale '{d}'; the scales are {}",
                    DensityScale::NAMES.join(", ")
                )
            })?);
        }
        if let Some(c) = &self.color_scale {
            view.color_scale = Some(ColorScale::from_name(c).ok_or_else(|| {
                anyhow!(
                    "--color-scale: unknown scale '{c}'; the scales are {}",
                    ColorScale::NAMES.join(", ")
                )
            })?);
        }
        if let Some(m) = self.msaa
            && !matches!(m, 1 | 4)
        {
            bail!("--msaa must be 1 or 4, got {m}");
        }
        Ok(())
    }
}

/// What `descent render` will do, checked in full before a GPU is opened.
pub enum RenderPlan {
    /// Frames, then the start map if asked for.
    Frames {
        job: Box<RenderJob>,
        start_map: Option<PathBuf>,
    },
    /// No frames: the start map and/or the sweep outputs (`RenderArgs::sweep`) only.
    NoFrames {
        scene: Box<Scene>,
        start_map: Option<PathBuf>,
    },
}

impl RenderArgs {
    /// The scene with every flag applied, the output, the timeline and the render settings.
    pub fn plan(&self) -> Result<RenderPlan> {
        let args = self;
        let mut scene = args.scene.build()?;
        args.style.apply(&mut scene.view)?;
        let size = parse_size("--size", &args.size)?;
        let outputs = [&args.out, &args.video, &args.gif, &args.still]
            .iter()
            .filter(|o| o.is_some())
            .count();
        if args.start_map.is_some() {
            crate::start_map::grid_of(&scene).map_err(|m| anyhow!("--start-map: {m}"))?;
        }
        args.sweep.check(&scene)?;
        if outputs == 0 && (args.start_map.is_some() || args.sweep.any()) {
            return Ok(RenderPlan::NoFrames {
                scene: Box::new(scene),
                start_map: args.start_map.clone(),
            });
        }
        if outputs != 1 {
            bail!(
                "give exactly one of --out DIR, --video FILE, --gif FILE or --still FILE.png (and --start-map FILE.png, --sweep-map FILE.png or --sweep-csv FILE.csv if wanted)"
            );
        }
        let output = if let Some(dir) = &args.out {
            Output::Pngs {
                dir: dir.clone(),
                compression: args.png_compression,
            }
        } else if let Some(path) = &args.video {
            Output::Video {
                path: path.clone(),
                fps: args.fps,
            }
        } else if let Some(path) = &args.gif {
            Output::Gif {
                path: path.clone(),
                fps: args.fps,
                quality: args.gif_quality,
            }
        } else {
            Output::Still {
                path: args.still.clone().unwrap_or_default(),
                compression: args.png_compression,
            }
        };
        let mut timeline = Timeline::new(scene.steps, args.fps, args.frames, args.steps_per_second)
            .map_err(anyhow::Error::msg)?;
        if let Some(step) = args.at_step {
            if args.still.is_none() {
                bail!("--at-step goes with --still");
            }
            if !(step.is_finite() && step >= 0.0 && step <= f64::from(scene.steps)) {
                bail!("--at-step {step} is outside the run's 0..={} steps", scene.steps);
            }
            timeline = Timeline::new(scene.steps, args.fps, Some(scene.steps + 1), None)
                .map_err(anyhow::Error::msg)?;
            timeline = timeline.ending_at(step);
        }
        let (settings, camera) =
            crate::render::view_settings(&scene.view, size, args.style.msaa.unwrap_or(4))
                .map_err(anyhow::Error::msg)?;
        Ok(RenderPlan::Frames {
            job: Box::new(RenderJob {
                scene,
                output,
                settings,
                camera,
                timeline,
                orbit_deg_per_s: args.orbit,
                resume: args.resume,
                progress: true,
            }),
            start_map: args.start_map.clone(),
        })
    }
}

fn render_command(args: RenderArgs) -> Result<()> {
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
    let report = crate::headless::render(&gpu, &job)?;
    if let Some(path) = &start_map {
        report_start_maps(&gpu, &job.scene, path)?;
    }
    args.sweep.run_and_write(&gpu, &job.scene)?;
    let fps = f64::from(report.frames) / report.seconds.max(1e-9);
    if report.interrupted {
        eprintln!(
            "interrupted: {} whole frames written to {}; run the same command with --resume to continue",
            report.frames,
            describe_output(&output).display()
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

impl ViewArgs {
    /// The window's options: the scene with every flag applied, checked before a window opens.
    pub fn options(&self) -> Result<crate::app::viewer::ViewerOptions> {
        let args = self;
        let mut scene = args.scene.build()?;
        args.style.apply(&mut scene.view)?;
        let size = parse_size("--size", &args.size)?;
        let record_size = args
            .record_size
            .as_deref()
            .map(|text| parse_size("--record-size", text))
            .transpose()?;
        let (settings, camera) =
            crate::render::view_settings(&scene.view, size, args.style.msaa.unwrap_or(0))
                .map_err(anyhow::Error::msg)?;
        Ok(crate::app::viewer::ViewerOptions {
            scene,
            size,
            capture_dir: args.capture_dir.clone(),
            record_size,
            exit_after_frames: args.exit_after_frames,
            paused: args.paused,
            settings,
            camera,
            panel_refresh: crate::app::viewer::PANEL_REFRESH,
        })
    }
}

fn view_command(args: ViewArgs) -> Result<()> {
    crate::app::run(args.options()?)
}

/// Writes the start maps of `scene` and says where each went.
fn report_start_maps(gpu: &Gpu, scene: &Scene, path: &std::path::Path) -> Result<()> {
    for (file, optimizer) in crate::start_map::write_start_maps(gpu, scene, path)? {
        eprintln!("wrote the start map of {optimizer} to {}", file.display());
    }
    Ok(())
}

fn run_command(args: RunArgs) -> Result<()> {
    let scene = args.scene.build()?;
    if args.start_map.is_some() {
        crate::start_map::grid_of(&scene).map_err(|m| anyhow!("--start-map: {m}"))?;
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
        let maps = crate::start_map::start_maps(&scene, &outcome.particles).map_err(anyhow::Error::msg)?;
        for (file, optimizer) in crate::start_map::write_maps(&maps, path)? {
            eprintln!("wrote the start map of {optimizer} to {}", file.display());
        }
    }
    args.sweep
        .write(&scene, &outcome.particles, outcome.starts_per_group as usize)?;
    if args.summary || (args.export.is_none() && args.start_map.is_none() && !args.sweep.any()) {
        print!("{}", format_summary(&summarize(&scene, &outcome)));
    }
    Ok(())
}

fn bench_command(args: BenchArgs) -> Result<()> {
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

impl SceneArgs {
    /// The scene file (or the default scene when neither a file nor a surface is given),
    /// with every flag applied on top.
    pub fn build(&self) -> Result<Scene> {
        let mut scene = match (&self.scene, &self.scene_text, &self.surface) {
            (Some(path), _, _) => Scene::load(path)?,
            (None, Some((name, text)), _) => Scene::parse(name, text)?,
            (None, None, None) => Scene::default_scene(),
            (None, None, Some(_)) => {
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
        self.apply_schedules(&mut scene)?;
        if !self.starts.is_empty() || self.grid.is_some() || self.random.is_some() {
            let mut starts = crate::scene::Starts {
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
        if self.scene.is_none() && self.scene_text.is_none() && self.surface.is_some() {
            assume_defaults(&mut scene);
        }
        scene.validate().map_err(|m| anyhow!(m))?;
        Ok(scene)
    }
}

/// A typed surface with nothing else: plain GD with a learning rate suited to the surface,
/// from a 3x3 grid of starts, said in one line. Absent values are assumed; wrong ones still
/// fail.
fn assume_defaults(scene: &mut Scene) {
    let mut assumed = Vec::new();
    if scene.optimizers.is_empty() {
        let lr = suited_learning_rate(&scene.surface);
        // Two significant digits, written without float noise (0.012, not 0.012000000000000002).
        let digits = (1.0 - lr.log10().floor()).max(0.0) as usize;
        let text = format!("{lr:.digits$}");
        let lr = text.trim_end_matches('0').trim_end_matches('.');
        if let Ok(spec) = format!("gd:lr={lr}").parse::<OptimizerSpec>() {
            scene.optimizers.push(spec);
            assumed.push(format!("--optimizer gd:lr={lr} (0.2 / the surface's curvature)"));
        }
    }
    let s = &scene.starts;
    if s.points.is_empty() && s.grid.is_none() && s.random == 0 {
        // A function of x alone keeps y = 0: a row of starts.
        let grid = if scene.surface.is_1d() { [5, 1] } else { [3, 3] };
        scene.starts.grid = Some(grid);
        assumed.push(format!("--grid {}x{} (starts over the domain)", grid[0], grid[1]));
    }
    if !assumed.is_empty() {
        eprintln!("assumed {}", assumed.join(" and "));
    }
}

/// 0.2 / L, where L is the gradient's Lipschitz constant estimated over the domain (the 90th
/// percentile of |grad f(p + h) - grad f(p)| / |h| on a 17x17 grid), to two significant
/// digits: GD with lr < 2 / L converges on a convex quadratic, and 0.2 / L moves visibly
/// within a few hundred steps without overshooting.
pub fn suited_learning_rate(surface: &Surface) -> f64 {
    let d = &surface.domain;
    let (wx, wy) = (d.x[1] - d.x[0], d.y[1] - d.y[0]);
    let h = 1e-4 * wx.max(wy);
    let mut curvatures = Vec::new();
    for i in 0..17 {
        for j in 0..17 {
            let p = [
                d.x[0] + wx * f64::from(i) / 16.0,
                d.y[0] + wy * f64::from(j) / 16.0,
            ];
            let g = surface.grad(p);
            for dp in [[h, 0.0], [0.0, h]] {
                let q = surface.grad([p[0] + dp[0], p[1] + dp[1]]);
                let c = ((q[0] - g[0]).powi(2) + (q[1] - g[1]).powi(2)).sqrt() / h;
                if c.is_finite() {
                    curvatures.push(c);
                }
            }
        }
    }
    curvatures.sort_by(f64::total_cmp);
    let l = curvatures
        .get(curvatures.len() * 9 / 10)
        .copied()
        .filter(|l| *l > 1e-12)
        .unwrap_or(1.0);
    let lr = (0.2 / l).clamp(1e-6, 1.0);
    let magnitude = 10f64.powf(lr.log10().floor() - 1.0);
    (lr / magnitude).round() * magnitude
}

impl SceneArgs {
    /// Gives each `--schedule` to the `--optimizer` before it.
    fn apply_schedules(&self, scene: &mut Scene) -> Result<()> {
        let mut taken = vec![false; scene.optimizers.len()];
        for (k, text) in self.schedules.iter().enumerate() {
            // Without recorded order (a library caller), schedules go to the optimizers in turn.
            let after = self.schedule_after.get(k).copied().unwrap_or(k + 1);
            if after == 0 || self.optimizers.is_empty() {
                bail!(
                    "--schedule {text:?}: a schedule applies to the --optimizer before it; give --optimizer first"
                );
            }
            let i = after - 1;
            let Some(spec) = scene.optimizers.get_mut(i) else {
                bail!("--schedule {text:?}: there is no --optimizer before it");
            };
            if std::mem::replace(&mut taken[i], true) {
                bail!(
                    "--schedule {text:?}: --optimizer {:?} already has a schedule",
                    self.optimizers[i]
                );
            }
            let schedule = crate::schedule::parse_spec(text)
                .and_then(|node| crate::schedule::Schedule::from_node(&node))
                .map_err(|e| {
                    let column = text[..e.span.start.min(text.len())].chars().count() + 1;
                    anyhow!(
                        "--schedule {text:?}: {} (at column {column})\n  {text}\n  {}^",
                        e.message,
                        " ".repeat(column - 1)
                    )
                })?;
            schedule
                .check_for(&*spec)
                .map_err(|m| anyhow!("--schedule {text:?}: {m}"))?;
            spec.label = format!("{} --schedule {}", spec.label, text.trim());
            spec.schedule = Some(schedule);
        }
        Ok(())
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
