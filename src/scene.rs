//! Scenes: what to simulate (surface, optimizers, start points, stopping rules), read from a
//! TOML file and/or built from command-line flags. Every error names the file, line and column
//! of the offending value.
//!
//! ```toml
//! title = "Gradient descent on a saddle"
//! [surface]
//! name = "saddle"                 # a built-in, or: expr = "x^2 - y^2"
//! domain = [-1.0, 1.0, -1.0, 1.0] # xmin, xmax, ymin, ymax (optional for built-ins)
//! [[optimizer]]
//! name = "gd"                     # torch.optim names and parameters
//! lr = 0.01
//! grad_noise = 0.0                # optional: s * N(0, 1) added to each gradient component
//! schedule = { name = "CosineAnnealingLR", T_max = 200 }  # optional: torch.optim.lr_scheduler
//! [starts]
//! points = [[1.0, 0.0], [1.0, 0.25]]
//! grid = [8, 8]                   # optional, over the domain
//! random = 1000                   # optional, uniform over the domain
//! seed = 7
//! [run]
//! steps = 200
//! tol = 0.0
//! ```

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::optim::OptimizerSpec;
use crate::regression::Dataset;
use crate::surfaces::{Domain, Surface};

/// A complete, validated description of a run.
#[derive(Clone, Debug)]
pub struct Scene {
    pub title: Option<String>,
    pub surface: Surface,
    pub optimizers: Vec<OptimizerSpec>,
    pub starts: Starts,
    /// Maximum optimizer steps per particle.
    pub steps: u32,
    /// A particle whose step is shorter than this is converged and stops (0: never).
    pub tol: f64,
    /// Mesh resolution for the renderer (vertices per side).
    pub mesh: [u32; 2],
    /// The data of a linear-regression scene (its surface is the MSE over (m, b)).
    pub regression: Option<Regression>,
    /// How it is shown: camera and style (flags override it).
    pub view: ViewSpec,
}

/// The plots a scene may ask for in `[view] plots = [...]`.
pub const PLOT_KINDS: [&str; 5] = ["xy", "loss", "regression", "curve", "lr"];

/// The `[view]` section: camera and style. Unset fields take the renderer's defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ViewSpec {
    /// A preset: "post" (azimuth 120, elevation 37, as the blog post), "top" or "side".
    pub camera: Option<String>,
    /// matplotlib's view_init angles, in degrees.
    pub azim: Option<f64>,
    pub elev: Option<f64>,
    /// Camera distance, in plot-box widths.
    pub dist: Option<f64>,
    /// coolwarm (default), viridis, plasma, magma, inferno, cividis, gray.
    pub colormap: Option<String>,
    pub contours: Option<bool>,
    /// Thin mesh lines, like matplotlib's edgecolors='k'.
    pub grid_lines: Option<bool>,
    pub axes: Option<bool>,
    /// Trail width in pixels (at 1080p; scaled with the frame height).
    pub trail_width: Option<f64>,
    /// Steps of history a trail shows behind its head; unset: the whole path.
    pub trail_length: Option<u32>,
    /// Trails fade with age.
    pub fade: Option<bool>,
    /// Names of the x, y and loss axes; linear regression's default is m, b, J(m, b).
    pub axis_names: Option<[String; 3]>,
    /// 2D plots drawn over the frame (see `render::plots`): "xy" (x, y and loss against
    /// iteration), "loss", "regression" (data and current line), "curve" (1D: f against x),
    /// "lr" (learning rate against step).
    pub plots: Vec<String>,
    /// What a particle's colour says: its optimizer (default), the minimum it ends at, its
    /// final loss, its start position or its steps to converge.
    pub color_by: ColorBy,
    /// How trails are drawn; unset: by particle count.
    pub trails: Option<TrailStyle>,
    /// How density counts map to brightness.
    pub density_scale: Option<DensityScale>,
    /// The start map inset (a grid of starts coloured by outcome); unset: shown for grids of
    /// at least [`AUTO_START_MAP_STARTS`] starts.
    pub start_map: Option<bool>,
    /// How the surface's colours and contour levels follow the loss; unset: linear.
    pub color_scale: Option<ColorScale>,
}

/// Grids of at least this many starts show the start map inset unless `[view] start_map = false`.
pub const AUTO_START_MAP_STARTS: u64 = 10_000;

impl ViewSpec {
    /// Whether frames show the start map inset for `starts`.
    pub fn shows_start_map(&self, starts: &Starts) -> bool {
        let grid = starts.grid.map_or(0, |[c, r]| u64::from(c) * u64::from(r));
        match self.start_map {
            Some(on) => on && grid > 0,
            None => grid >= AUTO_START_MAP_STARTS,
        }
    }
}

