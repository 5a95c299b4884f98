//! Flags applied to a scene: the scene file (or the default scene) with the surface, domain,
//! optimizers and their schedules, starts, steps and style given on the command line on top.

use anyhow::{Context, Result, anyhow, bail};

use super::args::{SceneArgs, StyleArgs};
use crate::camera::OrbitCamera;
use crate::optim::OptimizerSpec;
use crate::scene::{
    ColorBy, ColorScale, DensityScale, Scene, SweepScore, TrailStyle, ViewSpec, assume_defaults,
};
use crate::surfaces::{Domain, Surface};

impl StyleArgs {
    /// The scene's [view] with these flags on top.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(super) fn apply(&self, view: &mut ViewSpec) -> Result<()> {
        if let Some(text) = &self.camera {
            for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match part.split_once('=') {
                    None => {
                        OrbitCamera::named(part).map_err(|m| anyhow!("--camera: {m}"))?;
                        view.camera = Some(part.to_string());
                    }
                    Some((key, value)) => {
                        let v: f64 = value
                            .trim()
                            .parse()
                            .ok()
                            .filter(|v: &f64| v.is_finite())
                            .ok_or_else(|| anyhow!("--camera: '{value}' for {key} is not a number"))?;
                        match key.trim() {
                            "azim" => view.azim = Some(v),
                            "elev" => view.elev = Some(v),
                            "dist" if v > 0.0 => view.dist = Some(v),
                            "dist" => bail!("--camera: dist must be positive, got {v}"),
                            other => bail!("--camera: unknown key '{other}'; use azim, elev and dist"),
                        }
                    }
                }
            }
        }
        if let Some(c) = &self.colormap {
            view.colormap = Some(c.clone());
        }
        if self.contours {
            view.contours = Some(true);
        }
        if self.grid_lines {
            view.grid_lines = Some(true);
        }
        if self.no_axes {
            view.axes = Some(false);
        }
        if let Some(w) = self.trail_width {
            if !(w.is_finite() && w > 0.0) {
                bail!("--trail-width must be positive, got {w}");
            }
            view.trail_width = Some(w);
        }
        if let Some(n) = self.trail_length {
            if n == 0 {
                bail!("--trail-length must be at least 1 step, got 0");
            }
            view.trail_length = Some(n);
        }
        if self.fade {
            view.fade = Some(true);
        }
        if let Some(t) = &self.trails {
            view.trails = Some(TrailStyle::from_name(t).ok_or_else(|| {
                anyhow!(
                    "--trails: unknown style '{t}'; the styles are {}",
                    TrailStyle::NAMES.join(", ")
                )
            })?);
        }
        if let Some(c) = &self.color_by {
            view.color_by = ColorBy::from_name(c).ok_or_else(|| {
                anyhow!(
                    "--color-by: unknown choice '{c}'; the choices are {}",
                    ColorBy::NAMES.join(", ")
                )
            })?;
        }
        if let Some(d) = &self.density_scale {
            view.density_scale = Some(DensityScale::from_name(d).ok_or_else(|| {
                anyhow!(
                    "--density-scale: unknown scale '{d}'; the scales are {}",
                    DensityScale::NAMES.join(", ")
                )
            })?);
        }
        if let Some(c) = &self.color_scale {
            view.color_scale = Some(ColorScale::from_name(c).ok_or_else(|| {
                anyhow!(
                    "--color-scale: unknown scale '{c}'; the scales are {}",
                    ColorScale::NAMES.join(", ")
                )
            })?);
        }
        if let Some(m) = self.msaa
            && !matches!(m, 1 | 4)
        {
            bail!("--msaa must be 1 or 4, got {m}");
        }
        Ok(())
    }
}

