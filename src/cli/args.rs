//! The command line's flags: one clap struct per subcommand and per group of shared flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::capture::{GifQuality, PngCompression};

#[derive(Parser)]
#[command(
    name = "descent",
    version,
    about = "GPU-accelerated, real-time 3D visualizer of gradient descent",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command, `descent [SCENE] [FLAGS]` opens the window as `descent view` does.
    #[command(flatten)]
    pub view: ViewArgs,
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
    /// Serve the page (built by scripts/build-web.sh) on http://127.0.0.1:8080.
    Serve(ServeArgs),
}

#[derive(Args, Clone)]
pub struct ServeArgs {
    /// The folder served: the page scripts/build-web.sh builds.
    #[arg(long, default_value = "target/web")]
    pub dir: std::path::PathBuf,
    /// The port; 0 takes any free one (the address printed says which).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address listened on; 0.0.0.0 shares the page with the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
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
    pub(crate) camera: Option<String>,
    /// Colormap: coolwarm, viridis, plasma, magma, inferno, cividis, gray.
    #[arg(long)]
    pub(crate) colormap: Option<String>,
    /// Contour lines on the surface.
    #[arg(long)]
    pub(crate) contours: bool,
    /// Thin mesh lines on the surface (matplotlib's edgecolors='k').
    #[arg(long)]
    pub(crate) grid_lines: bool,
    /// Hide the axes box, ticks and labels.
    #[arg(long)]
    pub(crate) no_axes: bool,
    /// Trail width in pixels at 1080p.
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) trail_width: Option<f64>,
    /// Steps of history each trail shows behind its head (default: the whole path).
    #[arg(long, allow_negative_numbers = true, value_parser = at_least::<1>)]
    pub(crate) trail_length: Option<u32>,
    /// Trails fade with age.
    #[arg(long)]
    pub(crate) fade: bool,
    /// MSAA samples: 1 or 4 (default 4; the window uses 1 on CPU adapters, for speed).
    #[arg(long, allow_negative_numbers = true, value_parser = at_least::<0>)]
    pub(crate) msaa: Option<u32>,
    /// How trails are drawn: auto (lines up to 5,000 particles, density beyond), lines, density
    /// (every segment accumulated and tone-mapped), heads (the particles now; with
    /// --trail-length, comet tails).
    #[arg(long, value_name = "auto|lines|density|heads")]
    pub(crate) trails: Option<String>,
    /// How density maps counts to brightness: eq_hist (histogram-equalised) or log.
    #[arg(long, value_name = "eq_hist|log")]
    pub(crate) density_scale: Option<String>,
    /// How the surface's colours and contour levels follow the loss: linear, or log
    /// (log10(f - min f + eps), eps 1e-5 of the surface's loss range).
    #[arg(long, value_name = "linear|log")]
    pub(crate) color_scale: Option<String>,
    /// What a particle's colour says: optimizer, basin (the known minimum it ends at), loss
    /// (final loss, with a colour bar), start (its start position, a 2D colour wheel) or steps
    /// (steps to converge).
    #[arg(long, value_name = "optimizer|basin|loss|start|steps")]
    pub(crate) color_by: Option<String>,
}

#[derive(Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub scene: SceneArgs,
    #[command(flatten)]
    pub(crate) style: StyleArgs,
    /// Write numbered PNG frames (frame_000000.png, ...) into this folder.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Write a video through ffmpeg (mp4, webm, mkv, mov by extension).
    #[arg(long, value_name = "FILE")]
    pub(crate) video: Option<PathBuf>,
    /// Write an animated GIF (encoded on every core).
    #[arg(long, value_name = "FILE")]
    pub(crate) gif: Option<PathBuf>,
    /// GIF quantization: fast (one palette, ordered dither) or best (a palette per frame).
    #[arg(long, value_enum, default_value_t = GifQuality::Fast)]
    pub(crate) gif_quality: GifQuality,
    /// PNG compression of --out frames and --still: fast (about 1.3x the size, several times
    /// quicker) or best (smallest files).
    #[arg(long, value_enum, default_value_t = PngCompression::Fast)]
    pub(crate) png_compression: PngCompression,
    /// Write one PNG of the frame at --at-step (default: the last step).
    #[arg(long, value_name = "FILE.png")]
    pub(crate) still: Option<PathBuf>,
    /// The step a --still shows.
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) at_step: Option<f64>,
    /// Frame size in pixels.
    #[arg(long, default_value = "1920x1080", value_name = "WxH")]
    pub(crate) size: String,
    /// Frames per second of the video.
    #[arg(long, default_value_t = 30.0, allow_negative_numbers = true)]
    pub(crate) fps: f64,
    /// Number of frames (default: one per optimizer step).
    #[arg(long, allow_negative_numbers = true, value_parser = at_least::<1>)]
    pub(crate) frames: Option<u32>,
    /// Optimizer steps per second of video (default: one step per frame).
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) steps_per_second: Option<f64>,
    /// Orbit the camera this many degrees of azimuth per second of video.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub(crate) orbit: f64,
    /// A zoom into the sweep map, PARAM=FROM..TO[,PARAM=FROM..TO]: the frames are the map
    /// (layout "map"), each a fresh run of the whole sweep, its ranges shrinking geometrically
    /// from the scene's to these (default --frames: 60 per halving of the range).
    #[arg(long, value_name = "RANGES")]
    pub(crate) zoom_to: Option<String>,
    /// Continue a PNG sequence in --out from its first missing frame.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Also (or only) write the start map: one pixel per start of the grid, coloured by the
    /// basin it ends in and shaded by its steps to converge (FILE-1.png, FILE-2.png, ... for
    /// several optimizers).
    #[arg(long, value_name = "FILE.png")]
    pub(crate) start_map: Option<PathBuf>,
    #[command(flatten)]
    pub sweep: SweepOutputs,
}

