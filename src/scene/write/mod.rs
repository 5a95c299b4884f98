//! The inverse of the parser: a [`Scene`] written back as a scene file ([`Scene::to_toml`],
//! here) or as a `descent render` command line ([`Scene::to_command`], `command.rs`).
//!
//! Numbers are written in Rust's shortest round-trip form (`{:?}`), so a file reads back bit
//! for bit. An optimizer table lists the parameters that differ from its name's defaults, those
//! it sweeps, and those its label names (the loader builds the label from the keys a table
//! gives, so the label reads back too); a schedule is written with every keyword argument.
//!
//! A regression scene writes its `[surface.regression]` table back from where its data came
//! from ([`DataSource`]): the `make_regression` settings, or the CSV path as its file gave it
//! (relative to the scene file, so a scene saved beside the one it was read from reads back).

mod command;
#[cfg(test)]
mod tests;

use super::{ColorBy, ColorScale, DensityScale, ModelScene, Regression, Scene, SliceScene};
use crate::optim::{OptimizerSpec, Params};
use crate::regression::DataSource;
use crate::schedule::{Kind, Schedule, Ty, Value};
use crate::surfaces::{Surface, built_in};
use crate::sweep::{ParamRange, Spacing};

impl Scene {
    /// The scene as a scene file that reads back ([`Scene::parse_with`]) to the same scene.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        if let Some(t) = &self.title {
            line(&mut out, format!("title = {}", quote(t)));
        }
        match &self.model {
            Some(model) => Self::write_model(&mut out, model),
            None => self.write_surface(&mut out),
        }
        for o in &self.optimizers {
            write_optimizer(&mut out, o);
        }
        let s = &self.starts;
        if !s.is_empty() && self.model.is_none() {
            line(&mut out, "\n[starts]".into());
            if !s.points.is_empty() {
                let one_d = self.surface.is_1d();
                let points: Vec<String> = s
                    .points
                    .iter()
                    .map(|p| match p {
                        [x, y] if one_d && y.to_bits() == 0 => format!("[{}]", num(*x)),
                        [x, y] => format!("[{}, {}]", num(*x), num(*y)),
                    })
                    .collect();
                line(&mut out, format!("points = [{}]", points.join(", ")));
            }
            if let Some([c, r]) = s.grid {
                line(&mut out, format!("grid = [{c}, {r}]"));
            }
            if s.random != 0 {
                line(&mut out, format!("random = {}", s.random));
            }
            if s.seed != 0 {
                line(&mut out, format!("seed = {}", s.seed));
            }
        }
        line(&mut out, "\n[run]".into());
        line(&mut out, format!("steps = {}", self.steps));
        line(&mut out, format!("tol = {}", num(self.tol)));
        line(&mut out, format!("mesh = {}", self.mesh[0]));
        self.write_view(&mut out);
        if let Some(model) = &self.model {
            Self::write_slice(&mut out, &model.slice);
        }
        out
    }

    /// `[surface]` (and `[surface.regression]`): a built-in's name or the expression, the
    /// domain, and the minima where they are not the default ones.
    fn write_surface(&self, out: &mut String) {
        let s = &self.surface;
        let d = &s.domain;
        let domain = format!(
            "domain = [{}, {}, {}, {}]",
            num(d.x[0]),
            num(d.x[1]),
            num(d.y[0]),
            num(d.y[1])
        );
        let minima = format!(
            "minima = [{}]",
            s.minima
                .iter()
                .map(|[x, y]| format!("[{}, {}]", num(*x), num(*y)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        match &self.regression {
            Some(r) => {
                // The parser derives the surface, domain and minimum from the data; a given
                // domain and minima replace them, which keeps them exact.
                line(out, "\n[surface]".into());
                line(out, domain);
                line(out, minima);
                line(out, "\n[surface.regression]".into());
                match &r.source {
                    DataSource::Generated {
                        samples,
                        noise,
                        bias,
                        seed,
                    } => {
                        line(out, format!("samples = {samples}"));
                        line(out, format!("noise = {}", num(*noise)));
                        line(out, format!("bias = {}", num(*bias)));
                        line(out, format!("seed = {seed}"));
                    }
                    DataSource::Csv(path) => line(out, format!("csv = {}", quote(path))),
                }
                if let Some(m) = r.fixed_slope {
                    line(out, format!("fix_slope = {}", num(m)));
                }
            }
            None => {
                line(out, "\n[surface]".into());
                let defaults: &[[f64; 2]] = match built_in_name(s) {
                    Some(name) => {
                        line(out, format!("name = {}", quote(name)));
                        built_in(name).map_or(&[][..], |b| b.minima)
                    }
                    None => {
                        line(out, format!("expr = {}", quote(&s.source)));
                        if !s.params().is_empty() {
                            let items = s
                                .params()
                                .iter()
                                .map(|p| format!("{} = {}", p.name, num(p.value)));
                            line(
                                out,
                                format!("params = {{ {} }}", items.collect::<Vec<_>>().join(", ")),
                            );
                        }
                        &[]
                    }
                };
                line(out, domain);
                if s.minima != defaults {
                    line(out, minima);
                }
            }
        }
    }

    /// `[model]`: the model, loss, data and initial parameters as the file gave them.
    fn write_model(out: &mut String, model: &ModelScene) {
        let a = &model.args;
        line(out, "\n[model]".into());
        line(out, format!("model = {}", quote(&a.model)));
        if let Some(l) = &a.loss {
            line(out, format!("loss = {}", quote(l)));
        }
        line(out, format!("data = {}", quote(&a.data)));
        if let Some(i) = &a.init {
            line(out, format!("init = {}", quote(i)));
        }
        if let Some(n) = a.inits {
            line(out, format!("inits = {n}"));
        }
        line(out, format!("seed = {}", a.seed));
    }

    /// `[slice]`, when any of it is given.
    fn write_slice(out: &mut String, slice: &SliceScene) {
        let keys: Vec<String> = [
            ("directions", &slice.directions),
            ("around", &slice.around),
            ("size", &slice.size),
            ("range", &slice.range),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| format!("{key} = {}", quote(v))))
        .collect();
        if !keys.is_empty() {
            line(out, "\n[slice]".into());
            for k in keys {
                line(out, k);
            }
        }
    }

    /// `[view]`: every value that is set. A regression scene's axis names are left to the
    /// parser's default when they are that default.
    fn write_view(&self, out: &mut String) {
        let v = &self.view;
        let mut keys = Vec::new();
        let mut put = |key: &str, value: String| keys.push(format!("{key} = {value}"));
        if let Some(c) = &v.camera {
            put("camera", quote(c));
        }
        for (key, value) in [("azim", v.azim), ("elev", v.elev), ("dist", v.dist)] {
            if let Some(x) = value {
                put(key, num(x));
            }
        }
        if let Some(c) = &v.colormap {
            put("colormap", quote(c));
        }
        for (key, value) in [
            ("contours", v.contours),
            ("grid_lines", v.grid_lines),
            ("axes", v.axes),
        ] {
            if let Some(b) = value {
                put(key, b.to_string());
            }
        }
        if let Some(w) = v.trail_width {
            put("trail_width", num(w));
        }
        if let Some(n) = v.trail_length {
            put("trail_length", n.to_string());
        }
        if let Some(b) = v.fade {
            put("fade", b.to_string());
        }
        let default_names = self.regression.as_ref().map(default_axis_names);
        if let Some(names) = &v.axis_names
            && Some(names) != default_names.as_ref()
        {
            put("axis_names", list(names.iter().map(|n| quote(n))));
        }
        if !v.plots.is_empty() {
            put("plots", list(v.plots.iter().map(|p| quote(p))));
        }
        if v.color_by != ColorBy::default() {
            put("color_by", quote(color_by_name(v.color_by)));
        }
        if let Some(t) = v.trails {
            put("trails", quote(t.name()));
        }
        if let Some(d) = v.density_scale {
            put("density_scale", quote(density_scale_name(d)));
        }
        if let Some(b) = v.start_map {
            put("start_map", b.to_string());
        }
        if let Some(score) = v.sweep_score {
            put("sweep_score", quote(score.name()));
        }
        if let Some(layout) = v.layout {
            put("layout", quote(layout.name()));
        }
        if let Some(c) = v.color_scale {
            put("color_scale", quote(color_scale_name(c)));
        }
        if !keys.is_empty() {
            line(out, "\n[view]".into());
            for k in keys {
                line(out, k);
            }
        }
    }
}

/// The built-in a surface is, by name and expression.
fn built_in_name(s: &Surface) -> Option<&'static str> {
    built_in(&s.name).filter(|b| b.expr == s.source).map(|b| b.name)
}

