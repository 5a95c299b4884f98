//! Initial parameters: seeded as `torch.nn.Linear` initialises by default, or read from a CSV
//! file with one row per particle.
//!
//! torch.nn.Linear.reset_parameters: `kaiming_uniform_(weight, a=sqrt(5))` is U(-b, b) with
//! b = gain * sqrt(3 / fan_in) and gain = sqrt(2 / (1 + a^2)) = sqrt(1/3), so b = 1/sqrt(fan_in);
//! the bias is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) too. The draws are descent's own seeded
//! stream, not torch's generator: the same distribution, not the same numbers (give `--init`
//! for torch's exact starting points).

use super::data::{DataError, csv_lines, finite};
use super::spec::Model;
use crate::rng::SplitMix64;

/// `count` initialisations of `model`, particle after particle: each draws from its own
/// stream, keyed by (seed, particle), so particle k is the same whatever the count.
pub fn torch_default(model: &Model, count: usize, seed: u64) -> Vec<Vec<f64>> {
    (0..count)
        .map(|k| {
            let mut rng = SplitMix64(seed ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x1217);
            let mut theta = vec![0.0; model.parameter_count()];
            for layer in model.layers() {
                let bound = 1.0 / (layer.inputs as f64).sqrt();
                let mut u = || bound * (2.0 * rng.next_f64() - 1.0);
                for w in &mut theta[layer.weight..layer.weight + layer.inputs * layer.outputs] {
                    *w = u();
                }
                if model.bias {
                    for b in &mut theta[layer.bias..layer.bias + layer.outputs] {
                        *b = u();
                    }
                }
            }
            theta
        })
        .collect()
}

/// `count` seeded initialisations as the model's parameterisation draws them: torch's default
/// ([`torch_default`]), or for the mean-field model ([`Model::meanfield`]) every weight
/// standard normal (Sohl-Dickstein's notebook, `init`), from the same per-particle streams.
pub fn seeded(model: &Model, count: usize, seed: u64) -> Vec<Vec<f64>> {
    if !model.meanfield {
        return torch_default(model, count, seed);
    }
    (0..count)
        .map(|k| {
            let mut rng = SplitMix64(seed ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x1217);
            (0..model.parameter_count())
                .map(|_| {
                    // Box-Muller; 1 - u keeps the logarithm finite.
                    let u = 1.0 - rng.next_f64();
                    let v = rng.next_f64();
                    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
                })
                .collect()
        })
        .collect()
}

/// Parameters from CSV text: one row per particle, one column per parameter in torch's order
/// (see [`Model::parameter_names`]); a first line of names is a header.
pub fn parse_init(file: &str, text: &str, model: &Model) -> Result<Vec<Vec<f64>>, DataError> {
    let err = |line: usize, column: usize, message: String| DataError {
        file: file.into(),
        line,
        column,
        message,
    };
    let count = model.parameter_count();
    let mut rows = Vec::new();
    for record in csv_lines(text).filter(|r| !r.header) {
        if record.fields.len() != count {
            return Err(err(
                record.line,
                record.fields.get(count).map_or(record.end, |f| f.0),
                format!(
                    "expected {count} parameters for {} (torch's order: {}, ...), found {}",
                    model.describe(),
                    model
                        .parameter_names()
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    record.fields.len()
                ),
            ));
        }
        let row = record
            .fields
            .iter()
            .map(|&field| finite(field).map_err(|(column, m)| err(record.line, column, m)))
            .collect::<Result<Vec<f64>, _>>()?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(err(0, 0, "no parameter rows (one row per particle)".into()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::ModelSpec;

    #[test]
    fn default_init_is_bounded_by_fan_in_and_seeded() {
        let m = ModelSpec::parse("mlp:4-16-1").unwrap().resolve(4);
        let a = torch_default(&m, 50, 7);
        assert_eq!(a.len(), 50);
        let layers: Vec<_> = m.layers().collect();
        let mut max0: f64 = 0.0;
        for theta in &a {
            for &w in &theta[..layers[0].bias + 16] {
                assert!(w.abs() <= 0.5);
                max0 = max0.max(w.abs());
            }
            for &w in &theta[layers[1].weight..] {
                assert!(w.abs() <= 0.25);
            }
        }
        assert!(max0 > 0.45, "draws should fill U(-1/2, 1/2): {max0}");
        assert_eq!(torch_default(&m, 3, 7)[2], a[2]);
        assert_ne!(torch_default(&m, 3, 8)[2], a[2]);
    }

    #[test]
    fn init_files_are_checked() {
        let m = ModelSpec::parse("logistic").unwrap().resolve(2);
        let rows = parse_init("i.csv", "w0,w1,b\n0.5,-1,0\n1,2,3\n", &m).unwrap();
        assert_eq!(rows, vec![vec![0.5, -1.0, 0.0], vec![1.0, 2.0, 3.0]]);
        let e = |t: &str| parse_init("i.csv", t, &m).unwrap_err().to_string();
        assert!(e("1,2\n").starts_with("i.csv:1:4: expected 3 parameters for mlp:2-1 "));
        assert_eq!(e("1,2,z\n"), "i.csv:1:5: 'z' is not a finite number");
        assert_eq!(e("\n"), "i.csv: no parameter rows (one row per particle)");
    }
}
