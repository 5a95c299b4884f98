//! A loss slice beside a model run (`--slice`): evaluated over the trails' extent on the GPU
//! and written as CSV or drawn as a map ([`super::slice_map`]). What is asked for and the
//! plane are [`crate::model::slice_request`]'s.

use std::path::Path;

use super::csv::CsvExport;
use super::slice_map::draw;
use crate::capture::write_png_atomic;
use crate::gpu::Gpu;
use crate::gpu::gpu_data::{STATUS_DIVERGED, TrailPoint};
use crate::gpu::model_slice::evaluate_slice;
use crate::model::ModelProblem;
use crate::model::slice::Slice;
use crate::model::slice_request::{SlicePlane, SliceRequest};
use crate::numbers::short_number;

/// A slice made and written: where, and what its map's colours span.
pub struct SliceDone {
    pub slice: Slice,
    pub losses: Vec<f32>,
    /// One line per file written.
    pub lines: Vec<String>,
}

/// Evaluates the slice over the trails' extent on the GPU and writes every output.
pub fn make_slice(
    request: &SliceRequest,
    gpu: &Gpu,
    problem: &ModelProblem,
    plane: SlicePlane,
    trails: &[Vec<TrailPoint>],
) -> Result<SliceDone, String> {
    let kept = trails.iter().flatten().filter(|p| p.status != STATUS_DIVERGED);
    let slice = request.slice(plane, kept.map(|p| p.pos));
    let losses = evaluate_slice(gpu, problem, &slice).map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    let extent = format!(
        "a {} to {}, b {} to {}",
        short_number(slice.a[0]),
        short_number(slice.a[1]),
        short_number(slice.b[0]),
        short_number(slice.b[1])
    );
    for path in &request.outputs {
        let png = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
        if png {
            let side = 4 * slice.cols.max(slice.rows).clamp(180, 256);
            let (image, [lo, hi]) = draw(&slice, &losses, trails, problem.inits.len(), side);
            write_png_atomic(path, image.width(), image.height(), image.as_raw())
                .map_err(|e| format!("--slice: {e}"))?;
            lines.push(format!(
                "wrote {} ({side}x{side}): {extent} (a left to right, b bottom to top); loss {} to {} on a log scale",
                path.display(),
                short_number(f64::from(lo)),
                short_number(f64::from(hi))
            ));
        } else {
            write_csv(path, &slice, &losses).map_err(|e| format!("--slice: {e}"))?;
            lines.push(format!(
                "wrote {} rows to {}: {extent}",
                losses.len(),
                path.display()
            ));
        }
    }
    Ok(SliceDone { slice, losses, lines })
}

/// `a,b,loss` per grid point, b outer (the grid's row-major order); an empty loss where it
/// is not finite.
pub fn write_csv(path: &Path, slice: &Slice, losses: &[f32]) -> std::io::Result<()> {
    let mut csv = CsvExport::with_header(path, "a,b,loss")?;
    for row in 0..slice.rows {
        for col in 0..slice.cols {
            let (a, b) = slice.coordinates(col, row);
            let loss = losses[(row * slice.cols + col) as usize];
            if loss.is_finite() {
                csv.labelled_row(&a.to_string(), format_args!(",{b},{loss}"))?;
            } else {
                csv.labelled_row(&a.to_string(), format_args!(",{b},"))?;
            }
        }
    }
    csv.finish()?;
    Ok(())
}
