//! `descent._native`: the Rust side of the Python module. It takes the command line's own
//! arguments (the Python layer turns keyword arguments into them), so flags, defaults, checks
//! and error messages are the command line's; it hands trajectories to numpy without copying
//! them element by element, renders with a progress hook that runs Python's signal handlers
//! (Ctrl-C, a notebook's interrupt) between frames, and keeps one GPU context per process.
//!
//! Errors: bad input is a `ValueError` with the command line's message, a missing or failing
//! GPU a `RuntimeError` saying what to install, a file that cannot be written an `OSError`; a
//! panic is caught at the boundary and becomes a `RuntimeError`, never a `PanicException`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::CommandFactory;
use numpy::IntoPyArray;
use numpy::ndarray::{Array2, Array3};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use descent::capture::{CaptureError, Output};
use descent::cli::{Cli, Command, ModelPlan, RenderPlan, RunArgs, SceneArgs};
use descent::gpu::gpu_data::Particle;
use descent::gpu::{AdapterPreference, Gpu, GpuError};
use descent::run::csv::status_name;
use descent::run::{CsvSink, EXPORT_CHUNK_BYTES, RunError, TrajectorySink, run_scene_into};
use descent::scene::Scene;
use descent::trajectory::TrajectoryArrays;

/// The process's GPU context: opened on first use, then shared by every call. A failure is not
/// kept, so a call after installing a driver tries again.
static GPU: Mutex<Option<Arc<Gpu>>> = Mutex::new(None);

fn gpu() -> anyhow::Result<Arc<Gpu>> {
    let mut slot = GPU.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(gpu) = slot.as_ref() {
        return Ok(gpu.clone());
    }
    let gpu = Arc::new(Gpu::new(AdapterPreference::HighPerformance)?);
    *slot = Some(gpu.clone());
    Ok(gpu)
}

/// Registered with Python's `atexit`: drops the context once its queue has drained, while the
/// interpreter finalizes and before the C exit handlers tear the driver down (see `Gpu::drain`).
#[pyfunction]
fn _release_gpu() {
    // try_lock: a thread stopped mid-call may hold the lock; then the context is left as it is.
    if let Ok(mut slot) = GPU.try_lock()
        && let Some(gpu) = slot.take()
    {
        gpu.drain();
    }
}

/// Runs `f`, turning a panic into a `RuntimeError` so that none reaches Python.
fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("unknown cause");
        Err(PyRuntimeError::new_err(format!(
            "descent failed internally (a bug, please report it): {what}"
        )))
    })
}

/// Whether `e` is, or wraps, a GPU failure (thiserror's `transparent` hides the inner error
/// from the source chain, so the wrappers are looked into by hand).
fn is_gpu(e: &(dyn std::error::Error + 'static)) -> bool {
    e.is::<GpuError>()
        || matches!(e.downcast_ref::<RunError>(), Some(RunError::Gpu(_)))
        || matches!(
            e.downcast_ref::<RunError>(),
            Some(RunError::Sim(descent::gpu::sim::SimError::Gpu(_)))
        )
        || matches!(
            e.downcast_ref::<descent::gpu::sim::SimError>(),
            Some(descent::gpu::sim::SimError::Gpu(_))
        )
        || matches!(e.downcast_ref::<CaptureError>(), Some(CaptureError::Gpu(_)))
}

/// The Python exception for a descent error, with the message the command line prints.
fn to_py(e: anyhow::Error) -> PyErr {
    let message = format!("{e:#}");
    let chain = || e.chain();
    if chain().any(is_gpu) {
        return PyRuntimeError::new_err(message);
    }
    if chain().any(|c| {
        matches!(
            c.downcast_ref::<CaptureError>(),
            Some(
                CaptureError::FfmpegMissing { .. }
                    | CaptureError::Ffmpeg { .. }
                    | CaptureError::Encoder(_)
                    | CaptureError::Encode { .. }
            )
        )
    }) {
        return PyRuntimeError::new_err(message);
    }
    if chain().any(|c| {
        c.is::<std::io::Error>()
            || matches!(
                c.downcast_ref::<CaptureError>(),
                Some(CaptureError::Write { .. } | CaptureError::CreateDir { .. })
            )
    }) {
        return PyOSError::new_err(message);
    }
    PyValueError::new_err(message)
}

/// Parses `argv` (without the program name) as the command line does.
fn parse(argv: Vec<String>) -> PyResult<Command> {
    let cli = descent::cli::parse_from(std::iter::once("descent".to_string()).chain(argv))
        .map_err(|e| PyValueError::new_err(e.render().to_string().trim().to_string()))?;
    cli.command
        .ok_or_else(|| PyValueError::new_err("no command given"))
}

fn with_scene_text(scene: &mut SceneArgs, text: Option<(String, String)>) {
    scene.scene_text = text;
}

/// (name, long flag, default, kind).
type CliOption = (String, Option<String>, Option<String>, String);

/// The options of a subcommand, as (name, long flag, default, kind) with kind one of
/// "flag", "value", "multiple", "positional": what the Python layer maps keywords onto.
#[pyfunction]
fn cli_options(command: &str) -> PyResult<Vec<CliOption>> {
    guarded(|| {
        let cmd = Cli::command();
        let sub = cmd
            .find_subcommand(command)
            .ok_or_else(|| PyValueError::new_err(format!("no command '{command}'")))?;
        Ok(sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && a.get_id() != "help" && a.get_id() != "version")
            .map(|a| {
                let default = a
                    .get_default_values()
                    .first()
                    .map(|v| v.to_string_lossy().into_owned());
                let kind = if a.is_positional() {
                    "positional"
                } else {
                    match a.get_action() {
                        clap::ArgAction::SetTrue => "flag",
                        clap::ArgAction::Append => "multiple",
                        _ => "value",
                    }
                };
                (
                    a.get_id().to_string(),
                    a.get_long().map(str::to_string),
                    default,
                    kind.to_string(),
                )
            })
            .collect())
    })
}

