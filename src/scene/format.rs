//! The scene file format: TOML as serde reads it, checked value by value so that every error
//! names the line and column of what is wrong. Files a scene refers to (a regression's CSV)
//! are read through the caller's [`ReadFile`], so this room touches no file system.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::model_table::{ModelSection, SliceSection, model_scene};
use super::optimizer_table::{optimizer_from_table, range_from_table};
use super::view::{PLOT_KINDS, basin_needs_minima, colormap_name};
use super::{
    ColorBy, ColorScale, DEFAULT_MESH, DEFAULT_STEPS, DensityScale, Layout, Regression, Scene, SceneError,
    Starts, SweepScore, TrailStyle, ViewSpec,
};
use crate::camera::OrbitCamera;
use crate::expr::SurfaceParam;
use crate::regression::{DataError, DataSource, Dataset};
use crate::surfaces::{Domain, Surface};
use crate::sweep::ParamRange;

/// Reads a file a scene refers to, by its path (relative paths are relative to the scene's).
pub type ReadFile<'a> = &'a dyn Fn(&Path) -> std::io::Result<String>;

/// A [`ReadFile`] for scenes that come without a file system (built in, typed, in a page).
pub fn no_files(path: &Path) -> std::io::Result<String> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        format!("{} cannot be read here (no file system)", path.display()),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SceneFile {
    title: Option<String>,
    surface: Option<SurfaceSection>,
    #[serde(default)]
    optimizer: Vec<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    starts: Option<Spanned<StartsSection>>,
    run: Option<RunSection>,
    view: Option<ViewSection>,
    model: Option<Spanned<ModelSection>>,
    slice: Option<Spanned<SliceSection>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SurfaceSection {
    name: Option<Spanned<String>>,
    expr: Option<Spanned<String>>,
    regression: Option<Spanned<RegressionSection>>,
    domain: Option<Spanned<Vec<f64>>>,
    /// Known global minima to mark (built-ins have theirs).
    minima: Option<Vec<[f64; 2]>>,
    /// Named parameters of `expr`: a number each, or a range swept for every optimizer.
    params: Option<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
}

/// Linear regression's loss J(m, b) over generated or CSV data.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegressionSection {
    samples: Option<Spanned<u32>>,
    noise: Option<f64>,
    bias: Option<f64>,
    seed: Option<u64>,
    /// x,y columns; relative paths are relative to the scene file.
    csv: Option<Spanned<String>>,
    /// The 'only b' variant: the slope is held here and b alone descends (1D).
    fix_slope: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartsSection {
    #[serde(default)]
    points: Vec<Spanned<Vec<f64>>>,
    grid: Option<Spanned<Vec<u32>>>,
    #[serde(default)]
    random: u32,
    #[serde(default)]
    seed: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunSection {
    steps: Option<Spanned<i64>>,
    tol: Option<Spanned<f64>>,
    mesh: Option<Spanned<u32>>,
}

/// `[view]` as written, with the places of the values that are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewSection {
    camera: Option<Spanned<String>>,
    azim: Option<Spanned<f64>>,
    elev: Option<Spanned<f64>>,
    dist: Option<Spanned<f64>>,
    colormap: Option<Spanned<String>>,
    contours: Option<bool>,
    grid_lines: Option<bool>,
    axes: Option<bool>,
    trail_width: Option<Spanned<f64>>,
    trail_length: Option<Spanned<i64>>,
    fade: Option<bool>,
    axis_names: Option<[String; 3]>,
    #[serde(default)]
    plots: Vec<Spanned<String>>,
    color_by: Option<Spanned<ColorBy>>,
    trails: Option<TrailStyle>,
    density_scale: Option<DensityScale>,
    start_map: Option<bool>,
    color_scale: Option<ColorScale>,
    sweep_score: Option<SweepScore>,
    layout: Option<Layout>,
}

impl ViewSection {
    /// Checks every value where it is written, against the scene's surface.
    fn check(self, surface: &Surface, err: ErrAt<'_>) -> Result<ViewSpec, SceneError> {
        if let Some(c) = &self.camera {
            OrbitCamera::named(c.get_ref()).map_err(|m| err(Some(c.span()), m))?;
        }
        if let Some(c) = &self.colormap {
            colormap_name(c.get_ref()).map_err(|m| err(Some(c.span()), m))?;
        }
        let finite = |v: &Option<Spanned<f64>>, name: &str, ok: &dyn Fn(f64) -> bool, rule: &str| match v {
            Some(v) if !(v.get_ref().is_finite() && ok(*v.get_ref())) => Err(err(
                Some(v.span()),
                format!("{name} must be {rule}, got {}", v.get_ref()),
            )),
            _ => Ok(()),
        };
        finite(&self.azim, "azim", &|_| true, "a finite number of degrees")?;
        finite(
            &self.elev,
            "elev",
            &|e| (-90.0..=90.0).contains(&e),
            "between -90 and 90 degrees",
        )?;
        finite(&self.dist, "dist", &|d| d > 0.0, "positive")?;
        finite(
            &self.trail_width,
            "trail_width",
            &|w| w > 0.0 && w <= 100.0,
            "between 0 and 100 pixels",
        )?;
        let trail_length = match &self.trail_length {
            Some(n) => Some(
                u32::try_from(*n.get_ref())
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| {
                        err(
                            Some(n.span()),
                            format!("trail_length must be at least 1 step, got {}", n.get_ref()),
                        )
                    })?,
            ),
            None => None,
        };
        if let Some(bad) = self
            .plots
            .iter()
            .find(|p| !PLOT_KINDS.contains(&p.get_ref().as_str()))
        {
            return Err(err(
                Some(bad.span()),
                format!(
                    "unknown plot '{}'; the plots are {}",
                    bad.get_ref(),
                    PLOT_KINDS.join(", ")
                ),
            ));
        }
        if let Some(c) = &self.color_by
            && *c.get_ref() == ColorBy::Basin
            && surface.minima.is_empty()
        {
            return Err(err(Some(c.span()), basin_needs_minima(surface)));
        }
        Ok(ViewSpec {
            camera: self.camera.map(Spanned::into_inner),
            azim: self.azim.map(Spanned::into_inner),
            elev: self.elev.map(Spanned::into_inner),
            dist: self.dist.map(Spanned::into_inner),
            colormap: self.colormap.map(Spanned::into_inner),
            contours: self.contours,
            grid_lines: self.grid_lines,
            axes: self.axes,
            trail_width: self.trail_width.map(Spanned::into_inner),
            trail_length,
            fade: self.fade,
            axis_names: self.axis_names,
            plots: self.plots.into_iter().map(Spanned::into_inner).collect(),
            color_by: self.color_by.map_or(ColorBy::Optimizer, Spanned::into_inner),
            trails: self.trails,
            density_scale: self.density_scale,
            start_map: self.start_map,
            color_scale: self.color_scale,
            sweep_score: self.sweep_score,
            layout: self.layout,
        })
    }
}

