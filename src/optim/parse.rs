//! The spec syntax `NAME[:key=value,...]`: tokens with their columns, the value each key wants
//! and torch's range check for it.

use std::str::FromStr;

use super::{OptimizerKind, OptimizerSpec, Params, SpecError};
use crate::numbers::Rule;
use crate::sweep::ParamRange;

/// The value a key needs, and torch's range check for it.
#[derive(Clone, Copy)]
pub(crate) enum Want {
    Number(Rule),
    Bool,
    /// `betas=b1/b2`.
    Betas(Rule),
}

pub(crate) fn want(kind: OptimizerKind, key: &str) -> Want {
    let beta = if kind == OptimizerKind::Lion {
        Rule::Unit
    } else {
        Rule::UnitOpen
    };
    match key {
        "nesterov" | "maximize" | "centered" | "amsgrad" | "decoupled_weight_decay" => Want::Bool,
        "beta1" | "beta2" => Want::Number(beta),
        "betas" => Want::Betas(beta),
        "dampening" | "init_offset" => Want::Number(Rule::Any),
        "batch_size" => Want::Number(Rule::Count),
        // lr, momentum, weight_decay, lr_decay, initial_accumulator_value, eps, alpha, momentum_decay
        _ => Want::Number(Rule::NonNegative),
    }
}

pub(crate) fn number_field<'a>(p: &'a mut Params, key: &str) -> Option<&'a mut f64> {
    Some(match key {
        "lr" => &mut p.lr,
        "momentum" => &mut p.momentum,
        "dampening" => &mut p.dampening,
        "weight_decay" => &mut p.weight_decay,
        "lr_decay" => &mut p.lr_decay,
        "initial_accumulator_value" => &mut p.initial_accumulator_value,
        "eps" => &mut p.eps,
        "alpha" => &mut p.alpha,
        "beta1" => &mut p.beta1,
        "beta2" => &mut p.beta2,
        "momentum_decay" => &mut p.momentum_decay,
        "grad_noise" => &mut p.grad_noise,
        "batch_size" => &mut p.batch_size,
        "init_offset" => &mut p.init_offset,
        key => {
            let l = super::catalogue::layer_of_key(key)?;
            p.lr_layers.get_mut(l)?
        }
    })
}

pub(crate) fn bool_field<'a>(p: &'a mut Params, key: &str) -> Option<&'a mut bool> {
    Some(match key {
        "nesterov" => &mut p.nesterov,
        "maximize" => &mut p.maximize,
        "centered" => &mut p.centered,
        "amsgrad" => &mut p.amsgrad,
        "decoupled_weight_decay" => &mut p.decoupled_weight_decay,
        _ => return None,
    })
}

/// A value token and its column (None outside a spec string).
#[derive(Clone, Copy)]
pub(crate) struct Token<'a> {
    pub(crate) text: &'a str,
    pub(crate) column: Option<usize>,
}

pub(crate) fn parse_number(key: &str, tok: Token<'_>, rule: Rule) -> Result<f64, SpecError> {
    let invalid = |expected| SpecError::InvalidValue {
        key: key.to_string(),
        value: tok.text.to_string(),
        column: tok.column,
        expected,
    };
    let x: f64 = tok.text.parse().map_err(|_| invalid("a number"))?;
    if !x.is_finite() {
        return Err(invalid("a finite number"));
    }
    if x.abs() > f64::from(f32::MAX) {
        return Err(invalid("a number within f32 range"));
    }
    if !rule.holds(x) {
        return Err(SpecError::OutOfRange {
            key: key.to_string(),
            value: tok.text.to_string(),
            column: tok.column,
            rule: rule.text(),
        });
    }
    Ok(x)
}

pub(crate) fn parse_bool(key: &str, tok: Token<'_>) -> Result<bool, SpecError> {
    match tok.text.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(SpecError::InvalidValue {
            key: key.to_string(),
            value: tok.text.to_string(),
            column: tok.column,
            expected: "true, false, 1 or 0",
        }),
    }
}

impl Params {
    /// A numeric parameter by its key (torch's name, or one of [`EXTRA_KEYS`]).
    pub fn number(&self, key: &str) -> Option<f64> {
        number_field(&mut self.clone(), key).map(|v| *v)
    }
}

