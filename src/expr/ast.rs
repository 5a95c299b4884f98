//! The expression tree, its printer and its simplifier.
//!
//! The simplifier is a set of *smart constructors* (`add`, `mul`, ...) that
//! apply local rewrite rules to already simplified children.
//! [`Ast::simplify`] rebuilds a tree bottom-up through them, and the
//! differentiator builds its output through them too, so derivatives come
//! out simplified without a second pass.
//!
//! Most rewrites are exact in IEEE arithmetic (folding, `a + -b -> a - b`,
//! `--a -> a`, `a*1 -> a`, constants first in products). The others are what
//! make derivatives readable, and each is exact for finite operands:
//! `a*0`, `0/a` and `a - a` become 0 and `a^0` becomes 1 (a NaN may become a
//! number, never the reverse); `a + 0 -> a` drops the sign of a zero;
//! `2*(3*a) -> 6*a` rounds once less. Folding that would give a non-finite
//! value is skipped, so `1/0` stays `1/0` rather than an unprintable
//! constant.

use std::fmt;

use super::func::{self, Func};

/// A free variable of the surface: a coordinate, or one of the surface's named parameters
/// (`[surface] params`), which a sweep may give each optimizer group its own value of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Var {
    X,
    Y,
    /// Parameter `k` of the surface's list (at most [`MAX_PARAMS`](super::MAX_PARAMS)).
    P(u8),
}

/// The names parameters print as: the tree keeps an index, the surface keeps the names.
const PARAM_NAMES: [&str; super::MAX_PARAMS] = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];

impl Var {
    /// The name used in source text and in the generated WGSL (`p0`.. for parameters, whose
    /// own names live with the surface).
    pub fn name(&self) -> &'static str {
        match self {
            Var::X => "x",
            Var::Y => "y",
            Var::P(k) => PARAM_NAMES.get(usize::from(*k)).copied().unwrap_or("p?"),
        }
    }

    /// The variable's slot in an evaluation environment: x, y, then the parameters.
    pub fn slot(&self) -> usize {
        match self {
            Var::X => 0,
            Var::Y => 1,
            Var::P(k) => 2 + usize::from(*k),
        }
    }
}

/// An expression over `x` and `y`.
///
/// Trees built by [`parse`](super::parse) are at most
/// [`MAX_TREE_DEPTH`](super::MAX_TREE_DEPTH) deep; every method here recurses
/// on the tree, so hand-built trees should stay within a similar depth.
#[derive(Clone, Debug, PartialEq)]
pub enum Ast {
    Num(f64),
    Var(Var),
    Neg(Box<Ast>),
    Add(Box<Ast>, Box<Ast>),
    Sub(Box<Ast>, Box<Ast>),
    Mul(Box<Ast>, Box<Ast>),
    Div(Box<Ast>, Box<Ast>),
    Pow(Box<Ast>, Box<Ast>),
    Call(Func, Vec<Ast>),
}

impl Ast {
    /// Whether the expression mentions `v`.
    pub fn uses(&self, v: Var) -> bool {
        match self {
            Ast::Num(_) => false,
            Ast::Var(w) => *w == v,
            Ast::Neg(a) => a.uses(v),
            Ast::Add(a, b) | Ast::Sub(a, b) | Ast::Mul(a, b) | Ast::Div(a, b) | Ast::Pow(a, b) => {
                a.uses(v) || b.uses(v)
            }
            Ast::Call(_, args) => args.iter().any(|a| a.uses(v)),
        }
    }

    /// Whether the expression mentions a surface parameter.
    pub fn uses_params(&self) -> bool {
        match self {
            Ast::Num(_) => false,
            Ast::Var(w) => matches!(w, Var::P(_)),
            Ast::Neg(a) => a.uses_params(),
            Ast::Add(a, b) | Ast::Sub(a, b) | Ast::Mul(a, b) | Ast::Div(a, b) | Ast::Pow(a, b) => {
                a.uses_params() || b.uses_params()
            }
            Ast::Call(_, args) => args.iter().any(Ast::uses_params),
        }
    }

