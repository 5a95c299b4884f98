//! One `[[optimizer]]` table of a scene file: its name, parameters (numbers, booleans or
//! sweep ranges) and schedule, each error at its key.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::SceneError;
use crate::optim::{OptimizerSpec, SpecError};

pub(super) fn optimizer_from_table(
    table: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    schedule: Option<crate::schedule::Node>,
    surface_params: &[&str],
    err: &dyn Fn(Option<Range<usize>>, String) -> SceneError,
) -> Result<OptimizerSpec, SceneError> {
    let name_entry = table.iter().find(|(k, _)| k.get_ref() == "name");
    let Some((_, name)) = name_entry else {
        let span = table.keys().next().map(|k| k.span());
        return Err(err(
            span,
            "an [[optimizer]] table needs name = \"...\" (gd, sgd, adam, ...)".into(),
        ));
    };
    let Some(name_str) = name.get_ref().as_str() else {
        return Err(err(Some(name.span()), "optimizer name must be a string".into()));
    };
    let mut spec = OptimizerSpec::new(name_str).map_err(|e| err(Some(name.span()), e.to_string()))?;
    let mut label = name_str.to_string();
    let mut sep = ':';
    for (key, value) in table {
        if key.get_ref() == "name" || key.get_ref() == "schedule" {
            continue;
        }
        let on_surface = surface_params.contains(&key.get_ref().as_str());
        if let toml::Value::Table(t) = value.get_ref() {
            let range = range_from_table(key.get_ref(), t).map_err(|m| err(Some(value.span()), m))?;
            if on_surface {
                spec.set_surface_range(key.get_ref(), range)
            } else {
                spec.set_range(key.get_ref(), range)
            }
            .map_err(|e| err(Some(key.span()), with_surface_params(e, surface_params)))?;
            label.push(sep);
            label.push_str(&format!("{}={range}", key.get_ref()));
            sep = ',';
            continue;
        }
        let text = match value.get_ref() {
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(err(
                    Some(value.span()),
                    format!(
                        "{} must be a number, a boolean or a range {{ from, to, count, scale }}, got {} {other}",
                        key.get_ref(),
                        other.type_str()
                    ),
                ));
            }
        };
        if on_surface {
            let v = text
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    err(
                        Some(value.span()),
                        format!(
                            "{} must be a finite number (a surface parameter), got {text}",
                            key.get_ref()
                        ),
                    )
                })?;
            spec.set_surface(key.get_ref(), v);
        } else {
            spec.set(key.get_ref(), &text)
                .map_err(|e| err(Some(key.span()), with_surface_params(e, surface_params)))?;
        }
        label.push(sep);
        label.push_str(&format!("{}={}", key.get_ref(), text));
        sep = ',';
    }
    if let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref() == "schedule") {
        let node = schedule.unwrap_or(crate::schedule::Node {
            span: value.span(),
            value: crate::schedule::NodeValue::Bool(false),
        });
        let s = crate::schedule::Schedule::from_node(&node).map_err(|e| err(Some(e.span), e.message))?;
        s.check_for(&spec).map_err(|m| err(Some(key.span()), m))?;
        label.push_str(&format!(" schedule={}", s.describe()));
        spec.schedule = Some(s);
    }
    spec.label = label;
    Ok(spec)
}

/// The error's text, which for an unknown key also names the surface's parameters.
pub fn with_surface_params(e: SpecError, surface_params: &[&str]) -> String {
    match e {
        SpecError::UnknownParameter { .. } if !surface_params.is_empty() => {
            format!("{e}; the surface's parameters: {}", surface_params.join(", "))
        }
        e => e.to_string(),
    }
}

/// `{ from = 1e-4, to = 1e-2, count = 512, scale = "log" }` (scale optional, linear by default).
pub(super) fn range_from_table(key: &str, t: &toml::Table) -> Result<crate::sweep::ParamRange, String> {
    use crate::sweep::{ParamRange, Spacing};
    if let Some(bad) = t
        .keys()
        .find(|k| !["from", "to", "count", "scale"].contains(&k.as_str()))
    {
        return Err(format!(
            "unknown key '{bad}' in the range for {key}; a range is {{ from, to, count, scale }}"
        ));
    }
    let number = |name: &str| -> Result<f64, String> {
        match t.get(name) {
            Some(toml::Value::Float(f)) => Ok(*f),
            Some(toml::Value::Integer(i)) => Ok(*i as f64),
            Some(other) => Err(format!(
                "{key}.{name} must be a number, got {} {other}",
                other.type_str()
            )),
            None => Err(format!("the range for {key} needs '{name}' (from, to, count)")),
        }
    };
    let (from, to) = (number("from")?, number("to")?);
    let count = match t.get("count") {
        Some(toml::Value::Integer(i)) => {
            u32::try_from(*i).map_err(|_| format!("{key}.count must be at least 2, got {i}"))?
        }
        Some(other) => return Err(format!("{key}.count must be a whole number, got {other}")),
        None => return Err(format!("the range for {key} needs 'count' (from, to, count)")),
    };
    let spacing = match t.get("scale") {
        None => Spacing::Linear,
        Some(toml::Value::String(s)) => Spacing::from_name(s).map_err(|e| format!("{key}.scale: {e}"))?,
        Some(other) => return Err(format!("{key}.scale must be \"log\" or \"linear\", got {other}")),
    };
    ParamRange::new(from, to, count, spacing).map_err(|e| format!("the range for {key}: {e}"))
}

/// A surface parameter declared as a range (`[surface] params` or `--surface-param`) is swept
/// for every optimizer that does not set it, its label naming it (`gd:lr=0.1,amp=0..0.2:8`).
/// The error names the optimizer.
pub fn sweep_surface_param(
    optimizers: &mut [OptimizerSpec],
    name: &str,
    range: crate::sweep::ParamRange,
) -> Result<(), String> {
    for spec in optimizers.iter_mut().filter(|o| !o.sets_surface(name)) {
        spec.set_surface_range(name, range)
            .map_err(|e| format!("{}: {e}", spec.name))?;
        let sep = if spec.label.contains(':') { ',' } else { ':' };
        spec.label.push_str(&format!("{sep}{name}={range}"));
    }
    Ok(())
}

/// A surface parameter's name: a name, neither the expression language's nor an optimizer's.
pub fn check_surface_param_name(name: &str) -> Result<(), String> {
    crate::expr::check_param_name(name)?;
    if crate::optim::is_optimizer_key(name) {
        return Err(format!(
            "'{name}' is an optimizer's parameter; choose another name"
        ));
    }
    Ok(())
}
