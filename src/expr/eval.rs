//! f64 evaluation.
//!
//! The semantics here are the reference for the WGSL code generator, which
//! reproduces them in f32 (see `wgsl.rs`). The one place where a plain libm
//! call would disagree with the GPU is `a^b`, where WGSL `pow(a, b)` is
//! `exp2(b*log2(a))`, NaN for any `a < 0`. So:
//!
//! - a constant integer exponent (no variable in it) gives the true power,
//!   negative bases included (`(-2)^3 = -8`); the GPU gets repeated
//!   multiplication, or `pow(abs(a), n)` with the sign restored.
//! - any other exponent gives NaN for `a < 0` (also `-inf`), even a variable
//!   one that happens to be an integer: the GPU cannot cheaply know that.

use super::ast::{Ast, Func, Var};

impl Ast {
    /// Value at `(x, y)` in IEEE f64 arithmetic: NaN and infinities propagate,
    /// nothing panics. A `Call` with the wrong number of arguments (only
    /// possible in a hand-built tree) is NaN.
    pub fn eval(&self, x: f64, y: f64) -> f64 {
        match self {
            Ast::Num(c) => *c,
            Ast::Var(Var::X) => x,
            Ast::Var(Var::Y) => y,
            Ast::Neg(a) => -a.eval(x, y),
            Ast::Add(a, b) => a.eval(x, y) + b.eval(x, y),
            Ast::Sub(a, b) => a.eval(x, y) - b.eval(x, y),
            Ast::Mul(a, b) => a.eval(x, y) * b.eval(x, y),
            Ast::Div(a, b) => a.eval(x, y) / b.eval(x, y),
            Ast::Pow(a, b) => pow(a.eval(x, y), b.eval(x, y), b.is_const()),
            Ast::Call(f, args) => {
                if args.len() != f.arity() {
                    return f64::NAN;
                }
                match (f, args.as_slice()) {
                    (Func::Pow, [a, b]) => pow(a.eval(x, y), b.eval(x, y), b.is_const()),
                    // Only the chosen branch is evaluated; the GPU's `select`
                    // computes both but likewise returns just one.
                    (Func::Ifle, [a, b, t, e]) => {
                        if a.eval(x, y) <= b.eval(x, y) {
                            t.eval(x, y)
                        } else {
                            e.eval(x, y)
                        }
                    }
                    _ => {
                        let mut v = [0.0; 4];
                        for (slot, a) in v.iter_mut().zip(args) {
                            *slot = a.eval(x, y);
                        }
                        apply(*f, &v[..args.len()])
                    }
                }
            }
        }
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
