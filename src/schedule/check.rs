//! A schedule as written ([`Node`]) checked into a [`Schedule`]: every key known, every value
//! of its type and range, torch's defaults filled in, each error at its span; and a schedule
//! written back as `--schedule` text or a legend's words.

use super::catalogue::{Def as D, KINDS, KeySpec, Kind, Ty};
use super::replay::ParamGroup;
use super::{Node, NodeValue, Schedule, ScheduleError, Value, fail};
use crate::numbers::short as fmt_num;

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

    pub(crate) fn n(&self, key: &str) -> f64 {
        self.num(key).unwrap_or(f64::NAN)
    }

    pub(crate) fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some(Value::Bool(true)))
    }

    pub(crate) fn choice(&self, key: &str) -> &'static str {
        match self.get(key) {
            Some(Value::Choice(c)) => c,
            _ => "",
        }
    }

    pub(crate) fn list(&self, key: &str) -> &[u32] {
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

    pub(crate) fn read(node: &Node, nested: bool) -> Result<Self, ScheduleError> {
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

    /// Checks that the optimizer of `group` can follow this schedule (momentum cycling needs
    /// momentum or beta1).
    pub fn check_for<'a>(&self, group: impl Into<ParamGroup<'a>>) -> Result<(), String> {
        self.check_group(&group.into())
    }

    pub(crate) fn check_group(&self, spec: &ParamGroup<'_>) -> Result<(), String> {
        if self.kind.cycles_momentum() && self.flag("cycle_momentum") && spec.cycled.is_none() {
            return Err(format!(
                "{} cycles momentum (cycle_momentum = true), and {} has neither momentum nor beta1: \
                 set cycle_momentum = false (torch: \"optimizer must support momentum or beta1 with \
                 `cycle_momentum` option enabled\")",
                self.kind.info().torch,
                spec.name
            ));
        }
        self.children().iter().try_for_each(|c| c.check_group(spec))
    }

    /// Canonical spec text: `short:key=value,...` (what `--schedule` reads back).
    pub fn to_spec(&self) -> String {
        format!("{}:{}", self.kind.info().short, self.items())
    }

    pub(crate) fn items(&self) -> String {
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

pub(crate) fn known_names() -> String {
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
