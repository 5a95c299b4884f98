//! Surfaces: a built-in name or a user expression, compiled once, with a domain and the known
//! global minima (drawn as markers and used by tests).

use crate::expr::{ExprError, SurfaceExpr};

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

/// A surface ready to use: compiled expression, domain, minima.
#[derive(Clone, Debug)]
pub struct Surface {
    /// The built-in's name, or the expression text for a custom surface.
    pub name: String,
    /// The expression text as parsed.
    pub source: String,
    pub expr: SurfaceExpr,
    pub domain: Domain,
    pub minima: Vec<[f64; 2]>,
}

/// The domain a custom expression gets when none is given.
pub const DEFAULT_DOMAIN: Domain = Domain::new(-2.0, 2.0, -2.0, 2.0);

impl Surface {
    /// Resolves a built-in name, or else parses `text` as an expression in x and y.
    pub fn from_name_or_expr(text: &str) -> Result<Self, ExprError> {
        let trimmed = text.trim();
        if let Some(b) = built_in(trimmed) {
            return Ok(Self::from_built_in(b));
        }
        let expr = SurfaceExpr::parse(trimmed)?;
        Ok(Self {
            name: trimmed.to_string(),
            source: trimmed.to_string(),
            expr,
            domain: DEFAULT_DOMAIN,
            minima: Vec::new(),
        })
    }

    pub fn from_built_in(b: &BuiltIn) -> Self {
        let expr = SurfaceExpr::parse(b.expr)
            .unwrap_or_else(|e| panic!("built-in surface {} does not parse: {e}", b.name));
        Self {
            name: b.name.to_string(),
            source: b.expr.to_string(),
            expr,
            domain: b.domain,
            minima: b.minima.to_vec(),
        }
    }

    /// A function of x alone is a 1D problem: particles keep y = 0.
    pub fn is_1d(&self) -> bool {
        self.expr.is_1d()
    }

    pub fn value(&self, p: [f64; 2]) -> f64 {
        self.expr.value(p[0], p[1])
    }

    pub fn grad(&self, p: [f64; 2]) -> [f64; 2] {
        self.expr.grad(p[0], p[1])
    }

    /// WGSL defining `surface_f` and `surface_grad`.
    pub fn wgsl(&self) -> String {
        self.expr.wgsl()
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
