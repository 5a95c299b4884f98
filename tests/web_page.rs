//! The page in a real browser: Debian's chromium, headless, WebGPU on SwiftShader, driven over
//! the DevTools protocol. The bundle is built by scripts/build-web.sh (once per test run: an
//! unchanged tree rebuilds in seconds) and served by `descent serve`. A missing browser or
//! adapter fails these tests; they never skip.

mod browser;
mod common;

use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use browser::{Browser, Tab, uri_component};
use serde_json::Value;

/// What chromium needs for WebGPU without a GPU: Vulkan through ANGLE, on SwiftShader.
const WEBGPU_FLAGS: [&str; 4] = [
    "--enable-unsafe-webgpu",
    "--enable-features=Vulkan,VulkanFromANGLE",
    "--use-angle=vulkan",
    "--headless=new",
];
/// The page's size in CSS pixels (the canvas fills it).
const VIEW: (u32, u32) = (1000, 700);
/// SwiftShader compiles every pipeline on the CPU: the first frame can take a while.
const PATIENCE: Duration = Duration::from_secs(240);

/// Builds the page and serves it from a thread of this process (it ends with the tests);
/// once per test binary. Returns the page's address.
fn server() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let status = Command::new("bash")
            .arg(format!("{root}/scripts/build-web.sh"))
            .status()
            .expect("run scripts/build-web.sh");
        assert!(status.success(), "scripts/build-web.sh failed");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let dir = std::path::PathBuf::from(root).join("target/web");
            let served = descent::serve::serve(&dir, "127.0.0.1", 0, |url| {
                let _ = tx.send(url.to_string());
            });
            panic!("the server stopped: {served:?}");
        });
        rx.recv().expect("the server's address")
    })
}

/// One browser at a time: each test's chromium (with WebGPU) is killed when the test ends,
/// and SwiftShader on two cores is slow enough without two of them.
struct Session {
    browser: Browser,
    _turn: std::sync::MutexGuard<'static, ()>,
}

fn session() -> Session {
    static TURN: Mutex<()> = Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    Session {
        browser: Browser::launch(&WEBGPU_FLAGS, VIEW),
        _turn: turn,
    }
}

/// A new tab of `session`'s browser at the page (with `suffix`: a query or fragment), once
/// it drew or failed.
fn open<'b>(session: &'b Session, suffix: &str) -> Tab<'b> {
    let tab = session.browser.open(&format!("{}{suffix}", server()));
    tab.wait_for(
        "window.descentPage && (window.descentPage.firstFrameMs > 0 || !!window.descentPage.lastError)",
        PATIENCE,
    );
    tab
}

fn eval(tab: &Tab, js: &str) -> Value {
    tab.eval(js)
}

fn wait_for(tab: &Tab, condition: &str) {
    tab.wait_for(condition, PATIENCE);
}

fn no_error(tab: &Tab) {
    let error = eval(tab, "window.descentPage.lastError || ''");
    let log = eval(tab, "window.descentPage.log.join('\\n')");
    assert_eq!(
        error,
        Value::String(String::new()),
        "the page shows an error; its log: {log}"
    );
}

/// `descent.run(spec)` in the page.
fn page_run(tab: &Tab, spec: &str) -> Value {
    wait_for(tab, "window.descent && window.descent.run");
    eval(
        tab,
        &format!("window.descent.run({spec}).then(r => JSON.stringify(r), e => JSON.stringify({{error: String(e)}}))"),
    )
    .as_str()
    .map(|s| serde_json::from_str(s).expect("json"))
    .expect("a JSON string")
}