/// Checks scene text (`name` is how errors call it): `ValueError` with the file, line, column
/// and key when it is not a valid scene.
#[pyfunction]
fn check_scene(name: &str, text: &str) -> PyResult<()> {
    guarded(|| {
        let scene = Scene::parse(name, text).map_err(|e| to_py(e.into()))?;
        scene.validate().map_err(PyValueError::new_err)
    })
}

/// Checks `descent view` arguments as the window would, without opening one (the window runs
/// in a process of its own, where errors would only reach stderr).
#[pyfunction]
#[pyo3(signature = (argv, scene_text=None))]
fn check_view(argv: Vec<String>, scene_text: Option<(String, String)>) -> PyResult<()> {
    guarded(|| {
        let Command::View(mut args) = parse(argv)? else {
            return Err(PyValueError::new_err("expected the view command"));
        };
        with_scene_text(&mut args.scene, scene_text);
        args.options().map(drop).map_err(to_py)
    })
}

/// The names of the built-in surfaces.
#[pyfunction]
fn built_in_surfaces() -> Vec<&'static str> {
    descent::surfaces::built_in_names()
}

/// The adapter the GPU context uses (opening it if need be).
#[pyfunction]
fn adapter(py: Python<'_>) -> PyResult<String> {
    guarded(|| {
        let gpu = py.detach(gpu).map_err(to_py)?;
        Ok(gpu.adapter_name())
    })
}

/// Trajectories into flat arrays `[particle][record]`, optionally teed into the CSV export.
struct ArraySink {
    arrays: TrajectoryArrays,
    csv: Option<CsvSink>,
    rows: u64,
    /// Python's signal handlers, run every so many rows; what they raised stops the run.
    interrupt: Option<PyErr>,
}

impl TrajectorySink for ArraySink {
    fn row(&mut self, i: usize, step: u32, p: &Particle) -> Result<(), RunError> {
        if let Some(csv) = self.csv.as_mut() {
            csv.row(i, step, p)?;
        }
        self.arrays.row(i, step, p)?;
        self.rows += 1;
        if self.rows.is_multiple_of(1 << 18)
            && let Err(e) = Python::attach(|py| py.check_signals())
        {
            self.interrupt = Some(e);
            return Err(RunError::Stopped);
        }
        Ok(())
    }
}

