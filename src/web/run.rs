//! `window.descent.run(spec)`: the Python module's `descent.run` for a page's own script.
//!
//! The same keywords (`scene` as TOML text, `surface`, `domain`, `optimizers`, `starts`,
//! `grid`, `random`, `seed`, `steps`, `tol`, `schedules`, `every`) become the same command
//! line, parsed by the command line's own parser, so names, defaults, checks and messages are
//! `descent run`'s. The result has the module's shapes: `xy` [particle][record][2], `loss`
//! [particle][record], `status` one string per particle, plus `steps`, `optimizer` (group of
//! each particle) and `optimizers` (labels).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::cli::{Command, parse_from};
use crate::gpu::{AdapterPreference, Gpu};
use crate::trajectory::{TrajectoryArrays, run_scene_async, status_name};

/// Trail memory per readback chunk (the native export's 64 MiB is more than a page wants).
const CHUNK_BYTES: u64 = 16 << 20;

/// The keywords `run` takes, in the order their flags are written.
const KEYWORDS: [&str; 12] = [
    "scene",
    "surface",
    "domain",
    "optimizers",
    "starts",
    "grid",
    "random",
    "seed",
    "steps",
    "tol",
    "schedules",
    "every",
];

thread_local! {
    /// The page's compute context for `run`, opened on first use.
    static GPU: RefCell<Option<Rc<Gpu>>> = const { RefCell::new(None) };
}

async fn gpu() -> Result<Rc<Gpu>, JsValue> {
    if let Some(gpu) = GPU.with(|g| g.borrow().clone()) {
        return Ok(gpu);
    }
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::BROWSER_WEBGPU,
        ..wgpu::InstanceDescriptor::new_without_display_handle_from_env()
    });
    let gpu = Rc::new(
        Gpu::with_instance_async(instance, AdapterPreference::HighPerformance, None)
            .await
            .map_err(|e| js_error(&e.to_string()))?,
    );
    GPU.with(|g| *g.borrow_mut() = Some(gpu.clone()));
    Ok(gpu)
}

fn js_error(text: &str) -> JsValue {
    js_sys::Error::new(text).into()
}

/// `descent.run(spec)`: resolves to `{xy, loss, status, steps, optimizer, optimizers}`.
#[wasm_bindgen(js_name = run)]
pub async fn run_js(spec: JsValue) -> Result<JsValue, JsValue> {
    let (argv, scene_text) = argv_of(&spec)?;
    let cli = parse_from(argv).map_err(|e| js_error(e.to_string().trim_end()))?;
    let Some(Command::Run(mut args)) = cli.command else {
        return Err(js_error("expected the run command"));
    };
    args.scene.scene_text = scene_text.map(|t| ("scene".to_string(), t));
    let scene = args.scene.build().map_err(|e| js_error(&format!("{e:#}")))?;
    let mut arrays = TrajectoryArrays::new(&scene, args.every).map_err(|e| js_error(&e))?;
    let gpu = gpu().await?;
    let outcome = run_scene_async(&gpu, &scene, arrays.every, CHUNK_BYTES, Some(&mut arrays))
        .await
        .map_err(|e| js_error(&format!("{e:#}")))?;
    arrays.finish(&outcome);

    let records = arrays.records();
    let xy = Array::new();
    let loss = Array::new();
    for i in 0..outcome.particles.len() {
        let path = Array::new();
        let losses = Array::new();
        for r in 0..records {
            let at = i * records + r;
            let point = Array::of2(&arrays.xy[2 * at].into(), &arrays.xy[2 * at + 1].into());
            path.push(&point);
            losses.push(&arrays.loss[at].into());
        }
        xy.push(&path);
        loss.push(&losses);
    }
    let status: Array = outcome
        .particles
        .iter()
        .map(|p| JsValue::from_str(status_name(p.status)))
        .collect();
    let per_group = outcome.starts_per_group.max(1) as usize;
    let optimizer: Array = (0..outcome.particles.len())
        .map(|i| JsValue::from((i / per_group) as u32))
        .collect();
    let labels: Array = crate::trajectory::group_labels(&scene)
        .into_iter()
        .map(JsValue::from)
        .collect();
    let steps: Array = arrays.steps.iter().map(|&s| JsValue::from(s)).collect();
    Ok(object([
        ("xy", JsValue::from(xy)),
        ("loss", loss.into()),
        ("status", status.into()),
        ("steps", steps.into()),
        ("optimizer", optimizer.into()),
        ("optimizers", labels.into()),
    ]))
}