/// The page's `descent.run` against the f64 reference of the same scene, built natively from
/// the same command line (`descent run ARGS`).
fn check_against_reference(tab: &Tab, spec: &str, args: &[&str]) {
    let got = page_run(tab, spec);
    assert!(got.get("error").is_none(), "{spec}: {got}");
    let mut argv = vec!["descent", "run"];
    argv.extend_from_slice(args);
    let cli = descent::cli::parse_from(argv).expect("args");
    let Some(descent::cli::Command::Run(run)) = cli.command else {
        panic!("not a run")
    };
    let scene = run.scene.build().expect("scene");
    let starts = scene.start_points();
    let want = descent::cpu::sim::simulate_scene(&scene, &starts, scene.steps).expect("reference");
    let xy = got["xy"].as_array().expect("xy");
    let loss = got["loss"].as_array().expect("loss");
    let status = got["status"].as_array().expect("status");
    assert_eq!(xy.len(), want.len(), "{spec}: particles");
    assert_eq!(status.len(), want.len());
    // The native GPU tests' tolerance (tests/sim_gpu.rs): f32 steps against f64.
    let close = |a: f64, b: f64| (a - b).abs() <= 2e-4 * (1.0 + b.abs());
    for (i, (path, reference)) in xy.iter().zip(&want).enumerate() {
        let path = path.as_array().expect("path");
        assert_eq!(path.len(), reference.len(), "{spec}: records of particle {i}");
        for (s, (p, r)) in path.iter().zip(reference).enumerate() {
            let (x, y) = (
                p[0].as_f64().unwrap_or(f64::NAN),
                p[1].as_f64().unwrap_or(f64::NAN),
            );
            let l = loss[i][s].as_f64().unwrap_or(f64::NAN);
            assert!(
                close(x, r.pos[0]) && close(y, r.pos[1]) && close(l, r.loss),
                "{spec}: particle {i} step {s}: page ({x}, {y}) loss {l}, reference {:?} loss {}",
                r.pos,
                r.loss
            );
        }
        let name = descent::trajectory::status_name(reference.last().expect("a point").status);
        assert_eq!(
            status[i],
            Value::String(name.into()),
            "{spec}: status of particle {i}"
        );
    }
}

#[test]
fn descent_run_in_the_page_matches_the_f64_reference_for_every_optimizer() {
    let session = session();
    let tab = open(&session, "?embed");
    let optimizers = [
        "gd:lr=0.05",
        "sgd:lr=0.02,momentum=0.9,nesterov=true",
        "sgd:lr=0.02,momentum=0.9,dampening=0.1,weight_decay=0.01",
        "adagrad:lr=0.3",
        "rmsprop:lr=0.01,centered=true,momentum=0.5",
        "adam:lr=0.05",
        "adam:lr=0.05,amsgrad=true",
        "adamw:lr=0.05,weight_decay=0.1",
        "nadam:lr=0.05",
        "radam:lr=0.05",
        "lion:lr=0.01",
    ];
    for o in optimizers {
        let spec = format!(
            "{{surface: 'rosenbrock', optimizers: ['{o}'], starts: [[-1.5, 2], [0.5, -0.5]], steps: 40}}"
        );
        check_against_reference(
            &tab,
            &spec,
            &[
                "--surface",
                "rosenbrock",
                "--optimizer",
                o,
                "--start=-1.5,2",
                "--start=0.5,-0.5",
                "--steps",
                "40",
            ],
        );
    }
    no_error(&tab);
}

#[test]
fn descent_run_in_the_page_follows_schedules_and_noise() {
    let session = session();
    let tab = open(&session, "?embed");
    check_against_reference(
        &tab,
        "{surface: 'himmelblau', optimizers: ['adam:lr=0.1', 'sgd:lr=0.01,momentum=0.9'], \
          schedules: ['cosine:T_max=30', 'step:step_size=10,gamma=0.5'], starts: [[0, 0], [-1, 3]], steps: 30}",
        &[
            "--surface",
            "himmelblau",
            "--optimizer",
            "adam:lr=0.1",
            "--schedule",
            "cosine:T_max=30",
            "--optimizer",
            "sgd:lr=0.01,momentum=0.9",
            "--schedule",
            "step:step_size=10,gamma=0.5",
            "--start=0,0",
            "--start=-1,3",
            "--steps",
            "30",
        ],
    );
    check_against_reference(
        &tab,
        "{surface: 'x^2 + 3*y^2', optimizers: ['sgd:lr=0.05,grad_noise=0.5'], starts: [[1, 1]], random: 4, seed: 7, steps: 25}",
        &[
            "--surface",
            "x^2 + 3*y^2",
            "--optimizer",
            "sgd:lr=0.05,grad_noise=0.5",
            "--start=1,1",
            "--random",
            "4",
            "--seed",
            "7",
            "--steps",
            "25",
        ],
    );
    // A bad spec is refused with the command line's own message.
    let bad = page_run(&tab, "{surface: 'x^2 +', steps: 5}");
    let message = bad["error"].as_str().expect("an error");
    assert!(message.contains("--surface"), "{message}");
    let unknown = page_run(&tab, "{stepz: 5}");
    assert!(
        unknown["error"]
            .as_str()
            .expect("an error")
            .contains("unexpected keyword argument 'stepz'"),
        "{unknown}"
    );
}

