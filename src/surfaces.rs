//! Surfaces: a built-in name or a user expression, compiled once, with a domain and the known
//! global minima (drawn as markers and used by tests); or a table of heights on a grid (a
//! model's loss slice), read bilinearly between its nodes.

use std::sync::Arc;

use crate::expr::{ExprError, NO_PARAMS_WGSL, SurfaceExpr, SurfaceParam};

/// An axis-aligned rectangle of the (x, y) plane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Domain {
    pub x: [f64; 2],
    pub y: [f64; 2],
}

impl Domain {
    pub const fn new(xmin: f64, xmax: f64, ymin: f64, ymax: f64) -> Self {
        Self {
            x: [xmin, xmax],
            y: [ymin, ymax],
        }
    }
    pub fn center(&self) -> [f64; 2] {
        [(self.x[0] + self.x[1]) / 2.0, (self.y[0] + self.y[1]) / 2.0]
    }
    pub fn extent(&self) -> f64 {
        (self.x[1] - self.x[0]).max(self.y[1] - self.y[0])
    }
    /// The nodes of a `cols` x `rows` grid spanning the domain edge to edge, row-major with y
    /// outer (as the surface mesh lays them out); each side at least 2.
    pub fn grid(self, cols: u32, rows: u32) -> impl Iterator<Item = [f64; 2]> {
        let (cols, rows) = (cols.max(2), rows.max(2));
        (0..rows).flat_map(move |j| {
            let y = self.y[0] + (self.y[1] - self.y[0]) * f64::from(j) / f64::from(rows - 1);
            (0..cols).map(move |i| {
                [
                    self.x[0] + (self.x[1] - self.x[0]) * f64::from(i) / f64::from(cols - 1),
                    y,
                ]
            })
        })
    }

    /// Empty, inverted or non-finite domains cannot be sampled.
    pub fn validate(&self) -> Result<(), String> {
        let ok = |r: [f64; 2]| r[0].is_finite() && r[1].is_finite() && r[0] < r[1];
        if !ok(self.x) {
            return Err(format!("empty x range [{}, {}]", self.x[0], self.x[1]));
        }
        if !ok(self.y) {
            return Err(format!("empty y range [{}, {}]", self.y[0], self.y[1]));
        }
        Ok(())
    }
}

/// A built-in surface: name, expression, domain, known global minima.
pub struct BuiltIn {
    pub name: &'static str,
    pub expr: &'static str,
    pub domain: Domain,
    pub minima: &'static [[f64; 2]],
}

/// The built-in surfaces. Domains and minima follow the usual optimisation test-function
/// tables (Surjanovic & Bingham's Virtual Library of Simulation Experiments).
pub const BUILT_INS: &[BuiltIn] = &[
    BuiltIn {
        name: "saddle",
        expr: "x^2 - y^2",
        domain: Domain::new(-1.0, 1.0, -1.0, 1.0),
        minima: &[],
    },
    BuiltIn {
        name: "bowl",
        expr: "x^2 + y^2",
        domain: Domain::new(-2.0, 2.0, -2.0, 2.0),
        minima: &[[0.0, 0.0]],
    },
    BuiltIn {
        name: "rosenbrock",
        expr: "(1 - x)^2 + 100*(y - x^2)^2",
        domain: Domain::new(-2.0, 2.0, -1.0, 3.0),
        minima: &[[1.0, 1.0]],
    },
    BuiltIn {
        name: "himmelblau",
        expr: "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        minima: &[
            [3.0, 2.0],
            [-2.805118, 3.131312],
            [-3.779310, -3.283186],
            [3.584428, -1.848126],
        ],
    },
    BuiltIn {
        name: "rastrigin",
        expr: "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        domain: Domain::new(-5.12, 5.12, -5.12, 5.12),
        minima: &[[0.0, 0.0]],
    },
    BuiltIn {
        name: "ackley",
        expr: "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        minima: &[[0.0, 0.0]],
    },
    BuiltIn {
        name: "beale",
        expr: "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        domain: Domain::new(-4.5, 4.5, -4.5, 4.5),
        minima: &[[3.0, 0.5]],
    },
    BuiltIn {
        name: "booth",
        expr: "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
        domain: Domain::new(-10.0, 10.0, -10.0, 10.0),
        minima: &[[1.0, 3.0]],
    },
    BuiltIn {
        name: "matyas",
        expr: "0.26*(x^2 + y^2) - 0.48*x*y",
        domain: Domain::new(-10.0, 10.0, -10.0, 10.0),
        minima: &[[0.0, 0.0]],
    },
    BuiltIn {
        name: "six-hump-camel",
        expr: "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
        domain: Domain::new(-3.0, 3.0, -2.0, 2.0),
        minima: &[[0.0898, -0.7126], [-0.0898, 0.7126]],
    },
    BuiltIn {
        name: "styblinski-tang",
        expr: "0.5*(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)",
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        minima: &[[-2.903534, -2.903534]],
    },
    BuiltIn {
        name: "goldstein-price",
        expr: "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))\
               *(30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
        domain: Domain::new(-2.0, 2.0, -2.0, 2.0),
        minima: &[[0.0, -1.0]],
    },
    // The 1D course example f(theta) = theta^2 (theta is x; y plays no part).
    BuiltIn {
        name: "theta-squared",
        expr: "x^2",
        domain: Domain::new(-4.0, 4.0, -1.0, 1.0),
        minima: &[[0.0, 0.0]],
    },
];

