//! What a simulation is made from ([`SimSetup`]: surface, optimizer groups, starts, trail)
//! and the per-step tables it uploads (schedules, mini-batches), computed once per run in f64
//! by [`crate::step_tables`] and rounded to f32 here.

use super::{SimError, TrailPlan};
use crate::optim::{GpuOptimizer, OptimizerSpec};
use crate::surfaces::Surface;

/// Everything the simulation needs, resolved from a scene.
pub struct SimSetup<'a> {
    pub surface: &'a Surface,
    /// One per group (a scene's sweeps expanded: [`crate::scene::Scene::groups`]).
    pub optimizers: std::borrow::Cow<'a, [OptimizerSpec]>,
    pub starts: &'a [[f64; 2]],
    pub max_steps: u32,
    pub tol: f64,
    pub trail: TrailPlan,
    /// The scene's seed: gradient noise and mini-batch shuffling.
    pub seed: u64,
    /// A linear-regression scene's data (for `batch_size`).
    pub regression: Option<&'a crate::scene::Regression>,
    /// Keep each particle's trainability sums ([`crate::outcome::trainability`]).
    pub scores: bool,
}

impl<'a> SimSetup<'a> {
    /// A scene's run: its surface, optimizer groups and stopping rules from `starts`.
    pub fn for_scene(scene: &'a crate::scene::Scene, starts: &'a [[f64; 2]], trail: TrailPlan) -> Self {
        Self {
            surface: &scene.surface,
            optimizers: if scene.has_sweep() {
                scene.groups().into()
            } else {
                scene.optimizers.as_slice().into()
            },
            starts,
            max_steps: scene.steps,
            tol: scene.tol,
            trail,
            seed: scene.starts.seed,
            regression: scene.regression.as_ref(),
            scores: scene.view.sweep_score == Some(crate::scene::SweepScore::Trainability),
        }
    }
}

/// A schedule's GPU table, (lr, momentum or beta1) per step, and the optimizer flag saying
/// which second column it has.
pub fn schedule_rows(seq: &crate::schedule::Sequence) -> (Vec<[f32; 2]>, u32) {
    let rows = (0..seq.lr.len())
        .map(|k| {
            [
                seq.lr[k] as f32,
                seq.momentum.as_ref().map_or(0.0, |(_, m)| m[k] as f32),
            ]
        })
        .collect();
    let flags = match seq.momentum {
        Some((crate::schedule::Cycled::Momentum, _)) => GpuOptimizer::FLAG_CYCLE_MOMENTUM,
        Some((crate::schedule::Cycled::Beta1, _)) => GpuOptimizer::FLAG_CYCLE_BETA1,
        None => 0,
    };
    (rows, flags)
}

/// Divergence bound: a particle more than 1000 domain-widths from the centre has left.
pub fn divergence_bound(surface: &Surface) -> f64 {
    1000.0 * surface.domain.extent()
}

/// The GPU's per-step tables of every group (see `crate::step_tables`), in f32; groups with
/// equal tables share one. Never empty: a binding needs at least one element.
pub(super) struct StepTables {
    pub(super) optimizers: Vec<GpuOptimizer>,
    /// (lr, momentum or beta1) per scheduled step.
    pub(super) schedules: Vec<[f32; 2]>,
    /// Two rows per mini-batch step: (a11, a12, a21, a22), (c1, c2, 0, 0).
    pub(super) batches: Vec<[f32; 4]>,
    /// Whether any group uses mini-batches, gradient noise, a schedule, its own surface
    /// parameters (the shader's `SIM_*` overrides).
    pub(super) uses: [bool; 4],
    /// The surface's parameter values of every group, `SURFACE_PARAMS` per group, when some
    /// group's differ from the surface's own (`SIM_SURFACE_PARAMS`); else one unused zero.
    pub(super) surface_params: Vec<f32>,
}

impl StepTables {
    pub(super) fn build(setup: &SimSetup<'_>, max_binding: u64) -> Result<Self, SimError> {
        use std::collections::HashMap;
        let inputs = crate::step_tables::StepInputs {
            seed: setup.seed,
            regression: setup.regression,
        };
        let mut out = Self {
            optimizers: Vec::with_capacity(setup.optimizers.len()),
            schedules: Vec::new(),
            batches: Vec::new(),
            uses: [false; 4],
            surface_params: Vec::new(),
        };
        let mut schedule_at: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut batches_at: HashMap<u64, u32> = HashMap::new();
        for spec in setup.optimizers.iter() {
            let tables =
                crate::step_tables::group_tables(spec, setup.max_steps, &inputs).map_err(SimError::Tables)?;
            let mut o = spec.to_gpu();
            if let Some(seq) = &tables.schedule {
                let (rows, flags) = schedule_rows(seq);
                let bits: Vec<u32> = rows.iter().flat_map(|r| r.map(f32::to_bits)).collect();
                o.schedule = *schedule_at.entry(bits).or_insert_with(|| {
                    let at = out.schedules.len() as u32;
                    out.schedules.extend_from_slice(&rows);
                    at
                });
                o.flags |= flags;
            }
            if let Some(b) = &tables.batches {
                o.batches = *batches_at
                    .entry(spec.params.batch_size as u64)
                    .or_insert_with(|| {
                        let at = out.batches.len() as u32;
                        for a in b {
                            out.batches
                                .push([a[0] as f32, a[1] as f32, a[2] as f32, a[3] as f32]);
                            out.batches.push([a[4] as f32, a[5] as f32, 0.0, 0.0]);
                        }
                        at
                    });
            }
            out.optimizers.push(o);
        }
        for (what, bytes) in [
            ("learning-rate schedules", out.schedules.len() as u64 * 8),
            ("mini-batch gradients", out.batches.len() as u64 * 16),
        ] {
            if bytes > max_binding || bytes > u64::from(u32::MAX) {
                return Err(SimError::Tables(format!(
                    "the {what} of this run take {:.1} MiB ({} steps per distinct group), over the {:.1} MiB of one storage binding: use fewer steps or fewer distinct schedules",
                    bytes as f64 / 1048576.0,
                    setup.max_steps,
                    max_binding as f64 / 1048576.0
                )));
            }
        }
        out.uses = [
            !out.batches.is_empty(),
            setup.optimizers.iter().any(|o| o.params.grad_noise != 0.0),
            !out.schedules.is_empty(),
            false,
        ];
        let own = setup.surface.param_values(&[]);
        let rows: Vec<Vec<f64>> = setup
            .optimizers
            .iter()
            .map(|o| setup.surface.param_values(&o.surface))
            .collect();
        if rows.iter().any(|r| *r != own) {
            let bytes = (rows.len() * own.len() * 4) as u64;
            if bytes > max_binding {
                return Err(SimError::Tables(format!(
                    "the surface parameters of {} groups take {:.1} MiB, over the {:.1} MiB of one storage binding",
                    rows.len(),
                    bytes as f64 / 1048576.0,
                    max_binding as f64 / 1048576.0
                )));
            }
            out.surface_params = rows.iter().flatten().map(|v| *v as f32).collect();
            out.uses[3] = true;
        }
        if out.surface_params.is_empty() {
            out.surface_params.push(0.0);
        }
        if out.schedules.is_empty() {
            out.schedules.push([0.0; 2]);
        }
        if out.batches.is_empty() {
            out.batches.push([0.0; 4]);
        }
        Ok(out)
    }
}