#[test]
fn without_webgpu_the_page_says_so() {
    // No WebGPU flags: chromium offers no adapter here.
    let browser = Browser::launch(&["--headless=new"], VIEW);
    let tab = browser.open(server());
    wait_for(&tab, "window.descentPage.lastError === 'no WebGPU'");
    let text = eval(&tab, "document.getElementById('no-webgpu').innerText");
    let text = text.as_str().expect("text");
    assert!(text.contains("needs WebGPU") && text.contains("Chrome"), "{text}");
    let shown = eval(
        &tab,
        "getComputedStyle(document.getElementById('no-webgpu')).display",
    );
    assert_eq!(shown, Value::String("block".into()));
}

#[test]
fn a_bad_fragment_shows_the_located_error_and_the_default_scene_plays() {
    let session = session();
    let tab = open(&session, "#scene=%5Bsurface%5D%0Aname%20%3D%20%22nope%22%0A");
    let error = eval(&tab, "window.descentPage.lastError || ''");
    let error = error.as_str().expect("text");
    assert!(error.contains("link:2") && error.contains("nope"), "{error}");
    assert!(error.contains("default scene"), "{error}");
    wait_for(&tab, "window.descentPage.firstFrameMs > 0");
}

/// The page's next frame as it draws it (`descent.capture()`: chromium on SwiftShader renders
/// WebGPU but does not composite the canvas, so its own screenshots are blank), saved where a
/// person can look at it.
fn screenshot(tab: &Tab, name: &str) -> image::RgbaImage {
    let b64 = eval(
        tab,
        "window.descent.capture().then(png => { let s = ''; for (const b of png) s += String.fromCharCode(b); return btoa(s); })",
    );
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64.as_str().expect("a PNG"))
        .expect("base64");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web_page");
    std::fs::create_dir_all(&dir).expect("output folder");
    std::fs::write(dir.join(name), &png).expect("write screenshot");
    image::load_from_memory(&png).expect("png").to_rgba8()
}

#[test]
fn a_link_reproduces_its_scene_and_edits_follow_in_the_fragment() {
    let scene = "[surface]\nexpr = \"x^2 + 4*y^2\"\ndomain = [-2.0, 2.0, -2.0, 2.0]\n[[optimizer]]\nname = \"adam\"\nlr = 0.1\n[starts]\npoints = [[1.5, 1.5]]\n[run]\nsteps = 50\n";
    let session = session();
    let encoded = uri_component(scene);
    let tab = open(&session, &format!("#scene={encoded}"));
    no_error(&tab);
    wait_for(&tab, "location.hash.includes('x%5E2')");
    // The URL now holds the scene as the page wrote it (with the camera): reading it back
    // gives the same trajectories as the file it came from.
    let hash = eval(&tab, "decodeURIComponent(location.hash.slice(7))");
    let written = hash.as_str().expect("text");
    let original =
        descent::scene::Scene::parse_with("a.toml", scene, &descent::scene::no_files).expect("scene");
    let reread = descent::scene::Scene::parse_with("b.toml", written, &descent::scene::no_files)
        .expect("the fragment parses");
    assert_eq!(reread.start_points(), original.start_points());
    assert_eq!(reread.steps, original.steps);
    assert_eq!(reread.surface.domain, original.surface.domain);
    assert_eq!(
        format!("{:?}", reread.optimizers),
        format!("{:?}", original.optimizers)
    );
    // A drag on the canvas orbits: the camera in the fragment changes.
    let before = eval(&tab, "location.hash");
    let (cx, cy) = (f64::from(VIEW.0) * 0.6, f64::from(VIEW.1) * 0.5);
    // As a person drags: over frames (a press, moves and release in one frame are a click to
    // egui), once the run is over and SwiftShader draws the still page quickly.
    wait_for(&tab, "window.descentPage.settled");
    tab.mouse("mousePressed", cx, cy, 0);
    for k in 1..=20 {
        std::thread::sleep(Duration::from_millis(100));
        tab.mouse("mouseMoved", cx + 6.0 * f64::from(k), cy, 0);
    }
    std::thread::sleep(Duration::from_millis(300));
    tab.mouse("mouseReleased", cx + 120.0, cy, 0);
    wait_for(&tab, &format!("location.hash !== {before}"));
    let after = eval(&tab, "decodeURIComponent(location.hash)");
    assert!(after.as_str().expect("text").contains("azim"), "{after}");
    screenshot(&tab, "link.png");
}

