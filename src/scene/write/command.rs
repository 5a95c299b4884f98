//! [`Scene::to_command`]: a scene as a `descent render` command line, the flags that turn the
//! default scene into it, with the settings no flag can give named in a trailing comment.

use super::{
    bool_param, built_in_name, color_by_name, color_scale_name, density_scale_name, num, same_param,
};
use crate::optim::OptimizerSpec;
use crate::scene::{Scene, ViewSpec};
use crate::surfaces::Surface;

/// The output a [`Scene::to_command`] line writes (`descent render` needs one).
const COMMAND_OUTPUT: [&str; 2] = ["--video", "descent.mp4"];

impl Scene {
    /// The scene as a `descent render` command line, shell-quoted. Settings without a flag are
    /// named in a trailing comment; a scene the flags cannot run (mini-batches need the
    /// regression data) comes as the command for its scene file.
    pub fn to_command(&self) -> String {
        match self.command_args() {
            Ok((args, no_flag)) => {
                let mut out = String::from("descent render");
                for a in args.iter().map(String::as_str).chain(COMMAND_OUTPUT) {
                    out.push(' ');
                    out.push_str(&shell_quote(a));
                }
                if !no_flag.is_empty() {
                    out.push_str(&format!(
                        "  # no flag for: {}; a scene file has them (Scene::to_toml)",
                        no_flag.join(", ")
                    ));
                }
                out
            }
            Err(why) => format!(
                "descent render scene.toml {}  # {why}: save the scene file (Scene::to_toml) as scene.toml",
                COMMAND_OUTPUT.join(" ")
            ),
        }
    }

    /// The flags of [`Self::to_command`] (output flag aside) and the settings that have none;
    /// Err when the flags cannot run the scene.
    pub(super) fn command_args(&self) -> Result<(Vec<String>, Vec<String>), String> {
        if self.model.is_some() {
            return Err("a model scene's [model] has no flags of descent render".into());
        }
        // Flags apply on top of the default scene when a surface is given without a file.
        let base = Scene::default_scene();
        let mut args = Vec::new();
        let mut no_flag: Vec<String> = Vec::new();
        if self.title.is_some() {
            no_flag.push("title".into());
        }
        let surface = match &self.regression {
            Some(_) => {
                let batches = self
                    .optimizers
                    .iter()
                    .any(|o| o.params.batch_size != 0.0 || o.sweep.iter().any(|a| a.param == "batch_size"));
                if batches {
                    return Err("mini-batches need the regression data, which no flag gives".into());
                }
                no_flag.push("the regression data (--surface gives its loss as an expression)".into());
                self.surface.source.clone()
            }
            None => match built_in_name(&self.surface) {
                Some(name) => name.to_string(),
                None => self.surface.source.clone(),
            },
        };
        let plain = Surface::from_name_or_expr_with(&surface, self.surface.params().to_vec())
            .map_err(|e| format!("the surface does not parse: {e}"))?;
        flag(&mut args, "--surface", surface);
        for p in self.surface.params() {
            flag(
                &mut args,
                "--surface-param",
                format!("{}={}", p.name, num(p.value)),
            );
        }
        let d = &self.surface.domain;
        if plain.domain != *d {
            let v = [d.x[0], d.x[1], d.y[0], d.y[1]].map(num);
            flag(&mut args, "--domain", v.join(","));
        }
        if plain.minima != self.surface.minima {
            no_flag.push("minima".into());
        }
        for o in &self.optimizers {
            flag(&mut args, "--optimizer", optimizer_spec(o));
            if let Some(s) = &o.schedule {
                flag(&mut args, "--schedule", s.to_spec());
            }
        }
        let s = &self.starts;
        for p in &s.points {
            let text = match p {
                [x, y] if self.surface.is_1d() && y.to_bits() == 0 => num(*x),
                [x, y] => format!("{},{}", num(*x), num(*y)),
            };
            flag(&mut args, "--start", text);
        }
        if let Some([c, r]) = s.grid {
            flag(&mut args, "--grid", format!("{c}x{r}"));
        }
        if s.random != 0 {
            flag(&mut args, "--random", s.random.to_string());
        }
        if s.seed != 0 {
            flag(&mut args, "--seed", s.seed.to_string());
        }
        flag(&mut args, "--steps", self.steps.to_string());
        if self.tol.to_bits() != base.tol.to_bits() {
            flag(&mut args, "--tol", num(self.tol));
        }
        if self.mesh != base.mesh {
            no_flag.push("mesh".into());
        }
        self.view_flags(&base.view, &mut args, &mut no_flag);
        Ok((args, no_flag))
    }

