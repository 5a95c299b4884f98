//! The 2D plots a scene asks for in `[view] plots = [...]`, built from the simulation's trail
//! up to the frame's time: "xy" (x, y and loss against iteration, as the blog post), "loss",
//! "regression" (the data and each optimizer's current line, and the loss against epoch) and
//! "curve" (1D: f against x with the steps taken and the minimum, as the course figure) and
//! "lr" (each optimizer's learning rate against step, from its schedule).
//!
//! Series of several particles are listed last particle first, so the first optimizer's line
//! is drawn on top where lines coincide, as its trail is in the 3D view.

use crate::gpu::Gpu;
use crate::gpu::gpu_data::{STATUS_DIVERGED, TrailPoint};
use crate::gpu::sim::{Simulation, TrailPlan};
use crate::gpu::stats::{StepStats, TrailStats};
use crate::numbers::short_number;
use crate::render::overlay::style::{Plot, PlotPlacement, Series, SeriesStyle, optimizer_color};
use crate::scene::Scene;

/// Scenes with more particles than this get no plots (the trail read-back and the lines
/// would be too much per frame).
pub const MAX_PLOT_PARTICLES: u32 = 64;
/// Above this many particles a loss plot shows each optimizer's mean instead of every path.
const MAX_LOSS_LINES: usize = 16;

const LINE: SeriesStyle = SeriesStyle::Line { width: 1.5 };
const RED: [u8; 4] = [214, 39, 40, 255];
const GREEN: [u8; 4] = [44, 160, 44, 255];
const CURVE: [u8; 4] = [31, 119, 180, 255];
const DATA: [u8; 4] = [110, 110, 110, 255];

/// Reads one number off a trail point.
type Coordinate = fn(&TrailPoint) -> f64;

/// Every particle's recorded states up to a step, oldest first.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Global step of each record.
    pub steps: Vec<u32>,
    /// `paths[i][r]`: particle i at `steps[r]`.
    pub paths: Vec<Vec<TrailPoint>>,
    /// Particles per optimizer: particle i belongs to optimizer `i / starts_per_group`.
    pub starts_per_group: usize,
    /// Each group's colour when it is not the palette's by group (a sweep's groups share
    /// their optimizer's colour); empty: the palette.
    pub group_colors: Vec<[u8; 4]>,
    /// Each optimizer's scheduled learning rate per step, from the simulation's tables (see
    /// [`scheduled_lr`]); missing or None: its constant lr.
    pub scheduled_lr: Vec<Option<Vec<f32>>>,
}

impl History {
    /// Unpacks a trail ring read back with [`Simulation::read_trail`]: record r of particle i
    /// at slot `(r % capacity) * n + i`, one record every `record_every` steps, after `done`
    /// steps were simulated. Keeps the records of steps `0..=up_to` that the ring still holds.
    pub fn from_trail(
        trail: &[TrailPoint],
        n: usize,
        plan: TrailPlan,
        done: u32,
        up_to: u32,
        starts_per_group: usize,
    ) -> Self {
        let capacity = plan.capacity as usize;
        let every = plan.record_every.max(1);
        if capacity == 0 || n == 0 || trail.len() < capacity * n {
            return Self::default();
        }
        // The ring holds the last `capacity` records of the `done` steps simulated.
        let newest = (done / every) as usize;
        let oldest = (newest + 1).saturating_sub(capacity);
        let last = ((up_to.min(done)) / every) as usize;
        let first = oldest;
        if last < first {
            return Self::default();
        }
        let steps = (first..=last).map(|r| r as u32 * every).collect();
        let paths = (0..n)
            .map(|i| (first..=last).map(|r| trail[(r % capacity) * n + i]).collect())
            .collect();
        Self {
            steps,
            paths,
            starts_per_group: starts_per_group.max(1),
            group_colors: Vec::new(),
            scheduled_lr: Vec::new(),
        }
    }

    fn group(&self, i: usize) -> usize {
        i / self.starts_per_group
    }

    fn group_color(&self, g: usize) -> [u8; 4] {
        self.group_colors
            .get(g)
            .copied()
            .unwrap_or_else(|| optimizer_color(g))
    }

