//! The built-in functions of the surface language and their f64 semantics, shared by the
//! evaluator (`eval.rs`) and the simplifier's constant folding (`ast.rs`).
//!
//! The one place where a plain libm call would disagree with the GPU is `a^b`, where WGSL
//! `pow(a, b)` is `exp2(b*log2(a))`, NaN for any `a < 0`. So a constant integer exponent (no
//! variable in it) gives the true power, negative bases included (`(-2)^3 = -8`); any other
//! exponent gives NaN for `a < 0`.

/// A built-in function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Exp,
    /// Natural logarithm.
    Log,
    Sqrt,
    Abs,
    /// -1, 0 or 1 (NaN for NaN), as WGSL `sign`; the derivative of `abs`.
    Sign,
    Min,
    Max,
    /// `pow(a, b)` means exactly `a^b`.
    Pow,
    /// `ifle(a, b, t, f)` is `t` if `a <= b`, else `f`; the derivative of
    /// `min`/`max`. Only the chosen branch is evaluated, so a NaN or infinity
    /// in the other one does not leak (unlike a `step`-weighted sum).
    Ifle,
}

impl Func {
    /// Every function, in the order used for "did you mean" suggestions.
    pub const ALL: [Func; 18] = [
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Asin,
        Func::Acos,
        Func::Atan,
        Func::Sinh,
        Func::Cosh,
        Func::Tanh,
        Func::Exp,
        Func::Log,
        Func::Sqrt,
        Func::Abs,
        Func::Sign,
        Func::Min,
        Func::Max,
        Func::Pow,
        Func::Ifle,
    ];

    /// The name in source text (also the WGSL builtin, except `ifle`).
    pub fn name(&self) -> &'static str {
        match self {
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Asin => "asin",
            Func::Acos => "acos",
            Func::Atan => "atan",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Tanh => "tanh",
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Sign => "sign",
            Func::Min => "min",
            Func::Max => "max",
            Func::Pow => "pow",
            Func::Ifle => "ifle",
        }
    }

    /// Number of arguments.
    pub fn arity(&self) -> usize {
        match self {
            Func::Min | Func::Max | Func::Pow => 2,
            Func::Ifle => 4,
            _ => 1,
        }
    }

    /// The function called `name` in source text, if any (case-sensitive).
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// `a^b`; `const_exponent` says whether `b` is free of variables. `a^0` is 1 for every `a`
/// (NaN and negative bases included), as the generated WGSL selects it without calling pow.
pub(crate) fn pow(a: f64, b: f64, const_exponent: bool) -> f64 {
    if b == 0.0 {
        1.0
    } else if const_exponent && b.is_finite() && b == b.trunc() {
        a.powf(b)
    } else if a < 0.0 {
        f64::NAN
    } else {
        // abs turns -0 into +0, as the GPU's exp2(b*log2(a)) would.
        a.abs().powf(b)
    }
}

/// WGSL `sign`: 0 at ±0 (unlike `f64::signum`), NaN for NaN.
pub(crate) fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        v
    }
}

/// `f` applied to constant arguments; NaN on an arity mismatch. `pow` here
/// is the constant-exponent case, which is what a caller with all arguments
/// known has.
pub(crate) fn apply(f: Func, args: &[f64]) -> f64 {
    match (f, args) {
        (Func::Sin, [a]) => a.sin(),
        (Func::Cos, [a]) => a.cos(),
        (Func::Tan, [a]) => a.tan(),
        (Func::Asin, [a]) => a.asin(),
        (Func::Acos, [a]) => a.acos(),
        (Func::Atan, [a]) => a.atan(),
        (Func::Sinh, [a]) => a.sinh(),
        (Func::Cosh, [a]) => a.cosh(),
        (Func::Tanh, [a]) => a.tanh(),
        (Func::Exp, [a]) => a.exp(),
        (Func::Log, [a]) => a.ln(),
        (Func::Sqrt, [a]) => a.sqrt(),
        (Func::Abs, [a]) => a.abs(),
        (Func::Sign, [a]) => sign(*a),
        (Func::Min, [a, b]) => a.min(*b),
        (Func::Max, [a, b]) => a.max(*b),
        (Func::Pow, [a, b]) => pow(*a, *b, true),
        (Func::Ifle, [a, b, t, e]) => {
            if a <= b {
                *t
            } else {
                *e
            }
        }
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow_semantics() {
        assert_eq!(pow(-2.0, 3.0, true), -8.0);
        assert_eq!(pow(-2.0, -2.0, true), 0.25);
        assert!(pow(-8.0, 1.0 / 3.0, true).is_nan());
        assert!(pow(f64::NEG_INFINITY, 2.5, true).is_nan());
        assert!(pow(-2.0, f64::INFINITY, true).is_nan());
        assert!(pow(-2.0, 2.0, false).is_nan());
        assert_eq!(pow(2.0, 2.0, false), 4.0);
        assert_eq!(pow(f64::NAN, 0.0, true), 1.0);
        // A variable exponent that is 0: 1 even for a negative base (pow itself is NaN there).
        assert_eq!(pow(-2.0, 0.0, false), 1.0);
        assert_eq!(pow(0.0, 0.0, false), 1.0);
    }

    #[test]
    fn sign_matches_wgsl() {
        assert_eq!(sign(0.0), 0.0);
        assert_eq!(sign(-3.0), -1.0);
        assert!(sign(f64::NAN).is_nan());
    }
}
