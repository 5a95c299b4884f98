//! The `descent run` command as a user runs it: exports, summaries, and bad input.

mod common;

use std::process::Command;

use common::run_descent as descent;

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn run_exports_every_particle_every_step() {
    let csv = tmp("traj.csv");
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "x^2 - y^2",
        "--optimizer",
        "sgd:lr=0.01",
        "--optimizer",
        "adam:lr=0.01",
        "--start=0.2,1e-8",
        "--start=1,0.25",
        "--steps",
        "200",
        "--export",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("optimizer,particle,step,x,y,loss,status"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * 2 * 201);
    // Step-major, then optimizer, then start; step 0 is the start point.
    assert_eq!(rows[0][..5], ["sgd:lr=0.01", "0", "0", "0.2", "0.00000001"]);
    assert_eq!(rows[0][6], "running");
    assert!((rows[0][5].parse::<f64>().unwrap() - 0.04).abs() < 1e-8);
    assert_eq!(&rows[3][..5], ["adam:lr=0.01", "1", "0", "1", "0.25"]);
    // SGD on the saddle: x_k = 0.2 * 0.98^k exactly up to f32 rounding.
    let last_sgd = rows
        .iter()
        .find(|r| r[0] == "sgd:lr=0.01" && r[1] == "0" && r[2] == "200")
        .unwrap();
    let x: f64 = last_sgd[3].parse().unwrap();
    assert!((x - 0.2 * 0.98f64.powi(200)).abs() < 1e-6, "{x}");
    // Adam breaks the symmetry: y leaves 1e-8 by orders of magnitude; SGD's barely moves.
    let y_at = |opt: &str| -> f64 {
        rows.iter()
            .find(|r| r[0] == opt && r[1] == "0" && r[2] == "200")
            .unwrap()[4]
            .parse()
            .unwrap()
    };
    assert!(y_at("adam:lr=0.01").abs() > 0.1, "{}", y_at("adam:lr=0.01"));
    assert!(y_at("sgd:lr=0.01").abs() < 1e-6);
    assert!(!csv.with_file_name("traj.csv.partial").exists());
}

#[test]
fn every_keeps_every_nth_step_and_summary_counts() {
    let csv = tmp("every.csv");
    let (ok, out, err) = descent(&[
        "run",
        "--surface",
        "bowl",
        "--optimizer",
        "gd:lr=0.1",
        "--optimizer",
        "sgd:lr=5",
        "--grid",
        "4x3",
        "--steps",
        "50",
        "--tol",
        "1e-6",
        "--every",
        "10",
        "--summary",
        "--export",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let steps: std::collections::BTreeSet<u32> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    // Multiples of 10, plus the step that froze each diverged particle (its final row).
    assert!(steps.iter().all(|s| s % 10 == 0 || *s < 10), "{steps:?}");
    assert!(steps.contains(&50) && steps.contains(&40));
    // gd lr 0.1 contracts by 0.8 a step (12 starts); sgd lr 5 multiplies by -9: all diverge.
    let gd = out
        .lines()
        .find(|l| l.starts_with("gd:lr=0.1"))
        .unwrap_or_else(|| panic!("{out}"));
    let sgd = out.lines().find(|l| l.starts_with("sgd:lr=5")).unwrap();
    let cols = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(cols(sgd)[1..4], ["0", "12", "0"], "{out}");
    assert_eq!(cols(gd)[3], "12", "{out}");
    assert!(text.contains(",diverged"));
}

#[test]
fn scene_files_run_and_flags_override_them() {
    let scene = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenes/saddle-two-starts.toml"
    );
    let (ok, out, err) = descent(&["run", scene, "--summary"]);
    assert!(ok, "{err}");
    assert!(out.contains("gd:lr=0.01"), "{out}");
    let (ok, out, err) = descent(&[
        "run",
        scene,
        "--optimizer",
        "adam:lr=0.05",
        "--steps",
        "10",
        "--summary",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("adam:lr=0.05") && !out.contains("gd:lr"), "{out}");
}

#[test]
fn bad_input_is_reported_clearly() {
    // Each bad input, and stderr exactly as descent prints it.
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "--surface", "x + sinn(y)", "--optimizer", "gd"],
            "error: --surface: unknown function 'sinn' at column 5; did you mean 'sin'?\n  x + sinn(y)\n      ^\n",
        ),
        (
            &[
                "run",
                "--surface",
                "bowl",
                "--optimizer",
                "adma:lr=1",
                "--start=1,1",
            ],
            "error: --optimizer \"adma:lr=1\": unknown optimizer 'adma' at column 1; did you mean 'adam'? \
             (known: gd, sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam, lion)\n",
        ),
        (
            &["run", "--surface", "bowl", "--optimizer", "gd", "--start=1,abc"],
            "error: --start \"1,abc\": 'abc' (item 2) is not a number\n",
        ),
        (
            &["run", "--surface", "bowl", "--optimizer", "gd", "--grid", "0x3"],
            "error: --grid \"0x3\": a grid side must be at least 1\n",
        ),
        (
            &[
                "run",
                "--surface",
                "bowl",
                "--optimizer",
                "gd",
                "--start=1,1",
                "--steps",
                "0",
            ],
            "error: --steps must be at least 1\n",
        ),
        (
            &["run", "/nonexistent/scene.toml"],
            "error: /nonexistent/scene.toml: cannot read the scene file: No such file or directory (os error 2)\n",
        ),
    ];
    for (args, expected) in cases {
        let (ok, _, err) = descent(args);
        assert!(!ok, "{args:?} succeeded");
        let err: String = err
            .lines()
            .filter(|l| !l.contains("XDG_RUNTIME_DIR"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(&err, expected, "for {args:?}");
    }

    // An export into a folder that does not exist fails before any work and leaves nothing.
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "bowl",
        "--optimizer",
        "gd",
        "--start=1,1",
        "--export",
        "/nonexistent/dir/t.csv",
    ]);
    assert!(!ok);
    assert_eq!(
        err.lines().last().unwrap(),
        "error: cannot write /nonexistent/dir/t.csv: No such file or directory (os error 2)"
    );
    assert!(!std::path::Path::new("/nonexistent/dir/t.csv").exists());
}

