//! The core/platform seam: everything a scene needs to be simulated and drawn (scene, expr,
//! optim, schedule, gpu, render, outcome, ...) uses no files, threads, processes or std's clock
//! and imports no platform room, so the same core builds for the browser. The platform rooms
//! (the command line, the window, capture, runs with their files, benchmarks, the host's memory
//! query) are the only places those live.

use std::path::{Path, PathBuf};

/// Rooms of `src/` that may use the platform: folders and single files.
const PLATFORM: &[&str] = &[
    "app",
    "cli",
    "capture",
    "run",
    "web",
    "bench.rs",
    "bench_model.rs",
    "bench_trainability.rs",
    "files.rs",
    "host.rs",
    "serve.rs",
    "main.rs",
    "lib.rs",
];

/// What the core must not name.
const FORBIDDEN: &[&str] = &[
    "std::thread",
    "std::fs",
    "std::process",
    "std::time::Instant",
    "time::{Duration, Instant}",
    "std::time::{Instant",
    "thread::spawn",
    "File::create",
    "File::open",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn core_files() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
            let room = rel.split('/').next().unwrap().to_string();
            // A `tests.rs` is a `#[cfg(test)]` module: it never builds for the browser, and may
            // read the repository's files.
            let test_module = rel.ends_with("/tests.rs");
            (!PLATFORM.contains(&room.as_str()) && !test_module)
                .then(|| (rel, std::fs::read_to_string(&p).unwrap()))
        })
        .collect()
}

#[test]
fn the_core_makes_no_platform_calls() {
    let files = core_files();
    assert!(files.len() > 40, "found only {} core files", files.len());
    let mut found = Vec::new();
    for (rel, text) in &files {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for bad in FORBIDDEN {
                if code.contains(bad) {
                    found.push(format!("src/{rel}:{}: {bad}", n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "platform calls in the core:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_core_imports_no_platform_room() {
    let rooms: Vec<String> = PLATFORM
        .iter()
        .filter(|r| !matches!(**r, "main.rs" | "lib.rs" | "host.rs"))
        .map(|r| format!("crate::{}", r.trim_end_matches(".rs")))
        .collect();
    let mut found = Vec::new();
    for (rel, text) in core_files() {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for room in &rooms {
                let at = code.find(room.as_str());
                if at.is_some_and(|i| {
                    !code[i + room.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                }) {
                    found.push(format!("src/{rel}:{}: {room}", n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "core rooms importing platform rooms:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_platform_call() {
    // The scan itself: a line the core must not have is found, a comment is not.
    let line = "    let t = std::fs::read_to_string(p); // std::thread";
    let code = line.split("//").next().unwrap();
    assert!(code.contains("std::fs"));
    assert!(!code.contains("std::thread"));
}