#[test]
fn the_page_plays_the_post_scene_with_its_panel() {
    let session = session();
    let tab = open(&session, "");
    no_error(&tab);
    // Let it play a while: the post's 200 steps at the window's speed.
    std::thread::sleep(Duration::from_secs(5));
    let image = screenshot(&tab, "page.png");
    // The panel on the left is egui's light grey; the 3D view on the right shows the surface
    // in coolwarm's colours: some clearly blue and some clearly red pixels.
    let (w, h) = image.dimensions();
    let view = |f: &dyn Fn(&image::Rgba<u8>) -> bool| {
        (w / 3..w)
            .flat_map(|x| (0..h).map(move |y| (x, y)))
            .filter(|&(x, y)| f(image.get_pixel(x, y)))
            .count()
    };
    let blue = view(&|p| i32::from(p[2]) > i32::from(p[0]) + 40);
    let red = view(&|p| i32::from(p[0]) > i32::from(p[2]) + 40);
    assert!(
        blue > 2000 && red > 2000,
        "the surface is not drawn: {blue} blue, {red} red pixels"
    );
}

#[test]
fn a_click_on_the_surface_adds_a_start_there() {
    let session = session();
    let tab = open(&session, "?embed");
    no_error(&tab);
    let points = |tab: &Tab| -> Vec<[f64; 2]> {
        let hash = eval(tab, "decodeURIComponent(location.hash.slice(7))");
        let scene =
            descent::scene::Scene::parse_with("link", hash.as_str().unwrap_or(""), &descent::scene::no_files)
                .expect("the fragment parses");
        scene.starts.points
    };
    wait_for(&tab, "location.hash.startsWith('#scene=')");
    let before = points(&tab);
    // The saddle fills the middle of the view (see page.png): a click there meets it.
    let (x, y) = (f64::from(VIEW.0) * 0.5, f64::from(VIEW.1) * 0.4);
    tab.mouse("mousePressed", x, y, 0);
    tab.mouse("mouseReleased", x, y, 0);
    let count = before.len();
    let start = std::time::Instant::now();
    let mut after = points(&tab);
    while after.len() == count && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(300));
        after = points(&tab);
    }
    assert_eq!(
        after.len(),
        count + 1,
        "no start was added: {before:?} -> {after:?}"
    );
    let new = after[count];
    assert!(
        (-1.0..=1.0).contains(&new[0]) && (-1.0..=1.0).contains(&new[1]),
        "the new start {new:?} is outside the saddle's domain"
    );
    screenshot(&tab, "click.png");
}

/// A page whose run has ended and whose readbacks are in rests: it draws no frame until
/// something changes, and a drag draws again. (Every finished frame used to wake the loop
/// for the next, so an idle page drew 58 frames a second for ever.)
#[test]
fn a_settled_page_rests_until_input() {
    let session = session();
    let scene = "[surface]\nname = \"saddle\"\n[[optimizer]]\nname = \"gd\"\nlr = 0.01\n\
        [starts]\npoints = [[1.0, 0.25]]\n[run]\nsteps = 20\n";
    let tab = open(&session, &format!("?embed#scene={}", uri_component(scene)));
    no_error(&tab);
    wait_for(&tab, "window.descentPage.settled");
    let frames = |tab: &Tab| eval(tab, "window.descentPage.frames").as_f64().expect("a count");
    std::thread::sleep(Duration::from_secs(1));
    let rested = frames(&tab);
    std::thread::sleep(Duration::from_secs(3));
    let idle = frames(&tab) - rested;
    assert!(idle <= 1.0, "a settled page drew {idle} frames in 3 s");
    let (x, y) = (f64::from(VIEW.0) * 0.5, f64::from(VIEW.1) * 0.4);
    tab.mouse("mousePressed", x, y, 0);
    tab.mouse("mouseMoved", x + 60.0, y, 0);
    tab.mouse("mouseReleased", x + 60.0, y, 0);
    let start = std::time::Instant::now();
    while frames(&tab) <= rested + idle && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(frames(&tab) > rested + idle, "a drag did not draw a frame");
}

