//! Command-line arguments and the subcommands they run. Flags override the scene file.
//!
//! In the library, not the binary, so that other front ends (the Python module) parse the same
//! flags with the same defaults and checks and get the same error messages.
//!
//! - `args.rs`: the clap structs, every flag and its help;
//! - `scene_flags.rs`: flags applied to a scene (surface, optimizers, schedules, starts, style);
//! - `plan.rs`: what `render` and `view` will do, checked in full before a GPU is opened;
//! - `commands.rs`: the subcommands' bodies; `model_run.rs`: `run --model`; `render_job.rs`: the render loop that feeds
//!   frames from a [`crate::world::World`] into a [`crate::capture::Capture`].

mod args;
#[cfg(not(target_arch = "wasm32"))]
mod commands;
#[cfg(not(target_arch = "wasm32"))]
mod frames;
#[cfg(not(target_arch = "wasm32"))]
pub mod map_job;
#[cfg(not(target_arch = "wasm32"))]
mod model_run;
#[cfg(not(target_arch = "wasm32"))]
mod plan;
#[cfg(not(target_arch = "wasm32"))]
pub mod render_job;
mod scene_flags;

pub use args::*;
#[cfg(not(target_arch = "wasm32"))]
pub use model_run::ModelPlan;
#[cfg(not(target_arch = "wasm32"))]
pub use plan::RenderPlan;

#[cfg(not(target_arch = "wasm32"))]
use commands::{bench_command, render_command, run_command, view_command};

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

/// Records where each `--schedule` stands among the `--optimizer` flags: clap keeps each
/// repeated flag's values apart, `indices_of` says their order.
pub fn attach_order(cli: &mut Cli, matches: &clap::ArgMatches) {
    // Only the subcommands with scene flags have these ids (clap panics on unknown ones).
    let (args, sub) = match (&mut cli.command, matches.subcommand()) {
        (Some(Command::Run(a)), Some((_, sub))) => (&mut a.scene, sub),
        (Some(Command::Render(a)), Some((_, sub))) => (&mut a.scene, sub),
        (Some(Command::View(a)), Some((_, sub))) => (&mut a.scene, sub),
        // `descent [SCENE] [FLAGS]`: the window's flags at the top.
        (None, _) => (&mut cli.view.scene, matches),
        _ => return,
    };
    let indices = |id: &str| -> Vec<usize> { sub.indices_of(id).map(|i| i.collect()).unwrap_or_default() };
    let optimizers = indices("optimizers");
    args.schedule_after = indices("schedules")
        .iter()
        .map(|&s| optimizers.iter().filter(|&&o| o < s).count())
        .collect();
}

#[cfg(not(target_arch = "wasm32"))]
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Run(args)) => run_command(args),
        Some(Command::Bench(args)) => bench_command(args),
        Some(Command::Render(args)) => render_command(args),
        Some(Command::View(args)) => view_command(args),
        Some(Command::Serve(args)) => crate::serve::serve(&args.dir, &args.host, args.port, |url| {
            println!("serving {} at {url} (Ctrl-C stops)", args.dir.display());
        }),
        None => view_command(cli.view),
    }
}
