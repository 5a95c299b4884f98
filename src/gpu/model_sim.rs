//! Model training on the GPU: `shaders/model.wgsl` trains one model per invocation (forward
//! and backward over the data, the optimizer on each pair of parameters), many steps per
//! dispatch, and records each model's projected position and loss in a trail ring as the
//! surface simulation does. The f64 twin is [`crate::model::twin`].
//!
//! A [`ModelSim`] holds one chunk of particles, whose per-parameter arrays fit one storage
//! binding; [`chunk_particles`] says how many that is. Models are independent, so a run of
//! more particles runs chunk after chunk.

use wgpu::util::DeviceExt;

use crate::gpu::gpu_data::{MODEL_META_BYTES, ModelMeta, ModelParams, Particle, TrailPoint};
use crate::gpu::pipeline::{buffer_entry, compute_pipeline_with};
use crate::gpu::sim::{ScoreSums, WORKGROUP, max_binding, schedule_rows};
use crate::gpu::{Gpu, GpuError};
use crate::model::slice::Plane;
use crate::model::{Model, ModelProblem};
use crate::optim::{GpuOptimizer, OptimizerKind, OptimizerSpec};

#[derive(Debug, thiserror::Error)]
pub enum ModelSimError {
    #[error(
        "a model of {params} parameters needs {needed_mib:.1} MiB per particle for its optimizer \
         state, over the {binding_mib:.0} MiB one GPU buffer may hold on this adapter"
    )]
    ModelTooLarge {
        params: usize,
        needed_mib: f64,
        binding_mib: f64,
    },
    #[error("no particles: give at least one optimizer and one initialisation")]
    Empty,
    #[error("{0}")]
    Tables(String),
    #[error("the model shader did not compile: {0}")]
    Shader(String),
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// What one training run on the GPU is: the problem, the optimizer groups, the stopping rule
/// and what the trail keeps.
pub struct ModelSetup<'a> {
    pub problem: &'a ModelProblem,
    /// One per group (sweeps expanded); each trains from every initialisation.
    pub optimizers: &'a [OptimizerSpec],
    pub steps: u32,
    pub tol: f64,
    pub seed: u64,
    /// Record every Nth step; 0 keeps no trail.
    pub record_every: u32,
    pub plane: Option<&'a Plane>,
    /// Read every model's final parameters back ([`Trained::parameters`]); a map needs only
    /// the losses and sums (512 x 512 models of 272 parameters are 285 MB).
    pub keep_parameters: bool,
}

impl ModelSetup<'_> {
    pub fn particles(&self) -> usize {
        self.optimizers.len() * self.problem.inits.len()
    }

    /// Trail slots per particle: every recorded step, 0 through `steps`.
    pub fn trail_capacity(&self) -> u32 {
        self.steps.checked_div(self.record_every).map_or(0, |n| n + 1)
    }
}

/// Parameters padded to whole pairs.
fn padded(model: &Model) -> usize {
    model.parameter_count().div_ceil(2) * 2
}

/// Bytes per particle in the largest binding (the five per-parameter regions), and in all.
fn particle_bytes(model: &Model, trail_capacity: u32) -> (u64, u64) {
    let k = padded(model) as u64;
    let vars = 5 * k * 4;
    let state = 3 * (k / 2) * 8;
    let trail = u64::from(trail_capacity) * 16;
    (
        vars.max(state).max(trail),
        vars + state + trail + MODEL_META_BYTES as u64,
    )
}

/// The most particles one chunk holds on this adapter, a multiple of the workgroup size.
pub fn chunk_particles(gpu: &Gpu, setup: &ModelSetup<'_>) -> Result<usize, ModelSimError> {
    let binding = max_binding(&gpu.device.limits());
    let (largest, _) = particle_bytes(&setup.problem.model, setup.trail_capacity());
    let fit = binding / largest;
    if fit < u64::from(WORKGROUP) {
        return Err(ModelSimError::ModelTooLarge {
            params: setup.problem.model.parameter_count(),
            needed_mib: largest as f64 * f64::from(WORKGROUP) / 1048576.0,
            binding_mib: binding as f64 / 1048576.0,
        });
    }
    Ok((fit / u64::from(WORKGROUP) * u64::from(WORKGROUP)).min(1 << 22) as usize)
}

