//! The particle simulation on the GPU: one compute pipeline steps every particle of every
//! optimizer group, looping many steps inside one dispatch, and writes trail points into a
//! ring buffer.
//!
//! Memory: a particle is 48 bytes, a trail point 16. One storage binding is capped by the
//! adapter (128 MiB on lavapipe), so particles are split into *chunks*, each with its own
//! particle buffer and trail ring that fit one binding; how many particles and trail points
//! there may be at all follows the adapter's memory ([`crate::gpu::memory`]). The trail keeps
//! `capacity` points per particle, recording every `record_every`-th step; [`TrailPlan`] says
//! what was kept. Exports stream the ring out chunk by chunk.
//!
//! Pacing: work is submitted in *slices* (a chunk, or part of one on a CPU adapter) whose
//! dispatches are sized from the measured particle-steps per second to take about
//! [`DISPATCH_SECONDS`]: big enough to amortise submission at any particle count, small enough
//! that a window can interleave frames and no GPU watchdog fires. Each slice keeps its own
//! clock; [`Simulation::advance_within`] stops at a deadline, so a window stays interactive
//! while a large simulation catches up.
//!
//! - `mod.rs`: [`Simulation`], its chunks and slices, stepping and readback;
//! - `plan.rs`: how particles and trails are laid out in memory ([`TrailPlan`], chunks) and
//!   what fits; `setup.rs`: what a simulation is made from ([`SimSetup`]) and the per-step
//!   tables it uploads; `pacer.rs`: dispatch sizes from the measured rate.

mod pacer;
mod plan;
mod replay;
mod setup;

use std::sync::Arc;
use std::time::Duration;

use web_time::Instant;
use wgpu::util::DeviceExt;

use crate::gpu::gpu_data::{Particle, STATUS_DIVERGED, STATUS_RUNNING, SimParams, TrailPoint};
use crate::gpu::later::Tag;
use crate::gpu::pipeline::{buffer_entry, compute_pipeline_with};
use crate::gpu::{Gpu, GpuError};
use crate::optim::{self, GpuOptimizer};
use pacer::MEASURE_WORK;
pub use pacer::{DISPATCH_SECONDS, Pacer};
pub use plan::*;
pub use replay::Recorded;
use setup::StepTables;
pub use setup::{SimSetup, divergence_bound, schedule_rows};

pub(crate) const WORKGROUP: u32 = 64;
/// Most particles in one slice on a CPU adapter, where one step of 2^17 particles takes a few
/// milliseconds; a GPU takes whole chunks.
const CPU_SLICE_PARTICLES: u32 = 1 << 17;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(
        "{particles} particles need {needed_mib:.1} MiB of particle state, over the \
         {usable_mib:.1} MiB descent may use of {memory}; at most {max} particles fit"
    )]
    TooManyParticles {
        particles: u64,
        max: u64,
        needed_mib: f64,
        usable_mib: f64,
        memory: String,
    },
    #[error("no particles: give at least one optimizer and one start point")]
    Empty,
    /// A schedule or mini-batch table that cannot be built (torch would raise, or it is too big).
    #[error("{0}")]
    Tables(String),
    #[error("the surface shader did not compile: {0}")]
    Shader(String),
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// One chunk's buffers: its particles' state and their trail ring (point `slot * count + l`
/// is the chunk's particle l in that slot).
pub struct Chunk {
    pub range: ChunkRange,
    particles: wgpu::Buffer,
    trail: wgpu::Buffer,
    /// Trainability sums, one vec4 per particle (a placeholder when the run keeps none).
    scores: wgpu::Buffer,
}

/// What a new chunk's trail ring holds.
enum Ring<'a> {
    /// `capacity` points per particle, written as the run goes (at least one, to bind).
    Empty { capacity: u32 },
    /// Points recorded elsewhere, slot-major.
    Filled(&'a [TrailPoint]),
}

