//! A model scene's data view: the data on the model's input plane with one model's prediction
//! under it, one inset per optimizer, changing as training proceeds (the regression tutorial's
//! line per epoch, generalised). A classifier of two features shows its class regions and
//! decision boundary with the points coloured by class; a regression of one feature its curve
//! through the points. Other shapes (more features) have no data view.
//!
//! The model shown is the slice's centre initialisation (`[slice] around`'s K) of each
//! optimizer, trained by the f64 twin: its parameters at every step are not in the GPU's
//! trails (those hold the projection), and the twin's equal the GPU's within f32 rounding
//! (tests/model_gpu.rs). Its accuracy (or loss) at the step shown titles the inset, and
//! its accuracy against step is a plot of its own.

use std::cell::RefCell;
use std::sync::Arc;

use image::{Rgba, RgbaImage};

use crate::model::{Loss, ModelProblem, Training, Trajectory};
use crate::numbers::short_number;
use crate::optim::OptimizerSpec;
use crate::render::overlay::style::{Inset, Plot, Series, SeriesStyle, optimizer_color};

/// Pixels a side of an inset's image.
const SIDE: u32 = 144;
/// Most optimizer groups with a data view each (a sweep's many groups have none).
const MOST_GROUPS: usize = 4;
const INK: Rgba<u8> = Rgba([40, 40, 40, 255]);

/// What the input plane shows.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Frame {
    /// Two features: class regions over x0 (right) and x1 (up).
    Classes { x: [f64; 2], y: [f64; 2] },
    /// One feature and a regression: the curve over x, the target up.
    Curve { x: [f64; 2], y: [f64; 2] },
}

/// One optimizer's shown model: its parameters and accuracy at every step.
struct Track {
    label: String,
    theta: Vec<Vec<f64>>,
    accuracy: Vec<Option<f64>>,
    loss: Vec<f64>,
}

pub struct DataView {
    problem: ModelProblem,
    frame: Frame,
    /// The initialisation shown.
    model: usize,
    tracks: Vec<Track>,
    /// The step the insets were drawn at, and them.
    drawn: RefCell<Option<(u32, Vec<Inset>)>>,
}