/// The most parameters a model may have for its passes to work on invocation-private copies
/// of its parameters and gradient (`MODEL_LOCAL` in `shaders/model.wgsl`): two arrays of
/// this many floats per invocation.
pub const MAX_LOCAL_PARAMS: usize = 1024;

/// The constants `shaders/model.wgsl` is specialised with.
pub fn model_header(problem: &ModelProblem) -> String {
    let m = &problem.model;
    let list = |v: &[usize]| {
        let items: Vec<String> = v.iter().map(|x| format!("{x}u")).collect();
        format!("array<u32, {}>({})", v.len(), items.join(", "))
    };
    let layers: Vec<_> = m.layers().collect();
    let mut a_at = Vec::new();
    let mut at = 0;
    for layer in &layers {
        a_at.push(at);
        at += layer.inputs;
    }
    let acts: usize = m.sizes.iter().sum();
    let scales: Vec<String> = (0..layers.len())
        .map(|l| format!("{:?}", m.layer_scale(l) as f32))
        .collect();
    let (gain_in, gain_out) = m.gains();
    let local = m.parameter_count() <= MAX_LOCAL_PARAMS;
    let gains = format!(
        "const MODEL_SCALE = array<f32, {}>({});\nconst MODEL_GAIN_IN: f32 = {:?};\n\
         const MODEL_GAIN_OUT: f32 = {:?};\nconst MODEL_LOCAL: bool = {local};\n\
         const MODEL_LOCAL_PARAMS: u32 = {}u;\n",
        layers.len(),
        scales.join(", "),
        gain_in as f32,
        gain_out as f32,
        if local { m.parameter_count() } else { 1 }
    );
    gains
        + &format!(
            "const MODEL_LAYERS: u32 = {}u;\nconst MODEL_INPUTS: u32 = {}u;\nconst MODEL_OUTPUTS: u32 = {}u;\n\
         const MODEL_PARAMS: u32 = {}u;\nconst MODEL_PAIRS: u32 = {}u;\nconst MODEL_ACTS: u32 = {acts}u;\n\
         const MODEL_WIDTH: u32 = {}u;\nconst MODEL_ACTIVATION: u32 = {}u;\nconst MODEL_LOSS: u32 = {}u;\n\
         const MODEL_BIAS: bool = {};\nconst MODEL_SIZES = {};\nconst MODEL_W_AT = {};\n\
         const MODEL_B_AT = {};\nconst MODEL_A_AT = {};\n",
            layers.len(),
            m.inputs(),
            m.outputs(),
            m.parameter_count(),
            padded(m) / 2,
            m.width(),
            m.activation.code(),
            problem.loss.code(),
            m.bias,
            list(&m.sizes),
            list(&layers.iter().map(|l| l.weight).collect::<Vec<_>>()),
            list(&layers.iter().map(|l| l.bias).collect::<Vec<_>>()),
            list(&a_at),
        )
        + &crate::gpu::model_unrolled::unrolled_passes(m, local)
}

/// The whole model shader for `problem`.
pub fn model_source(problem: &ModelProblem) -> String {
    use crate::shaders::{COMMON, MODEL, NOISE, OPTIM};
    [&model_header(problem), COMMON, OPTIM, NOISE, MODEL].join("\n")
}

/// What every model and slice dispatch goes through: the shared bind group, the parameters
/// uniform and the dispatch shape for a chunk of `n` invocations.
pub(crate) struct Kernel {
    bind_group: wgpu::BindGroup,
    params_buffer: wgpu::Buffer,
    pub(crate) params: ModelParams,
    dispatch: [u32; 2],
    /// Data items one pass dispatch takes (all of them on a GPU; a CPU adapter's loop budget).
    items_per_dispatch: u32,
}