/// `descent run` with the trajectories returned as arrays: a dict with xy (particles,
/// records, 2), loss (particles, records), steps (records), status, optimizer (index per
/// particle), optimizers (labels), final_step, summary, and what files were written.
#[pyfunction]
#[pyo3(signature = (argv, scene_text=None))]
fn run(py: Python<'_>, argv: Vec<String>, scene_text: Option<(String, String)>) -> PyResult<Py<PyDict>> {
    guarded(|| {
        let Command::Run(mut args) = parse(argv)? else {
            return Err(PyValueError::new_err("expected the run command"));
        };
        with_scene_text(&mut args.scene, scene_text);
        if args.model.model.is_some() {
            return run_model(py, &args);
        }
        let scene = args.scene.build().map_err(to_py)?;
        if scene.model.is_some() {
            return run_model(py, &args);
        }
        if let Some(flag) = args.model.given_flag() {
            return Err(PyValueError::new_err(format!(
                "{flag} belongs to a model run: give model=..., or a scene with a [model] table"
            )));
        }
        if args.start_map.is_some() {
            descent::outcome::start_map::grid_of(&scene)
                .map_err(|m| PyValueError::new_err(format!("--start-map: {m}")))?;
        }
        let arrays = TrajectoryArrays::new(&scene, args.every).map_err(PyValueError::new_err)?;
        let (n, records) = (scene.particle_count() as usize, arrays.records());
        let every = arrays.every;
        let mut sink = ArraySink {
            arrays,
            csv: args
                .export
                .as_deref()
                .map(|p| CsvSink::create(p, &scene))
                .transpose()
                .map_err(|e| to_py(e.into()))?,
            rows: 0,
            interrupt: None,
        };
        let outcome = py.detach(|| -> anyhow::Result<_> {
            let gpu = gpu()?;
            Ok(run_scene_into(
                &gpu,
                &scene,
                every,
                EXPORT_CHUNK_BYTES,
                Some(&mut sink),
            ))
        });
        let outcome = match outcome.map_err(to_py)? {
            Ok(o) => o,
            Err(RunError::Stopped) => {
                return Err(sink
                    .interrupt
                    .take()
                    .unwrap_or_else(|| PyRuntimeError::new_err("the run stopped")));
            }
            Err(e) => return Err(to_py(e.into())),
        };
        let mut written = Vec::new();
        if let (Some(csv), Some(path)) = (sink.csv.take(), &args.export) {
            csv.finish().map_err(|e| to_py(e.into()))?;
            written.push(path.clone());
        }
        sink.arrays.finish(&outcome);
        if let Some(path) = &args.start_map {
            let maps = descent::outcome::start_map::start_maps(&scene, &outcome.particles)
                .map_err(PyValueError::new_err)?;
            let files = descent::run::maps::write_maps(&maps, path).map_err(to_py)?;
            written.extend(files.into_iter().map(|(file, _)| file));
        }
        let per_group = outcome.starts_per_group.max(1) as usize;
        let summary = descent::run::format_summary(&descent::run::summarize(&scene, &outcome));
        let dict = PyDict::new(py);
        let xy = Array3::from_shape_vec((n, records, 2), std::mem::take(&mut sink.arrays.xy))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let loss = Array2::from_shape_vec((n, records), std::mem::take(&mut sink.arrays.loss))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        dict.set_item("xy", xy.into_pyarray(py))?;
        dict.set_item("loss", loss.into_pyarray(py))?;
        dict.set_item("steps", std::mem::take(&mut sink.arrays.steps).into_pyarray(py))?;
        let status: Vec<&str> = outcome.particles.iter().map(|p| status_name(p.status)).collect();
        dict.set_item("status", status)?;
        let optimizer: Vec<u32> = (0..n).map(|i| (i / per_group) as u32).collect();
        dict.set_item("optimizer", optimizer.into_pyarray(py))?;
        // One label per optimizer group (a sweep's groups each by their values).
        dict.set_item("optimizers", descent::run::group_labels(&scene))?;
        let final_step: Vec<u32> = outcome.particles.iter().map(|p| p.step).collect();
        dict.set_item("final_step", final_step.into_pyarray(py))?;
        dict.set_item("summary", summary)?;
        dict.set_item("title", scene.title.clone())?;
        dict.set_item("surface", scene.surface.name.clone())?;
        dict.set_item("files", written)?;
        Ok(dict.unbind())
    })
}

