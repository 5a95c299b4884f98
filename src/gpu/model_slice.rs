//! Loss slices on the GPU: every grid point of a [`Slice`] is one invocation of
//! `shaders/model.wgsl`'s `slice_*` entry points, which form theta0 + a d1 + b d2 and sum the
//! loss over the data with the very forward pass and loss the training uses (so a trail point
//! on the slice's plane has the slice's loss there). A grid point needs only its parameters,
//! so a chunk holds many more points than a training chunk holds models.

use super::gpu_data::{MODEL_META_BYTES, ModelMeta, ModelParams};
use super::model_sim::{Bindings, Kernel, ModelSimError, data_values, storage_buffer};
use super::sim::max_binding;
use crate::gpu::Gpu;
use crate::model::ModelProblem;
use crate::model::slice::Slice;

/// Most grid points one chunk takes (1024 x 1024 in one on a GPU with room).
const MAX_CHUNK_POINTS: usize = 1 << 20;

/// The slice's losses, row-major (b outer), in f32; NaN where the loss is not finite.
#[cfg(not(target_arch = "wasm32"))]
pub fn evaluate_slice(gpu: &Gpu, problem: &ModelProblem, slice: &Slice) -> Result<Vec<f32>, ModelSimError> {
    pollster::block_on(evaluate_slice_async(gpu, problem, slice))
}

/// [`evaluate_slice`] as a future (a page cannot wait for the GPU).
pub async fn evaluate_slice_async(
    gpu: &Gpu,
    problem: &ModelProblem,
    slice: &Slice,
) -> Result<Vec<f32>, ModelSimError> {
    let params = problem.model.parameter_count().div_ceil(2) * 2;
    let per_binding = (max_binding(&gpu.device.limits()) / (params as u64 * 4)) as usize;
    evaluate_slice_in_chunks_async(gpu, problem, slice, per_binding.min(MAX_CHUNK_POINTS)).await
}

/// As [`evaluate_slice`], `chunk` grid points at a time.
#[cfg(not(target_arch = "wasm32"))]
pub fn evaluate_slice_in_chunks(
    gpu: &Gpu,
    problem: &ModelProblem,
    slice: &Slice,
    chunk: usize,
) -> Result<Vec<f32>, ModelSimError> {
    pollster::block_on(evaluate_slice_in_chunks_async(gpu, problem, slice, chunk))
}

async fn evaluate_slice_in_chunks_async(
    gpu: &Gpu,
    problem: &ModelProblem,
    slice: &Slice,
    chunk: usize,
) -> Result<Vec<f32>, ModelSimError> {
    let total = slice.points();
    if total == 0 {
        return Err(ModelSimError::Empty);
    }
    let params = problem.model.parameter_count().div_ceil(2) * 2;
    let chunk = chunk.max(1);
    let (mut data, plane_at) = data_values(problem, Some(&slice.plane));
    data.extend([
        slice.a[0] as f32,
        slice.a[1] as f32,
        slice.b[0] as f32,
        slice.b[1] as f32,
        slice.cols as f32,
        slice.rows as f32,
    ]);
    let data_buffer = storage_buffer(gpu, "slice.data", 0, Some(bytemuck::cast_slice(&data)), false);
    // Bindings a slice leaves alone: one read-only buffer, and one per writable binding.
    let unused = storage_buffer(gpu, "slice.unused", 16, None, false);
    let (no_state, no_trail) = (
        storage_buffer(gpu, "slice.no_state", 16, None, false),
        storage_buffer(gpu, "slice.no_trail", 16, None, false),
    );
    let (layout, [init, pass, finish]) = Kernel::pipelines(
        gpu,
        problem,
        [
            ("slice.init", "slice_init"),
            ("slice.pass", "slice_pass"),
            ("slice.finish", "slice_finish"),
        ],
        None,
        false,
    )?;
    let mut out = Vec::with_capacity(total);
    let mut first = 0;
    while first < total {
        let n = chunk.min(total - first);
        let vars = storage_buffer(gpu, "slice.vars", (params * n * 4) as u64, None, false);
        let meta = storage_buffer(gpu, "slice.meta", (n * MODEL_META_BYTES) as u64, None, true);
        let kernel = Kernel::new(
            gpu,
            &problem.model,
            &layout,
            ModelParams {
                n_particles: n as u32,
                per_group: 1,
                n_data: problem.data.len() as u32,
                chunk_first: first as u32,
                plane_at,
                ..Default::default()
            },
            &Bindings {
                optimizers: &unused,
                vars: &vars,
                state: &no_state,
                meta: &meta,
                trail: &no_trail,
                data: &data_buffer,
                schedules: &unused,
                batches: &unused,
                layer_lrs: &unused,
            },
            // A slice's points run the looped forward pass.
            false,
        );
        kernel.run(gpu, "slice.init", &init, 0, None);
        kernel.passes(gpu, "slice.pass", &pass, 0, problem.data.len() as u32);
        kernel.run(gpu, "slice.finish", &finish, 0, None);
        let bytes = gpu
            .read_buffer_async(&meta, 0, (n * MODEL_META_BYTES) as u64)
            .await?;
        let metas: &[ModelMeta] = bytemuck::cast_slice(&bytes);
        out.extend(
            metas
                .iter()
                .map(|m| if m.loss.is_finite() { m.loss } else { f32::NAN }),
        );
        first += n;
    }
    Ok(out)
}
