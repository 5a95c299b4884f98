//! The optimizers of `torch.optim`, as an f64 CPU reference and the spec parser for them.
//!
//! Every particle is one 2-vector parameter `p` (its position); its gradient `g` comes from the
//! surface. [`step`] is one optimizer step with the semantics of PyTorch's `_single_tensor_<name>`
//! functions in `torch/optim/<name>.py` (the path torch takes for CPU tensors), written in the
//! same order of floating-point operations. `shaders/optim.wgsl` is its f32 twin: the same
//! operations in the same order, so the GPU agrees with this reference to f32 rounding.
//!
//! # Optimizers
//!
//! | name       | rule                      | defaults                                                  |
//! |------------|---------------------------|-----------------------------------------------------------|
//! | `gd`       | `torch.optim.SGD`         | lr=1e-3; takes only lr, weight_decay, maximize            |
//! | `sgd`      | `torch.optim.SGD`         | lr=1e-3, momentum=0, dampening=0, weight_decay=0          |
//! | `momentum` | `torch.optim.SGD`         | as sgd, momentum=0.9                                      |
//! | `nesterov` | `torch.optim.SGD`         | as sgd, momentum=0.9, nesterov=true                       |
//! | `adagrad`  | `torch.optim.Adagrad`     | lr=1e-2, lr_decay=0, initial_accumulator_value=0, eps=1e-10 |
//! | `rmsprop`  | `torch.optim.RMSprop`     | lr=1e-2, alpha=0.99, eps=1e-8, momentum=0, centered=false |
//! | `adam`     | `torch.optim.Adam`        | lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, amsgrad=false  |
//! | `adamw`    | `torch.optim.AdamW`       | as adam, weight_decay=1e-2 (decoupled)                    |
//! | `nadam`    | `torch.optim.NAdam`       | lr=2e-3, betas, eps=1e-8, momentum_decay=4e-3             |
//! | `radam`    | `torch.optim.RAdam`       | lr=1e-3, betas, eps=1e-8                                  |
//! | `lion`     | Chen et al. 2023 (below)  | lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0            |
//!
//! All take `weight_decay` (default 0 but adamw's 1e-2) and all but `lion` take `maximize`;
//! `nadam` and `radam` take `decoupled_weight_decay`. torch's `betas=(b1, b2)` is spelled
//! `beta1`, `beta2`, or `betas=b1/b2`. SGD's lr default is torch 2.x's 1e-3 (torch 1.x
//! required it). Lion is not in torch.optim: its rule is Algorithm 2 of "Symbolic Discovery of
//! Optimization Algorithms" (Chen et al. 2023) as written in lucidrains' `lion-pytorch`
//! (`lion_pytorch/lion_pytorch.py`, `update_fn`).
//!
//! # Spec syntax
//!
//! `NAME[:key=value,key=value...]`, e.g. `adam:lr=0.01,amsgrad=true`. Whitespace around tokens
//! is ignored, names and keys are case-insensitive, booleans are `true`/`false`/`1`/`0`, numbers
//! are finite and within f32 range (they go to the GPU as f32). A key given twice is an error.
//! Values are checked as torch's constructors check them (`Invalid learning rate`, ...):
//! lr, eps, momentum, weight_decay, alpha, lr_decay, initial_accumulator_value and
//! momentum_decay are >= 0; beta1 and beta2 are in [0, 1) (Lion, as lion-pytorch: [0, 1]);
//! nesterov needs momentum > 0 and dampening = 0. Every error names the offending token and
//! its 1-based column (in characters).
//!
//! A numeric value may be a range, `from..to:count[:log]` (`sgd:lr=1e-4..1e-2:64:log`): the
//! spec then stands for one group per value ([`OptimizerSpec::groups`], see [`crate::sweep`]).
//! Ranges go through the same key table as single values, so any numeric parameter can be
//! swept; both ends are checked by the parameter's rule, and nesterov at every corner.
//!
//! # State
//!
//! [`OptState`] is the per-particle state (the GPU particle holds the same fields, in f32):
//!
//! | optimizer | `s1`            | `s2`       | `s3`            | `aux`      |
//! |-----------|-----------------|------------|-----------------|------------|
//! | sgd       | momentum_buffer |            |                 |            |
//! | adagrad   | sum [^iav]      |            |                 |            |
//! | rmsprop   | square_avg      | grad_avg   | momentum_buffer |            |
//! | adam(w)   | exp_avg         | exp_avg_sq | max_exp_avg_sq  |            |
//! | nadam     | exp_avg         | exp_avg_sq |                 | mu_product [^one] |
//! | radam     | exp_avg         | exp_avg_sq |                 |            |
//! | lion      | exp_avg         |            |                 |            |
//!
//! [^iav]: starts at `initial_accumulator_value`; every other slot starts at 0 ...
//! [^one]: ... except `mu_product`, which starts at 1 ([`init_state`]).
//!
//! torch's `state['step']` is not stored: the caller passes the 1-based step `t`. torch SGD
//! creates its momentum buffer on the first step (`buf = g`, no dampening); here "first step"
//! is `t == 1`.
//!
//! # Numerics and deviations from torch
//!
//! - The arithmetic is torch's CPU kernels' scalar path, in their order (a 2-element tensor is
//!   below the width at which `cpu_kernel_vec` switches to SIMD): `add(x, alpha=a)` is
//!   `self + a*x`, `addcmul(x, y, value=v)` is `self + v*x*y`, `addcdiv(x, y, value=v)` is
//!   `self + v*x/y`, and `lerp(end, w)` is `self + w*(end - self)` for |w| < 0.5, else
//!   `end - (end - self)*(1 - w)` (`aten/src/ATen/native/Lerp.h`). Bit-identity with torch is
//!   not claimed: ATen may be compiled with FMA contraction; agreement is to a few ulp.
//! - This reference is torch with `torch.set_default_dtype(torch.float64)`: with the default
//!   float32, torch keeps NAdam's `mu_product` (and the step count) in a float32 tensor even for
//!   float64 parameters.
//! - `beta**t` (Python's `pow`) is computed by binary exponentiation (square and multiply, the
//!   same loop here and in WGSL's `optim_powi`), not `pow`: WGSL's `pow` is
//!   `exp2(t*log2(beta))` with an absolute log2 error up to 2^-21, which would put a relative
//!   error near 3e-4 into `1 - 0.999^t`. Square and multiply is exact to a few ulp in both
//!   precisions. NAdam's `0.96 ** (t*momentum_decay)` has a fractional exponent and uses `pow`
//!   in both.
//! - `bias_correction2 ** 0.5` and `(...) ** 0.5` are `sqrt`.
//! - `torch.maximum` propagates NaN, as [`step`] does; WGSL's `max` with a NaN operand is
//!   unspecified (the particle is diverged by then anyway).
//! - Centered RMSprop takes `sqrt(square_avg - grad_avg^2)`, which rounding can make NaN when
//!   the gradient is nearly constant for thousands of steps (sooner in f32): torch does the same.
//! - Lion: lion-pytorch asserts `lr > 0`; here lr >= 0 like torch's optimizers. It has no
//!   `maximize`, so neither has this.

