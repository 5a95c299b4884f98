//! Basins of attraction: which known minimum each particle ends at, for scenes that colour
//! particles by where they go (`[view] color_by = "basin"`) instead of by optimizer.
//!
//! The classification looks at the particles' final state, so the colours are those of the run
//! the viewer will watch: a basin boundary drawn by this picture is the boundary of *these*
//! optimizers with *these* hyperparameters, not of the gradient flow.

use crate::gpu::gpu_data::{Particle, STATUS_DIVERGED};
use crate::numbers::short_number;
use crate::render::overlay::style::{LegendEntry, optimizer_color};
use crate::surfaces::Domain;

/// A particle ends in a basin when it is this close to the minimum, as a share of the
/// domain's diagonal (2% of the diagonal: 0.28 on Himmelblau's [-5, 5]^2).
pub const REACH_SHARE: f64 = 0.02;

/// Colour of particles that reach no known minimum (still running far off, or diverged).
pub const UNREACHED_COLOR: [u8; 4] = [150, 150, 150, 255];

#[derive(Clone, Debug, PartialEq)]
pub struct Basins {
    pub minima: Vec<[f64; 2]>,
    /// The index of the minimum each particle reached, group-major like the simulation.
    pub of_particle: Vec<Option<u16>>,
}

impl Basins {
    /// Assigns each particle the nearest minimum within [`REACH_SHARE`] of the domain's
    /// diagonal; diverged particles and those farther from every minimum get none.
    pub fn classify(particles: &[Particle], minima: &[[f64; 2]], domain: &Domain) -> Self {
        let reach = REACH_SHARE * (domain.x[1] - domain.x[0]).hypot(domain.y[1] - domain.y[0]);
        let of_particle = particles
            .iter()
            .map(|p| {
                if p.status == STATUS_DIVERGED {
                    return None;
                }
                let (x, y) = (f64::from(p.pos[0]), f64::from(p.pos[1]));
                minima
                    .iter()
                    .enumerate()
                    .map(|(k, m)| (k, (x - m[0]).hypot(y - m[1])))
                    .filter(|&(_, d)| d <= reach)
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(k, _)| k as u16)
            })
            .collect();
        Self {
            minima: minima.to_vec(),
            of_particle,
        }
    }

    /// Colour of basin `k`: the optimizer palette, so four basins read as four distinct hues.
    pub fn color(k: usize) -> [u8; 4] {
        optimizer_color(k)
    }

    /// One sRGB colour per particle.
    pub fn particle_colors(&self) -> Vec<[u8; 4]> {
        self.of_particle
            .iter()
            .map(|b| b.map_or(UNREACHED_COLOR, |k| Self::color(usize::from(k))))
            .collect()
    }

    /// Particles per minimum, and (last) those that reached none.
    pub fn counts(&self) -> (Vec<usize>, usize) {
        let mut counts = vec![0; self.minima.len()];
        let mut none = 0;
        for b in &self.of_particle {
            match b {
                Some(k) => counts[usize::from(*k)] += 1,
                None => none += 1,
            }
        }
        (counts, none)
    }

    /// Legend rows: each minimum with its colour and share of the particles, then the share
    /// that reached none (when any).
    pub fn legend(&self) -> Vec<LegendEntry> {
        let (counts, none) = self.counts();
        let total = self.of_particle.len().max(1) as f64;
        let share = |c: usize| format!("{:.1}%", 100.0 * c as f64 / total);
        let mut rows: Vec<LegendEntry> = self
            .minima
            .iter()
            .zip(&counts)
            .enumerate()
            .map(|(k, (m, &c))| LegendEntry {
                color: Self::color(k),
                label: format!(
                    "to ({}, {}): {}",
                    short_number(m[0]),
                    short_number(m[1]),
                    share(c)
                ),
            })
            .collect();
        if none > 0 {
            rows.push(LegendEntry {
                color: UNREACHED_COLOR,
                label: format!("no minimum: {}", share(none)),
            });
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::gpu_data::STATUS_RUNNING;

    fn at(x: f32, y: f32, status: u32) -> Particle {
        Particle {
            pos: [x, y],
            status,
            ..Particle::default()
        }
    }

    #[test]
    fn nearest_minimum_within_reach_or_none() {
        let domain = Domain::new(-5.0, 5.0, -5.0, 5.0);
        let minima = [[3.0, 2.0], [-2.805118, 3.131312]];
        let particles = [
            at(3.0, 2.0, STATUS_RUNNING),
            at(-2.7, 3.2, STATUS_RUNNING),
            at(0.0, 0.0, STATUS_RUNNING),
            at(3.0, 2.0, STATUS_DIVERGED),
        ];
        let b = Basins::classify(&particles, &minima, &domain);
        assert_eq!(b.of_particle, [Some(0), Some(1), None, None]);
        assert_eq!(b.counts(), (vec![1, 1], 2));
        let legend = b.legend();
        assert_eq!(legend[0].label, "to (3, 2): 25.0%");
        assert_eq!(legend[1].label, "to (-2.8051, 3.1313): 25.0%");
        assert_eq!(legend[2].label, "no minimum: 50.0%");
        assert_eq!(b.particle_colors()[2], UNREACHED_COLOR);
        assert_ne!(b.particle_colors()[0], b.particle_colors()[1]);
    }
}
