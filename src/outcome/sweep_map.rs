//! The sweep map: what each group of a hyperparameter sweep ([`crate::sweep`]) came to, as a
//! picture. Two swept parameters give an image with one pixel per group (the first parameter
//! along x, the second up y); one gives a curve of loss (log) against the parameter.
//!
//! Colours follow the trainability-fractal convention, two ranges that never mix: groups that
//! did not diverge are blue, deep where the loss ended low and pale where it stayed high (the
//! loss above the surface's lowest value, on a log axis); groups that diverged are red, deep
//! where they blew up within few steps and pale where it took long. Both sides pale towards
//! the boundary between converging and diverging, which shows as a light seam between blue
//! and red. Each side is histogram-equalised (a group's shade is its rank among its side's
//! groups, as datashader's `eq_hist`): losses after a fixed number of steps crowd into a
//! decade or two, and ranks spread them over the whole ramp, so every structure of the map
//! shows; the order, not the distance, between two shades carries meaning.
//!
//! A group with several start points is shown by its first start (the CSV has every start).
//! The map is made from particles at any step: the window and frames show it as the run goes.

use super::trainability::{self, Trainability};
use crate::gpu::gpu_data::{Particle, STATUS_DIVERGED};
use crate::gpu::sim::ScoreSums;
use crate::numbers::short_number;
use crate::optim::OptimizerSpec;
use crate::scene::{Scene, SweepScore};
use crate::sweep::Spacing;

/// Size of a one-parameter curve's image.
pub const CURVE_SIZE: [u32; 2] = [360, 220];
/// Blue ramp of groups that did not diverge: lowest loss first.
const LOW_LOSS: [f64; 3] = [8.0, 38.0, 120.0];
const HIGH_LOSS: [f64; 3] = [215.0, 230.0, 250.0];
/// Red ramp of diverged groups: quickest blow-up first.
const FAST_BLOWUP: [f64; 3] = [120.0, 0.0, 15.0];
const SLOW_BLOWUP: [f64; 3] = [252.0, 215.0, 200.0];
/// A diverged column of the curve, and the curve itself.
const DIVERGED_SHADE: [u8; 4] = [250, 205, 200, 255];
const CURVE: [u8; 4] = [20, 50, 150, 255];
const PAPER: [u8; 4] = [255, 255, 255, 255];

/// One swept optimizer's map.
#[derive(Clone, Debug)]
pub struct SweepMap {
    /// Index of the optimizer in the scene.
    pub optimizer: usize,
    /// Its first group in the simulation.
    pub first_group: u64,
    /// Groups along x (the first parameter) and y (the second; 1 for a curve).
    pub dims: [u32; 2],
    pub title: String,
    pub image: image::RgbaImage,
    /// Labels of the image's left and right edges, and of its bottom and top.
    pub x_range: [String; 2],
    pub y_range: [String; 2],
}

impl SweepMap {
    /// The line under a map-layout frame's title: how many runs of how many steps.
    pub fn subtitle(&self, steps: u32) -> String {
        let [nx, ny] = self.dims;
        let runs = if ny > 1 {
            format!("{nx} x {ny} runs")
        } else {
            format!("{nx} runs")
        };
        format!("{runs} of {steps} steps, one per pixel")
    }

    /// The group under a point of the image (0..1 across, 0..1 down), as an offset from the
    /// optimizer's first group.
    pub fn group_at(&self, u: f64, v: f64) -> Option<u64> {
        if !(0.0..=1.0).contains(&u) || !(0.0..=1.0).contains(&v) {
            return None;
        }
        let [nx, ny] = self.dims;
        if ny <= 1 {
            // A curve: the nearest value.
            return Some((u * f64::from(nx - 1)).round() as u64);
        }
        let i = ((u * f64::from(nx)) as u32).min(nx - 1);
        let j = (((1.0 - v) * f64::from(ny)) as u32).min(ny - 1);
        Some(u64::from(j) * u64::from(nx) + u64::from(i))
    }
}

/// The log-loss and blow-up scales of one map.
#[derive(Clone, Debug)]
struct Scales {
    lo: f64,
    eps: f64,
    log_loss: [f64; 2],
    /// Each side's values, sorted, for ranks.
    sorted_loss: Vec<f64>,
    sorted_steps: Vec<u32>,
}

