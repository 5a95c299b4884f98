//! Learning-rate schedules exactly as `torch.optim.lr_scheduler` steps them, one scheduler
//! step after every optimizer step.
//!
//! A [`Schedule`] is what a user wrote (a torch class and its keyword arguments, checked and
//! completed with torch's defaults). [`sequence`] turns it into the learning rate (and, for
//! OneCycleLR and CyclicLR, the momentum or beta1) of every optimizer step, in f64, by
//! replaying torch's own mechanics: a parameter group whose `lr`, `initial_lr`, `max_lr`,
//! `min_lr`, `momentum` / `betas[0]`, `max_momentum` and `base_momentum` the schedulers read and
//! write, and schedulers with torch's `last_epoch`, `_step_count`, `_is_initial`, `get_lr`
//! (the chained, recursive form), `_get_closed_form_lr` (used only where torch uses it: by
//! SequentialLR at a milestone), `_initial_step` and SequentialLR's reset and undo. So the
//! quirks come along: the constructor's initial step, CosineAnnealingLR's recursive formula
//! and its restart branch, OneCycleLR writing `initial_lr` into the group, SequentialLR
//! resetting the lr to `initial_lr` and calling `_update_lr(0)` at a milestone. The sequence is
//! the same for every particle of a group: the GPU reads it from a table (in f32), the f64
//! reference from this.
//!
//! The lr of optimizer step t (1-based) is the group's lr after the constructors and t - 1
//! scheduler steps; like torch's loop (`optimizer.step(); scheduler.step()`), a run of n steps
//! also takes the n-th scheduler step, so OneCycleLR refuses a run longer than `total_steps`.
//!
//! # Syntax
//!
//! Scene (inside `[[optimizer]]`): `schedule = { name = "CosineAnnealingLR", T_max = 200 }`;
//! SequentialLR as `{ name = "SequentialLR", schedulers = [ {...}, {...} ], milestones = [10] }`.
//! Command line (`--schedule`): `cosine_annealing:T_max=200,eta_min=1e-4`; a scheduler inside a
//! list is written `name(key=value,...)`:
//! `sequential:schedulers=[linear(start_factor=0.01,total_iters=20),cosine_annealing(T_max=180)],milestones=[20]`.
//! Names are torch's class names or the short snake_case names of [`KINDS`], either case;
//! keys are torch's keyword names (case-insensitive).
//!
//! # Deviations from torch, all for convenience where torch has no default
//!
//! - OneCycleLR's `total_steps` defaults to the run's steps (torch requires it, or `epochs`
//!   and `steps_per_epoch`, which are accepted too).
//! - CyclicLR's `base_lr` defaults to the optimizer's lr (torch requires it).
//! - Momentum cycling needs momentum or betas, as torch's check: `adagrad` has neither, and
//!   `gd` (SGD without momentum, by definition) is refused too; `sgd` with momentum 0 gets its
//!   momentum cycled (and so switched on), as torch.optim.SGD does.
//! - Not supported: LambdaLR and MultiplicativeLR (they take Python functions), ReduceLROnPlateau
//!   (it reads a metric), ChainedScheduler, a SequentialLR inside a SequentialLR, and CyclicLR's
//!   `scale_fn`.

use std::fmt;
use std::ops::Range;

use crate::optim::{OptimizerKind, OptimizerSpec};

/// A value as written, with where it is (byte range in the scene text or the spec string).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Range<usize>,
    pub value: NodeValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    /// `int`: written without a fraction or exponent.
    Num {
        x: f64,
        int: bool,
    },
    Bool(bool),
    Str(String),
    List(Vec<Node>),
    /// Keys with their spans, in the written order.
    Table(Vec<(String, Range<usize>, Node)>),
}

impl NodeValue {
    fn type_str(&self) -> &'static str {
        match self {
            NodeValue::Num { int: true, .. } => "an integer",
            NodeValue::Num { .. } => "a number",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Str(_) => "a string",
            NodeValue::List(_) => "a list",
            NodeValue::Table(_) => "a table",
        }
    }
}

/// A schedule that could not be read: what is wrong and where (a byte range of the text).
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleError {
    pub span: Range<usize>,
    pub message: String,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScheduleError {}

fn fail<T>(span: &Range<usize>, message: impl Into<String>) -> Result<T, ScheduleError> {
    Err(ScheduleError {
        span: span.clone(),
        message: message.into(),
    })
}

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

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    Any,
    NonNegative,
    Positive,
    /// [0, 1]
    Unit,
    /// (0, 1]
    UnitPositive,
}

impl Rule {
    fn holds(self, x: f64) -> bool {
        match self {
            Rule::Any => true,
            Rule::NonNegative => x >= 0.0,
            Rule::Positive => x > 0.0,
            Rule::Unit => (0.0..=1.0).contains(&x),
            Rule::UnitPositive => x > 0.0 && x <= 1.0,
        }
    }

    fn text(self) -> &'static str {
        match self {
            Rule::Any => "a finite number",
            Rule::NonNegative => ">= 0",
            Rule::Positive => "> 0",
            Rule::Unit => "in [0, 1]",
            Rule::UnitPositive => "in (0, 1]",
        }
    }
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