/// Two fingers spread apart on the view zoom in, as a phone's pinch does: the camera's
/// distance in the link shrinks, and the view neither orbits nor gains a start.
#[test]
fn a_two_finger_pinch_zooms_the_view() {
    let session = session();
    let tab = open(&session, "?embed");
    no_error(&tab);
    wait_for(&tab, "location.hash.startsWith('#scene=')");
    wait_for(&tab, "window.descentPage.settled");
    let scene = || {
        let hash = eval(&tab, "decodeURIComponent(location.hash.slice(7))");
        descent::scene::Scene::parse_with("link", hash.as_str().unwrap_or(""), &descent::scene::no_files)
            .expect("the fragment parses")
    };
    let before = scene();
    let default = descent::camera::OrbitCamera::post().distance;
    let dist = |s: &descent::scene::Scene| s.view.dist.map_or(f64::from(default), f64::from);
    let (cx, cy) = (f64::from(VIEW.0) * 0.5, f64::from(VIEW.1) * 0.45);
    let fingers = |half: f64| [(cx - half, cy), (cx + half, cy)];
    tab.touches("touchStart", &fingers(20.0));
    for k in 1..=20 {
        std::thread::sleep(Duration::from_millis(100));
        tab.touches("touchMove", &fingers(20.0 + 5.0 * f64::from(k)));
    }
    std::thread::sleep(Duration::from_millis(300));
    tab.touches("touchEnd", &[]);
    let deadline = std::time::Instant::now() + PATIENCE;
    let mut after = scene();
    while dist(&after) >= dist(&before) {
        assert!(
            std::time::Instant::now() < deadline,
            "a pinch did not zoom: dist {} -> {}",
            dist(&before),
            dist(&after)
        );
        std::thread::sleep(Duration::from_millis(250));
        after = scene();
    }
    assert!(
        dist(&after) < 0.8 * dist(&before),
        "{} -> {}",
        dist(&before),
        dist(&after)
    );
    assert_eq!(
        (after.view.azim, after.view.elev),
        (before.view.azim, before.view.elev)
    );
    assert_eq!(after.starts.points.len(), before.starts.points.len());
    screenshot(&tab, "pinch.png");
}

/// The page's frame of `scene` once its run has ended, against `descent render --still` of
/// the same scene at the same size (one sample per pixel, as the page draws on a CPU adapter),
/// within the golden images' tolerance.
fn compare_with_still(session: &Session, name: &str, scene: &str) {
    let (native, page) = page_and_still(session, name, scene);
    assert_alike(name, &native, &page, common::golden::BUDGET);
}

/// The page's frame of `scene` once its run has ended (and its readbacks are in), and
/// `descent render --still` of it.
fn page_and_still(session: &Session, name: &str, scene: &str) -> (image::RgbaImage, image::RgbaImage) {
    let encoded = uri_component(scene);
    let tab = open(session, &format!("?embed#scene={}", encoded));
    no_error(&tab);
    // The run played to its end, and every readback it draws from arrived.
    wait_for(&tab, "window.descentPage.settled");
    // The page's log, kept beside its picture (read first: a page that stopped answers this).
    let log = eval(&tab, "window.descentPage.log.join('\\n')");
    std::fs::write(
        out_dir().join(format!("{name}-page.log")),
        log.as_str().unwrap_or_default(),
    )
    .expect("log");
    no_error(&tab);
    let page = screenshot(&tab, &format!("{name}-page.png"));
    let (w, h) = page.dimensions();
    let file = out_dir().join(format!("{name}.toml"));
    std::fs::write(&file, scene).expect("scene file");
    let still = out_dir().join(format!("{name}-native.png"));
    let status = Command::new(env!("CARGO_BIN_EXE_descent"))
        .arg("render")
        .arg(&file)
        .arg("--still")
        .arg(&still)
        .args(["--size", &format!("{w}x{h}"), "--msaa", "1"])
        .status()
        .expect("descent render");
    assert!(status.success());
    (image::open(&still).expect("the still").to_rgba8(), page)
}

fn out_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web_page")
}

/// `page` and `native` differ in at most `budget` of their pixels (the diff is saved).
fn assert_alike(name: &str, native: &image::RgbaImage, page: &image::RgbaImage, budget: f64) {
    let c = common::golden::compare(native, page);
    c.diff
        .save(out_dir().join(format!("{name}-diff.png")))
        .expect("diff");
    assert!(
        c.failing as f64 <= budget * c.total as f64,
        "{name}: {} of {} pixels differ, more than {budget} of them (see {})",
        c.failing,
        c.total,
        out_dir().display()
    );
}

#[test]
fn the_pages_frame_is_descent_renders_still() {
    let session = session();
    let post = "title = \"Gradient descent on a saddle\"\n[surface]\nname = \"saddle\"\n\
        domain = [-1.0, 1.0, -1.0, 1.0]\n[[optimizer]]\nname = \"gd\"\nlr = 0.01\n[starts]\n\
        points = [[1.0, 0.0], [1.0, 0.25]]\n[run]\nsteps = 200\n[view]\ncamera = \"post\"\ngrid_lines = true\n";
    compare_with_still(&session, "post", post);
    let swarm = "[surface]\nname = \"himmelblau\"\n[[optimizer]]\nname = \"adam\"\nlr = 0.05\n\
        [starts]\nrandom = 100000\nseed = 3\n[run]\nsteps = 60\n[view]\ntrails = \"density\"\n";
    compare_with_still(&session, "density", swarm);
}