impl SceneArgs {
    /// The scene file (or the default scene when neither a file nor a surface is given),
    /// with every flag applied on top.
    pub fn build(&self) -> Result<Scene> {
        let mut scene = match (&self.scene, &self.scene_text, &self.surface) {
            #[cfg(not(target_arch = "wasm32"))]
            (Some(path), _, _) => Scene::load(path)?,
            // The page reads no files: its scenes come as text.
            #[cfg(target_arch = "wasm32")]
            (Some(path), _, _) => bail!(
                "{}: the page reads no files; give the scene's text",
                path.display()
            ),
            #[cfg(not(target_arch = "wasm32"))]
            (None, Some((name, text)), _) => Scene::parse(name, text)?,
            #[cfg(target_arch = "wasm32")]
            (None, Some((name, text)), _) => Scene::parse_with(name, text, &crate::scene::no_files)?,
            (None, None, None) => Scene::default_scene(),
            (None, None, Some(_)) => {
                let mut s = Scene::default_scene();
                s.title = None;
                s.optimizers.clear();
                s.starts = Default::default();
                s
            }
        };
        if let Some(model) = &mut scene.model {
            // A model scene's surface is its loss slice, its starts its initialisations.
            for (given, flag) in [
                (self.surface.is_some(), "--surface"),
                (!self.surface_params.is_empty(), "--surface-param"),
                (self.domain.is_some(), "--domain"),
                (!self.starts.is_empty(), "--start"),
                (self.grid.is_some(), "--grid"),
                (self.random.is_some(), "--random"),
            ] {
                if given {
                    bail!(
                        "this scene trains a [model] on data; {flag} belongs to a surface run: leave one out"
                    );
                }
            }
            if self.seed != 0 {
                model.args.seed = self.seed;
            }
        }
        let swept_params = self.apply_surface(&mut scene)?;
        if let Some(text) = &self.domain {
            let v = parse_numbers(text, 4).with_context(|| format!("--domain {text:?}"))?;
            let domain = Domain::new(v[0], v[1], v[2], v[3]);
            domain.validate().map_err(|m| anyhow!("--domain {text:?}: {m}"))?;
            scene.surface.domain = domain;
        }
        if !self.optimizers.is_empty() {
            scene.optimizers = self.optimizer_specs(&scene.surface)?;
        }
        for (name, range) in &swept_params {
            crate::scene::sweep_surface_param(&mut scene.optimizers, name, *range)
                .map_err(|m| anyhow!("--surface-param {name}={range}: {m}"))?;
        }
        self.apply_schedules(&mut scene)?;
        if !self.starts.is_empty() || self.grid.is_some() || self.random.is_some() {
            let mut starts = crate::scene::Starts {
                seed: self.seed,
                ..Default::default()
            };
            for s in &self.starts {
                let v = parse_numbers(s, 0).with_context(|| format!("--start {s:?}"))?;
                starts.points.push(match v.as_slice() {
                    [x] if scene.surface.is_1d() => [*x, 0.0],
                    [_] => bail!(
                        "--start {s:?}: {} is a surface of x and y: give both, as x,y",
                        scene.surface.name
                    ),
                    [x, y] => [*x, *y],
                    _ => bail!(
                        "--start {s:?}: expected {}",
                        if scene.surface.is_1d() {
                            "x (or x,y)"
                        } else {
                            "x,y"
                        }
                    ),
                });
            }
            if let Some(g) = &self.grid {
                starts.grid = Some(parse_grid(g).with_context(|| format!("--grid {g:?}"))?);
            }
            starts.random = self.random.unwrap_or(0);
            scene.starts = starts;
        } else {
            scene.starts.seed = if self.seed != 0 {
                self.seed
            } else {
                scene.starts.seed
            };
        }
        if let Some(score) = self.checked_sweep_score()? {
            scene.view.sweep_score = Some(score);
        }
        if let Some(n) = self.map_size {
            for spec in &mut scene.optimizers {
                for axis in &mut spec.sweep {
                    let r = axis.range;
                    let resized = crate::sweep::ParamRange::new(r.from, r.to, n, r.spacing)
                        .map_err(|m| anyhow!("--map-size {n}: {m}"))?;
                    // The label names the ranges as written: now the new ones.
                    spec.label = spec.label.replace(
                        &format!("{}={r}", axis.param),
                        &format!("{}={resized}", axis.param),
                    );
                    axis.range = resized;
                }
            }
        }
        if let Some(name) = &self.layout {
            scene.view.layout = Some(crate::scene::Layout::from_name(name).ok_or_else(|| {
                anyhow!(
                    "--layout: unknown layout '{name}'; the layouts are {}",
                    crate::scene::Layout::NAMES.join(", ")
                )
            })?);
        }
        if let Some(steps) = self.checked_steps()? {
            scene.steps = steps;
        }
        if let Some(tol) = self.checked_tol()? {
            scene.tol = tol;
        }
        if self.scene.is_none() && self.scene_text.is_none() && self.surface.is_some() {
            let assumed = assume_defaults(&mut scene);
            if !assumed.is_empty() {
                eprintln!("assumed {}", assumed.join(" and "));
            }
        }
        scene.validate().map_err(|m| anyhow!(m))?;
        Ok(scene)
    }
}

