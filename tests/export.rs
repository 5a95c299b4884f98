//! The streamed export: chunked readback gives the same file as one big chunk, `--every`
//! keeps each particle's final state, and a failed export leaves nothing behind.

mod common;

use descent::run::{RunOptions, run_scene};
use descent::scene::Scene;

const SCENE: &str = r#"
[surface]
name = "rosenbrock"
[[optimizer]]
name = "adam"
lr = 0.05
[[optimizer]]
name = "sgd"
lr = 0.5
[[optimizer]]
name = "gd"
lr = 0.001
[starts]
grid = [5, 4]
[run]
steps = 97
tol = 1e-4
"#;

fn export(every: u32, chunk_bytes: u64, name: &str) -> String {
    let scene = Scene::parse("test.toml", SCENE).unwrap();
    let dir = std::env::temp_dir().join(format!("descent-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    run_scene(
        common::gpu(),
        &scene,
        &RunOptions {
            export: Some(&path),
            every,
            chunk_bytes,
        },
    )
    .unwrap();
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn chunked_export_equals_one_chunk() {
    // 60 particles x 16 bytes x 3 records per chunk: 33 readbacks instead of one.
    let small = export(1, 60 * 16 * 3, "small.csv");
    let big = export(1, 64 << 20, "big.csv");
    assert_eq!(small, big);
    let rows = small.lines().count() - 1;
    // sgd lr 0.5 diverges within a few steps on Rosenbrock; adam and gd run on.
    assert!(rows < 60 * 98 && rows > 40 * 98 - 20 * 90, "{rows}");
    assert!(small.contains(",diverged"));
    // Steps are non-decreasing down the file.
    let steps: Vec<u32> = small
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    assert!(steps.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn every_nth_keeps_final_rows() {
    let all = export(1, 64 << 20, "all.csv");
    let tenth = export(10, 60 * 16 * 2, "tenth.csv");
    // Each particle's last row in the full export is also its last row with --every 10.
    let last_rows = |text: &str| {
        let mut last = std::collections::BTreeMap::new();
        for l in text.lines().skip(1) {
            let f: Vec<&str> = l.split(',').collect();
            last.insert((f[0].to_string(), f[1].to_string()), l.to_string());
        }
        last
    };
    assert_eq!(last_rows(&all), last_rows(&tenth));
    // Every row of the decimated file is a row of the full one.
    let full: std::collections::HashSet<&str> = all.lines().collect();
    assert!(tenth.lines().all(|l| full.contains(l)));
    assert!(tenth.lines().count() < all.lines().count() / 5);
}

#[test]
fn failed_export_leaves_no_file() {
    let scene = Scene::parse("test.toml", SCENE).unwrap();
    let path = std::path::Path::new("/proc/descent-cannot-write-here.csv");
    let err = run_scene(
        common::gpu(),
        &scene,
        &RunOptions {
            export: Some(path),
            ..Default::default()
        },
    );
    assert!(err.is_err());
    assert!(!path.exists());
}

#[test]
fn full_disk_is_reported_and_leaves_no_file() {
    // The partial file is a link to /dev/full: every write fails with ENOSPC, as on a full disk.
    let dir = std::env::temp_dir().join(format!("descent-full-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("traj.csv");
    let _ = std::fs::remove_file(dir.join("traj.csv.partial"));
    std::os::unix::fs::symlink("/dev/full", dir.join("traj.csv.partial")).unwrap();
    let scene = Scene::parse("test.toml", SCENE).unwrap();
    let err = run_scene(
        common::gpu(),
        &scene,
        &RunOptions {
            export: Some(&path),
            ..Default::default()
        },
    )
    .err()
    .expect("a full disk fails the export");
    // As `descent` prints it: the error, then its cause.
    let shown = format!("{:#}", anyhow::Error::from(err));
    assert_eq!(
        shown,
        format!(
            "cannot write the export: {}: No space left on device (os error 28)",
            dir.join("traj.csv.partial").display()
        )
    );
    assert!(!path.exists());
    assert!(std::fs::symlink_metadata(dir.join("traj.csv.partial")).is_err());
}