/// Hundreds of translucent trails crossing: SwiftShader and lavapipe rasterise their edges
/// apart (2 to 4% of the pixels, all on trail edges), so the whole frame gets `budget`. The
/// legend and the maps, at the right, must match but for one pixel column at a map's edge
/// (177 pixels, 0.13%: the rasterisers sample the inset's last texel apart).
fn assert_alike_but_trail_edges(name: &str, native: &image::RgbaImage, page: &image::RgbaImage, budget: f64) {
    assert_alike(name, native, page, budget);
    let right = |im: &image::RgbaImage| {
        image::imageops::crop_imm(im, 770, 0, im.width() - 770, im.height()).to_image()
    };
    assert_alike(
        &format!("{name}-legend-and-maps"),
        &right(native),
        &right(page),
        0.002,
    );
}

/// A scene of `assets/scenes`.
fn asset(name: &str) -> String {
    std::fs::read_to_string(format!("{}/assets/scenes/{name}", env!("CARGO_MANIFEST_DIR"))).expect("scene")
}

// What the page draws from the GPU's answers, which in a page arrive a frame later: the strip
// plots (from the trail), colours by outcome and start maps (from the run's end), a sweep's
// map, and a swarm's loss distribution (counted on the GPU). Each frame, once the run has
// ended, equals `descent render --still`.

#[test]
fn the_pages_strip_plots_are_descent_renders() {
    let plots = asset("saddle-two-starts.toml");
    assert!(plots.contains("plots = [\"xy\"]"));
    compare_with_still(&session(), "plots", &plots);
}

#[test]
fn the_pages_colours_by_outcome_and_start_map_are_descent_renders() {
    let basins = asset("himmelblau-basins.toml")
        .replace("grid = [316, 316]", "grid = [40, 40]")
        .replace("steps = 400", "steps = 150");
    assert!(basins.contains("start_map = true") && basins.contains("grid = [40, 40]"));
    let (native, page) = page_and_still(&session(), "basins", &basins);
    assert_alike_but_trail_edges("basins", &native, &page, 0.03);
}

#[test]
fn the_pages_sweep_map_is_descent_renders() {
    let sweep = asset("momentum-map.toml")
        .replace("count = 128", "count = 24")
        .replace("steps = 1000", "steps = 300");
    assert!(sweep.contains("count = 24"));
    let (native, page) = page_and_still(&session(), "sweep", &sweep);
    assert_alike_but_trail_edges("sweep", &native, &page, 0.05);
}

/// A map coloured by trainability: the page reads the sums at the run's end, as the native
/// program does (it coloured such maps by outcome before: most of the map's 250,000 pixels
/// differed). The map is chaotic near its boundary, where SwiftShader's and lavapipe's f32
/// arithmetic part: 13 of its 2,304 cells differ (0.27% of the frame's pixels), so the budget
/// is 1%.
#[test]
fn the_pages_trainability_map_is_descent_renders() {
    let map = asset("cosine-quadratic.toml").replace("count = 512", "count = 48");
    assert!(map.contains("count = 48") && map.contains("sweep_score = \"trainability\""));
    let (native, page) = page_and_still(&session(), "trainability", &map);
    assert_alike("trainability", &native, &page, 0.01);
}

/// A model scene in the page: trained on the browser's GPU without blocking the page (the
/// view says how far training is meanwhile), then drawn as `descent render --still` draws
/// it. The page refused model scenes before.
#[test]
fn the_pages_model_scene_is_descent_renders() {
    let scene = asset("models/logistic-blobs.toml");
    assert!(scene.contains("[model]"));
    compare_with_still(&session(), "model", &scene);
}