    /// Whether the expression mentions no variable. A constant exponent gets
    /// integer-power semantics (see [`Ast::eval`]).
    pub fn is_const(&self) -> bool {
        match self {
            Ast::Num(_) => true,
            Ast::Var(_) => false,
            Ast::Neg(a) => a.is_const(),
            Ast::Add(a, b) | Ast::Sub(a, b) | Ast::Mul(a, b) | Ast::Div(a, b) | Ast::Pow(a, b) => {
                a.is_const() && b.is_const()
            }
            Ast::Call(_, args) => args.iter().all(Ast::is_const),
        }
    }

    /// Number of nodes in the tree.
    pub fn node_count(&self) -> usize {
        1 + match self {
            Ast::Num(_) | Ast::Var(_) => 0,
            Ast::Neg(a) => a.node_count(),
            Ast::Add(a, b) | Ast::Sub(a, b) | Ast::Mul(a, b) | Ast::Div(a, b) | Ast::Pow(a, b) => {
                a.node_count() + b.node_count()
            }
            Ast::Call(_, args) => args.iter().map(Ast::node_count).sum(),
        }
    }

    /// An equivalent, smaller tree: constant folding plus the identities
    /// listed in the module notes.
    pub fn simplify(&self) -> Ast {
        match self {
            Ast::Num(c) => Ast::Num(*c),
            Ast::Var(v) => Ast::Var(*v),
            Ast::Neg(a) => neg(a.simplify()),
            Ast::Add(a, b) => add(a.simplify(), b.simplify()),
            Ast::Sub(a, b) => sub(a.simplify(), b.simplify()),
            Ast::Mul(a, b) => mul(a.simplify(), b.simplify()),
            Ast::Div(a, b) => div(a.simplify(), b.simplify()),
            Ast::Pow(a, b) => pow(a.simplify(), b.simplify()),
            Ast::Call(f, args) => call(*f, args.iter().map(Ast::simplify).collect()),
        }
    }
}

// ---------------------------------------------------------------------------
// Smart constructors. Each assumes its operands are already simplified.

/// A constant; simplified trees carry +0 only, so derivatives never print `-0`.
fn num(c: f64) -> Ast {
    Ast::Num(if c == 0.0 { 0.0 } else { c })
}

/// Whether `a` is a constant. Rules like `a*0 -> 0` skip constants: a pair
/// of constants is folded or, where the result is not finite (`0/0`,
/// `1e999*0`), deliberately kept.
fn is_num(a: &Ast) -> bool {
    matches!(a, Ast::Num(_))
}

/// A folded constant, or `None` when folding would produce a non-finite value
/// (kept symbolic so that it prints and re-parses).
fn fold(c: f64) -> Option<Ast> {
    c.is_finite().then(|| num(c))
}

pub(crate) fn neg(a: Ast) -> Ast {
    match a {
        Ast::Num(c) => num(-c),
        Ast::Neg(e) => *e,
        // -(c*e) == (-c)*e and -(c/e) == (-c)/e exactly: push the sign into the
        // constant.
        Ast::Mul(l, r) if matches!(*l, Ast::Num(_)) => match *l {
            Ast::Num(c) => Ast::Mul(Box::new(Ast::Num(-c)), r),
            l => Ast::Neg(Box::new(Ast::Mul(Box::new(l), r))),
        },
        Ast::Div(l, r) if matches!(*l, Ast::Num(_)) => match *l {
            Ast::Num(c) => Ast::Div(Box::new(Ast::Num(-c)), r),
            l => Ast::Neg(Box::new(Ast::Div(Box::new(l), r))),
        },
        e => Ast::Neg(Box::new(e)),
    }
}