/// The command line of `spec` (and the scene's text, which goes beside it), as the Python
/// module's `_args.argv` writes it.
fn argv_of(spec: &JsValue) -> Result<(Vec<String>, Option<String>), JsValue> {
    let mut argv = vec!["descent".to_string(), "run".to_string()];
    let mut scene_text = None;
    if spec.is_undefined() || spec.is_null() {
        return Ok((argv, None));
    }
    let keys = Object::keys(&Object::from(spec.clone()));
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !KEYWORDS.contains(&key.as_str()) {
            return Err(js_sys::TypeError::new(&format!(
                "run() got an unexpected keyword argument '{key}' (it takes {})",
                KEYWORDS.join(", ")
            ))
            .into());
        }
    }
    let get = |key: &str| {
        Reflect::get(spec, &key.into())
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let schedules: Vec<Option<String>> = match get("schedules") {
        None => Vec::new(),
        Some(v) if v.is_string() => vec![v.as_string()],
        Some(v) => Array::from(&v).iter().map(|s| s.as_string()).collect(),
    };
    for key in KEYWORDS {
        let Some(value) = get(key) else { continue };
        match key {
            "scene" => {
                scene_text = Some(
                    value
                        .as_string()
                        .ok_or_else(|| js_error("scene: give the scene file's text"))?,
                );
            }
            "optimizers" => {
                let specs = strings(&value);
                if schedules.len() > specs.len() {
                    return Err(js_error(&format!(
                        "schedules: {} schedules for {} optimizers (schedules[i] applies to optimizers[i]; null for none)",
                        schedules.len(),
                        specs.len()
                    )));
                }
                for (i, spec) in specs.iter().enumerate() {
                    argv.push(format!("--optimizer={spec}"));
                    if let Some(Some(s)) = schedules.get(i) {
                        argv.push(format!("--schedule={s}"));
                    }
                }
            }
            "schedules" => {
                if get("optimizers").is_none() {
                    argv.extend(schedules.iter().flatten().map(|s| format!("--schedule={s}")));
                }
            }
            "starts" => {
                for point in points(&value) {
                    argv.push(format!("--start={point}"));
                }
            }
            "domain" => argv.push(format!("--domain={}", joined(&value, ","))),
            "grid" => argv.push(format!("--grid={}", joined(&value, "x"))),
            _ => argv.push(format!("--{key}={}", scalar(&value))),
        }
    }
    Ok((argv, scene_text))
}

/// A string, or an array of strings.
fn strings(value: &JsValue) -> Vec<String> {
    if Array::is_array(value) {
        Array::from(value).iter().map(|v| scalar(&v)).collect()
    } else {
        vec![scalar(value)]
    }
}

/// Start points: a string, one point [x, y], or a list of points.
fn points(value: &JsValue) -> Vec<String> {
    if !Array::is_array(value) {
        return vec![scalar(value)];
    }
    let items = Array::from(value);
    let one_point = items.iter().all(|v| v.as_f64().is_some());
    if one_point {
        return vec![joined(value, ",")];
    }
    items.iter().map(|p| joined(&p, ",")).collect()
}