impl SceneArgs {
    /// `--sweep-score`, checked.
    pub(super) fn checked_sweep_score(&self) -> Result<Option<SweepScore>> {
        self.sweep_score
            .as_deref()
            .map(|c| {
                SweepScore::from_name(c).ok_or_else(|| {
                    anyhow!(
                        "--sweep-score: unknown score '{c}'; the scores are {}",
                        SweepScore::NAMES.join(", ")
                    )
                })
            })
            .transpose()
    }

    /// The `--optimizer` flags, parsed for `surface` (whose parameters they may set).
    pub(super) fn optimizer_specs(&self, surface: &Surface) -> Result<Vec<OptimizerSpec>> {
        let names: Vec<&str> = surface.params().iter().map(|p| p.name.as_str()).collect();
        self.optimizers
            .iter()
            .map(|s| {
                OptimizerSpec::parse_on(s, &names).map_err(|e| {
                    anyhow!(
                        "--optimizer {s:?}: {}",
                        crate::scene::with_surface_params(e, &names)
                    )
                })
            })
            .collect()
    }

    /// `--surface` and `--surface-param`: the surface, its parameters the scene's with the
    /// flags' over them. Returns the parameters given as ranges, to sweep for every optimizer.
    fn apply_surface(&self, scene: &mut Scene) -> Result<Vec<(String, crate::sweep::ParamRange)>> {
        if self.surface.is_none() && self.surface_params.is_empty() {
            return Ok(Vec::new());
        }
        let mut params = scene.surface.params().to_vec();
        let mut ranges = Vec::new();
        for item in &self.surface_params {
            let Some((name, value)) = item.split_once('=') else {
                bail!("--surface-param {item:?}: expected NAME=VALUE or NAME=FROM..TO:COUNT");
            };
            let name = name.trim();
            crate::scene::check_surface_param_name(name)
                .map_err(|m| anyhow!("--surface-param {item:?}: {m}"))?;
            let value = value.trim();
            let v = if value.contains("..") {
                let range = crate::sweep::ParamRange::parse(value)
                    .map_err(|m| anyhow!("--surface-param {item:?}: {m}"))?;
                ranges.push((name.to_string(), range));
                range.from
            } else {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| anyhow!("--surface-param {item:?}: '{value}' is not a finite number"))?
            };
            params.retain(|p| p.name != name);
            params.push(crate::expr::SurfaceParam {
                name: name.to_string(),
                value: v,
            });
        }
        let (flag, text) = match &self.surface {
            Some(text) => ("--surface", text.clone()),
            None => ("--surface-param", scene.surface.source.clone()),
        };
        let domain = scene.surface.domain;
        let minima = scene.surface.minima.clone();
        scene.surface = Surface::from_name_or_expr_with(&text, params).map_err(|e| {
            let caret = " ".repeat(e.column.saturating_sub(1));
            anyhow!("{flag}: {e}\n  {text}\n  {caret}^")
        })?;
        if self.surface.is_none() {
            // Only the parameters changed: the scene's surface keeps its domain and minima.
            scene.surface.domain = domain;
            scene.surface.minima = minima;
        }
        Ok(ranges)
    }

    /// `--steps`, if given: at least 1, at most u32::MAX.
    pub(super) fn checked_steps(&self) -> Result<Option<u32>> {
        self.steps
            .map(|steps| {
                if steps < 1 {
                    bail!("--steps must be at least 1");
                }
                u32::try_from(steps).map_err(|_| anyhow!("--steps must be at most {}", u32::MAX))
            })
            .transpose()
    }

    /// `--tol`, if given: finite and not negative.
    pub(super) fn checked_tol(&self) -> Result<Option<f64>> {
        match self.tol {
            Some(tol) if !(tol.is_finite() && tol >= 0.0) => {
                bail!("--tol must be a finite number >= 0, got {tol}")
            }
            tol => Ok(tol),
        }
    }

    /// Gives each `--schedule` to the `--optimizer` before it.
    pub(super) fn apply_schedules(&self, scene: &mut Scene) -> Result<()> {
        let mut taken = vec![false; scene.optimizers.len()];
        for (k, text) in self.schedules.iter().enumerate() {
            // Without recorded order (a library caller), schedules go to the optimizers in turn.
            let after = self.schedule_after.get(k).copied().unwrap_or(k + 1);
            if after == 0 || self.optimizers.is_empty() {
                bail!(
                    "--schedule {text:?}: a schedule applies to the --optimizer before it; give --optimizer first"
                );
            }
            let i = after - 1;
            let Some(spec) = scene.optimizers.get_mut(i) else {
                bail!("--schedule {text:?}: there is no --optimizer before it");
            };
            if std::mem::replace(&mut taken[i], true) {
                bail!(
                    "--schedule {text:?}: --optimizer {:?} already has a schedule",
                    self.optimizers[i]
                );
            }
            let schedule = crate::schedule::parse_spec(text)
                .and_then(|node| crate::schedule::Schedule::from_node(&node))
                .map_err(|e| {
                    let column = text[..e.span.start.min(text.len())].chars().count() + 1;
                    anyhow!(
                        "--schedule {text:?}: {} (at column {column})\n  {text}\n  {}^",
                        e.message,
                        " ".repeat(column - 1)
                    )
                })?;
            schedule
                .check_for(&*spec)
                .map_err(|m| anyhow!("--schedule {text:?}: {m}"))?;
            spec.label = format!("{} --schedule {}", spec.label, text.trim());
            spec.schedule = Some(schedule);
        }
        Ok(())
    }
}