/// `descent run --model ...` as arrays: the surface run's keys (xy holds the first two
/// parameters, as the export's x and y; no title), plus params (particles, parameters) after
/// the last step, parameter_names, accuracy (per particle; NaN for regression) and model.
fn run_model(py: Python<'_>, args: &RunArgs) -> PyResult<Py<PyDict>> {
    let plan = ModelPlan::from_args(args).map_err(to_py)?;
    let plane = plan.slice_plane().map_err(to_py)?;
    let run = plan.run(true, plane.as_ref().map(|p| &p.plane));
    let (trained, slice) = py
        .detach(|| -> anyhow::Result<_> {
            let gpu = gpu()?;
            let trained = run.run(&gpu, &mut |_| {}).map_err(|e| anyhow::anyhow!(e))?;
            let slice = plan.finish_slice(&gpu, plane.clone(), &trained)?;
            if args.sweep.any() {
                let (particles, scores) = trained.outcome();
                args.sweep
                    .write(&plan.scene, &particles, Some(&scores), plan.problem.inits.len())?;
            }
            Ok((trained, slice))
        })
        .map_err(|e| {
            let message = e.to_string();
            if message.starts_with("--export") {
                PyOSError::new_err(message)
            } else {
                to_py(e)
            }
        })?;
    let n = trained.meta.len();
    let records = trained.trails.first().map_or(0, Vec::len);
    let params = plan.problem.model.parameter_count();
    let mut xy = Vec::with_capacity(n * records * 2);
    let mut loss = Vec::with_capacity(n * records);
    for trail in &trained.trails {
        for p in trail {
            xy.extend_from_slice(&p.pos);
            loss.push(p.loss);
        }
    }
    let accuracies = run.accuracies(&trained);
    let accuracy: Vec<f64> = accuracies.iter().map(|a| a.unwrap_or(f64::NAN)).collect();
    let flat: Vec<f32> = trained.parameters.iter().flatten().copied().collect();
    let shape = |e: numpy::ndarray::ShapeError| PyRuntimeError::new_err(e.to_string());
    let dict = PyDict::new(py);
    dict.set_item(
        "xy",
        Array3::from_shape_vec((n, records, 2), xy)
            .map_err(shape)?
            .into_pyarray(py),
    )?;
    dict.set_item(
        "loss",
        Array2::from_shape_vec((n, records), loss)
            .map_err(shape)?
            .into_pyarray(py),
    )?;
    let steps: Vec<u32> = (0..records as u32).map(|k| k * plan.every).collect();
    dict.set_item("steps", steps.into_pyarray(py))?;
    let status: Vec<&str> = trained.meta.iter().map(|m| status_name(m.status)).collect();
    dict.set_item("status", status)?;
    let per_group = plan.problem.inits.len().max(1);
    let optimizer: Vec<u32> = (0..n).map(|i| (i / per_group) as u32).collect();
    dict.set_item("optimizer", optimizer.into_pyarray(py))?;
    dict.set_item("optimizers", plan.labels.clone())?;
    let final_step: Vec<u32> = trained.meta.iter().map(|m| m.step).collect();
    dict.set_item("final_step", final_step.into_pyarray(py))?;
    dict.set_item("summary", run.summary_with(&trained, &accuracies))?;
    dict.set_item("title", None::<String>)?;
    dict.set_item("surface", plan.problem.spec.describe())?;
    dict.set_item(
        "params",
        Array2::from_shape_vec((n, params), flat)
            .map_err(shape)?
            .into_pyarray(py),
    )?;
    dict.set_item("parameter_names", plan.problem.model.parameter_names())?;
    dict.set_item("accuracy", accuracy.into_pyarray(py))?;
    if let Some(done) = slice {
        let (cols, rows) = (done.slice.cols as usize, done.slice.rows as usize);
        let grid = Array2::from_shape_vec((rows, cols), done.losses).map_err(shape)?;
        dict.set_item("slice", grid.into_pyarray(py))?;
        dict.set_item(
            "slice_extent",
            (done.slice.a[0], done.slice.a[1], done.slice.b[0], done.slice.b[1]),
        )?;
    }
    let mut written: Vec<PathBuf> = [&plan.export, &plan.export_params]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    written.extend(plan.slice.iter().flat_map(|s| s.outputs.iter().cloned()));
    dict.set_item("files", written)?;
    Ok(dict.unbind())
}