impl Scene {
    /// Parses scene text; `file` names it in errors and locates the files it names, which
    /// `read` reads.
    pub fn parse_with(file: &str, src: &str, read: ReadFile<'_>) -> Result<Self, SceneError> {
        let err = |span: Option<Range<usize>>, msg: String| SceneError::at(file, src, span, msg);
        let raw: SceneFile =
            toml::from_str(src).map_err(|e| err(e.span(), e.message().trim().to_string()))?;

        let model = match &raw.model {
            Some(m) => {
                // Its surface is its loss slice, its starts its initialisations; a [view]
                // says how they are drawn.
                let others = [
                    (raw.surface.is_some(), "[surface]"),
                    (raw.starts.is_some(), "[starts]"),
                ];
                if let Some((_, table)) = others.iter().find(|(given, _)| *given) {
                    return Err(err(
                        Some(m.span()),
                        format!(
                            "a [model] scene trains a model on its data: {table} belongs to a surface scene"
                        ),
                    ));
                }
                Some(model_scene(
                    file,
                    m.get_ref(),
                    raw.slice.as_ref().map(|s| s.get_ref()),
                    read,
                    &err,
                )?)
            }
            None => {
                if let Some(s) = &raw.slice {
                    return Err(err(Some(s.span()), "[slice] belongs to a [model] scene".into()));
                }
                None
            }
        };
        let regression = match raw.surface.as_ref().and_then(|s| s.regression.as_ref()) {
            Some(r) => Some(read_regression(file, r.get_ref(), read, &err)?),
            None => None,
        };
        let declared = match raw.surface.as_ref().and_then(|s| s.params.as_ref()) {
            Some(p) => surface_params(p.get_ref(), &err)?,
            None => DeclaredParams::default(),
        };
        let mut surface = match &raw.surface {
            // A model scene draws no surface: this one stands in, unused.
            None if model.is_some() => {
                Surface::from_built_in(crate::surfaces::built_in("bowl").expect("bowl is a built-in surface"))
            }
            None => {
                return Err(err(
                    None,
                    "missing [surface] section (name = \"...\" or expr = \"...\")".into(),
                ));
            }
            Some(s) => match (&s.name, &s.expr) {
                _ if [s.name.is_some(), s.expr.is_some(), s.regression.is_some()]
                    .iter()
                    .filter(|b| **b)
                    .count()
                    > 1 =>
                {
                    let span = s
                        .expr
                        .as_ref()
                        .map(|e| e.span())
                        .or(s.regression.as_ref().map(|r| r.span()));
                    return Err(err(
                        span,
                        "give one of surface.name, surface.expr or surface.regression".into(),
                    ));
                }
                (None, None) => match &s.regression {
                    Some(r) => {
                        regression_surface(regression.as_ref().expect("parsed above"), r.span(), &err)?
                    }
                    None => {
                        return Err(err(
                            None,
                            "[surface] needs name = \"...\", expr = \"...\" or a [surface.regression] table"
                                .into(),
                        ));
                    }
                },
                (Some(_), Some(_)) => unreachable!("rejected above"),
                _ if s.params.is_some() && s.expr.is_none() => {
                    let span = s.params.as_ref().map(|p| p.span());
                    return Err(err(
                        span,
                        "surface.params names parameters of surface.expr; a built-in or regression surface has none"
                            .into(),
                    ));
                }
                (Some(n), None) => {
                    let Some(b) = crate::surfaces::built_in(n.get_ref()) else {
                        return Err(err(
                            Some(n.span()),
                            format!(
                                "unknown built-in surface '{}'; the built-ins are {} (or use expr = \"...\")",
                                n.get_ref(),
                                crate::surfaces::built_in_names().join(", ")
                            ),
                        ));
                    };
                    Surface::from_built_in(b)
                }
                (None, Some(e)) => {
                    Surface::from_name_or_expr_with(e.get_ref(), declared.values.clone()).map_err(|x| {
                        // Point at the offending character inside the string (after the quote);
                        // columns count characters, spans count bytes.
                        let text = e.get_ref();
                        let byte = text
                            .char_indices()
                            .nth(x.column.saturating_sub(1))
                            .map_or(text.len(), |(b, _)| b);
                        let at = e.span().start + 1 + byte;
                        err(Some(at..at), x.to_string())
                    })?
                }
            },
        };
        if let Some(d) = raw.surface.as_ref().and_then(|s| s.domain.as_ref()) {
            let v = d.get_ref();
            if v.len() != 4 {
                return Err(err(
                    Some(d.span()),
                    format!("domain needs 4 numbers [xmin, xmax, ymin, ymax], got {}", v.len()),
                ));
            }
            let domain = Domain::new(v[0], v[1], v[2], v[3]);
            domain
                .validate()
                .map_err(|m| err(Some(d.span()), format!("invalid domain: {m}")))?;
            surface.domain = domain;
        }

        if let Some(m) = raw.surface.as_ref().and_then(|s| s.minima.clone()) {
            surface.minima = m;
        }
        let mut optimizers = Vec::new();
        // Schedules are nested tables: read them from toml's spanned document, so an error
        // inside one names its line and column.
        let spanned = if raw
            .optimizer
            .iter()
            .any(|t| t.keys().any(|k| k.get_ref() == "schedule"))
        {
            toml::de::DeTable::parse(src)
                .map(|t| toml::de::DeValue::Table(t.into_inner()))
                .ok()
        } else {
            None
        };
        for (i, table) in raw.optimizer.iter().enumerate() {
            let schedule = spanned
                .as_ref()
                .and_then(|doc| doc.get("optimizer"))
                .and_then(|a| a.get_ref().get(i))
                .and_then(|t| t.get_ref().get("schedule"))
                .map(crate::schedule::node_from_toml);
            optimizers.push(optimizer_from_table(table, schedule, &declared.names(), &err)?);
        }
        // A parameter declared as a range is swept for every optimizer that does not set it.
        for (name, range, span) in &declared.ranges {
            super::sweep_surface_param(&mut optimizers, name, *range)
                .map_err(|m| err(Some(span.clone()), m))?;
        }

        let mut starts = Starts::default();
        if let Some(s) = &raw.starts {
            let section = s.get_ref();
            for p in &section.points {
                let v = p.get_ref();
                let point = match v.as_slice() {
                    [x] if surface.is_1d() => [*x, 0.0],
                    [x, y] => [*x, *y],
                    _ => {
                        return Err(err(
                            Some(p.span()),
                            format!(
                                "a start point needs [x, y], got {} number{}",
                                v.len(),
                                if v.len() == 1 { "" } else { "s" }
                            ),
                        ));
                    }
                };
                if !point.iter().all(|c| c.is_finite()) {
                    return Err(err(
                        Some(p.span()),
                        "start point coordinates must be finite".into(),
                    ));
                }
                starts.points.push(point);
            }
            if let Some(g) = &section.grid {
                match g.get_ref().as_slice() {
                    [c, r] if *c > 0 && *r > 0 => starts.grid = Some([*c, *r]),
                    _ => {
                        return Err(err(
                            Some(g.span()),
                            "grid needs [columns, rows], both at least 1".into(),
                        ));
                    }
                }
            }
            starts.random = section.random;
            starts.seed = section.seed;
            if starts.is_empty() {
                return Err(err(
                    Some(s.span()),
                    "[starts] gives no start point (points, grid or random)".into(),
                ));
            }
        }

        let run = raw.run.as_ref();
        let steps = match run.and_then(|r| r.steps.as_ref()) {
            Some(s) => u32::try_from(*s.get_ref())
                .ok()
                .filter(|&n| n >= 1)
                .ok_or_else(|| {
                    err(
                        Some(s.span()),
                        format!("steps must be between 1 and {}, got {}", u32::MAX, s.get_ref()),
                    )
                })?,
            None => DEFAULT_STEPS,
        };
        let tol = match run.and_then(|r| r.tol.as_ref()) {
            Some(t) if !(t.get_ref().is_finite() && *t.get_ref() >= 0.0) => {
                return Err(err(
                    Some(t.span()),
                    format!("tol must be a finite number >= 0, got {}", t.get_ref()),
                ));
            }
            Some(t) => *t.get_ref(),
            None => 0.0,
        };
        let mesh = match run.and_then(|r| r.mesh.as_ref()) {
            Some(m) if !(2..=4096).contains(m.get_ref()) => {
                return Err(err(
                    Some(m.span()),
                    format!("mesh must be between 2 and 4096, got {}", m.get_ref()),
                ));
            }
            Some(m) => *m.get_ref(),
            None => DEFAULT_MESH,
        };

        let mut view = match raw.view {
            Some(v) => v.check(&surface, &err)?,
            None => ViewSpec::default(),
        };
        if let Some(r) = &regression
            && view.axis_names.is_none()
        {
            // The surface is the mean squared error over the line's slope and intercept; with
            // the slope held, over the intercept alone, which the 1D surface puts on x (its y
            // axis carries nothing).
            view.axis_names = Some(match r.fixed_slope {
                None => ["m", "b", "J(m, b)"].map(String::from),
                Some(_) => ["b", "", "J(b)"].map(String::from),
            });
        }
        Ok(Scene {
            view,
            regression,
            model,
            title: raw.title,
            surface,
            optimizers,
            starts,
            steps,
            tol,
            mesh: [mesh, mesh],
        })
    }
}