/// A surface ready to use: compiled expression (or height table), domain, minima.
#[derive(Clone, Debug)]
pub struct Surface {
    /// The built-in's name, or the expression text for a custom surface.
    pub name: String,
    /// The expression text as parsed.
    pub source: String,
    shape: Shape,
    pub domain: Domain,
    pub minima: Vec<[f64; 2]>,
}

#[derive(Clone, Debug)]
enum Shape {
    Expr(SurfaceExpr),
    Table(Arc<HeightTable>),
}

/// Heights on a `cols` x `rows` grid spanning a surface's domain edge to edge, row-major with
/// y outer (a loss slice as the GPU evaluated it); not finite where the function was not.
#[derive(Clone, Debug, PartialEq)]
pub struct HeightTable {
    pub cols: u32,
    pub rows: u32,
    pub values: Vec<f32>,
}

impl HeightTable {
    fn at(&self, col: u32, row: u32) -> f64 {
        f64::from(self.values[(row * self.cols + col) as usize])
    }

    /// The height and gradient (per grid cell) at fractional grid coordinates, clamped to the
    /// grid: bilinear between the four nodes around, whose gradients are central differences
    /// (one-sided at the edges), so the normals a mesh takes from them vary smoothly.
    fn sample(&self, u: f64, v: f64) -> (f64, [f64; 2]) {
        let (cols, rows) = (self.cols.max(2), self.rows.max(2));
        let u = u.clamp(0.0, f64::from(cols - 1));
        let v = v.clamp(0.0, f64::from(rows - 1));
        let (c0, r0) = ((u.floor() as u32).min(cols - 2), (v.floor() as u32).min(rows - 2));
        let (fu, fv) = (u - f64::from(c0), v - f64::from(r0));
        let node_grad = |c: u32, r: u32| {
            let (cl, ch) = (c.saturating_sub(1), (c + 1).min(cols - 1));
            let (rl, rh) = (r.saturating_sub(1), (r + 1).min(rows - 1));
            [
                (self.at(ch, r) - self.at(cl, r)) / f64::from(ch - cl),
                (self.at(c, rh) - self.at(c, rl)) / f64::from(rh - rl),
            ]
        };
        let mut height = 0.0;
        let mut grad = [0.0; 2];
        for (dc, dr, w) in [
            (0, 0, (1.0 - fu) * (1.0 - fv)),
            (1, 0, fu * (1.0 - fv)),
            (0, 1, (1.0 - fu) * fv),
            (1, 1, fu * fv),
        ] {
            let (c, r) = (c0 + dc, r0 + dr);
            // A node with weight 0 does not spoil its neighbours (a diverged corner).
            if w == 0.0 {
                continue;
            }
            height += w * self.at(c, r);
            let g = node_grad(c, r);
            grad = [grad[0] + w * g[0], grad[1] + w * g[1]];
        }
        (height, grad)
    }
}

/// The domain a custom expression gets when none is given.
pub const DEFAULT_DOMAIN: Domain = Domain::new(-2.0, 2.0, -2.0, 2.0);

impl Surface {
    /// Resolves a built-in name, or else parses `text` as an expression in x and y.
    pub fn from_name_or_expr(text: &str) -> Result<Self, ExprError> {
        Self::from_name_or_expr_with(text, Vec::new())
    }

    /// As [`Self::from_name_or_expr`], for an expression in which the names of `params`
    /// stand for their values (a built-in surface has none: giving some is an error).
    pub fn from_name_or_expr_with(text: &str, params: Vec<SurfaceParam>) -> Result<Self, ExprError> {
        let trimmed = text.trim();
        if let Some(b) = built_in(trimmed) {
            if params.is_empty() {
                return Ok(Self::from_built_in(b));
            }
            return Err(ExprError::new(
                format!(
                    "the built-in surface '{trimmed}' has no parameters; write its expression to give it some"
                ),
                1,
                trimmed,
            ));
        }
        let expr = SurfaceExpr::parse_with(trimmed, params)?;
        Ok(Self {
            name: trimmed.to_string(),
            source: trimmed.to_string(),
            shape: Shape::Expr(expr),
            domain: DEFAULT_DOMAIN,
            minima: Vec::new(),
        })
    }

    /// Its named parameters with their own values (none for built-ins and tables).
    pub fn params(&self) -> &[SurfaceParam] {
        match &self.shape {
            Shape::Expr(e) => &e.params,
            Shape::Table(_) => &[],
        }
    }

    /// The parameters' values with `set` (name, value) applied over the surface's own: what
    /// one optimizer group runs on. Unknown names are ignored (the scene checks them).
    pub fn param_values(&self, set: &[(String, f64)]) -> Vec<f64> {
        self.params()
            .iter()
            .map(|p| {
                set.iter()
                    .rev()
                    .find(|(n, _)| *n == p.name)
                    .map_or(p.value, |(_, v)| *v)
            })
            .collect()
    }

