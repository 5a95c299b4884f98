//! Loss slices: L(theta0 + a d1 + b d2) over a grid of (a, b), the picture of a model's loss
//! landscape, with the directions chosen as Li et al. (2018) do or by name.
//!
//! - `random`: filter-normalized Gaussian directions (Li et al., "Visualizing the Loss
//!   Landscape of Neural Nets"; their `net_plotter.py` with `--xnorm filter --xignore
//!   biasbn`): each weight row (a Linear layer's filter: one output unit's incoming weights)
//!   of a standard normal direction is scaled to the norm of theta0's row, and biases get 0.
//! - `pca`: the top two principal components of a trajectory's parameters (centred by their
//!   mean, as sklearn's PCA in their `plot_trajectory.py`), with the trajectory's last point
//!   as theta0.
//! - `params:NAME,NAME`: the unit vectors of two named parameters, so a and b are those
//!   parameters' offsets from theta0. With theta0 = 0 on a two-parameter model this is the
//!   exact loss surface J(w1, w2).
//!
//! [`reference_grid`] evaluates a slice in f64 with the twin: what the GPU's slice is
//! checked against.

use super::spec::Model;
use super::twin::Problem;
use crate::rng::SplitMix64;

/// How the slice's directions are chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum Directions {
    /// Filter-normalized Gaussian directions from this seed.
    Random { seed: u64 },
    /// The top two principal components of a trajectory.
    Pca,
    /// Two parameters' unit vectors (flat indices).
    Params(usize, usize),
}

impl Directions {
    /// `random[:seed=N]`, `pca`, or `params:NAME,NAME` (names as [`Model::parameter_names`]
    /// writes them, or flat indices `p0`, `p1`).
    pub fn parse(text: &str, model: &Model) -> Result<Self, String> {
        let text = text.trim();
        let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
        match kind {
            "random" => {
                let mut seed = 0;
                for item in rest.split(',').filter(|s| !s.trim().is_empty()) {
                    let (key, value) = item.split_once('=').unwrap_or((item, ""));
                    if key.trim() != "seed" {
                        return Err(format!("random directions take seed=N, not '{}'", item.trim()));
                    }
                    seed = value
                        .trim()
                        .parse()
                        .map_err(|_| format!("seed: '{}' is not a whole number", value.trim()))?;
                }
                Ok(Self::Random { seed })
            }
            "pca" if rest.is_empty() => Ok(Self::Pca),
            "params" => {
                // Names hold commas (`w0[1,0]`): split at the comma outside brackets.
                let mut depth = 0i32;
                let cut = rest.char_indices().find(|&(_, c)| {
                    depth += match c {
                        '[' => 1,
                        ']' => -1,
                        _ => 0,
                    };
                    c == ',' && depth == 0
                });
                let Some((at, _)) = cut else {
                    return Err("params: takes two parameter names, e.g. params:w0[0,0],b0[0]".into());
                };
                let find = |name: &str| {
                    model.parameter_index(name).ok_or_else(|| {
                        let names = model.parameter_names();
                        let shown: Vec<&str> = names.iter().take(6).map(String::as_str).collect();
                        format!(
                            "{} has no parameter '{}' (its parameters: {}{}, or p0..p{})",
                            model.describe(),
                            name.trim(),
                            shown.join(" "),
                            if names.len() > 6 { " ..." } else { "" },
                            names.len() - 1
                        )
                    })
                };
                let (a, b) = (find(&rest[..at])?, find(&rest[at + 1..])?);
                if a == b {
                    return Err(format!("params: the two directions are one parameter ({})", rest));
                }
                Ok(Self::Params(a, b))
            }
            _ => Err(format!(
                "unknown slice directions '{text}': random[:seed=N], pca or params:NAME,NAME"
            )),
        }
    }

    pub fn describe(&self, model: &Model) -> String {
        match self {
            Self::Random { seed } => format!("filter-normalized random directions (seed {seed})"),
            Self::Pca => "the trajectory's top two principal components".into(),
            Self::Params(a, b) => {
                let names = model.parameter_names();
                format!("parameters {} and {}", names[*a], names[*b])
            }
        }
    }
}

/// A slice: its plane and the grid over it (a along columns, b along rows; row-major, b
/// outer, as the surface mesh).
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub plane: Plane,
    /// (a, b) of the model the slice is centred on.
    pub centre: [f64; 2],
    pub a: [f64; 2],
    pub b: [f64; 2],
    pub cols: u32,
    pub rows: u32,
}

impl Slice {
    /// The parameters at grid point (col, row).
    pub fn theta_at(&self, col: u32, row: u32) -> Vec<f64> {
        let (a, b) = self.coordinates(col, row);
        let p = &self.plane;
        p.origin
            .iter()
            .zip(&p.d1)
            .zip(&p.d2)
            .map(|((o, x), y)| o + a * x + b * y)
            .collect()
    }

    /// (a, b) of grid point (col, row).
    pub fn coordinates(&self, col: u32, row: u32) -> (f64, f64) {
        let t = |k: u32, n: u32| f64::from(k) / f64::from(n.max(2) - 1);
        let lerp = |r: [f64; 2], t: f64| r[0] + (r[1] - r[0]) * t;
        (lerp(self.a, t(col, self.cols)), lerp(self.b, t(row, self.rows)))
    }

