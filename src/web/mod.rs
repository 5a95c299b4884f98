//! The page: the native window's viewer in a canvas, on the browser's WebGPU (wasm32 only).
//!
//! - The URL fragment is the scene: `#scene=` and the scene file's TOML, URI-encoded. It is
//!   read at start (a bad one shows the same located error as the command line, and the
//!   default scene plays) and follows every edit and camera move.
//! - `window.descent.run(spec)` (see `run.rs`): the Python module's `descent.run`, a Promise.
//! - The page's script (`assets/web/page.js`) checks for WebGPU before loading this, shows
//!   errors, and holds the recorder and downloads.

mod log_console;
mod run;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::app::viewer::{PANEL_REFRESH, Viewer, ViewerOptions};
use crate::gpu::Gpu;
use crate::scene::{Scene, no_files};

/// The fragment's key for the scene.
const SCENE_KEY: &str = "scene=";
/// How often the URL is brought up to date with the scene and camera.
const URL_REFRESH_MS: f64 = 250.0;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = descentPage, js_name = showError)]
    fn show_error(text: &str);
    /// After every frame: whether the run has ended and every readback it drew from is in.
    #[wasm_bindgen(js_namespace = descentPage, js_name = started)]
    fn page_started(settled: bool);
    #[wasm_bindgen(js_namespace = descentPage, js_name = copyText)]
    fn copy_text(text: &str);
}

/// The page's entry: reads the scene from the fragment and starts the viewer in `#descent`.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let text = format!("descent stopped: {info}");
        web_sys::console::error_1(&text.clone().into());
        show_error(&text);
    }));
    log_console::init();
    if let Err(e) = start_viewer() {
        show_error(&format!("{e:#}"));
    }
}

/// `record-size=WxH` in the page's query, if given; a bad one is an error naming it.
fn record_size_of(search: &str) -> anyhow::Result<Option<[u32; 2]>> {
    let Some(text) = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|item| item.strip_prefix("record-size="))
    else {
        return Ok(None);
    };
    let size = text
        .split_once('x')
        .and_then(|(w, h)| Some([w.parse::<u32>().ok()?, h.parse::<u32>().ok()?]))
        .filter(|s| s.iter().all(|&v| v > 0));
    size.map(Some)
        .ok_or_else(|| anyhow::anyhow!("?record-size={text}: expected WIDTHxHEIGHT, e.g. 1920x1080"))
}

fn start_viewer() -> anyhow::Result<()> {
    use anyhow::Context;
    let window = web_sys::window().context("no window")?;
    let document = window.document().context("no document")?;
    let canvas: web_sys::HtmlCanvasElement = document
        .get_element_by_id("descent")
        .context("the page has no canvas #descent")?
        .dyn_into()
        .map_err(|_| anyhow::anyhow!("#descent is not a canvas"))?;
    let fragment = window.location().hash().unwrap_or_default();
    let scene = match scene_from_fragment(&fragment) {
        Ok(Some(scene)) => scene,
        Ok(None) => Scene::default_scene(),
        Err(e) => {
            show_error(&format!("{e}\nThe default scene plays instead."));
            Scene::default_scene()
        }
    };
    let size = [
        canvas.client_width().max(1) as u32,
        canvas.client_height().max(1) as u32,
    ];
    let (settings, camera) =
        crate::render::view_settings(&scene.view, size, 0).map_err(anyhow::Error::msg)?;
    let search = window.location().search().unwrap_or_default();
    let options = ViewerOptions {
        scene,
        size,
        capture_dir: "downloads".into(),
        // `?record-size=1920x1080`: screenshots at that size (the window's `--record-size`).
        record_size: record_size_of(&search)?,
        exit_after_frames: None,
        paused: false,
        settings,
        camera,
        panel_refresh: PANEL_REFRESH,
        // `?embed`: the view alone, for an iframe.
        panel: !search.contains("embed"),
    };
    let last = RefCell::new((f64::NEG_INFINITY, fragment));
    let copied = RefCell::new(0u64);
    let hook = Box::new(move |viewer: &Viewer, _gpu: &Gpu| {
        if let Some((n, text)) = viewer.copied()
            && *n != *copied.borrow()
        {
            *copied.borrow_mut() = *n;
            copy_text(text);
        }
        page_started(viewer.has_ended() && !crate::gpu::later::in_flight());
        let now = js_sys::Date::now();
        let mut last = last.borrow_mut();
        if now - last.0 < URL_REFRESH_MS {
            return;
        }
        last.0 = now;
        let fragment = fragment_of(viewer);
        if fragment != last.1 {
            replace_fragment(&fragment);
            last.1 = fragment;
        }
    });
    let failed = Box::new(|why: String| show_error(&why));
    crate::app::run_in_page(options, canvas, hook, failed)
}

/// The scene in a fragment (`#scene=...`), `None` when it names none.
pub fn scene_from_fragment(fragment: &str) -> Result<Option<Scene>, String> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let Some(encoded) = fragment.strip_prefix(SCENE_KEY) else {
        return Ok(None);
    };
    let text = js_sys::decode_uri_component(encoded)
        .map_err(|_| "the link's scene is not valid URI encoding".to_string())?
        .as_string()
        .unwrap_or_default();
    Scene::parse_with("link", &text, &no_files)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The fragment of what the viewer shows: its scene, with the camera where it is now.
fn fragment_of(viewer: &Viewer) -> String {
    let encoded = js_sys::encode_uri_component(&viewer.shown_scene().to_toml());
    format!("#{SCENE_KEY}{}", String::from(encoded))
}

fn replace_fragment(fragment: &str) {
    let Some(window) = web_sys::window() else { return };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(fragment));
    }
}