/// `[view] color_by`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorBy {
    /// A colour per optimizer.
    #[default]
    Optimizer,
    /// A colour per known minimum: the basin each particle ends in (see `basins`).
    Basin,
    /// The final loss, through a colormap with a colour bar.
    Loss,
    /// The start position, through a 2D colour wheel over the domain: where each region of
    /// starts goes.
    Start,
    /// The steps taken to converge (by `tol`); those that never converged apart.
    Steps,
}

impl ColorBy {
    pub const NAMES: [&'static str; 5] = ["optimizer", "basin", "loss", "start", "steps"];

    pub fn from_name(name: &str) -> Option<Self> {
        let all = [Self::Optimizer, Self::Basin, Self::Loss, Self::Start, Self::Steps];
        Self::NAMES.iter().position(|n| *n == name).map(|i| all[i])
    }
}

/// How trails are drawn (`[view] trails`, `--trails`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrailStyle {
    /// Lines up to `render::AUTO_LINES_MAX` particles, density beyond.
    #[default]
    Auto,
    /// A line per particle (right for up to a few hundred paths).
    Lines,
    /// Every segment accumulated and tone-mapped: where particles went and how many.
    Density,
    /// The particles now, with comet tails when a trail length is set.
    Heads,
}

impl TrailStyle {
    pub const NAMES: [&'static str; 4] = ["auto", "lines", "density", "heads"];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| [Self::Auto, Self::Lines, Self::Density, Self::Heads][i])
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// What the style draws for `particles` particles (`Auto` decided).
    pub fn resolve(self, particles: u32) -> Self {
        match self {
            Self::Auto if particles <= crate::render::AUTO_LINES_MAX => Self::Lines,
            Self::Auto => Self::Density,
            other => other,
        }
    }
}

/// How the surface's colours and contour levels follow the loss (`[view] color_scale`,
/// `--color-scale`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorScale {
    /// Colour in proportion to the loss.
    #[default]
    Linear,
    /// Colour by log10(f - min f + eps), eps a fixed share of the surface's loss range
    /// (`render::LOG_EPS_SHARE`): valleys (Rosenbrock's, Beale's) get the colormap's low half
    /// instead of one colour; contour levels are evenly spaced in log.
    Log,
}

impl ColorScale {
    pub const NAMES: [&'static str; 2] = ["linear", "log"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "linear" => Some(Self::Linear),
            "log" => Some(Self::Log),
            _ => None,
        }
    }
}

/// How density counts map to brightness (`[view] density_scale`, `--density-scale`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DensityScale {
    /// Histogram equalisation (datashader's `eq_hist`): every brightness level covers as many
    /// pixels as any other, so structure shows at every density.
    #[default]
    EqHist,
    /// log(1 + count), relative to the densest pixel.
    Log,
}

impl DensityScale {
    pub const NAMES: [&'static str; 2] = ["eq_hist", "log"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "eq_hist" => Some(Self::EqHist),
            "log" => Some(Self::Log),
            _ => None,
        }
    }
}

/// A linear-regression scene's data and what the descent should find.
#[derive(Clone, Debug)]
pub struct Regression {
    pub data: crate::regression::Dataset,
    /// Some(m) when only b descends, with the slope held at m.
    pub fixed_slope: Option<f64>,
}

/// How start points are generated; every optimizer runs from every start point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Starts {
    pub points: Vec<[f64; 2]>,
    /// Columns x rows, spread over the domain edge to edge.
    pub grid: Option<[u32; 2]>,
    /// Uniformly random over the domain, reproducible from `seed`.
    pub random: u32,
    pub seed: u64,
}

impl Starts {
    pub fn is_empty(&self) -> bool {
        self.points.is_empty() && self.grid.is_none() && self.random == 0
    }

    pub fn count(&self) -> u64 {
        let grid = self.grid.map_or(0, |[c, r]| u64::from(c) * u64::from(r));
        self.points.len() as u64 + grid + u64::from(self.random)
    }