    pub fn points(&self) -> usize {
        self.cols as usize * self.rows as usize
    }
}

/// Filter-normalized Gaussian directions for `theta` (see the module documentation).
pub fn filter_normalized(model: &Model, theta: &[f64], seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64(seed ^ 0x51ce_d1e5_0000_0000);
    let mut d: Vec<f64> = (0..theta.len()).map(|_| standard_normal(&mut rng)).collect();
    for layer in model.layers() {
        for o in 0..layer.outputs {
            let row = layer.weight + o * layer.inputs..layer.weight + (o + 1) * layer.inputs;
            let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
            // Their `d.mul_(w.norm() / (d.norm() + 1e-10))`.
            let scale = norm(&theta[row.clone()]) / (norm(&d[row.clone()]) + 1e-10);
            d[row].iter_mut().for_each(|x| *x *= scale);
        }
        if model.bias {
            d[layer.bias..layer.bias + layer.outputs].fill(0.0);
        }
    }
    d
}

/// A standard normal draw (Box-Muller).
fn standard_normal(rng: &mut SplitMix64) -> f64 {
    let u1 = (1.0 - rng.next_f64()).max(f64::MIN_POSITIVE);
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The top two principal components of `points` (each a parameter vector), centred by their
/// mean, and the share of the variance each explains. Deterministic: power iteration on the
/// covariance, each component's sign chosen so that its largest entry is positive.
pub fn principal_components(points: &[Vec<f64>]) -> Option<([Vec<f64>; 2], [f64; 2])> {
    let n = points.len();
    let dim = points.first()?.len();
    if n < 3 || dim < 2 {
        return None;
    }
    let mean: Vec<f64> = (0..dim)
        .map(|k| points.iter().map(|p| p[k]).sum::<f64>() / n as f64)
        .collect();
    let centred: Vec<Vec<f64>> = points
        .iter()
        .map(|p| p.iter().zip(&mean).map(|(x, m)| x - m).collect())
        .collect();
    let total: f64 = centred.iter().flatten().map(|x| x * x).sum();
    if total <= 0.0 {
        return None;
    }
    // C v = X^T (X v), never forming the dim x dim covariance.
    let apply = |v: &[f64], deflate: &[(Vec<f64>, f64)]| -> Vec<f64> {
        let mut out = vec![0.0; dim];
        for row in &centred {
            let s: f64 = row.iter().zip(v).map(|(x, y)| x * y).sum();
            out.iter_mut().zip(row).for_each(|(o, x)| *o += s * x);
        }
        for (u, lambda) in deflate {
            let s: f64 = u.iter().zip(v).map(|(x, y)| x * y).sum();
            out.iter_mut().zip(u).for_each(|(o, x)| *o -= lambda * s * x);
        }
        out
    };
    let normalize = |v: &mut Vec<f64>| {
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        }
        norm
    };
    let mut found: Vec<(Vec<f64>, f64)> = Vec::new();
    for c in 0..2 {
        // A start with a part along every direction: the first centred point plus a ramp.
        let mut v: Vec<f64> = (0..dim)
            .map(|k| centred[0][k] + 1e-3 * (k + c + 1) as f64)
            .collect();
        normalize(&mut v);
        let mut lambda = 0.0;
        for _ in 0..1000 {
            let mut next = apply(&v, &found);
            let norm = normalize(&mut next);
            let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
            v = next;
            lambda = norm;
            if change < 1e-13 {
                break;
            }
        }
        let largest = v
            .iter()
            .cloned()
            .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
        if largest < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        found.push((v, lambda));
    }
    let shares = [found[0].1 / total, found[1].1 / total];
    let [(d1, _), (d2, _)] = [found[0].clone(), found[1].clone()];
    Some(([d1, d2], shares))
}

/// The unit vector of parameter `k` among `count`.
pub fn unit(count: usize, k: usize) -> Vec<f64> {
    let mut v = vec![0.0; count];
    v[k] = 1.0;
    v
}

/// A plane through parameter space: theta0 and two directions, each `parameter_count` long.
/// Trails are drawn at their projection onto it.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane {
    pub origin: Vec<f64>,
    pub d1: Vec<f64>,
    pub d2: Vec<f64>,
}

impl Plane {
    /// Li et al.'s plane through `centre`: two filter-normalized random directions, drawn
    /// from `seed` as `--directions random:seed=N` draws them.
    pub fn filter_normalized(model: &Model, centre: &[f64], seed: u64) -> Self {
        Self {
            origin: centre.to_vec(),
            d1: filter_normalized(model, centre, seed.wrapping_mul(2)),
            d2: filter_normalized(model, centre, seed.wrapping_mul(2) + 1),
        }
    }