#[test]
fn unknown_adapter_name_lists_the_adapters() {
    let out = Command::new(common::descent_bin())
        .args(["run", "--surface", "bowl", "--optimizer", "gd", "--start=1,1"])
        .env("WGPU_ADAPTER_NAME", "no-such-gpu-xyz")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("WGPU_ADAPTER_NAME=\"no-such-gpu-xyz\" matches no adapter; found: "),
        "{err}"
    );
}

/// An adapter without what the shaders need (llvmpipe's OpenGL, chosen when no Vulkan driver
/// is installed) is refused at start with the missing capabilities and the package to install,
/// not with validation errors mid-run. Where Mesa's EGL is absent there is no GL adapter at
/// all, and the answer is the no-adapter message with the same advice.
#[test]
fn an_adapter_lacking_capabilities_is_refused_at_start() {
    let out = Command::new(common::descent_bin())
        .args([
            "run",
            "--surface",
            "bowl",
            "--optimizer",
            "gd",
            "--start=1,1",
            "--steps",
            "3",
        ])
        .env("WGPU_BACKEND", "gl")
        .env_remove("WGPU_ADAPTER_NAME")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "ran on GL: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("sudo apt-get install mesa-vulkan-drivers"), "{err}");
    let has_egl = [
        "/usr/lib/x86_64-linux-gnu/libEGL_mesa.so.0",
        "/usr/lib/aarch64-linux-gnu/libEGL_mesa.so.0",
    ]
    .iter()
    .any(|p| std::path::Path::new(p).exists());
    if has_egl {
        assert!(err.contains("no adapter found can run descent: "), "{err}");
        assert!(err.contains("(Gl) lacks "), "{err}");
    } else {
        assert!(err.contains("no GPU adapter found"), "{err}");
    }
}

#[test]
fn one_dimensional_course_example() {
    // f(theta) = theta^2 from 3, lr 0.3, tol 1e-5, max 20 iterations: theta_k = 3 * 0.4^k.
    let csv = tmp("theta.csv");
    let (ok, out, err) = descent(&[
        "run",
        "--surface",
        "theta-squared",
        "--optimizer",
        "gd:lr=0.3",
        "--start=3",
        "--steps",
        "20",
        "--tol",
        "1e-5",
        "--summary",
        "--export",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()[..4] == ["gd:lr=0.3", "1", "0", "0"]),
        "{out}"
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 16, "steps 0..=15, stopped by the tolerance at 15");
    for (k, r) in rows.iter().enumerate() {
        let theta: f64 = r[3].parse().unwrap();
        assert!(
            (theta - 3.0 * 0.4f64.powi(k as i32)).abs() < 1e-6,
            "step {k}: {theta}"
        );
        assert_eq!(r[4], "0");
    }
    assert_eq!(rows[15][6], "converged");
}