const fn key(name: &'static str, ty: Ty, default: Def) -> KeySpec {
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
const ALIASES: &[(&str, Kind)] = &[
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

/// A value of a checked schedule.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Num(f64),
    Bool(bool),
    Choice(&'static str),
    List(Vec<u32>),
    Schedulers(Vec<Schedule>),
}

/// A checked schedule: its kind and every keyword argument (torch's defaults filled in;
/// optional keys without a default are absent).
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub kind: Kind,
    pub values: Vec<(&'static str, Value)>,
}

impl Schedule {
    /// A schedule of `kind` with torch's defaults; the keys torch requires are absent until
    /// set ([`Self::put`]).
    pub fn with_defaults(kind: Kind) -> Self {
        let mut values = Vec::new();
        for k in kind.info().keys {
            match k.default {
                D::Num(x) => values.push((k.name, Value::Num(x))),
                D::Bool(b) => values.push((k.name, Value::Bool(b))),
                D::Choice(c) => values.push((k.name, Value::Choice(c))),
                D::List(l) => values.push((k.name, Value::List(l.to_vec()))),
                D::Required | D::Optional => {}
            }
        }
        Self { kind, values }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// A numeric key's value (present for every required and defaulted key).
    pub fn num(&self, key: &str) -> Option<f64> {
        match self.get(key) {
            Some(Value::Num(x)) => Some(*x),
            _ => None,
        }
    }

    fn n(&self, key: &str) -> f64 {
        self.num(key).unwrap_or(f64::NAN)
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some(Value::Bool(true)))
    }

    fn choice(&self, key: &str) -> &'static str {
        match self.get(key) {
            Some(Value::Choice(c)) => c,
            _ => "",
        }
    }

    fn list(&self, key: &str) -> &[u32] {
        match self.get(key) {
            Some(Value::List(l)) => l,
            _ => &[],
        }
    }

    pub fn children(&self) -> &[Schedule] {
        match self.get("schedulers") {
            Some(Value::Schedulers(s)) => s,
            _ => &[],
        }
    }

    /// Sets a numeric key (the panel's edits); refuses what the parser would.
    pub fn set_num(&mut self, key: &str, x: f64) -> Result<(), String> {
        let Some(spec) = self.kind.info().keys.iter().find(|k| k.name == key) else {
            return Err(format!("{} has no key {key}", self.kind.info().torch));
        };
        match spec.ty {
            Ty::Int(min) if x.fract() == 0.0 && x >= min as f64 && x <= f64::from(u32::MAX) => {}
            Ty::Float(rule) if x.is_finite() && rule.holds(x) => {}
            Ty::Int(min) => return Err(format!("{key} must be a whole number >= {min}, got {x}")),
            Ty::Float(rule) => return Err(format!("{key} must be {}, got {x}", rule.text())),
            _ => return Err(format!("{key} is not a number")),
        }
        self.put(spec.name, Value::Num(x));
        Ok(())
    }

    /// Sets a key's value unchecked, keeping the keys in torch's signature order (so equal
    /// schedules compare equal).
    pub fn put(&mut self, key: &'static str, value: Value) {
        match self.values.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => {
                self.values.push((key, value));
                let order = self.kind.info().keys;
                self.values
                    .sort_by_key(|(k, _)| order.iter().position(|o| o.name == *k));
            }
        }
    }

    /// Reads a schedule from a table node (a scene's inline table, or a parsed spec string).
    pub fn from_node(node: &Node) -> Result<Self, ScheduleError> {
        Self::read(node, false)
    }

    fn read(node: &Node, nested: bool) -> Result<Self, ScheduleError> {
        let NodeValue::Table(entries) = &node.value else {
            return fail(
                &node.span,
                format!(
                    "a schedule must be a table {{ name = \"...\", ... }}, got {}",
                    node.value.type_str()
                ),
            );
        };
        let Some((_, _, name_node)) = entries.iter().find(|(k, _, _)| k == "name") else {
            return fail(
                &node.span,
                format!("a schedule needs name = \"...\" ({})", known_names()),
            );
        };
        let NodeValue::Str(name) = &name_node.value else {
            return fail(&name_node.span, "the schedule name must be a string");
        };
        let Some(kind) = Kind::from_name(name) else {
            return fail(
                &name_node.span,
                format!("unknown scheduler '{name}' ({})", known_names()),
            );
        };
        if nested && kind == Kind::Sequential {
            return fail(
                &name_node.span,
                "a SequentialLR inside a SequentialLR is not supported",
            );
        }
        let info = kind.info();
        let mut out = Schedule::with_defaults(kind);
        let mut seen: Vec<&'static str> = Vec::new();
        for (k, kspan, v) in entries {
            if k == "name" {
                continue;
            }
            let Some(spec) = info.keys.iter().find(|s| s.name.eq_ignore_ascii_case(k)) else {
                let known: Vec<&str> = info.keys.iter().map(|s| s.name).collect();
                return fail(
                    kspan,
                    format!(
                        "unknown key '{k}' for {} (it takes {})",
                        info.torch,
                        known.join(", ")
                    ),
                );
            };
            if seen.contains(&spec.name) {
                return fail(kspan, format!("{} is given twice", spec.name));
            }
            seen.push(spec.name);
            let value = read_value(info.torch, spec, v)?;
            out.values.retain(|(name, _)| *name != spec.name);
            out.values.push((spec.name, value));
        }
        for spec in info.keys {
            if spec.default == D::Required && out.get(spec.name).is_none() {
                return fail(
                    &node.span,
                    format!("{} needs {} (no default in torch)", info.torch, spec.name),
                );
            }
        }
        out.values
            .sort_by_key(|(k, _)| info.keys.iter().position(|s| s.name == *k));
        // Checks across keys, as torch's constructors.
        let milestones_span = || {
            entries
                .iter()
                .find(|(k, _, _)| k.eq_ignore_ascii_case("milestones"))
                .map_or(node.span.clone(), |(_, _, v)| v.span.clone())
        };
        match kind {
            Kind::Sequential => {
                let (n, m) = (out.children().len(), out.list("milestones").len());
                if n == 0 {
                    return fail(&node.span, "SequentialLR expects at least one scheduler");
                }
                if m + 1 != n {
                    return fail(
                        &milestones_span(),
                        format!(
                            "SequentialLR needs one milestone fewer than schedulers: {n} scheduler{} and {m} milestone{}",
                            if n == 1 { "" } else { "s" },
                            if m == 1 { "" } else { "s" }
                        ),
                    );
                }
                if out.list("milestones").windows(2).any(|w| w[0] >= w[1]) {
                    return fail(&milestones_span(), "SequentialLR's milestones must increase");
                }
            }
            Kind::OneCycle => {
                let has = |k: &str| out.num(k).is_some();
                if !has("total_steps") && has("epochs") != has("steps_per_epoch") {
                    return fail(
                        &node.span,
                        "OneCycleLR needs total_steps, or both epochs and steps_per_epoch",
                    );
                }
            }
            _ => {}
        }
        Ok(out)
    }

    /// Checks that `spec`'s optimizer can follow this schedule (momentum cycling needs momentum
    /// or beta1).
    pub fn check_for(&self, spec: &OptimizerSpec) -> Result<(), String> {
        if self.kind.cycles_momentum() && self.flag("cycle_momentum") && cycled_slot(spec).is_none() {
            return Err(format!(
                "{} cycles momentum (cycle_momentum = true), and {} has neither momentum nor beta1: \
                 set cycle_momentum = false (torch: \"optimizer must support momentum or beta1 with \
                 `cycle_momentum` option enabled\")",
                self.kind.info().torch,
                spec.name
            ));
        }
        self.children().iter().try_for_each(|c| c.check_for(spec))
    }

    /// Canonical spec text: `short:key=value,...` (what `--schedule` reads back).
    pub fn to_spec(&self) -> String {
        format!("{}:{}", self.kind.info().short, self.items())
    }

    fn items(&self) -> String {
        self.values
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::Num(x) => fmt_num(*x),
                    Value::Bool(b) => b.to_string(),
                    Value::Choice(c) => c.to_string(),
                    Value::List(l) => {
                        format!("[{}]", l.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
                    }
                    Value::Schedulers(s) => format!(
                        "[{}]",
                        s.iter()
                            .map(|c| format!("{}({})", c.kind.info().short, c.items()))
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                };
                format!("{k}={v}")
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Short legend text: "cosine_annealing T_max=200", "sequential(linear, cosine_annealing)".
    pub fn describe(&self) -> String {
        let info = self.kind.info();
        if self.kind == Kind::Sequential {
            let names: Vec<&str> = self.children().iter().map(|c| c.kind.info().short).collect();
            return format!("{}({})", info.short, names.join(" > "));
        }
        let mut out = info.short.to_string();
        for k in info.keys {
            if let (Some(Value::Num(x)), D::Required) = (self.get(k.name), k.default) {
                out.push_str(&format!(" {}={}", k.name, fmt_num(*x)));
            }
        }
        out
    }
}

fn fmt_num(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || (1e-3..1e6).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn known_names() -> String {
    let names: Vec<&str> = KINDS.iter().map(|k| k.torch).collect();
    format!("the schedulers are {}", names.join(", "))
}

fn read_value(owner: &str, spec: &KeySpec, v: &Node) -> Result<Value, ScheduleError> {
    let name = spec.name;
    let wrong = |want: &str| {
        fail(
            &v.span,
            format!("{owner}'s {name} must be {want}, got {}", v.value.type_str()),
        )
    };
    let int = |n: &Node, min: i64| -> Result<u32, ScheduleError> {
        match n.value {
            NodeValue::Num { x, .. } if x.fract() == 0.0 && x >= min as f64 && x <= f64::from(u32::MAX) => {
                Ok(x as u32)
            }
            NodeValue::Num { x, .. } => fail(
                &n.span,
                format!("{owner}'s {name} must be a whole number >= {min}, got {x}"),
            ),
            _ => fail(
                &n.span,
                format!(
                    "{owner}'s {name} must be a whole number, got {}",
                    n.value.type_str()
                ),
            ),
        }
    };
    match spec.ty {
        Ty::Int(min) => int(v, min).map(|n| Value::Num(f64::from(n))),
        Ty::Float(rule) => match v.value {
            NodeValue::Num { x, .. } if x.is_finite() && x.abs() <= f64::from(f32::MAX) && rule.holds(x) => {
                Ok(Value::Num(x))
            }
            NodeValue::Num { x, .. } => fail(
                &v.span,
                format!("{owner}'s {name} must be {}, got {x}", rule.text()),
            ),
            _ => wrong("a number"),
        },
        Ty::Bool => match v.value {
            NodeValue::Bool(b) => Ok(Value::Bool(b)),
            _ => wrong("true or false"),
        },
        Ty::Choice(options) => match &v.value {
            NodeValue::Str(s) => options
                .iter()
                .find(|o| o.eq_ignore_ascii_case(s))
                .map(|o| Value::Choice(o))
                .ok_or_else(|| ScheduleError {
                    span: v.span.clone(),
                    message: format!(
                        "{owner}'s {name} must be one of {}, got '{s}'",
                        options.join(", ")
                    ),
                }),
            _ => wrong(&format!("one of {}", options.join(", "))),
        },
        Ty::IntList => match &v.value {
            NodeValue::List(items) => items
                .iter()
                .map(|n| int(n, 0))
                .collect::<Result<_, _>>()
                .map(Value::List),
            // One milestone may be written without brackets.
            NodeValue::Num { .. } => Ok(Value::List(vec![int(v, 0)?])),
            _ => wrong("a list of whole numbers, e.g. [30, 80]"),
        },
        Ty::Schedulers => match &v.value {
            NodeValue::List(items) => items
                .iter()
                .map(|n| Schedule::read(n, true))
                .collect::<Result<_, _>>()
                .map(Value::Schedulers),
            _ => wrong("a list of schedules"),
        },
    }
}

// ---- the command-line syntax ----

/// Parses `--schedule` text (see the module documentation) into a table node whose spans are
/// byte ranges of `text`.
pub fn parse_spec(text: &str) -> Result<Node, ScheduleError> {
    let mut p = SpecParser { s: text, pos: 0 };
    p.skip_ws();
    let start = p.pos;
    let name = p.word().to_string();
    if name.is_empty() {
        return fail(
            &(start..start + 1),
            format!("expected a scheduler name ({})", known_names()),
        );
    }
    let name_span = start..p.pos;
    p.skip_ws();
    let mut entries = vec![(
        "name".to_string(),
        name_span.clone(),
        Node {
            span: name_span,
            value: NodeValue::Str(name.to_string()),
        },
    )];
    match p.peek() {
        None => {}
        Some(':') => {
            p.pos += 1;
            entries.extend(p.items(None)?);
        }
        Some('(') => {
            p.pos += 1;
            entries.extend(p.items(Some(')'))?);
            p.pos += 1;
        }
        Some(c) => {
            return fail(
                &(p.pos..p.pos + c.len_utf8()),
                format!("expected ':' after the scheduler name, found '{c}'"),
            );
        }
    }
    p.skip_ws();
    if let Some(c) = p.peek() {
        return fail(&(p.pos..p.pos + c.len_utf8()), format!("unexpected '{c}'"));
    }
    Ok(Node {
        span: 0..text.len(),
        value: NodeValue::Table(entries),
    })
}

struct SpecParser<'a> {
    s: &'a str,
    pos: usize,
}

impl SpecParser<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Letters, digits, `_`, `.`, `+`, `-`: a name, key, number or word.
    fn word(&mut self) -> &str {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c))
        {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn here(&self) -> Range<usize> {
        let len = self.peek().map_or(1, char::len_utf8);
        self.pos..self.pos + len
    }

    /// `key=value` items separated by commas, up to `close` (left unconsumed) or the end.
    fn items(&mut self, close: Option<char>) -> Result<Vec<(String, Range<usize>, Node)>, ScheduleError> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == close {
                if close.is_none() && !out.is_empty() {
                    return fail(&self.here(), "expected key=value after ','");
                }
                return Ok(out);
            }
            let start = self.pos;
            let key = self.word().to_string();
            let kspan = start..self.pos;
            self.skip_ws();
            if key.is_empty() || self.peek() != Some('=') {
                let what = self.peek().map_or("the end".to_string(), |c| format!("'{c}'"));
                return fail(
                    &if key.is_empty() { self.here() } else { kspan },
                    format!("expected key=value, found {what}"),
                );
            }
            self.pos += 1;
            let value = self.value()?;
            out.push((key, kspan, value));
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                c if c == close => return Ok(out),
                Some(c) => return fail(&self.here(), format!("expected ',' between items, found '{c}'")),
                None => {
                    return fail(
                        &(self.pos..self.pos + 1),
                        format!("missing '{}'", close.unwrap_or(')')),
                    );
                }
            }
        }
    }

    fn value(&mut self) -> Result<Node, ScheduleError> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some('[') {
            self.pos += 1;
            let mut items = Vec::new();
            loop {
                self.skip_ws();
                if self.peek() == Some(']') {
                    self.pos += 1;
                    break;
                }
                items.push(self.value()?);
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(']') => {}
                    Some(c) => return fail(&self.here(), format!("expected ',' or ']', found '{c}'")),
                    None => return fail(&(start..start + 1), "this '[' is never closed"),
                }
            }
            return Ok(Node {
                span: start..self.pos,
                value: NodeValue::List(items),
            });
        }
        let word = self.word().to_string();
        let wspan = start..self.pos;
        if word.is_empty() {
            let what = self.peek().map_or("the end".to_string(), |c| format!("'{c}'"));
            return fail(&self.here(), format!("expected a value, found {what}"));
        }
        if self.peek() == Some('(') {
            // A scheduler inside a list: name(key=value,...).
            self.pos += 1;
            let mut entries = vec![(
                "name".to_string(),
                wspan.clone(),
                Node {
                    span: wspan,
                    value: NodeValue::Str(word),
                },
            )];
            entries.extend(self.items(Some(')'))?);
            self.pos += 1;
            return Ok(Node {
                span: start..self.pos,
                value: NodeValue::Table(entries),
            });
        }
        let value = match word.to_ascii_lowercase().as_str() {
            "true" => NodeValue::Bool(true),
            "false" => NodeValue::Bool(false),
            _ => match word.parse::<f64>() {
                Ok(x) => NodeValue::Num {
                    x,
                    int: word.parse::<i64>().is_ok(),
                },
                Err(_) => NodeValue::Str(word),
            },
        };
        Ok(Node { span: wspan, value })
    }
}