type ErrAt<'a> = &'a dyn Fn(Option<Range<usize>>, String) -> SceneError;

/// `[surface] params` read: every parameter with its value (a range's first), and the ones
/// given as ranges with their places.
#[derive(Default)]
struct DeclaredParams {
    values: Vec<SurfaceParam>,
    ranges: Vec<(String, ParamRange, Range<usize>)>,
}

impl DeclaredParams {
    fn names(&self) -> Vec<&str> {
        self.values.iter().map(|p| p.name.as_str()).collect()
    }
}

/// Checks each name (a name, not the language's nor an optimizer's) and value (a finite number
/// or a range `{ from, to, count, scale }`) where it is written.
fn surface_params(
    table: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    err: ErrAt<'_>,
) -> Result<DeclaredParams, SceneError> {
    if table.len() > crate::expr::MAX_PARAMS {
        let span = table.keys().nth(crate::expr::MAX_PARAMS).map(|k| k.span());
        return Err(err(
            span,
            format!("a surface has at most {} parameters", crate::expr::MAX_PARAMS),
        ));
    }
    let mut out = DeclaredParams::default();
    for (key, value) in table {
        let name = key.get_ref();
        super::check_surface_param_name(name).map_err(|m| err(Some(key.span()), m))?;
        let v = match value.get_ref() {
            toml::Value::Float(f) if f.is_finite() => *f,
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Table(t) => {
                let range = range_from_table(name, t).map_err(|m| err(Some(value.span()), m))?;
                out.ranges.push((name.clone(), range, value.span()));
                range.from
            }
            other => {
                return Err(err(
                    Some(value.span()),
                    format!(
                        "{name} must be a finite number or a range {{ from, to, count, scale }}, got {other}"
                    ),
                ));
            }
        };
        out.values.push(SurfaceParam {
            name: name.clone(),
            value: v,
        });
    }
    Ok(out)
}

