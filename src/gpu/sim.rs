//! The particle simulation on the GPU: one compute pipeline steps every particle of every
//! optimizer group, looping many steps inside one dispatch, and writes trail points into a
//! ring buffer.
//!
//! Memory: a particle is 48 bytes, a trail point 16. One storage binding is capped by the
//! adapter (128 MiB on lavapipe and by wgpu's default), so the trail keeps `capacity` points
//! per particle, recording every `record_every`-th step; `TrailPlan` says what was kept.
//! Exports stream the ring out chunk by chunk, so the whole history never has to fit.

use wgpu::util::DeviceExt;

use crate::gpu::gpu_data::{Particle, STATUS_DIVERGED, STATUS_RUNNING, SimParams, TrailPoint};
use crate::gpu::{Gpu, GpuError};
use crate::optim::{self, GpuOptimizer, OptimizerSpec};
use crate::surfaces::Surface;

/// Particle-steps per dispatch: keeps one dispatch well under a second on a CPU adapter
/// (and under GPU watchdog limits) while amortising submit overhead.
const WORK_PER_DISPATCH: u64 = 1 << 24;
const WORKGROUP: u32 = 64;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(
        "{particles} particles need {needed_mib:.1} MiB of particle state, over this adapter's \
         {limit_mib:.1} MiB storage-buffer limit; at most {max} particles fit"
    )]
    TooManyParticles {
        particles: u64,
        max: u64,
        needed_mib: f64,
        limit_mib: f64,
    },
    #[error("no particles: give at least one optimizer and one start point")]
    Empty,
    #[error("the surface shader did not compile: {0}")]
    Shader(String),
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// What the trail keeps: `capacity` points per particle, one every `record_every` steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrailPlan {
    pub capacity: u32,
    pub record_every: u32,
}

impl TrailPlan {
    /// The largest ring (up to `wanted` points per particle) that fits the adapter's limits
    /// and `budget_bytes`. Zero when not even one point per particle fits.
    pub fn fit(
        gpu_limits: &wgpu::Limits,
        particles: u64,
        wanted: u32,
        record_every: u32,
        budget_bytes: u64,
    ) -> Self {
        let max_bytes = max_binding(gpu_limits).min(budget_bytes);
        let per_particle = (max_bytes / (particles.max(1) * TRAIL_POINT_BYTES)).min(u64::from(u32::MAX));
        Self {
            capacity: wanted.min(per_particle as u32),
            record_every: record_every.max(1),
        }
    }
}

impl TrailPlan {
    /// Every step of a `steps`-step run, whatever it costs (tests and small scenes).
    pub fn every_step(steps: u32) -> Self {
        Self {
            capacity: steps + 1,
            record_every: 1,
        }
    }

    /// A ring that holds a particle's whole path for `steps` steps: every step while it fits
    /// `budget_bytes` and the adapter's limits, else every k-th step (decimated) so that the
    /// path still spans the whole run. None when not even start and end fit.
    pub fn whole_history(
        gpu_limits: &wgpu::Limits,
        particles: u64,
        steps: u32,
        budget_bytes: u64,
    ) -> Option<Self> {
        let most = Self::fit(gpu_limits, particles, u32::MAX, 1, budget_bytes).capacity;
        if most < 2 {
            return None;
        }
        let record_every = steps.div_ceil(most - 1).max(1);
        Some(Self {
            capacity: steps / record_every + 1,
            record_every,
        })
    }

    /// Bytes the ring takes for `particles`.
    pub fn bytes(&self, particles: u64) -> u64 {
        u64::from(self.capacity) * particles * TRAIL_POINT_BYTES
    }

    /// What was kept, in words, for the user.
    pub fn describe(&self, particles: u64) -> String {
        let which = if self.record_every == 1 {
            "every step".to_string()
        } else {
            format!("every {}th step", self.record_every)
        };
        format!(
            "trails keep {which}: {} points per particle, {:.1} MiB",
            self.capacity,
            self.bytes(particles) as f64 / 1048576.0
        )
    }
}

const PARTICLE_BYTES: u64 = std::mem::size_of::<Particle>() as u64;
const TRAIL_POINT_BYTES: u64 = std::mem::size_of::<TrailPoint>() as u64;