/// A TOML value (with spans into the scene text) as a node.
pub fn node_from_toml(v: &toml::Spanned<toml::de::DeValue<'_>>) -> Node {
    use toml::de::DeValue;
    let span = v.span();
    let value = match v.get_ref() {
        DeValue::String(s) => NodeValue::Str(s.to_string()),
        DeValue::Integer(i) => {
            let text = i.as_str().replace('_', "");
            let digits = text.trim_start_matches(['+']);
            let digits = digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0o"))
                .or_else(|| digits.strip_prefix("0b"))
                .unwrap_or(digits);
            let x = i64::from_str_radix(digits, i.radix()).map_or(f64::NAN, |n| n as f64);
            NodeValue::Num { x, int: true }
        }
        DeValue::Float(f) => {
            let text = f.as_str().replace('_', "");
            NodeValue::Num {
                x: text.parse().unwrap_or(f64::NAN),
                int: false,
            }
        }
        DeValue::Boolean(b) => NodeValue::Bool(*b),
        DeValue::Datetime(d) => NodeValue::Str(d.to_string()),
        DeValue::Array(a) => NodeValue::List(a.iter().map(node_from_toml).collect()),
        DeValue::Table(t) => NodeValue::Table(
            t.iter()
                .map(|(k, v)| (k.get_ref().to_string(), k.span(), node_from_toml(v)))
                .collect(),
        ),
    };
    Node { span, value }
}

