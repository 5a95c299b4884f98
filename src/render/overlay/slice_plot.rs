//! A model scene's strip plot: each optimizer's true loss against step (median, with its
//! 25-75% band when it has several models) beside the loss of the slice at the path's
//! projection (median, dashed). Where the two part, the slice no longer tells the truth about
//! the path drawn on it.

use crate::render::overlay::plots::QUANTILE_BANDS;
use crate::render::overlay::style::{Plot, Series, SeriesStyle, optimizer_color};

/// Per optimizer and record: the true loss's quartiles and median, and the slice's median.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SliceLosses {
    /// The step of each record.
    pub steps: Vec<u32>,
    /// Per optimizer group, per record: [25%, 50%, 75%] of the true loss.
    pub true_loss: Vec<Vec<Option<[f64; 3]>>>,
    /// Per optimizer group, per record: the median loss of the slice.
    pub slice_loss: Vec<Vec<Option<f64>>>,
    /// Models per series.
    pub members: Vec<usize>,
}

/// The `q`-quantile (linear between order statistics) of finite `values`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64)
}

fn finite_sorted(values: impl Iterator<Item = f32>) -> Vec<f64> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).map(f64::from).collect();
    v.sort_by(f64::total_cmp);
    v
}

impl SliceLosses {
    /// From each particle's true and slice losses per record, recorded every `record_every`
    /// steps; series k is the next `spans[k]` particles (an optimizer's, its sweep's groups
    /// together).
    pub fn new(true_loss: &[Vec<f32>], slice_loss: &[Vec<f32>], spans: &[usize], record_every: u32) -> Self {
        let records = true_loss.first().map_or(0, Vec::len);
        let mut out = Self {
            steps: (0..records as u32).map(|r| r * record_every).collect(),
            members: spans.to_vec(),
            ..Self::default()
        };
        let mut first = 0;
        for &span in spans {
            let members = first..(first + span).min(true_loss.len());
            first += span;
            let (mut t, mut s) = (Vec::with_capacity(records), Vec::with_capacity(records));
            for r in 0..records {
                let truth = finite_sorted(true_loss[members.clone()].iter().map(|l| l[r]));
                t.push((!truth.is_empty()).then(|| [0.25, 0.5, 0.75].map(|q| quantile(&truth, q))));
                let slice = finite_sorted(slice_loss[members.clone()].iter().map(|l| l[r]));
                s.push((!slice.is_empty()).then(|| quantile(&slice, 0.5)));
            }
            out.true_loss.push(t);
            out.slice_loss.push(s);
        }
        out
    }

    /// The plot up to step `up_to`, its x axis spanning `steps`.
    pub fn plot(&self, up_to: u32, steps: u32) -> Plot {
        let shown = self.steps.iter().take_while(|&&s| s <= up_to).count();
        let mut series = Vec::new();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut take = |v: f64| {
            lo = lo.min(v);
            hi = hi.max(v);
        };
        // The first optimizer drawn last, on top.
        for g in (0..self.true_loss.len()).rev() {
            let color = optimizer_color(g);
            let at = |k: usize| -> Vec<[f64; 2]> {
                (0..shown)
                    .filter_map(|r| self.true_loss[g][r].map(|q| [f64::from(self.steps[r]), q[k]]))
                    .collect()
            };
            if self.members[g] > 1 {
                let mut band = at(0);
                band.extend(at(2));
                band.iter().for_each(|p| take(p[1]));
                let alpha = QUANTILE_BANDS[1].2;
                series.push(Series {
                    color: [color[0], color[1], color[2], alpha],
                    points: band,
                    style: SeriesStyle::Band,
                });
            }
            let slice: Vec<[f64; 2]> = (0..shown)
                .filter_map(|r| self.slice_loss[g][r].map(|v| [f64::from(self.steps[r]), v]))
                .collect();
            slice.iter().for_each(|p| take(p[1]));
            series.push(Series {
                color,
                points: slice,
                style: SeriesStyle::Dashed { width: 1.5 },
            });
            let median = at(1);
            median.iter().for_each(|p| take(p[1]));
            series.push(Series {
                color,
                points: median,
                style: SeriesStyle::Line { width: 1.5 },
            });
        }
        let spread = if self.members.iter().any(|&m| m > 1) {
            "median, 25-75%; "
        } else {
            ""
        };
        Plot {
            title: format!("true loss ({spread}solid) and on the slice (dashed)"),
            x_label: "step".into(),
            y_label: "loss".into(),
            series,
            x_range: Some([0.0, f64::from(steps)]),
            log_y: lo > 0.0 && hi / lo > 100.0,
            ..Plot::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_per_group_and_record() {
        // Two groups of three models, two records each.
        let truth = vec![
            vec![1.0, 0.5],
            vec![2.0, 0.25],
            vec![3.0, f32::NAN],
            vec![4.0, 4.0],
            vec![4.0, 4.0],
            vec![4.0, 4.0],
        ];
        let slice: Vec<Vec<f32>> = truth
            .iter()
            .map(|t| t.iter().map(|v| v + 1.0).collect())
            .collect();
        let l = SliceLosses::new(&truth, &slice, &[3, 3], 10);
        assert_eq!(l.steps, [0, 10]);
        assert_eq!(l.true_loss[0][0], Some([1.5, 2.0, 2.5]));
        // A diverged (non-finite) model is left out of the statistics.
        assert_eq!(l.true_loss[0][1], Some([0.3125, 0.375, 0.4375]));
        assert_eq!(l.slice_loss[0][0], Some(3.0));
        assert_eq!(l.true_loss[1][1], Some([4.0; 3]));
        // Up to step 5 only the first record shows; each group has a band, a dashed slice
        // line and a solid median.
        let p = l.plot(5, 10);
        assert_eq!(p.series.len(), 6);
        assert!(p.series.iter().all(|s| s.points.len() <= 2));
        assert_eq!(p.series[5].points, [[0.0, 2.0]]);
        assert_eq!(p.series[5].style, SeriesStyle::Line { width: 1.5 });
        assert_eq!(p.series[4].style, SeriesStyle::Dashed { width: 1.5 });
        assert_eq!(l.plot(10, 10).series[5].points, [[0.0, 2.0], [10.0, 0.375]]);
    }
}