/// The data a `[surface.regression]` table names, with where it came from.
fn read_regression(
    file: &str,
    r: &RegressionSection,
    read: ReadFile<'_>,
    err: ErrAt<'_>,
) -> Result<Regression, SceneError> {
    let fixed_slope = r.fix_slope;
    if let Some(csv) = &r.csv {
        let base = Path::new(file).parent().unwrap_or(Path::new(""));
        let path = base.join(csv.get_ref());
        let name = path.display().to_string();
        let data = read(&path)
            .map_err(|source| DataError::Read {
                file: name.clone(),
                source,
            })
            .and_then(|text| Dataset::parse_csv(&name, &text))
            .map_err(|e| err(Some(csv.span()), e.to_string()))?;
        return Ok(Regression {
            data,
            source: DataSource::Csv(csv.get_ref().clone()),
            fixed_slope,
        });
    }
    let samples = r.samples.as_ref().map_or(100, |s| *s.get_ref());
    if samples < 2 {
        let span = r.samples.as_ref().map(|s| s.span());
        return Err(err(span, format!("samples must be at least 2, got {samples}")));
    }
    let (noise, bias, seed) = (
        r.noise.unwrap_or(10.0),
        r.bias.unwrap_or(0.0),
        r.seed.unwrap_or(0),
    );
    Ok(Regression {
        data: Dataset::make_regression(samples as usize, noise, bias, seed),
        source: DataSource::Generated {
            samples,
            noise,
            bias,
            seed,
        },
        fixed_slope,
    })
}