    /// Particle i's records as (step, point), up to where it diverged.
    fn records(&self, i: usize) -> impl Iterator<Item = (f64, &TrailPoint)> + '_ {
        self.steps
            .iter()
            .zip(&self.paths[i])
            .take_while(|(_, p)| p.status != STATUS_DIVERGED && p.pos[0].is_finite() && p.pos[1].is_finite())
            .map(|(s, p)| (f64::from(*s), p))
    }

    /// Particle i's path as a line in its optimizer's colour; solid from the first start,
    /// dashed from the others.
    fn line(&self, i: usize, f: impl Fn(&TrailPoint) -> f64) -> Series {
        Series {
            color: self.group_color(self.group(i)),
            points: self.records(i).map(|(s, p)| [s, f(p)]).collect(),
            style: if i.is_multiple_of(self.starts_per_group) {
                LINE
            } else {
                SeriesStyle::Dashed { width: 1.5 }
            },
        }
    }

    /// Particle i's last position.
    fn current(&self, i: usize) -> Option<[f64; 2]> {
        self.records(i)
            .last()
            .map(|(_, p)| [f64::from(p.pos[0]), f64::from(p.pos[1])])
    }
}

/// Whether the scene's plots take the whole frame, hiding the 3D view: a 1D surface shown
/// as a curve, and a 1D regression (only b descends), whose curve J(b) and data plot share
/// the frame.
pub fn full_frame(scene: &Scene) -> bool {
    scene.surface.is_1d() && scene.view.plots.iter().any(|p| p == "curve" || p == "regression")
}

/// The camera's `bottom_inset` for `scene` in a frame `height_px` tall: the share the plot
/// strip takes, or 0 without one (or when a full-frame plot hides the 3D view). Depends on
/// the scene only, so the view does not jump when the first plots appear.
pub fn strip_share(scene: &Scene, particles: u32, height_px: u32) -> f32 {
    let shown = !scene.view.plots.is_empty()
        && (particles <= MAX_PLOT_PARTICLES || wants_distribution(scene) || wants_lr(scene));
    if shown && !full_frame(scene) {
        crate::render::overlay::strip_share(height_px)
    } else {
        0.0
    }
}

/// Whether the scene's plots include the loss plot, which swarms draw as distributions.
/// Not for sweeps: per-group statistics do not scale to a sweep's groups, its map stands
/// for them.
pub fn wants_distribution(scene: &Scene) -> bool {
    scene.view.plots.iter().any(|p| p == "loss") && !scene.has_sweep()
}

/// Whether the scene's plots include the learning rate, which needs no trail.
pub fn wants_lr(scene: &Scene) -> bool {
    scene.view.plots.iter().any(|p| p == "lr")
}

/// The scene's plots at `time`: from the trail read back for a few particles, or for a swarm
/// the loss distribution and outcome shares from `stats` (counted on the GPU up to `time`).
pub fn plots_for_frame(
    gpu: &Gpu,
    scene: &Scene,
    sim: &Simulation,
    time: f64,
    stats: Option<&mut TrailStats>,
) -> Vec<Plot> {
    if scene.view.plots.is_empty() || !sim.has_started() {
        return Vec::new();
    }
    if sim.particle_count() > MAX_PLOT_PARTICLES {
        let up_to = (time.max(0.0).floor() as u32).min(sim.steps_done());
        let mut out = Vec::new();
        if let Some(stats) = stats.filter(|_| wants_distribution(scene)) {
            match stats.update(gpu, sim, up_to) {
                Ok(()) => out = distribution_plots(scene, stats, up_to),
                Err(e) => log::warn!("the loss statistics could not be read: {e}"),
            }
        }
        if wants_lr(scene) {
            out.push(lr_plot(scene, &scheduled_lr(scene, sim), up_to));
        }
        return out;
    }
    // In a page the trail read is a frame or more old: the plots end where it does.
    let Ok(Some((done, trail))) = sim.read_trail_latest(gpu) else {
        return Vec::new();
    };
    let up_to = (time.max(0.0).floor() as u32).min(done);
    let mut history = History::from_trail(
        &trail,
        sim.particle_count() as usize,
        sim.trail_plan(),
        done,
        up_to,
        sim.starts_per_group() as usize,
    );
    if scene.has_sweep() {
        history.group_colors = crate::render::scene_group_colors(scene);
    }
    if wants_lr(scene) {
        history.scheduled_lr = scheduled_lr(scene, sim);
    }
    scene_plots(scene, &history)
}

