//! A model's training data: built-in generators (two-moons, circles, blobs, spirals, xor,
//! the regression scene's line, a random "teacher" set) or a CSV file of feature columns and
//! a target column, checked against the model and loss it will train.
//!
//! The generators draw the same distributions as scikit-learn's `make_moons`,
//! `make_circles` and `make_blobs`, from descent's own seeded generator (not their numbers).

use super::spec::{Loss, Model};
use crate::rng::SplitMix64;

/// `n` points of `features` inputs each, row-major, and one target per point (a class index
/// as a number for bce and ce).
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    pub features: usize,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

/// A data error: where (file, 1-based line and column, when there is one) and what.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}{message}", location(.file, *.line, *.column))]
pub struct DataError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn location(file: &str, line: usize, column: usize) -> String {
    match (line, column) {
        (0, _) => format!("{file}: "),
        (l, 0) => format!("{file}:{l}: "),
        (l, c) => format!("{file}:{l}:{c}: "),
    }
}

impl Data {
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    pub fn point(&self, i: usize) -> &[f64] {
        &self.x[i * self.features..(i + 1) * self.features]
    }

    /// Checks that the data fits `model` and `loss`: its feature count, and targets the loss
    /// can read (0/1 for bce, classes below the output count for ce). `source` names the data
    /// in the message; the line is the point's (CSV data counts its header).
    pub fn check(&self, model: &Model, loss: Loss, source: &str, lines: &[usize]) -> Result<(), DataError> {
        let at = |i: usize| lines.get(i).copied().unwrap_or(0);
        let err = |line: usize, column: usize, message: String| DataError {
            file: source.into(),
            line,
            column,
            message,
        };
        if self.features != model.inputs() {
            return Err(err(
                0,
                0,
                format!(
                    "the data has {} feature column(s) but the model takes {} input(s) ({})",
                    self.features,
                    model.inputs(),
                    model.describe()
                ),
            ));
        }
        let outputs = model.outputs();
        let target_column = self.features + 1;
        match loss {
            Loss::Mse if outputs != 1 => {
                return Err(err(
                    0,
                    0,
                    format!("mse trains one output against the target column; the model has {outputs}"),
                ));
            }
            Loss::Bce if outputs != 1 => {
                return Err(err(
                    0,
                    0,
                    format!(
                        "bce trains one logit against 0/1 targets; the model has {outputs} outputs (use ce for classes)"
                    ),
                ));
            }
            Loss::Ce if outputs < 2 => {
                return Err(err(
                    0,
                    0,
                    "ce needs one output per class (at least 2); use bce for one logit".into(),
                ));
            }
            _ => {}
        }
        for (i, &t) in self.y.iter().enumerate() {
            let bad = match loss {
                Loss::Mse => None,
                Loss::Bce => (t != 0.0 && t != 1.0).then(|| format!("bce needs targets 0 or 1, not {t}")),
                Loss::Ce => (t.fract() != 0.0 || t < 0.0 || t >= outputs as f64).then(|| {
                    format!(
                        "ce needs a class 0 to {} (the model has {outputs} outputs), not {t}",
                        outputs - 1
                    )
                }),
            };
            if let Some(message) = bad {
                return Err(err(
                    at(i),
                    if lines.is_empty() { 0 } else { target_column },
                    message,
                ));
            }
        }
        Ok(())
    }