// ---- torch's mechanics ----

/// Which optimizer value the momentum column of a [`Sequence`] sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cycled {
    /// SGD's and RMSprop's `momentum`.
    Momentum,
    /// `betas[0]` of Adam, AdamW, NAdam, RAdam and Lion.
    Beta1,
}

/// The value torch's schedulers cycle for this optimizer: `momentum` when it is in the
/// optimizer's defaults, else `betas[0]` (torch checks "betas" in defaults); none for Adagrad
/// and for `gd`.
pub fn cycled_slot(spec: &OptimizerSpec) -> Option<Cycled> {
    match spec.kind {
        OptimizerKind::Adagrad => None,
        OptimizerKind::Sgd if spec.name == "gd" => None,
        OptimizerKind::Sgd | OptimizerKind::Rmsprop => Some(Cycled::Momentum),
        _ => Some(Cycled::Beta1),
    }
}

/// The learning rate of every optimizer step (index t - 1 for step t), and the momentum or
/// beta1 when a scheduler cycles it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    pub lr: Vec<f64>,
    pub momentum: Option<(Cycled, Vec<f64>)>,
}

/// torch's `param_group`: the values schedulers read and write.
#[derive(Clone, Debug)]
struct Group {
    lr: f64,
    initial_lr: Option<f64>,
    max_lr: f64,
    min_lr: f64,
    momentum: f64,
    max_momentum: f64,
    base_momentum: f64,
    cycled: bool,
}