impl Scales {
    fn of(outcomes: &[Particle], floor: f64) -> Self {
        let alive = outcomes
            .iter()
            .filter(|p| p.status != STATUS_DIVERGED && p.loss.is_finite());
        let (mut lo, mut hi) = (floor, f64::NEG_INFINITY);
        for p in alive.clone() {
            lo = lo.min(f64::from(p.loss));
            hi = hi.max(f64::from(p.loss));
        }
        // The loss is taken above the lowest value, eps keeps log finite at it: 1e-12 of the
        // span (f32 losses resolve no finer).
        let eps = ((hi - lo).abs() * 1e-12).max(1e-30);
        let mut log_loss = [f64::INFINITY, f64::NEG_INFINITY];
        for p in alive {
            let v = (f64::from(p.loss) - lo + eps).log10();
            log_loss = [log_loss[0].min(v), log_loss[1].max(v)];
        }
        let mut sorted_loss: Vec<f64> = outcomes
            .iter()
            .filter(|p| !diverged(p))
            .map(|p| (f64::from(p.loss) - lo + eps).log10())
            .collect();
        sorted_loss.sort_by(f64::total_cmp);
        let mut sorted_steps: Vec<u32> = outcomes.iter().filter(|p| diverged(p)).map(|p| p.step).collect();
        sorted_steps.sort_unstable();
        Self {
            lo,
            eps,
            log_loss,
            sorted_loss,
            sorted_steps,
        }
    }

    fn log_loss(&self, loss: f32) -> f64 {
        (f64::from(loss) - self.lo + self.eps).log10()
    }
}

fn diverged(p: &Particle) -> bool {
    p.status == STATUS_DIVERGED || !p.loss.is_finite()
}

/// The mid-rank of `v` among `sorted`, 0..1 (ties share the middle of their run).
fn rank<T: PartialOrd>(sorted: &[T], v: &T) -> f64 {
    if sorted.len() < 2 {
        return 0.0;
    }
    let below = sorted.partition_point(|x| x < v);
    let upto = sorted.partition_point(|x| x <= v);
    let mid = 0.5 * (below + upto.max(below + 1) - 1) as f64;
    (mid / (sorted.len() - 1) as f64).clamp(0.0, 1.0)
}

fn mix(a: [f64; 3], b: [f64; 3], t: f64) -> [u8; 4] {
    let c = |k: usize| (a[k] + (b[k] - a[k]) * t).round().clamp(0.0, 255.0) as u8;
    [c(0), c(1), c(2), 255]
}

/// The colour of one group's outcome on the map's scales.
fn outcome_color(p: &Particle, s: &Scales) -> [u8; 4] {
    if diverged(p) {
        mix(FAST_BLOWUP, SLOW_BLOWUP, rank(&s.sorted_steps, &p.step))
    } else {
        mix(LOW_LOSS, HIGH_LOSS, rank(&s.sorted_loss, &s.log_loss(p.loss)))
    }
}

/// The lowest value of the surface the scene knows (its minima), else +inf.
fn surface_floor(scene: &Scene) -> f64 {
    scene
        .surface
        .minima
        .iter()
        .map(|m| scene.surface.value(*m))
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min)
}

/// The maps of every swept optimizer of `scene`, from `particles` (group-major, as the
/// simulation keeps them, `per_group` starts per group) at any step; coloured by the
/// trainability score when the scene asks for it and `scores` has the run's sums (at its end).
pub fn sweep_maps(
    scene: &Scene,
    particles: &[Particle],
    per_group: usize,
    scores: Option<&[ScoreSums]>,
) -> Vec<SweepMap> {
    let trainability = scores.filter(|_| scene.view.sweep_score == Some(SweepScore::Trainability));
    let per_group = per_group.max(1);
    let floor = surface_floor(scene);
    let mut first = 0u64;
    let mut out = Vec::new();
    for (k, spec) in scene.optimizers.iter().enumerate() {
        let n = spec.group_count();
        if !spec.sweep.is_empty() {
            let outcomes: Vec<Particle> = (0..n)
                .map(|g| {
                    particles
                        .get(((first + g) as usize) * per_group)
                        .copied()
                        .unwrap_or_default()
                })
                .collect();
            let mut map = map_of(k, first, spec, &outcomes, floor);
            // Zoomed below f32 (what the GPU runs in): say so where the map is shown.
            let blurred: Vec<&str> = spec
                .sweep
                .iter()
                .filter(|a| !a.range.distinct_in_f32())
                .map(|a| a.param.as_str())
                .collect();
            if !blurred.is_empty() {
                map.title = format!(
                    "{} [{} below f32 spacing: neighbouring cells share a value]",
                    map.title,
                    blurred.join(", ")
                );
            }
            if let Some(sums) = trainability
                && map.dims[1] > 1
            {
                let runs: Vec<Trainability> = (0..n)
                    .map(|g| {
                        let s = sums
                            .get(((first + g) as usize) * per_group)
                            .copied()
                            .unwrap_or([0.0; 4]);
                        Trainability::of_sums(s, scene.steps)
                    })
                    .collect();
                paint_trainability(&mut map, &runs);
            }
            out.push(map);
        }
        first += n;
    }
    out
}

