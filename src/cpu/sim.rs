//! f64 twin of `shaders/sim.wgsl`: the same particle order, step rules, divergence and
//! convergence tests, written to read like the shader.

use crate::gpu::gpu_data::{STATUS_CONVERGED, STATUS_DIVERGED, STATUS_RUNNING};
use crate::gpu::sim::divergence_bound;
use crate::optim::{self, OptState, OptimizerSpec};
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
/// global step s, for s in 0..=max_steps (frozen particles repeat their last point).
pub fn simulate(
    surface: &Surface,
    optimizers: &[OptimizerSpec],
    starts: &[[f64; 2]],
    max_steps: u32,
    tol: f64,
) -> Vec<Vec<CpuPoint>> {
    let bound = divergence_bound(surface);
    let center = surface.domain.center();
    let mut out = Vec::with_capacity(optimizers.len() * starts.len());
    for spec in optimizers {
        for &start in starts {
            out.push(trajectory(surface, spec, start, max_steps, tol, bound, center));
        }
    }
    out
}

fn trajectory(
    surface: &Surface,
    spec: &OptimizerSpec,
    start: [f64; 2],
    max_steps: u32,
    tol: f64,
    bound: f64,
    center: [f64; 2],
) -> Vec<CpuPoint> {
    let loss = surface.value(start);
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
    let mut st: OptState = optim::init_state(spec);
    let mut path = Vec::with_capacity(max_steps as usize + 1);
    path.push(p);
    for _ in 1..=max_steps {
        if p.status == STATUS_RUNNING {
            let g = surface.grad(p.pos);
            let t = p.step + 1;
            p.step = t;
            let mut trial = st;
            let next = optim::step(spec, &mut trial, t, p.pos, g);
            let loss = surface.value(next);
            let off = (next[0] - center[0]).abs().max((next[1] - center[1]).abs());
            if !(next[0].is_finite() && next[1].is_finite() && loss.is_finite()) || off > bound {
                p.status = STATUS_DIVERGED;
            } else {
                let moved = ((next[0] - p.pos[0]).powi(2) + (next[1] - p.pos[1]).powi(2)).sqrt();
                st = trial;
                p.pos = next;
                p.loss = loss;
                if moved < tol {
                    p.status = STATUS_CONVERGED;
                }
            }
        }
        path.push(p);
    }
    path
}