/// The plots `scene.view.plots` names, from `history`.
pub fn scene_plots(scene: &Scene, history: &History) -> Vec<Plot> {
    let steps = [0.0, f64::from(scene.steps)];
    let n = history.paths.len();
    let mut out = Vec::new();
    for kind in &scene.view.plots {
        match kind.as_str() {
            "xy" => {
                let axes: [(&str, Coordinate); 3] = [
                    ("x", |p| f64::from(p.pos[0])),
                    ("y", |p| f64::from(p.pos[1])),
                    ("loss", |p| f64::from(p.loss)),
                ];
                for (name, f) in axes {
                    out.push(Plot {
                        title: format!("{name} against iteration"),
                        x_label: "iteration".into(),
                        y_label: name.into(),
                        series: (0..n).rev().map(|i| history.line(i, f)).collect(),
                        x_range: Some(steps),
                        log_y: name == "loss" && log_loss_axis(scene),
                        ..Plot::default()
                    });
                }
            }
            "loss" => out.push(loss_plot(history, "step", steps, log_loss_axis(scene))),
            "regression" if scene.surface.is_1d() => {
                // Only b descends: J(b) as a curve with the steps taken (unless the scene
                // also asks for "curve"), beside the data and the line, as in the tutorial.
                if !scene.view.plots.iter().any(|p| p == "curve") {
                    out.push(curve_plot(scene, history));
                }
                if let Some(mut plot) = regression_plot(scene, history) {
                    plot.placement = PlotPlacement::Full;
                    out.push(plot);
                }
            }
            "regression" => {
                if let Some(plot) = regression_plot(scene, history) {
                    out.push(plot);
                }
                out.push(loss_plot(history, "epoch", steps, log_loss_axis(scene)));
            }
            "curve" => out.push(curve_plot(scene, history)),
            "lr" => out.push(lr_plot(
                scene,
                &history.scheduled_lr,
                history.steps.last().copied().unwrap_or(0),
            )),
            _ => {}
        }
    }
    out
}

/// Quantile bands drawn for a swarm's loss: 5-95% lightest, 25-75% darker, the median a line.
pub const QUANTILE_BANDS: [(f64, f64, u8); 2] = [(0.05, 0.95, 46), (0.25, 0.75, 92)];

/// A swarm's plots: its loss against step as quantile bands and median per optimizer, and the
/// shares of particles converged (solid) and diverged (dashed) against step.
pub fn distribution_plots(scene: &Scene, stats: &TrailStats, up_to: u32) -> Vec<Plot> {
    let steps = [0.0, f64::from(scene.steps)];
    let axis = *stats.axis();
    let mut loss_series = Vec::new();
    let mut share_series = Vec::new();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (g, rows) in stats.rows().iter().enumerate() {
        let rows: Vec<&StepStats> = rows.iter().filter(|r| r.step <= up_to).collect();
        let color = optimizer_color(g);
        let at = |q: f64| -> Vec<[f64; 2]> {
            rows.iter()
                .filter_map(|r| r.quantile(&axis, q).map(|v| [f64::from(r.step), v]))
                .collect()
        };
        for (q_lo, q_hi, alpha) in QUANTILE_BANDS {
            let mut points = at(q_lo);
            let upper = at(q_hi);
            if points.len() != upper.len() {
                continue;
            }
            points.extend(upper);
            for p in &points {
                lo = lo.min(p[1]);
                hi = hi.max(p[1]);
            }
            loss_series.push(Series {
                color: [color[0], color[1], color[2], alpha],
                points,
                style: SeriesStyle::Band,
            });
        }
        loss_series.push(Series {
            color,
            points: at(0.5),
            style: LINE,
        });
        let share = |f: fn(&StepStats) -> u32| -> Vec<[f64; 2]> {
            rows.iter()
                .map(|r| [f64::from(r.step), f64::from(f(r)) / f64::from(r.total().max(1))])
                .collect()
        };
        share_series.push(Series {
            color,
            points: share(|r| r.converged),
            style: LINE,
        });
        share_series.push(Series {
            color,
            points: share(|r| r.diverged),
            style: SeriesStyle::Dashed { width: 1.5 },
        });
    }
    vec![
        Plot {
            title: "loss: median, 25-75% and 5-95%".into(),
            x_label: "step".into(),
            y_label: "loss".into(),
            series: loss_series,
            x_range: Some(steps),
            log_y: lo > 0.0 && (log_loss_axis(scene) || hi / lo > 100.0),
            ..Plot::default()
        },
        Plot {
            title: "converged (solid), diverged (dashed)".into(),
            x_label: "step".into(),
            y_label: "share".into(),
            series: share_series,
            x_range: Some(steps),
            y_range: Some([0.0, 1.0]),
            ..Plot::default()
        },
    ]
}