/// The buffers of `shaders/model.wgsl`'s bindings 1 to 9, in order (binding 0 is the
/// parameters buffer the kernel makes).
pub(crate) struct Bindings<'a> {
    pub optimizers: &'a wgpu::Buffer,
    pub vars: &'a wgpu::Buffer,
    pub state: &'a wgpu::Buffer,
    pub meta: &'a wgpu::Buffer,
    pub trail: &'a wgpu::Buffer,
    pub data: &'a wgpu::Buffer,
    pub schedules: &'a wgpu::Buffer,
    pub batches: &'a wgpu::Buffer,
    pub layer_lrs: &'a wgpu::Buffer,
}

impl Kernel {
    /// The model shader's pipelines for `entries` (label, entry point) over the one layout
    /// every kernel binds: compiled once per context (see [`Gpu::cached_pipelines`]), then
    /// shared by the kernels of every chunk.
    /// `optimizer`: the one optimizer kind of every group, if they share one (the shader's
    /// `MODEL_OPTIMIZER`, which folds its switch over the kinds away). `full_batch`: no group
    /// has mini-batches (`MODEL_FULL_BATCH`, which drops the mini-batch paths).
    pub(crate) fn pipelines<const N: usize>(
        gpu: &Gpu,
        problem: &ModelProblem,
        entries: [(&str, &str); N],
        optimizer: Option<OptimizerKind>,
        full_batch: bool,
    ) -> Result<(wgpu::BindGroupLayout, [wgpu::ComputePipeline; N]), ModelSimError> {
        use std::hash::{Hash, Hasher};
        let source = model_source(problem);
        let constants: Vec<(&str, f64)> = optimizer
            .map(|kind| ("MODEL_OPTIMIZER", f64::from(kind as u32)))
            .into_iter()
            .chain(full_batch.then_some(("MODEL_FULL_BATCH", 1.0)))
            .collect();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        source.hash(&mut hasher);
        entries.hash(&mut hasher);
        for (name, value) in &constants {
            (name, value.to_bits()).hash(&mut hasher);
        }
        let (layout, pipelines) = gpu.cached_pipelines(hasher.finish(), || {
            Self::make_pipelines(gpu, source, &entries, &constants)
        })?;
        let pipelines = pipelines
            .try_into()
            .unwrap_or_else(|_| unreachable!("one pipeline per entry"));
        Ok((layout, pipelines))
    }

