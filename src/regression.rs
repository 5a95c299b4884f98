//! Linear regression by gradient descent, as the tutorials teach it: a data set (generated as
//! `sklearn.datasets.make_regression` would, or read from a CSV file of x,y), the mean squared
//! error J(m, b) as a surface over (m, b), and the closed-form least-squares solution that
//! descent should reach.
//!
//! J(m, b) = mean((m x_i + b - y_i)^2) expands to a quadratic whose coefficients are sample
//! moments, so the loss surface is an ordinary expression: the GPU evaluates it in O(1) per
//! step whatever the data size. On the surface, `x` plays m and `y` plays b.

use crate::rng::SplitMix64;

#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

/// The mini-batches of a run, as a DataLoader with shuffle=True and drop_last=False draws
/// them: a fresh permutation of the n points every epoch (Fisher-Yates from SplitMix64 seeded
/// by `seed`), cut into batches of `size` (the last may be smaller).
#[derive(Clone, Debug, PartialEq)]
pub struct Batches {
    pub size: usize,
    pub per_epoch: usize,
    /// One permutation of 0..n per epoch the run reaches.
    pub orders: Vec<Vec<u32>>,
}

impl Batches {
    pub fn new(n: usize, batch_size: usize, seed: u64, steps: u32) -> Self {
        let size = batch_size.clamp(1, n.max(1));
        let per_epoch = n.div_ceil(size).max(1);
        let epochs = (steps as usize).div_ceil(per_epoch);
        let mut rng = SplitMix64(seed ^ 0xba7c_5eed);
        let orders = (0..epochs)
            .map(|_| {
                let mut order: Vec<u32> = (0..n as u32).collect();
                for i in (1..n).rev() {
                    let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                    order.swap(i, j);
                }
                order
            })
            .collect();
        Self {
            size,
            per_epoch,
            orders,
        }
    }

    /// The points of 0-based step `k` (the gradient of optimizer step k + 1).
    pub fn of_step(&self, k: usize) -> impl ExactSizeIterator<Item = usize> + Clone + '_ {
        let order = &self.orders[k / self.per_epoch];
        let b = k % self.per_epoch;
        order[b * self.size..((b + 1) * self.size).min(order.len())]
            .iter()
            .map(|&i| i as usize)
    }
}

/// Sample moments: means of x, y, x^2, x y and y^2.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moments {
    pub x: f64,
    pub y: f64,
    pub xx: f64,
    pub xy: f64,
    pub yy: f64,
}

/// A linear-regression scene's data and what the descent should find.
#[derive(Clone, Debug)]
pub struct Regression {
    pub data: Dataset,
    /// Where `data` came from, so a scene file can be written back.
    pub source: DataSource,
    /// Some(m) when only b descends, with the slope held at m.
    pub fixed_slope: Option<f64>,
}

/// Where a regression's data came from, as a scene's `[surface.regression]` table gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    /// [`Dataset::make_regression`] with these settings (the table's, defaults filled in).
    Generated {
        samples: u32,
        noise: f64,
        bias: f64,
        seed: u64,
    },
    /// A CSV file of x,y, by its path as the scene file wrote it (relative to the scene file).
    Csv(String),
}