/// The axis names the parser gives a regression scene that names none.
fn default_axis_names(r: &Regression) -> [String; 3] {
    match r.fixed_slope {
        None => ["m", "b", "J(m, b)"].map(String::from),
        Some(_) => ["b", "", "J(b)"].map(String::from),
    }
}

/// One `[[optimizer]]` table.
fn write_optimizer(out: &mut String, o: &OptimizerSpec) {
    let defaults = OptimizerSpec::new(&o.name).ok().map(|d| d.params);
    let named = label_keys(&o.label);
    line(out, "\n[[optimizer]]".into());
    line(out, format!("name = {}", quote(label_name(o))));
    for key in o.all_param_names() {
        if let Some(axis) = o.sweep.iter().find(|a| a.param == key) {
            line(out, format!("{key} = {}", range_table(&axis.range)));
            continue;
        }
        let differs = defaults.as_ref().is_none_or(|d| !same_param(&o.params, d, key));
        if !differs && !named.iter().any(|k| k == key) {
            continue;
        }
        if let Some(x) = o.params.number(key) {
            line(out, format!("{key} = {}", num(x)));
        } else if let Some(b) = bool_param(&o.params, key) {
            line(out, format!("{key} = {b}"));
        }
    }
    // The surface's parameters this optimizer sets or sweeps.
    for (name, v) in &o.surface {
        match o.sweep.iter().find(|a| a.param == *name) {
            Some(axis) => line(out, format!("{name} = {}", range_table(&axis.range))),
            None => line(out, format!("{name} = {}", num(*v))),
        }
    }
    if let Some(s) = &o.schedule {
        line(out, format!("schedule = {}", schedule_table(s, true)));
    }
}