    fn make_pipelines(
        gpu: &Gpu,
        source: String,
        entries: &[(&str, &str)],
        constants: &[(&str, f64)],
    ) -> Result<crate::gpu::context::PipelineSet, ModelSimError> {
        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = crate::gpu::pipeline::shader(gpu, "model.shader", source);
        let storage = |read_only| wgpu::BufferBindingType::Storage { read_only };
        let entry = |b, ty| buffer_entry(b, wgpu::ShaderStages::COMPUTE, ty, None);
        let layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("model.bind_group_layout"),
                entries: &[
                    entry(0, storage(true)),
                    entry(1, storage(true)),
                    entry(2, storage(false)),
                    entry(3, storage(false)),
                    entry(4, storage(false)),
                    entry(5, storage(false)),
                    entry(6, storage(true)),
                    entry(7, storage(true)),
                    entry(8, storage(true)),
                    entry(9, storage(true)),
                ],
            });
        let pipelines = entries
            .iter()
            .map(|(label, name)| compute_pipeline_with(gpu, label, &module, &layout, name, constants))
            .collect();
        if let Some(e) = crate::gpu::context::scope_error(scope) {
            return Err(ModelSimError::Shader(e.to_string()));
        }
        Ok((layout, pipelines))
    }

    /// A kernel over `bindings` (laid out by `layout`, from [`Self::pipelines`]) for
    /// `params.n_particles` invocations of `model`'s shader.
    /// `backward_only`: every item of a pass is a backward pass (training without
    /// mini-batches), which a small model runs without loops; else items may run the looped
    /// forward pass (a mini-batch's loss items, a slice's points).
    pub(crate) fn new(
        gpu: &Gpu,
        model: &Model,
        layout: &wgpu::BindGroupLayout,
        params: ModelParams,
        bindings: &Bindings<'_>,
        backward_only: bool,
    ) -> Self {
        let groups = params.n_particles.div_ceil(WORKGROUP);
        let dispatch = if groups <= 65535 {
            [groups, 1]
        } else {
            [65535, groups.div_ceil(65535)]
        };
        let params = ModelParams {
            row_stride: dispatch[0] * WORKGROUP,
            ..params
        };
        let params_buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("model.params"),
            contents: bytemuck::bytes_of(&params),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        });
        let b = bindings;
        let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("model.bind_group"),
            layout,
            entries: &[
                &params_buffer,
                b.optimizers,
                b.vars,
                b.state,
                b.meta,
                b.trail,
                b.data,
                b.schedules,
                b.batches,
                b.layer_lrs,
            ]
            .iter()
            .enumerate()
            .map(|(k, buffer)| wgpu::BindGroupEntry {
                binding: k as u32,
                resource: buffer.as_entire_binding(),
            })
            .collect::<Vec<_>>(),
        });
        // A GPU takes a whole pass in one dispatch; a CPU adapter a range within its budget.
        let items_per_dispatch = if gpu.adapter.get_info().device_type == wgpu::DeviceType::Cpu {
            items_within_budget(model, backward_only)
        } else {
            u32::MAX
        };
        Self {
            bind_group,
            params_buffer,
            params,
            dispatch,
            items_per_dispatch,
        }
    }

    /// One dispatch of `pipeline` for step `step`, over `items` (first, count).
    pub(crate) fn run(
        &self,
        gpu: &Gpu,
        label: &str,
        pipeline: &wgpu::ComputePipeline,
        step: u32,
        items: Option<(u32, u32)>,
    ) {
        let (item_first, item_count) = items.unwrap_or((0, 0));
        let params = ModelParams {
            step,
            item_first,
            item_count,
            ..self.params
        };
        gpu.queue
            .write_buffer(&self.params_buffer, 0, bytemuck::bytes_of(&params));
        gpu.dispatch(
            label,
            pipeline,
            &self.bind_group,
            [self.dispatch[0], self.dispatch[1], 1],
        );
    }

    /// Dispatches of `pipeline` over items 0..`items`, as many at once as the adapter allows.
    pub(crate) fn passes(
        &self,
        gpu: &Gpu,
        label: &str,
        pipeline: &wgpu::ComputePipeline,
        step: u32,
        items: u32,
    ) {
        let mut first = 0;
        while first < items {
            let count = self.items_per_dispatch.min(items - first);
            self.run(gpu, label, pipeline, step, Some((first, count)));
            first += count;
        }
    }
}

/// The data buffer's values: every point's features then its target, then (when given) the
/// plane: origin, d1, d2 and the inverse Gram matrix; and where the plane starts (0: none).
pub(crate) fn data_values(problem: &ModelProblem, plane: Option<&Plane>) -> (Vec<f32>, u32) {
    let mut data: Vec<f32> = Vec::with_capacity(problem.data.len() * (problem.model.inputs() + 1));
    for i in 0..problem.data.len() {
        data.extend(problem.data.point(i).iter().map(|&v| v as f32));
        data.push(problem.data.y[i] as f32);
    }
    let plane_at = match plane {
        Some(plane) => {
            let at = data.len() as u32;
            for v in [&plane.origin, &plane.d1, &plane.d2] {
                data.extend(v.iter().map(|&x| x as f32));
            }
            data.extend(plane.inverse_gram().map(|x| x as f32));
            at
        }
        None => 0,
    };
    (data, plane_at)
}

