//! Why a spec was refused: every error names the offending token and its 1-based column, with
//! a "did you mean" where one is near.

use std::fmt;

use super::{EXTRA_KEYS, OPTIMIZER_NAMES};
use crate::numbers::short as fmt_num;

/// Why a spec (or one `key=value` of it) was refused. `column` is the 1-based character column
/// in the spec string; `None` for [`OptimizerSpec::new`] and [`OptimizerSpec::set`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SpecError {
    /// Nothing but whitespace.
    Empty,
    /// `:lr=...` with no name before the colon.
    MissingName { column: usize },
    UnknownOptimizer {
        name: String,
        column: Option<usize>,
        suggestion: Option<&'static str>,
    },
    /// A parameter item that is not `key=value` (`found` is the item, trimmed).
    ExpectedKeyValue { found: String, column: usize },
    UnknownParameter {
        key: String,
        optimizer: &'static str,
        column: Option<usize>,
        suggestion: Option<&'static str>,
        known: &'static [&'static str],
    },
    /// A parameter given twice; `key` is the key as given, `param` the parameter it sets
    /// (`betas` sets beta1 and beta2).
    Duplicate {
        key: String,
        param: String,
        column: usize,
        first_key: String,
        first_column: usize,
    },
    /// A value that does not parse as what the key needs.
    InvalidValue {
        key: String,
        value: String,
        column: Option<usize>,
        expected: &'static str,
    },
    /// A value outside the range torch's constructor accepts.
    OutOfRange {
        key: String,
        value: String,
        column: Option<usize>,
        rule: &'static str,
    },
    /// torch.optim.SGD: "Nesterov momentum requires a momentum and zero dampening".
    Nesterov { momentum: f64, dampening: f64 },
    /// A `from..to:count[:log]` range that does not parse or make sense.
    BadRange {
        key: String,
        value: String,
        column: Option<usize>,
        problem: String,
    },
    /// A range for a parameter that is not a number (a flag, `betas`).
    NotSweepable { key: String, column: Option<usize> },
    /// A third swept parameter, or more groups than one spec may expand to.
    TooManySweeps {
        key: String,
        column: Option<usize>,
        problem: String,
    },
}

impl SpecError {
    /// The 1-based column of the offending token, when the error came from a spec string.
    pub fn column(&self) -> Option<usize> {
        match self {
            SpecError::Empty | SpecError::Nesterov { .. } => None,
            SpecError::MissingName { column }
            | SpecError::ExpectedKeyValue { column, .. }
            | SpecError::Duplicate { column, .. } => Some(*column),
            SpecError::UnknownOptimizer { column, .. }
            | SpecError::UnknownParameter { column, .. }
            | SpecError::InvalidValue { column, .. }
            | SpecError::OutOfRange { column, .. }
            | SpecError::BadRange { column, .. }
            | SpecError::NotSweepable { column, .. }
            | SpecError::TooManySweeps { column, .. } => *column,
        }
    }
}

fn at(column: Option<usize>) -> String {
    column.map(|c| format!(" at column {c}")).unwrap_or_default()
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Empty => write!(
                f,
                "empty optimizer spec; expected NAME[:key=value,...] (known: {})",
                OPTIMIZER_NAMES.join(", ")
            ),
            SpecError::MissingName { column } => {
                write!(
                    f,
                    "missing optimizer name at column {column} (known: {})",
                    OPTIMIZER_NAMES.join(", ")
                )
            }
            SpecError::UnknownOptimizer {
                name,
                column,
                suggestion,
            } => {
                write!(f, "unknown optimizer '{name}'{}", at(*column))?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean '{s}'?")?;
                }
                write!(f, " (known: {})", OPTIMIZER_NAMES.join(", "))
            }
            SpecError::ExpectedKeyValue { found, column } => {
                if found.is_empty() {
                    write!(f, "expected key=value at column {column}, found nothing")
                } else {
                    write!(f, "expected key=value at column {column}, found '{found}'")
                }
            }
            SpecError::UnknownParameter {
                key,
                optimizer,
                column,
                suggestion,
                known,
            } => {
                write!(f, "unknown parameter '{key}' for {optimizer}{}", at(*column))?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean '{s}'?")?;
                }
                write!(
                    f,
                    " ({optimizer} takes {}; every optimizer also takes {})",
                    known.join(", "),
                    EXTRA_KEYS.join(", ")
                )
            }
            SpecError::Duplicate {
                key,
                param,
                column,
                first_key,
                first_column,
            } => {
                write!(f, "duplicate parameter '{key}' at column {column}")?;
                if first_key.eq_ignore_ascii_case(key) {
                    write!(f, " (already set at column {first_column})")
                } else {
                    write!(
                        f,
                        ": {param} already set by '{first_key}' at column {first_column}"
                    )
                }
            }
            SpecError::InvalidValue {
                key,
                value,
                column,
                expected,
            } => {
                write!(
                    f,
                    "invalid value '{value}' for {key}{}: expected {expected}",
                    at(*column)
                )
            }
            SpecError::OutOfRange {
                key,
                value,
                column,
                rule,
            } => {
                write!(f, "{key} must be {rule}, got {value}")?;
                match column {
                    Some(c) => write!(f, " (at column {c})"),
                    None => Ok(()),
                }
            }
            SpecError::Nesterov { momentum, dampening } => write!(
                f,
                "nesterov requires momentum > 0 and dampening = 0 (got momentum={}, dampening={})",
                fmt_num(*momentum),
                fmt_num(*dampening)
            ),
            SpecError::BadRange {
                key,
                value,
                column,
                problem,
            } => write!(f, "invalid range '{value}' for {key}{}: {problem}", at(*column)),
            SpecError::NotSweepable { key, column } => write!(
                f,
                "{key}{} cannot be a range: only numeric parameters can be swept",
                at(*column)
            ),
            SpecError::TooManySweeps { key, column, problem } => {
                write!(f, "cannot sweep {key}{}: {problem}", at(*column))
            }
        }
    }
}

impl std::error::Error for SpecError {}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), ASCII
/// case-insensitive, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// The candidate the user most likely meant: one the input is a prefix of (3+ characters),
/// else the closest within a third of the input's length (1 to 3 edits).
pub(crate) fn suggest(input: &str, candidates: &[&'static str]) -> Option<&'static str> {
    let lower = input.to_ascii_lowercase();
    if lower.chars().count() >= 3
        && let Some(c) = candidates.iter().find(|c| c.starts_with(lower.as_str()))
    {
        return Some(c);
    }
    let limit = (lower.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (*c, edit_distance(&lower, c)))
        .min_by_key(|&(_, d)| d)
        .filter(|&(_, d)| d <= limit)
        .map(|(c, _)| c)
}
