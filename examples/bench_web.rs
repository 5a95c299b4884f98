//! The page against the native program on this machine, side by side in one run and on the
//! same adapter: chromium's WebGPU runs on SwiftShader, and so does the native side here
//! (chromium ships SwiftShader's Vulkan driver; `--native-driver` picks another). Prints
//! - particle-steps per second of `descent bench`'s case (Adam on Rosenbrock from a grid of
//!   starts), timed by the same code (`bench_case::time_gpu`) natively and in the page;
//! - frames per second drawing the post's saddle one step a frame (`bench_case::time_frames`,
//!   offscreen, each frame finished before the next), natively and in the page;
//! - frames per second of the page on screen, the browser's compositing included (the bench's
//!   browser is not held to the display's rate, so this is what a frame costs);
//! - the time from opening the page to its first frame, and the bundle's size.
//!
//! cargo run --release --example bench_web [-- --particles 10000,100000 --native-driver FILE]
//! (run it with `VK_DRIVER_FILES` as for the tests: chromium gets it back)
//!
//! It builds the page (scripts/build-web.sh) and needs chromium, as the browser tests do.

#[path = "../tests/browser/mod.rs"]
#[allow(dead_code)]
mod browser;

use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use browser::uri_component;
use descent::gpu::{AdapterPreference, Gpu};

const SWIFTSHADER: &str = "/usr/lib/chromium/vk_swiftshader_icd.json";
const VIEW: (u32, u32) = (1000, 700);
const FLAGS: [&str; 6] = [
    "--enable-unsafe-webgpu",
    "--enable-features=Vulkan,VulkanFromANGLE",
    "--use-angle=vulkan",
    "--headless=new",
    // Frames as fast as they come, not at the display's 60 per second: what a frame costs.
    "--disable-frame-rate-limit",
    "--disable-gpu-vsync",
];
/// Frames each side draws of the frame case.
const FRAMES: u32 = 300;
/// A scene that is over at once: the simulation benchmark runs in a page that draws nothing.
const QUIET_SCENE: &str = "[surface]\nname = \"saddle\"\n[[optimizer]]\nname = \"gd\"\nlr = 0.01\n\
    [starts]\npoints = [[1.0, 0.25]]\n[run]\nsteps = 1\n";
const FPS_SECONDS: f64 = 5.0;