impl Chunk {
    /// The buffers of the particles `range`, starting from `state` (theirs alone), with a
    /// trail ring as `ring` says and a vec4 of trainability sums each when `scores`.
    fn new(gpu: &Gpu, range: ChunkRange, state: &[Particle], ring: Ring<'_>, scores: bool) -> Self {
        let particles = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("sim.particles"),
            contents: bytemuck::cast_slice(state),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::VERTEX
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        });
        let trail_usage =
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_SRC;
        let trail = match ring {
            Ring::Empty { capacity } => gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("sim.trail"),
                size: u64::from(capacity.max(1)) * u64::from(range.count) * TRAIL_POINT_BYTES,
                usage: trail_usage,
                mapped_at_creation: false,
            }),
            Ring::Filled(points) => gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("sim.trail"),
                contents: bytemuck::cast_slice(points),
                usage: trail_usage,
            }),
        };
        let scores = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("sim.scores"),
            size: if scores { u64::from(range.count) * 16 } else { 16 },
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        Self {
            range,
            particles,
            trail,
            scores,
        }
    }

    pub fn particle_buffer(&self) -> &wgpu::Buffer {
        &self.particles
    }

    pub fn trail_buffer(&self) -> &wgpu::Buffer {
        &self.trail
    }
}

/// One particle's trainability sums as the GPU keeps them (see `shaders/sim.wgsl`): its first
/// loss, then over the normalised losses before each step, their sum, the sum of their
/// inverses and the sum of the last 20.
pub type ScoreSums = [f32; 4];

/// A unit of submitted work: part of a chunk, with its own clock.
struct Slice {
    chunk: usize,
    first: u32,
    count: u32,
    /// Global steps taken: the next dispatch starts at this step.
    clock: u32,
    params_buffer: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    dispatch: [u32; 2],
}

/// Recorded paths of a few particles ([`Simulation::read_paths`]).
#[derive(Clone, Debug, Default)]
pub struct Paths {
    /// The step of each record.
    pub steps: Vec<u32>,
    /// Each particle's records, oldest first.
    pub points: Vec<Vec<TrailPoint>>,
    /// Whether this answers the question asked (natively always; a page's may be older).
    pub current: bool,
}

pub struct Simulation {
    /// None for a replay ([`Recorded`]): its history is all there, its clock at the end.
    pipeline: Option<wgpu::ComputePipeline>,
    chunks: Vec<Chunk>,
    slices: Vec<Slice>,
    initial: Vec<Particle>,
    params: SimParams,
    n_particles: u32,
    pacer: Pacer,
    /// Bumped by `reset`: with `steps_done`, what identifies the trail's contents.
    resets: u64,
    /// The last whole-trail readback, and the (resets, steps done) it was read at.
    trail_memo: std::sync::Mutex<Option<TrailMemo>>,
    /// The learning rate of every scheduled step, as uploaded (the schedule tables' first
    /// column), and where each group's starts ([`GpuOptimizer::NO_TABLE`]: no schedule).
    lr_table: Vec<f32>,
    lr_at: Vec<u32>,
    max_steps: u32,
    /// Whether the chunks keep trainability sums.
    keeps_scores: bool,
}

type TrailMemo = ((u64, u32), Trail);

/// A whole trail ring read back, shared by the plots that read it.
pub type Trail = Arc<Vec<TrailPoint>>;

impl Simulation {
    /// Checks the particle count against the memory descent may use before any GPU work.
    pub fn check_fits(gpu: &Gpu, particles: u64) -> Result<(), SimError> {
        let memory = crate::gpu::memory::AdapterMemory::of(gpu);
        check_fits_in(memory.usable(), &memory.describe(), particles)
    }

    pub fn new(gpu: &Gpu, setup: &SimSetup<'_>) -> Result<Self, SimError> {
        Self::with_chunk_limit(gpu, setup, u32::MAX)
    }