pub(crate) fn add(a: Ast, b: Ast) -> Ast {
    match (a, b) {
        (Ast::Num(p), Ast::Num(q)) if (p + q).is_finite() => num(p + q),
        (Ast::Num(0.0), e) | (e, Ast::Num(0.0)) => e,
        (a, Ast::Neg(b)) => sub(a, *b),
        (Ast::Neg(a), b) => sub(b, *a),
        (a, Ast::Num(c)) if c < 0.0 => sub(a, Ast::Num(-c)),
        (a, b) => Ast::Add(Box::new(a), Box::new(b)),
    }
}

pub(crate) fn sub(a: Ast, b: Ast) -> Ast {
    match (a, b) {
        (Ast::Num(p), Ast::Num(q)) if (p - q).is_finite() => num(p - q),
        (e, Ast::Num(0.0)) => e,
        (Ast::Num(0.0), e) => neg(e),
        (a, Ast::Neg(b)) => add(a, *b),
        (a, Ast::Num(c)) if c < 0.0 => add(a, Ast::Num(-c)),
        (a, b) if a == b && !is_num(&a) => Ast::Num(0.0),
        (a, b) => Ast::Sub(Box::new(a), Box::new(b)),
    }
}

pub(crate) fn mul(a: Ast, b: Ast) -> Ast {
    match (a, b) {
        (Ast::Num(p), Ast::Num(q)) if (p * q).is_finite() => num(p * q),
        (Ast::Num(0.0), e) | (e, Ast::Num(0.0)) if !is_num(&e) => Ast::Num(0.0),
        (Ast::Num(1.0), e) | (e, Ast::Num(1.0)) => e,
        (Ast::Num(-1.0), e) | (e, Ast::Num(-1.0)) => neg(e),
        (Ast::Neg(a), Ast::Neg(b)) => mul(*a, *b),
        (Ast::Neg(a), b) => neg(mul(*a, b)),
        (a, Ast::Neg(b)) => neg(mul(a, *b)),
        // Constants first, so that `c*(d*e)` below can merge them.
        (e, Ast::Num(c)) if !is_num(&e) => mul(Ast::Num(c), e),
        (Ast::Num(c), Ast::Mul(l, r)) => match *l {
            Ast::Num(d) if (c * d).is_finite() => mul(Ast::Num(c * d), *r),
            l => Ast::Mul(Box::new(Ast::Num(c)), Box::new(Ast::Mul(Box::new(l), r))),
        },
        (a, b) => Ast::Mul(Box::new(a), Box::new(b)),
    }
}

pub(crate) fn div(a: Ast, b: Ast) -> Ast {
    match (a, b) {
        (Ast::Num(p), Ast::Num(q)) if (p / q).is_finite() => num(p / q),
        (e, Ast::Num(1.0)) => e,
        (e, Ast::Num(-1.0)) => neg(e),
        (Ast::Num(0.0), e) if !is_num(&e) => Ast::Num(0.0),
        (Ast::Neg(a), Ast::Neg(b)) => div(*a, *b),
        (Ast::Neg(a), b) => neg(div(*a, b)),
        (a, Ast::Neg(b)) => neg(div(a, *b)),
        (a, b) => Ast::Div(Box::new(a), Box::new(b)),
    }
}

pub(crate) fn pow(a: Ast, b: Ast) -> Ast {
    match (a, b) {
        (Ast::Num(p), Ast::Num(q)) => match fold(func::pow(p, q, true)) {
            Some(c) => c,
            None => Ast::Pow(Box::new(Ast::Num(p)), Box::new(Ast::Num(q))),
        },
        (_, Ast::Num(0.0)) => Ast::Num(1.0),
        (e, Ast::Num(1.0)) => e,
        (a, b) => Ast::Pow(Box::new(a), Box::new(b)),
    }
}

