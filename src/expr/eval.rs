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

use super::ast::Ast;
#[cfg(doc)]
use super::ast::Var;
use super::func::{Func, apply, pow};

impl Ast {
    /// Value at `(x, y)` in IEEE f64 arithmetic: NaN and infinities propagate,
    /// nothing panics. A `Call` with the wrong number of arguments (only
    /// possible in a hand-built tree) is NaN.
    pub fn eval(&self, x: f64, y: f64) -> f64 {
        self.eval_at(&[x, y])
    }

    /// Value with every variable from `env`, indexed by [`Var::slot`] (x, y, then the surface
    /// parameters); a variable past its end is NaN.
    pub fn eval_at(&self, env: &[f64]) -> f64 {
        match self {
            Ast::Num(c) => *c,
            Ast::Var(v) => env.get(v.slot()).copied().unwrap_or(f64::NAN),
            Ast::Neg(a) => -a.eval_at(env),
            Ast::Add(a, b) => a.eval_at(env) + b.eval_at(env),
            Ast::Sub(a, b) => a.eval_at(env) - b.eval_at(env),
            Ast::Mul(a, b) => a.eval_at(env) * b.eval_at(env),
            Ast::Div(a, b) => a.eval_at(env) / b.eval_at(env),
            Ast::Pow(a, b) => pow(a.eval_at(env), b.eval_at(env), b.is_const()),
            Ast::Call(f, args) => {
                if args.len() != f.arity() {
                    return f64::NAN;
                }
                match (f, args.as_slice()) {
                    (Func::Pow, [a, b]) => pow(a.eval_at(env), b.eval_at(env), b.is_const()),
                    // Only the chosen branch is evaluated; the GPU's `select`
                    // computes both but likewise returns just one.
                    (Func::Ifle, [a, b, t, e]) => {
                        if a.eval_at(env) <= b.eval_at(env) {
                            t.eval_at(env)
                        } else {
                            e.eval_at(env)
                        }
                    }
                    _ => {
                        let mut v = [0.0; 4];
                        for (slot, a) in v.iter_mut().zip(args) {
                            *slot = a.eval_at(env);
                        }
                        apply(*f, &v[..args.len()])
                    }
                }
            }
        }
    }
}