/// One torch scheduler object.
struct Runner<'a> {
    s: &'a Schedule,
    last_epoch: i64,
    step_count: u32,
    is_initial: bool,
    base_lr: f64,
    // CyclicLR
    max_lr: f64,
    total_size: f64,
    step_ratio: f64,
    base_momentum: f64,
    max_momentum: f64,
    // CosineAnnealingWarmRestarts
    t_i: i64,
    t_cur: i64,
    // OneCycleLR: (end_step, start, end) with start/end naming group values
    total_steps: i64,
    phases: Vec<(f64, Level, Level, Level, Level)>,
    // SequentialLR
    children: Vec<Runner<'a>>,
}

#[derive(Clone, Copy)]
enum Level {
    InitialLr,
    MaxLr,
    MinLr,
    MaxMomentum,
    BaseMomentum,
}

impl Level {
    fn of(self, g: &Group) -> f64 {
        match self {
            Level::InitialLr => g.initial_lr.unwrap_or(g.lr),
            Level::MaxLr => g.max_lr,
            Level::MinLr => g.min_lr,
            Level::MaxMomentum => g.max_momentum,
            Level::BaseMomentum => g.base_momentum,
        }
    }
}

struct Ctx<'a> {
    spec: &'a OptimizerSpec,
    steps: u32,
}