/// A storage buffer of `bytes` (at least 16), optionally filled.
pub(crate) fn storage_buffer(
    gpu: &Gpu,
    label: &str,
    bytes: u64,
    contents: Option<&[u8]>,
    read: bool,
) -> wgpu::Buffer {
    use wgpu::BufferUsages as U;
    let usage = if read {
        U::STORAGE | U::COPY_SRC
    } else {
        U::STORAGE
    };
    match contents {
        Some(contents) => gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage,
        }),
        None => gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(16),
            usage,
            mapped_at_creation: false,
        }),
    }
}

/// One chunk of model particles on the GPU.
pub struct ModelSim {
    /// Global index of the chunk's first particle, and how many it holds.
    pub first: usize,
    pub count: usize,
    pipelines: Pipelines,
    kernel: Kernel,
    vars: wgpu::Buffer,
    meta: wgpu::Buffer,
    trail: wgpu::Buffer,
    /// Steps done.
    clock: u32,
    /// Items of the longest pass (see `pass_models`).
    items: u32,
    parameters: usize,
}

struct Pipelines {
    init: wgpu::ComputePipeline,
    trial: wgpu::ComputePipeline,
    pass: wgpu::ComputePipeline,
    commit: wgpu::ComputePipeline,
}

/// Loop iterations one invocation may run on lavapipe, whose JIT ends an invocation after
/// 65,535 in all (its loop limiter); kept well below.
const CPU_LOOP_BUDGET: u64 = 40_000;

/// Pass items one dispatch may take on a CPU adapter within [`CPU_LOOP_BUDGET`]: an item
/// loops forward and backward through every layer (over-estimated), unless every item is a
/// backward pass written out without loops ([`crate::gpu::model_unrolled`]): its items then
/// take the loss's loops over the outputs alone, and the loops over its parameters (load,
/// zero, store) come once per dispatch.
fn items_within_budget(model: &Model, backward_only: bool) -> u32 {
    let p = model.parameter_count() as u64;
    let units: u64 = model.sizes.iter().map(|&s| s as u64).sum();
    let loss = 3 * model.outputs() as u64 + 16;
    let local = model.parameter_count() <= MAX_LOCAL_PARAMS;
    let (fixed, per_item) = if backward_only && crate::gpu::model_unrolled::unrolls(model, local) {
        (4 * p, loss)
    } else {
        (0, 4 * (p + units) + loss)
    };
    (CPU_LOOP_BUDGET.saturating_sub(fixed) / per_item).clamp(1, u64::from(u32::MAX)) as u32
}

