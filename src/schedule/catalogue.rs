//! The schedulers of `torch.optim.lr_scheduler` that descent replays: their names (torch's
//! class names and short snake_case ones), keyword arguments, ranges and defaults.

use crate::numbers::Rule;

/// Which torch scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Step,
    MultiStep,
    Exponential,
    CosineAnnealing,
    CosineAnnealingWarmRestarts,
    Linear,
    Constant,
    Polynomial,
    OneCycle,
    Cyclic,
    Sequential,
}

/// The type and range of one keyword argument.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ty {
    /// A whole number >= min.
    Int(i64),
    /// A finite number the rule accepts.
    Float(Rule),
    Bool,
    Choice(&'static [&'static str]),
    /// A list of whole numbers >= 0 (milestones).
    IntList,
    /// SequentialLR's list of schedulers.
    Schedulers,
}

/// A key's default: torch's, or none (required, or optional with a derived value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Def {
    Num(f64),
    Bool(bool),
    Choice(&'static str),
    List(&'static [u32]),
    Required,
    Optional,
}

#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    pub name: &'static str,
    pub ty: Ty,
    pub default: Def,
}

pub(crate) const fn key(name: &'static str, ty: Ty, default: Def) -> KeySpec {
    KeySpec { name, ty, default }
}

/// A scheduler's names and keyword arguments (torch's signature, without optimizer and
/// last_epoch).
pub struct KindInfo {
    pub kind: Kind,
    pub torch: &'static str,
    pub short: &'static str,
    pub keys: &'static [KeySpec],
}

use Def as D;

pub const KINDS: &[KindInfo] = &[
    KindInfo {
        kind: Kind::Step,
        torch: "StepLR",
        short: "step",
        keys: &[
            key("step_size", Ty::Int(1), D::Required),
            key("gamma", Ty::Float(Rule::Any), D::Num(0.1)),
        ],
    },
    KindInfo {
        kind: Kind::MultiStep,
        torch: "MultiStepLR",
        short: "multi_step",
        keys: &[
            key("milestones", Ty::IntList, D::Required),
            key("gamma", Ty::Float(Rule::Any), D::Num(0.1)),
        ],
    },
    KindInfo {
        kind: Kind::Exponential,
        torch: "ExponentialLR",
        short: "exponential",
        keys: &[key("gamma", Ty::Float(Rule::Any), D::Required)],
    },
    KindInfo {
        kind: Kind::CosineAnnealing,
        torch: "CosineAnnealingLR",
        short: "cosine_annealing",
        keys: &[
            key("T_max", Ty::Int(1), D::Required),
            key("eta_min", Ty::Float(Rule::Any), D::Num(0.0)),
        ],
    },
    KindInfo {
        kind: Kind::CosineAnnealingWarmRestarts,
        torch: "CosineAnnealingWarmRestarts",
        short: "cosine_annealing_warm_restarts",
        keys: &[
            key("T_0", Ty::Int(1), D::Required),
            key("T_mult", Ty::Int(1), D::Num(1.0)),
            key("eta_min", Ty::Float(Rule::Any), D::Num(0.0)),
        ],
    },
    KindInfo {
        kind: Kind::Linear,
        torch: "LinearLR",
        short: "linear",
        keys: &[
            key("start_factor", Ty::Float(Rule::UnitPositive), D::Num(1.0 / 3.0)),
            key("end_factor", Ty::Float(Rule::Unit), D::Num(1.0)),
            key("total_iters", Ty::Int(0), D::Num(5.0)),
        ],
    },
    KindInfo {
        kind: Kind::Constant,
        torch: "ConstantLR",
        short: "constant",
        keys: &[
            // torch accepts 0 and then divides by it at total_iters.
            key("factor", Ty::Float(Rule::UnitPositive), D::Num(1.0 / 3.0)),
            key("total_iters", Ty::Int(0), D::Num(5.0)),
        ],
    },
    KindInfo {
        kind: Kind::Polynomial,
        torch: "PolynomialLR",
        short: "polynomial",
        keys: &[
            key("total_iters", Ty::Int(1), D::Num(5.0)),
            key("power", Ty::Float(Rule::Any), D::Num(1.0)),
        ],
    },
    KindInfo {
        kind: Kind::OneCycle,
        torch: "OneCycleLR",
        short: "one_cycle",
        keys: &[
            key("max_lr", Ty::Float(Rule::NonNegative), D::Required),
            key("total_steps", Ty::Int(1), D::Optional),
            key("epochs", Ty::Int(1), D::Optional),
            key("steps_per_epoch", Ty::Int(1), D::Optional),
            key("pct_start", Ty::Float(Rule::Unit), D::Num(0.3)),
            key(
                "anneal_strategy",
                Ty::Choice(&["cos", "linear"]),
                D::Choice("cos"),
            ),
            key("cycle_momentum", Ty::Bool, D::Bool(true)),
            key("base_momentum", Ty::Float(Rule::Any), D::Num(0.85)),
            key("max_momentum", Ty::Float(Rule::Any), D::Num(0.95)),
            key("div_factor", Ty::Float(Rule::Positive), D::Num(25.0)),
            key("final_div_factor", Ty::Float(Rule::Positive), D::Num(1e4)),
            key("three_phase", Ty::Bool, D::Bool(false)),
        ],
    },
    KindInfo {
        kind: Kind::Cyclic,
        torch: "CyclicLR",
        short: "cyclic",
        keys: &[
            key("base_lr", Ty::Float(Rule::NonNegative), D::Optional),
            key("max_lr", Ty::Float(Rule::NonNegative), D::Required),
            key("step_size_up", Ty::Int(1), D::Num(2000.0)),
            key("step_size_down", Ty::Int(1), D::Optional),
            key(
                "mode",
                Ty::Choice(&["triangular", "triangular2", "exp_range"]),
                D::Choice("triangular"),
            ),
            key("gamma", Ty::Float(Rule::Any), D::Num(1.0)),
            key("cycle_momentum", Ty::Bool, D::Bool(true)),
            key("base_momentum", Ty::Float(Rule::Any), D::Num(0.8)),
            key("max_momentum", Ty::Float(Rule::Any), D::Num(0.9)),
        ],
    },
    KindInfo {
        kind: Kind::Sequential,
        torch: "SequentialLR",
        short: "sequential",
        keys: &[
            key("schedulers", Ty::Schedulers, D::Required),
            key("milestones", Ty::IntList, D::Required),
        ],
    },
];

/// Other accepted names.
pub(crate) const ALIASES: &[(&str, Kind)] = &[
    ("cosine", Kind::CosineAnnealing),
    ("cosine_warm_restarts", Kind::CosineAnnealingWarmRestarts),
    ("onecycle", Kind::OneCycle),
    ("multistep", Kind::MultiStep),
];

impl Kind {
    pub fn info(self) -> &'static KindInfo {
        KINDS
            .iter()
            .find(|k| k.kind == self)
            .expect("every kind is listed")
    }

    /// A torch class name, short name or alias, any case.
    pub fn from_name(name: &str) -> Option<Kind> {
        let n = name.trim();
        KINDS
            .iter()
            .find(|k| k.torch.eq_ignore_ascii_case(n) || k.short.eq_ignore_ascii_case(n))
            .map(|k| k.kind)
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|(a, _)| a.eq_ignore_ascii_case(n))
                    .map(|(_, k)| *k)
            })
    }

    /// Whether it cycles momentum (by default).
    pub fn cycles_momentum(self) -> bool {
        matches!(self, Kind::OneCycle | Kind::Cyclic)
    }
}