use std::fmt;
use std::str::FromStr;

use crate::sweep::{MAX_SWEEP_GROUPS, MAX_SWEPT, ParamRange, SweepAxis, short as fmt_num};

/// Which update rule a spec uses. The discriminants are the `OPTIM_*` kind constants of
/// `shaders/optim.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum OptimizerKind {
    /// `torch.optim.SGD` (gd, sgd, momentum, nesterov).
    Sgd = 0,
    /// `torch.optim.Adagrad`.
    Adagrad = 1,
    /// `torch.optim.RMSprop`.
    Rmsprop = 2,
    /// `torch.optim.Adam`.
    Adam = 3,
    /// `torch.optim.AdamW`: Adam with decoupled weight decay.
    AdamW = 4,
    /// `torch.optim.NAdam`.
    NAdam = 5,
    /// `torch.optim.RAdam`.
    RAdam = 6,
    /// Lion (Chen et al. 2023; lucidrains' lion-pytorch).
    Lion = 7,
}

/// Every hyperparameter of every optimizer, under torch's names. An optimizer reads only its
/// own; the others keep the neutral values of [`OptimizerSpec::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    pub maximize: bool,
    pub lr_decay: f64,
    pub initial_accumulator_value: f64,
    pub eps: f64,
    pub alpha: f64,
    pub centered: bool,
    pub beta1: f64,
    pub beta2: f64,
    pub amsgrad: bool,
    pub momentum_decay: f64,
    pub decoupled_weight_decay: bool,
    /// Standard deviation of the Gaussian noise added to each gradient component every step
    /// (descent's, any optimizer; see `crate::noise`).
    pub grad_noise: f64,
    /// Mini-batch size in a linear-regression scene, 0 for the full batch (descent's; see
    /// `crate::regression::Dataset::batch_gradients`).
    pub batch_size: f64,
}

/// The values every name starts from; each name then changes its own defaults.
const BASE: Params = Params {
    lr: 1e-3,
    momentum: 0.0,
    dampening: 0.0,
    weight_decay: 0.0,
    nesterov: false,
    maximize: false,
    lr_decay: 0.0,
    initial_accumulator_value: 0.0,
    eps: 1e-8,
    alpha: 0.99,
    centered: false,
    beta1: 0.9,
    beta2: 0.999,
    amsgrad: false,
    momentum_decay: 4e-3,
    decoupled_weight_decay: false,
    grad_noise: 0.0,
    batch_size: 0.0,
};

/// A parsed, validated optimizer: what a user asked for and what runs.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerSpec {
    /// The spec text as given, trimmed (the scene loader may replace it).
    pub label: String,
    /// The canonical name, e.g. "momentum".
    pub name: String,
    pub kind: OptimizerKind,
    /// The values of unswept parameters; a swept one holds its range's first value.
    pub params: Params,
    /// A `torch.optim.lr_scheduler` schedule, stepped after every optimizer step.
    pub schedule: Option<crate::schedule::Schedule>,
    /// Parameters given as ranges (at most [`crate::sweep::MAX_SWEPT`]): the spec then stands
    /// for one group per value (per pair of values), see [`OptimizerSpec::groups`].
    pub sweep: Vec<SweepAxis>,
}

struct NameInfo {
    name: &'static str,
    kind: OptimizerKind,
    /// The keys it takes, in the order of torch's signature.
    keys: &'static [&'static str],
}

const SGD_KEYS: &[&str] = &[
    "lr",
    "momentum",
    "dampening",
    "weight_decay",
    "nesterov",
    "maximize",
];
const ADAM_KEYS: &[&str] = &[
    "lr",
    "beta1",
    "beta2",
    "eps",
    "weight_decay",
    "amsgrad",
    "maximize",
];