impl Dataset {
    /// Like `make_regression(n_samples, n_features=1, noise, bias, random_state)`: x ~ N(0, 1),
    /// the true slope 100 * U(0, 1), y = slope x + bias + noise N(0, 1). (Our own generator:
    /// the same distribution as scikit-learn's, not its exact numbers.)
    pub fn make_regression(samples: usize, noise: f64, bias: f64, seed: u64) -> Self {
        let mut rng = SplitMix64(seed);
        let mut normal = move || {
            // Box-Muller; 1 - u keeps the logarithm finite.
            let u = 1.0 - rng.next_f64();
            let v = rng.next_f64();
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let slope = 100.0 * SplitMix64(seed ^ 0x5eed).next_f64();
        let x: Vec<f64> = (0..samples).map(|_| normal()).collect();
        let y = x.iter().map(|&xi| slope * xi + bias + noise * normal()).collect();
        Self { x, y }
    }

    /// Data from CSV text with columns x and y (a header line naming them is optional);
    /// `file` names it in errors.
    pub fn parse_csv(file: &str, text: &str) -> Result<Self, DataError> {
        let mut data = Self {
            x: Vec::new(),
            y: Vec::new(),
        };
        for (n, line) in text.lines().enumerate() {
            let line_no = n + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            if n == 0
                && fields
                    .iter()
                    .map(|f| f.trim().to_ascii_lowercase())
                    .eq(["x", "y"])
            {
                continue;
            }
            if fields.len() != 2 {
                return Err(DataError::Parse {
                    file: file.into(),
                    line: line_no,
                    column: 1,
                    message: format!("expected 2 columns x,y, found {}", fields.len()),
                });
            }
            let mut column = 1;
            let mut values = [0.0; 2];
            for (k, f) in fields.iter().enumerate() {
                let token = f.trim();
                let offset = f.len() - f.trim_start().len();
                values[k] = token
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| DataError::Parse {
                        file: file.into(),
                        line: line_no,
                        column: column + offset,
                        message: format!("'{token}' is not a finite number"),
                    })?;
                column += f.chars().count() + 1;
            }
            data.x.push(values[0]);
            data.y.push(values[1]);
        }
        if data.x.len() < 2 {
            return Err(DataError::Invalid {
                file: file.into(),
                message: "needs at least 2 data points".into(),
            });
        }
        if data.moments().xx - data.moments().x.powi(2) <= 0.0 {
            return Err(DataError::Invalid {
                file: file.into(),
                message: "all x values are equal: the slope is undetermined".into(),
            });
        }
        Ok(data)
    }

    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    pub fn moments(&self) -> Moments {
        let n = self.x.len().max(1) as f64;
        let mut m = Moments {
            x: 0.0,
            y: 0.0,
            xx: 0.0,
            xy: 0.0,
            yy: 0.0,
        };
        for (&x, &y) in self.x.iter().zip(&self.y) {
            m.x += x;
            m.y += y;
            m.xx += x * x;
            m.xy += x * y;
            m.yy += y * y;
        }
        Moments {
            x: m.x / n,
            y: m.y / n,
            xx: m.xx / n,
            xy: m.xy / n,
            yy: m.yy / n,
        }
    }

    /// The least-squares line (m, b), in closed form.
    pub fn least_squares(&self) -> (f64, f64) {
        let s = self.moments();
        let m = (s.xy - s.x * s.y) / (s.xx - s.x * s.x);
        (m, s.y - m * s.x)
    }

    /// J(m, b) = mean((m x_i + b - y_i)^2) with m as `x` and b as `y`.
    pub fn mse_expr(&self) -> String {
        let s = self.moments();
        format!(
            "{:e}*x^2 + {:e}*x*y + y^2 - {:e}*x - {:e}*y + {:e}",
            s.xx,
            2.0 * s.x,
            2.0 * s.xy,
            2.0 * s.y,
            s.yy
        )
    }

    /// J(b) with the slope held at `m`: a 1D problem in b, written with `x` as b.
    pub fn mse_only_b_expr(&self, m: f64) -> String {
        let s = self.moments();
        // mean((m x_i + b - y_i)^2) = b^2 + 2 b mean(m x - y) + mean((m x - y)^2)
        let r = m * s.x - s.y;
        let rr = m * m * s.xx - 2.0 * m * s.xy + s.yy;
        format!("x^2 + {:e}*x + {:e}", 2.0 * r, rr)
    }

    /// The mini-batch gradients of `steps` optimizer steps: step k (0-based) uses batch
    /// k mod ceil(n / batch_size) of epoch k div that, the batches being consecutive runs of
    /// a fresh permutation of the data every epoch (as a DataLoader with shuffle=True and
    /// drop_last=False: the last batch may be smaller). Permutations are Fisher-Yates from
    /// SplitMix64 seeded by `seed`. The batch's MSE has the affine gradient A p + c over the
    /// surface's (x, y) = (m, b), or over x = b with the slope held at `fixed_slope`; each
    /// step is `[a11, a12, a21, a22, c1, c2]`.
    pub fn batch_gradients(
        &self,
        batch_size: usize,
        seed: u64,
        steps: u32,
        fixed_slope: Option<f64>,
    ) -> Vec<[f64; 6]> {
        let batches = Batches::new(self.x.len(), batch_size, seed, steps);
        let mut out = Vec::with_capacity(steps as usize);
        for k in 0..steps as usize {
            let batch: Vec<usize> = batches.of_step(k).collect();
            let len = batch.len() as f64;
            let mean = |f: &dyn Fn(usize) -> f64| batch.iter().map(|&i| f(i)).sum::<f64>() / len;
            let (bx, by) = (mean(&|i| self.x[i]), mean(&|i| self.y[i]));
            let (bxx, bxy) = (mean(&|i| self.x[i] * self.x[i]), mean(&|i| self.x[i] * self.y[i]));
            out.push(match fixed_slope {
                // d/db mean((m x + b - y)^2) = 2 (b + m mean(x) - mean(y))
                Some(m) => [2.0, 0.0, 0.0, 0.0, 2.0 * (m * bx - by), 0.0],
                // d/dm = 2 (m mean(x^2) + b mean(x) - mean(x y)), d/db = 2 (m mean(x) + b - mean(y))
                None => [2.0 * bxx, 2.0 * bx, 2.0 * bx, 2.0, -2.0 * bxy, -2.0 * by],
            });
        }
        out
    }

