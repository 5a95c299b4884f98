//! Sohl-Dickstein's (2024) trainability score, as his notebook (`Sohl-Dickstein/fractal`,
//! `convergence_measure`) computes it from a run's losses before each of its steps: each loss
//! divided by the first (non-finite or above 1e6 counts as 1e6); the run converged when the
//! mean of the last 20 is below 1; its score is minus their sum when it converged and the sum
//! of their inverses when it diverged. The GPU keeps the sums as it steps
//! ([`crate::gpu::sim::ScoreSums`]); a descent particle that diverged (stopped past its bound
//! or at a non-finite loss) counts 1e6 from then on, as the notebook's infinite losses do.
//!
//! The colours are the notebook's too: scores stretched to an even spread by rank (its
//! `cdf_img`), converged ones onto [0.25, 1] and diverged ones onto [-1, -0.25] of matplotlib's
//! Spectral, so a gap of colour always separates the two classes. `fractal_dimension` is its
//! box-counting estimate of the boundary between them.

use crate::gpu::sim::ScoreSums;
use crate::render::colormap::segmented;

/// The cap on a normalised loss (the notebook's `max_val`).
pub const CAP: f64 = 1e6;
/// Losses the convergence test averages.
pub const TAIL: usize = 20;
/// The gap, on each side of the colour scale's middle, between the classes.
const GAP: f64 = 0.25;

/// One run's class and score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trainability {
    pub converged: bool,
    pub score: f64,
}

impl Trainability {
    /// From the GPU's sums of a run of `steps` steps.
    pub fn of_sums(sums: ScoreSums, steps: u32) -> Self {
        let tail = (steps as usize).clamp(1, TAIL) as f64;
        let converged = f64::from(sums[3]) / tail < 1.0;
        Self {
            converged,
            score: if converged {
                -f64::from(sums[1])
            } else {
                f64::from(sums[2])
            },
        }
    }

    /// The f64 reference: from the losses before each step (`losses[0]` the first).
    pub fn of_losses(losses: &[f64]) -> Self {
        let first = losses.first().copied().unwrap_or(f64::NAN);
        let v: Vec<f64> = losses
            .iter()
            .map(|&l| {
                let r = l / first;
                if r.is_finite() { r.min(CAP) } else { CAP }
            })
            .collect();
        let tail = &v[v.len().saturating_sub(TAIL)..];
        let converged = tail.iter().sum::<f64>() / (tail.len().max(1) as f64) < 1.0;
        Self {
            converged,
            score: if converged {
                -v.iter().sum::<f64>()
            } else {
                v.iter().map(|x| 1.0 / x).sum()
            },
        }
    }
}

/// matplotlib's Spectral (ColorBrewer's 11 classes), red to violet.
const SPECTRAL: [[f64; 3]; 11] = [
    [158.0, 1.0, 66.0],
    [213.0, 62.0, 79.0],
    [244.0, 109.0, 67.0],
    [253.0, 174.0, 97.0],
    [254.0, 224.0, 139.0],
    [255.0, 255.0, 191.0],
    [230.0, 245.0, 152.0],
    [171.0, 221.0, 164.0],
    [102.0, 194.0, 165.0],
    [50.0, 136.0, 189.0],
    [94.0, 79.0, 162.0],
];

/// Spectral at `t` in 0..1.
fn spectral(t: f64) -> [u8; 4] {
    let [r, g, b] = segmented(&SPECTRAL, t).map(|v| v.round() as u8);
    [r, g, b, 255]
}

/// Each run's colour: its score's rank within its class, converged onto Spectral's violet
/// half (the slowest to converge deepest), diverged onto its red half (the slowest to
/// diverge deepest), the two halves `GAP` apart.
pub fn colors(runs: &[Trainability]) -> Vec<[u8; 4]> {
    let mut neg: Vec<f64> = runs.iter().filter(|r| r.converged).map(|r| r.score).collect();
    let mut pos: Vec<f64> = runs.iter().filter(|r| !r.converged).map(|r| r.score).collect();
    neg.sort_by(f64::total_cmp);
    pos.sort_by(f64::total_cmp);
    let rank = |sorted: &[f64], v: f64| {
        if sorted.len() < 2 {
            return 0.5;
        }
        sorted.partition_point(|x| *x < v) as f64 / (sorted.len() - 1) as f64
    };
    runs.iter()
        .map(|r| {
            // The notebook's -cdf: converged scores (negative) land on [GAP, 1], diverged
            // ones on [-1, -GAP]; vmin -1 and vmax 1 map that onto the colormap.
            let c = if r.converged {
                1.0 - (1.0 - GAP) * rank(&neg, r.score)
            } else {
                -GAP - (1.0 - GAP) * rank(&pos, r.score)
            };
            spectral(0.5 * (c + 1.0))
        })
        .collect()
}

