//! f64 twin of `shaders/sim.wgsl`: the same particle order, step rules, divergence and
//! convergence tests, per-step tables (schedules, mini-batches) and gradient noise, written to
//! read like the shader.

use crate::gpu::gpu_data::{STATUS_CONVERGED, STATUS_DIVERGED, STATUS_RUNNING};
use crate::gpu::sim::divergence_bound;
use crate::optim::{self, OptState, OptimizerSpec};
use crate::scene::Scene;
use crate::step_tables::{GroupTables, StepInputs, group_tables};
use crate::surfaces::Surface;

/// One particle's state after a step, in f64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CpuPoint {
    pub pos: [f64; 2],
    pub loss: f64,
    pub step: u32,
    pub status: u32,
}

/// Every particle's trajectory: `out[i][s]` is particle i (group-major, as on the GPU) after
/// global step s, for s in 0..=max_steps (frozen particles repeat their last point). Seed 0
/// and no regression data; panics when a schedule fails (`Scene::validate` reports that).
pub fn simulate(
    surface: &Surface,
    optimizers: &[OptimizerSpec],
    starts: &[[f64; 2]],
    max_steps: u32,
    tol: f64,
) -> Vec<Vec<CpuPoint>> {
    simulate_with(
        surface,
        optimizers,
        starts,
        max_steps,
        tol,
        &StepInputs::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A scene's run from `starts` for `max_steps`: its seed and data, as the GPU runs it.
pub fn simulate_scene(
    scene: &Scene,
    starts: &[[f64; 2]],
    max_steps: u32,
) -> Result<Vec<Vec<CpuPoint>>, String> {
    let inputs = StepInputs {
        seed: scene.starts.seed,
        regression: scene.regression.as_ref(),
    };
    // A sweep's groups each run as an optimizer of their own, as on the GPU.
    let groups = if scene.has_sweep() {
        std::borrow::Cow::Owned(scene.groups())
    } else {
        std::borrow::Cow::Borrowed(scene.optimizers.as_slice())
    };
    simulate_with(&scene.surface, &groups, starts, max_steps, scene.tol, &inputs)
}

/// As [`simulate`], with the run's seed and data.
pub fn simulate_with(
    surface: &Surface,
    optimizers: &[OptimizerSpec],
    starts: &[[f64; 2]],
    max_steps: u32,
    tol: f64,
    inputs: &StepInputs<'_>,
) -> Result<Vec<Vec<CpuPoint>>, String> {
    let bound = divergence_bound(surface);
    let center = surface.domain.center();
    let key = crate::noise::key(inputs.seed);
    let mut out = Vec::with_capacity(optimizers.len() * starts.len());
    for spec in optimizers {
        let tables = group_tables(spec, max_steps, inputs)?;
        for &start in starts {
            let particle = out.len() as u32;
            let run = Run {
                surface,
                values: surface.param_values(&spec.surface),
                spec,
                tables: &tables,
                key,
                particle,
                bound,
                center,
                tol,
            };
            out.push(run.trajectory(start, max_steps));
        }
    }
    Ok(out)
}

struct Run<'a> {
    surface: &'a Surface,
    /// The surface's parameters as this group has them.
    values: Vec<f64>,
    spec: &'a OptimizerSpec,
    tables: &'a GroupTables,
    key: [u32; 2],
    /// Global particle index: the noise counter.
    particle: u32,
    bound: f64,
    center: [f64; 2],
    tol: f64,
}

impl Run<'_> {
    fn trajectory(&self, start: [f64; 2], max_steps: u32) -> Vec<CpuPoint> {
        let loss = self.surface.value_with(start, &self.values);
        let mut p = CpuPoint {
            pos: start,
            loss,
            step: 0,
            status: if loss.is_finite() {
                STATUS_RUNNING
            } else {
                STATUS_DIVERGED
            },
        };
        let mut st: OptState = optim::init_state(self.spec);
        let mut o = self.spec.clone();
        let noise = self.spec.params.grad_noise;
        let mut path = Vec::with_capacity(max_steps as usize + 1);
        path.push(p);
        for _ in 1..=max_steps {
            if p.status == STATUS_RUNNING {
                let t = p.step + 1;
                let mut g = self
                    .tables
                    .batch_grad(t, p.pos)
                    .unwrap_or_else(|| self.surface.grad_with(p.pos, &self.values));
                if noise != 0.0 {
                    let z = crate::noise::normal2(self.key, self.particle, t);
                    g = [g[0] + noise * z[0], g[1] + noise * z[1]];
                }
                self.tables.apply(&mut o, t);
                p.step = t;
                let mut trial = st;
                let next = optim::step(&o, &mut trial, t, p.pos, g);
                let loss = self.surface.value_with(next, &self.values);
                let c = self.center;
                let off = (next[0] - c[0]).abs().max((next[1] - c[1]).abs());
                if !(next[0].is_finite() && next[1].is_finite() && loss.is_finite()) || off > self.bound {
                    p.status = STATUS_DIVERGED;
                } else {
                    let moved = ((next[0] - p.pos[0]).powi(2) + (next[1] - p.pos[1]).powi(2)).sqrt();
                    st = trial;
                    p.pos = next;
                    p.loss = loss;
                    if moved < self.tol {
                        p.status = STATUS_CONVERGED;
                    }
                }
            }
            path.push(p);
        }
        path
    }
}