    /// Parses CSV text: feature columns, then the target column; a first line of names is a
    /// header. Blank lines and lines starting with `#` are skipped. Returns the data and each
    /// point's line number.
    pub fn parse_csv(file: &str, text: &str) -> Result<(Self, Vec<usize>), DataError> {
        let err = |line: usize, column: usize, message: String| DataError {
            file: file.into(),
            line,
            column,
            message,
        };
        let mut rows: Vec<f64> = Vec::new();
        let mut lines = Vec::new();
        let mut columns = 0;
        for record in csv_lines(text) {
            if columns == 0 {
                columns = record.fields.len();
            }
            if record.header {
                continue;
            }
            if columns < 2 {
                return Err(err(
                    record.line,
                    1,
                    "a row needs at least one feature column and the target column".into(),
                ));
            }
            if record.fields.len() != columns {
                return Err(err(
                    record.line,
                    record.fields.get(columns).map_or(record.end, |f| f.0),
                    format!("expected {columns} columns, found {}", record.fields.len()),
                ));
            }
            for &field in &record.fields {
                rows.push(finite(field).map_err(|(column, m)| err(record.line, column, m))?);
            }
            lines.push(record.line);
        }
        if lines.is_empty() {
            return Err(err(
                0,
                0,
                "no data rows (feature columns, then the target column)".into(),
            ));
        }
        let features = columns - 1;
        let mut data = Self {
            features,
            x: Vec::with_capacity(lines.len() * features),
            y: Vec::with_capacity(lines.len()),
        };
        for row in rows.chunks(columns) {
            data.x.extend_from_slice(&row[..features]);
            data.y.push(row[features]);
        }
        Ok((data, lines))
    }
}

/// One line of a CSV text that holds values: its 1-based number, each field (trimmed) with the
/// 1-based column where its text starts, and the column just past the line's end.
pub(super) struct CsvLine<'a> {
    pub line: usize,
    pub fields: Vec<(usize, &'a str)>,
    pub end: usize,
    /// The first such line, when none of its fields is a number: a line of names.
    pub header: bool,
}

/// The lines of a CSV text, blank lines and `#` comments skipped.
pub(super) fn csv_lines(text: &str) -> impl Iterator<Item = CsvLine<'_>> {
    let mut first = true;
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let trimmed = line.trim();
            !trimmed.is_empty() && !trimmed.starts_with('#')
        })
        .map(move |(n, line)| {
            let mut fields = Vec::new();
            let mut column = 1;
            for f in line.split(',') {
                let offset = f.chars().count() - f.trim_start().chars().count();
                fields.push((column + offset, f.trim()));
                column += f.chars().count() + 1;
            }
            let header = first && fields.iter().all(|(_, t)| t.parse::<f64>().is_err());
            first = false;
            CsvLine {
                line: n + 1,
                fields,
                end: line.chars().count() + 1,
                header,
            }
        })
}

/// A field's value, or its column and why it is not a finite number.
pub(super) fn finite((column, token): (usize, &str)) -> Result<f64, (usize, String)> {
    match token.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err((column, format!("'{token}' is not a finite number"))),
    }
}

/// A built-in generator and its settings, as `two-moons:n=200,noise=0.1,seed=0` writes them.
#[derive(Clone, Debug, PartialEq)]
pub struct Generator {
    pub kind: GeneratorKind,
    pub n: usize,
    pub noise: f64,
    pub seed: u64,
    /// Classes (blobs, spirals) or input dimension (teacher).
    pub k: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneratorKind {
    TwoMoons,
    Circles,
    Blobs,
    Spirals,
    Xor,
    Linear,
    Teacher,
}

impl GeneratorKind {
    const ALL: [GeneratorKind; 7] = [
        Self::TwoMoons,
        Self::Circles,
        Self::Blobs,
        Self::Spirals,
        Self::Xor,
        Self::Linear,
        Self::Teacher,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::TwoMoons => "two-moons",
            Self::Circles => "circles",
            Self::Blobs => "blobs",
            Self::Spirals => "spirals",
            Self::Xor => "xor",
            Self::Linear => "linear",
            Self::Teacher => "teacher",
        }
    }

    /// Default noise: the standard deviation added to inputs (targets for linear).
    fn default_noise(self) -> f64 {
        match self {
            Self::TwoMoons | Self::Circles | Self::Spirals => 0.1,
            Self::Blobs => 1.0,
            Self::Xor => 0.0,
            Self::Linear => 10.0,
            Self::Teacher => 0.0,
        }
    }

