//! Symbolic differentiation.
//!
//! The input is simplified first, then the derivative is built through the
//! simplifying constructors of `ast.rs`, so it comes out simplified in one
//! bottom-up pass whose recursion depth is that of the input tree.
//!
//! The rules keep the pow semantics of `eval.rs`: an exponent constant in
//! `v` uses `c*a^(c-1)*a'`, whose exponent `c-1` is still constant (integer
//! powers stay exact for negative bases); otherwise the general rule uses
//! `log(a)`, NaN for `a < 0`, where `a^b` is NaN too.

use super::ast::{Ast, Var, add, call, div, mul, neg, pow, sub};
use super::func::Func;

fn is_zero(a: &Ast) -> bool {
    matches!(a, Ast::Num(c) if *c == 0.0)
}

fn f1(f: Func, a: Ast) -> Ast {
    call(f, vec![a])
}

impl Ast {
    /// Exact derivative with respect to `v`, simplified.
    ///
    /// At non-differentiable points the result is a one-sided derivative
    /// (`abs` uses `sign`, so 0 at 0; `min`/`max` pick the first argument's
    /// derivative on a tie).
    pub fn diff(&self, v: Var) -> Ast {
        d(&self.simplify(), v)
    }
}

/// Derivative of an already simplified tree.
fn d(e: &Ast, v: Var) -> Ast {
    match e {
        Ast::Num(_) => Ast::Num(0.0),
        Ast::Var(w) => Ast::Num(if *w == v { 1.0 } else { 0.0 }),
        Ast::Neg(a) => neg(d(a, v)),
        Ast::Add(a, b) => add(d(a, v), d(b, v)),
        Ast::Sub(a, b) => sub(d(a, v), d(b, v)),
        Ast::Mul(a, b) => {
            let (da, db) = (d(a, v), d(b, v));
            add(mul(da, (**b).clone()), mul((**a).clone(), db))
        }
        Ast::Div(a, b) => diff_div(a, b, v),
        Ast::Pow(a, b) => diff_pow(a, b, v),
        Ast::Call(f, args) => diff_call(*f, args, v),
    }
}

fn diff_div(a: &Ast, b: &Ast, v: Var) -> Ast {
    let (da, db) = (d(a, v), d(b, v));
    let (a, b) = (a.clone(), b.clone());
    if is_zero(&db) {
        return div(da, b);
    }
    let b2 = pow(b.clone(), Ast::Num(2.0));
    if is_zero(&da) {
        return neg(div(mul(a, db), b2));
    }
    div(sub(mul(da, b), mul(a, db)), b2)
}

fn diff_pow(a: &Ast, b: &Ast, v: Var) -> Ast {
    let (da, db) = (d(a, v), d(b, v));
    let (a, b) = (a.clone(), b.clone());
    if is_zero(&db) {
        // d(a^c) = c*a^(c-1)*a'
        if is_zero(&da) {
            return Ast::Num(0.0);
        }
        let c1 = sub(b.clone(), Ast::Num(1.0));
        return mul(mul(b, pow(a, c1)), da);
    }
    if is_zero(&a) {
        // 0^b is piecewise constant (0 for b > 0, 1 at 0, inf below): 0 wherever it is
        // differentiable, as sign's rule; the general rule would give 0^b*log(0) = 0*-inf.
        return Ast::Num(0.0);
    }
    let f = pow(a.clone(), b.clone());
    let ln_a = f1(Func::Log, a.clone());
    if is_zero(&da) {
        // d(c^b) = c^b*log(c)*b'
        return mul(mul(f, ln_a), db);
    }
    // d(a^b) = a^b*(b'*log(a) + b*a'/a)
    mul(f, add(mul(db, ln_a), div(mul(b, da), a)))
}