impl ModelSim {
    /// Particles `first..first + count` of `setup` (group-major: particle g * inits + k is
    /// group g from initialisation k), initialised: their step 0 has run.
    pub fn new(gpu: &Gpu, setup: &ModelSetup<'_>, first: usize, count: usize) -> Result<Self, ModelSimError> {
        if count == 0 {
            return Err(ModelSimError::Empty);
        }
        let problem = setup.problem;
        let model = &problem.model;
        let k = padded(model);
        let n = count;
        let per_group = problem.inits.len();

        let (optimizers, schedules, batches, items) = tables(setup)?;
        // THETA holds the chunk's initial parameters (each group's offset added),
        // parameter-major.
        let mut vars = vec![0f32; 5 * k * n];
        for local in 0..n {
            let at = first + local;
            let init = &problem.inits[at % per_group];
            let spec = &setup.optimizers[at / per_group];
            let init = crate::model::twin::offset_init(model, spec, init);
            for (p, v) in init.iter().enumerate() {
                vars[p * n + local] = *v as f32;
            }
        }
        // Each group's learning rate per layer (its lr where the layer has none of its own).
        let layers = model.sizes.len() - 1;
        let layer_lrs: Vec<f32> = setup
            .optimizers
            .iter()
            .flat_map(|o| (0..layers).map(|l| o.params.layer_lr(l) as f32))
            .collect();
        let (data, plane_at) = data_values(problem, setup.plane);
        let capacity = setup.trail_capacity();
        let params = ModelParams {
            n_particles: n as u32,
            per_group: per_group as u32,
            step: 0,
            item_first: 0,
            item_count: 0,
            max_steps: setup.steps,
            record_every: setup.record_every.max(1),
            trail_capacity: capacity,
            row_stride: 0,
            tol: setup.tol as f32,
            n_data: problem.data.len() as u32,
            chunk_first: first as u32,
            plane_at,
            _pad: 0,
            noise_key: crate::noise::key(setup.seed),
        };
        let buffer = |label, bytes: u64, contents: Option<&[u8]>, read| {
            storage_buffer(gpu, label, bytes, contents, read)
        };
        let cast = |v: &[f32]| bytemuck::cast_slice::<f32, u8>(v).to_vec();
        let vars_buffer = buffer("model.vars", 0, Some(&cast(&vars)), true);
        let meta = buffer("model.meta", (n * MODEL_META_BYTES) as u64, None, true);
        let trail = buffer("model.trail", u64::from(capacity) * n as u64 * 16, None, true);
        let kinds = setup.optimizers.iter().map(|o| o.kind);
        let one_kind = setup
            .optimizers
            .first()
            .map(|o| o.kind)
            .filter(|&k| kinds.clone().all(|o| o == k));
        // No mini-batches: every pass item is a backward pass over a point.
        let full_batch = optimizers.iter().all(|o| o.batches == GpuOptimizer::NO_TABLE);
        let (layout, [init, trial, pass, commit]) = Kernel::pipelines(
            gpu,
            problem,
            [
                ("model.init", "init_models"),
                ("model.trial", "trial_models"),
                ("model.pass", "pass_models"),
                ("model.commit", "commit_models"),
            ],
            one_kind,
            full_batch,
        )?;
        let kernel = Kernel::new(
            gpu,
            model,
            &layout,
            params,
            &Bindings {
                optimizers: &buffer(
                    "model.optimizers",
                    0,
                    Some(bytemuck::cast_slice(&optimizers)),
                    false,
                ),
                vars: &vars_buffer,
                state: &buffer("model.state", (3 * (k / 2) * n * 8) as u64, None, false),
                meta: &meta,
                trail: &trail,
                data: &buffer("model.data", 0, Some(&cast(&data)), false),
                schedules: &buffer(
                    "model.schedules",
                    0,
                    Some(bytemuck::cast_slice(&schedules)),
                    false,
                ),
                batches: &buffer("model.batches", 0, Some(bytemuck::cast_slice(&batches)), false),
                layer_lrs: &buffer(
                    "model.layer_lrs",
                    0,
                    Some(bytemuck::cast_slice(&layer_lrs)),
                    false,
                ),
            },
            full_batch,
        );
        let sim = Self {
            first,
            count: n,
            pipelines: Pipelines {
                init,
                trial,
                pass,
                commit,
            },
            kernel,
            vars: vars_buffer,
            meta,
            trail,
            clock: 0,
            items,
            parameters: model.parameter_count(),
        };
        sim.kernel.run(gpu, "model.init", &sim.pipelines.init, 0, None);
        sim.pass_and_commit(gpu, 0);
        Ok(sim)
    }

    /// Steps done so far.
    pub fn clock(&self) -> u32 {
        self.clock
    }

    fn pass_and_commit(&self, gpu: &Gpu, step: u32) {
        self.kernel
            .passes(gpu, "model.pass", &self.pipelines.pass, step, self.items);
        self.kernel
            .run(gpu, "model.commit", &self.pipelines.commit, step, None);
    }

    /// Submits the dispatches that take the run to `target` steps (at most the run's).
    pub fn advance_to(&mut self, gpu: &Gpu, target: u32) {
        let target = target.min(self.kernel.params.max_steps);
        while self.clock < target {
            let step = self.clock + 1;
            self.kernel
                .run(gpu, "model.trial", &self.pipelines.trial, step, None);
            self.pass_and_commit(gpu, step);
            self.clock = step;
        }
    }