/// A model scene's map in the page: its networks trained between frames, coarse to fine, as
/// in the window (the page refused it before), ending as `descent render --still` draws it.
/// Like any trainability map it is chaotic at its boundary, where SwiftShader's and
/// lavapipe's f32 arithmetic part: the budget is 1% of the frame.
#[test]
fn the_pages_model_map_is_descent_renders() {
    let map = "title = \"trainability\"\n[model]\nmodel = \"mlp:4-4-1:tanh:nobias:meanfield\"\n\
        loss = \"mse\"\ndata = \"teacher:n=20,d=4\"\n[[optimizer]]\nname = \"sgd\"\n\
        lr_layer0 = { from = 1e-2, to = 1e4, count = 24, scale = \"log\" }\n\
        lr_layer1 = { from = 1e-2, to = 1e4, count = 20, scale = \"log\" }\n[run]\nsteps = 30\n\
        [view]\nsweep_score = \"trainability\"\nlayout = \"map\"\n";
    let (native, page) = page_and_still(&session(), "model-map", map);
    assert_alike("model-map", &native, &page, 0.01);
}

/// The panel's "open a scene" menu in the page lists the shipped scenes (built in: a page
/// reads no files); one picked replaces the scene and the link follows.
#[test]
fn the_pages_panel_opens_a_shipped_scene() {
    let session = session();
    let tab = open(&session, "");
    no_error(&tab);
    let click = |(x, y): (f64, f64)| {
        tab.mouse("mousePressed", x, y, 0);
        tab.mouse("mouseReleased", x, y, 0);
    };
    click(widget_centre(&tab, "open a scene"));
    click(widget_centre(&tab, "linear-regression"));
    let title = descent::scene::library::shipped("linear-regression.toml")
        .expect("shipped")
        .expect("parses")
        .title
        .expect("a title");
    wait_for(
        &tab,
        &format!(
            "decodeURIComponent(location.hash).includes({})",
            serde_json::to_string(&title).expect("json")
        ),
    );
    wait_for(&tab, "window.descentPage.settled");
    no_error(&tab);
    screenshot(&tab, "opened.png");
}

/// Pixels of the picked group's highlight colour in the 3D view (left of the legend and maps).
fn highlighted(im: &image::RgbaImage) -> usize {
    let [r, g, b, _] = descent::outcome::sweep_view::HIGHLIGHT;
    im.enumerate_pixels()
        .filter(|(x, _, p)| {
            *x < 770 && p[0].abs_diff(r) < 40 && p[1].abs_diff(g) < 40 && p[2].abs_diff(b) < 40
        })
        .count()
}

/// A click on a sweep map's pixel in the page picks that group: its paths are drawn over the
/// 3D view in the highlight colour (read back as a page reads; they never came before).
#[test]
fn a_click_on_the_pages_sweep_map_draws_the_groups_paths() {
    let sweep = asset("momentum-map.toml")
        .replace("count = 128", "count = 24")
        .replace("steps = 1000", "steps = 300");
    let session = session();
    let tab = open(&session, &format!("?embed#scene={}", uri_component(&sweep)));
    no_error(&tab);
    wait_for(&tab, "window.descentPage.settled");
    let before = highlighted(&screenshot(&tab, "pick-before.png"));
    let (x, y) = widget_centre(&tab, "inset 0");
    tab.mouse("mousePressed", x, y, 0);
    tab.mouse("mouseReleased", x, y, 0);
    let start = std::time::Instant::now();
    let mut after = before;
    while after < before + 100 && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(500));
        after = highlighted(&screenshot(&tab, "pick-after.png"));
    }
    assert!(
        after >= before + 100,
        "the picked group's paths: {before} highlighted pixels before the click, {after} after"
    );
}

#[test]
fn the_pages_loss_distribution_is_descent_renders() {
    let swarm = "[surface]\nname = \"himmelblau\"\n[[optimizer]]\nname = \"adam\"\nlr = 0.05\n\
        [starts]\nrandom = 2000\nseed = 5\n[run]\nsteps = 120\n[view]\nplots = [\"loss\"]\n";
    compare_with_still(&session(), "distribution", swarm);
}

/// The centre of the panel's widget labelled `label` (CSS pixels), as `descent.widgets()`
/// reports it from egui's accessibility tree.
fn widget_centre(tab: &Tab, label: &str) -> (f64, f64) {
    let find = format!(
        "window.descent.widgets().find(w => w.label === {})",
        serde_json::to_string(label).expect("json")
    );
    wait_for(tab, &format!("!!({find})"));
    let w = eval(tab, &format!("JSON.stringify({find})"));
    let w: Value = serde_json::from_str(w.as_str().expect("json")).expect("json");
    let at = |k: &str| w[k].as_f64().expect("a number");
    (at("x") + at("width") / 2.0, at("y") + at("height") / 2.0)
}