/// What a sweep (an optimizer parameter given as a range) writes besides frames.
#[derive(Args, Clone, Default)]
pub struct SweepOutputs {
    /// Write one row per optimizer group and start with its final state:
    /// optimizer,<swept parameters>,start,x,y,loss,steps,status.
    #[arg(long, value_name = "FILE.csv")]
    pub(crate) sweep_csv: Option<PathBuf>,
    /// Write the sweep map at full resolution: one pixel per group for two swept parameters,
    /// the loss curve for one (FILE-1.png, ... for several swept optimizers).
    #[arg(long, value_name = "FILE.png")]
    pub(crate) sweep_map: Option<PathBuf>,
    /// Print the box-counting dimension of the boundary between converged and diverged groups
    /// of each two-parameter sweep (with --sweep-score trainability).
    #[arg(long)]
    pub(crate) fractal_dim: bool,
}

#[derive(Args, Clone)]
pub struct ViewArgs {
    #[command(flatten)]
    pub scene: SceneArgs,
    #[command(flatten)]
    pub(crate) style: StyleArgs,
    /// Window size in logical pixels.
    #[arg(long, default_value = "1280x720", value_name = "WxH")]
    pub(crate) size: String,
    /// Where F9 recordings and F12 screenshots go.
    #[arg(long, default_value = "descent-captures", value_name = "DIR")]
    pub(crate) capture_dir: PathBuf,
    /// F9 records at this size, drawn offscreen, instead of the viewport as shown.
    #[arg(long, value_name = "WxH")]
    pub(crate) record_size: Option<String>,
    /// Start paused.
    #[arg(long)]
    pub(crate) paused: bool,
    /// Draw continuously and quit after this many frames, printing the frame rate (tests,
    /// benchmarks).
    #[arg(long, hide = true)]
    pub(crate) exit_after_frames: Option<u64>,
}