/// Rows of step 0 (the start points) of an export, as (x, y) text.
fn starts_of(csv: &std::path::Path) -> Vec<(String, String)> {
    std::fs::read_to_string(csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|r| r[2] == "0")
        .map(|r| (r[3].clone(), r[4].clone()))
        .collect()
}

#[test]
fn random_starts_follow_the_seed_and_the_domain() {
    let run = |seed: &str, name: &str, extra: &[&str]| {
        let csv = tmp(name);
        let mut args = vec![
            "run",
            "--surface",
            "bowl",
            "--optimizer",
            "gd",
            "--random",
            "6",
            "--seed",
            seed,
            "--steps",
            "1",
            "--export",
            csv.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let (ok, _, err) = descent(&args);
        assert!(ok, "{err}");
        starts_of(&csv)
    };
    let a = run("7", "seed7a.csv", &[]);
    assert_eq!(a.len(), 6);
    assert_eq!(a, run("7", "seed7b.csv", &[]), "the same seed gives other starts");
    let b = run("8", "seed8.csv", &[]);
    assert!(
        a.iter().zip(&b).all(|(p, q)| p != q),
        "seed 8 repeats seed 7's starts: {b:?}"
    );
    // All inside the bowl's domain [-2, 2]^2; with --domain, inside that.
    let inside = |s: &[(String, String)], x: [f64; 2], y: [f64; 2]| {
        s.iter().all(|(px, py)| {
            let (px, py): (f64, f64) = (px.parse().unwrap(), py.parse().unwrap());
            (x[0]..x[1]).contains(&px) && (y[0]..y[1]).contains(&py)
        })
    };
    assert!(inside(&a, [-2.0, 2.0], [-2.0, 2.0]), "{a:?}");
    let d = run("7", "domain.csv", &["--domain", "10,11,-3,-2"]);
    assert!(inside(&d, [10.0, 11.0], [-3.0, -2.0]), "{d:?}");

    // A grid spans the domain given, edge to edge.
    let csv = tmp("grid-domain.csv");
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "bowl",
        "--optimizer",
        "gd",
        "--grid",
        "2x2",
        "--domain=-1,3,0,0.5",
        "--steps",
        "1",
        "--export",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let corners: Vec<(String, String)> = [("-1", "0"), ("3", "0"), ("-1", "0.5"), ("3", "0.5")]
        .iter()
        .map(|(x, y)| (x.to_string(), y.to_string()))
        .collect();
    assert_eq!(starts_of(&csv), corners);
}

/// `--summary`'s loss columns: GD with lr 0.25 on the bowl halves every coordinate, so after
/// one step the starts (1, 0), (2, 0), (4, 0), (8, 0), (0, 16) have losses 0.25, 1, 4, 16 and
/// 64: best 0.25, median 4. SGD with lr 5 multiplies them by -9 a step and all diverge within
/// 5 steps: no losses to report.
#[test]
fn summary_reports_best_and_median_loss() {
    let starts = [
        "--start=1,0",
        "--start=2,0",
        "--start=4,0",
        "--start=8,0",
        "--start=0,16",
    ];
    let mut args = vec![
        "run",
        "--surface",
        "bowl",
        "--optimizer",
        "gd:lr=0.25",
        "--steps",
        "1",
        "--summary",
    ];
    args.extend_from_slice(&starts);
    let (ok, out, err) = descent(&args);
    assert!(ok, "{err}");
    let row = out
        .lines()
        .find(|l| l.starts_with("gd:lr=0.25"))
        .unwrap_or_else(|| panic!("{out}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cols,
        ["gd:lr=0.25", "0", "0", "5", "2.500000e-1", "4.000000e0"],
        "{out}"
    );
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "optimizer",
            "converged",
            "diverged",
            "running",
            "best",
            "loss",
            "median",
            "loss"
        ]
    );
    // An even count, after 5 steps (x = x0 / 32): losses 1, 4, 16 and 64 over 1024; the
    // median is the mean of the middle two, 10/1024.
    let (ok, out, err) = descent(&[
        "run",
        "--surface",
        "bowl",
        "--optimizer",
        "gd:lr=0.25",
        "--optimizer",
        "sgd:lr=5",
        "--steps",
        "5",
        "--summary",
        "--start=2,0",
        "--start=4,0",
        "--start=8,0",
        "--start=1,0",
    ]);
    assert!(ok, "{err}");
    let gd: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("gd"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(gd[4..], ["9.765625e-4", "9.765625e-3"], "{out}");
    let sgd: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("sgd"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(sgd[1..], ["0", "4", "0", "-", "-"], "{out}");
}

/// `--schedule` goes to the `--optimizer` before it; the export names it; bad specs point at
/// the token.
#[test]
fn schedules_attach_to_the_optimizer_before_them() {
    let csv = tmp("sched.csv");
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "x^2 + y^2",
        "--optimizer",
        "sgd:lr=0.1",
        "--optimizer",
        "sgd:lr=0.1",
        "--schedule",
        "step:step_size=1,gamma=0.5",
        "--start=1,0",
        "--steps",
        "3",
        "--export",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let last: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.contains(",3,"))
        .map(|l| l.rsplitn(5, ',').collect())
        .collect();
    // x_{k+1} = (1 - 2 lr_k) x_k: constant 0.8^3; stepped lr 0.1, 0.05, 0.025: 0.8 * 0.9 * 0.95.
    let x = |row: &Vec<&str>| row[3].parse::<f64>().unwrap();
    assert_eq!(last.len(), 2, "{text}");
    assert!((x(&last[0]) - 0.512).abs() < 1e-6, "{text}");
    assert!((x(&last[1]) - 0.684).abs() < 1e-6, "{text}");
    assert!(text.contains("--schedule step:step_size=1"), "{text}");

    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "bowl",
        "--schedule",
        "cosine:T_max=5",
        "--optimizer",
        "sgd",
        "--start=1,1",
    ]);
    assert!(
        !ok && err.contains("applies to the --optimizer before it"),
        "{err}"
    );
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "bowl",
        "--optimizer",
        "sgd",
        "--schedule",
        "cosine:T_max=5,eta_mn=0",
        "--start=1,1",
    ]);
    assert!(
        !ok && err.contains("unknown key 'eta_mn' for CosineAnnealingLR") && err.contains("column 16"),
        "{err}"
    );
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "bowl",
        "--optimizer",
        "sgd",
        "--schedule",
        "one_cycle:max_lr=1,total_steps=10",
        "--start=1,1",
        "--steps",
        "20",
    ]);
    assert!(!ok && err.contains("Tried to step 11 times"), "{err}");
}