const NAMES: &[NameInfo] = &[
    NameInfo {
        name: "gd",
        kind: OptimizerKind::Sgd,
        keys: &["lr", "weight_decay", "maximize"],
    },
    NameInfo {
        name: "sgd",
        kind: OptimizerKind::Sgd,
        keys: SGD_KEYS,
    },
    NameInfo {
        name: "momentum",
        kind: OptimizerKind::Sgd,
        keys: SGD_KEYS,
    },
    NameInfo {
        name: "nesterov",
        kind: OptimizerKind::Sgd,
        keys: SGD_KEYS,
    },
    NameInfo {
        name: "adagrad",
        kind: OptimizerKind::Adagrad,
        keys: &[
            "lr",
            "lr_decay",
            "weight_decay",
            "initial_accumulator_value",
            "eps",
            "maximize",
        ],
    },
    NameInfo {
        name: "rmsprop",
        kind: OptimizerKind::Rmsprop,
        keys: &[
            "lr",
            "alpha",
            "eps",
            "weight_decay",
            "momentum",
            "centered",
            "maximize",
        ],
    },
    NameInfo {
        name: "adam",
        kind: OptimizerKind::Adam,
        keys: ADAM_KEYS,
    },
    NameInfo {
        name: "adamw",
        kind: OptimizerKind::AdamW,
        keys: ADAM_KEYS,
    },
    NameInfo {
        name: "nadam",
        kind: OptimizerKind::NAdam,
        keys: &[
            "lr",
            "beta1",
            "beta2",
            "eps",
            "weight_decay",
            "momentum_decay",
            "decoupled_weight_decay",
            "maximize",
        ],
    },
    NameInfo {
        name: "radam",
        kind: OptimizerKind::RAdam,
        keys: &[
            "lr",
            "beta1",
            "beta2",
            "eps",
            "weight_decay",
            "decoupled_weight_decay",
            "maximize",
        ],
    },
    NameInfo {
        name: "lion",
        kind: OptimizerKind::Lion,
        keys: &["lr", "beta1", "beta2", "weight_decay"],
    },
];

/// Keys every optimizer takes besides torch's: gradient noise and the mini-batch size.
pub const EXTRA_KEYS: &[&str] = &["grad_noise", "batch_size"];

/// The optimizer names the parser accepts.
pub const OPTIMIZER_NAMES: &[&str] = &[
    "gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam", "radam", "lion",
];

fn lookup(name: &str) -> Option<&'static NameInfo> {
    NAMES.iter().find(|n| n.name.eq_ignore_ascii_case(name))
}

/// torch's defaults for a name (`torch/optim/<name>.py`, `__init__` signature).
fn defaults(name: &str) -> Params {
    match name {
        "momentum" => Params {
            momentum: 0.9,
            ..BASE
        },
        "nesterov" => Params {
            momentum: 0.9,
            nesterov: true,
            ..BASE
        },
        "adagrad" => Params {
            lr: 1e-2,
            eps: 1e-10,
            ..BASE
        },
        "rmsprop" => Params { lr: 1e-2, ..BASE },
        "adamw" => Params {
            weight_decay: 1e-2,
            decoupled_weight_decay: true,
            ..BASE
        },
        "nadam" => Params { lr: 2e-3, ..BASE },
        "lion" => Params {
            lr: 1e-4,
            beta2: 0.99,
            ..BASE
        },
        // gd, sgd, adam, radam
        _ => BASE,
    }
}

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
        param: &'static str,
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
fn suggest(input: &str, candidates: &[&'static str]) -> Option<&'static str> {
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

/// The value a key needs, and torch's range check for it.
#[derive(Clone, Copy)]
enum Want {
    Number(Rule),
    Bool,
    /// `betas=b1/b2`.
    Betas(Rule),
}

#[derive(Clone, Copy, PartialEq)]
enum Rule {
    Any,
    NonNegative,
    /// [0, 1): torch's `0.0 <= betas[i] < 1.0`.
    UnitOpen,
    /// [0, 1]: lion-pytorch's `0. <= beta <= 1.`.
    UnitClosed,
    /// A whole number >= 0.
    Count,
}

impl Rule {
    fn holds(self, x: f64) -> bool {
        match self {
            Rule::Any => true,
            Rule::NonNegative => x >= 0.0,
            Rule::UnitOpen => (0.0..1.0).contains(&x),
            Rule::UnitClosed => (0.0..=1.0).contains(&x),
            Rule::Count => x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX),
        }
    }

    fn text(self) -> &'static str {
        match self {
            Rule::Any => "any number",
            Rule::NonNegative => ">= 0",
            Rule::UnitOpen => "in [0, 1)",
            Rule::UnitClosed => "in [0, 1]",
            Rule::Count => "a whole number >= 0",
        }
    }
}

fn want(kind: OptimizerKind, key: &str) -> Want {
    let beta = if kind == OptimizerKind::Lion {
        Rule::UnitClosed
    } else {
        Rule::UnitOpen
    };
    match key {
        "nesterov" | "maximize" | "centered" | "amsgrad" | "decoupled_weight_decay" => Want::Bool,
        "beta1" | "beta2" => Want::Number(beta),
        "betas" => Want::Betas(beta),
        "dampening" => Want::Number(Rule::Any),
        "batch_size" => Want::Number(Rule::Count),
        // lr, momentum, weight_decay, lr_decay, initial_accumulator_value, eps, alpha, momentum_decay
        _ => Want::Number(Rule::NonNegative),
    }
}

fn number_field<'a>(p: &'a mut Params, key: &str) -> Option<&'a mut f64> {
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
        _ => return None,
    })
}

fn bool_field<'a>(p: &'a mut Params, key: &str) -> Option<&'a mut bool> {
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
struct Token<'a> {
    text: &'a str,
    column: Option<usize>,
}