    /// Each particle's loss, step and status.
    pub async fn read_meta_async(&self, gpu: &Gpu) -> Result<Vec<ModelMeta>, GpuError> {
        let bytes = gpu
            .read_buffer_async(&self.meta, 0, (self.count * MODEL_META_BYTES) as u64)
            .await?;
        Ok(bytemuck::cast_slice(&bytes).to_vec())
    }

    /// Each particle's parameters (`[particle][parameter]`).
    pub async fn read_parameters_async(&self, gpu: &Gpu) -> Result<Vec<Vec<f32>>, GpuError> {
        let n = self.count;
        let bytes = gpu
            .read_buffer_async(&self.vars, 0, (self.parameters * n * 4) as u64)
            .await?;
        let flat: &[f32] = bytemuck::cast_slice(&bytes);
        Ok((0..n)
            .map(|i| (0..self.parameters).map(|p| flat[p * n + i]).collect())
            .collect())
    }

    /// The trail ring: slot-major, `[slot * count + particle]`.
    pub async fn read_trail_async(&self, gpu: &Gpu) -> Result<Vec<TrailPoint>, GpuError> {
        let size = u64::from(self.kernel.params.trail_capacity) * self.count as u64 * 16;
        if size == 0 {
            return Ok(Vec::new());
        }
        let bytes = gpu.read_buffer_async(&self.trail, 0, size).await?;
        Ok(bytemuck::cast_slice(&bytes).to_vec())
    }

    /// Each particle's loss, step and status: natively read now; in a page the answer once it
    /// has come (`None` until then; see `gpu::later`).
    pub fn read_meta_latest(&self, gpu: &Gpu) -> Result<Option<Vec<ModelMeta>>, GpuError> {
        let size = (self.count * MODEL_META_BYTES) as u64;
        let tag = [self.clock, self.count as u32, 0, 0];
        Ok(gpu
            .read_latest("model.meta", &[(&self.meta, 0, size)], tag)?
            .filter(|(t, _)| *t == tag)
            .map(|(_, bytes)| bytemuck::cast_slice(&bytes).to_vec()))
    }

    /// [`Self::read_meta_async`], blocking (natively a read is done when it returns).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn read_meta(&self, gpu: &Gpu) -> Result<Vec<ModelMeta>, GpuError> {
        pollster::block_on(self.read_meta_async(gpu))
    }

    /// [`Self::read_parameters_async`], blocking.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn read_parameters(&self, gpu: &Gpu) -> Result<Vec<Vec<f32>>, GpuError> {
        pollster::block_on(self.read_parameters_async(gpu))
    }

    /// [`Self::read_trail_async`], blocking.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn read_trail(&self, gpu: &Gpu) -> Result<Vec<TrailPoint>, GpuError> {
        pollster::block_on(self.read_trail_async(gpu))
    }
}

type Tables = (Vec<GpuOptimizer>, Vec<[f32; 2]>, Vec<u32>, u32);

/// The optimizers (with their table offsets), the schedules' rows, the mini-batch table (per
/// batch group, (first index, count) per step, then the indices), and the items of the
/// longest pass: n points, or a batch and then n.
fn tables(setup: &ModelSetup<'_>) -> Result<Tables, ModelSimError> {
    let mut optimizers = Vec::with_capacity(setup.optimizers.len());
    let mut schedules: Vec<[f32; 2]> = Vec::new();
    let mut batches: Vec<u32> = Vec::new();
    let n = setup.problem.data.len();
    let mut items = n;
    for spec in setup.optimizers {
        setup
            .problem
            .model
            .check_optimizer(spec)
            .map_err(ModelSimError::Tables)?;
        let mut plain = spec.clone();
        plain.params.batch_size = 0.0;
        let t = crate::step_tables::group_tables(&plain, setup.steps, &Default::default())
            .map_err(ModelSimError::Tables)?;
        let mut o = spec.to_gpu();
        if let Some(seq) = &t.schedule {
            let (rows, flags) = schedule_rows(seq);
            o.schedule = schedules.len() as u32;
            o.flags |= flags;
            schedules.extend(rows);
        }
        if let Some(b) = crate::model::twin::group_batches(spec, n, setup.seed, setup.steps) {
            let at = batches.len();
            let rows = setup.steps as usize;
            batches.resize(at + 2 * rows, 0);
            for k in 0..rows {
                let first = batches.len() as u32;
                let points = b.of_step(k);
                batches[at + 2 * k] = first;
                batches[at + 2 * k + 1] = points.len() as u32;
                batches.extend(points.map(|i| i as u32));
            }
            o.batches = at as u32;
            items = items.max(b.size + n);
        }
        optimizers.push(o);
    }
    if schedules.is_empty() {
        schedules.push([0.0; 2]);
    }
    if batches.is_empty() {
        batches.push(0);
    }
    Ok((optimizers, schedules, batches, items as u32))
}