/// `--surface` alone: plain GD with 0.2 / the curvature from a grid of starts, said in one
/// line; an expression may start with a minus; a wrong value still fails where it is wrong.
#[test]
fn a_typed_surface_alone_runs_with_assumed_defaults() {
    let csv = tmp("assumed.csv");
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "10*x^2 + y^2",
        "--steps",
        "20",
        "--export",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    // The curvature is 20 along x: lr = 0.2 / 20.
    assert!(
        err.lines()
            .next()
            .is_some_and(|l| l.starts_with("assumed --optimizer gd:lr=0.01 ") && l.contains("--grid 3x3")),
        "{err}"
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let starts: std::collections::BTreeSet<&str> =
        text.lines().skip(1).filter_map(|l| l.split(',').nth(1)).collect();
    assert_eq!(starts.len(), 9, "{text:.300}");

    let (ok, _, err) = descent(&["run", "--surface", "-1/(1 + x^2)", "--steps", "20"]);
    assert!(ok, "{err}");
    assert!(
        err.contains("--grid 5x1"),
        "a function of x alone gets a row of starts: {err}"
    );

    // Given values are used as given, and nothing is assumed.
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "x^2",
        "--optimizer",
        "adam",
        "--start=1,0",
        "--steps",
        "5",
    ]);
    assert!(ok && !err.contains("assumed"), "{err}");
    // A wrong expression is still an error at its column.
    let (ok, _, err) = descent(&["run", "--surface", "-x^2 +", "--steps", "5"]);
    assert!(!ok && err.contains("--surface") && err.contains('^'), "{err}");
}

/// Without XDG_RUNTIME_DIR (servers, CI, ssh) nothing but descent's own output appears: Mesa's
/// device-select layer used to print a libwayland error twice first.
#[test]
fn no_library_noise_without_xdg_runtime_dir() {
    let out = Command::new(common::descent_bin())
        .args([
            "run",
            "--surface",
            "x^2",
            "--optimizer",
            "gd",
            "--start=1,0",
            "--steps",
            "3",
        ])
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("NODEVICE_SELECT")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("XDG_RUNTIME_DIR"), "{err}");
}