/// The MSE surface over (m, b) (or over b alone), with a domain that holds the origin, where
/// the tutorials start, and the least-squares solution, marked as the minimum.
fn regression_surface(r: &Regression, span: Range<usize>, err: ErrAt<'_>) -> Result<Surface, SceneError> {
    let data = &r.data;
    let (m, b) = data.least_squares();
    let around = |lo: f64, hi: f64| {
        let pad = 0.25 * (hi - lo).max(1.0);
        [lo.min(0.0) - pad, hi.max(0.0) + pad]
    };
    let (source, name, domain, minimum) = match r.fixed_slope {
        Some(m_fixed) => {
            let b_best = b + (m - m_fixed) * data.moments().x;
            let x = around(b_best.min(0.0), b_best.max(0.0));
            (
                data.mse_only_b_expr(m_fixed),
                "MSE over b",
                Domain::new(x[0], x[1], -1.0, 1.0),
                [b_best, 0.0],
            )
        }
        None => {
            // A square window centred on the solution that reaches the origin, where the
            // tutorials start: the bowl's true shape, and every path stays inside.
            let r = 1.25 * m.abs().max(b.abs()).max(1.0);
            (
                data.mse_expr(),
                "MSE over (m, b)",
                Domain::new(m - r, m + r, b - r, b + r),
                [m, b],
            )
        }
    };
    let mut surface = Surface::from_name_or_expr(&source).map_err(|e| err(Some(span), e.to_string()))?;
    surface.name = name.to_string();
    surface.domain = domain;
    surface.minima = vec![minimum];
    Ok(surface)
}