/// What to simulate: a scene file and/or flags that override it.
#[derive(Args, Clone, Default)]
pub struct SceneArgs {
    /// A scene file (TOML); without one, flags describe the scene (default: the saddle).
    pub(crate) scene: Option<PathBuf>,
    /// A built-in surface name or an expression in x and y, e.g. "x^2 - y^2" (it may start
    /// with a minus: "-1/(1 + x^2)"). Alone, it runs plain GD with a learning rate suited to the
    /// surface's curvature from a 3x3 grid of starts (5x1 for a function of x alone).
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) surface: Option<String>,
    /// A named parameter of the surface's expression, NAME=VALUE (`--surface "x^2 +
    /// amp*cos(2*pi*x)" --surface-param amp=0.05`), or NAME=FROM..TO:COUNT[:log] to sweep it
    /// for every optimizer; an optimizer may set or sweep it too (`gd:lr=0.5,amp=0.1`).
    /// Repeatable.
    #[arg(long = "surface-param", value_name = "NAME=VALUE", allow_hyphen_values = true)]
    pub(crate) surface_params: Vec<String>,
    /// The domain: xmin,xmax,ymin,ymax.
    #[arg(long, value_name = "XMIN,XMAX,YMIN,YMAX", allow_hyphen_values = true)]
    pub(crate) domain: Option<String>,
    /// An optimizer, NAME[:key=value,...] with torch.optim names (repeatable).
    #[arg(long = "optimizer", value_name = "SPEC")]
    pub(crate) optimizers: Vec<String>,
    /// A torch.optim.lr_scheduler schedule for the --optimizer before it, NAME:key=value,...
    /// e.g. cosine_annealing:T_max=200,eta_min=1e-4 (a scheduler inside SequentialLR's list is
    /// name(key=value,...)).
    #[arg(long = "schedule", value_name = "SPEC")]
    pub(crate) schedules: Vec<String>,
    /// For each --schedule, how many --optimizer flags came before it (from the command line's
    /// order; see [`attach_order`]).
    #[arg(skip)]
    pub(crate) schedule_after: Vec<usize>,
    /// A start point x,y (repeatable; use --start=-1,2 for negative x).
    #[arg(long = "start", value_name = "X,Y", allow_hyphen_values = true)]
    pub(crate) starts: Vec<String>,
    /// A grid of COLSxROWS start points over the domain.
    #[arg(long, value_name = "COLSxROWS")]
    pub(crate) grid: Option<String>,
    /// N uniformly random start points over the domain.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = at_least::<0>)]
    pub(crate) random: Option<u32>,
    /// Seed for --random.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = seed)]
    pub(crate) seed: u64,
    /// Maximum optimizer steps per particle.
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) steps: Option<i64>,
    /// A particle stops (converged) when its step is shorter than this.
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) tol: Option<f64>,
    /// Scene text given in place of a file (name for errors, TOML): what a front end that holds
    /// the scene in memory passes; the positional file wins when both are set.
    #[arg(skip)]
    pub scene_text: Option<(String, String)>,
    /// What a sweep map's colours say: outcome (how low the loss ended, how soon it blew up)
    /// or trainability (Sohl-Dickstein 2024: converged when the last 20 losses average below
    /// the first; colours by the sum of losses, with a gap between the two classes).
    #[arg(long, value_name = "outcome|trainability")]
    pub(crate) sweep_score: Option<String>,
    /// What a frame is: scene (the 3D view, a sweep's map as an inset) or map (the first
    /// sweep's map fills the frame; each frame a whole run).
    #[arg(long, value_name = "scene|map")]
    pub(crate) layout: Option<String>,
    /// Every swept range gets this many values (a map of N x N runs): a quick look at a
    /// large sweep, or a finer one.
    #[arg(long, value_name = "N", value_parser = at_least::<2>)]
    pub(crate) map_size: Option<u32>,
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
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Training a model instead of descending a surface (`descent run --model ...`).
#[derive(Args, Clone, Default)]
pub struct ModelArgs {
    /// Train a model on data instead of descending a surface: linear, logistic, or
    /// mlp:SIZES[:tanh|relu|sigmoid|identity][:nobias], e.g. mlp:2-8-1:tanh.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// The model's loss: mse, bce (with logits; 0/1 targets) or ce (integer classes); default
    /// bce for logistic, else mse.
    #[arg(long, value_name = "mse|bce|ce")]
    pub loss: Option<String>,
    /// The training data: a CSV file (feature columns, then the target) or a built-in set,
    /// NAME[:n=200,noise=0.1,seed=0]: two-moons, circles, blobs, spirals, xor, linear, teacher.
    #[arg(long, value_name = "FILE|SET")]
    pub data: Option<String>,
    /// Initial parameters: a CSV file with one row per particle, in torch's parameter order.
    #[arg(long, value_name = "FILE.csv")]
    pub init: Option<String>,
    /// This many seeded initialisations, as torch.nn.Linear draws them (default 1).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = at_least::<1>)]
    pub inits: Option<u32>,
    /// Write each model's final loss, status and parameters (p0, p1, ...) to this CSV file.
    #[arg(long, value_name = "FILE.csv")]
    pub export_params: Option<PathBuf>,
    /// Write the loss slice L(theta0 + a d1 + b d2) around a trained model: FILE.png (a map
    /// with the trails projected onto it) or FILE.csv (a, b, loss); repeatable.
    #[arg(long, value_name = "FILE.png|FILE.csv")]
    pub slice: Vec<PathBuf>,
    /// The slice's directions: random[:seed=N] (filter-normalized, as Li et al. 2018), pca (the
    /// top two principal components of the centre model's trajectory) or params:NAME,NAME
    /// (e.g. params:w0[0,0],b0[0]); default params:p0,p1 for two parameters, else random.
    #[arg(long, value_name = "DIRS", requires = "slice")]
    pub directions: Option<String>,
    /// The slice's grid, COLSxROWS, 2 to 1024 a side (default 81x81).
    #[arg(long, value_name = "COLSxROWS", requires = "slice")]
    pub slice_size: Option<String>,
    /// The model the slice is centred on: final or initial, then :K for particle K (group-major,
    /// as the exports count); default final:0.
    #[arg(long, value_name = "final|initial[:K]", requires = "slice")]
    pub slice_around: Option<String>,
    /// The slice's extent A0:A1,B0:B1 (default -1:1,-1:1 for random directions, else the
    /// trails' extent with a margin).
    #[arg(
        long,
        value_name = "A0:A1,B0:B1",
        allow_hyphen_values = true,
        requires = "slice"
    )]
    pub slice_range: Option<String>,
}