    /// As [`Self::new`] with at most `chunk_particles` particles per chunk (and slice): tests
    /// split small runs the way large ones are split.
    pub fn with_chunk_limit(gpu: &Gpu, setup: &SimSetup<'_>, chunk_particles: u32) -> Result<Self, SimError> {
        let starts_per_group = setup.starts.len() as u64;
        let n = starts_per_group * setup.optimizers.len() as u64;
        if n == 0 {
            return Err(SimError::Empty);
        }
        Self::check_fits(gpu, n)?;
        let n = u32::try_from(n).map_err(|_| SimError::TooManyParticles {
            particles: n,
            max: u64::from(u32::MAX),
            needed_mib: (n * PARTICLE_BYTES) as f64 / 1048576.0,
            usable_mib: f64::INFINITY,
            memory: "descent's particle indices (32 bits)".into(),
        })?;

        let source = crate::shaders::sim_source(&setup.surface.wgsl());
        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = crate::gpu::pipeline::shader(gpu, "sim.shader", source);
        let layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("sim.bind_group_layout"),
                entries: &[
                    layout_entry(0, wgpu::BufferBindingType::Uniform),
                    layout_entry(1, wgpu::BufferBindingType::Storage { read_only: true }),
                    layout_entry(2, wgpu::BufferBindingType::Storage { read_only: false }),
                    layout_entry(3, wgpu::BufferBindingType::Storage { read_only: false }),
                    layout_entry(4, wgpu::BufferBindingType::Storage { read_only: true }),
                    layout_entry(5, wgpu::BufferBindingType::Storage { read_only: true }),
                    layout_entry(6, wgpu::BufferBindingType::Storage { read_only: false }),
                    layout_entry(7, wgpu::BufferBindingType::Storage { read_only: true }),
                ],
            });
        let limits = gpu.device.limits();
        let tables = StepTables::build(setup, max_binding(&limits))?;
        let on = |b: bool| if b { 1.0 } else { 0.0 };
        let constants = [
            ("SIM_BATCHES", on(tables.uses[0])),
            ("SIM_NOISE", on(tables.uses[1])),
            ("SIM_SCHEDULES", on(tables.uses[2])),
            ("SIM_SCORES", on(setup.scores)),
            ("SIM_SURFACE_PARAMS", on(tables.uses[3])),
        ];
        let pipeline = compute_pipeline_with(
            gpu,
            "sim.pipeline",
            &module,
            &layout,
            "step_particles",
            &constants,
        );
        if let Some(e) = crate::gpu::context::scope_error(scope) {
            return Err(SimError::Shader(e.to_string()));
        }

        let gpu_optimizers = tables.optimizers;
        let lr_table: Vec<f32> = tables.schedules.iter().map(|row| row[0]).collect();
        let lr_at: Vec<u32> = gpu_optimizers.iter().map(|o| o.schedule).collect();
        let table_buffer = |label: &str, bytes: &[u8]| {
            gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytes,
                usage: wgpu::BufferUsages::STORAGE,
            })
        };
        let schedule_buffer = table_buffer("sim.schedules", bytemuck::cast_slice(&tables.schedules));
        let batch_buffer = table_buffer("sim.batches", bytemuck::cast_slice(&tables.batches));
        let surface_buffer = table_buffer("sim.surface_params", bytemuck::cast_slice(&tables.surface_params));
        let initial = initial_particles(setup);
        let optimizer_buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("sim.optimizers"),
            contents: bytemuck::cast_slice(&gpu_optimizers),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let mut ranges = chunk_ranges(&limits, n, setup.trail.capacity);
        if ranges.first().is_some_and(|r| r.count > chunk_particles) {
            let size = chunk_particles.max(1);
            ranges = (0..n.div_ceil(size))
                .map(|k| ChunkRange {
                    first: k * size,
                    count: size.min(n - k * size),
                })
                .collect();
        }
        let chunks: Vec<Chunk> = ranges
            .iter()
            .map(|&range| {
                let own = &initial[range.first as usize..(range.first + range.count) as usize];
                let ring = Ring::Empty {
                    capacity: setup.trail.capacity,
                };
                Chunk::new(gpu, range, own, ring, setup.scores)
            })
            .collect();

        let slice_most = if gpu.adapter.get_info().device_type == wgpu::DeviceType::Cpu {
            CPU_SLICE_PARTICLES
        } else {
            u32::MAX
        };
        let max_groups = limits.max_compute_workgroups_per_dimension.max(1);
        let mut slices = Vec::new();
        for (k, chunk) in chunks.iter().enumerate() {
            let mut first = 0;
            while first < chunk.range.count {
                let count = slice_most.min(chunk.range.count - first);
                let groups = count.div_ceil(WORKGROUP);
                let cols = groups.min(max_groups);
                let params_buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("sim.params"),
                    size: std::mem::size_of::<SimParams>() as u64,
                    usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("sim.bind_group"),
                    layout: &layout,
                    entries: &[
                        entry(0, &params_buffer),
                        entry(1, &optimizer_buffer),
                        entry(2, &chunk.particles),
                        entry(3, &chunk.trail),
                        entry(4, &schedule_buffer),
                        entry(5, &batch_buffer),
                        entry(6, &chunk.scores),
                        entry(7, &surface_buffer),
                    ],
                });
                slices.push(Slice {
                    chunk: k,
                    first,
                    count,
                    clock: 0,
                    params_buffer,
                    bind_group,
                    dispatch: [cols, groups.div_ceil(cols)],
                });
                first += count;
            }
        }

        let center = setup.surface.domain.center();
        let params = SimParams {
            n_particles: 0,
            starts_per_group: starts_per_group as u32,
            first_step: 0,
            steps: 0,
            max_steps: setup.max_steps,
            record_every: setup.trail.record_every.max(1),
            trail_capacity: setup.trail.capacity,
            row_stride: 0,
            tol: setup.tol as f32,
            bound: divergence_bound(setup.surface) as f32,
            center: [center[0] as f32, center[1] as f32],
            chunk_first: 0,
            slice_first: 0,
            slice_count: 0,
            _pad: 0,
            noise_key: crate::noise::key(setup.seed),
        };
        Ok(Self {
            pipeline: Some(pipeline),
            chunks,
            slices,
            initial,
            params,
            n_particles: n,
            pacer: Pacer::default(),
            resets: 0,
            trail_memo: std::sync::Mutex::new(None),
            lr_table,
            lr_at,
            max_steps: setup.max_steps,
            keeps_scores: setup.scores,
        })
    }

    /// Group `group`'s learning rate at every step (index t - 1 for step t) as its schedule
    /// set it, computed once with the run's tables; None without a schedule.
    pub fn scheduled_lr(&self, group: usize) -> Option<&[f32]> {
        let at = *self.lr_at.get(group)?;
        (at != GpuOptimizer::NO_TABLE).then(|| &self.lr_table[at as usize..(at + self.max_steps) as usize])
    }

    pub fn particle_count(&self) -> u32 {
        self.n_particles
    }

    pub fn starts_per_group(&self) -> u32 {
        self.params.starts_per_group
    }

    pub fn trail_plan(&self) -> TrailPlan {
        TrailPlan {
            capacity: self.params.trail_capacity,
            record_every: self.params.record_every,
        }
    }

    /// The chunks, in particle order.
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// Bytes of GPU buffers the particle state and trails take.
    pub fn gpu_bytes(&self) -> u64 {
        self.chunks
            .iter()
            .map(|c| c.particles.size() + c.trail.size())
            .sum()
    }

    /// The slowest slice's clock: every particle has been simulated up to here.
    fn clock(&self) -> u32 {
        if self.pipeline.is_none() {
            return self.max_steps + 1;
        }
        self.slices.iter().map(|s| s.clock).min().unwrap_or(0)
    }

    /// Global steps simulated so far for every particle (0: only the start points exist).
    pub fn steps_done(&self) -> u32 {
        self.clock().saturating_sub(1)
    }

    pub fn max_steps(&self) -> u32 {
        self.params.max_steps
    }

    /// Whether step 0 has been simulated for every particle (the start points recorded in
    /// the trail).
    pub fn has_started(&self) -> bool {
        self.clock() > 0
    }

    /// Every particle's state before the first step, group-major: the first
    /// `starts_per_group()` of them are the start points.
    pub fn initial_particles(&self) -> &[Particle] {
        &self.initial
    }

    /// The measured simulation rate, once a dispatch was timed.
    pub fn pacer(&self) -> Pacer {
        self.pacer
    }

    /// Back to the start points; the trail is overwritten as the run goes.
    pub fn reset(&mut self, gpu: &Gpu) {
        self.resets += 1;
        if self.pipeline.is_none() {
            // A replay's particles hold their end state: the trail has the rest.
            return;
        }
        for chunk in &self.chunks {
            let r = chunk.range;
            let own = &self.initial[r.first as usize..(r.first + r.count) as usize];
            gpu.queue
                .write_buffer(&chunk.particles, 0, bytemuck::cast_slice(own));
        }
        for slice in &mut self.slices {
            slice.clock = 0;
        }
    }

    /// Simulates up to and including global step `target` (clamped to max_steps). Step 0
    /// records the start points.
    pub fn advance_to(&mut self, gpu: &Gpu, target: u32) {
        self.advance(gpu, target, None);
    }

    /// As [`Self::advance_to`], but stops submitting once `budget` has passed (after at least
    /// one dispatch); returns whether every particle reached `target`.
    pub fn advance_within(&mut self, gpu: &Gpu, target: u32, budget: Duration) -> bool {
        self.advance(gpu, target, Some(Instant::now() + budget))
    }

    fn advance(&mut self, gpu: &Gpu, target: u32, deadline: Option<Instant>) -> bool {
        let Some(pipeline) = &self.pipeline else {
            return true;
        };
        let target = target.min(self.params.max_steps);
        let mut dispatched = false;
        loop {
            // The slice furthest behind goes next, so slices stay close to each other.
            let Some(k) = (0..self.slices.len())
                .filter(|&k| self.slices[k].clock <= target)
                .min_by_key(|&k| self.slices[k].clock)
            else {
                return true;
            };
            if dispatched && deadline.is_some_and(|d| Instant::now() >= d) {
                return false;
            }
            let slice = &self.slices[k];
            let chunk = &self.chunks[slice.chunk];
            let steps = (target + 1 - slice.clock).min(self.pacer.steps_for(slice.count));
            let params = SimParams {
                n_particles: chunk.range.count,
                first_step: slice.clock,
                steps,
                row_stride: slice.dispatch[0] * WORKGROUP,
                chunk_first: chunk.range.first,
                slice_first: slice.first,
                slice_count: slice.count,
                ..self.params
            };
            gpu.queue
                .write_buffer(&slice.params_buffer, 0, bytemuck::bytes_of(&params));
            let work = u64::from(steps) * u64::from(slice.count);
            let started = Instant::now();
            gpu.dispatch(
                "sim.step",
                pipeline,
                &slice.bind_group,
                [slice.dispatch[0], slice.dispatch[1], 1],
            );
            // A page cannot wait for the GPU (its poll returns at once), so there dispatches keep
            // the first size rather than follow a rate that timed only the submission.
            if !cfg!(target_arch = "wasm32")
                && work >= MEASURE_WORK
                && gpu.device.poll(wgpu::PollType::wait_indefinitely()).is_ok()
            {
                self.pacer.observe(work, started.elapsed().as_secs_f64());
            }
            self.slices[k].clock += steps;
            dispatched = true;
        }
    }

    /// Every particle's trainability sums, in particle order; None when the run keeps none
    /// (its scene does not ask for the trainability score). [`Self::read_scores_async`],
    /// blocking (natively a read is done when it returns).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn read_scores(&self, gpu: &Gpu) -> Result<Option<Vec<ScoreSums>>, GpuError> {
        pollster::block_on(self.read_scores_async(gpu))
    }

    /// Reads every particle's current state, in particle order: [`Self::read_particles_async`],
    /// blocking.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn read_particles(&self, gpu: &Gpu) -> Result<Vec<Particle>, GpuError> {
        pollster::block_on(self.read_particles_async(gpu))
    }

    /// The recorded path of each of `particles` (global indices), oldest record first, up to
    /// global step `up_to`, with the step of each record: only those records are read back
    /// (one highlighted group of a sweep, not the whole ring). Natively read now; in a page
    /// the newest answer for these particles that arrived (`None` until the first), which
    /// may be to an earlier step ([`Paths::current`] says).
    pub fn read_paths(
        &self,
        gpu: &Gpu,
        particles: std::ops::Range<u32>,
        up_to: u32,
    ) -> Result<Option<Paths>, GpuError> {
        let capacity = self.params.trail_capacity;
        let every = self.params.record_every.max(1);
        let none = Paths {
            current: true,
            ..Paths::default()
        };
        if capacity == 0 || !self.has_started() || particles.is_empty() {
            return Ok(Some(none));
        }
        let newest = self.steps_done() / every;
        let oldest = (newest + 1).saturating_sub(capacity);
        let last = up_to.min(self.steps_done()) / every;
        if last < oldest {
            return Ok(Some(none));
        }
        let mut ranges = Vec::new();
        for i in particles.clone() {
            let Some(chunk) = self
                .chunks
                .iter()
                .find(|c| (c.range.first..c.range.first + c.range.count).contains(&i))
            else {
                continue;
            };
            let l = u64::from(i - chunk.range.first);
            for r in oldest..=last {
                let slot = u64::from(r % capacity);
                ranges.push((
                    &chunk.trail,
                    (slot * u64::from(chunk.range.count) + l) * TRAIL_POINT_BYTES,
                    TRAIL_POINT_BYTES,
                ));
            }
        }
        // The question, as a page's answer is tagged: the run, the first particle, the records.
        let asked: Tag = [self.resets as u32, particles.start, oldest, last];
        #[cfg(not(target_arch = "wasm32"))]
        let answer = Some((asked, Arc::new(gpu.read_ranges(&ranges)?)));
        #[cfg(target_arch = "wasm32")]
        let answer = gpu
            .read_latest("sim.paths", &ranges, asked)?
            .filter(|(tag, _)| tag[..2] == asked[..2]);
        Ok(answer.map(|(tag, bytes)| {
            let [_, _, oldest, last] = tag;
            let points: &[TrailPoint] = bytemuck::cast_slice(&bytes);
            let per = (last - oldest + 1) as usize;
            Paths {
                steps: (oldest..=last).map(|r| r * every).collect(),
                points: points.chunks(per).map(<[TrailPoint]>::to_vec).collect(),
                current: tag == asked,
            }
        }))
    }

    /// Every particle's trainability sums with the step they were read at, when the scene
    /// keeps them: natively read now; in a page the newest answer that arrived.
    pub fn read_scores_latest(&self, gpu: &Gpu) -> Result<Option<(u32, Vec<ScoreSums>)>, GpuError> {
        if !self.keeps_scores {
            return Ok(None);
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            Ok(self.read_scores(gpu)?.map(|s| (self.steps_done(), s)))
        }
        #[cfg(target_arch = "wasm32")]
        {
            let ranges: Vec<_> = self
                .chunks
                .iter()
                .map(|c| (&c.scores, 0, c.scores.size()))
                .collect();
            Ok(gpu
                .read_latest("sim.scores", &ranges, self.state_tag())?
                .filter(|(tag, _)| self.this_run(tag))
                .map(|(tag, bytes)| (tag[2], bytemuck::pod_collect_to_vec(&bytes))))
        }
    }

    /// [`Self::read_scores`] as a future (a page cannot wait for the GPU).
    pub async fn read_scores_async(&self, gpu: &Gpu) -> Result<Option<Vec<ScoreSums>>, GpuError> {
        if !self.keeps_scores {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(self.n_particles as usize);
        for chunk in &self.chunks {
            let bytes = gpu
                .read_buffer_async(&chunk.scores, 0, chunk.scores.size())
                .await?;
            out.extend_from_slice(bytemuck::cast_slice(&bytes));
        }
        Ok(Some(out))
    }

    /// Whether the particles keep trainability sums (a scene scored by trainability).
    pub fn keeps_scores(&self) -> bool {
        self.keeps_scores
    }

    /// What a read of the simulation's state shows: which run (resets) and step.
    #[cfg(target_arch = "wasm32")]
    fn state_tag(&self) -> Tag {
        let [r0, r1] = self.run_tag();
        [r0, r1, self.steps_done(), 0]
    }

    /// Whether a read's `tag` shows this run, not one from before the last reset.
    #[cfg(target_arch = "wasm32")]
    fn this_run(&self, tag: &Tag) -> bool {
        tag[..2] == self.run_tag()
    }

    /// Which run (resets since the start), as the first two words of a read's [`Tag`].
    pub fn run_tag(&self) -> [u32; 2] {
        [self.resets as u32, (self.resets >> 32) as u32]
    }

    /// Every particle's state and the step it shows: natively read now; in a page the newest
    /// answer that arrived ([`Gpu::read_latest`]), `None` until this run's first.
    pub fn read_particles_latest(&self, gpu: &Gpu) -> Result<Option<(u32, Vec<Particle>)>, GpuError> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            Ok(Some((self.steps_done(), self.read_particles(gpu)?)))
        }
        #[cfg(target_arch = "wasm32")]
        {
            Ok(gpu
                .read_latest("sim.particles", &self.particle_ranges(), self.state_tag())?
                .filter(|(tag, _)| self.this_run(tag))
                .map(|(tag, bytes)| (tag[2], bytemuck::pod_collect_to_vec(&bytes))))
        }
    }

    /// Every chunk's particle buffer, whole: a read of all particles in particle order.
    #[cfg(target_arch = "wasm32")]
    fn particle_ranges(&self) -> Vec<(&wgpu::Buffer, u64, u64)> {
        self.chunks
            .iter()
            .map(|c| (&c.particles, 0, c.particles.size()))
            .collect()
    }

    /// A page's read of the particles that is asked once and kept for later, in slot `name`
    /// (a run's end state, read before the reset that follows it): `ask` sends it, and later
    /// calls without `ask` return it once it came, with its tag.
    #[cfg(target_arch = "wasm32")]
    pub fn read_particles_kept(
        &self,
        gpu: &Gpu,
        name: &'static str,
        ask: bool,
    ) -> Result<Option<(Tag, Vec<Particle>)>, GpuError> {
        let ranges = self.particle_ranges();
        let answer = if ask {
            gpu.read_latest(name, &ranges, self.state_tag())?
        } else {
            ranges.first().and_then(|r| crate::gpu::later::peek(name, r.0))
        };
        Ok(answer.map(|(tag, bytes)| (tag, bytemuck::pod_collect_to_vec(&bytes))))
    }

    /// The whole trail ring (point `slot * n + i` is particle i's record in that slot) and the
    /// step it was read at, as [`Self::read_particles_latest`] answers. Decoded again only
    /// when the simulation moved on since the last answer (plots of a few particles ask for it
    /// every frame; natively a readback waits for the GPU).
    pub fn read_trail_latest(&self, gpu: &Gpu) -> Result<Option<(u32, Trail)>, GpuError> {
        let mut memo = self.trail_memo.lock().unwrap_or_else(|e| e.into_inner());
        let memo_at = |memo: &Option<TrailMemo>, key| match memo.as_ref() {
            Some((k, trail)) if *k == key => Some(trail.clone()),
            _ => None,
        };
        #[cfg(not(target_arch = "wasm32"))]
        {
            let key = (self.resets, self.steps_done());
            if let Some(trail) = memo_at(&memo, key) {
                return Ok(Some((key.1, trail)));
            }
            let trail = Arc::new(self.read_trail(gpu)?);
            *memo = Some((key, trail.clone()));
            Ok(Some((key.1, trail)))
        }
        #[cfg(target_arch = "wasm32")]
        {
            let ranges: Vec<_> = self
                .chunks
                .iter()
                .map(|c| (&c.trail, 0, c.trail.size()))
                .collect();
            let Some((tag, bytes)) = gpu
                .read_latest("sim.trail", &ranges, self.state_tag())?
                .filter(|(tag, _)| self.this_run(tag))
            else {
                return Ok(None);
            };
            let key = (self.resets, tag[2]);
            if let Some(trail) = memo_at(&memo, key) {
                return Ok(Some((key.1, trail)));
            }
            let mut out = self.trail_vec();
            let mut at = 0;
            for (k, chunk) in self.chunks.iter().enumerate() {
                let size = chunk.trail.size() as usize;
                self.place_trail_chunk(&mut out, k, &bytes[at..at + size]);
                at += size;
            }
            let trail = Arc::new(out);
            *memo = Some((key, trail.clone()));
            Ok(Some((key.1, trail)))
        }
    }

    pub fn read_trail(&self, gpu: &Gpu) -> Result<Vec<TrailPoint>, GpuError> {
        let mut out = self.trail_vec();
        for (k, chunk) in self.chunks.iter().enumerate() {
            self.place_trail_chunk(
                &mut out,
                k,
                &gpu.read_buffer(&chunk.trail, 0, chunk.trail.size())?,
            );
        }
        Ok(out)
    }

    /// [`Self::read_trail`] as a future (a page cannot wait for the GPU).
    pub async fn read_trail_async(&self, gpu: &Gpu) -> Result<Vec<TrailPoint>, GpuError> {
        let mut out = self.trail_vec();
        for (k, chunk) in self.chunks.iter().enumerate() {
            let bytes = gpu.read_buffer_async(&chunk.trail, 0, chunk.trail.size()).await?;
            self.place_trail_chunk(&mut out, k, &bytes);
        }
        Ok(out)
    }

    /// [`Self::read_particles`] as a future.
    pub async fn read_particles_async(&self, gpu: &Gpu) -> Result<Vec<Particle>, GpuError> {
        let mut out = Vec::with_capacity(self.n_particles as usize);
        for chunk in &self.chunks {
            let bytes = gpu
                .read_buffer_async(&chunk.particles, 0, chunk.particles.size())
                .await?;
            out.extend_from_slice(bytemuck::cast_slice(&bytes));
        }
        Ok(out)
    }

    fn trail_vec(&self) -> Vec<TrailPoint> {
        let capacity = self.params.trail_capacity.max(1) as usize;
        vec![TrailPoint::default(); capacity * self.n_particles as usize]
    }

    /// Chunk `k`'s ring (slot-major within the chunk) into the whole ring's order.
    fn place_trail_chunk(&self, out: &mut [TrailPoint], k: usize, bytes: &[u8]) {
        let n = self.n_particles as usize;
        let capacity = self.params.trail_capacity.max(1) as usize;
        let points: &[TrailPoint] = bytemuck::cast_slice(bytes);
        let range = self.chunks[k].range;
        let (first, count) = (range.first as usize, range.count as usize);
        for slot in 0..capacity {
            out[slot * n + first..slot * n + first + count]
                .copy_from_slice(&points[slot * count..(slot + 1) * count]);
        }
    }
}

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

