//! Headless runs: simulate a scene to the end on the GPU, streaming the trajectory export
//! chunk by chunk, and summarise the outcome per optimizer. A platform room: what a run
//! writes (`csv.rs`, the trajectory CSV; `sweep_csv.rs`, one row per sweep group; `maps.rs`,
//! start and sweep maps as PNGs) goes to files; `model.rs` runs and writes model training;
//! `map_run.rs` runs a sweep scene to its end for its map (a map-layout frame).

pub mod csv;
pub mod map_run;
pub mod maps;
pub mod model;
pub mod model_slice;
pub mod slice_map;
pub mod sweep_csv;

use std::path::Path;

use crate::gpu::Gpu;
use crate::gpu::gpu_data::{STATUS_CONVERGED, STATUS_DIVERGED};
use crate::scene::Scene;
use crate::trajectory::run_checked;
pub use crate::trajectory::{RunError, RunOutcome, TrajectorySink, group_labels, run_scene_into};
pub use csv::CsvSink;

/// Trail memory an export may use per chunk: big chunks amortise readbacks, small ones keep
/// memory modest. The adapter's binding limit caps it further.
pub const EXPORT_CHUNK_BYTES: u64 = 64 << 20;

pub struct RunOptions<'a> {
    pub export: Option<&'a Path>,
    /// Keep every Nth step in the export.
    pub every: u32,
    /// Trail memory per export chunk ([`EXPORT_CHUNK_BYTES`] unless testing the chunking).
    pub chunk_bytes: u64,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        Self {
            export: None,
            every: 1,
            chunk_bytes: EXPORT_CHUNK_BYTES,
        }
    }
}

pub fn run_scene(gpu: &Gpu, scene: &Scene, options: &RunOptions<'_>) -> Result<RunOutcome, RunError> {
    let Some(path) = options.export else {
        return run_scene_into(gpu, scene, options.every, options.chunk_bytes, None);
    };
    // Checked once, before the file is created.
    scene.validate().map_err(RunError::Scene)?;
    let mut sink = CsvSink::create(path, scene)?;
    let mut outcome = pollster::block_on(run_checked(
        gpu,
        scene,
        options.every,
        options.chunk_bytes,
        Some(&mut sink),
    ))?;
    outcome.rows_written = sink.finish()?;
    Ok(outcome)
}

/// Per-optimizer outcome: counts by status, best and median final loss of the non-diverged.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSummary {
    pub label: String,
    pub converged: u32,
    pub diverged: u32,
    pub running: u32,
    pub best_loss: Option<f32>,
    pub median_loss: Option<f32>,
}

/// One row per optimizer: a sweep's groups are counted together (`--sweep-csv` has them apart).
pub fn summarize(scene: &Scene, outcome: &RunOutcome) -> Vec<GroupSummary> {
    let per = outcome.starts_per_group.max(1) as usize;
    let mut first = 0;
    scene
        .optimizers
        .iter()
        .map(|spec| {
            let end = (first + spec.group_count() as usize * per).min(outcome.particles.len());
            let group = &outcome.particles[first.min(end)..end];
            first = end;
            let mut losses: Vec<f32> = group
                .iter()
                .filter(|p| p.status != STATUS_DIVERGED && p.loss.is_finite())
                .map(|p| p.loss)
                .collect();
            losses.sort_by(f32::total_cmp);
            let count = |s: u32| group.iter().filter(|p| p.status == s).count() as u32;
            let converged = count(STATUS_CONVERGED);
            let diverged = count(STATUS_DIVERGED);
            GroupSummary {
                label: spec.label.clone(),
                converged,
                diverged,
                running: group.len() as u32 - converged - diverged,
                best_loss: losses.first().copied(),
                median_loss: median(&losses),
            }
        })
        .collect()
}

fn median(sorted: &[f32]) -> Option<f32> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The summary as an aligned text table.
pub fn format_summary(rows: &[GroupSummary]) -> String {
    let fmt = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{v:.6e}"));
    let width = rows
        .iter()
        .map(|r| r.label.len())
        .max()
        .unwrap_or(0)
        .max("optimizer".len());
    let mut out = format!(
        "{:<width$}  {:>10}  {:>10}  {:>10}  {:>13}  {:>13}\n",
        "optimizer", "converged", "diverged", "running", "best loss", "median loss"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<width$}  {:>10}  {:>10}  {:>10}  {:>13}  {:>13}\n",
            r.label,
            r.converged,
            r.diverged,
            r.running,
            fmt(r.best_loss),
            fmt(r.median_loss)
        ));
    }
    out
}