/// A whole run's results, particle after particle (group-major).
#[derive(Clone, Debug, Default)]
pub struct Trained {
    pub meta: Vec<ModelMeta>,
    /// Empty unless the setup keeps them.
    pub parameters: Vec<Vec<f32>>,
    /// Per particle, its recorded trail points in step order.
    pub trails: Vec<Vec<TrailPoint>>,
}

impl Trained {
    /// Every model's end as a sweep map reads a surface particle's (its position: its first
    /// two parameters, when kept), and its trainability sums.
    pub fn outcome(&self) -> (Vec<Particle>, Vec<ScoreSums>) {
        self.meta
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let theta = self.parameters.get(i).map_or(&[][..], Vec::as_slice);
                let particle = Particle {
                    pos: [
                        theta.first().copied().unwrap_or(0.0),
                        theta.get(1).copied().unwrap_or(0.0),
                    ],
                    ..m.end()
                };
                (particle, m.scores)
            })
            .unzip()
    }
}

/// Trains every particle of `setup` to its end, chunk after chunk, calling `progress` with
/// the particles done so far.
#[cfg(not(target_arch = "wasm32"))]
pub fn train(
    gpu: &Gpu,
    setup: &ModelSetup<'_>,
    progress: &mut dyn FnMut(usize),
) -> Result<Trained, ModelSimError> {
    pollster::block_on(train_async(gpu, setup, progress))
}

/// [`train`] as a future (a page cannot wait for the GPU; natively every read is done when
/// it returns).
pub async fn train_async(
    gpu: &Gpu,
    setup: &ModelSetup<'_>,
    progress: &mut dyn FnMut(usize),
) -> Result<Trained, ModelSimError> {
    train_in_chunks_async(gpu, setup, chunk_particles(gpu, setup)?, progress).await
}

/// As [`train`], `per_chunk` particles at a time.
#[cfg(not(target_arch = "wasm32"))]
pub fn train_in_chunks(
    gpu: &Gpu,
    setup: &ModelSetup<'_>,
    per_chunk: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Trained, ModelSimError> {
    pollster::block_on(train_in_chunks_async(gpu, setup, per_chunk, progress))
}

async fn train_in_chunks_async(
    gpu: &Gpu,
    setup: &ModelSetup<'_>,
    per_chunk: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Trained, ModelSimError> {
    let total = setup.particles();
    if total == 0 {
        return Err(ModelSimError::Empty);
    }
    let mut out = Trained::default();
    let mut first = 0;
    while first < total {
        let count = per_chunk.min(total - first);
        let mut sim = ModelSim::new(gpu, setup, first, count)?;
        sim.advance_to(gpu, setup.steps);
        out.meta.extend(sim.read_meta_async(gpu).await?);
        if setup.keep_parameters {
            out.parameters.extend(sim.read_parameters_async(gpu).await?);
        }
        let ring = sim.read_trail_async(gpu).await?;
        let slots = setup.trail_capacity() as usize;
        out.trails
            .extend((0..count).map(|i| (0..slots).map(|s| ring[s * count + i]).collect::<Vec<_>>()));
        if let Some(e) = gpu.take_fault() {
            return Err(e.into());
        }
        first += count;
        progress(first);
    }
    Ok(out)
}