impl ModelArgs {
    /// The first model flag given (besides --model), by name: for a surface run to refuse.
    pub fn given_flag(&self) -> Option<&'static str> {
        [
            (self.loss.is_some(), "--loss"),
            (self.data.is_some(), "--data"),
            (self.init.is_some(), "--init"),
            (self.inits.is_some(), "--inits"),
            (self.export_params.is_some(), "--export-params"),
            (!self.slice.is_empty(), "--slice"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

#[derive(Args)]
pub struct BenchArgs {
    /// Particle counts to measure; `max` is the most this adapter's memory holds.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10000,100000,1000000,10000000,max"
    )]
    pub(crate) particles: Vec<String>,
    /// GPU steps per measurement.
    #[arg(long, default_value_t = 200, allow_negative_numbers = true, value_parser = at_least::<1>)]
    pub(crate) steps: u32,
    /// Also time `descent render` (saddle at 1200x900 and 1920x1080, 10,000 particles).
    #[arg(long)]
    pub(crate) render: bool,
    /// Frames per render case (the 4K, 10,000-particle and density cases render a tenth as many).
    #[arg(long, default_value_t = 60, allow_negative_numbers = true, value_parser = at_least::<1>)]
    pub(crate) render_frames: u32,
    /// Particles of the density render case and of the memory table's first row (the second
    /// has ten times as many).
    #[arg(long, default_value_t = 1_000_000, allow_negative_numbers = true, value_parser = at_least::<1>)]
    pub(crate) density_particles: u32,
    /// Instead: time model training (a 2-16-16-1 MLP on two-moons, Adam, --steps steps) and
    /// loss slices on the GPU against the f64 twin on one CPU thread.
    #[arg(long)]
    pub(crate) model: bool,
    /// Model counts for --model.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000", requires = "model")]
    pub(crate) models: Vec<u32>,
    /// Data sizes (points of two-moons) for --model: a training row per size and model count.
    #[arg(long, value_delimiter = ',', default_value = "200", requires = "model")]
    pub(crate) points: Vec<u32>,
    /// Slice grid sides for --model.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "81,256,1024",
        requires = "model"
    )]
    pub(crate) slice_sides: Vec<u32>,
    /// The f64 twin's share of each --model row, in model-steps of 200 points (fewer models
    /// for more points): the twin runs on one CPU thread, so this bounds each row's time.
    #[arg(long, default_value_t = 200_000, requires = "model", allow_negative_numbers = true, value_parser = at_least::<1>)]
    pub(crate) twin_model_steps: u32,
    /// Instead: time Sohl-Dickstein's trainability map (his mean-field tanh network, an lr
    /// per layer, one training per pixel, --steps steps) at each of --widths.
    #[arg(long)]
    pub(crate) trainability: bool,
    /// Network widths for --trainability.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "16,8",
        requires = "trainability"
    )]
    pub(crate) widths: Vec<u32>,
    /// Pixels per side of the map for --trainability.
    #[arg(long, default_value_t = 64, requires = "trainability", value_parser = at_least::<2>)]
    pub(crate) resolution: u32,
    /// A copy of Sohl-Dickstein's notebook (the_boundary_of_neural_network_trainability_is_fractal.ipynb):
    /// --trainability then also times its own JAX code at the same sizes.
    #[arg(long, value_name = "NOTEBOOK", requires = "trainability")]
    pub(crate) jax_notebook: Option<std::path::PathBuf>,
    /// The Python (with jax installed) that runs the notebook's code.
    #[arg(long, default_value = "python3", requires = "jax_notebook")]
    pub(crate) python: String,
    /// Instead: a soak test of this many seconds (100,000 particles restarting every 5 s,
    /// rendered headless), printing resident memory at each restart.
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub(crate) soak: Option<f64>,
}

/// A whole number of at least `MIN` that fits a u32. Negative numbers after a space reach it
/// as values (`allow_negative_numbers`), so `--steps -5` is refused for what it is rather than
/// taken for an unknown flag.
fn at_least<const MIN: u32>(text: &str) -> Result<u32, String> {
    let n: i128 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number of at least {MIN}"))?;
    if n < i128::from(MIN) {
        return Err(format!("must be at least {MIN}"));
    }
    u32::try_from(n).map_err(|_| format!("must be at most {}", u32::MAX))
}

/// A seed: a whole number from 0 to 2^64 - 1.
fn seed(text: &str) -> Result<u64, String> {
    let n: i128 = text
        .trim()
        .parse()
        .map_err(|_| "expected a whole number".to_string())?;
    u64::try_from(n).map_err(|_| format!("must be between 0 and {}", u64::MAX))
}