/// The padded range of `values`.
fn range(values: impl Iterator<Item = f64>) -> [f64; 2] {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let pad = ((hi - lo) * 0.08).max(1e-6);
    [lo - pad, hi + pad]
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// `a` towards `b` by `t`.
fn mix(a: [u8; 4], b: [u8; 4], t: f64) -> [f64; 3] {
    [0, 1, 2].map(|k| f64::from(a[k]) + (f64::from(b[k]) - f64::from(a[k])) * t)
}

/// A colour washed towards white (class regions stay pale under the points).
fn pale(c: [f64; 3], strength: f64) -> Rgba<u8> {
    let w = |v: f64| (255.0 - (255.0 - v) * strength).round().clamp(0.0, 255.0) as u8;
    Rgba([w(c[0]), w(c[1]), w(c[2]), 255])
}

fn dot(image: &mut RgbaImage, cx: f64, cy: f64, r: f64, fill: Rgba<u8>) {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let reach = (r + 1.0).ceil() as i64;
    for y in (cy as i64 - reach)..=(cy as i64 + reach) {
        for x in (cx as i64 - reach)..=(cx as i64 + reach) {
            if x < 0 || y < 0 || x >= w || y >= h {
                continue;
            }
            let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
            if d <= r {
                let color = if d > r - 1.0 { INK } else { fill };
                image.put_pixel(x as u32, y as u32, color);
            }
        }
    }
}

impl DataView {
    /// The view of `problem` trained by `optimizers` (groups) from initialisation `model`, or
    /// None when the data has no picture of this kind. `known`: a particle's twin run made
    /// already (the slice's centre), used instead of running it again.
    pub fn new(
        problem: &ModelProblem,
        optimizers: &[OptimizerSpec],
        model: usize,
        steps: u32,
        tol: f64,
        seed: u64,
        known: Option<(usize, &Trajectory)>,
    ) -> Option<Self> {
        let data = &problem.data;
        let features = data.features;
        let column = |k: usize| (0..data.len()).map(move |i| data.point(i)[k]);
        let frame = match (features, problem.loss) {
            (2, Loss::Bce | Loss::Ce) => Frame::Classes {
                x: range(column(0)),
                y: range(column(1)),
            },
            (1, Loss::Mse) => Frame::Curve {
                x: range(column(0)),
                y: range(data.y.iter().copied()),
            },
            _ => return None,
        };
        if optimizers.is_empty() || optimizers.len() > MOST_GROUPS {
            return None;
        }
        let inits = problem.inits.len();
        let training = Training {
            problem: problem.problem(),
            optimizers,
            inits: &problem.inits,
            steps,
            tol,
            seed,
        };
        let twin = problem.problem();
        let tracks = optimizers
            .iter()
            .enumerate()
            .filter_map(|(g, spec)| {
                let index = g * inits + model % inits.max(1);
                let t = match known {
                    Some((i, t)) if i == index => t.clone(),
                    _ => training.one(index).ok()?,
                };
                let accuracy = t.theta.iter().map(|theta| twin.accuracy(theta)).collect();
                Some(Track {
                    label: spec.describe(),
                    theta: t.theta,
                    accuracy,
                    loss: t.loss,
                })
            })
            .collect();
        Some(Self {
            problem: problem.clone(),
            frame,
            model: model % inits.max(1),
            tracks,
            drawn: RefCell::new(None),
        })
    }

    /// One inset per optimizer at `step` (drawn again only when the step changes).
    pub fn insets(&self, step: u32) -> Vec<Inset> {
        let mut drawn = self.drawn.borrow_mut();
        if let Some((at, insets)) = drawn.as_ref()
            && *at == step
        {
            return insets.clone();
        }
        // Laid out from the right: the first optimizer's ends leftmost, as the legend reads.
        let insets: Vec<Inset> = self
            .tracks
            .iter()
            .enumerate()
            .rev()
            .map(|(g, track)| self.inset(g, track, step))
            .collect();
        *drawn = Some((step, insets.clone()));
        insets
    }

    fn inset(&self, g: usize, track: &Track, step: u32) -> Inset {
        let s = (step as usize).min(track.theta.len().saturating_sub(1));
        let theta = &track.theta[s];
        let (image, x, y) = match self.frame {
            Frame::Classes { x, y } => (self.classes(theta, x, y), x, y),
            Frame::Curve { x, y } => (self.curve(theta, x, y, optimizer_color(g)), x, y),
        };
        let measure = match track.accuracy[s] {
            Some(a) => format!("accuracy {:.1}%", 100.0 * a),
            None => format!("loss {}", short_number(track.loss[s])),
        };
        Inset {
            // One picture per optimizer and step: the overlay uploads each once.
            id: 0xda7a_0000_0000 + ((g as u64) << 32) + u64::from(step),
            title: format!("{}, model {}: {measure}", track.label, self.model),
            image: Arc::new(image),
            x_range: x.map(short_number),
            y_range: y.map(short_number),
        }
    }

    /// Class regions (pale, by the model's probability), the decision boundary, the points.
    fn classes(&self, theta: &[f64], x: [f64; 2], y: [f64; 2]) -> RgbaImage {
        let twin = self.problem.problem();
        let at = |px: f64, py: f64| [x[0] + (x[1] - x[0]) * px, y[1] - (y[1] - y[0]) * py];
        let classes = self.problem.model.outputs().max(2);
        // Per pixel: the predicted class and the colour of its region.
        let mut class = vec![0usize; (SIDE * SIDE) as usize];
        let mut image = RgbaImage::from_fn(SIDE, SIDE, |px, py| {
            let p = at(
                (f64::from(px) + 0.5) / f64::from(SIDE),
                (f64::from(py) + 0.5) / f64::from(SIDE),
            );
            let z = twin.predict(theta, &p);
            let (k, color) = if z.len() == 1 {
                let prob = sigmoid(z[0]);
                (
                    usize::from(prob > 0.5),
                    mix(optimizer_color(0), optimizer_color(1), prob),
                )
            } else {
                let k = (0..z.len()).fold(0, |b, k| if z[k] > z[b] { k } else { b });
                let c = optimizer_color(k);
                (k, [0, 1, 2].map(|i| f64::from(c[i])))
            };
            class[(py * SIDE + px) as usize] = k.min(classes - 1);
            pale(color, 0.35)
        });
        // The boundary: where a pixel's class differs from its right or lower neighbour.
        for py in 0..SIDE {
            for px in 0..SIDE {
                let k = class[(py * SIDE + px) as usize];
                let right = px + 1 < SIDE && class[(py * SIDE + px + 1) as usize] != k;
                let below = py + 1 < SIDE && class[((py + 1) * SIDE + px) as usize] != k;
                if right || below {
                    image.put_pixel(px, py, INK);
                }
            }
        }
        let data = &self.problem.data;
        for i in 0..data.len() {
            let p = data.point(i);
            let cx = (p[0] - x[0]) / (x[1] - x[0]) * f64::from(SIDE);
            let cy = (y[1] - p[1]) / (y[1] - y[0]) * f64::from(SIDE);
            let c = optimizer_color(data.y[i] as usize);
            dot(&mut image, cx, cy, 2.6, Rgba(c));
        }
        image
    }

    /// The data as grey points and the model's curve over x in the optimizer's colour.
    fn curve(&self, theta: &[f64], x: [f64; 2], y: [f64; 2], color: [u8; 4]) -> RgbaImage {
        let twin = self.problem.problem();
        let mut image = RgbaImage::from_pixel(SIDE, SIDE, Rgba([255, 255, 255, 255]));
        let data = &self.problem.data;
        let to_px = |vx: f64, vy: f64| {
            (
                (vx - x[0]) / (x[1] - x[0]) * f64::from(SIDE),
                (y[1] - vy) / (y[1] - y[0]) * f64::from(SIDE),
            )
        };
        for i in 0..data.len() {
            let (cx, cy) = to_px(data.point(i)[0], data.y[i]);
            dot(&mut image, cx, cy, 2.0, Rgba([150, 150, 150, 255]));
        }
        // The curve, sampled at every tenth of a pixel so steep parts stay connected.
        let samples = SIDE * 10;
        for k in 0..=samples {
            let vx = x[0] + (x[1] - x[0]) * f64::from(k) / f64::from(samples);
            let (cx, cy) = to_px(vx, twin.predict(theta, &[vx])[0]);
            for d in [-0.8, 0.0, 0.8] {
                let (px, py) = (cx.floor(), (cy + d).floor());
                if px >= 0.0 && py >= 0.0 && px < f64::from(SIDE) && py < f64::from(SIDE) {
                    image.put_pixel(px as u32, py as u32, Rgba(color));
                }
            }
        }
        image
    }

    /// The shown models' accuracy against step (classifiers only).
    pub fn accuracy_plot(&self, up_to: u32, steps: u32) -> Option<Plot> {
        if self.tracks.iter().all(|t| t.accuracy.iter().all(Option::is_none)) {
            return None;
        }
        let series = self
            .tracks
            .iter()
            .enumerate()
            .rev()
            .map(|(g, t)| Series {
                color: optimizer_color(g),
                points: t
                    .accuracy
                    .iter()
                    .enumerate()
                    .take_while(|(s, _)| *s as u32 <= up_to)
                    .filter_map(|(s, a)| a.map(|a| [s as f64, a]))
                    .collect(),
                style: SeriesStyle::Line { width: 1.5 },
            })
            .collect();
        Some(Plot {
            title: format!("accuracy of model {}", self.model),
            x_label: "step".into(),
            y_label: "accuracy".into(),
            series,
            x_range: Some([0.0, f64::from(steps)]),
            y_range: Some([0.0, 1.0]),
            ..Plot::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProblemArgs;

    /// Two points, (-1, -1) of class 0 and (1, 1) of class 1, for a logistic regression.
    fn view() -> DataView {
        let args = ProblemArgs {
            model: "mlp:2-1:nobias".into(),
            loss: Some("bce".into()),
            data: "d.csv".into(),
            inits: Some(1),
            ..Default::default()
        };
        let read = |_: &str| Ok("x0,x1,y\n-1,-1,0\n1,1,1\n".to_string());
        let problem = ModelProblem::resolve(&args, &read).unwrap();
        let optimizers: Vec<OptimizerSpec> = vec!["sgd:lr=0.1".parse().unwrap()];
        DataView::new(&problem, &optimizers, 0, 3, 0.0, 0, None).expect("two features and bce: a view")
    }

    #[test]
    fn a_logistic_regression_shows_its_boundary_and_regions() {
        let v = view();
        let Frame::Classes { x, y } = v.frame else {
            panic!("{:?}", v.frame)
        };
        // The weights (1, 0): class 1 where x0 > 0, the boundary the vertical through 0.
        let image = v.classes(&[1.0, 0.0], x, y);
        let row = SIDE / 2;
        let zero = ((0.0 - x[0]) / (x[1] - x[0]) * f64::from(SIDE)) as u32;
        assert!((zero as i64 - i64::from(SIDE / 2)).abs() <= 1);
        let (left, right) = (image.get_pixel(8, row).0, image.get_pixel(SIDE - 8, row).0);
        let hue_of = |c: [u8; 4]| if c[2] > c[0] { "blue" } else { "orange" };
        assert_eq!(
            (hue_of(left), hue_of(right)),
            ("blue", "orange"),
            "{left:?} {right:?}"
        );
        assert!(
            left[0] > 150 && right[2] > 150,
            "regions are pale: {left:?} {right:?}"
        );
        let ink = (zero - 2..=zero + 1).any(|c| image.get_pixel(c, row) == &INK);
        assert!(ink, "the boundary is drawn at x0 = 0");
        // The points in their class colours, where they are.
        let at = |p: [f64; 2]| {
            let px = (p[0] - x[0]) / (x[1] - x[0]) * f64::from(SIDE);
            let py = (y[1] - p[1]) / (y[1] - y[0]) * f64::from(SIDE);
            image.get_pixel(px as u32, py as u32).0
        };
        assert_eq!(at([-1.0, -1.0]), optimizer_color(0));
        assert_eq!(at([1.0, 1.0]), optimizer_color(1));
    }

    #[test]
    fn insets_follow_the_step_and_say_its_accuracy() {
        let v = view();
        let twin = v.problem.problem();
        let track = &v.tracks[0];
        assert_eq!(track.theta.len(), 4, "steps 0 to 3");
        for step in [0u32, 3, 10] {
            let s = (step as usize).min(3);
            let insets = v.insets(step);
            assert_eq!(insets.len(), 1);
            let a = twin.accuracy(&track.theta[s]).unwrap();
            assert!(
                insets[0].title.ends_with(&format!("accuracy {:.1}%", 100.0 * a)),
                "{}",
                insets[0].title
            );
            assert!(
                insets[0].title.starts_with("sgd lr=0.1, model 0"),
                "{}",
                insets[0].title
            );
        }
        let plot = v.accuracy_plot(2, 3).expect("a classifier has an accuracy plot");
        assert_eq!(plot.series[0].points.len(), 3, "steps 0, 1 and 2");
    }

    #[test]
    fn only_pictured_shapes_get_a_view() {
        let problem = |model: &str, loss: &str, data: &str| {
            let args = ProblemArgs {
                model: model.into(),
                loss: Some(loss.into()),
                data: data.into(),
                inits: Some(1),
                ..Default::default()
            };
            ModelProblem::resolve(&args, &|p| Err(std::io::Error::other(p.to_string()))).unwrap()
        };
        let sgd: Vec<OptimizerSpec> = vec!["sgd:lr=0.1".parse().unwrap()];
        let view = |p: &ModelProblem| DataView::new(p, &sgd, 0, 2, 0.0, 0, None).map(|v| v.frame);
        assert!(matches!(
            view(&problem("linear", "mse", "linear:n=10")),
            Some(Frame::Curve { .. })
        ));
        assert!(matches!(
            view(&problem("mlp:2-3-3", "ce", "blobs:n=12,classes=3")),
            Some(Frame::Classes { .. })
        ));
        assert_eq!(view(&problem("mlp:4-2-1", "mse", "teacher:n=10,d=4")), None);
    }
}
