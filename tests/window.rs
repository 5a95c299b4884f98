//! The real window under Xvfb: start `descent view`, drag the mouse, press keys through the X
//! server (xdotool), and check what the app wrote: the view changed, it kept running, the
//! record key wrote frames. CI installs xvfb and xdotool (scripts/setup-debian.sh).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        let n = 90 + std::process::id() % 100;
        let child = Command::new("Xvfb")
            .args([
                format!(":{n}").as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt-get install xvfb; scripts/setup-debian.sh installs it)");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let start = Instant::now();
        while !socket.exists() {
            assert!(start.elapsed() < Duration::from_secs(20), "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            display: format!(":{n}"),
        }
    }

    fn xdotool(&self, args: &[&str]) {
        let ok = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .status()
            .expect("xdotool (apt-get install xdotool)")
            .success();
        assert!(ok, "xdotool {args:?} failed");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn screenshots(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "png"))
                // Not a PNG still being written (`.NAME.partial.png`, renamed when done).
                .filter(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn mean_abs_diff(a: &Path, b: &Path) -> f64 {
    let (a, b) = (
        image::open(a).unwrap().to_rgba8(),
        image::open(b).unwrap().to_rgba8(),
    );
    assert_eq!(a.dimensions(), b.dimensions());
    a.as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / a.as_raw().len() as f64
}

#[test]
fn window_orbits_records_and_keeps_running() {
    let x = Xvfb::start();
    let dir = std::env::temp_dir().join(format!("descent-window-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let scene = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenes/saddle-two-starts.toml"
    );
    let mut app = Command::new(common::descent_bin())
        .args([
            "view",
            scene,
            "--size",
            "800x600",
            "--paused",
            "--msaa",
            "1",
            "--capture-dir",
        ])
        .arg(&dir)
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The window exists once xdotool finds it; give the first frames time on lavapipe.
    wait_for("the window", Duration::from_secs(60), || {
        Command::new("xdotool")
            .args(["search", "--name", "descent"])
            .env("DISPLAY", &x.display)
            .output()
            .is_ok_and(|o| !o.stdout.is_empty())
    });
    std::thread::sleep(Duration::from_secs(3));
    let window = String::from_utf8(
        Command::new("xdotool")
            .args(["search", "--name", "descent"])
            .env("DISPLAY", &x.display)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let window = window.lines().next().unwrap().to_string();
    // No window manager under Xvfb: give the window the input focus directly; keys and the
    // mouse then go through XTEST, as real input does.
    x.xdotool(&["windowfocus", "--sync", &window]);

    x.xdotool(&["key", "F12"]);
    wait_for("the first screenshot", Duration::from_secs(20), || {
        screenshots(&dir).len() == 1
    });

    // Drag in the viewport (right of the side panel): orbit.
    x.xdotool(&["mousemove", "--window", &window, "550", "300"]);
    x.xdotool(&["mousedown", "1"]);
    for step in 1..=10 {
        x.xdotool(&[
            "mousemove",
            "--window",
            &window,
            &(550 + step * 15).to_string(),
            "320",
        ]);
        std::thread::sleep(Duration::from_millis(50));
    }
    x.xdotool(&["mouseup", "1"]);
    std::thread::sleep(Duration::from_millis(500));
    x.xdotool(&["key", "F12"]);
    wait_for("the second screenshot", Duration::from_secs(20), || {
        screenshots(&dir).len() == 2
    });
    let shots = screenshots(&dir);
    let diff = mean_abs_diff(&shots[0], &shots[1]);
    assert!(
        diff > 2.0,
        "the drag did not change the view (mean difference {diff})"
    );

    // Record: F9 starts, a few frames, F9 stops.
    x.xdotool(&["key", "space"]);
    x.xdotool(&["key", "F9"]);
    std::thread::sleep(Duration::from_secs(3));
    x.xdotool(&["key", "F9"]);
    let recording = || {
        std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("recording-"))
            })
    };
    wait_for("recorded frames", Duration::from_secs(20), || {
        recording().is_some_and(|r| screenshots(&r).len() >= 3)
    });

    // Resize to almost nothing and back (the surface is reconfigured, a zero-sized viewport
    // draws nothing), then a screenshot has the new size.
    x.xdotool(&["windowsize", "--sync", &window, "1", "1"]);
    std::thread::sleep(Duration::from_millis(500));
    x.xdotool(&["windowsize", "--sync", &window, "900", "560"]);
    std::thread::sleep(Duration::from_millis(1500));
    let before = screenshots(&dir).len();
    x.xdotool(&["key", "F12"]);
    wait_for("a screenshot after the resize", Duration::from_secs(20), || {
        screenshots(&dir).len() == before + 1
    });
    let last = screenshots(&dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("screenshot"))
        .max()
        .unwrap();
    let (w, h) = image::image_dimensions(&last).unwrap();
    assert!(
        h == 560 && w < 900 && w > 300,
        "{w}x{h}: the viewport beside the panel, at the new height"
    );

    // Minimise (unmapped: what a window manager does to an iconified window; Xvfb has none)
    // and restore: the app idles without drawing, then draws again.
    x.xdotool(&["windowunmap", "--sync", &window]);
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        app.try_wait().unwrap().is_none(),
        "the app exited while minimised"
    );
    x.xdotool(&["windowmap", "--sync", &window]);
    x.xdotool(&["windowfocus", "--sync", &window]);
    std::thread::sleep(Duration::from_millis(1000));
    let before = screenshots(&dir).len();
    x.xdotool(&["key", "F12"]);
    wait_for("a screenshot after restoring", Duration::from_secs(20), || {
        screenshots(&dir).len() == before + 1
    });

    assert!(app.try_wait().unwrap().is_none(), "the app exited");
    let _ = app.kill();
    let out = app.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