fn max_binding(limits: &wgpu::Limits) -> u64 {
    limits.max_storage_buffer_binding_size.min(limits.max_buffer_size)
}

/// Everything the simulation needs, resolved from a scene.
pub struct SimSetup<'a> {
    pub surface: &'a Surface,
    pub optimizers: &'a [OptimizerSpec],
    pub starts: &'a [[f64; 2]],
    pub max_steps: u32,
    pub tol: f64,
    pub trail: TrailPlan,
}

impl<'a> SimSetup<'a> {
    /// A scene's run: its surface, optimizers and stopping rules from `starts`.
    pub fn for_scene(scene: &'a crate::scene::Scene, starts: &'a [[f64; 2]], trail: TrailPlan) -> Self {
        Self {
            surface: &scene.surface,
            optimizers: &scene.optimizers,
            starts,
            max_steps: scene.steps,
            tol: scene.tol,
            trail,
        }
    }
}

/// Divergence bound: a particle more than 1000 domain-widths from the centre has left.
pub fn divergence_bound(surface: &Surface) -> f64 {
    1000.0 * surface.domain.extent()
}

pub struct Simulation {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    params_buffer: wgpu::Buffer,
    particle_buffer: wgpu::Buffer,
    trail_buffer: wgpu::Buffer,
    initial: Vec<Particle>,
    params: SimParams,
    /// Global steps taken so far: the next dispatch starts at this step.
    clock: u32,
    dispatch_rows: u32,
    dispatch_cols: u32,
}

impl Simulation {
    /// Checks the particle count against the adapter before any GPU work.
    pub fn check_fits(limits: &wgpu::Limits, particles: u64) -> Result<(), SimError> {
        let limit = max_binding(limits);
        let max = limit / PARTICLE_BYTES;
        if particles > max {
            return Err(SimError::TooManyParticles {
                particles,
                max,
                needed_mib: (particles * PARTICLE_BYTES) as f64 / 1048576.0,
                limit_mib: limit as f64 / 1048576.0,
            });
        }
        Ok(())
    }