fn parse_number(key: &str, tok: Token<'_>, rule: Rule) -> Result<f64, SpecError> {
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

fn parse_bool(key: &str, tok: Token<'_>) -> Result<bool, SpecError> {
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

impl OptimizerSpec {
    /// The optimizer `name` (case-insensitive) with torch's defaults.
    pub fn new(name: &str) -> Result<Self, SpecError> {
        Self::named(name.trim(), None)
    }

    fn named(name: &str, column: Option<usize>) -> Result<Self, SpecError> {
        let Some(info) = lookup(name) else {
            return Err(SpecError::UnknownOptimizer {
                name: name.to_string(),
                column,
                suggestion: suggest(name, OPTIMIZER_NAMES),
            });
        };
        Ok(OptimizerSpec {
            label: name.to_string(),
            name: info.name.to_string(),
            kind: info.kind,
            params: defaults(info.name),
            schedule: None,
            sweep: Vec::new(),
        })
    }

    fn info(&self) -> &'static NameInfo {
        lookup(&self.name).unwrap_or(&NAMES[1])
    }

    /// The keys this optimizer takes, in the order of torch's signature.
    pub fn param_names(&self) -> &'static [&'static str] {
        self.info().keys
    }

    /// torch's keys, then descent's [`EXTRA_KEYS`].
    pub fn all_param_names(&self) -> impl Iterator<Item = &'static str> {
        self.info().keys.iter().chain(EXTRA_KEYS).copied()
    }

    /// Sets one parameter from text (as a scene file gives it), with the checks of a spec
    /// string, then the cross-parameter check (nesterov) on the result; a refused value changes
    /// nothing. Keys apply in the caller's order, so set momentum before nesterov.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SpecError> {
        let key_lower = key.trim().to_ascii_lowercase();
        let canonical = self.canonical_key(key.trim(), &key_lower, None)?;
        let mut next = self.clone();
        next.apply(
            canonical,
            Token {
                text: value.trim(),
                column: None,
            },
        )?;
        next.validate()?;
        *self = next;
        Ok(())
    }

    /// Checks what no single value can: torch SGD's "Nesterov momentum requires a momentum and
    /// zero dampening" (`torch/optim/sgd.py`, `SGD.__init__`).
    /// With swept parameters every corner of the sweep is checked: the rule holds on a range
    /// when it holds at both of its ends.
    pub fn validate(&self) -> Result<(), SpecError> {
        for corner in 0..(1u32 << self.sweep.len()) {
            let mut p = self.params.clone();
            for (k, axis) in self.sweep.iter().enumerate() {
                let end = if corner & (1 << k) == 0 {
                    axis.range.from
                } else {
                    axis.range.to
                };
                if let Some(field) = number_field(&mut p, axis.param) {
                    *field = end;
                }
            }
            if self.kind == OptimizerKind::Sgd && p.nesterov && (p.momentum <= 0.0 || p.dampening != 0.0) {
                return Err(SpecError::Nesterov {
                    momentum: p.momentum,
                    dampening: p.dampening,
                });
            }
        }
        Ok(())
    }

    /// Sets a numeric parameter to a range of values (a scene's `lr = { from, to, count }`),
    /// with the checks of a spec string; a refused range changes nothing.
    pub fn set_range(&mut self, key: &str, range: ParamRange) -> Result<(), SpecError> {
        let key_lower = key.trim().to_ascii_lowercase();
        let canonical = self.canonical_key(key.trim(), &key_lower, None)?;
        let mut next = self.clone();
        next.apply_range(canonical, range, None, &range.to_string())?;
        next.validate()?;
        *self = next;
        Ok(())
    }

    /// How many optimizer groups this spec stands for: the product of its ranges' counts.
    pub fn group_count(&self) -> u64 {
        crate::sweep::group_count(&self.sweep)
    }

    /// Group `g` of the sweep as a plain spec (no ranges), labelled by [`Self::describe`].
    pub fn group(&self, g: u64) -> OptimizerSpec {
        let mut out = OptimizerSpec {
            sweep: Vec::new(),
            ..self.clone()
        };
        for (axis, i) in self.sweep.iter().zip(crate::sweep::indices(&self.sweep, g)) {
            if let Some(field) = number_field(&mut out.params, axis.param) {
                *field = axis.range.value(i);
            }
        }
        if !self.sweep.is_empty() {
            out.label = out.describe();
        }
        out
    }

    /// Every group this spec stands for, in sweep order (itself when nothing is swept).
    pub fn groups(&self) -> Vec<OptimizerSpec> {
        if self.sweep.is_empty() {
            return vec![self.clone()];
        }
        (0..self.group_count()).map(|g| self.group(g)).collect()
    }

    /// The value of numeric parameter `key` (canonical name), or None for flags and unknown keys.
    pub fn number(&self, key: &str) -> Option<f64> {
        number_field(&mut self.params.clone(), key).map(|v| *v)
    }

    /// Records a range for the canonical numeric `key` (both ends checked by the key's rule),
    /// its first value standing in `params`.
    fn apply_range(
        &mut self,
        key: &'static str,
        range: ParamRange,
        column: Option<usize>,
        text: &str,
    ) -> Result<(), SpecError> {
        let Want::Number(rule) = want(self.kind, key) else {
            return Err(SpecError::NotSweepable {
                key: key.to_string(),
                column,
            });
        };
        for end in [range.from, range.to] {
            let end_text = crate::sweep::short(end);
            parse_number(
                key,
                Token {
                    text: &end_text,
                    column,
                },
                rule,
            )?;
        }
        self.sweep.retain(|a| a.param != key);
        if self.sweep.len() >= MAX_SWEPT {
            let swept: Vec<&str> = self.sweep.iter().map(|a| a.param).collect();
            return Err(SpecError::TooManySweeps {
                key: key.to_string(),
                column,
                problem: format!(
                    "at most {MAX_SWEPT} parameters of one optimizer may be ranges ({} already are); \
                     add another optimizer for a further sweep",
                    swept.join(" and ")
                ),
            });
        }
        let groups = self.group_count() * u64::from(range.count);
        if groups > MAX_SWEEP_GROUPS {
            return Err(SpecError::TooManySweeps {
                key: key.to_string(),
                column,
                problem: format!(
                    "{groups} groups, over the {MAX_SWEEP_GROUPS} one optimizer may have ('{text}')"
                ),
            });
        }
        if let Some(field) = number_field(&mut self.params, key) {
            *field = range.from;
        }
        self.sweep.push(SweepAxis { param: key, range });
        Ok(())
    }

    /// The key as this optimizer names it ("betas" included), or UnknownParameter.
    fn canonical_key(
        &self,
        given: &str,
        lower: &str,
        column: Option<usize>,
    ) -> Result<&'static str, SpecError> {
        let info = self.info();
        if lower == "betas" && info.keys.contains(&"beta1") {
            return Ok("betas");
        }
        info.keys
            .iter()
            .chain(EXTRA_KEYS)
            .copied()
            .find(|k| *k == lower)
            .ok_or_else(|| SpecError::UnknownParameter {
                key: given.to_string(),
                optimizer: info.name,
                column,
                suggestion: suggest(
                    given,
                    &info.keys.iter().chain(EXTRA_KEYS).copied().collect::<Vec<_>>(),
                ),
                known: info.keys,
            })
    }

    /// Parses and range-checks `tok` for the canonical `key`, then stores it.
    fn apply(&mut self, key: &'static str, tok: Token<'_>) -> Result<(), SpecError> {
        if tok.text.contains("..") {
            let range = ParamRange::parse(tok.text).map_err(|problem| SpecError::BadRange {
                key: key.to_string(),
                value: tok.text.to_string(),
                column: tok.column,
                problem,
            })?;
            return self.apply_range(key, range, tok.column, tok.text);
        }
        // A plain value replaces a range of the same parameter.
        self.sweep.retain(|a| a.param != key);
        match want(self.kind, key) {
            Want::Bool => {
                let b = parse_bool(key, tok)?;
                if let Some(field) = bool_field(&mut self.params, key) {
                    *field = b;
                }
            }
            Want::Number(rule) => {
                let x = parse_number(key, tok, rule)?;
                if let Some(field) = number_field(&mut self.params, key) {
                    *field = x;
                }
            }
            Want::Betas(rule) => {
                let Some((b1, b2)) = tok.text.split_once('/') else {
                    return Err(SpecError::InvalidValue {
                        key: key.to_string(),
                        value: tok.text.to_string(),
                        column: tok.column,
                        expected: "beta1/beta2, e.g. 0.9/0.999",
                    });
                };
                let lead = |s: &str| s.chars().count() - s.trim_start().chars().count();
                let first = Token {
                    text: b1.trim(),
                    column: tok.column.map(|c| c + lead(b1)),
                };
                let second_at = b1.chars().count() + 1 + lead(b2);
                let second = Token {
                    text: b2.trim(),
                    column: tok.column.map(|c| c + second_at),
                };
                let beta1 = parse_number("beta1", first, rule)?;
                let beta2 = parse_number("beta2", second, rule)?;
                self.params.beta1 = beta1;
                self.params.beta2 = beta2;
            }
        }
        Ok(())
    }

    /// Legend text: the name, lr always, then every parameter that differs from the name's
    /// default ("adam lr=0.01 amsgrad", "nesterov lr=0.001 nesterov=false").
    /// A swept parameter shows its range (`lr=1e-4..1e-2:512:log`).
    pub fn describe(&self) -> String {
        let swept = |key: &str| self.sweep.iter().find(|a| a.param == key);
        let mut out = match swept("lr") {
            Some(a) => format!("{} lr={}", self.name, a.range),
            None => format!("{} lr={}", self.name, fmt_num(self.params.lr)),
        };
        let mut cur = self.params.clone();
        let mut def = defaults(&self.name);
        for key in self.all_param_names().filter(|k| *k != "lr") {
            if let Some(a) = swept(key) {
                out.push_str(&format!(" {key}={}", a.range));
            } else if let (Some(v), Some(d)) = (number_field(&mut cur, key), number_field(&mut def, key)) {
                if *v != *d {
                    out.push_str(&format!(" {key}={}", fmt_num(*v)));
                }
            } else if let (Some(v), Some(d)) = (bool_field(&mut cur, key), bool_field(&mut def, key))
                && *v != *d
            {
                out.push_str(&if *v {
                    format!(" {key}")
                } else {
                    format!(" {key}=false")
                });
            }
        }
        if let Some(s) = &self.schedule {
            out.push_str(&format!(", {}", s.describe()));
        }
        out
    }

    /// The GPU twin (`Optimizer` in `shaders/optim.wgsl`), values rounded to f32.
    pub fn to_gpu(&self) -> GpuOptimizer {
        let p = &self.params;
        let mut flags = 0;
        for (on, bit) in [
            (p.nesterov, GpuOptimizer::FLAG_NESTEROV),
            (p.maximize, GpuOptimizer::FLAG_MAXIMIZE),
            (p.centered, GpuOptimizer::FLAG_CENTERED),
            (p.amsgrad, GpuOptimizer::FLAG_AMSGRAD),
            (decoupled(self), GpuOptimizer::FLAG_DECOUPLED),
        ] {
            if on {
                flags |= bit;
            }
        }
        GpuOptimizer {
            kind: self.kind as u32,
            flags,
            lr: p.lr as f32,
            momentum: p.momentum as f32,
            dampening: p.dampening as f32,
            weight_decay: p.weight_decay as f32,
            lr_decay: p.lr_decay as f32,
            initial_accumulator_value: p.initial_accumulator_value as f32,
            eps: p.eps as f32,
            alpha: p.alpha as f32,
            beta1: p.beta1 as f32,
            beta2: p.beta2 as f32,
            momentum_decay: p.momentum_decay as f32,
            grad_noise: p.grad_noise as f32,
            schedule: GpuOptimizer::NO_TABLE,
            batches: GpuOptimizer::NO_TABLE,
        }
    }
}