/// Loss against step: one line per particle, or each optimizer's mean when there are many.
fn loss_plot(history: &History, x_label: &str, steps: [f64; 2], log: bool) -> Plot {
    let n = history.paths.len();
    let loss = |p: &TrailPoint| f64::from(p.loss);
    let series: Vec<Series> = if n <= MAX_LOSS_LINES {
        (0..n).rev().map(|i| history.line(i, loss)).collect()
    } else {
        let groups = n.div_ceil(history.starts_per_group);
        (0..groups)
            .rev()
            .map(|g| {
                let members: Vec<usize> = (0..n).filter(|&i| history.group(i) == g).collect();
                let points = (0..history.steps.len())
                    .filter_map(|r| {
                        let vals: Vec<f64> = members
                            .iter()
                            .map(|&i| f64::from(history.paths[i][r].loss))
                            .filter(|v| v.is_finite())
                            .collect();
                        (!vals.is_empty()).then(|| {
                            [
                                f64::from(history.steps[r]),
                                vals.iter().sum::<f64>() / vals.len() as f64,
                            ]
                        })
                    })
                    .collect();
                Series {
                    color: history.group_color(g),
                    points,
                    style: LINE,
                }
            })
            .collect()
    };
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p[1]))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    Plot {
        title: format!("loss against {x_label}"),
        x_label: x_label.into(),
        y_label: "loss".into(),
        series,
        x_range: Some(steps),
        log_y: lo > 0.0 && (log || hi / lo > 100.0),
        ..Plot::default()
    }
}

/// Each optimizer's scheduled learning rate (its first group's, for a sweep), read from the
/// simulation's tables: computed once per run, never replayed per frame.
pub fn scheduled_lr(scene: &Scene, sim: &Simulation) -> Vec<Option<Vec<f32>>> {
    let mut first = 0;
    scene
        .optimizers
        .iter()
        .map(|o| {
            let table = sim.scheduled_lr(first).map(<[f32]>::to_vec);
            first += o.group_count() as usize;
            table
        })
        .collect()
}

/// Each optimizer's learning rate against step up to `up_to`, as its schedule sets it (a flat
/// line without one), on a linear axis as torch's schedule figures are. The schedule comes from
/// the simulation's tables (a sweep's first group), computed once per run.
pub fn lr_plot(scene: &Scene, scheduled: &[Option<Vec<f32>>], up_to: u32) -> Plot {
    let last = up_to.clamp(1, scene.steps.max(1));
    let series: Vec<Series> = scene
        .optimizers
        .iter()
        .enumerate()
        .rev()
        .map(|(k, o)| {
            let lr = |t: u32| match scheduled.get(k).and_then(Option::as_ref) {
                Some(table) => table.get(t as usize - 1).map(|&v| f64::from(v)),
                None => Some(o.params.lr),
            };
            Series {
                color: optimizer_color(k),
                points: (1..=last)
                    .filter_map(|t| lr(t).map(|v| [f64::from(t), v]))
                    .collect(),
                style: LINE,
            }
        })
        .collect();
    Plot {
        title: "learning rate against step".into(),
        x_label: "step".into(),
        y_label: "lr".into(),
        series,
        x_range: Some([0.0, f64::from(scene.steps)]),
        ..Plot::default()
    }
}

/// Loss axes are logarithmic when the scene colours its surface on a log scale (else when
/// the loss spans more than two decades).
fn log_loss_axis(scene: &Scene) -> bool {
    scene.view.color_scale == Some(crate::scene::ColorScale::Log)
}

/// The data as dots and each particle's current line y = m x + b.
fn regression_plot(scene: &Scene, history: &History) -> Option<Plot> {
    let reg = scene.regression.as_ref()?;
    let data = &reg.data;
    let (x_lo, x_hi) = data
        .x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (y_lo, y_hi) = data
        .y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let pad = |lo: f64, hi: f64| {
        let d = 0.05 * (hi - lo).max(1e-9);
        [lo - d, hi + d]
    };
    let mut series = vec![Series {
        color: DATA,
        points: data.x.iter().zip(&data.y).map(|(&x, &y)| [x, y]).collect(),
        style: SeriesStyle::Dots { radius: 1.8 },
    }];
    for i in (0..history.paths.len()).rev() {
        let Some(p) = history.current(i) else { continue };
        let (m, b) = match reg.fixed_slope {
            Some(m) => (m, p[0]),
            None => (p[0], p[1]),
        };
        series.push(Series {
            color: history.group_color(history.group(i)),
            points: vec![[x_lo, m * x_lo + b], [x_hi, m * x_hi + b]],
            style: SeriesStyle::Line { width: 2.0 },
        });
    }
    let title = match reg.fixed_slope {
        Some(m) => format!("data and y = {} x + b", short_number(m)),
        None => "data and y = m x + b".into(),
    };
    Some(Plot {
        title,
        x_label: "x".into(),
        y_label: "y".into(),
        series,
        x_range: Some(pad(x_lo, x_hi)),
        y_range: Some(pad(y_lo, y_hi)),
        ..Plot::default()
    })
}

