//! The loss plot's statistics: per optimizer and step, the mean and best loss of the particles
//! still alive and the shares that converged and diverged.

use crate::gpu::gpu_data::{Particle, STATUS_CONVERGED, STATUS_DIVERGED};

/// Per-step statistics of one optimizer, for the loss plot.
#[derive(Clone, Copy, Debug, Default)]
pub struct LossSample {
    pub step: u32,
    pub mean: f64,
    pub best: f64,
    pub converged: f64,
    pub diverged: f64,
}

/// The statistics of one optimizer's particles at `step`.
pub fn loss_sample(step: u32, group: &[Particle]) -> LossSample {
    let n = group.len().max(1) as f64;
    let alive: Vec<f64> = group
        .iter()
        .filter(|p| p.status != STATUS_DIVERGED && p.loss.is_finite())
        .map(|p| f64::from(p.loss))
        .collect();
    LossSample {
        step,
        mean: if alive.is_empty() {
            f64::NAN
        } else {
            alive.iter().sum::<f64>() / alive.len() as f64
        },
        best: alive.iter().copied().fold(f64::INFINITY, f64::min),
        converged: group.iter().filter(|p| p.status == STATUS_CONVERGED).count() as f64 / n,
        diverged: group.iter().filter(|p| p.status == STATUS_DIVERGED).count() as f64 / n,
    }
}