/// Negative numbers after a space are read as numbers and refused with the flag's own
/// message (not clap's "use '-- -5'"); sizes speak of sizes; a lone number for a start on a
/// surface of x and y is refused naming the surface; the flags work without a command.
#[test]
fn numeric_flags_and_sizes_are_refused_for_what_they_are() {
    let cases: [(&[&str], &str); 10] = [
        (
            &["run", "--surface", "bowl", "--steps", "-5"],
            "error: --steps must be at least 1",
        ),
        (
            &["run", "--surface", "bowl", "--tol", "-1"],
            "error: --tol must be a finite number >= 0, got -1",
        ),
        (
            &["render", "--trail-width", "-3", "--still", "/tmp/x.png"],
            "error: --trail-width must be positive, got -3",
        ),
        (
            &["render", "--trail-length", "-3", "--still", "/tmp/x.png"],
            "error: invalid value '-3' for '--trail-length <TRAIL_LENGTH>': must be at least 1",
        ),
        (
            &["run", "--surface", "bowl", "--random", "-4"],
            "error: invalid value '-4' for '--random <N>': must be at least 0",
        ),
        (
            &["render", "--size", "100", "--still", "/tmp/x.png"],
            "error: --size \"100\": expected WIDTHxHEIGHT, e.g. 1920x1080",
        ),
        (
            &["render", "--size", "0x0", "--still", "/tmp/x.png"],
            "error: --size \"0x0\": a side of an image must be at least 1 pixel",
        ),
        (
            &["run", "--surface", "x^2 + y^2", "--start", "1"],
            "error: --start \"1\": x^2 + y^2 is a surface of x and y: give both, as x,y",
        ),
        // Without a command the window's flags are read as `descent view` reads them.
        (
            &["--surface", "bowl", "--steps", "-5"],
            "error: --steps must be at least 1",
        ),
        (
            &["no-such-scene.toml"],
            "error: no-such-scene.toml: cannot read the scene file: No such file or directory (os error 2)",
        ),
    ];
    for (args, expected) in cases {
        let (ok, _, err) = descent(args);
        assert!(!ok, "{args:?}");
        assert_eq!(err.lines().next().unwrap_or(""), expected, "for {args:?}: {err}");
    }
    // A one-number start on a function of x alone is its x.
    let (ok, out, err) = descent(&["run", "--surface", "x^2", "--start", "1", "--steps", "3"]);
    assert!(ok, "{err}");
    assert!(out.contains("1 start") || err.contains("1 start"), "{out}{err}");
}

/// A particle count no machine holds is refused before anything is allocated: quickly, in
/// little memory, with the number that fits and the memory that is free.
#[test]
fn a_huge_particle_count_is_refused_before_any_allocation() {
    for n in ["2000000000", "1000000000"] {
        let out = Command::new("/usr/bin/time")
            .arg("-f")
            .arg("maxrss_kib=%M")
            .arg(common::descent_bin())
            .args([
                "run",
                "--surface",
                "x^2+y^2",
                "--optimizer",
                "sgd",
                "--random",
                n,
                "--steps",
                "1",
            ])
            .env("RUST_BACKTRACE", "1")
            .output()
            .expect("run descent under /usr/bin/time");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{n}: {err}");
        assert!(err.contains("particles fit"), "{n}: {err}");
        assert!(
            !err.contains("backtrace") && !err.contains("panicked"),
            "{n}: {err}"
        );
        let rss: u64 = err
            .lines()
            .find_map(|l| l.strip_prefix("maxrss_kib="))
            .and_then(|v| v.trim().parse().ok())
            .expect("time's report");
        assert!(rss < 1 << 20, "{n}: {rss} KiB resident (over 1 GiB)");
    }
}

/// A schedule over billions of steps is refused before anything is tabulated (the fuzz pass's
/// finding: it aborted allocating one learning rate per step).
#[test]
fn a_schedule_longer_than_a_table_is_refused_before_tabulating() {
    let (ok, _, err) = descent(&[
        "run",
        "--surface",
        "bowl",
        "--optimizer",
        "sgd",
        "--schedule",
        "cosine_annealing:T_max=200",
        "--steps",
        "4000000000",
    ]);
    assert!(!ok);
    assert_eq!(
        err.lines().last().unwrap_or(""),
        "error: optimizer 1 (sgd): a schedule tabulates one row per step: at most 16777216 steps, got 4000000000",
        "{err}"
    );
}