    /// J at (m, b), straight from the data (for tests and the loss plot).
    pub fn mse(&self, m: f64, b: f64) -> f64 {
        let n = self.x.len().max(1) as f64;
        self.x
            .iter()
            .zip(&self.y)
            .map(|(&x, &y)| (m * x + b - y).powi(2))
            .sum::<f64>()
            / n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::SurfaceExpr;

    #[test]
    fn mse_expression_equals_the_data_sum() {
        let d = Dataset::make_regression(50, 10.0, 3.0, 1);
        let j = SurfaceExpr::parse(&d.mse_expr()).unwrap();
        for (m, b) in [(0.0, 0.0), (10.0, -3.0), (55.5, 2.25)] {
            let want = d.mse(m, b);
            assert!((j.value(m, b) - want).abs() <= 1e-9 * want.max(1.0), "{m} {b}");
        }
        let (m, b) = d.least_squares();
        let g = j.grad(m, b);
        assert!(g[0].abs() < 1e-8 && g[1].abs() < 1e-8, "{g:?}");
        let only_b = SurfaceExpr::parse(&d.mse_only_b_expr(m)).unwrap();
        assert!(only_b.is_1d());
        assert!((only_b.value(b, 0.0) - d.mse(m, b)).abs() < 1e-9 * d.mse(m, b).max(1.0));
    }

    #[test]
    fn generated_data_is_reproducible_and_linear() {
        let a = Dataset::make_regression(200, 1.0, 5.0, 7);
        assert_eq!(a, Dataset::make_regression(200, 1.0, 5.0, 7));
        assert_ne!(a, Dataset::make_regression(200, 1.0, 5.0, 8));
        let (m, b) = a.least_squares();
        let slope = 100.0 * SplitMix64(7 ^ 0x5eed).next_f64();
        assert!(
            (m - slope).abs() < 0.3 && (b - 5.0).abs() < 0.3,
            "{m} {b} vs {slope}"
        );
    }

    #[test]
    fn batches_cover_each_epoch_once_and_a_full_batch_is_the_gradient() {
        let d = Dataset::make_regression(10, 5.0, 2.0, 3);
        // Batches of 4 over 10 points: 4, 4, 2 per epoch; their size-weighted mean gradient
        // over an epoch is the full gradient.
        let g = d.batch_gradients(4, 9, 6, None);
        let full = d.batch_gradients(10, 9, 1, None)[0];
        for epoch in g.chunks(3) {
            for k in 0..6 {
                let mean = (4.0 * epoch[0][k] + 4.0 * epoch[1][k] + 2.0 * epoch[2][k]) / 10.0;
                assert!((mean - full[k]).abs() < 1e-9 * (1.0 + full[k].abs()), "{k}");
            }
        }
        assert_ne!(g[0], g[3], "a new permutation each epoch");
        assert_eq!(g, d.batch_gradients(4, 9, 6, None));
        assert_ne!(g, d.batch_gradients(4, 10, 6, None));
        let j = SurfaceExpr::parse(&d.mse_expr()).unwrap();
        let (m, b) = (3.0, -1.0);
        let gj = j.grad(m, b);
        let a = full;
        let mine = [a[0] * m + a[1] * b + a[4], a[2] * m + a[3] * b + a[5]];
        assert!((mine[0] - gj[0]).abs() < 1e-9 * gj[0].abs() && (mine[1] - gj[1]).abs() < 1e-9 * gj[1].abs());
    }

    #[test]
    fn csv_errors_say_where() {
        let e = Dataset::parse_csv("d.csv", "x,y\n1,2\n3, abc\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "d.csv:3:4: 'abc' is not a finite number");
        let e = Dataset::parse_csv("d.csv", "1,2,3\n").unwrap_err().to_string();
        assert_eq!(e, "d.csv:1:1: expected 2 columns x,y, found 3");
        let e = Dataset::parse_csv("d.csv", "1,2\n1,3\n").unwrap_err().to_string();
        assert_eq!(e, "d.csv: all x values are equal: the slope is undetermined");
        let d = Dataset::parse_csv("d.csv", "# data\n0,1\n1,3\n2,5\n").unwrap();
        let (m, b) = d.least_squares();
        assert!((m - 2.0).abs() < 1e-12 && (b - 1.0).abs() < 1e-12, "{m} {b}");
    }
}
