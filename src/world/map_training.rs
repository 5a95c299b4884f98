//! A model scene's map trained between frames, coarse to fine: the window stays live while
//! thousands of networks train. The groups are trained in a progressive order (every 2^k-th
//! cell of the map, then the cells between them, down to every cell), a chunk of models at a
//! time, each chunk stepped for a slice of each frame; a cell not trained yet shows the cell
//! of the finest whole level that covers it, so the map sharpens as it goes. The numbers are
//! the same as one run's: each model trains alone, whatever its chunk. In a page a chunk's
//! results are read back asynchronously (`gpu::later`) and taken a frame or more later.

use anyhow::{Result, anyhow};
use std::time::Duration;
use web_time::Instant;

use crate::gpu::Gpu;
use crate::gpu::gpu_data::Particle;
use crate::gpu::model_sim::{ModelSetup, ModelSim};
use crate::gpu::sim::ScoreSums;
use crate::model::ModelProblem;
use crate::optim::OptimizerSpec;
use crate::scene::Scene;

/// The training of a model scene's groups, in progress.
pub struct MapTraining {
    problem: ModelProblem,
    /// The groups in training order; `order[t]` is the map's group index of the t-th.
    groups: Vec<OptimizerSpec>,
    order: Vec<usize>,
    /// Training positions where each level ends, and each level's stride (coarsest first).
    level_ends: Vec<usize>,
    strides: Vec<usize>,
    /// Cells across (the first swept parameter) of the map the order is for; 0: no 2D map.
    nx: usize,
    steps: u32,
    tol: f64,
    seed: u64,
    /// Groups trained so far (training order), and the chunk in training.
    done: usize,
    chunk: Option<(usize, usize, ModelSim)>,
    /// Steps one call of [`Self::work`] gives the chunk, adapted to the time it takes.
    steps_per_call: u32,
    /// Per particle in the map's order: its end and sums, once trained.
    ends: Vec<Option<(Particle, ScoreSums)>>,
}

/// The progressive order of an `nx` x `ny` map: every `s`-th cell on both axes for the
/// coarsest stride `s` (a power of two leaving about 64 cells), then at s/2 the cells not yet
/// listed, ... down to 1. Returns the order, where each level ends, and the strides.
pub fn progressive_order(nx: usize, ny: usize) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let mut s = 1;
    while (nx / (2 * s)).max(1) * (ny / (2 * s)).max(1) >= 64 && 2 * s <= nx.min(ny) {
        s *= 2;
    }
    let mut listed = vec![false; nx * ny];
    let (mut order, mut ends, mut strides) = (Vec::with_capacity(nx * ny), Vec::new(), Vec::new());
    while s >= 1 {
        for j in (0..ny).step_by(s) {
            for i in (0..nx).step_by(s) {
                let g = j * nx + i;
                if !listed[g] {
                    listed[g] = true;
                    order.push(g);
                }
            }
        }
        ends.push(order.len());
        strides.push(s);
        s /= 2;
    }
    (order, ends, strides)
}

impl MapTraining {
    /// The training of `scene` (a model scene): nothing runs until [`Self::work`].
    pub fn new(scene: &Scene) -> Result<Self> {
        let model = scene
            .model
            .as_ref()
            .ok_or_else(|| anyhow!("the scene has no [model]"))?;
        let problem = super::scene_problem(model)?;
        let all = scene.groups();
        // One optimizer sweeping two parameters: coarse to fine; else in order.
        let (order, level_ends, strides, nx) = match scene.optimizers.as_slice() {
            [o] if o.sweep.len() == 2 => {
                let (nx, ny) = (o.sweep[0].range.count as usize, o.sweep[1].range.count as usize);
                let (order, ends, strides) = progressive_order(nx, ny);
                (order, ends, strides, nx)
            }
            _ => ((0..all.len()).collect(), vec![all.len()], vec![1], 0),
        };
        let groups = order.iter().map(|&g| all[g].clone()).collect();
        let particles = all.len() * problem.inits.len();
        Ok(Self {
            problem,
            groups,
            order,
            level_ends,
            strides,
            nx,
            steps: scene.steps,
            tol: scene.tol,
            seed: model.args.seed,
            done: 0,
            chunk: None,
            steps_per_call: 1,
            ends: vec![None; particles],
        })
    }

    pub fn is_done(&self) -> bool {
        self.done == self.groups.len()
    }

    /// Models in all (groups times initialisations), and initialisations per group.
    pub fn particles(&self) -> (usize, usize) {
        (self.ends.len(), self.problem.inits.len())
    }