impl FromStr for OptimizerSpec {
    type Err = SpecError;

    /// Parses `NAME[:key=value,...]`; see the module documentation.
    fn from_str(s: &str) -> Result<Self, SpecError> {
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
        let mut seen: Vec<(&'static str, String, usize)> = Vec::new();
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
                let canonical = spec.canonical_key(key, &key.to_ascii_lowercase(), Some(key_col))?;
                let sets: &[&'static str] = if canonical == "betas" {
                    &["beta1", "beta2"]
                } else {
                    &[canonical]
                };
                for &param in sets {
                    if let Some((_, first_key, first_column)) = seen.iter().find(|(p, _, _)| *p == param) {
                        return Err(SpecError::Duplicate {
                            key: key.to_string(),
                            param,
                            column: key_col,
                            first_key: first_key.clone(),
                            first_column: *first_column,
                        });
                    }
                }
                let value_col = column(item_start + key_raw.len() + 1 + lead(value_raw));
                spec.apply(
                    canonical,
                    Token {
                        text: value_raw.trim(),
                        column: Some(value_col),
                    },
                )?;
                seen.extend(sets.iter().map(|&p| (p, key.to_string(), key_col)));
            }
        }
        spec.validate()?;
        Ok(spec)
    }
}

/// Per-particle optimizer state; the GPU particle struct holds the same fields (in f32). Which
/// slot holds what, per optimizer, is in the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OptState {
    pub s1: [f64; 2],
    pub s2: [f64; 2],
    pub s3: [f64; 2],
    pub aux: f64,
}