impl<'a> Runner<'a> {
    fn blank(s: &'a Schedule) -> Self {
        Self {
            s,
            last_epoch: -1,
            step_count: 0,
            is_initial: false,
            base_lr: 0.0,
            max_lr: 0.0,
            total_size: 1.0,
            step_ratio: 0.5,
            base_momentum: 0.0,
            max_momentum: 0.0,
            t_i: 1,
            t_cur: -1,
            total_steps: 0,
            phases: Vec::new(),
            children: Vec::new(),
        }
    }

    /// The constructor: its own setup, then `LRScheduler.__init__` (or SequentialLR's).
    fn construct(s: &'a Schedule, g: &mut Group, ctx: &Ctx<'_>) -> Result<Self, String> {
        let mut r = Runner::blank(s);
        match s.kind {
            Kind::Sequential => {
                for c in s.children() {
                    let child = Runner::construct(c, g, ctx)?;
                    r.children.push(child);
                }
                r.last_epoch = 0;
                // Reset learning rates back to initial values, undo the children's steps, and
                // perform the initial step of the first one only.
                g.lr = g.initial_lr.unwrap_or(g.lr);
                for c in &mut r.children {
                    c.last_epoch -= 1;
                }
                r.children[0].initial_step(g)?;
                return Ok(r);
            }
            Kind::Cyclic => {
                let base_lr = s.num("base_lr").unwrap_or(ctx.spec.params.lr);
                g.lr = base_lr;
                r.max_lr = s.n("max_lr");
                let up = s.n("step_size_up");
                let down = s.num("step_size_down").unwrap_or(up);
                r.total_size = up + down;
                r.step_ratio = up / r.total_size;
                if s.flag("cycle_momentum") {
                    r.base_momentum = s.n("base_momentum");
                    r.max_momentum = s.n("max_momentum");
                    g.momentum = r.max_momentum;
                    g.max_momentum = r.max_momentum;
                    g.base_momentum = r.base_momentum;
                    g.cycled = true;
                }
                r.init(g)?;
                r.base_lr = base_lr;
                return Ok(r);
            }
            Kind::OneCycle => {
                r.total_steps = match (s.num("total_steps"), s.num("epochs"), s.num("steps_per_epoch")) {
                    (Some(t), _, _) => t as i64,
                    (None, Some(e), Some(p)) => (e * p) as i64,
                    _ => i64::from(ctx.steps),
                };
                let total = r.total_steps as f64;
                let pct = s.n("pct_start");
                use Level::*;
                r.phases = if s.flag("three_phase") {
                    vec![
                        (pct * total - 1.0, InitialLr, MaxLr, MaxMomentum, BaseMomentum),
                        (
                            2.0 * pct * total - 2.0,
                            MaxLr,
                            InitialLr,
                            BaseMomentum,
                            MaxMomentum,
                        ),
                        (total - 1.0, InitialLr, MinLr, MaxMomentum, MaxMomentum),
                    ]
                } else {
                    vec![
                        (pct * total - 1.0, InitialLr, MaxLr, MaxMomentum, BaseMomentum),
                        (total - 1.0, MaxLr, MinLr, BaseMomentum, MaxMomentum),
                    ]
                };
                let max_lr = s.n("max_lr");
                let initial = max_lr / s.n("div_factor");
                g.initial_lr = Some(initial);
                g.max_lr = max_lr;
                g.min_lr = initial / s.n("final_div_factor");
                if s.flag("cycle_momentum") {
                    g.momentum = s.n("max_momentum");
                    g.max_momentum = s.n("max_momentum");
                    g.base_momentum = s.n("base_momentum");
                    g.cycled = true;
                }
            }
            Kind::CosineAnnealingWarmRestarts => {
                r.t_i = s.n("T_0") as i64;
                r.t_cur = -1;
            }
            _ => {}
        }
        r.init(g)?;
        Ok(r)
    }

    /// `LRScheduler.__init__` with last_epoch = -1.
    fn init(&mut self, g: &mut Group) -> Result<(), String> {
        let initial = *g.initial_lr.get_or_insert(g.lr);
        self.base_lr = initial;
        self.last_epoch = -1;
        self.initial_step(g)
    }

    fn initial_step(&mut self, g: &mut Group) -> Result<(), String> {
        self.step_count = 0;
        self.is_initial = true;
        let r = self.step(g);
        self.is_initial = false;
        r
    }

    fn step(&mut self, g: &mut Group) -> Result<(), String> {
        match self.s.kind {
            Kind::Sequential => {
                self.last_epoch += 1;
                let milestones = self.s.list("milestones");
                let idx = milestones.partition_point(|&m| i64::from(m) <= self.last_epoch);
                let at_milestone = idx > 0 && i64::from(milestones[idx - 1]) == self.last_epoch;
                let child = &mut self.children[idx];
                if at_milestone {
                    child.update_lr(g, Some(0))
                } else {
                    child.step(g)
                }
            }
            Kind::CosineAnnealingWarmRestarts => {
                // CosineAnnealingWarmRestarts.step(epoch=None); it does not count _step_count.
                let t_0 = self.s.n("T_0") as i64;
                let t_mult = self.s.n("T_mult") as i64;
                let epoch = if self.last_epoch < 0 {
                    self.t_i = t_0;
                    self.t_cur = 0;
                    0
                } else {
                    self.t_cur += 1;
                    if self.t_cur >= self.t_i {
                        self.t_cur %= self.t_i;
                        self.t_i *= t_mult;
                    }
                    self.last_epoch + 1
                };
                self.last_epoch = epoch;
                g.lr = self.get_lr(g)?;
                Ok(())
            }
            _ => {
                self.step_count += 1;
                self.update_lr(g, None)
            }
        }
    }

