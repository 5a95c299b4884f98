//! `descent bench` and `descent bench --soak` as a user runs them (smallest sizes, a few
//! seconds): each prints its table, with a row per case and numbers in every column.

mod common;

use std::process::Command;

fn bench(args: &[&str]) -> String {
    let info = common::gpu().adapter.get_info();
    let out = Command::new(common::descent_bin())
        .arg("bench")
        .args(args)
        .env("WGPU_ADAPTER_NAME", &info.name)
        .env("WGPU_BACKEND", info.backend.to_str())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The whitespace-separated columns of the line after the one starting with `header`, and of
/// the lines after it up to the next header or the end.
fn rows_after<'a>(out: &'a str, header: &str) -> Vec<Vec<&'a str>> {
    out.lines()
        .skip_while(|l| !l.trim_start().starts_with(header))
        .skip(1)
        .take_while(|l| !l.is_empty() && !l.starts_with("render:") && !l.starts_with("case"))
        .map(|l| l.split_whitespace().collect())
        .collect()
}

fn rate(text: &str) -> f64 {
    let v: f64 = text
        .trim_end_matches('x')
        .trim_end_matches("ms")
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a number"));
    assert!(v.is_finite() && v >= 0.0, "{text}");
    v
}

#[test]
fn bench_prints_simulation_and_render_tables() {
    let out = bench(&[
        "--particles",
        "1000,2000",
        "--steps",
        "10",
        "--render",
        "--render-frames",
        "2",
        "--density-particles",
        "2000",
    ]);
    let sim = rows_after(&out, "particles");
    assert_eq!(sim.len(), 2, "{out}");
    for (row, n) in sim.iter().zip(["1000", "2000"]) {
        assert_eq!(row.len(), 7, "{out}");
        assert_eq!((row[0], row[1]), (n, "10"), "{out}");
        assert!(
            rate(row[2]) > 0.0 && rate(row[4]) > 0.0 && rate(row[5]) > 0.0 && rate(row[6]) > 0.0,
            "{out}"
        );
    }
    let cases: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("case"))
        .skip(1)
        .take_while(|l| !l.starts_with("memory:"))
        .collect();
    assert_eq!(cases.len(), 5, "{out}");
    for (line, name) in cases.iter().zip([
        "saddle-two-starts 1200x900",
        "saddle-two-starts 1920x1080",
        "saddle-two-starts 3840x2160",
        "10,000 particles, full trails, 1920x1080",
        "2,000 particles, density, 1920x1080",
    ]) {
        assert!(line.starts_with(name), "{line:?} in\n{out}");
        let cols: Vec<&str> = line[name.len()..].split_whitespace().collect();
        assert_eq!(cols.len(), 5, "{line}");
        assert_eq!(cols[0], "2", "{line}");
        assert!(
            rate(cols[1]) > 0.0 && rate(cols[2]) > 0.0 && rate(cols[4]) > 0.0,
            "{line}"
        );
        rate(cols[3]);
    }
    // Memory of 2,000 and 20,000 particles with whole trails: state and trails in MiB.
    let memory: Vec<Vec<&str>> = out
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("particles  ") || !l.contains("state MiB"))
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(memory.len(), 2, "{out}");
    for (row, n) in memory.iter().zip(["2000", "20000"]) {
        assert_eq!(row[0], n, "{out}");
        // 48 bytes of state a particle; 301 points of 16 bytes each.
        let particles: f64 = n.parse().unwrap();
        assert!(
            (rate(row[1]) - particles * 48.0 / 1048576.0).abs() < 0.05,
            "{out}"
        );
        assert!(
            (rate(row[2]) - particles * 301.0 * 16.0 / 1048576.0).abs() < 0.05,
            "{out}"
        );
    }
}

