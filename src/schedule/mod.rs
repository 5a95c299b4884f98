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
//!
//! # Rooms
//!
//! - `catalogue.rs`: the schedulers, their keyword arguments and torch's defaults;
//! - `syntax.rs`: the `--schedule` text and TOML tables, read into [`Node`]s with spans;
//! - `check.rs`: a node checked into a [`Schedule`], and a schedule written back as text;
//! - `replay.rs`: torch's scheduler mechanics replayed into a [`Sequence`] per optimizer group.

mod catalogue;
mod check;
mod replay;
mod syntax;

pub use catalogue::{Def, KINDS, KeySpec, Kind, KindInfo, Ty};
pub use replay::{Cycled, ParamGroup, Sequence, sequence};
pub use syntax::{node_from_toml, parse_spec};

use std::fmt;
use std::ops::Range;

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

pub(crate) fn fail<T>(span: &Range<usize>, message: impl Into<String>) -> Result<T, ScheduleError> {
    Err(ScheduleError {
        span: span.clone(),
        message: message.into(),
    })
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
