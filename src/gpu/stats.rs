//! Per-step statistics of a swarm, computed on the GPU from the trail ring: for each recorded
//! step and optimizer group, a histogram of loss (on a log axis above the surface's lowest
//! value) and how many particles run, converged or diverged (`shaders/trail_stats.wgsl`).
//! The loss plot of many particles draws quantile bands from the histograms and the shares
//! from the counts, without reading a million particles back.
//!
//! Incremental: each call counts only the records added since the last one, reads back only
//! their rows, and keeps every row on the CPU (a few hundred bytes per record and group).

use wgpu::util::DeviceExt;

use crate::gpu::pipeline::{buffer_entry, compute_pipeline};
use crate::gpu::sim::Simulation;
use crate::gpu::{Gpu, GpuError};

/// Loss bins per row (`BINS` in the shader).
pub const BINS: usize = 128;
/// Bins, then running, converged, diverged (`ROW` in the shader).
const ROW: usize = BINS + 3;
/// The log axis reaches this far below the surface's loss span: ln(span * 1e-7).
const DEPTH: f64 = 1e-7;

/// Twin of `StatsParams` in `shaders/trail_stats.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct StatsParams {
    pub first_record: u32,
    pub records: u32,
    pub chunk_first: u32,
    pub chunk_count: u32,
    pub starts_per_group: u32,
    pub groups: u32,
    pub capacity: u32,
    pub _pad0: u32,
    pub lo: f32,
    pub eps: f32,
    pub a: f32,
    pub scale: f32,
    pub row_workgroups: u32,
    pub _pad: [u32; 3],
}
const _: () = assert!(std::mem::size_of::<StatsParams>() == 64);

/// The log axis the bins lie on, from a loss range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossAxis {
    pub lo: f64,
    pub eps: f64,
    /// ln of the lowest bin's edge, and bins per unit of ln.
    pub a: f64,
    pub scale: f64,
}

impl LossAxis {
    /// Bins from `lo` (a loss at or below the least expected) to `hi`, finest near `lo`.
    pub fn new(lo: f64, hi: f64) -> Self {
        let span = (hi - lo).abs().max(1e-30);
        let eps = span * DEPTH;
        let a = eps.ln();
        let top = (span + eps).ln();
        Self {
            lo,
            eps,
            a,
            scale: BINS as f64 / (top - a),
        }
    }

    /// The loss at a fractional bin position (0: the lower edge of bin 0).
    pub fn loss_at(&self, bin: f64) -> f64 {
        (self.a + bin / self.scale).exp() - self.eps + self.lo
    }
}

/// One recorded step of one group.
#[derive(Clone, Debug, PartialEq)]
pub struct StepStats {
    pub step: u32,
    pub hist: [u32; BINS],
    pub running: u32,
    pub converged: u32,
    pub diverged: u32,
}

impl StepStats {
    pub fn total(&self) -> u32 {
        self.running + self.converged + self.diverged
    }

    /// The loss below which a share `q` (0..1) of the particles that did not diverge lie,
    /// interpolated within its bin; None when all diverged.
    pub fn quantile(&self, axis: &LossAxis, q: f64) -> Option<f64> {
        let n: u64 = self.hist.iter().map(|&c| u64::from(c)).sum();
        if n == 0 {
            return None;
        }
        let target = q.clamp(0.0, 1.0) * n as f64;
        let mut below = 0.0;
        for (b, &c) in self.hist.iter().enumerate() {
            let c = f64::from(c);
            if c > 0.0 && below + c >= target {
                return Some(axis.loss_at(b as f64 + (target - below) / c));
            }
            below += c;
        }
        Some(axis.loss_at(BINS as f64))
    }
}

pub struct TrailStats {
    pipeline: wgpu::ComputePipeline,
    /// Per chunk: params buffer, bind group, particle count, workgroups (cols, rows).
    chunks: Vec<(wgpu::Buffer, wgpu::BindGroup, u32, [u32; 2])>,
    counts: wgpu::Buffer,
    axis: LossAxis,
    groups: usize,
    capacity: u32,
    record_every: u32,
    starts_per_group: u32,
    /// Rows per group, in record order from record 0.
    rows: Vec<Vec<StepStats>>,
}