/// A surface parameter's value from text: any finite number.
pub(crate) fn parse_surface_value(key: &str, text: &str, column: Option<usize>) -> Result<f64, SpecError> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| SpecError::InvalidValue {
            key: key.to_string(),
            value: text.to_string(),
            column,
            expected: "a finite number (a surface parameter)",
        })
}

impl FromStr for OptimizerSpec {
    type Err = SpecError;

    /// Parses `NAME[:key=value,...]`; see the module documentation.
    fn from_str(s: &str) -> Result<Self, SpecError> {
        Self::parse_on(s, &[])
    }
}

impl OptimizerSpec {
    /// Parses `NAME[:key=value,...]` for a surface whose parameters are named `surface`: a key
    /// that is one of them sets (or sweeps, `amp=0..0.1:64`) that parameter for this
    /// optimizer's particles ([`OptimizerSpec::surface`]).
    pub fn parse_on(s: &str, surface: &[&str]) -> Result<Self, SpecError> {
        let column = |byte: usize| s[..byte].chars().count() + 1;
        let lead = |t: &str| t.len() - t.trim_start().len();
        let (head, tail) = match s.split_once(':') {
            Some((h, t)) => (h, Some((h.len() + 1, t))),
            None => (s, None),
        };
        let name = head.trim();
        if name.is_empty() {
            return Err(match tail {
                None => SpecError::Empty,
                Some(_) => SpecError::MissingName {
                    column: column(lead(head)),
                },
            });
        }
        let mut spec = Self::named(name, Some(column(lead(head))))?;
        spec.label = s.trim().to_string();

        // Each canonical parameter set so far: (param, key as given, column of the key).
        let mut seen: Vec<(String, String, usize)> = Vec::new();
        if let Some((tail_start, items)) = tail {
            let mut next_item = tail_start;
            for item in items.split(',') {
                let item_start = next_item;
                next_item += item.len() + 1;
                let key_col = column(item_start + lead(item));
                let trimmed = item.trim();
                let Some((key_raw, value_raw)) = item.split_once('=') else {
                    return Err(SpecError::ExpectedKeyValue {
                        found: trimmed.to_string(),
                        column: key_col,
                    });
                };
                let key = key_raw.trim();
                if key.is_empty() {
                    return Err(SpecError::ExpectedKeyValue {
                        found: trimmed.to_string(),
                        column: key_col,
                    });
                }
                let value_col = column(item_start + key_raw.len() + 1 + lead(value_raw));
                if let Some(&name) = surface.iter().find(|n| **n == key) {
                    if let Some((_, first_key, first_column)) = seen.iter().find(|(p, _, _)| p == name) {
                        return Err(SpecError::Duplicate {
                            key: key.to_string(),
                            param: name.to_string(),
                            column: key_col,
                            first_key: first_key.clone(),
                            first_column: *first_column,
                        });
                    }
                    let text = value_raw.trim();
                    if text.contains("..") {
                        let range = ParamRange::parse(text).map_err(|problem| SpecError::BadRange {
                            key: key.to_string(),
                            value: text.to_string(),
                            column: Some(value_col),
                            problem,
                        })?;
                        spec.apply_surface_range(name, range, Some(value_col), text)?;
                    } else {
                        let v = parse_surface_value(name, text, Some(value_col))?;
                        spec.set_surface(name, v);
                    }
                    seen.push((name.to_string(), key.to_string(), key_col));
                    continue;
                }
                let canonical = spec.canonical_key(key, &key.to_ascii_lowercase(), Some(key_col))?;
                let sets: &[&'static str] = if canonical == "betas" {
                    &["beta1", "beta2"]
                } else {
                    &[canonical]
                };
                for &param in sets {
                    if let Some((_, first_key, first_column)) = seen.iter().find(|(p, _, _)| p == param) {
                        return Err(SpecError::Duplicate {
                            key: key.to_string(),
                            param: param.to_string(),
                            column: key_col,
                            first_key: first_key.clone(),
                            first_column: *first_column,
                        });
                    }
                }
                spec.apply(
                    canonical,
                    Token {
                        text: value_raw.trim(),
                        column: Some(value_col),
                    },
                )?;
                seen.extend(sets.iter().map(|&p| (p.to_string(), key.to_string(), key_col)));
            }
        }
        spec.validate()?;
        Ok(spec)
    }
}