    /// Explicit points, then the grid (row-major, y outer), then the random points.
    /// On a 1D surface y is 0 throughout and a grid spans x alone.
    pub fn generate(&self, domain: &Domain, one_d: bool) -> Vec<[f64; 2]> {
        let mut out = Vec::with_capacity(self.count() as usize);
        out.extend(self.points.iter().map(|p| if one_d { [p[0], 0.0] } else { *p }));
        if let Some([cols, rows]) = self.grid {
            let rows = if one_d { 1 } else { rows };
            let lerp = |r: [f64; 2], i: u32, n: u32| {
                if n <= 1 {
                    (r[0] + r[1]) / 2.0
                } else {
                    r[0] + (r[1] - r[0]) * f64::from(i) / f64::from(n - 1)
                }
            };
            for j in 0..rows {
                for i in 0..cols {
                    let y = if one_d { 0.0 } else { lerp(domain.y, j, rows) };
                    out.push([lerp(domain.x, i, cols), y]);
                }
            }
        }
        let mut rng = SplitMix64(self.seed);
        for _ in 0..self.random {
            let x = domain.x[0] + (domain.x[1] - domain.x[0]) * rng.next_f64();
            let y = domain.y[0] + (domain.y[1] - domain.y[0]) * rng.next_f64();
            out.push([x, if one_d { 0.0 } else { y }]);
        }
        out
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and the same stream on every platform.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// A scene error located in its source text.
#[derive(Debug, thiserror::Error)]
#[error("{}{message}{snippet}", self.place())]
pub struct SceneError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending line with a caret under the column (empty when there is no text).
    pub snippet: String,
}

impl SceneError {
    /// `file:line:column: `, or `file: ` for an error about the whole file (line 0).
    fn place(&self) -> String {
        if self.line == 0 {
            format!("{}: ", self.file)
        } else {
            format!("{}:{}:{}: ", self.file, self.line, self.column)
        }
    }

    fn at(file: &str, src: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        let offset = span.map_or(0, |s| s.start.min(src.len()));
        let before = &src[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = src[line_start..offset].chars().count() + 1;
        let text = src[line_start..].lines().next().unwrap_or("");
        let snippet = if src.is_empty() {
            String::new()
        } else {
            format!("\n  | {text}\n  | {}^", " ".repeat(column - 1))
        };
        Self {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            snippet,
        }
    }
}

// ---- the file format, as serde sees it ----

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
}

impl ViewSection {
    /// Checks every value where it is written, against the scene's surface.
    fn check(self, surface: &Surface, err: ErrAt<'_>) -> Result<ViewSpec, SceneError> {
        if let Some(c) = &self.camera
            && crate::camera::OrbitCamera::preset(c.get_ref()).is_none()
        {
            return Err(err(
                Some(c.span()),
                format!(
                    "unknown camera preset '{}'; the presets are post, top and side",
                    c.get_ref()
                ),
            ));
        }
        if let Some(c) = &self.colormap
            && crate::render::Colormap::from_name(c.get_ref()).is_none()
        {
            let known: Vec<&str> = crate::render::Colormap::ALL.iter().map(|c| c.name()).collect();
            return Err(err(
                Some(c.span()),
                format!(
                    "unknown colormap '{}'; the colormaps are {}",
                    c.get_ref(),
                    known.join(", ")
                ),
            ));
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
        })
    }
}