/// An image size given to `flag` (`--size`, `--record-size`): `WIDTHxHEIGHT`, both at least
/// 1 pixel.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(super) fn parse_size(flag: &str, text: &str) -> Result<[u32; 2]> {
    pair(
        text,
        "WIDTHxHEIGHT, e.g. 1920x1080",
        "a side of an image",
        " pixel",
    )
    .with_context(|| format!("{flag} {text:?}"))
}

/// Comma-separated finite numbers; `count` 0 accepts any count.
pub(super) fn parse_numbers(text: &str, count: usize) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for (i, part) in text.split(',').enumerate() {
        let v: f64 = part
            .trim()
            .parse()
            .map_err(|_| anyhow!("'{}' (item {}) is not a number", part.trim(), i + 1))?;
        if !v.is_finite() {
            bail!("'{}' (item {}) is not finite", part.trim(), i + 1);
        }
        out.push(v);
    }
    if count != 0 && out.len() != count {
        bail!("expected {count} comma-separated numbers, got {}", out.len());
    }
    Ok(out)
}

/// `COLSxROWS`, both at least 1.
pub(super) fn parse_grid(text: &str) -> Result<[u32; 2]> {
    pair(text, "COLSxROWS, e.g. 64x64", "a grid side", "")
}

/// Two whole numbers `AxB`, each at least 1 `unit`; errors say what was `expected` and name
/// the `side`.
fn pair(text: &str, expected: &str, side: &str, unit: &str) -> Result<[u32; 2]> {
    let (a, b) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| anyhow!("expected {expected}"))?;
    let parse = |s: &str| -> Result<u32> {
        let v: u32 = s
            .trim()
            .parse()
            .map_err(|_| anyhow!("'{s}' is not a whole number (expected {expected})"))?;
        if v == 0 {
            bail!("{side} must be at least 1{unit}");
        }
        Ok(v)
    };
    Ok([parse(a)?, parse(b)?])
}
