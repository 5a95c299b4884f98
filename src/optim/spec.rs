//! A spec's parameters: set by key with torch's checks, validated as a whole, swept over
//! ranges (one optimizer group per value), and described for legends.

use super::catalogue::{EXTRA_KEYS, MODEL_KEYS, NAMES, NameInfo, OPTIMIZER_NAMES, defaults, lookup};
use super::error::suggest;
use super::parse::{
    Token, Want, bool_field, number_field, parse_bool, parse_number, parse_surface_value, want,
};
use super::{OptimizerKind, OptimizerSpec, SpecError};
use crate::numbers::short as fmt_num;
use crate::schedule::{Cycled, ParamGroup};
use crate::sweep::{MAX_SWEEP_GROUPS, MAX_SWEPT, ParamRange, SweepAxis};

impl OptimizerSpec {
    /// The optimizer `name` (case-insensitive) with torch's defaults.
    pub fn new(name: &str) -> Result<Self, SpecError> {
        Self::named(name.trim(), None)
    }

    pub(crate) fn named(name: &str, column: Option<usize>) -> Result<Self, SpecError> {
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
            surface: Vec::new(),
        })
    }

    pub(crate) fn info(&self) -> &'static NameInfo {
        lookup(&self.name).unwrap_or(&NAMES[1])
    }

    /// The keys this optimizer takes, in the order of torch's signature.
    pub fn param_names(&self) -> &'static [&'static str] {
        self.info().keys
    }

    /// torch's keys, then descent's [`EXTRA_KEYS`], then the [`MODEL_KEYS`] this spec sets
    /// or sweeps.
    pub fn all_param_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.info().keys.iter().chain(EXTRA_KEYS).copied().collect();
        names.extend(self.model_keys());
        names
    }

    /// The model-only keys ([`MODEL_KEYS`]) this spec sets or sweeps: refused on surfaces.
    pub fn model_keys(&self) -> Vec<&'static str> {
        let (mut cur, mut base) = (self.params.clone(), defaults(&self.name));
        MODEL_KEYS
            .iter()
            .copied()
            .filter(|key| {
                self.sweep.iter().any(|a| a.param == *key)
                    || number_field(&mut cur, key).map(|v| *v) != number_field(&mut base, key).map(|v| *v)
            })
            .collect()
    }

    /// Sets one parameter from text (as a scene file gives it), with the checks of a spec
    /// string, then the cross-parameter check (nesterov) on the result; a refused value changes
    /// nothing. Keys apply in the caller's order, so set momentum before nesterov.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SpecError> {
        if self.sets_surface(key.trim()) {
            let v = parse_surface_value(key.trim(), value.trim(), None)?;
            self.set_surface(key.trim(), v);
            return Ok(());
        }
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
                if let Some(field) = number_field(&mut p, &axis.param) {
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
        if self.sets_surface(key.trim()) {
            let mut next = self.clone();
            next.apply_surface_range(key.trim(), range, None, &range.to_string())?;
            *self = next;
            return Ok(());
        }
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
            // The value the GPU uses, as its shortest decimal: what labels print and the f64
            // reference steps with.
            let value = crate::numbers::as_f32_decimal(axis.range.value(i));
            match number_field(&mut out.params, &axis.param) {
                Some(field) => *field = value,
                None => out.set_surface(&axis.param, value),
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

    /// The value of numeric parameter `key` (canonical name) or of a surface parameter this
    /// spec sets, or None for flags and unknown keys.
    pub fn number(&self, key: &str) -> Option<f64> {
        number_field(&mut self.params.clone(), key)
            .map(|v| *v)
            .or_else(|| self.surface.iter().rev().find(|(n, _)| n == key).map(|(_, v)| *v))
    }

    /// Records a range for the canonical numeric `key` (both ends checked by the key's rule),
    /// its first value standing in `params`.
    pub(crate) fn apply_range(
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
            let end_text = fmt_num(end);
            parse_number(
                key,
                Token {
                    text: &end_text,
                    column,
                },
                rule,
            )?;
        }
        self.push_axis(key, range, column, text)?;
        if let Some(field) = number_field(&mut self.params, key) {
            *field = range.from;
        }
        Ok(())
    }

    /// Whether `key` names one of the surface's parameters this spec sets (see
    /// [`Self::parse_on`]): [`Self::set`] and [`Self::set_range`] then take it as one.
    pub fn sets_surface(&self, key: &str) -> bool {
        self.surface.iter().any(|(n, _)| n == key)
    }

    /// Sets the surface parameter `name` to `value` for this optimizer's particles (a range
    /// of it becomes this value).
    pub fn set_surface(&mut self, name: &str, value: f64) {
        self.sweep.retain(|a| a.param != name);
        self.surface.retain(|(n, _)| n != name);
        self.surface.push((name.to_string(), value));
    }

    /// Sweeps the surface parameter `name` over `range` (see [`Self::apply_surface_range`]).
    pub fn set_surface_range(&mut self, name: &str, range: ParamRange) -> Result<(), SpecError> {
        let mut next = self.clone();
        next.apply_surface_range(name, range, None, &range.to_string())?;
        *self = next;
        Ok(())
    }

    /// Sweeps the surface parameter `name` over `range`: one group per value, as for an
    /// optimizer parameter; its first value stands in [`Self::surface`].
    pub(crate) fn apply_surface_range(
        &mut self,
        name: &str,
        range: ParamRange,
        column: Option<usize>,
        text: &str,
    ) -> Result<(), SpecError> {
        self.push_axis(name, range, column, text)?;
        self.surface.retain(|(n, _)| n != name);
        self.surface.push((name.to_string(), range.from));
        Ok(())
    }

    /// Adds (or replaces) the axis of `key`, within [`MAX_SWEPT`] axes and
    /// [`MAX_SWEEP_GROUPS`] groups.
    fn push_axis(
        &mut self,
        key: &str,
        range: ParamRange,
        column: Option<usize>,
        text: &str,
    ) -> Result<(), SpecError> {
        self.sweep.retain(|a| a.param != key);
        if self.sweep.len() >= MAX_SWEPT {
            let swept: Vec<&str> = self.sweep.iter().map(|a| a.param.as_str()).collect();
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
        self.sweep.push(SweepAxis {
            param: key.to_string(),
            range,
        });
        Ok(())
    }

    /// The key as this optimizer names it ("betas" included), or UnknownParameter.
    pub(crate) fn canonical_key(
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
            .chain(MODEL_KEYS)
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
    pub(crate) fn apply(&mut self, key: &'static str, tok: Token<'_>) -> Result<(), SpecError> {
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
        for key in self.all_param_names().into_iter().filter(|k| *k != "lr") {
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
        for (name, v) in &self.surface {
            match swept(name) {
                Some(a) => out.push_str(&format!(" {name}={}", a.range)),
                None => out.push_str(&format!(" {name}={}", fmt_num(*v))),
            }
        }
        if let Some(s) = &self.schedule {
            out.push_str(&format!(", {}", s.describe()));
        }
        out
    }
}

impl<'a> From<&'a OptimizerSpec> for ParamGroup<'a> {
    /// torch's `param_group` as the schedulers see it: the value they cycle is `momentum` when
    /// it is in the optimizer's defaults, else `betas[0]` (torch checks "betas" in defaults);
    /// none for Adagrad and for `gd`.
    fn from(spec: &'a OptimizerSpec) -> Self {
        let cycled = match spec.kind {
            OptimizerKind::Adagrad => None,
            OptimizerKind::Sgd if spec.name == "gd" => None,
            OptimizerKind::Sgd | OptimizerKind::Rmsprop => Some(Cycled::Momentum),
            _ => Some(Cycled::Beta1),
        };
        ParamGroup {
            name: &spec.name,
            lr: spec.params.lr,
            momentum: match cycled {
                Some(Cycled::Beta1) => spec.params.beta1,
                _ => spec.params.momentum,
            },
            cycled,
        }
    }
}