    /// The style flags that turn `base` into this scene's view; what none can set goes to
    /// `no_flag`.
    fn view_flags(&self, base: &ViewSpec, args: &mut Vec<String>, no_flag: &mut Vec<String>) {
        let v = &self.view;
        let mut missing = |what: &str| no_flag.push(format!("[view] {what}"));
        let mut camera = Vec::new();
        if v.camera != base.camera {
            match &v.camera {
                Some(c) => camera.push(c.clone()),
                None => missing("camera unset"),
            }
        }
        for (key, value, was) in [
            ("azim", v.azim, base.azim),
            ("elev", v.elev, base.elev),
            ("dist", v.dist, base.dist),
        ] {
            if value != was {
                match value {
                    Some(x) => camera.push(format!("{key}={}", num(x))),
                    None => missing(&format!("{key} unset")),
                }
            }
        }
        if !camera.is_empty() {
            flag(args, "--camera", camera.join(","));
        }
        if v.colormap != base.colormap {
            match &v.colormap {
                Some(c) => flag(args, "--colormap", c.clone()),
                None => missing("colormap unset"),
            }
        }
        // Switches that only turn one way.
        for (name, value, was, on, switch) in [
            ("contours", v.contours, base.contours, true, "--contours"),
            ("grid_lines", v.grid_lines, base.grid_lines, true, "--grid-lines"),
            ("axes", v.axes, base.axes, false, "--no-axes"),
            ("fade", v.fade, base.fade, true, "--fade"),
        ] {
            if value != was {
                if value == Some(on) {
                    args.push(switch.into());
                } else {
                    missing(&value.map_or(format!("{name} unset"), |b| format!("{name} = {b}")));
                }
            }
        }
        if v.trail_width != base.trail_width {
            match v.trail_width {
                Some(w) => flag(args, "--trail-width", num(w)),
                None => missing("trail_width unset"),
            }
        }
        if v.trail_length != base.trail_length {
            match v.trail_length {
                Some(n) => flag(args, "--trail-length", n.to_string()),
                None => missing("trail_length unset"),
            }
        }
        if v.axis_names != base.axis_names {
            missing("axis_names");
        }
        if v.plots != base.plots {
            missing("plots");
        }
        if v.color_by != base.color_by {
            flag(args, "--color-by", color_by_name(v.color_by).into());
        }
        if v.trails != base.trails {
            match v.trails {
                Some(t) => flag(args, "--trails", t.name().into()),
                None => missing("trails unset"),
            }
        }
        if v.density_scale != base.density_scale {
            match v.density_scale {
                Some(d) => flag(args, "--density-scale", density_scale_name(d).into()),
                None => missing("density_scale unset"),
            }
        }
        if v.start_map != base.start_map {
            missing("start_map");
        }
        if v.sweep_score != base.sweep_score {
            match v.sweep_score {
                Some(score) => flag(args, "--sweep-score", score.name().into()),
                None => missing("sweep_score unset"),
            }
        }
        if v.layout != base.layout {
            match v.layout {
                Some(l) => flag(args, "--layout", l.name().into()),
                None => missing("layout unset"),
            }
        }
        if v.color_scale != base.color_scale {
            match v.color_scale {
                Some(c) => flag(args, "--color-scale", color_scale_name(c).into()),
                None => missing("color_scale unset"),
            }
        }
    }
}

/// `NAME:key=value,...` for `--optimizer`: lr, the parameters that differ from the name's
/// defaults, then the swept ones in their sweep order (which orders the groups).
fn optimizer_spec(o: &OptimizerSpec) -> String {
    let defaults = OptimizerSpec::new(&o.name).ok().map(|d| d.params);
    let mut items = Vec::new();
    for key in o.all_param_names() {
        if o.sweep.iter().any(|a| a.param == key) {
            continue;
        }
        let differs = defaults.as_ref().is_none_or(|d| !same_param(&o.params, d, key));
        if key != "lr" && !differs {
            continue;
        }
        if let Some(x) = o.params.number(key) {
            items.push(format!("{key}={}", num(x)));
        } else if let Some(b) = bool_param(&o.params, key) {
            items.push(format!("{key}={b}"));
        }
    }
    for (name, v) in &o.surface {
        if !o.sweep.iter().any(|a| a.param == *name) {
            items.push(format!("{name}={}", num(*v)));
        }
    }
    items.extend(o.sweep.iter().map(|a| format!("{}={}", a.param, a.range)));
    format!("{}:{}", o.name, items.join(","))
}

/// Appends `--flag value`, or `--flag=value` when the value starts with a minus (which would
/// read as a flag).
fn flag(args: &mut Vec<String>, name: &str, value: String) {
    if value.starts_with('-') {
        args.push(format!("{name}={value}"));
    } else {
        args.push(name.into());
        args.push(value);
    }
}

/// A word as a POSIX shell reads it back: bare when it is safe, else in single quotes.
pub(super) fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-.,:=/+@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