/// Repaints a 2D map by the trainability score of its groups (`runs`, group order).
fn paint_trainability(map: &mut SweepMap, runs: &[Trainability]) {
    let colors = trainability::colors(runs);
    let [nx, ny] = map.dims;
    map.image = image::RgbaImage::from_fn(nx, ny, |i, j| {
        let g = (ny - 1 - j) as usize * nx as usize + i as usize;
        image::Rgba(colors[g])
    });
    map.title = format!("{} (trainability)", map.title);
}

/// Each two-parameter sweep's name and the fractal dimension of the boundary between its
/// converged and diverged groups ([`trainability::fractal_dimension`]), from the run's
/// trainability sums (first start of each group).
pub fn fractal_dimensions(
    scene: &Scene,
    scores: Option<&[ScoreSums]>,
    per_group: usize,
) -> Vec<(String, Option<f64>)> {
    let mut first = 0usize;
    let mut out = Vec::new();
    for spec in &scene.optimizers {
        let n = spec.group_count() as usize;
        if let (Some(sums), [x, y]) = (scores, spec.sweep.as_slice()) {
            let converged: Vec<bool> = (0..n)
                .map(|g| {
                    let s = sums
                        .get((first + g) * per_group.max(1))
                        .copied()
                        .unwrap_or([0.0; 4]);
                    Trainability::of_sums(s, scene.steps).converged
                })
                .collect();
            let d =
                trainability::fractal_dimension(&converged, x.range.count as usize, y.range.count as usize);
            out.push((format!("{} ({} x {})", spec.name, x.param, y.param), d));
        }
        first += n;
    }
    out
}

fn map_of(
    optimizer: usize,
    first_group: u64,
    spec: &OptimizerSpec,
    outcomes: &[Particle],
    floor: f64,
) -> SweepMap {
    let scales = Scales::of(outcomes, floor);
    let axis_name = |k: usize| {
        let a = &spec.sweep[k];
        match a.range.spacing {
            Spacing::Log => format!("{} (log)", a.param),
            Spacing::Linear => a.param.to_string(),
        }
    };
    let x = &spec.sweep[0].range;
    let x_range = [short_number(x.from), short_number(x.to)];
    if let Some(y_axis) = spec.sweep.get(1) {
        let y = &y_axis.range;
        let (nx, ny) = (x.count, y.count);
        let image = image::RgbaImage::from_fn(nx, ny, |i, j| {
            // Image row j is value ny - 1 - j of the second parameter (y up).
            let g = (ny - 1 - j) as usize * nx as usize + i as usize;
            image::Rgba(outcome_color(&outcomes[g], &scales))
        });
        return SweepMap {
            optimizer,
            first_group,
            dims: [nx, ny],
            title: format!("{}: {} across, {} up", spec.name, axis_name(0), axis_name(1)),
            image,
            x_range,
            y_range: [short_number(y.from), short_number(y.to)],
        };
    }
    let (image, y_range) = curve_image(outcomes, &scales);
    SweepMap {
        optimizer,
        first_group,
        dims: [x.count, 1],
        title: format!("{}: log loss vs {}", spec.name, axis_name(0)),
        image,
        x_range,
        y_range,
    }
}