    /// The key `k` stands for, if the generator has one.
    fn k_key(self) -> Option<&'static str> {
        match self {
            Self::Blobs | Self::Spirals => Some("classes"),
            Self::Teacher => Some("d"),
            _ => None,
        }
    }
}

impl Generator {
    /// Whether `text` names a generator (else it is a CSV path).
    pub fn is_generator(text: &str) -> bool {
        let name = text.split(':').next().unwrap_or("").trim();
        GeneratorKind::ALL.iter().any(|k| k.name() == name)
    }

    /// Parses `NAME[:key=value,...]`; keys n, noise, seed, and classes (blobs, spirals) or d
    /// (teacher). Errors carry the 1-based column.
    pub fn parse(text: &str) -> Result<Self, (usize, String)> {
        let (name, rest) = text.split_once(':').unwrap_or((text, ""));
        let kind = GeneratorKind::ALL
            .into_iter()
            .find(|k| k.name() == name.trim())
            .ok_or_else(|| {
                let known: Vec<&str> = GeneratorKind::ALL.iter().map(|k| k.name()).collect();
                (
                    1,
                    format!(
                        "unknown data '{}' (built in: {}; or a CSV file)",
                        name.trim(),
                        known.join(", ")
                    ),
                )
            })?;
        let mut g = Self {
            kind,
            n: 200,
            noise: kind.default_noise(),
            seed: 0,
            k: 2,
        };
        let mut at = name.chars().count() + 2;
        for pair in rest.split(',').filter(|p| !p.trim().is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err((at, format!("expected key=value, found '{}'", pair.trim())));
            };
            let value_at = at + key.chars().count() + 1;
            let bad = |what: &str| {
                (
                    value_at,
                    format!(
                        "invalid value '{}' for {}: expected {what}",
                        value.trim(),
                        key.trim()
                    ),
                )
            };
            match key.trim() {
                "n" => {
                    g.n = value.trim().parse().map_err(|_| bad("a whole number"))?;
                    if g.n == 0 {
                        return Err(bad("at least 1 point"));
                    }
                }
                "noise" => {
                    g.noise = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                        .ok_or_else(|| bad("a number >= 0"))?;
                }
                "seed" => g.seed = value.trim().parse().map_err(|_| bad("a whole number"))?,
                k if Some(k) == kind.k_key() => {
                    g.k = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|&k: &usize| (1..=64).contains(&k))
                        .ok_or_else(|| bad("a whole number from 1 to 64"))?;
                }
                other => {
                    let mut keys = vec!["n", "noise", "seed"];
                    keys.extend(kind.k_key());
                    return Err((
                        at,
                        format!(
                            "unknown key '{other}' for {} (known: {})",
                            kind.name(),
                            keys.join(", ")
                        ),
                    ));
                }
            }
            at += pair.chars().count() + 1;
        }
        Ok(g)
    }

    /// The settings as `parse` reads them back.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "{}:n={},noise={},seed={}",
            self.kind.name(),
            self.n,
            self.noise,
            self.seed
        );
        if let Some(key) = self.kind.k_key() {
            out.push_str(&format!(",{key}={}", self.k));
        }
        out
    }

    pub fn generate(&self) -> Data {
        let mut rng = SplitMix64(self.seed);
        let mut normal = move || {
            // Box-Muller; 1 - u keeps the logarithm finite.
            let u = 1.0 - rng.next_f64();
            let v = rng.next_f64();
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let n = self.n;
        let noise = self.noise;
        let pi = std::f64::consts::PI;
        let mut x = Vec::with_capacity(2 * n);
        let mut y = Vec::with_capacity(n);
        let mut push = |p: [f64; 2], class: f64, x: &mut Vec<f64>, normal: &mut dyn FnMut() -> f64| {
            x.push(p[0] + noise * normal());
            x.push(p[1] + noise * normal());
            y.push(class);
        };
        // Evenly spaced over [0, end], endpoint included when `closed` (numpy's linspace).
        let spaced = |i: usize, m: usize, end: f64, closed: bool| {
            let div = if closed {
                m.saturating_sub(1).max(1)
            } else {
                m.max(1)
            };
            end * i as f64 / div as f64
        };
        match self.kind {
            GeneratorKind::TwoMoons => {
                // make_moons: the outer half circle, class 0, then the inner, class 1.
                let outer = n / 2;
                let inner = n - outer;
                for i in 0..outer {
                    let t = spaced(i, outer, pi, true);
                    push([t.cos(), t.sin()], 0.0, &mut x, &mut normal);
                }
                for i in 0..inner {
                    let t = spaced(i, inner, pi, true);
                    push([1.0 - t.cos(), 1.0 - t.sin() - 0.5], 1.0, &mut x, &mut normal);
                }
            }
            GeneratorKind::Circles => {
                // make_circles(factor=0.8): the outer circle, class 0, then the inner, class 1.
                let outer = n / 2;
                let inner = n - outer;
                for i in 0..outer {
                    let t = spaced(i, outer, 2.0 * pi, false);
                    push([t.cos(), t.sin()], 0.0, &mut x, &mut normal);
                }
                for i in 0..inner {
                    let t = spaced(i, inner, 2.0 * pi, false);
                    push([0.8 * t.cos(), 0.8 * t.sin()], 1.0, &mut x, &mut normal);
                }
            }
            GeneratorKind::Blobs => {
                // k Gaussian blobs (standard deviation `noise`) with centres on a circle of
                // radius 2; points go to blobs in turn.
                for i in 0..n {
                    let c = i % self.k;
                    let a = pi / 4.0 + std::f64::consts::TAU * c as f64 / self.k as f64;
                    push([2.0 * a.cos(), 2.0 * a.sin()], c as f64, &mut x, &mut normal);
                }
            }
            GeneratorKind::Spirals => {
                // k interleaved arms, each turning 1.5 times out to radius 1.
                let per = n.div_ceil(self.k);
                for i in 0..n {
                    let (c, j) = (i / per, i % per);
                    let r = spaced(j, per, 1.0, true);
                    let a = 3.0 * pi * r + std::f64::consts::TAU * c as f64 / self.k as f64;
                    push([r * a.cos(), r * a.sin()], c as f64, &mut x, &mut normal);
                }
            }
            GeneratorKind::Xor => {
                // Uniform on [-1, 1]^2; class 1 where the signs differ.
                let mut u = SplitMix64(self.seed ^ 0x0a0a);
                for _ in 0..n {
                    let p = [2.0 * u.next_f64() - 1.0, 2.0 * u.next_f64() - 1.0];
                    push(p, f64::from(u8::from(p[0] * p[1] < 0.0)), &mut x, &mut normal);
                }
            }
            GeneratorKind::Linear => {
                // The regression scene's data (`make_regression`): one feature.
                let d = crate::regression::Dataset::make_regression(n, noise, 0.0, self.seed);
                return Data {
                    features: 1,
                    x: d.x,
                    y: d.y,
                };
            }
            GeneratorKind::Teacher => {
                // Standard normal inputs (d of them) and targets.
                let d = self.k;
                let x: Vec<f64> = (0..n * d).map(|_| normal()).collect();
                let y: Vec<f64> = (0..n).map(|_| normal()).collect();
                return Data { features: d, x, y };
            }
        }
        Data { features: 2, x, y }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::ModelSpec;

    #[test]
    fn generators_give_their_shapes_and_classes() {
        let moons = Generator::parse("two-moons:n=200,noise=0").unwrap().generate();
        assert_eq!((moons.len(), moons.features), (200, 2));
        assert_eq!(moons.point(0), [1.0, 0.0]);
        assert_eq!(moons.y.iter().filter(|&&t| t == 1.0).count(), 100);
        let blobs = Generator::parse("blobs:n=30,classes=3").unwrap().generate();
        assert_eq!(blobs.y[..3], [0.0, 1.0, 2.0]);
        let teacher = Generator::parse("teacher:n=5,d=4").unwrap().generate();
        assert_eq!((teacher.features, teacher.x.len()), (4, 20));
        let a = Generator::parse("spirals:n=50,seed=3").unwrap().generate();
        assert_eq!(a, Generator::parse("spirals:n=50,seed=3").unwrap().generate());
        assert_ne!(a, Generator::parse("spirals:n=50,seed=4").unwrap().generate());
        let xor = Generator::parse("xor:n=100").unwrap().generate();
        for i in 0..100 {
            let p = xor.point(i);
            assert_eq!(xor.y[i], f64::from(u8::from(p[0] * p[1] < 0.0)));
        }
        assert_eq!(Generator::parse("linear:n=10").unwrap().generate().features, 1);
    }

    #[test]
    fn bad_generators_name_their_column() {
        assert_eq!(Generator::parse("moons").unwrap_err().0, 1);
        assert_eq!(Generator::parse("two-moons:n=x").unwrap_err().0, 13);
        assert_eq!(Generator::parse("two-moons:n=5,colour=2").unwrap_err().0, 15);
        assert!(
            Generator::parse("two-moons:noise=-1")
                .unwrap_err()
                .1
                .contains("noise")
        );
        let g = Generator::parse("blobs:n=9,noise=0.5,seed=2,classes=3").unwrap();
        assert_eq!(Generator::parse(&g.describe()).unwrap(), g);
    }

    #[test]
    fn csv_rows_and_their_errors() {
        let (d, lines) = Data::parse_csv("p.csv", "a,b,label\n1,2,0\n\n3, 4 ,1\n").unwrap();
        assert_eq!(
            (d.features, d.x.clone(), d.y.clone()),
            (2, vec![1.0, 2.0, 3.0, 4.0], vec![0.0, 1.0])
        );
        assert_eq!(lines, [2, 4]);
        let e = |t: &str| Data::parse_csv("p.csv", t).unwrap_err().to_string();
        assert_eq!(e("1,2,0\n3,x,1\n"), "p.csv:2:3: 'x' is not a finite number");
        assert_eq!(e("1,2,0\n3,4\n"), "p.csv:2:4: expected 3 columns, found 2");
        assert_eq!(e("1,2,0\n3,4,1,5\n"), "p.csv:2:7: expected 3 columns, found 4");
        assert_eq!(
            e(""),
            "p.csv: no data rows (feature columns, then the target column)"
        );
        assert_eq!(
            e("x,y\n"),
            "p.csv: no data rows (feature columns, then the target column)"
        );
        assert_eq!(e("1,nan,0\n"), "p.csv:1:3: 'nan' is not a finite number");
    }

    #[test]
    fn data_must_fit_model_and_loss() {
        let (d, lines) = Data::parse_csv("p.csv", "x0,x1,t\n1,2,0\n3,4,2\n").unwrap();
        let m = ModelSpec::parse("mlp:2-4-1").unwrap().resolve(2);
        assert_eq!(
            d.check(&m, Loss::Bce, "p.csv", &lines).unwrap_err().to_string(),
            "p.csv:3:3: bce needs targets 0 or 1, not 2"
        );
        assert!(d.check(&m, Loss::Mse, "p.csv", &lines).is_ok());
        let m3 = ModelSpec::parse("mlp:2-4-2").unwrap().resolve(2);
        assert_eq!(
            d.check(&m3, Loss::Ce, "p.csv", &lines).unwrap_err().to_string(),
            "p.csv:3:3: ce needs a class 0 to 1 (the model has 2 outputs), not 2"
        );
        let wide = ModelSpec::parse("mlp:3-4-1").unwrap().resolve(3);
        assert!(
            d.check(&wide, Loss::Mse, "p.csv", &lines)
                .unwrap_err()
                .to_string()
                .contains("the data has 2 feature column(s) but the model takes 3 input(s)")
        );
    }
}
