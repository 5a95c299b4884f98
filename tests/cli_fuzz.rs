//! A seeded fuzz pass over the command line: random subcommands, flags taken from the help
//! itself (clap's own description of every argument) and values from a pool of the awkward
//! (negative, zero, huge, non-finite, malformed, empty). Each command line goes through
//! everything that runs before a GPU is opened: parsing, the scene with every flag applied
//! and its checks, and the render or window plan. None may panic or abort; each either works
//! or says why not. `DESCENT_FUZZ_CASES` sets the number of cases (default 2,000; the closing
//! note of the hardening issue quotes a 10,000-case run).

use clap::CommandFactory;
use descent::cli::{Cli, Command};
use descent::rng::SplitMix64;

const VALUES: &[&str] = &[
    "-5",
    "0",
    "1",
    "2",
    "7",
    "2.5",
    "-0",
    "1e30",
    "1e400",
    "-1e-300",
    "nan",
    "inf",
    "-inf",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "200",
    "100000",
    "2000000000",
    "x^2",
    "x^2 + y^2",
    "sin(",
    "-1/(1 + x^2)",
    "rosenbrock",
    "bowl",
    "adam",
    "adam:lr=",
    "sgd:lr=0.1..1:30",
    "sgd:lr=1e-4..1e-2:4096:log,momentum=0..0.99:4096",
    "cosine_annealing:T_max=200",
    "one_cycle:max_lr=1,total_steps=5",
    "64x64",
    "0x0",
    "100000x100000",
    "4x",
    "x4",
    "1920x1080",
    "1,2",
    "-1,2",
    "a,b",
    "1,2,3",
    ",",
    "",
    " ",
    "post",
    "top",
    "azim=1e400",
    "azim=120,elev=37",
    "viridis",
    "nope",
    "log",
    "lines",
    "density",
    "loss",
    "basin",
    "--",
    "-",
    "/proc/descent-fuzz/x.png",
];

/// Flags that name files or folders: given paths under the run's own folder only.
const PATH_FLAGS: &[&str] = &[
    "--out",
    "--video",
    "--gif",
    "--still",
    "--start-map",
    "--sweep-csv",
    "--sweep-map",
    "--export",
    "--capture-dir",
    "--scene",
];

/// A command's long flags, each with whether it takes a value.
type Flags = Vec<(String, bool)>;

fn main_flags(cmd: &clap::Command) -> Flags {
    cmd.get_arguments()
        .filter_map(|a| {
            let long = a.get_long()?;
            let takes = a.get_action().takes_values();
            Some((format!("--{long}"), takes))
        })
        .collect()
}

#[test]
fn random_command_lines_never_panic_before_the_gpu() {
    let cases: u64 = std::env::var("DESCENT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let out = std::env::temp_dir().join(format!("descent-fuzz-{}", std::process::id()));
    let cli = Cli::command();
    let subcommands: Vec<(Option<String>, Flags)> = std::iter::once((None, main_flags(&cli)))
        .chain(
            cli.get_subcommands()
                .filter(|s| s.get_name() != "help" && s.get_name() != "bench")
                .map(|s| (Some(s.get_name().to_string()), main_flags(s))),
        )
        .collect();
    let mut rng = SplitMix64(0x5eed_f022);
    let mut pick = |n: usize| (rng.next_u64() % n as u64) as usize;
    let (mut parsed, mut built, mut refused) = (0u64, 0u64, 0u64);
    for case in 0..cases {
        let (sub, flags) = &subcommands[pick(subcommands.len())];
        let mut argv = vec!["descent".to_string()];
        argv.extend(sub.clone());
        for _ in 0..pick(6) {
            let (flag, takes) = &flags[pick(flags.len())];
            argv.push(flag.clone());
            if *takes {
                // Outputs go under a folder of this run's own, or where nothing can be made
                // even by root (`/proc`): a folder a case made elsewhere would outlive it.
                let value = if PATH_FLAGS.contains(&flag.as_str()) {
                    match pick(3) {
                        0 => "/proc/descent-fuzz/x.png".to_string(),
                        _ => out.join(format!("{case}.png")).display().to_string(),
                    }
                } else {
                    VALUES[pick(VALUES.len())].to_string()
                };
                argv.push(value);
            }
        }
        if pick(4) == 0 {
            argv.push("assets/scenes/saddle-two-starts.toml".into());
        }
        let result = std::panic::catch_unwind(|| {
            let cli = match descent::cli::parse_from(argv.clone()) {
                Ok(cli) => cli,
                Err(e) => {
                    let _ = e.render().to_string();
                    return (false, false);
                }
            };
            let ok = match cli.command {
                Some(Command::Run(args)) => args.scene.build().map(|_| ()),
                Some(Command::Render(args)) => args.plan().map(|_| ()),
                Some(Command::View(args)) => args.options().map(|_| ()),
                Some(Command::Bench(_) | Command::Serve(_)) => Ok(()),
                None => cli.view.options().map(|_| ()),
            };
            if let Err(e) = &ok {
                let message = format!("{e:#}");
                assert!(!message.is_empty(), "an empty error for {argv:?}");
            }
            (true, ok.is_ok())
        });
        match result {
            Ok((true, true)) => {
                parsed += 1;
                built += 1;
            }
            Ok((true, false)) => {
                parsed += 1;
                refused += 1;
            }
            Ok((false, _)) => refused += 1,
            Err(_) => panic!("case {case} panicked: {argv:?}"),
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    eprintln!("{cases} cases: {parsed} parsed, {built} planned, {refused} refused with a message");
    assert!(built > 0 && refused > 0, "the pool reaches both outcomes");
}