/// f(x) over the domain, the steps taken as red dots and the minima as green dots; the
/// whole frame for a 1D surface.
fn curve_plot(scene: &Scene, history: &History) -> Plot {
    let surface = &scene.surface;
    let [x0, x1] = surface.domain.x;
    let samples = 256;
    let curve: Vec<[f64; 2]> = (0..=samples)
        .map(|k| {
            let x = x0 + (x1 - x0) * f64::from(k) / f64::from(samples);
            [x, surface.value([x, 0.0])]
        })
        .filter(|p| p[1].is_finite())
        .collect();
    let mut series = vec![Series {
        color: CURVE,
        points: curve,
        style: SeriesStyle::Line { width: 2.0 },
    }];
    for i in 0..history.paths.len() {
        series.push(Series {
            color: RED,
            points: history
                .records(i)
                .map(|(_, p)| {
                    let x = f64::from(p.pos[0]);
                    [x, surface.value([x, f64::from(p.pos[1])])]
                })
                .collect(),
            style: SeriesStyle::Dots { radius: 3.5 },
        });
    }
    series.push(Series {
        color: GREEN,
        points: surface.minima.iter().map(|m| [m[0], surface.value(*m)]).collect(),
        style: SeriesStyle::Dots { radius: 4.5 },
    });
    // The variable's and the loss's names: x and f(x), or b and J(b) for a regression line
    // whose slope is held (the title says where).
    let names = scene.view.axis_names.as_ref();
    let x_label = names.map_or("x".to_string(), |n| n[0].clone());
    let y_label = names.map_or("f(x)".to_string(), |n| n[2].clone());
    let title = match scene.regression.as_ref().and_then(|r| r.fixed_slope) {
        Some(m) => format!("{y_label} with the slope held at m = {}", short_number(m)),
        None => format!("{} and the steps taken", surface.name),
    };
    Plot {
        title,
        x_label,
        y_label,
        series,
        x_range: Some([x0, x1]),
        placement: if surface.is_1d() {
            PlotPlacement::Full
        } else {
            PlotPlacement::Strip
        },
        ..Plot::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f32) -> TrailPoint {
        TrailPoint {
            pos: [x, 0.0],
            loss: x * x,
            status: 0,
        }
    }

    #[test]
    fn the_ring_unwraps_oldest_first() {
        // 2 particles, capacity 3, a record every 2 steps: records 0..=4 (steps 0..=8) were
        // written; the ring holds records 2, 3, 4 at slots 2, 0, 1.
        let (n, capacity) = (2, 3);
        let mut trail = vec![point(-1.0); n * capacity];
        for r in 0..=4usize {
            for i in 0..n {
                trail[(r % capacity) * n + i] = point((10 * i + r) as f32);
            }
        }
        let plan = TrailPlan {
            capacity: capacity as u32,
            record_every: 2,
        };
        let h = History::from_trail(&trail, n, plan, 9, 9, 1);
        assert_eq!(h.steps, [4, 6, 8]);
        let xs = |h: &History, i: usize| h.paths[i].iter().map(|p| p.pos[0]).collect::<Vec<_>>();
        assert_eq!(xs(&h, 1), [12.0, 13.0, 14.0]);
        // Up to step 7 (the window behind the simulation): records 2 and 3 only; records 0
        // and 1 were overwritten.
        let h = History::from_trail(&trail, n, plan, 9, 7, 2);
        assert_eq!(h.steps, [4, 6]);
        assert_eq!(xs(&h, 0), [2.0, 3.0]);
        assert_eq!(h.group(1), 0);
        // Up to step 2: nothing left in the ring.
        assert!(History::from_trail(&trail, n, plan, 9, 2, 1).steps.is_empty());
        // Nothing wrapped yet: from step 0.
        let h = History::from_trail(&trail, n, plan, 4, 4, 1);
        assert_eq!(h.steps, [0, 2, 4]);
    }

    #[test]
    fn a_diverged_path_stops() {
        let mut pts = vec![point(1.0), point(2.0), point(3.0)];
        pts[2].status = STATUS_DIVERGED;
        let h = History {
            steps: vec![0, 1, 2],
            paths: vec![pts],
            starts_per_group: 1,
            group_colors: Vec::new(),
            scheduled_lr: Vec::new(),
        };
        assert_eq!(
            h.line(0, |p| f64::from(p.pos[0])).points,
            [[0.0, 1.0], [1.0, 2.0]]
        );
        assert_eq!(h.current(0), Some([2.0, 0.0]));
    }
}