/// Loss (log) against the parameter's index (even in the parameter's own scale), diverged
/// values shaded across the full height. Returns the image and its y labels.
fn curve_image(outcomes: &[Particle], s: &Scales) -> (image::RgbaImage, [String; 2]) {
    let [w, h] = CURVE_SIZE;
    let mut img = image::RgbaImage::from_pixel(w, h, image::Rgba(PAPER));
    let n = outcomes.len().max(2);
    let x_of = |g: usize| g as f64 / (n - 1) as f64 * f64::from(w - 1);
    // Shade each diverged value's share of the width.
    for (g, p) in outcomes.iter().enumerate() {
        if p.status == STATUS_DIVERGED || !p.loss.is_finite() {
            let half = 0.5 * f64::from(w - 1) / (n - 1) as f64;
            let (a, b) = ((x_of(g) - half).max(0.0), (x_of(g) + half).min(f64::from(w - 1)));
            for x in a.round() as u32..=b.round() as u32 {
                for y in 0..h {
                    img.put_pixel(x, y, image::Rgba(DIVERGED_SHADE));
                }
            }
        }
    }
    let [lo, hi] = if s.log_loss[0].is_finite() {
        // Room above the highest value only: the lowest sits on the bottom edge.
        let pad = ((s.log_loss[1] - s.log_loss[0]) * 0.05).max(0.05);
        [s.log_loss[0], s.log_loss[1] + pad]
    } else {
        [0.0, 1.0]
    };
    let y_of = |v: f64| (1.0 - (v - lo) / (hi - lo)) * f64::from(h - 1);
    let mut prev: Option<(f64, f64)> = None;
    for (g, p) in outcomes.iter().enumerate() {
        if p.status == STATUS_DIVERGED || !p.loss.is_finite() {
            prev = None;
            continue;
        }
        let here = (x_of(g), y_of(s.log_loss(p.loss)));
        let from = prev.unwrap_or(here);
        draw_segment(&mut img, from, here, CURVE);
        prev = Some(here);
    }
    // The axis is the loss above the floor (the surface's minimum or the lowest loss seen).
    let label = |v: f64| short_number(10f64.powf(v));
    let y_range = if s.log_loss[0].is_finite() {
        [label(lo), label(hi)]
    } else {
        ["all diverged".into(), String::new()]
    };
    (img, y_range)
}

/// A line two pixels thick.
fn draw_segment(img: &mut image::RgbaImage, a: (f64, f64), b: (f64, f64), color: [u8; 4]) {
    let len = (b.0 - a.0).hypot(b.1 - a.1).ceil().max(1.0) as u32;
    for k in 0..=len {
        let t = f64::from(k) / f64::from(len);
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        for (dx, dy) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] {
            let (px, py) = ((x - 0.5 + dx).round(), (y - 0.5 + dy).round());
            if px >= 0.0 && py >= 0.0 && (px as u32) < img.width() && (py as u32) < img.height() {
                img.put_pixel(px as u32, py as u32, image::Rgba(color));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::gpu_data::{STATUS_CONVERGED, STATUS_RUNNING};

    fn outcome(loss: f32, step: u32, status: u32) -> Particle {
        Particle {
            loss,
            step,
            status,
            ..Particle::default()
        }
    }

    #[test]
    fn converged_is_blue_diverged_is_red_and_each_has_its_own_range() {
        let outcomes = [
            outcome(1e-8, 50, STATUS_CONVERGED),
            outcome(1.0, 300, STATUS_RUNNING),
            outcome(f32::NAN, 2, STATUS_DIVERGED),
            outcome(f32::NAN, 200, STATUS_DIVERGED),
        ];
        let s = Scales::of(&outcomes, 0.0);
        let c: Vec<[u8; 4]> = outcomes.iter().map(|p| outcome_color(p, &s)).collect();
        // Blue dominates the two that did not diverge, red the two that did.
        assert!(c[0][2] > c[0][0] && c[1][2] > c[1][0], "{c:?}");
        assert!(c[2][0] > c[2][2] && c[3][0] > c[3][2], "{c:?}");
        // Low loss deeper than high loss; a quick blow-up deeper than a slow one.
        assert!(c[0][0] < c[1][0] && c[2][1] < c[3][1], "{c:?}");
        assert_eq!(c[0], mix(LOW_LOSS, HIGH_LOSS, 0.0));
        assert_eq!(c[3], mix(FAST_BLOWUP, SLOW_BLOWUP, 1.0));
    }

    #[test]
    fn pixels_find_their_group() {
        let map = SweepMap {
            optimizer: 0,
            first_group: 0,
            dims: [4, 2],
            title: String::new(),
            image: image::RgbaImage::new(4, 2),
            x_range: Default::default(),
            y_range: Default::default(),
        };
        // Bottom-left is group 0, top-right the last.
        assert_eq!(map.group_at(0.01, 0.99), Some(0));
        assert_eq!(map.group_at(0.99, 0.01), Some(7));
        assert_eq!(map.group_at(0.3, 0.2), Some(5));
        assert_eq!(map.group_at(1.2, 0.2), None);
    }
}