#[test]
fn soak_prints_memory_at_each_restart() {
    // Restarts come every 5 s; 8 s leaves room for slow frames on a loaded machine.
    let out = bench(&["--soak", "8"]);
    assert!(out.starts_with("soak: 100,000 particles"), "{out}");
    let rows = rows_after(&out, "seconds");
    assert!(rows.len() >= 2, "{out}");
    for row in &rows {
        assert_eq!(row.len(), 5, "{out}");
        assert!(rate(row[3]) > 1.0 && rate(row[4]) > 1.0, "{out}");
    }
    let last = rows.last().unwrap();
    assert!(
        rate(last[0]) >= 5.0 && rate(last[1]) >= 1.0 && rate(last[2]) >= 1.0,
        "{out}"
    );
    // The floor and peak of the one (partial) minute: the least and most of the rows after
    // the first (taken before any frame).
    let minutes = rows_after(&out, "minute");
    assert_eq!(minutes.len(), 1, "{out}");
    let rss: Vec<f64> = rows[1..].iter().map(|r| rate(r[3])).collect();
    let (floor, peak) = (rate(minutes[0][1]), rate(minutes[0][2]));
    assert_eq!(minutes[0][0], "1", "{out}");
    assert!(
        (floor - rss.iter().cloned().fold(f64::MAX, f64::min)).abs() < 0.11,
        "{out}"
    );
    assert!(
        (peak - rss.iter().cloned().fold(0.0, f64::max)).abs() < 0.11,
        "{out}"
    );
}

#[test]
fn bench_model_prints_training_and_slice_tables() {
    let out = bench(&[
        "--model",
        "--models",
        "64,128",
        "--steps",
        "3",
        "--points",
        "50,100",
        "--slice-sides",
        "8,16",
        "--twin-model-steps",
        "60",
    ]);
    assert!(out.contains("mlp:2-16-16-1:tanh"), "{out}");
    let training: Vec<_> = rows_after(&out, "models  points")
        .into_iter()
        .take_while(|r| r.len() == 8 && r[0].parse::<u64>().is_ok())
        .collect();
    // Every model count at every data size, sizes outer.
    let keys: Vec<_> = training.iter().map(|r| (r[0], r[1], r[2])).collect();
    assert_eq!(
        keys,
        [
            ("64", "50", "3"),
            ("128", "50", "3"),
            ("64", "100", "3"),
            ("128", "100", "3")
        ],
        "{out}"
    );
    // The twin's budget, 60 model-steps of 200 points: 4 x 60 / 3 steps = 80 models at 50
    // points (at most the row's models), 40 at 100.
    let twin: Vec<_> = training.iter().map(|r| r[5]).collect();
    assert_eq!(twin, ["64", "80", "40", "40"], "{out}");
    for r in &training {
        for v in &r[3..] {
            assert!(rate(v) > 0.0, "{out}");
        }
    }
    let slices = rows_after(&out, "grid");
    assert_eq!(slices.len(), 2, "{out}");
    assert_eq!((slices[0][0], slices[1][0]), ("8x8", "16x16"));
    for r in &slices {
        for v in &r[1..] {
            assert!(rate(v) > 0.0, "{out}");
        }
    }
}

/// `--trainability` times the paper's map at each width; without the notebook it says how
/// to time the JAX code beside, and a notebook that is not one is refused with the reason.
#[test]
fn bench_trainability_prints_a_row_per_width() {
    let out = bench(&[
        "--trainability",
        "--widths",
        "4,2",
        "--resolution",
        "4",
        "--steps",
        "5",
    ]);
    let rows: Vec<_> = rows_after(&out, "width  pixels")
        .into_iter()
        .take_while(|r| r.len() > 5 && r[0].parse::<u32>().is_ok())
        .collect();
    assert_eq!(
        rows.iter().map(|r| (r[0], r[1], r[2])).collect::<Vec<_>>(),
        [("4", "4x4", "5"), ("2", "4x4", "5")],
        "{out}"
    );
    for r in &rows {
        for v in &r[3..5] {
            assert!(rate(v) > 0.0, "{out}");
        }
        assert!(rate(&r[5].replace(',', "")) > 0.0, "{out}");
    }
    assert!(out.contains("--jax-notebook"), "{out}");
    let info = common::gpu().adapter.get_info();
    let bad = std::env::temp_dir().join(format!("descent-not-a-notebook-{}.ipynb", std::process::id()));
    std::fs::write(&bad, "{}").unwrap();
    let failed = Command::new(common::descent_bin())
        .args([
            "bench",
            "--trainability",
            "--widths",
            "2",
            "--resolution",
            "2",
            "--steps",
            "2",
        ])
        .arg("--jax-notebook")
        .arg(&bad)
        .env("WGPU_ADAPTER_NAME", &info.name)
        .env("WGPU_BACKEND", info.backend.to_str())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(
        !failed.status.success() && err.contains("trainability-jax.py"),
        "{err}"
    );
}