/// The state before the first step: zeros, except Adagrad's `sum` (torch:
/// `torch.full_like(p, initial_accumulator_value)`) and NAdam's `mu_product` (torch:
/// `torch.ones(())`).
pub fn init_state(spec: &OptimizerSpec) -> OptState {
    let mut st = OptState::default();
    match spec.kind {
        OptimizerKind::Adagrad => st.s1 = [spec.params.initial_accumulator_value; 2],
        OptimizerKind::NAdam => st.aux = 1.0,
        _ => {}
    }
    st
}

/// One optimizer step, torch semantics. `t` is the 1-based step count (torch's `state['step']`
/// after its increment). Returns the new position; updates `st`.
pub fn step(spec: &OptimizerSpec, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    debug_assert!(t >= 1, "optimizer steps count from 1");
    let o = &spec.params;
    match spec.kind {
        OptimizerKind::Sgd => sgd(o, st, t, p, g),
        OptimizerKind::Adagrad => adagrad(o, st, t, p, g),
        OptimizerKind::Rmsprop => rmsprop(o, st, p, g),
        OptimizerKind::Adam | OptimizerKind::AdamW => adam(o, decoupled(spec), st, t, p, g),
        OptimizerKind::NAdam => nadam(o, st, t, p, g),
        OptimizerKind::RAdam => radam(o, st, t, p, g),
        OptimizerKind::Lion => lion(o, st, p, g),
    }
}

/// Decoupled weight decay (`param.mul_(1 - lr * weight_decay)`): always for AdamW, on request
/// for NAdam and RAdam (and Adam, whose torch >= 2.7 signature has it too).
fn decoupled(spec: &OptimizerSpec) -> bool {
    spec.kind == OptimizerKind::AdamW || spec.params.decoupled_weight_decay
}

/// `x^n` by binary exponentiation (square and multiply); WGSL's `optim_powi` is the same loop.
fn powi(x: f64, n: u32) -> f64 {
    let (mut r, mut b, mut e) = (1.0, x, n);
    loop {
        if e & 1 == 1 {
            r *= b;
        }
        e >>= 1;
        if e == 0 {
            return r;
        }
        b *= b;
    }
}

/// `torch.lerp(start, end, weight)` as ATen computes it (`aten/src/ATen/native/Lerp.h`).
fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

/// `torch.maximum`: NaN if either is NaN.
fn maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// `torch.sign`: 1, -1, or x itself for zeros and NaN (`f64::signum(0.0)` is 1).
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x
    }
}

/// `grad = grads[i] if not maximize else -grads[i]` (every `_single_tensor_*`).
fn signed(o: &Params, g: f64) -> f64 {
    if o.maximize { -g } else { g }
}

/// Weight decay of Adam, AdamW, NAdam and RAdam: decoupled scales the parameter
/// (`param.mul_(1 - lr * weight_decay)`), coupled adds to the gradient
/// (`grad = grad.add(param, alpha=weight_decay)`). Returns (param, grad); WGSL's `optim_decay`.
fn decay(o: &Params, decoupled: bool, param: f64, grad: f64) -> (f64, f64) {
    if o.weight_decay == 0.0 {
        (param, grad)
    } else if decoupled {
        (param * (1.0 - o.lr * o.weight_decay), grad)
    } else {
        (param, grad + o.weight_decay * param)
    }
}

