//! The surface language: `f(x, y)` as the user types it, parsed to an [`Ast`],
//! differentiated symbolically, evaluated in f64 on the CPU and compiled to
//! WGSL (f32) for the GPU.
//!
//! Pipeline: `lexer` → `parser` → [`Ast`] → [`Ast::diff`] (which simplifies)
//! → [`Ast::eval`] and `wgsl`, bundled by [`SurfaceExpr`].
//!
//! # Language
//! - Variables `x`, `y`; constants `pi`, `e`; numbers `2`, `.5`, `3.`, `1e-8`,
//!   `1.5E+3`; the surface's named parameters ([`SurfaceExpr::parse_with`]), each a value
//!   a sweep may set per optimizer group.
//! - Operators, loosest first: `+ -` (left-assoc), `* /` (left-assoc), unary
//!   `-`/`+`, then `^` or `**` (right-assoc, and its exponent may carry a
//!   sign). So `-x^2 = -(x^2)`, `2^3^2 = 512`, `x^-2 = x^(-2)`, `2*-x` is fine.
//!   No implicit multiplication: `2x` is an error that suggests `2*x`.
//! - Functions: `sin cos tan asin acos atan sinh cosh tanh exp log sqrt abs`
//!   (`log` is natural), `min max pow` with two arguments, and two added so
//!   that every derivative is expressible in the language (and so printable
//!   and re-parsable): `sign(u)` (-1, 0 or 1; the derivative of `abs`) and
//!   `ifle(a, b, t, f)` (`t` if `a <= b`, else `f`; the derivative of
//!   `min`/`max`).
//! - Limits: [`MAX_LEN`] characters, [`MAX_NESTING`] levels of syntactic
//!   nesting (parentheses, calls, unary signs, exponents), and
//!   [`MAX_TREE_DEPTH`] levels of tree depth (long `+`/`*` chains). Each is a
//!   clean [`ExprError`], so no input can overflow the stack later.
//!
//! # Semantics shared by CPU and GPU
//! [`Ast::eval`] is the reference; the WGSL reproduces it in f32. Powers are
//! the subtle part: an integer exponent free of variables gives the true
//! power (`(-2)^3 = -8`, emitted on the GPU as multiplications), while any
//! other power of a negative base is NaN, as GPU `pow` is. See `eval.rs`.
//!
//! # Errors
//! Every [`ExprError`] reads "problem at column N" with the offending text in
//! quotes, plus a hint where one is likely (`did you mean 'sin'?`), and
//! carries the 1-based character column and the token for highlighting.

mod ast;
mod diff;
mod eval;
mod func;
mod lexer;
mod parser;
mod wgsl;

use std::fmt;

pub use ast::{Ast, Var};
pub use func::Func;
pub use wgsl::NO_PARAMS_WGSL;

/// Longest accepted input, in characters.
pub const MAX_LEN: usize = 10_000;
/// Deepest accepted syntactic nesting: parentheses, calls, unary signs and
/// exponents each open one level.
pub const MAX_NESTING: usize = 64;
/// Deepest accepted tree. Chains like `x + x + ... + x` nest in the tree
/// without nesting in the text; this bound keeps derivatives, which are a
/// few times deeper than their input, cheap to walk recursively.
pub const MAX_TREE_DEPTH: usize = 256;
/// Most named parameters one surface may have.
pub const MAX_PARAMS: usize = 8;

/// A parse error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// The full human-readable message, e.g.
    /// `unknown function 'sinn' at column 5; did you mean 'sin'?`.
    pub message: String,
    /// 1-based column, counted in characters; one past the last character
    /// for problems at the end of the input.
    pub column: usize,
    /// The offending source text (empty at the end of the input).
    pub token: String,
}

impl ExprError {
    pub(crate) fn new(message: String, column: usize, token: impl Into<String>) -> Self {
        ExprError {
            message,
            column,
            token: token.into(),
        }
    }
}

/// x, y, then the parameters: [`Var::slot`]'s order (on the stack: the f64 reference
/// evaluates this every step of every particle).
fn env(x: f64, y: f64, values: &[f64]) -> [f64; 2 + MAX_PARAMS] {
    let mut env = [f64::NAN; 2 + MAX_PARAMS];
    env[0] = x;
    env[1] = y;
    let n = values.len().min(MAX_PARAMS);
    env[2..2 + n].copy_from_slice(&values[..n]);
    env
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExprError {}

/// Parses `src`. Named constants become [`Ast::Num`]; nothing else is folded,
/// so the tree evaluates exactly as typed.
pub fn parse(src: &str) -> Result<Ast, ExprError> {
    parser::parse(src, &[])
}

/// A named parameter of a surface (`amp` in `x^2 + amp*cos(2*pi*x)`) and the value it has
/// wherever no optimizer group sets its own.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceParam {
    pub name: String,
    pub value: f64,
}

