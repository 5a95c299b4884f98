//! The `[view]` section's types: camera and style as a scene states them, and the names a
//! scene may hold (colormaps, plots, trail styles). The renderer turns them into what it draws.

use serde::Deserialize;

use super::Starts;
use crate::surfaces::Surface;

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
    /// 2D plots drawn over the frame (see `render::overlay::plots`): "xy" (x, y and loss against
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
    /// What a sweep map's colours say; unset: each group's outcome (final loss, blow-up step).
    pub sweep_score: Option<SweepScore>,
    /// What a frame is; unset: the 3D scene (with any sweep map as an inset).
    pub layout: Option<Layout>,
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
    /// Lines up to [`AUTO_LINES_MAX`] particles, density beyond.
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
            Self::Auto if particles <= AUTO_LINES_MAX => Self::Lines,
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

/// What a sweep map's colours say (`[view] sweep_score`, `--sweep-score`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepScore {
    /// Each group's outcome: how low its loss ended, or how soon it blew up.
    #[default]
    Outcome,
    /// Sohl-Dickstein's (2024) trainability score: the loss over its first value, converged
    /// when the mean of its last 20 values is below 1; minus the sum for converged groups,
    /// the sum of inverses for diverged ones ([`crate::outcome::trainability`]).
    Trainability,
}

impl SweepScore {
    pub const NAMES: [&'static str; 2] = ["outcome", "trainability"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "outcome" => Some(Self::Outcome),
            "trainability" => Some(Self::Trainability),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// What a frame shows (`[view] layout`, `--layout`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// The 3D scene, a sweep's map as an inset.
    #[default]
    Scene,
    /// The first sweep's map, the whole frame: one pixel per group at the map's resolution,
    /// each frame (and each zoom step) a whole run; no 3D view.
    Map,
}

impl Layout {
    pub const NAMES: [&'static str; 2] = ["scene", "map"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "scene" => Some(Self::Scene),
            "map" => Some(Self::Map),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
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

pub(crate) fn basin_needs_minima(surface: &Surface) -> String {
    format!(
        "color_by = \"basin\" needs the surface's minima, and {} has none: list them in [surface] minima = [[x, y], ...]",
        surface.name
    )
}

/// The colormaps a scene may name (`[view] colormap`, `--colormap`), matplotlib's names; the
/// renderer holds their lookup tables.
pub const COLORMAP_NAMES: [&str; 7] = [
    "coolwarm", "viridis", "plasma", "magma", "inferno", "cividis", "gray",
];

/// The canonical name of the colormap `name` (case-insensitive; `grey` is `gray`), or the
/// error that lists the colormaps.
pub fn colormap_name(name: &str) -> Result<&'static str, String> {
    let key = name.trim().to_ascii_lowercase();
    let key = if key == "grey" { "gray" } else { key.as_str() };
    COLORMAP_NAMES.into_iter().find(|c| *c == key).ok_or_else(|| {
        format!(
            "unknown colormap '{name}'; the colormaps are {}",
            COLORMAP_NAMES.join(", ")
        )
    })
}

/// Up to this many particles, `trails = "auto"` draws a line per particle; beyond, density.
pub const AUTO_LINES_MAX: u32 = 5000;