    /// `LRScheduler._update_lr`: the chained form, or the closed form when given an epoch.
    fn update_lr(&mut self, g: &mut Group, epoch: Option<i64>) -> Result<(), String> {
        let lr = match epoch {
            None => {
                self.last_epoch += 1;
                self.get_lr(g)?
            }
            Some(e) => {
                self.last_epoch = e;
                match self.closed_form() {
                    Some(lr) => lr,
                    None => self.get_lr(g)?,
                }
            }
        };
        g.lr = lr;
        Ok(())
    }

    /// `get_lr`: torch's chainable form (it reads the group's current lr).
    fn get_lr(&self, g: &mut Group) -> Result<f64, String> {
        let s = self.s;
        let e = self.last_epoch;
        let ef = e as f64;
        let lr = g.lr;
        Ok(match s.kind {
            Kind::Step => {
                let size = s.n("step_size") as i64;
                if e == 0 || e.rem_euclid(size) != 0 {
                    lr
                } else {
                    lr * s.n("gamma")
                }
            }
            Kind::MultiStep => {
                let count = s
                    .list("milestones")
                    .iter()
                    .filter(|&&m| i64::from(m) == e)
                    .count();
                if count == 0 {
                    lr
                } else {
                    lr * s.n("gamma").powf(count as f64)
                }
            }
            Kind::Constant => {
                let factor = s.n("factor");
                if e == 0 {
                    lr * factor
                } else if e != s.n("total_iters") as i64 {
                    lr
                } else {
                    lr * (1.0 / factor)
                }
            }
            Kind::Linear => {
                let (start, end, total) = (s.n("start_factor"), s.n("end_factor"), s.n("total_iters"));
                if e == 0 {
                    lr * start
                } else if self.is_initial || ef > total {
                    lr
                } else {
                    lr * (1.0 + (end - start) / (total * start + (ef - 1.0) * (end - start)))
                }
            }
            Kind::Exponential => {
                if self.is_initial {
                    lr
                } else {
                    lr * s.n("gamma")
                }
            }
            Kind::Polynomial => {
                let total = s.n("total_iters");
                if self.is_initial || ef > total {
                    lr
                } else {
                    let decay = ((1.0 - ef / total) / (1.0 - (ef - 1.0) / total)).powf(s.n("power"));
                    lr * decay
                }
            }
            Kind::CosineAnnealing => {
                let (t_max, eta_min) = (s.n("T_max"), s.n("eta_min"));
                let pi = std::f64::consts::PI;
                if self.is_initial {
                    lr
                } else if self.step_count == 1 && e > 0 {
                    eta_min + (self.base_lr - eta_min) * (1.0 + (ef * pi / t_max).cos()) / 2.0
                } else if (e - 1 - t_max as i64).rem_euclid(2 * t_max as i64) == 0 {
                    lr + (self.base_lr - eta_min) * (1.0 - (pi / t_max).cos()) / 2.0
                } else {
                    (1.0 + (pi * ef / t_max).cos()) / (1.0 + (pi * (ef - 1.0) / t_max).cos()) * (lr - eta_min)
                        + eta_min
                }
            }
            Kind::CosineAnnealingWarmRestarts => {
                let eta_min = s.n("eta_min");
                let pi = std::f64::consts::PI;
                eta_min
                    + (self.base_lr - eta_min) * (1.0 + (pi * self.t_cur as f64 / self.t_i as f64).cos())
                        / 2.0
            }
            Kind::Cyclic => {
                let cycle = (1.0 + ef / self.total_size).floor();
                let x = 1.0 + ef / self.total_size - cycle;
                let scale_factor = if x <= self.step_ratio {
                    x / self.step_ratio
                } else {
                    (x - 1.0) / (self.step_ratio - 1.0)
                };
                // triangular and triangular2 scale by cycle, exp_range by iteration.
                let scale = match s.choice("mode") {
                    "triangular2" => 1.0 / 2f64.powf(cycle - 1.0),
                    "exp_range" => s.n("gamma").powf(ef),
                    _ => 1.0,
                };
                let base_height = (self.max_lr - self.base_lr) * scale_factor;
                let lr = self.base_lr + base_height * scale;
                if s.flag("cycle_momentum") {
                    let base_height = (self.max_momentum - self.base_momentum) * scale_factor;
                    g.momentum = self.max_momentum - base_height * scale;
                }
                lr
            }
            Kind::OneCycle => {
                if e > self.total_steps {
                    return Err(format!(
                        "OneCycleLR: torch raises \"Tried to step {e} times. The specified number of total \
                         steps is {}\": the run has more steps than total_steps",
                        self.total_steps
                    ));
                }
                let linear = s.choice("anneal_strategy") == "linear";
                let anneal = |start: f64, end: f64, pct: f64| {
                    if linear {
                        (end - start) * pct + start
                    } else {
                        let cos_out = (std::f64::consts::PI * pct).cos() + 1.0;
                        end + (start - end) / 2.0 * cos_out
                    }
                };
                let mut start_step = 0.0;
                let mut out = lr;
                for (i, &(end_step, lr0, lr1, m0, m1)) in self.phases.iter().enumerate() {
                    if ef <= end_step || i == self.phases.len() - 1 {
                        if end_step == start_step {
                            return Err(format!(
                                "OneCycleLR: a phase of zero length (pct_start * total_steps = {}): torch \
                                 divides by zero",
                                s.n("pct_start") * self.total_steps as f64
                            ));
                        }
                        let pct = (ef - start_step) / (end_step - start_step);
                        out = anneal(lr0.of(g), lr1.of(g), pct);
                        if s.flag("cycle_momentum") {
                            g.momentum = anneal(m0.of(g), m1.of(g), pct);
                        }
                        break;
                    }
                    start_step = end_step;
                }
                out
            }
            Kind::Sequential => lr,
        })
    }