/// An edit in the panel follows in the fragment: a click on an optimizer's checkbox, found
/// by its label, turns the option on in the link; and a finger's drag orbits as the mouse's.
#[test]
fn a_panel_edit_changes_the_fragment_and_a_touch_drag_orbits() {
    let scene = "[surface]\nname = \"rosenbrock\"\n[[optimizer]]\nname = \"sgd\"\nlr = 0.001\nmomentum = 0.9\n\
        [starts]\npoints = [[-1.5, 2.0]]\n[run]\nsteps = 100\n";
    let session = session();
    let encoded = uri_component(scene);
    let tab = open(&session, &format!("#scene={}", encoded));
    no_error(&tab);
    wait_for(&tab, "location.hash.includes('momentum')");
    let fragment = || {
        eval(&tab, "decodeURIComponent(location.hash)")
            .as_str()
            .expect("text")
            .to_string()
    };
    assert!(!fragment().contains("nesterov = true"), "{}", fragment());
    let (x, y) = widget_centre(&tab, "nesterov");
    assert!(
        x < f64::from(VIEW.0) / 2.0,
        "the checkbox is in the panel, at the left: {x}"
    );
    tab.mouse("mousePressed", x, y, 0);
    tab.mouse("mouseReleased", x, y, 0);
    wait_for(
        &tab,
        "decodeURIComponent(location.hash).includes('nesterov = true')",
    );
    let scene = fragment();
    let reread =
        descent::scene::Scene::parse_with("link", &scene["#scene=".len()..], &descent::scene::no_files)
            .expect("the fragment parses");
    assert!(
        format!("{:?}", reread.optimizers[0]).contains("nesterov"),
        "{scene}"
    );
    screenshot(&tab, "panel-edit.png");

    // A finger dragged across the 3D view turns the camera: the azimuth in the link changes.
    let azimuth = |text: &str| {
        let at = text.find("azim").expect("the camera's azimuth in the link");
        text[at..].split(['\n', ',']).next().expect("a line").to_string()
    };
    let before = azimuth(&fragment());
    let (cx, cy) = (f64::from(VIEW.0) * 0.7, f64::from(VIEW.1) * 0.5);
    wait_for(&tab, "window.descentPage.settled");
    tab.touch("touchStart", cx, cy);
    for k in 1..=20 {
        std::thread::sleep(Duration::from_millis(100));
        tab.touch("touchMove", cx - 5.0 * f64::from(k), cy);
    }
    std::thread::sleep(Duration::from_millis(300));
    tab.touch("touchEnd", cx - 100.0, cy);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while azimuth(&fragment()) == before {
        assert!(
            std::time::Instant::now() < deadline,
            "a touch drag did not orbit: {before}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// F12 (the panel's "screenshot" button) at a record size (`?record-size=`, as the panel's
/// choice sets it): the browser is handed a PNG of that size, the view drawn offscreen, not
/// the canvas's.
#[test]
fn a_screenshot_at_the_record_size_is_a_png_of_that_size() {
    let session = session();
    let tab = open(&session, "?record-size=1280x720");
    no_error(&tab);
    // Keep what the page hands the browser instead of downloading it.
    eval(
        &tab,
        "window.shots = []; window.descentPage.download = (name, bytes, mime) => \
         window.shots.push({ name, mime, head: Array.from(bytes.slice(0, 24)) }); true",
    );
    // The widget tree comes with the next frame once asked for: a pointer move draws one.
    eval(&tab, "window.descent.widgets().length");
    tab.mouse("mouseMoved", 20.0, 20.0, 0);
    let (x, y) = widget_centre(&tab, "screenshot (F12)");
    tab.mouse("mousePressed", x, y, 0);
    tab.mouse("mouseReleased", x, y, 0);
    wait_for(&tab, "window.shots.length === 1");
    let shot = eval(&tab, "JSON.stringify(window.shots[0])");
    let shot: Value = serde_json::from_str(shot.as_str().expect("json")).expect("json");
    assert_eq!(shot["mime"], "image/png", "{shot}");
    let head: Vec<u8> = shot["head"]
        .as_array()
        .expect("bytes")
        .iter()
        .map(|b| b.as_u64().expect("a byte") as u8)
        .collect();
    assert_eq!(&head[..8], b"\x89PNG\r\n\x1a\n", "{shot}");
    // IHDR: width and height, big-endian, at bytes 16 and 20; the canvas is smaller.
    let at = |k: usize| u32::from_be_bytes([head[k], head[k + 1], head[k + 2], head[k + 3]]);
    assert_eq!((at(16), at(20)), (1280, 720), "{shot}");
    assert!(VIEW.0 < 1280, "the canvas is {VIEW:?}");
}