/// `descent render`: a dict with kind (pngs, still, video, gif, start_map), path, frames,
/// seconds, start_maps (files), adapter. `progress(done, total)` is called before each frame;
/// an exception it raises, or a KeyboardInterrupt from Python's signal handlers (run at the
/// same moments), stops the render after the frames in flight are written, then propagates.
#[pyfunction]
#[pyo3(signature = (argv, scene_text=None, progress=None))]
fn render(
    py: Python<'_>,
    argv: Vec<String>,
    scene_text: Option<(String, String)>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Py<PyDict>> {
    guarded(|| {
        let Command::Render(mut args) = parse(argv)? else {
            return Err(PyValueError::new_err("expected the render command"));
        };
        with_scene_text(&mut args.scene, scene_text);
        let plan = args.plan().map_err(to_py)?;
        let dict = PyDict::new(py);
        let write_maps = |gpu: &Gpu, scene: &Scene, path: &Path| -> PyResult<Vec<PathBuf>> {
            Ok(descent::run::maps::write_start_maps(gpu, scene, path)
                .map_err(to_py)?
                .into_iter()
                .map(|(file, _)| file)
                .collect())
        };
        let (mut job, start_map) = match plan {
            RenderPlan::NoFrames { scene, start_map } => {
                // A start map and/or a sweep's CSV and map, no frames.
                let gpu = py.detach(gpu).map_err(to_py)?;
                let files = match &start_map {
                    Some(path) => py.detach(|| write_maps(&gpu, &scene, path))?,
                    None => Vec::new(),
                };
                py.detach(|| args.sweep.run_and_write(&gpu, &scene))
                    .map_err(to_py)?;
                dict.set_item("kind", if files.is_empty() { "sweep" } else { "start_map" })?;
                dict.set_item("path", files.first().cloned())?;
                dict.set_item("frames", 0)?;
                dict.set_item("start_maps", files)?;
                return Ok(dict.unbind());
            }
            RenderPlan::Frames { job, start_map } => (job, start_map),
        };
        job.progress = false;
        let mut raised: Option<PyErr> = None;
        let mut keep_going = |done: u32, total: u32| -> bool {
            Python::attach(|py| {
                let result = py.check_signals().and_then(|()| match &progress {
                    Some(cb) => cb.call1(py, (done, total)).map(drop),
                    None => Ok(()),
                });
                match result {
                    Ok(()) => true,
                    Err(e) => {
                        raised = Some(e);
                        false
                    }
                }
            })
        };
        let outcome = py.detach(|| -> anyhow::Result<_> {
            let gpu = gpu()?;
            let report = descent::cli::render_job::render_until(&gpu, &job, &mut keep_going)?;
            Ok((gpu, report))
        });
        let (gpu, report) = outcome.map_err(to_py)?;
        if let Some(e) = raised {
            // The frames written are whole; the interrupt goes on to the caller.
            return Err(e);
        }
        let (kind, path) = match &job.output {
            Output::Pngs { dir, .. } => ("pngs", dir.clone()),
            Output::Still { path, .. } => ("still", path.clone()),
            Output::Video { path, .. } => ("video", path.clone()),
            Output::Gif { path, .. } => ("gif", path.clone()),
            Output::Discard => ("discard", PathBuf::new()),
        };
        let maps = match &start_map {
            Some(p) => py.detach(|| write_maps(&gpu, &job.scene, p))?,
            None => Vec::new(),
        };
        py.detach(|| args.sweep.run_and_write(&gpu, &job.scene))
            .map_err(to_py)?;
        dict.set_item("kind", kind)?;
        dict.set_item("path", path)?;
        dict.set_item("frames", report.frames)?;
        dict.set_item("first_frame", report.first_frame)?;
        dict.set_item("seconds", report.seconds)?;
        dict.set_item("start_maps", maps)?;
        dict.set_item("adapter", gpu.adapter_name())?;
        Ok(dict.unbind())
    })
}

/// The whole command line in this process (`python -m descent ...`, and the window, which
/// `descent.view` opens in a process of its own: winit allows one event loop per process).
/// Returns the exit status.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> PyResult<i32> {
    guarded(|| {
        let _ =
            env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).try_init();
        let cli = match descent::cli::parse_from(std::iter::once("descent".to_string()).chain(argv)) {
            Ok(cli) => cli,
            Err(e) => {
                let _ = e.print();
                return Ok(e.exit_code());
            }
        };
        Ok(py.detach(|| match descent::cli::run(cli) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: {e:#}");
                1
            }
        }))
    })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(cli_options, m)?)?;
    m.add_function(wrap_pyfunction!(check_scene, m)?)?;
    m.add_function(wrap_pyfunction!(adapter, m)?)?;
    m.add_function(wrap_pyfunction!(check_view, m)?)?;
    m.add_function(wrap_pyfunction!(built_in_surfaces, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(render, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    let release = wrap_pyfunction!(_release_gpu, m)?;
    m.py().import("atexit")?.call_method1("register", (release,))?;
    Ok(())
}