    /// The height with the parameters at `values` ([`Self::param_values`]).
    pub fn value_with(&self, p: [f64; 2], values: &[f64]) -> f64 {
        match &self.shape {
            Shape::Expr(e) => e.value_with(p[0], p[1], values),
            Shape::Table(_) => self.value(p),
        }
    }

    /// The gradient with the parameters at `values`.
    pub fn grad_with(&self, p: [f64; 2], values: &[f64]) -> [f64; 2] {
        match &self.shape {
            Shape::Expr(e) => e.grad_with(p[0], p[1], values),
            Shape::Table(_) => self.grad(p),
        }
    }

    pub fn from_built_in(b: &BuiltIn) -> Self {
        let expr = SurfaceExpr::parse(b.expr)
            .unwrap_or_else(|e| panic!("built-in surface {} does not parse: {e}", b.name));
        Self {
            name: b.name.to_string(),
            source: b.expr.to_string(),
            shape: Shape::Expr(expr),
            domain: b.domain,
            minima: b.minima.to_vec(),
        }
    }

    /// A surface of a compiled expression (`source` its text), with no known minima.
    pub fn with_expr(name: &str, source: &str, expr: SurfaceExpr, domain: Domain) -> Self {
        Self {
            name: name.to_string(),
            source: source.to_string(),
            shape: Shape::Expr(expr),
            domain,
            minima: Vec::new(),
        }
    }

    /// A surface of `table`'s heights over `domain`, named `name`. Its WGSL has no heights
    /// (NaN): what reads it on the GPU falls back to its own data, and its mesh comes from
    /// the table ([`crate::gpu::mesh::SurfaceMesh`]).
    pub fn tabulated(name: &str, domain: Domain, table: HeightTable) -> Self {
        Self {
            name: name.to_string(),
            source: name.to_string(),
            shape: Shape::Table(Arc::new(table)),
            domain,
            minima: Vec::new(),
        }
    }

    /// The height table of a tabulated surface.
    pub fn table(&self) -> Option<&HeightTable> {
        match &self.shape {
            Shape::Table(t) => Some(t),
            Shape::Expr(_) => None,
        }
    }

    /// A function of x alone is a 1D problem: particles keep y = 0.
    pub fn is_1d(&self) -> bool {
        match &self.shape {
            Shape::Expr(e) => e.is_1d(),
            Shape::Table(_) => false,
        }
    }

    pub fn value(&self, p: [f64; 2]) -> f64 {
        match &self.shape {
            Shape::Expr(e) => e.value(p[0], p[1]),
            Shape::Table(t) => t.sample(self.grid_u(t, p[0]), self.grid_v(t, p[1])).0,
        }
    }

    pub fn grad(&self, p: [f64; 2]) -> [f64; 2] {
        match &self.shape {
            Shape::Expr(e) => e.grad(p[0], p[1]),
            Shape::Table(t) => {
                let g = t.sample(self.grid_u(t, p[0]), self.grid_v(t, p[1])).1;
                let d = &self.domain;
                let cell = [
                    (d.x[1] - d.x[0]) / f64::from(t.cols.max(2) - 1),
                    (d.y[1] - d.y[0]) / f64::from(t.rows.max(2) - 1),
                ];
                [g[0] / cell[0], g[1] / cell[1]]
            }
        }
    }

    fn grid_u(&self, t: &HeightTable, x: f64) -> f64 {
        (x - self.domain.x[0]) / (self.domain.x[1] - self.domain.x[0]) * f64::from(t.cols.max(2) - 1)
    }

    fn grid_v(&self, t: &HeightTable, y: f64) -> f64 {
        (y - self.domain.y[0]) / (self.domain.y[1] - self.domain.y[0]) * f64::from(t.rows.max(2) - 1)
    }

    /// WGSL defining `surface_f` and `surface_grad`.
    pub fn wgsl(&self) -> String {
        match &self.shape {
            Shape::Expr(e) => e.wgsl(),
            // A NaN built from the argument: a constant one is refused by WGSL's evaluation.
            Shape::Table(_) => format!(
                "{NO_PARAMS_WGSL}fn surface_f(p: vec2<f32>) -> f32 {{\n    \
                 return bitcast<f32>(0x7fc00000u | (bitcast<u32>(p.x) & 1u));\n}}\n\
                 fn surface_grad(p: vec2<f32>) -> vec2<f32> {{\n    return vec2<f32>(0.0);\n}}\n"
            ),
        }
    }
}

/// Looks a built-in surface up by name (case-insensitive; `_` and `-` are interchangeable).
pub fn built_in(name: &str) -> Option<&'static BuiltIn> {
    let key = name.to_ascii_lowercase().replace('_', "-");
    BUILT_INS.iter().find(|b| b.name == key)
}

/// Names of all built-in surfaces, for help and error messages.
pub fn built_in_names() -> Vec<&'static str> {
    BUILT_INS.iter().map(|b| b.name).collect()
}