fn layout_entry(binding: u32, ty: wgpu::BufferBindingType) -> wgpu::BindGroupLayoutEntry {
    buffer_entry(binding, wgpu::ShaderStages::COMPUTE, ty, None)
}

/// Group-major: particle `g * starts + s` is optimizer g from start s.
fn initial_particles(setup: &SimSetup<'_>) -> Vec<Particle> {
    let mut out = Vec::with_capacity(setup.optimizers.len() * setup.starts.len());
    for spec in setup.optimizers.iter() {
        let st = optim::init_state(spec);
        let values = setup.surface.param_values(&spec.surface);
        for p in setup.starts {
            let pos = [p[0] as f32, p[1] as f32];
            let loss = setup
                .surface
                .value_with([f64::from(pos[0]), f64::from(pos[1])], &values) as f32;
            // A start on a pole (non-finite loss) is diverged before it moves.
            let status = if loss.is_finite() {
                STATUS_RUNNING
            } else {
                STATUS_DIVERGED
            };
            out.push(Particle {
                pos,
                s1: st.s1.map(|v| v as f32),
                s2: st.s2.map(|v| v as f32),
                s3: st.s3.map(|v| v as f32),
                aux: st.aux as f32,
                loss,
                step: 0,
                status,
            });
        }
    }
    out
}