fn basin_needs_minima(surface: &Surface) -> String {
    format!(
        "color_by = \"basin\" needs the surface's minima, and {} has none: list them in [surface] minima = [[x, y], ...]",
        surface.name
    )
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

pub const DEFAULT_STEPS: u32 = 200;
pub const DEFAULT_MESH: u32 = 81;

/// The scene `descent` shows when given none: the blog post's saddle with its two starts.
pub const DEFAULT_SCENE: &str = include_str!("../assets/scenes/saddle-two-starts.toml");

impl Scene {
    pub fn load(path: &Path) -> Result<Self, SceneError> {
        let file = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|e| SceneError {
            file: file.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read the scene file: {e}"),
            snippet: String::new(),
        })?;
        Self::parse(&file, &src)
    }

    /// Parses scene text; `file` names it in errors.
    pub fn parse(file: &str, src: &str) -> Result<Self, SceneError> {
        let err = |span: Option<Range<usize>>, msg: String| SceneError::at(file, src, span, msg);
        let raw: SceneFile =
            toml::from_str(src).map_err(|e| err(e.span(), e.message().trim().to_string()))?;

        let regression = match raw.surface.as_ref().and_then(|s| s.regression.as_ref()) {
            Some(r) => Some(Regression {
                data: regression_data(file, r.get_ref(), &err)?,
                fixed_slope: r.get_ref().fix_slope,
            }),
            None => None,
        };
        let mut surface = match &raw.surface {
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
                    Surface::from_name_or_expr(e.get_ref()).map_err(|x| {
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
            optimizers.push(optimizer_from_table(table, schedule, &err)?);
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
            title: raw.title,
            surface,
            optimizers,
            starts,
            steps,
            tol,
            mesh: [mesh, mesh],
        })
    }

    /// The scene `descent` runs when given none.
    pub fn default_scene() -> Self {
        Self::parse("assets/scenes/saddle-two-starts.toml", DEFAULT_SCENE)
            .unwrap_or_else(|e| panic!("the built-in default scene is invalid: {e}"))
    }

    /// Checks what a run needs: at least one optimizer and one start point.
    pub fn validate(&self) -> Result<(), String> {
        if self.optimizers.is_empty() {
            return Err(
                "no optimizer: add one with --optimizer NAME[:key=value,...] or an [[optimizer]] table"
                    .into(),
            );
        }
        if self.starts.count() == 0 {
            return Err("no start point: add --start x,y, --grid NxM or --random N".into());
        }
        if self.steps == 0 {
            return Err("steps must be at least 1".into());
        }
        if let Some(bad) = self.view.plots.iter().find(|p| !PLOT_KINDS.contains(&p.as_str())) {
            return Err(format!(
                "unknown plot '{bad}'; the plots are {}",
                PLOT_KINDS.join(", ")
            ));
        }
        if self.view.color_by == ColorBy::Basin && self.surface.minima.is_empty() {
            return Err(basin_needs_minima(&self.surface));
        }
        // Schedules that torch would refuse for this many steps, and mini-batches without data.
        let inputs = crate::step_tables::StepInputs {
            seed: self.starts.seed,
            regression: self.regression.as_ref(),
        };
        for (i, o) in self.optimizers.iter().enumerate() {
            if o.schedule.is_some() || o.params.batch_size != 0.0 {
                crate::step_tables::group_tables(o, self.steps, &inputs)
                    .map_err(|e| format!("optimizer {} ({}): {e}", i + 1, o.name))?;
            }
        }
        self.surface.domain.validate()
    }

    /// Optimizer groups: one per optimizer, or one per value (pair of values) of a sweep.
    pub fn group_count(&self) -> u64 {
        self.optimizers.iter().map(OptimizerSpec::group_count).sum()
    }

    /// Every optimizer group, sweeps expanded, in the simulation's group order.
    pub fn groups(&self) -> Vec<OptimizerSpec> {
        self.optimizers.iter().flat_map(OptimizerSpec::groups).collect()
    }

    /// The optimizer (index into `optimizers`) group `g` belongs to, and its first group.
    pub fn entry_of_group(&self, g: u64) -> (usize, u64) {
        let mut first = 0;
        for (k, o) in self.optimizers.iter().enumerate() {
            let n = o.group_count();
            if g < first + n {
                return (k, first);
            }
            first += n;
        }
        (self.optimizers.len().saturating_sub(1), first)
    }

    /// Whether any optimizer sweeps a parameter.
    pub fn has_sweep(&self) -> bool {
        self.optimizers.iter().any(|o| !o.sweep.is_empty())
    }

    /// The start points, generated.
    pub fn start_points(&self) -> Vec<[f64; 2]> {
        self.starts.generate(&self.surface.domain, self.surface.is_1d())
    }
}

type ErrAt<'a> = &'a dyn Fn(Option<Range<usize>>, String) -> SceneError;

fn regression_data(file: &str, r: &RegressionSection, err: ErrAt<'_>) -> Result<Dataset, SceneError> {
    if let Some(csv) = &r.csv {
        let base = Path::new(file).parent().unwrap_or(Path::new(""));
        return Dataset::from_csv(&base.join(csv.get_ref()))
            .map_err(|e| err(Some(csv.span()), e.to_string()));
    }
    let samples = r.samples.as_ref().map_or(100, |s| *s.get_ref());
    if samples < 2 {
        let span = r.samples.as_ref().map(|s| s.span());
        return Err(err(span, format!("samples must be at least 2, got {samples}")));
    }
    Ok(Dataset::make_regression(
        samples as usize,
        r.noise.unwrap_or(10.0),
        r.bias.unwrap_or(0.0),
        r.seed.unwrap_or(0),
    ))
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

fn optimizer_from_table(
    table: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    schedule: Option<crate::schedule::Node>,
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
        if let toml::Value::Table(t) = value.get_ref() {
            let range = range_from_table(key.get_ref(), t).map_err(|m| err(Some(value.span()), m))?;
            spec.set_range(key.get_ref(), range)
                .map_err(|e| err(Some(key.span()), e.to_string()))?;
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
        spec.set(key.get_ref(), &text)
            .map_err(|e| err(Some(key.span()), e.to_string()))?;
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

/// `{ from = 1e-4, to = 1e-2, count = 512, scale = "log" }` (scale optional, linear by default).
fn range_from_table(key: &str, t: &toml::Table) -> Result<crate::sweep::ParamRange, String> {
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