impl TrailStats {
    /// Statistics of `sim`'s trail with losses binned on [`LossAxis::new`]`(lo, hi)`.
    pub fn new(gpu: &Gpu, sim: &Simulation, lo: f64, hi: f64) -> Self {
        let source = crate::shaders::trail_stats_source();
        let module = crate::gpu::pipeline::shader(gpu, "stats.shader", source);
        let entry = |binding, ty| buffer_entry(binding, wgpu::ShaderStages::COMPUTE, ty, None);
        let layout = gpu
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("stats.layout"),
                entries: &[
                    entry(0, wgpu::BufferBindingType::Uniform),
                    entry(1, wgpu::BufferBindingType::Storage { read_only: true }),
                    entry(2, wgpu::BufferBindingType::Storage { read_only: false }),
                ],
            });
        let pipeline = compute_pipeline(gpu, "stats.pipeline", &module, &layout, "histogram");
        let plan = sim.trail_plan();
        let groups = sim.particle_count().div_ceil(sim.starts_per_group().max(1)) as usize;
        // Room for one batch of every record the ring holds.
        let counts = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("stats.counts"),
            size: (plan.capacity.max(1) as usize * groups * ROW * 4) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let max_groups = gpu.device.limits().max_compute_workgroups_per_dimension.max(1);
        let chunks = sim
            .chunks()
            .iter()
            .map(|chunk| {
                let params = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("stats.params"),
                    contents: bytemuck::bytes_of(&StatsParams::default()),
                    usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                });
                let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("stats.bind_group"),
                    layout: &layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: params.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: chunk.trail_buffer().as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: counts.as_entire_binding(),
                        },
                    ],
                });
                let workgroups = chunk.range.count.div_ceil(256);
                let cols = workgroups.min(max_groups);
                (
                    params,
                    bind_group,
                    chunk.range.count,
                    [cols, workgroups.div_ceil(cols)],
                )
            })
            .collect();
        Self {
            pipeline,
            chunks,
            counts,
            axis: LossAxis::new(lo, hi),
            groups,
            capacity: plan.capacity,
            record_every: plan.record_every.max(1),
            starts_per_group: sim.starts_per_group().max(1),
            rows: vec![Vec::new(); groups],
        }
    }

    pub fn axis(&self) -> &LossAxis {
        &self.axis
    }

    /// Rows per group, from record 0 up to the last counted.
    pub fn rows(&self) -> &[Vec<StepStats>] {
        &self.rows
    }

    /// Counts the records of steps up to `up_to` that are not counted yet (all of them again
    /// when the simulation went back, e.g. a restart).
    pub fn update(&mut self, gpu: &Gpu, sim: &Simulation, up_to: u32) -> Result<(), GpuError> {
        if self.capacity == 0 || !sim.has_started() {
            self.rows.iter_mut().for_each(Vec::clear);
            return Ok(());
        }
        let newest = up_to.min(sim.steps_done()) / self.record_every;
        let counted = self.rows[0].len() as u32;
        if newest + 1 < counted {
            self.rows.iter_mut().for_each(Vec::clear);
        }
        let first = self.rows[0].len() as u32;
        if first > newest {
            return Ok(());
        }
        // Only what the ring still holds.
        let oldest_held = (sim.steps_done() / self.record_every + 1).saturating_sub(self.capacity);
        if first < oldest_held {
            return Ok(());
        }
        let records = (newest + 1 - first).min(self.capacity);
        let bytes = u64::from(records) * (self.groups * ROW * 4) as u64;
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("stats.encoder"),
            });
        encoder.clear_buffer(&self.counts, 0, Some(bytes));
        let mut chunk_first = 0;
        for (params, _, count, [cols, _]) in &self.chunks {
            let p = StatsParams {
                first_record: first,
                records,
                chunk_first,
                chunk_count: *count,
                starts_per_group: self.starts_per_group,
                groups: self.groups as u32,
                capacity: self.capacity,
                _pad0: 0,
                lo: self.axis.lo as f32,
                eps: self.axis.eps as f32,
                a: self.axis.a as f32,
                scale: self.axis.scale as f32,
                row_workgroups: *cols,
                _pad: [0; 3],
            };
            gpu.queue.write_buffer(params, 0, bytemuck::bytes_of(&p));
            chunk_first += count;
        }
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("stats.histogram"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.pipeline);
            for (_, bind_group, _, [cols, rows]) in &self.chunks {
                pass.set_bind_group(0, bind_group, &[]);
                pass.dispatch_workgroups(*cols, *rows, 1);
            }
        }
        gpu.queue.submit([encoder.finish()]);
        // In a page the answer is to an earlier request: taken when it carries on from the
        // rows counted, in this run.
        let run = sim.run_tag();
        let Some((tag, raw)) = gpu.read_latest(
            "stats.counts",
            &[(&self.counts, 0, bytes)],
            [run[0], run[1], first, records],
        )?
        else {
            return Ok(());
        };
        let [r0, r1, first, records] = tag;
        if [r0, r1] != run || first != self.rows[0].len() as u32 {
            return Ok(());
        }
        let words: &[u32] = bytemuck::cast_slice(&raw);
        for k in 0..records as usize {
            for g in 0..self.groups {
                let row = &words[(k * self.groups + g) * ROW..][..ROW];
                let mut hist = [0u32; BINS];
                hist.copy_from_slice(&row[..BINS]);
                self.rows[g].push(StepStats {
                    step: (first + k as u32) * self.record_every,
                    hist,
                    running: row[BINS],
                    converged: row[BINS + 1],
                    diverged: row[BINS + 2],
                });
            }
        }
        Ok(())
    }
}