    /// The least-squares coordinates (a, b) of theta - origin in span(d1, d2): the inverse
    /// of the Gram matrix applied to (d1 . v, d2 . v), so non-orthogonal directions (filter
    /// normalised random ones) project correctly.
    pub fn inverse_gram(&self) -> [f64; 4] {
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let (g11, g12, g22) = (
            dot(&self.d1, &self.d1),
            dot(&self.d1, &self.d2),
            dot(&self.d2, &self.d2),
        );
        let det = g11 * g22 - g12 * g12;
        [g22 / det, -g12 / det, -g12 / det, g11 / det]
    }

    pub fn project(&self, theta: &[f64]) -> [f64; 2] {
        let inv = self.inverse_gram();
        let (mut a, mut b) = (0.0, 0.0);
        for (k, t) in theta.iter().enumerate() {
            let v = t - self.origin[k];
            a += v * self.d1[k];
            b += v * self.d2[k];
        }
        [inv[0] * a + inv[1] * b, inv[2] * a + inv[3] * b]
    }
}

/// The slice's losses in f64, row-major (b outer): the reference for the GPU.
pub fn reference_grid(problem: &Problem<'_>, slice: &Slice) -> Vec<f64> {
    let mut out = Vec::with_capacity(slice.points());
    for row in 0..slice.rows {
        for col in 0..slice.cols {
            out.push(problem.loss(&slice.theta_at(col, row)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    fn mlp(text: &str) -> Model {
        ModelSpec::parse(text).unwrap().resolve(2)
    }

    #[test]
    fn filter_rows_take_their_weights_norm_and_biases_none() {
        let m = mlp("mlp:2-3-1:tanh");
        let theta: Vec<f64> = (0..m.parameter_count()).map(|k| 0.1 * k as f64 - 0.3).collect();
        let d = filter_normalized(&m, &theta, 7);
        for layer in m.layers() {
            for o in 0..layer.outputs {
                let row = layer.weight + o * layer.inputs..layer.weight + (o + 1) * layer.inputs;
                let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
                assert!((norm(&d[row.clone()]) - norm(&theta[row])).abs() < 1e-9);
            }
            assert!(
                d[layer.bias..layer.bias + layer.outputs]
                    .iter()
                    .all(|&x| x == 0.0)
            );
        }
        assert_ne!(d, filter_normalized(&m, &theta, 8), "the seed must matter");
        assert_eq!(d, filter_normalized(&m, &theta, 7));
    }

    #[test]
    fn principal_components_of_points_on_a_plane_span_it() {
        // Points a u + b v (+ a constant) on a full grid of (a, b), so a and b are
        // uncorrelated, with a varying more than b: PC1 = u, PC2 = v.
        let u = [0.6, 0.8, 0.0, 0.0];
        let v = [0.0, 0.0, 0.8, -0.6];
        let points: Vec<Vec<f64>> = (0..40)
            .map(|t| {
                let (a, b) = ((t % 8) as f64 - 3.5, 0.5 * ((t / 8) as f64 - 2.0));
                (0..4).map(|k| 1.0 + a * u[k] + b * v[k]).collect()
            })
            .collect();
        let ([d1, d2], shares) = principal_components(&points).unwrap();
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        assert!((dot(&d1, &u).abs() - 1.0).abs() < 1e-9, "{d1:?}");
        assert!((dot(&d2, &v).abs() - 1.0).abs() < 1e-9, "{d2:?}");
        assert!((shares[0] + shares[1] - 1.0).abs() < 1e-9 && shares[0] > shares[1]);
    }

    #[test]
    fn projection_inverts_a_plane_point_for_skew_directions() {
        let plane = Plane {
            origin: vec![1.0, 2.0, 3.0],
            d1: vec![1.0, 1.0, 0.0],
            d2: vec![0.0, 1.0, 1.0],
        };
        let theta: Vec<f64> = (0..3)
            .map(|k| plane.origin[k] + 0.7 * plane.d1[k] - 1.3 * plane.d2[k])
            .collect();
        let [a, b] = plane.project(&theta);
        assert!((a - 0.7).abs() < 1e-12 && (b + 1.3).abs() < 1e-12);
    }

    #[test]
    fn directions_parse_with_located_errors() {
        let m = mlp("mlp:2-3-1:tanh");
        assert_eq!(
            Directions::parse("random", &m),
            Ok(Directions::Random { seed: 0 })
        );
        assert_eq!(
            Directions::parse("random:seed=4", &m),
            Ok(Directions::Random { seed: 4 })
        );
        assert_eq!(Directions::parse("pca", &m), Ok(Directions::Pca));
        assert_eq!(
            Directions::parse("params:w0[1,0],b1[0]", &m),
            Ok(Directions::Params(2, 12))
        );
        assert_eq!(
            Directions::parse("params:p0,p3", &m),
            Ok(Directions::Params(0, 3))
        );
        let e = Directions::parse("params:w0[9,9],p0", &m).unwrap_err();
        assert!(e.contains("no parameter 'w0[9,9]'"), "{e}");
        assert!(
            Directions::parse("params:p1,p1", &m)
                .unwrap_err()
                .contains("one parameter")
        );
        assert!(
            Directions::parse("sideways", &m)
                .unwrap_err()
                .contains("unknown slice directions")
        );
        assert!(
            Directions::parse("random:sed=3", &m)
                .unwrap_err()
                .contains("seed=N")
        );
    }
}