/// The first and second moments of Adam, NAdam and RAdam, updated in `st` for coordinate `i`:
/// `exp_avg.lerp_(grad, 1 - beta1)`, `exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)`.
/// WGSL's `optim_adam_moments`.
fn adam_moments(o: &Params, st: &mut OptState, i: usize, grad: f64) -> (f64, f64) {
    let exp_avg = lerp(st.s1[i], grad, 1.0 - o.beta1);
    let exp_avg_sq = st.s2[i] * o.beta2 + (1.0 - o.beta2) * grad * grad;
    st.s1[i] = exp_avg;
    st.s2[i] = exp_avg_sq;
    (exp_avg, exp_avg_sq)
}

/// `_single_tensor_sgd` (`torch/optim/sgd.py`).
fn sgd(o: &Params, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let mut out = p;
    for i in 0..2 {
        let mut grad = signed(o, g[i]);
        if o.weight_decay != 0.0 {
            // grad = grad.add(param, alpha=weight_decay)
            grad += o.weight_decay * p[i];
        }
        if o.momentum != 0.0 {
            // buf = clone(grad) on the first step, else buf.mul_(momentum).add_(grad, alpha=1 - dampening)
            let buf = if t <= 1 {
                grad
            } else {
                st.s1[i] * o.momentum + (1.0 - o.dampening) * grad
            };
            st.s1[i] = buf;
            // grad = grad.add(buf, alpha=momentum) if nesterov else buf
            grad = if o.nesterov { grad + o.momentum * buf } else { buf };
        }
        // param.add_(grad, alpha=-lr)
        out[i] = p[i] + (-o.lr) * grad;
    }
    out
}

/// `_single_tensor_adagrad` (`torch/optim/adagrad.py`).
fn adagrad(o: &Params, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    // clr = lr / (1 + (step - 1) * lr_decay)
    let clr = o.lr / (1.0 + f64::from(t.saturating_sub(1)) * o.lr_decay);
    let mut out = p;
    for i in 0..2 {
        let mut grad = signed(o, g[i]);
        if o.weight_decay != 0.0 {
            grad += o.weight_decay * p[i];
        }
        // state_sum.addcmul_(grad, grad, value=1)
        let sum = st.s1[i] + grad * grad;
        st.s1[i] = sum;
        // std = state_sum.sqrt().add_(eps); param.addcdiv_(grad, std, value=-clr)
        let std = sum.sqrt() + o.eps;
        out[i] = p[i] + (-clr) * grad / std;
    }
    out
}

/// `_single_tensor_rmsprop` (`torch/optim/rmsprop.py`).
fn rmsprop(o: &Params, st: &mut OptState, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let mut out = p;
    for i in 0..2 {
        let mut grad = signed(o, g[i]);
        if o.weight_decay != 0.0 {
            grad += o.weight_decay * p[i];
        }
        // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        let square_avg = st.s1[i] * o.alpha + (1.0 - o.alpha) * grad * grad;
        st.s1[i] = square_avg;
        let mut avg = if o.centered {
            // grad_avg.lerp_(grad, 1 - alpha); avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
            let grad_avg = lerp(st.s2[i], grad, 1.0 - o.alpha);
            st.s2[i] = grad_avg;
            (square_avg - grad_avg * grad_avg).sqrt()
        } else {
            square_avg.sqrt()
        };
        avg += o.eps;
        if o.momentum > 0.0 {
            // buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
            let buf = st.s3[i] * o.momentum + grad / avg;
            st.s3[i] = buf;
            out[i] = p[i] + (-o.lr) * buf;
        } else {
            // param.addcdiv_(grad, avg, value=-lr)
            out[i] = p[i] + (-o.lr) * grad / avg;
        }
    }
    out
}

/// `_single_tensor_adam` (`torch/optim/adam.py`; AdamW is the same with decoupled weight decay,
/// `_single_tensor_adamw` before torch 2.7).
fn adam(o: &Params, decoupled: bool, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let bias_correction1 = 1.0 - powi(o.beta1, t);
    let bias_correction2 = 1.0 - powi(o.beta2, t);
    let step_size = o.lr / bias_correction1;
    let bias_correction2_sqrt = bias_correction2.sqrt();
    let mut out = p;
    for i in 0..2 {
        let (param, grad) = decay(o, decoupled, p[i], signed(o, g[i]));
        let (exp_avg, exp_avg_sq) = adam_moments(o, st, i, grad);
        // amsgrad: torch.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
        let v = if o.amsgrad {
            st.s3[i] = maximum(st.s3[i], exp_avg_sq);
            st.s3[i]
        } else {
            exp_avg_sq
        };
        // denom = (v.sqrt() / bias_correction2_sqrt).add_(eps)
        // param.addcdiv_(exp_avg, denom, value=-step_size)
        let denom = v.sqrt() / bias_correction2_sqrt + o.eps;
        out[i] = param + (-step_size) * exp_avg / denom;
    }
    out
}