fn main() -> Result<()> {
    let mut particles = vec![10_000u32, 100_000];
    let mut steps = 2000u32;
    let mut driver = SWIFTSHADER.to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--particles" => {
                let list = args.next().context("--particles needs a list")?;
                particles = list
                    .split(',')
                    .map(|n| n.trim().parse().with_context(|| format!("--particles: {n:?}")))
                    .collect::<Result<_>>()?;
            }
            "--steps" => {
                let n = args.next().context("--steps needs a count")?;
                steps = n.trim().parse().with_context(|| format!("--steps: {n:?}"))?;
            }
            "--native-driver" => driver = args.next().context("--native-driver needs a file")?,
            other => bail!("unknown argument {other:?} (--particles LIST, --steps N, --native-driver FILE)"),
        }
    }
    if !std::path::Path::new(&driver).exists() {
        bail!("{driver} is missing (chromium's package ships SwiftShader's Vulkan driver)");
    }
    // SAFETY: set before any thread starts; the Vulkan loader reads it when wgpu's instance
    // is made, below. Chromium gets the caller's value back (with SwiftShader's file it finds
    // no WebGPU adapter).
    let callers = std::env::var_os("VK_DRIVER_FILES");
    unsafe { std::env::set_var("VK_DRIVER_FILES", &driver) };

    let root = env!("CARGO_MANIFEST_DIR");
    let status = std::process::Command::new("bash")
        .arg(format!("{root}/scripts/build-web.sh"))
        .status()
        .context("run scripts/build-web.sh")?;
    if !status.success() {
        bail!("scripts/build-web.sh failed");
    }
    let wasm = std::path::Path::new(root).join("target/web/descent_bg.wasm");
    let bytes = std::fs::read(&wasm).with_context(|| format!("{}", wasm.display()))?;
    let gzipped = gzip_size(&wasm)?;

    let gpu = Gpu::new(AdapterPreference::Software)?;
    let native_rates: Vec<f64> = particles
        .iter()
        .map(|&n| pollster::block_on(descent::bench_case::time_gpu(&gpu, n, steps)).map(|t| t.rate()))
        .collect::<Result<_, _>>()?;
    let native_frames = pollster::block_on(descent::bench_case::time_frames(&gpu, [VIEW.0, VIEW.1], FRAMES))?;

    // SAFETY: the native measurements are done; the threads the driver started do not read
    // the environment.
    match &callers {
        Some(v) => unsafe { std::env::set_var("VK_DRIVER_FILES", v) },
        None => unsafe { std::env::remove_var("VK_DRIVER_FILES") },
    }
    let url = serve(root);
    let chromium = browser::Browser::launch(&FLAGS, VIEW);
    let started = Instant::now();
    let tab = chromium.open(&format!(
        "{url}?embed#scene={}",
        uri_component(descent::bench_case::FRAME_SCENE)
    ));
    tab.wait_for(
        "window.descentPage && window.descentPage.firstFrameMs > 0",
        Duration::from_secs(300),
    );
    let first_frame_ms = tab
        .eval("window.descentPage.firstFrameMs")
        .as_f64()
        .unwrap_or(f64::NAN);
    eprintln!(
        "page open, first frame after {first_frame_ms:.0} ms ({:.1} s with the browser's start)",
        started.elapsed().as_secs_f64()
    );
    std::thread::sleep(Duration::from_secs(2));
    let frames = || tab.eval("window.descentPage.frames").as_f64().unwrap_or(0.0);
    let (f0, t0) = (frames(), Instant::now());
    std::thread::sleep(Duration::from_secs_f64(FPS_SECONDS));
    let page_fps = (frames() - f0) / t0.elapsed().as_secs_f64();
    // The benchmark in a tab of its own, whose scene is over. The first tab is a window of its
    // own that would go on drawing, in the same GPU process: it goes blank first.
    tab.call("Page.navigate", serde_json::json!({ "url": "about:blank" }));
    let tab = chromium.open(&format!("{url}?embed#scene={}", uri_component(QUIET_SCENE)));
    tab.wait_for(
        "window.descentPage && window.descentPage.settled",
        Duration::from_secs(300),
    );
    let page_adapter = tab.eval("window.descent.bench(1000, 3).then(r => r.adapter)");
    let r = tab.eval(&format!(
        "window.descent.benchFrames({}, {}, {FRAMES}).then(r => r.rate)",
        VIEW.0, VIEW.1
    ));
    let page_frames = r
        .as_f64()
        .with_context(|| format!("descent.benchFrames gave {r}"))?;
    let mut page_rates = Vec::new();
    for &n in &particles {
        let r = tab.eval(&format!("window.descent.bench({n}, {steps}).then(r => r.rate)"));
        page_rates.push(
            r.as_f64()
                .with_context(|| format!("descent.bench({n}) gave {r}"))?,
        );
    }

    let mut out = std::io::stdout().lock();
    writeln!(out, "native: {} (VK_DRIVER_FILES={driver})", gpu.adapter_name())?;
    writeln!(
        out,
        "page:   {} in chromium, WebGPU",
        page_adapter.as_str().unwrap_or("?")
    )?;
    writeln!(
        out,
        "bundle: descent_bg.wasm {:.2} MB, {:.2} MB gzipped",
        bytes.len() as f64 / 1e6,
        gzipped as f64 / 1e6
    )?;
    writeln!(out, "first frame: {first_frame_ms:.0} ms from opening the page")?;
    writeln!(
        out,
        "{:>10}  {:>16}  {:>16}  {:>11}",
        "particles", "native steps/s", "page steps/s", "page/native"
    )?;
    for ((n, a), b) in particles.iter().zip(&native_rates).zip(&page_rates) {
        writeln!(out, "{n:>10}  {a:>16.4e}  {b:>16.4e}  {:>10.2}x", b / a)?;
    }
    writeln!(
        out,
        "frames/s, the post's saddle at {}x{}, one step a frame, offscreen: native {:.1}, page {page_frames:.1} ({:.2}x)",
        VIEW.0,
        VIEW.1,
        native_frames.rate(),
        page_frames / native_frames.rate()
    )?;
    writeln!(
        out,
        "frames/s of the page on screen, compositing included, as it plays: {page_fps:.1}"
    )?;
    Ok(())
}

/// Serves target/web from a thread; returns the address.
fn serve(root: &str) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    let dir = std::path::PathBuf::from(root).join("target/web");
    std::thread::spawn(move || {
        let served = descent::serve::serve(&dir, "127.0.0.1", 0, |url| {
            let _ = tx.send(url.to_string());
        });
        eprintln!("the server stopped: {served:?}");
    });
    rx.recv().expect("the server's address")
}

fn gzip_size(path: &std::path::Path) -> Result<u64> {
    let out = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .context("gzip")?;
    Ok(out.stdout.len() as u64)
}