    pub fn new(gpu: &Gpu, setup: &SimSetup<'_>) -> Result<Self, SimError> {
        let starts_per_group = setup.starts.len() as u64;
        let n = starts_per_group * setup.optimizers.len() as u64;
        if n == 0 {
            return Err(SimError::Empty);
        }
        Self::check_fits(&gpu.device.limits(), n)?;
        let n = n as u32;

        let source = crate::shaders::sim_source(&setup.surface.wgsl());
        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = gpu.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("sim.shader"),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("sim.bind_group_layout"),
                entries: &[
                    layout_entry(0, wgpu::BufferBindingType::Uniform),
                    layout_entry(1, wgpu::BufferBindingType::Storage { read_only: true }),
                    layout_entry(2, wgpu::BufferBindingType::Storage { read_only: false }),
                    layout_entry(3, wgpu::BufferBindingType::Storage { read_only: false }),
                ],
            });
        let pipeline_layout = gpu
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("sim.pipeline_layout"),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
        let pipeline = gpu
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("sim.pipeline"),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some("step_particles"),
                compilation_options: Default::default(),
                cache: None,
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(SimError::Shader(e.to_string()));
        }

        let gpu_optimizers: Vec<GpuOptimizer> = setup.optimizers.iter().map(|o| o.to_gpu()).collect();
        let initial = initial_particles(setup);
        let optimizer_buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("sim.optimizers"),
            contents: bytemuck::cast_slice(&gpu_optimizers),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let particle_buffer = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("sim.particles"),
            contents: bytemuck::cast_slice(&initial),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::VERTEX
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        });
        // A zero-capacity trail still needs a bound buffer; one point keeps it valid.
        let trail_points = u64::from(setup.trail.capacity.max(1)) * u64::from(n);
        let trail_buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("sim.trail"),
            size: trail_points * TRAIL_POINT_BYTES,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
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
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params_buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: optimizer_buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: particle_buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: trail_buffer.as_entire_binding(),
                },
            ],
        });

        let groups = n.div_ceil(WORKGROUP);
        let max_groups = gpu.device.limits().max_compute_workgroups_per_dimension.max(1);
        let dispatch_cols = groups.min(max_groups);
        let dispatch_rows = groups.div_ceil(dispatch_cols);
        let center = setup.surface.domain.center();
        let params = SimParams {
            n_particles: n,
            starts_per_group: starts_per_group as u32,
            first_step: 0,
            steps: 0,
            max_steps: setup.max_steps,
            record_every: setup.trail.record_every.max(1),
            trail_capacity: setup.trail.capacity,
            row_stride: dispatch_cols * WORKGROUP,
            tol: setup.tol as f32,
            bound: divergence_bound(setup.surface) as f32,
            center: [center[0] as f32, center[1] as f32],
        };
        Ok(Self {
            pipeline,
            bind_group,
            params_buffer,
            particle_buffer,
            trail_buffer,
            initial,
            params,
            clock: 0,
            dispatch_rows,
            dispatch_cols,
        })
    }

    pub fn particle_count(&self) -> u32 {
        self.params.n_particles
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

    /// Global steps simulated so far (0: only the start points exist).
    pub fn steps_done(&self) -> u32 {
        self.clock.saturating_sub(1)
    }

    pub fn max_steps(&self) -> u32 {
        self.params.max_steps
    }

    pub fn particle_buffer(&self) -> &wgpu::Buffer {
        &self.particle_buffer
    }

    pub fn trail_buffer(&self) -> &wgpu::Buffer {
        &self.trail_buffer
    }

    /// Whether step 0 has been simulated (the start points recorded in the trail).
    pub fn has_started(&self) -> bool {
        self.clock > 0
    }

    /// Every particle's state before the first step, group-major: the first
    /// `starts_per_group()` of them are the start points.
    pub fn initial_particles(&self) -> &[Particle] {
        &self.initial
    }

    /// Back to the start points; the trail is overwritten as the run goes.
    pub fn reset(&mut self, gpu: &Gpu) {
        gpu.queue
            .write_buffer(&self.particle_buffer, 0, bytemuck::cast_slice(&self.initial));
        self.clock = 0;
    }

    /// Simulates up to and including global step `target` (clamped to max_steps), submitting
    /// one dispatch per chunk of work. Step 0 records the start points.
    pub fn advance_to(&mut self, gpu: &Gpu, target: u32) {
        let target = target.min(self.params.max_steps);
        let per_dispatch =
            (WORK_PER_DISPATCH / u64::from(self.params.n_particles)).clamp(1, u64::from(u32::MAX)) as u32;
        while self.clock <= target {
            let steps = (target + 1 - self.clock).min(per_dispatch);
            let params = SimParams {
                first_step: self.clock,
                steps,
                ..self.params
            };
            gpu.queue
                .write_buffer(&self.params_buffer, 0, bytemuck::bytes_of(&params));
            gpu.dispatch(
                "sim.step",
                &self.pipeline,
                &self.bind_group,
                [self.dispatch_cols, self.dispatch_rows, 1],
            );
            self.clock += steps;
        }
    }

    /// Reads every particle's current state.
    pub fn read_particles(&self, gpu: &Gpu) -> Result<Vec<Particle>, GpuError> {
        let bytes = gpu.read_buffer(&self.particle_buffer, 0, self.particle_buffer.size())?;
        Ok(bytemuck::cast_slice(&bytes).to_vec())
    }

    /// Reads the whole trail ring: point `slot * n + i` is particle i's record in that slot.
    pub fn read_trail(&self, gpu: &Gpu) -> Result<Vec<TrailPoint>, GpuError> {
        let bytes = gpu.read_buffer(&self.trail_buffer, 0, self.trail_buffer.size())?;
        Ok(bytemuck::cast_slice(&bytes).to_vec())
    }
}

fn layout_entry(binding: u32, ty: wgpu::BufferBindingType) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// Group-major: particle `g * starts + s` is optimizer g from start s.
fn initial_particles(setup: &SimSetup<'_>) -> Vec<Particle> {
    let mut out = Vec::with_capacity(setup.optimizers.len() * setup.starts.len());
    for spec in setup.optimizers {
        let st = optim::init_state(spec);
        for p in setup.starts {
            let pos = [p[0] as f32, p[1] as f32];
            let loss = setup.surface.value([f64::from(pos[0]), f64::from(pos[1])]) as f32;
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
