//! Scenes: what to simulate (surface, optimizers, start points, stopping rules) and how to show
//! it, read from a TOML file and/or built from command-line flags. Every error names the file,
//! line and column of the offending value.
//!
//! - `mod.rs`: the model, [`Scene`] and its [`Starts`], and what a run needs checked.
//! - `view.rs`: the `[view]` types, with the names a scene may hold (colormaps, plots, trail
//!   styles): the renderer maps them to what it draws; the scene never imports the renderer.
//! - `model_table.rs`: `[model]` and `[slice]`, a model trained on data instead of a surface
//!   ([`ModelScene`]; `descent run` trains it).
//! - `format.rs`: the TOML format, read into a [`Scene`] with located errors ([`SceneError`],
//!   `error.rs`); `optimizer_table.rs`: one `[[optimizer]]` table.
//! - `library.rs`: the scenes shipped in `assets/scenes`, built in (the panel's menu).
//! - `write/`: the inverse: a [`Scene`] as a scene file (`to_toml`, what the page keeps in its
//!   URL) and as a `descent render` command line (`to_command`).
//!
//! Reading files is the platform's (`crate::files`): [`Scene::parse_with`] takes the reader.
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

mod defaults;
mod error;
mod format;
pub mod library;
mod model_table;
mod optimizer_table;
mod view;
mod write;

pub use crate::regression::Regression;
pub use defaults::{assume_defaults, suited_learning_rate};
pub use error::SceneError;
pub use format::{ReadFile, no_files};
pub use model_table::{ModelScene, SliceScene};
pub use optimizer_table::{check_surface_param_name, sweep_surface_param, with_surface_params};
pub use view::*;

use crate::optim::OptimizerSpec;
use crate::rng::SplitMix64;
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
    /// A model trained on data instead of a surface (`[model]`): the surface is then unused.
    pub model: Option<ModelScene>,
    /// How it is shown: camera and style (flags override it).
    pub view: ViewSpec,
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

pub const DEFAULT_STEPS: u32 = 200;
pub const DEFAULT_MESH: u32 = 81;

/// The scene `descent` shows when given none: the blog post's saddle with its two starts.
pub const DEFAULT_SCENE: &str = include_str!("../../assets/scenes/saddle-two-starts.toml");

impl Scene {
    /// The scene `descent` runs when given none.
    pub fn default_scene() -> Self {
        Self::parse_with("assets/scenes/saddle-two-starts.toml", DEFAULT_SCENE, &no_files)
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
        // A model scene's particles are its initialisations.
        if self.starts.count() == 0 && self.model.is_none() {
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
        if self.view.layout == Some(Layout::Map) && !self.has_sweep() {
            return Err(
                "layout = \"map\" draws a sweep's map: no optimizer sweeps a parameter (give a range, \
                 e.g. lr = { from = 0.01, to = 1, count = 64 })"
                    .into(),
            );
        }
        if self.view.color_by == ColorBy::Basin && self.surface.minima.is_empty() {
            return Err(basin_needs_minima(&self.surface));
        }
        // A surface parameter an optimizer sets must be the surface's (which may have changed).
        for o in &self.optimizers {
            if let Some((name, _)) = o
                .surface
                .iter()
                .find(|(n, _)| !self.surface.params().iter().any(|p| p.name == *n))
            {
                let known: Vec<&str> = self.surface.params().iter().map(|p| p.name.as_str()).collect();
                return Err(format!(
                    "optimizer {} sets '{name}', which is not a parameter of the surface {} ({})",
                    o.name,
                    self.surface.name,
                    if known.is_empty() {
                        "it has none".to_string()
                    } else {
                        format!("its parameters: {}", known.join(", "))
                    }
                ));
            }
        }
        // Schedules that torch would refuse for this many steps, and mini-batches without data.
        let inputs = crate::step_tables::StepInputs {
            seed: self.starts.seed,
            regression: self.regression.as_ref(),
        };
        for (i, o) in self.optimizers.iter().enumerate() {
            if self.model.is_none()
                && let Some(key) = o.model_keys().first()
            {
                return Err(format!(
                    "optimizer {} ({}): {key} applies to a model's layers (a [model] scene); a \
                     surface's particle is one 2-vector",
                    i + 1,
                    o.name
                ));
            }
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

    /// How many start points [`Self::start_points`] makes (a 1D surface's grid has one row),
    /// counted without making them: sizes are checked before anything large is allocated.
    pub fn start_count(&self) -> u64 {
        let s = &self.starts;
        let grid = s.grid.map_or(0, |[c, r]| {
            u64::from(c) * if self.surface.is_1d() { 1 } else { u64::from(r) }
        });
        s.points.len() as u64 + grid + u64::from(s.random)
    }

    /// Particles a run of this scene simulates: every optimizer group from every start.
    pub fn particle_count(&self) -> u64 {
        self.start_count().saturating_mul(self.group_count())
    }

    /// The start points, generated.
    pub fn start_points(&self) -> Vec<[f64; 2]> {
        self.starts.generate(&self.surface.domain, self.surface.is_1d())
    }
}
