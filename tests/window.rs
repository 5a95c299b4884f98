//! The real window under Xvfb: start `descent view`, drag the mouse, press keys through the X
//! server (xdotool), and check what the app wrote: the view changed, it kept running, the
//! record key wrote frames. CI installs xvfb and xdotool (scripts/setup-debian.sh).

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb on a display it picks itself (`-displayfd`): a fixed number may belong to
    /// another X server or to a stale socket on a CI machine.
    fn start() -> Self {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Xvfb (apt-get install xvfb; scripts/setup-debian.sh installs it)");
        // Xvfb writes the display number once it accepts clients, and nothing if it fails.
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
        let n = line.trim();
        if n.parse::<u32>().is_err() {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "Xvfb did not start ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // Its log is not needed any more; a full pipe must not stall it.
        let mut log = child.stderr.take().unwrap();
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
        Self {
            display: format!(":{n}"),
            child,
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

/// The app under test, with its stderr drained on a thread (a full pipe would block it) so a
/// failure can say how the app ended and what it printed. Dropping it ends the app, so a
/// failed assertion leaves no renderer running beside the next test.
struct App {
    child: Child,
    stderr: Option<JoinHandle<String>>,
}

impl App {
    fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        Self {
            child,
            stderr: Some(stderr),
        }
    }

    /// Ends the app and returns everything it printed on stderr.
    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default()
    }

    /// Panics with the app's state and output: what a CI log needs to explain a failure.
    fn fail(&mut self, what: &str) -> ! {
        let state = match self.child.try_wait() {
            Ok(Some(status)) => format!("the app exited ({status})"),
            Ok(None) => "the app is still running".to_string(),
            Err(e) => format!("cannot query the app: {e}"),
        };
        panic!("{what}; {state}; its stderr:\n{}", self.stop());
    }

    fn wait_for(&mut self, what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
        let start = Instant::now();
        while !f() {
            if !matches!(self.child.try_wait(), Ok(None)) {
                self.fail(&format!("waiting for {what}"));
            }
            if start.elapsed() > timeout {
                self.fail(&format!("timed out waiting for {what}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn assert_running(&mut self, what: &str) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            self.fail(what);
        }
    }

    /// Ends a run that went well: the app must still be running and must not have panicked.
    fn finish(mut self, what: &str) {
        self.assert_running(what);
        let stderr = self.stop();
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

/// How long to wait for a frame's file: generous, since a cold CI machine compiles every
/// lavapipe pipeline on first use and a wait ends as soon as the file is there.
const PATIENCE: Duration = Duration::from_secs(60);

const SCENE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/scenes/saddle-two-starts.toml"
);

/// One window test at a time: each runs its own Xvfb and lavapipe, and two at once on a
/// two-core CI machine would starve each other's timeouts.
static SERIAL: Mutex<()> = Mutex::new(());

/// Starts `descent view` on the saddle scene in `x` (paused, 800x600, captures into `dir`),
/// waits for its window and gives it the input focus; returns the app and the window id.
fn launch(x: &Xvfb, dir: &Path, extra: &[&str]) -> (App, String) {
    let _ = std::fs::remove_dir_all(dir);
    let mut command = Command::new(common::descent_bin());
    command
        .args([
            "view",
            SCENE,
            "--size",
            "800x600",
            "--paused",
            "--msaa",
            "1",
            "--capture-dir",
        ])
        .arg(dir)
        .args(extra)
        .env("DISPLAY", &x.display)
        // descent's own info lines (the adapter, the surface) go into a failure's message.
        .env("RUST_LOG", "warn,descent=info")
        .env_remove("WAYLAND_DISPLAY");
    let mut app = App::spawn(command);
    // The window exists once xdotool finds it; give the first frames time on lavapipe.
    // `find` gives the window, or what xdotool said, for the message if it never appears.
    let find = |display: &str| -> Result<String, String> {
        let o = Command::new("xdotool")
            .args(["search", "--name", "descent"])
            .env("DISPLAY", display)
            .output()
            .map_err(|e| format!("xdotool: {e}"))?;
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .map(str::to_string)
            .ok_or_else(|| {
                format!(
                    "xdotool search ({}): {}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr).trim()
                )
            })
    };
    let start = Instant::now();
    while let Err(why) = find(&x.display) {
        app.assert_running("the app exited before its window appeared");
        if start.elapsed() > Duration::from_secs(120) {
            app.fail(&format!("timed out waiting for the window; last {why}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    app.assert_running("the app exited after opening its window");
    let window = find(&x.display).unwrap_or_else(|why| app.fail(&format!("the window is gone: {why}")));
    // No window manager under Xvfb: give the window the input focus directly; keys and the
    // mouse then go through XTEST, as real input does.
    x.xdotool(&["windowfocus", "--sync", &window]);
    (app, window)
}

/// The folder a recording went into, once it holds `frames` whole PNGs.
fn recording_with(app: &mut App, dir: &Path, frames: usize) -> PathBuf {
    let recording = || {
        std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("recording-"))
            })
    };
    app.wait_for("recorded frames", PATIENCE, || {
        recording().is_some_and(|r| screenshots(&r).len() >= frames)
    });
    recording().unwrap()
}

#[test]
fn window_orbits_records_and_keeps_running() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let x = Xvfb::start();
    let dir = std::env::temp_dir().join(format!("descent-window-{}", std::process::id()));
    let (mut app, window) = launch(&x, &dir, &[]);

    x.xdotool(&["key", "F12"]);
    app.wait_for("the first screenshot", PATIENCE, || screenshots(&dir).len() == 1);

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
    app.wait_for("the second screenshot", PATIENCE, || screenshots(&dir).len() == 2);
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
    let frames = screenshots(&recording_with(&mut app, &dir, 3));
    let viewport = image::image_dimensions(&shots[0]).unwrap();
    assert_eq!(
        image::image_dimensions(&frames[0]).unwrap(),
        viewport,
        "F9 records the viewport as shown"
    );

    // Resize to almost nothing and back (the surface is reconfigured, a zero-sized viewport
    // draws nothing), then a screenshot has the new size.
    x.xdotool(&["windowsize", "--sync", &window, "1", "1"]);
    std::thread::sleep(Duration::from_millis(500));
    x.xdotool(&["windowsize", "--sync", &window, "900", "560"]);
    std::thread::sleep(Duration::from_millis(1500));
    let before = screenshots(&dir).len();
    x.xdotool(&["key", "F12"]);
    app.wait_for("a screenshot after the resize", PATIENCE, || {
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
    app.assert_running("the app exited while minimised");
    x.xdotool(&["windowmap", "--sync", &window]);
    x.xdotool(&["windowfocus", "--sync", &window]);
    std::thread::sleep(Duration::from_millis(1000));
    let before = screenshots(&dir).len();
    x.xdotool(&["key", "F12"]);
    app.wait_for("a screenshot after restoring", PATIENCE, || {
        screenshots(&dir).len() == before + 1
    });

    app.finish("the app exited");
}

/// `--record-size`: F9 and F12 draw the same view offscreen at that size while the window
/// keeps its own. Paused at step 0, every recorded frame and the screenshot must be what
/// `descent render --still` makes of the scene at that size (the same renderer, camera and
/// overlay).
#[test]
fn window_records_at_a_chosen_size() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let x = Xvfb::start();
    let dir = std::env::temp_dir().join(format!("descent-window-size-{}", std::process::id()));
    let (mut app, _window) = launch(&x, &dir, &["--record-size", "640x360"]);
    x.xdotool(&["key", "F9"]);
    std::thread::sleep(Duration::from_secs(3));
    x.xdotool(&["key", "F9"]);
    // Paused, the view does not change: one frame (a recording writes a frame per change).
    let mut frames = screenshots(&recording_with(&mut app, &dir, 1));
    assert_eq!(frames.len(), 1, "a still view records one frame");
    // F12 takes its screenshot at the record size too: the same frame.
    x.xdotool(&["key", "F12"]);
    app.wait_for("the screenshot", PATIENCE, || screenshots(&dir).len() == 1);
    frames.extend(screenshots(&dir));
    app.finish("the app exited while recording");
    for frame in &frames {
        assert_eq!(
            image::image_dimensions(frame).unwrap(),
            (640, 360),
            "{}",
            frame.display()
        );
    }

    let still = dir.join("still.png");
    let out = Command::new(common::descent_bin())
        .args(["render", SCENE, "--size", "640x360", "--at-step", "0", "--still"])
        .arg(&still)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for frame in &frames {
        let diff = mean_abs_diff(frame, &still);
        assert!(
            diff < 0.5,
            "{} differs from descent render's still by {diff} per channel",
            frame.display()
        );
    }
}

/// CPU time (user + system, all threads: lavapipe renders on its own) the process has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 (11 and 12 after the name), in 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

fn cpu_over(app: &App, seconds: f64) -> f64 {
    let before = cpu_seconds(app.child.id());
    std::thread::sleep(Duration::from_secs_f64(seconds));
    cpu_seconds(app.child.id()) - before
}

/// The X screen as an image, through ffmpeg's x11grab (ffmpeg is installed for video).
fn grab_screen(x: &Xvfb, path: &Path) -> image::RgbaImage {
    let ok = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-y",
            "-f",
            "x11grab",
            "-video_size",
            "1280x800",
            "-i",
        ])
        .arg(&x.display)
        .args(["-frames:v", "1"])
        .arg(path)
        .status()
        .expect("ffmpeg (scripts/setup-debian.sh installs it)")
        .success();
    assert!(ok, "ffmpeg could not grab the X screen");
    image::open(path).unwrap().to_rgba8()
}

/// The window draws only when something changes: paused and untouched it uses next to no
/// CPU; playing, it draws; once the run ends, it idles again. What it shows in the 3D view is
/// the rendered frame itself, pixel for pixel (the F12 screenshot of the same frame).
#[test]
fn window_idles_until_something_changes_and_shows_the_frame_exactly() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let x = Xvfb::start();
    let dir = std::env::temp_dir().join(format!("descent-window-idle-{}", std::process::id()));
    let (mut app, _window) = launch(&x, &dir, &[]);

    let paused = cpu_over(&app, 3.0);
    assert!(
        paused < 0.6,
        "paused and untouched, the window used {paused:.2} s of CPU in 3 s"
    );

    x.xdotool(&["key", "space"]);
    let playing = cpu_over(&app, 2.0);
    assert!(
        playing > 0.6,
        "playing, the window used only {playing:.2} s of CPU in 2 s"
    );
    // 200 steps at 60 steps/s end within about 3.3 s of pressing play.
    std::thread::sleep(Duration::from_secs(4));
    let done = cpu_over(&app, 3.0);
    assert!(
        done < 0.6,
        "after the run ended, the window used {done:.2} s of CPU in 3 s"
    );

    x.xdotool(&["key", "F12"]);
    app.wait_for("the screenshot", PATIENCE, || screenshots(&dir).len() == 1);
    std::thread::sleep(Duration::from_millis(500));
    let shot = image::open(&screenshots(&dir)[0]).unwrap().to_rgba8();
    let screen = grab_screen(&x, &dir.with_extension("screen.png"));
    // The 3D view fills the window (800x600 at the screen's origin: no window manager) right
    // of the side panel and down to the bottom.
    let (w, h) = shot.dimensions();
    assert!(w < 800 && h <= 600, "screenshot {w}x{h}");
    let (x0, y0) = (800 - w, 600 - h);
    let mut diff = 0u64;
    for (x, y, p) in shot.enumerate_pixels() {
        let q = screen.get_pixel(x0 + x, y0 + y);
        diff += (0..3).map(|k| u64::from(p[k].abs_diff(q[k]))).sum::<u64>();
    }
    let mean = diff as f64 / (3.0 * f64::from(w * h));
    assert!(
        mean < 0.5,
        "the window's 3D view differs from the frame by {mean:.2} per channel"
    );
    // Left of it, the side panel copied from its cache (app::panel_cache): egui's dark fill
    // over most of it and nowhere the cache's cleared black, which would mean a part of the
    // panel was not drawn into the cache.
    let (mut fill, mut black) = (0u32, 0u32);
    for y in 0..600 {
        for x in 0..x0 {
            match screen.get_pixel(x, y).0 {
                [27, 27, 27, _] => fill += 1,
                [0, 0, 0, _] => black += 1,
                _ => {}
            }
        }
    }
    let area = x0 * 600;
    assert!(
        fill > area / 2 && black == 0,
        "side panel: {fill} of {area} pixels in egui's fill, {black} black"
    );
    app.finish("the window after idling");
}

/// A recording size over the adapter's texture limit is refused when the window starts, with
/// the flag and the limit in the message, before any frame is drawn or recorded.
#[test]
fn window_refuses_a_record_size_over_the_texture_limit() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let x = Xvfb::start();
    let out = Command::new(common::descent_bin())
        .args(["view", SCENE, "--size", "320x240", "--record-size", "100000x100"])
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the window ran: {stderr}");
    assert!(
        stderr.contains("--record-size 100000x100 is over this adapter's texture limit"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