/// The box-counting dimension of the boundary between converged and diverged cells of a
/// `w` x `h` map (row-major): the boundary is every 2x2 block holding both classes (the
/// notebook's `extract_edges`); boxes of side 1, 2, 4, ... up to a quarter of the shorter
/// side are counted where they hold boundary, and the estimate is the median of the slopes
/// of log(count) against log(1/side) between neighbouring sizes. None for a map too small,
/// or without a boundary.
pub fn fractal_dimension(converged: &[bool], w: usize, h: usize) -> Option<f64> {
    if w < 8 || h < 8 || converged.len() != w * h {
        return None;
    }
    let (ew, eh) = (w - 1, h - 1);
    let edge: Vec<bool> = (0..eh)
        .flat_map(|y| (0..ew).map(move |x| (x, y)))
        .map(|(x, y)| {
            let c = [
                converged[y * w + x],
                converged[y * w + x + 1],
                converged[(y + 1) * w + x],
                converged[(y + 1) * w + x + 1],
            ];
            c.iter().any(|&v| v) && c.iter().any(|&v| !v)
        })
        .collect();
    let mut counts = Vec::new();
    let mut side = 1;
    while side <= ew.min(eh) / 4 {
        let mut n = 0usize;
        for by in (0..eh).step_by(side) {
            for bx in (0..ew).step_by(side) {
                let hit =
                    (by..(by + side).min(eh)).any(|y| (bx..(bx + side).min(ew)).any(|x| edge[y * ew + x]));
                n += usize::from(hit);
            }
        }
        counts.push((side as f64, n as f64));
        side *= 2;
    }
    if counts.len() < 2 || counts.iter().any(|c| c.1 == 0.0) {
        return None;
    }
    let mut slopes: Vec<f64> = counts
        .windows(2)
        .map(|p| -(p[1].1.ln() - p[0].1.ln()) / (p[1].0.ln() - p[0].0.ln()))
        .collect();
    slopes.sort_by(f64::total_cmp);
    Some(slopes[slopes.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notebooks_measure() {
        // Halving each step: converged, score minus the sum of 1, 1/2, 1/4, ...
        let halving: Vec<f64> = (0..30).map(|k| 4.0 * 0.5f64.powi(k)).collect();
        let t = Trainability::of_losses(&halving);
        assert!(t.converged);
        assert!((t.score + (2.0 - 0.5f64.powi(29))).abs() < 1e-12);
        // Doubling, then infinite: diverged, the inverses summed (1e6 counts 1e-6).
        let mut doubling: Vec<f64> = (0..10).map(|k| 2f64.powi(k)).collect();
        doubling.extend([f64::INFINITY; 15]);
        let t = Trainability::of_losses(&doubling);
        assert!(!t.converged);
        assert!((t.score - ((2.0 - 0.5f64.powi(9)) + 15e-6)).abs() < 1e-12);
        // Flat: the mean of the last 20 is exactly 1, which is not below 1.
        assert!(!Trainability::of_losses(&[3.0; 25]).converged);
        // The GPU's sums give the same.
        let sums = [4.0, halving.iter().map(|l| (l / 4.0) as f32).sum(), 0.0, 0.01];
        assert!(Trainability::of_sums(sums, 30).converged);
    }

    #[test]
    fn colours_keep_a_gap_between_the_classes() {
        let runs: Vec<Trainability> = (0..40)
            .map(|k| Trainability {
                converged: k % 2 == 0,
                score: if k % 2 == 0 { -f64::from(k) } else { f64::from(k) },
            })
            .collect();
        let c = colors(&runs);
        let gap_lo = spectral(0.5 * (1.0 - GAP));
        let gap_hi = spectral(0.5 * (1.0 + GAP));
        for (r, c) in runs.iter().zip(&c) {
            // Spectral's converged side (green to violet) has blue above 150; its diverged
            // side (red to yellow) below 120.
            assert_eq!(r.converged, c[2] > 140, "{r:?} {c:?}");
        }
        assert!(!c.contains(&spectral(0.5)));
        assert!(c.contains(&gap_hi) && c.contains(&gap_lo));
    }

    #[test]
    fn a_straight_boundary_has_dimension_one_and_noise_two() {
        let (w, h) = (128, 128);
        let line: Vec<bool> = (0..w * h).map(|i| i % w < 50).collect();
        let d = fractal_dimension(&line, w, h).unwrap();
        assert!((d - 1.0).abs() < 0.05, "{d}");
        let mut rng = crate::rng::SplitMix64(3);
        let noise: Vec<bool> = (0..w * h).map(|_| rng.next_u64().is_multiple_of(2)).collect();
        let d = fractal_dimension(&noise, w, h).unwrap();
        assert!((d - 2.0).abs() < 0.05, "{d}");
        assert_eq!(fractal_dimension(&vec![true; w * h], w, h), None);
    }
}