/// The optimizer name as the label gives it, when it names the same optimizer ("Adam" stays
/// "Adam", so the label reads back); else the canonical name.
fn label_name(o: &OptimizerSpec) -> &str {
    let head = label_head(&o.label);
    let head = head.split_once(':').map_or(head, |(h, _)| h);
    match OptimizerSpec::new(head) {
        Ok(spec) if spec.name == o.name => head,
        _ => &o.name,
    }
}

/// The label without the schedule the loader (` schedule=`) or the flags (` --schedule `)
/// append to it.
fn label_head(label: &str) -> &str {
    let cut = [" schedule=", " --schedule "]
        .iter()
        .filter_map(|m| label.find(m))
        .min()
        .unwrap_or(label.len());
    &label[..cut]
}

/// The parameter keys a `name:key=value,...` label names (lowercase; `betas` is both betas).
fn label_keys(label: &str) -> Vec<String> {
    let Some((_, items)) = label_head(label).split_once(':') else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for item in items.split(',') {
        if let Some((k, _)) = item.split_once('=') {
            match k.trim().to_ascii_lowercase().as_str() {
                "betas" => keys.extend(["beta1".to_string(), "beta2".to_string()]),
                k => keys.push(k.to_string()),
            }
        }
    }
    keys
}

/// Whether parameter `key` is the same in `a` and `b` (bit for bit).
fn same_param(a: &Params, b: &Params, key: &str) -> bool {
    match (a.number(key), b.number(key)) {
        (Some(x), Some(y)) => x.to_bits() == y.to_bits(),
        _ => bool_param(a, key) == bool_param(b, key),
    }
}

fn bool_param(p: &Params, key: &str) -> Option<bool> {
    Some(match key {
        "nesterov" => p.nesterov,
        "maximize" => p.maximize,
        "centered" => p.centered,
        "amsgrad" => p.amsgrad,
        "decoupled_weight_decay" => p.decoupled_weight_decay,
        _ => return None,
    })
}

/// `{ from = 0.0001, to = 0.01, count = 128, scale = "log" }`.
fn range_table(r: &ParamRange) -> String {
    let scale = match r.spacing {
        Spacing::Log => ", scale = \"log\"",
        Spacing::Linear => "",
    };
    format!(
        "{{ from = {}, to = {}, count = {}{scale} }}",
        num(r.from),
        num(r.to),
        r.count
    )
}

/// A schedule as an inline table with every keyword argument; at the top level SequentialLR's
/// list takes a line per scheduler.
fn schedule_table(s: &Schedule, top: bool) -> String {
    let info = s.kind.info();
    let mut items = vec![format!("name = {}", quote(info.torch))];
    for (key, value) in &s.values {
        let ty = info.keys.iter().find(|k| k.name == *key).map(|k| k.ty);
        let text = match value {
            Value::Num(x) if matches!(ty, Some(Ty::Int(_))) && x.fract() == 0.0 && x.abs() < 9e15 => {
                format!("{}", *x as i64)
            }
            Value::Num(x) => num(*x),
            Value::Bool(b) => b.to_string(),
            Value::Choice(c) => quote(c),
            Value::List(l) => list(l.iter().map(u32::to_string)),
            Value::Schedulers(children) if top && s.kind == Kind::Sequential => {
                let mut t = String::from("[\n");
                for c in children {
                    t.push_str(&format!("    {},\n", schedule_table(c, false)));
                }
                t.push(']');
                t
            }
            Value::Schedulers(children) => list(children.iter().map(|c| schedule_table(c, false))),
        };
        items.push(format!("{key} = {text}"));
    }
    format!("{{ {} }}", items.join(", "))
}

fn line(out: &mut String, text: String) {
    out.push_str(&text);
    out.push('\n');
}

/// A number as TOML reads it back exactly.
fn num(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{x:?}")
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn color_by_name(c: ColorBy) -> &'static str {
    match c {
        ColorBy::Optimizer => "optimizer",
        ColorBy::Basin => "basin",
        ColorBy::Loss => "loss",
        ColorBy::Start => "start",
        ColorBy::Steps => "steps",
    }
}

fn density_scale_name(d: DensityScale) -> &'static str {
    match d {
        DensityScale::EqHist => "eq_hist",
        DensityScale::Log => "log",
    }
}

fn color_scale_name(c: ColorScale) -> &'static str {
    match c {
        ColorScale::Linear => "linear",
        ColorScale::Log => "log",
    }
}