fn diff_call(f: Func, args: &[Ast], v: Var) -> Ast {
    if args.len() != f.arity() {
        return Ast::Num(f64::NAN);
    }
    if f == Func::Pow {
        return diff_pow(&args[0], &args[1], v);
    }
    if f == Func::Ifle {
        let (a, b) = (args[0].clone(), args[1].clone());
        return call(Func::Ifle, vec![a, b, d(&args[2], v), d(&args[3], v)]);
    }
    if matches!(f, Func::Min | Func::Max) {
        let (a, b) = (args[0].clone(), args[1].clone());
        let (da, db) = (d(&args[0], v), d(&args[1], v));
        // min picks a when a <= b; max picks a when b <= a.
        let (p, q) = if f == Func::Min { (a, b) } else { (b, a) };
        return call(Func::Ifle, vec![p, q, da, db]);
    }
    let du = d(&args[0], v);
    if is_zero(&du) {
        return Ast::Num(0.0);
    }
    let u = args[0].clone();
    let one_minus_u2 = || sub(Ast::Num(1.0), pow(u.clone(), Ast::Num(2.0)));
    let outer = match f {
        Func::Sin => f1(Func::Cos, u),
        Func::Cos => neg(f1(Func::Sin, u)),
        Func::Tan => div(Ast::Num(1.0), pow(f1(Func::Cos, u), Ast::Num(2.0))),
        Func::Asin => div(Ast::Num(1.0), f1(Func::Sqrt, one_minus_u2())),
        Func::Acos => neg(div(Ast::Num(1.0), f1(Func::Sqrt, one_minus_u2()))),
        Func::Atan => div(Ast::Num(1.0), add(Ast::Num(1.0), pow(u, Ast::Num(2.0)))),
        Func::Sinh => f1(Func::Cosh, u),
        Func::Cosh => f1(Func::Sinh, u),
        // 1/cosh^2 rather than 1 - tanh^2: no cancellation for large |u|.
        Func::Tanh => div(Ast::Num(1.0), pow(f1(Func::Cosh, u), Ast::Num(2.0))),
        Func::Exp => f1(Func::Exp, u),
        Func::Log => return div(du, u),
        Func::Sqrt => return div(du, mul(Ast::Num(2.0), f1(Func::Sqrt, u))),
        Func::Abs => f1(Func::Sign, u),
        // Piecewise constant: 0 wherever it is differentiable.
        Func::Sign => return Ast::Num(0.0),
        // Handled above.
        Func::Min | Func::Max | Func::Pow | Func::Ifle => return Ast::Num(f64::NAN),
    };
    // Keep `du/g` as a quotient instead of `(1/g)*du`: one rounding fewer.
    match outer {
        Ast::Div(n, d) if matches!(*n, Ast::Num(c) if c == 1.0) => div(du, *d),
        Ast::Neg(inner) => match *inner {
            Ast::Div(n, d) if matches!(*n, Ast::Num(c) if c == 1.0) => neg(div(du, *d)),
            inner => mul(neg(inner), du),
        },
        outer => mul(outer, du),
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::{Var, parse};

    fn dv(src: &str, v: Var) -> String {
        parse(src)
            .map(|a| a.diff(v).to_string())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn readable_derivatives() {
        assert_eq!(dv("x^2", Var::X), "2*x");
        assert_eq!(dv("x^3", Var::Y), "0");
        assert_eq!(dv("3*x^2 + y", Var::X), "6*x");
        assert_eq!(dv("sin(2*x)", Var::X), "2*cos(2*x)");
        assert_eq!(dv("cos(x)", Var::X), "-sin(x)");
        assert_eq!(dv("log(x)", Var::X), "1/x");
        assert_eq!(dv("tanh(x)", Var::X), "1/cosh(x)^2");
        assert_eq!(dv("acos(x)", Var::X), "-1/sqrt(1 - x^2)");
        assert_eq!(dv("abs(x)", Var::X), "sign(x)");
        assert_eq!(dv("min(x, y)", Var::X), "ifle(x, y, 1, 0)");
        assert_eq!(dv("max(x, y)", Var::Y), "ifle(y, x, 0, 1)");
        assert_eq!(dv("x^y", Var::X), "y*x^(y - 1)");
        assert_eq!(dv("2^x", Var::X), "0.6931471805599453*2^x");
        assert_eq!(dv("0^x + pow(0, y)", Var::X), "0");
        assert_eq!(dv("1/x", Var::X), "-1/x^2");
        assert_eq!(dv("x/2", Var::X), "0.5");
    }
}