/// `_single_tensor_nadam` (`torch/optim/nadam.py`).
fn nadam(o: &Params, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let step = f64::from(t);
    let bias_correction2 = 1.0 - powi(o.beta2, t);
    // mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentum_decay)), mu_next likewise at step + 1
    let mu = o.beta1 * (1.0 - 0.5 * 0.96_f64.powf(step * o.momentum_decay));
    let mu_next = o.beta1 * (1.0 - 0.5 * 0.96_f64.powf((step + 1.0) * o.momentum_decay));
    // mu_product *= mu
    st.aux *= mu;
    let mu_product = st.aux;
    let mu_product_next = mu_product * mu_next;
    let grad_scale = -o.lr * (1.0 - mu) / (1.0 - mu_product);
    let exp_avg_scale = (-o.lr * mu_next) / (1.0 - mu_product_next);
    let mut out = p;
    for i in 0..2 {
        let (mut param, grad) = decay(o, o.decoupled_weight_decay, p[i], signed(o, g[i]));
        let (exp_avg, exp_avg_sq) = adam_moments(o, st, i, grad);
        // denom = exp_avg_sq.div(bias_correction2).sqrt(); denom.add_(eps)
        let denom = (exp_avg_sq / bias_correction2).sqrt() + o.eps;
        // param.addcdiv_(grad, denom, value=...); param.addcdiv_(exp_avg, denom, value=...)
        param += grad_scale * grad / denom;
        out[i] = param + exp_avg_scale * exp_avg / denom;
    }
    out
}

/// `_single_tensor_radam` (`torch/optim/radam.py`).
fn radam(o: &Params, st: &mut OptState, t: u32, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let step = f64::from(t);
    let bias_correction1 = 1.0 - powi(o.beta1, t);
    let beta2_t = powi(o.beta2, t);
    let bias_correction2 = 1.0 - beta2_t;
    // maximum length of the approximated SMA, and its length at this step
    let rho_inf = 2.0 / (1.0 - o.beta2) - 1.0;
    let rho_t = rho_inf - 2.0 * step * beta2_t / bias_correction2;
    let rect = (rho_t > 5.0).then(|| {
        ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)).sqrt()
    });
    let bias_correction2_sqrt = bias_correction2.sqrt();
    let mut out = p;
    for i in 0..2 {
        let (param, grad) = decay(o, o.decoupled_weight_decay, p[i], signed(o, g[i]));
        let (exp_avg, exp_avg_sq) = adam_moments(o, st, i, grad);
        let bias_corrected_exp_avg = exp_avg / bias_correction1;
        // param.add_(bias_corrected_exp_avg * lr [* adaptive_lr * rect], alpha=-1.0)
        let update = match rect {
            Some(rect) => {
                let adaptive_lr = bias_correction2_sqrt / (exp_avg_sq.sqrt() + o.eps);
                bias_corrected_exp_avg * o.lr * adaptive_lr * rect
            }
            None => bias_corrected_exp_avg * o.lr,
        };
        out[i] = param - update;
    }
    out
}

/// Lion: lucidrains' `lion_pytorch.update_fn` (Chen et al. 2023, Algorithm 2).
fn lion(o: &Params, st: &mut OptState, p: [f64; 2], g: [f64; 2]) -> [f64; 2] {
    let mut out = p;
    for i in 0..2 {
        // p.data.mul_(1. - lr * wd)
        let param = p[i] * (1.0 - o.lr * o.weight_decay);
        // update = exp_avg.clone().mul_(beta1).add(grad, alpha=1. - beta1).sign_(); p.add_(update, alpha=-lr)
        let update = sign(st.s1[i] * o.beta1 + (1.0 - o.beta1) * g[i]);
        out[i] = param + (-o.lr) * update;
        // exp_avg.mul_(beta2).add_(grad, alpha=1. - beta2)
        st.s1[i] = st.s1[i] * o.beta2 + (1.0 - o.beta2) * g[i];
    }
    out
}

/// GPU twin of `Optimizer` in `shaders/optim.wgsl`: the parameters as f32, in the same field
/// order, explicitly padded to 64 bytes (a multiple of 16, so it is also a valid uniform-array
/// element).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GpuOptimizer {
    /// [`OptimizerKind`] as u32 (`OPTIM_SGD` ... `OPTIM_LION`).
    pub kind: u32,
    /// `FLAG_*` bits (`OPTIM_FLAG_*`).
    pub flags: u32,
    pub lr: f32,
    pub momentum: f32,
    pub dampening: f32,
    pub weight_decay: f32,
    pub lr_decay: f32,
    pub initial_accumulator_value: f32,
    pub eps: f32,
    pub alpha: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub momentum_decay: f32,
    pub grad_noise: f32,
    /// First entry of the group's (lr, momentum/beta1) table, or [`Self::NO_TABLE`].
    pub schedule: u32,
    /// First entry of the group's mini-batch gradient table, or [`Self::NO_TABLE`].
    pub batches: u32,
}

const _: () = assert!(std::mem::size_of::<GpuOptimizer>() == 64);
const _: () = assert!(std::mem::size_of::<GpuOptimizer>().is_multiple_of(16));

impl GpuOptimizer {
    pub const FLAG_NESTEROV: u32 = 1 << 0;
    pub const FLAG_MAXIMIZE: u32 = 1 << 1;
    pub const FLAG_CENTERED: u32 = 1 << 2;
    pub const FLAG_AMSGRAD: u32 = 1 << 3;
    /// Decoupled weight decay: set for AdamW, and for NAdam/RAdam `decoupled_weight_decay`.
    pub const FLAG_DECOUPLED: u32 = 1 << 4;
    /// The schedule table's second column is the momentum (OneCycleLR, CyclicLR on SGD, RMSprop).
    pub const FLAG_CYCLE_MOMENTUM: u32 = 1 << 5;
    /// The schedule table's second column is beta1 (on Adam and the other betas optimizers).
    pub const FLAG_CYCLE_BETA1: u32 = 1 << 6;
    pub const NO_TABLE: u32 = u32::MAX;
}