/// Checks a parameter's name: an identifier that is not a variable, a constant or a
/// function. The message says what is wrong, for the caller to place.
pub fn check_param_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let identifier = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(format!(
            "parameter name '{name}' is not a name (letters, digits and '_', not starting with a digit)"
        ));
    }
    if ["x", "y", "pi", "e"].contains(&name) {
        return Err(format!(
            "parameter name '{name}' is taken by the surface language"
        ));
    }
    if Func::from_name(name).is_some() {
        return Err(format!(
            "parameter name '{name}' is a function of the surface language"
        ));
    }
    Ok(())
}

/// A surface compiled once: f, df/dx, df/dy.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceExpr {
    /// The function as given (not simplified, so it evaluates as typed).
    pub f: Ast,
    /// ∂f/∂x, simplified.
    pub dfdx: Ast,
    /// ∂f/∂y, simplified.
    pub dfdy: Ast,
    /// Its named parameters, `Var::P(k)` being `params[k]`.
    pub params: Vec<SurfaceParam>,
}

impl SurfaceExpr {
    pub fn new(f: Ast) -> Self {
        let dfdx = f.diff(Var::X);
        let dfdy = f.diff(Var::Y);
        SurfaceExpr {
            f,
            dfdx,
            dfdy,
            params: Vec::new(),
        }
    }

    pub fn parse(src: &str) -> Result<Self, ExprError> {
        parse(src).map(SurfaceExpr::new)
    }

    /// Parses `src` in which the names of `params` stand for their values; every name is
    /// checked ([`check_param_name`], at most [`MAX_PARAMS`], no repeats) and an unused one
    /// is allowed. Problems with the names carry column 0 (they are not in `src`).
    pub fn parse_with(src: &str, params: Vec<SurfaceParam>) -> Result<Self, ExprError> {
        if params.len() > MAX_PARAMS {
            return Err(ExprError::new(
                format!(
                    "{} parameters, over the {MAX_PARAMS} a surface may have",
                    params.len()
                ),
                0,
                "",
            ));
        }
        for (k, p) in params.iter().enumerate() {
            check_param_name(&p.name).map_err(|m| ExprError::new(m, 0, p.name.clone()))?;
            if params[..k].iter().any(|q| q.name == p.name) {
                return Err(ExprError::new(
                    format!("parameter '{}' is given twice", p.name),
                    0,
                    p.name.clone(),
                ));
            }
        }
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        let f = parser::parse(src, &names)?;
        Ok(SurfaceExpr {
            params,
            ..SurfaceExpr::new(f)
        })
    }

    /// The parameters' own values, in order.
    pub fn param_values(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.value).collect()
    }

    pub fn value(&self, x: f64, y: f64) -> f64 {
        self.value_with(x, y, &self.param_values())
    }

    pub fn grad(&self, x: f64, y: f64) -> [f64; 2] {
        self.grad_with(x, y, &self.param_values())
    }

    /// The value with the parameters set to `values` (in order; missing ones are NaN).
    pub fn value_with(&self, x: f64, y: f64, values: &[f64]) -> f64 {
        self.f.eval_at(&env(x, y, values))
    }

    /// The gradient with the parameters set to `values`.
    pub fn grad_with(&self, x: f64, y: f64, values: &[f64]) -> [f64; 2] {
        let env = env(x, y, values);
        [self.dfdx.eval_at(&env), self.dfdy.eval_at(&env)]
    }

    /// A curve `f(x)`: uses `x` and not `y`.
    pub fn is_1d(&self) -> bool {
        self.f.uses(Var::X) && !self.f.uses(Var::Y)
    }

    /// WGSL source of `fn surface_f(p: vec2<f32>) -> f32` and
    /// `fn surface_grad(p: vec2<f32>) -> vec2<f32>`, to be concatenated with
    /// other shader code. No user text is copied into it.
    pub fn wgsl(&self) -> String {
        wgsl::surface(self)
    }
}