    /// Groups trained, of all.
    pub fn progress(&self) -> (usize, usize) {
        (self.done, self.groups.len())
    }

    /// Trains for about `budget`; true when a chunk finished (the map has news).
    pub fn work(&mut self, gpu: &Gpu, budget: Duration) -> Result<bool> {
        let started = Instant::now();
        let per_group = self.problem.inits.len();
        let mut finished = false;
        // At least one call's steps, then as many as the budget allows.
        while !self.is_done() {
            if self.chunk.is_none() {
                // Up to the end of the current level, a thirty-second of the map at most.
                let level_end = self
                    .level_ends
                    .iter()
                    .copied()
                    .find(|&e| e > self.done)
                    .unwrap_or(self.groups.len());
                let most = (self.groups.len() / 32).clamp(64, 4096);
                let count = (level_end - self.done).min(most);
                let setup = ModelSetup {
                    problem: &self.problem,
                    optimizers: &self.groups,
                    steps: self.steps,
                    tol: self.tol,
                    seed: self.seed,
                    record_every: 0,
                    plane: None,
                    keep_parameters: false,
                };
                let sim = ModelSim::new(gpu, &setup, self.done * per_group, count * per_group)?;
                self.chunk = Some((self.done, count, sim));
            }
            let Some((first, count, sim)) = self.chunk.as_mut() else {
                break;
            };
            let t = Instant::now();
            let target = (sim.clock() + self.steps_per_call).min(self.steps);
            sim.advance_to(gpu, target);
            gpu.wait()?;
            // About a quarter of the budget per call.
            let took = t.elapsed();
            if took < budget / 8 {
                self.steps_per_call = self.steps_per_call.saturating_mul(2).min(self.steps.max(1));
            } else if took > budget / 2 {
                self.steps_per_call = (self.steps_per_call / 2).max(1);
            }
            if sim.clock() >= self.steps {
                // A page's answer comes a frame or more later: the chunk waits for it.
                let Some(meta) = sim.read_meta_latest(gpu)? else {
                    break;
                };
                for (local, m) in meta.iter().enumerate() {
                    let t = *first * per_group + local;
                    let g = self.order[t / per_group];
                    self.ends[g * per_group + t % per_group] = Some((m.end(), m.scores));
                }
                self.done = *first + *count;
                self.chunk = None;
                finished = true;
            }
            if started.elapsed() >= budget {
                break;
            }
        }
        Ok(finished)
    }

    /// Every particle's end in the map's order, a cell not trained yet taking the cell of the
    /// finest whole level over it; None until the coarsest level is whole.
    pub fn outcome(&self) -> Option<(Vec<Particle>, Vec<ScoreSums>)> {
        let level = self
            .level_ends
            .iter()
            .rposition(|&e| e <= self.done)
            .map(|k| self.strides[k])?;
        let per_group = self.problem.inits.len();
        let (mut particles, mut scores) = (
            Vec::with_capacity(self.ends.len()),
            Vec::with_capacity(self.ends.len()),
        );
        for (p, end) in self.ends.iter().enumerate() {
            let (g, k) = (p / per_group, p % per_group);
            let end = end.or_else(|| {
                if self.nx == 0 {
                    return None;
                }
                let (i, j) = (g % self.nx, g / self.nx);
                let anchor = (j - j % level) * self.nx + (i - i % level);
                self.ends[anchor * per_group + k]
            });
            let (particle, sums) = end.unwrap_or((
                Particle {
                    loss: f32::NAN,
                    ..Particle::default()
                },
                [0.0; 4],
            ));
            particles.push(particle);
            scores.push(sums);
        }
        Some((particles, scores))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_lists_every_cell_once_coarse_first() {
        for (nx, ny) in [(512, 512), (12, 10), (3, 1), (64, 16)] {
            let (order, ends, strides) = progressive_order(nx, ny);
            let mut seen = order.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..nx * ny).collect::<Vec<_>>(), "{nx}x{ny}");
            assert_eq!(*ends.last().unwrap(), nx * ny);
            assert_eq!(*strides.last().unwrap(), 1);
            // Every cell of the first level lies on its stride.
            let s = strides[0];
            assert!(
                order[..ends[0]]
                    .iter()
                    .all(|g| (g % nx) % s == 0 && (g / nx) % s == 0)
            );
        }
        let (_, ends, strides) = progressive_order(512, 512);
        assert_eq!((strides[0], ends[0]), (64, 64), "an 8 x 8 first look");
    }
}