/// An array's items joined by `sep` (a string passes as it is).
fn joined(value: &JsValue, sep: &str) -> String {
    if Array::is_array(value) {
        Array::from(value)
            .iter()
            .map(|v| scalar(&v))
            .collect::<Vec<_>>()
            .join(sep)
    } else {
        scalar(value)
    }
}

/// A number as Rust writes it back exactly (JavaScript's own printing is also exact), or text.
fn scalar(value: &JsValue) -> String {
    if let Some(n) = value.as_f64() {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", n as i64)
        } else {
            format!("{n:?}")
        }
    } else if let Some(b) = value.as_bool() {
        b.to_string()
    } else {
        value.as_string().unwrap_or_default()
    }
}

/// `descent.capture()`: resolves to a PNG (`Uint8Array`) of the page's next frame, as the
/// canvas shows it (see `app::page_capture`).
#[wasm_bindgen]
pub fn capture() -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, reject| {
        crate::app::page_capture::request(Box::new(move |png| {
            let _ = match png {
                Ok(bytes) => resolve.call1(&JsValue::NULL, &js_sys::Uint8Array::from(&bytes[..])),
                Err(e) => reject.call1(&JsValue::NULL, &js_error(&e)),
            };
        }));
    })
}

/// `descent.widgets()`: the panel's labelled widgets, `[{role, label, x, y, width, height}]`
/// in CSS pixels, from egui's accessibility tree (empty until the frame after the first call).
#[wasm_bindgen]
pub fn widgets() -> js_sys::Array {
    crate::app::page_widgets::list()
        .into_iter()
        .map(|w| {
            let [x, y, width, height] = w.rect.map(JsValue::from_f64);
            object([
                ("role", JsValue::from_str(&w.role)),
                ("label", JsValue::from_str(&w.label)),
                ("x", x),
                ("y", y),
                ("width", width),
                ("height", height),
            ])
        })
        .collect()
}

/// A plain object with `fields`, for a script (setting a new object's own keys cannot fail).
fn object<const N: usize>(fields: [(&str, JsValue); N]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), &v);
    }
    o.into()
}

/// `descent.bench(particles, steps)`: times the simulation benchmark's case in the page as
/// `descent bench` times it natively (`bench_case::time_gpu`); resolves to
/// `{particles, steps, seconds, rate, adapter}` (rate in particle-steps per second).
#[wasm_bindgen]
pub async fn bench(particles: u32, steps: u32) -> Result<JsValue, JsValue> {
    let gpu = gpu().await?;
    let t = crate::bench_case::time_gpu(&gpu, particles.max(1), steps.max(3))
        .await
        .map_err(|e| js_error(&e.to_string()))?;
    Ok(object([
        ("particles", JsValue::from(t.particles)),
        ("steps", JsValue::from(t.steps)),
        ("seconds", JsValue::from_f64(t.seconds)),
        ("rate", JsValue::from_f64(t.rate())),
        ("adapter", JsValue::from_str(&gpu.adapter_name())),
    ]))
}

/// `descent.benchFrames(width, height, frames)`: times the frame case in the page as the
/// native program times it (`bench_case::time_frames`: drawn offscreen, each frame finished
/// before the next); resolves to `{frames, width, height, seconds, rate, adapter}` (rate in
/// frames per second).
#[wasm_bindgen(js_name = benchFrames)]
pub async fn bench_frames(width: u32, height: u32, frames: u32) -> Result<JsValue, JsValue> {
    let gpu = gpu().await?;
    let t = crate::bench_case::time_frames(&gpu, [width.max(1), height.max(1)], frames.max(1))
        .await
        .map_err(|e| js_error(&format!("{e:#}")))?;
    Ok(object([
        ("frames", JsValue::from(t.frames)),
        ("width", JsValue::from(t.size[0])),
        ("height", JsValue::from(t.size[1])),
        ("seconds", JsValue::from_f64(t.seconds)),
        ("rate", JsValue::from_f64(t.rate())),
        ("adapter", JsValue::from_str(&gpu.adapter_name())),
    ]))
}