pub(crate) fn call(f: Func, mut args: Vec<Ast>) -> Ast {
    if args.len() != f.arity() {
        // Only hand-built trees get here; leave them alone (eval gives NaN).
        return Ast::Call(f, args);
    }
    let nums: Vec<f64> = args
        .iter()
        .filter_map(|a| match a {
            Ast::Num(c) => Some(*c),
            _ => None,
        })
        .collect();
    if nums.len() == args.len()
        && let Some(c) = fold(func::apply(f, &nums))
    {
        return c;
    }
    match f {
        Func::Pow => match <[Ast; 2]>::try_from(args) {
            Ok([a, b]) => pow(a, b),
            Err(args) => Ast::Call(f, args),
        },
        Func::Abs => match args.pop() {
            Some(Ast::Neg(e)) => call(Func::Abs, vec![*e]),
            Some(e) => Ast::Call(Func::Abs, vec![e]),
            None => Ast::Call(Func::Abs, args),
        },
        Func::Ifle => {
            if args[2] == args[3] {
                return args.swap_remove(2);
            }
            match (&args[0], &args[1]) {
                (Ast::Num(a), Ast::Num(b)) => {
                    let keep = if a <= b { 2 } else { 3 };
                    args.swap_remove(keep)
                }
                _ => Ast::Call(f, args),
            }
        }
        _ => Ast::Call(f, args),
    }
}

// ---------------------------------------------------------------------------
// Printing.

/// Binding strength for printing: 1 `+ -`, 2 `* /`, 3 unary minus, 4 `^`,
/// 5 atoms. A negative number prints with a leading `-`, so it binds like
/// unary minus.
fn prec(e: &Ast) -> u8 {
    match e {
        Ast::Add(..) | Ast::Sub(..) => 1,
        Ast::Mul(..) | Ast::Div(..) => 2,
        Ast::Neg(_) => 3,
        Ast::Num(c) if c.is_sign_negative() && !c.is_nan() => 3,
        Ast::Pow(..) => 4,
        Ast::Num(_) | Ast::Var(_) | Ast::Call(..) => 5,
    }
}

/// Shortest text that parses back to exactly `c` (non-negative `c`).
fn write_magnitude(f: &mut fmt::Formatter<'_>, c: f64) -> fmt::Result {
    if c.is_nan() {
        f.write_str("(0/0)")
    } else if c.is_infinite() {
        // Overflows to +inf when read back, as it did when the user typed it.
        f.write_str("1e999")
    } else if c == c.trunc() && c < 1e16 {
        write!(f, "{c}")
    } else {
        // Debug is the shortest round-trip form, with an exponent for very
        // large or small values (e.g. `1e-8`), all accepted by the lexer.
        write!(f, "{c:?}")
    }
}

fn write_expr(f: &mut fmt::Formatter<'_>, e: &Ast, min_prec: u8) -> fmt::Result {
    if prec(e) < min_prec {
        f.write_str("(")?;
        write_expr(f, e, 0)?;
        return f.write_str(")");
    }
    // Left operands may be of equal strength (left associativity); right
    // operands must bind tighter, since float `+` and `*` do not associate.
    let binary = |f: &mut fmt::Formatter<'_>, a: &Ast, op: &str, b: &Ast, p: u8| {
        write_expr(f, a, p)?;
        f.write_str(op)?;
        write_expr(f, b, p + 1)
    };
    match e {
        Ast::Num(c) if c.is_sign_negative() && !c.is_nan() => {
            f.write_str("-")?;
            write_magnitude(f, -c)
        }
        Ast::Num(c) => write_magnitude(f, *c),
        Ast::Var(v) => f.write_str(v.name()),
        Ast::Neg(a) => {
            f.write_str("-")?;
            write_expr(f, a, 3)
        }
        Ast::Add(a, b) => binary(f, a, " + ", b, 1),
        Ast::Sub(a, b) => binary(f, a, " - ", b, 1),
        Ast::Mul(a, b) => binary(f, a, "*", b, 2),
        Ast::Div(a, b) => binary(f, a, "/", b, 2),
        // `^` is right-associative and its exponent may carry a sign.
        Ast::Pow(a, b) => {
            write_expr(f, a, 5)?;
            f.write_str("^")?;
            write_expr(f, b, 3)
        }
        Ast::Call(func, args) => {
            write!(f, "{}(", func.name())?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_expr(f, a, 0)?;
            }
            f.write_str(")")
        }
    }
}