    /// `_get_closed_form_lr`, for the schedulers that have one.
    fn closed_form(&self) -> Option<f64> {
        let s = self.s;
        let e = self.last_epoch;
        let ef = e as f64;
        let base = self.base_lr;
        Some(match s.kind {
            Kind::Step => base * s.n("gamma").powf(e.div_euclid(s.n("step_size") as i64) as f64),
            Kind::MultiStep => {
                let below = s
                    .list("milestones")
                    .iter()
                    .filter(|&&m| i64::from(m) <= e)
                    .count();
                base * s.n("gamma").powf(below as f64)
            }
            Kind::Constant => {
                let f = s.n("factor");
                let after = if ef >= s.n("total_iters") { 1.0 } else { 0.0 };
                base * (f + after * (1.0 - f))
            }
            Kind::Linear => {
                let (start, end, total) = (s.n("start_factor"), s.n("end_factor"), s.n("total_iters"));
                base * (start + (end - start) * total.min(ef) / total)
            }
            Kind::Exponential => base * s.n("gamma").powf(ef),
            Kind::Polynomial => {
                let total = s.n("total_iters");
                base * (1.0 - total.min(ef) / total).powf(s.n("power"))
            }
            Kind::CosineAnnealing => {
                let (t_max, eta_min) = (s.n("T_max"), s.n("eta_min"));
                eta_min + (base - eta_min) * (1.0 + (std::f64::consts::PI * ef / t_max).cos()) / 2.0
            }
            _ => return None,
        })
    }
}

/// The schedule's learning rate (and cycled momentum or beta1) for each of `steps` optimizer
/// steps of `spec`, as torch computes them; an error where torch would raise.
pub fn sequence(schedule: &Schedule, spec: &OptimizerSpec, steps: u32) -> Result<Sequence, String> {
    schedule.check_for(spec)?;
    let slot = cycled_slot(spec);
    let mut g = Group {
        lr: spec.params.lr,
        initial_lr: None,
        max_lr: 0.0,
        min_lr: 0.0,
        momentum: match slot {
            Some(Cycled::Beta1) => spec.params.beta1,
            _ => spec.params.momentum,
        },
        max_momentum: 0.0,
        base_momentum: 0.0,
        cycled: false,
    };
    let ctx = Ctx { spec, steps };
    let mut runner = Runner::construct(schedule, &mut g, &ctx)?;
    let mut lr = Vec::with_capacity(steps as usize);
    let mut momentum = Vec::with_capacity(steps as usize);
    for t in 1..=steps {
        if t > 1 {
            runner.step(&mut g)?;
        }
        lr.push(g.lr);
        momentum.push(g.momentum);
    }
    // The scheduler step after the last optimizer step, as in torch's loop.
    runner.step(&mut g)?;
    Ok(Sequence {
        lr,
        momentum: match (g.cycled, slot) {
            (true, Some(which)) => Some((which, momentum)),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        Schedule::from_node(&parse_spec(text)?)
    }

    #[test]
    fn spec_strings_read_back_as_written() {
        let s = parse("cosine_annealing:T_max=200,eta_min=1e-4").unwrap();
        assert_eq!(s.kind, Kind::CosineAnnealing);
        assert_eq!(s.num("T_max"), Some(200.0));
        assert_eq!(parse(&s.to_spec()).unwrap(), s);
        let q = parse(
            "sequential:schedulers=[linear(start_factor=0.01,total_iters=20), CosineAnnealingLR(T_max=180)],milestones=[20]",
        )
        .unwrap();
        assert_eq!(q.children().len(), 2);
        assert_eq!(parse(&q.to_spec()).unwrap(), q);
        assert_eq!(parse("StepLR(step_size=3)").unwrap().num("gamma"), Some(0.1));
    }

    #[test]
    fn spec_errors_point_at_the_token() {
        let text = "cosine_annealing:T_max=200,eta=1e-4";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.span.clone()], "eta");
        assert!(e.message.contains("eta_min"), "{}", e.message);
        let text = "step:step_size=0";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.span.clone()], "0");
        let e = parse("one_cycle:pct_start=0.3").unwrap_err();
        assert!(e.message.contains("needs max_lr"), "{}", e.message);
        let text = "sequential:schedulers=[linear(),step(step_size=2)],milestones=[1,2]";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.span.clone()], "[1,2]");
        let e = parse("cosinus:T_max=3").unwrap_err();
        assert!(e.message.contains("unknown scheduler 'cosinus'"), "{}", e.message);
    }
}