impl fmt::Display for Ast {
    /// Infix text with minimal parentheses, using `^` for powers; it parses
    /// back to a tree that evaluates identically.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(f, self, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Ast {
        Ast::Var(Var::X)
    }

    #[test]
    fn prints_minimal_parentheses() {
        let b = |a, b| (Box::new(a), Box::new(b));
        let (l, r) = b(x(), Ast::Num(2.0));
        let sum = Ast::Add(l, r);
        let (l, r) = b(x(), sum.clone());
        assert_eq!(Ast::Sub(l, r).to_string(), "x - (x + 2)");
        let (l, r) = b(sum.clone(), x());
        assert_eq!(Ast::Sub(l, r).to_string(), "x + 2 - x");
        let (l, r) = b(Ast::Neg(Box::new(x())), Ast::Num(2.0));
        assert_eq!(Ast::Pow(l, r).to_string(), "(-x)^2");
        let (l, r) = b(Ast::Num(-2.0), x());
        assert_eq!(Ast::Pow(l, r).to_string(), "(-2)^x");
        let (l, r) = b(x(), Ast::Num(-2.0));
        assert_eq!(Ast::Pow(l, r).to_string(), "x^-2");
        let (l, r) = b(x(), Ast::Num(-0.5));
        assert_eq!(Ast::Mul(l, r).to_string(), "x*-0.5");
        assert_eq!(Ast::Num(1e-8).to_string(), "1e-8");
        assert_eq!(Ast::Num(1e300).to_string(), "1e300");
        assert_eq!(Ast::Num(f64::INFINITY).to_string(), "1e999");
    }

    #[test]
    fn simplifier_rules() {
        let s = |a: Ast| a.simplify().to_string();
        let bx = |a: Ast| Box::new(a);
        assert_eq!(
            s(Ast::Mul(
                bx(Ast::Num(2.0)),
                bx(Ast::Mul(bx(Ast::Num(3.0)), bx(x())))
            )),
            "6*x"
        );
        assert_eq!(s(Ast::Mul(bx(x()), bx(Ast::Num(3.0)))), "3*x");
        assert_eq!(s(Ast::Neg(bx(Ast::Mul(bx(Ast::Num(3.0)), bx(x()))))), "-3*x");
        assert_eq!(s(Ast::Add(bx(x()), bx(Ast::Neg(bx(x()))))), "0");
        assert_eq!(s(Ast::Add(bx(x()), bx(Ast::Num(-2.0)))), "x - 2");
        // Non-finite results stay symbolic.
        assert_eq!(s(Ast::Div(bx(Ast::Num(1.0)), bx(Ast::Num(0.0)))), "1/0");
        assert_eq!(s(Ast::Div(bx(Ast::Num(0.0)), bx(Ast::Num(0.0)))), "0/0");
        assert_eq!(
            s(Ast::Mul(bx(Ast::Num(1e200)), bx(Ast::Num(1e200)))),
            "1e200*1e200"
        );
        assert_eq!(
            s(Ast::Mul(bx(Ast::Num(0.0)), bx(Ast::Num(f64::INFINITY)))),
            "0*1e999"
        );
        let inf = || Ast::Num(f64::INFINITY);
        assert_eq!(s(Ast::Sub(bx(inf()), bx(inf()))), "1e999 - 1e999");
        assert_eq!(s(Ast::Call(Func::Pow, vec![x(), Ast::Num(1.0)])), "x");
        assert_eq!(s(Ast::Call(Func::Abs, vec![Ast::Neg(bx(x()))])), "abs(x)");
    }
}
