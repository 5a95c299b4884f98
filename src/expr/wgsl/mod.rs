//! WGSL code generation: `mod.rs` lowers trees to a tape, `emit.rs` prints it.
//!
//! The trees are lowered to a *tape*: a hash-consed list of operations in
//! dependency order, which the GPU runs in f32. Hash-consing is the common-subexpression elimination:
//! equal subtrees (common in derivatives, and between ∂f/∂x and ∂f/∂y, which
//! share one tape) get one id. Emission then inlines operations used once
//! and binds the rest with `let`.
//!
//! Lowering reproduces [`Ast::eval`] (see `eval.rs`):
//! - Every variable-free subtree is folded in f64 and rounded to f32 once.
//!   Besides being more accurate, this is required: naga evaluates constant
//!   expressions itself and rejects any that overflow (`1.0f / 0.0f`).
//!   Non-finite constants are written as `bitcast<f32>(...)` of their bits.
//! - `a^n` for a constant integer `|n| <= 16` is repeated squaring (negative
//!   `n` as `1/...`), exact in sign for negative `a` where WGSL `pow` is NaN;
//!   larger integers use `pow(abs(a), n)` with the sign restored for odd `n`;
//!   `a^0.5` is `sqrt(a)`, which is more accurate than `pow`; any other
//!   constant or variable exponent stays `pow`, NaN for `a < 0` like `eval`; a variable
//!   exponent that is 0 gives 1 without calling `pow` (whose `pow(0, 0)` varies by GPU).
//! - `ifle` becomes `select`.
//!
//! Only names chosen here (`p`, `x`, `y`, `tN`), WGSL builtins and numbers
//! formatted here appear in the output; no user text is ever copied.

use std::collections::HashMap;
use std::fmt::Write;

use emit::emit;

use super::SurfaceExpr;
use super::ast::{Ast, Var};
use super::func::{self, Func};

mod emit;
#[cfg(test)]
mod tests;

type Id = usize;

/// Longest chain of operations inlined into one WGSL expression; deeper ones
/// are cut with `let`, keeping each line short and naga's parser shallow.
const MAX_INLINE_DEPTH: u32 = 8;

/// Largest integer exponent expanded into multiplications.
const MAX_UNROLLED_POWER: f64 = 16.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    X,
    Y,
    /// Surface parameter k: `surface_p[k]`, a private array the simulation may fill per group.
    P(u8),
    /// The bits of an f64; rounded to f32 only when printed, so that tests
    /// can run the tape in f64 too.
    Const(u64),
    Neg(Id),
    Add(Id, Id),
    Sub(Id, Id),
    Mul(Id, Id),
    Div(Id, Id),
    /// `a / 0` (`a / -0` when `negative`): ±inf by the signs, NaN for `0/0` and `NaN/0`, built
    /// from bits by `div_by_zero` (common.wgsl), since WGSL lets a GPU assume floats are finite
    /// and fold a division by a constant zero (lavapipe gave 0).
    DivZero {
        a: Id,
        negative: bool,
    },
    /// A one-argument WGSL builtin of the same name.
    Call1(Func, Id),
    /// `min`, `max` or `pow`.
    Call2(Func, Id, Id),
    /// `t` if `a <= b` (`a < b` when `strict`), else `f`.
    Select {
        strict: bool,
        a: Id,
        b: Id,
        t: Id,
        f: Id,
    },
}

impl Op {
    fn children(self) -> impl Iterator<Item = Id> {
        let (n, ids) = match self {
            Op::X | Op::Y | Op::P(_) | Op::Const(_) => (0, [0; 4]),
            Op::Neg(a) | Op::Call1(_, a) | Op::DivZero { a, .. } => (1, [a, 0, 0, 0]),
            Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) | Op::Call2(_, a, b) => {
                (2, [a, b, 0, 0])
            }
            Op::Select { a, b, t, f, .. } => (4, [a, b, t, f]),
        };
        ids.into_iter().take(n)
    }

    /// The operation's value given its operands', as the GPU computes it
    /// (`pow` is NaN for a negative base) but in f64. `X` and `Y` are NaN.
    fn apply(self, v: impl Fn(Id) -> f64) -> f64 {
        match self {
            Op::X | Op::Y | Op::P(_) => f64::NAN,
            Op::Const(bits) => f64::from_bits(bits),
            Op::Neg(a) => -v(a),
            Op::Add(a, b) => v(a) + v(b),
            Op::Sub(a, b) => v(a) - v(b),
            Op::Mul(a, b) => v(a) * v(b),
            Op::Div(a, b) => v(a) / v(b),
            Op::DivZero { a, negative } => v(a) / if negative { -0.0 } else { 0.0 },
            Op::Call1(f, a) => func::apply(f, &[v(a)]),
            // Made for variable or non-integer exponents, or on `abs(a)`.
            Op::Call2(Func::Pow, a, b) => func::pow(v(a), v(b), false),
            Op::Call2(f, a, b) => func::apply(f, &[v(a), v(b)]),
            Op::Select { strict, a, b, t, f } => {
                let (a, b) = (v(a), v(b));
                if (strict && a < b) || (!strict && a <= b) {
                    v(t)
                } else {
                    v(f)
                }
            }
        }
    }
}

/// A lowered value: a constant not yet committed to f32, or a tape entry.
#[derive(Clone, Copy)]
enum Val {
    Const(f64),
    Node(Id),
}

#[derive(Default)]
struct Tape {
    ops: Vec<Op>,
    index: HashMap<Op, Id>,
}

impl Tape {
    fn intern(&mut self, op: Op) -> Id {
        // A subtree with variables can still lower to a constant (`x^0` is
        // 1, an `ifle` with a constant condition picks a branch), so
        // operations on constants are folded here too: naga would
        // const-evaluate them and reject some (`pow(-1.0f, 1.0f)`).
        let value = |id: Id| match self.ops[id] {
            Op::Const(bits) => Some(f64::from_bits(bits)),
            _ => None,
        };
        if let Op::Select { a, b, t, f, strict } = op
            && let (Some(a), Some(b)) = (value(a), value(b))
        {
            return if (strict && a < b) || (!strict && a <= b) {
                t
            } else {
                f
            };
        }
        if !matches!(op, Op::X | Op::Y | Op::P(_) | Op::Const(_)) && op.children().all(|c| value(c).is_some())
        {
            let v = op.apply(|c| value(c).unwrap_or(f64::NAN));
            return self.constant(v);
        }
        // + and * commute exactly in IEEE arithmetic: a canonical operand
        // order (constants first, then by id) lets `a*b` and `b*a` share.
        let key = |id: Id| (!matches!(self.ops[id], Op::Const(_)), id);
        let op = match op {
            Op::Add(a, b) if key(a) > key(b) => Op::Add(b, a),
            Op::Mul(a, b) if key(a) > key(b) => Op::Mul(b, a),
            op => op,
        };
        if let Some(&id) = self.index.get(&op) {
            return id;
        }
        self.ops.push(op);
        self.index.insert(op, self.ops.len() - 1);
        self.ops.len() - 1
    }

    fn constant(&mut self, c: f64) -> Id {
        // One NaN bit pattern, so that all NaNs share.
        let c = if c.is_nan() { f64::NAN } else { c };
        self.intern(Op::Const(c.to_bits()))
    }

    fn node(&mut self, v: Val) -> Id {
        match v {
            Val::Const(c) => self.constant(c),
            Val::Node(id) => id,
        }
    }

    /// Lowers `e`. The result is `Val::Const` exactly when `e` has no
    /// variable, which is what decides the pow semantics in `eval`.
    fn lower(&mut self, e: &Ast) -> Val {
        match e {
            Ast::Num(c) => Val::Const(*c),
            Ast::Var(Var::X) => Val::Node(self.intern(Op::X)),
            Ast::Var(Var::Y) => Val::Node(self.intern(Op::Y)),
            Ast::Var(Var::P(k)) => Val::Node(self.intern(Op::P(*k))),
            Ast::Neg(a) => match self.lower(a) {
                Val::Const(c) => Val::Const(-c),
                Val::Node(id) => Val::Node(self.intern(Op::Neg(id))),
            },
            Ast::Add(a, b) => self.binary(a, b, |p, q| p + q, Op::Add),
            Ast::Sub(a, b) => self.binary(a, b, |p, q| p - q, Op::Sub),
            Ast::Mul(a, b) => self.binary(a, b, |p, q| p * q, Op::Mul),
            Ast::Div(a, b) => match (self.lower(a), self.lower(b)) {
                (Val::Const(p), Val::Const(q)) => Val::Const(p / q),
                (Val::Node(a), Val::Const(q)) if q == 0.0 => Val::Node(self.intern(Op::DivZero {
                    a,
                    negative: q.is_sign_negative(),
                })),
                (va, vb) => {
                    let (a, b) = (self.node(va), self.node(vb));
                    Val::Node(self.intern(Op::Div(a, b)))
                }
            },
            Ast::Pow(a, b) => self.pow(a, b),
            Ast::Call(f, args) => self.call(*f, args),
        }
    }

    fn binary(&mut self, a: &Ast, b: &Ast, fold: fn(f64, f64) -> f64, make: fn(Id, Id) -> Op) -> Val {
        match (self.lower(a), self.lower(b)) {
            (Val::Const(p), Val::Const(q)) => Val::Const(fold(p, q)),
            (va, vb) => {
                let (a, b) = (self.node(va), self.node(vb));
                Val::Node(self.intern(make(a, b)))
            }
        }
    }

    fn pow(&mut self, a: &Ast, b: &Ast) -> Val {
        match (self.lower(a), self.lower(b)) {
            (Val::Const(p), Val::Const(q)) => Val::Const(func::pow(p, q, true)),
            (Val::Node(a), Val::Const(n)) => Val::Node(self.const_pow(a, n)),
            (va, Val::Node(b)) => {
                // a^0 is 1 for every a, as in `eval`; WGSL's pow(0, 0) is exp2(0 * -inf),
                // whatever the GPU makes of that (lavapipe: 0), so it is never asked.
                let a = self.node(va);
                let pow = self.intern(Op::Call2(Func::Pow, a, b));
                let abs = self.intern(Op::Call1(Func::Abs, b));
                let (zero, one) = (self.constant(0.0), self.constant(1.0));
                Val::Node(self.intern(Op::Select {
                    strict: false,
                    a: abs,
                    b: zero,
                    t: one,
                    f: pow,
                }))
            }
        }
    }

    /// `a^n` for a constant `n`, with `powf` semantics.
    fn const_pow(&mut self, a: Id, n: f64) -> Id {
        let integer = n.is_finite() && n == n.trunc();
        if integer && n.abs() <= MAX_UNROLLED_POWER {
            let r = self.powi(a, n.abs() as u32);
            if n >= 0.0 {
                return r;
            }
            let one = self.constant(1.0);
            return self.intern(Op::Div(one, r));
        }
        if integer {
            let abs = self.intern(Op::Call1(Func::Abs, a));
            let c = self.constant(n);
            let r = self.intern(Op::Call2(Func::Pow, abs, c));
            if n % 2.0 == 0.0 {
                return r;
            }
            let zero = self.constant(0.0);
            let neg = self.intern(Op::Neg(r));
            return self.intern(Op::Select {
                strict: true,
                a,
                b: zero,
                t: neg,
                f: r,
            });
        }
        if n == 0.5 {
            return self.intern(Op::Call1(Func::Sqrt, a));
        }
        let c = self.constant(n);
        self.intern(Op::Call2(Func::Pow, a, c))
    }

    /// `a^n` by repeated squaring: about log2(n) roundings.
    fn powi(&mut self, a: Id, n: u32) -> Id {
        if n == 0 {
            // powf(NaN, 0) is 1 as well.
            return self.constant(1.0);
        }
        let (mut sq, mut k) = (a, n);
        while k & 1 == 0 {
            sq = self.intern(Op::Mul(sq, sq));
            k >>= 1;
        }
        let mut result = sq;
        k >>= 1;
        while k > 0 {
            sq = self.intern(Op::Mul(sq, sq));
            if k & 1 == 1 {
                result = self.intern(Op::Mul(result, sq));
            }
            k >>= 1;
        }
        result
    }

    fn call(&mut self, f: Func, args: &[Ast]) -> Val {
        match (f, args) {
            (Func::Pow, [a, b]) => self.pow(a, b),
            (Func::Ifle, [a, b, t, e]) => {
                let (va, vb) = (self.lower(a), self.lower(b));
                if let (Val::Const(p), Val::Const(q)) = (va, vb) {
                    // Decided now, as `eval` decides it. The result is only a
                    // constant (for pow) if the other branch is one too.
                    let (chosen, other) = if p <= q { (t, e) } else { (e, t) };
                    return match self.lower(chosen) {
                        Val::Const(c) if !other.is_const() => Val::Node(self.constant(c)),
                        v => v,
                    };
                }
                let (vt, ve) = (self.lower(t), self.lower(e));
                let [a, b, t, f] = [va, vb, vt, ve].map(|v| self.node(v));
                Val::Node(self.intern(Op::Select {
                    strict: false,
                    a,
                    b,
                    t,
                    f,
                }))
            }
            (_, [a]) => match self.lower(a) {
                Val::Const(c) => Val::Const(func::apply(f, &[c])),
                Val::Node(a) => Val::Node(match f {
                    Func::Asin | Func::Acos => self.arc(f, a),
                    _ => self.intern(Op::Call1(f, a)),
                }),
            },
            (_, [a, b]) => match (self.lower(a), self.lower(b)) {
                (Val::Const(p), Val::Const(q)) => Val::Const(func::apply(f, &[p, q])),
                (va, vb) => {
                    let (a, b) = (self.node(va), self.node(vb));
                    Val::Node(self.intern(Op::Call2(f, a, b)))
                }
            },
            // Wrong arity (hand-built trees only): NaN, as in `eval`.
            _ => Val::Const(f64::NAN),
        }
    }
}

impl Tape {
    /// asin and acos through atan: WGSL lets them inherit atan2's error through
    /// sqrt(1 - a*a), and GPUs take the licence (lavapipe: 4e-4 relative for asin against
    /// 1e-5 for atan). asin a = atan(a / sqrt((1 - a)(1 + a))) and
    /// acos a = 2 atan(sqrt((1 - a) / (1 + a))) keep 1 - a exact near the ends; at a = +-1
    /// the quotients are infinite or 0, and atan gives the right limits.
    fn arc(&mut self, f: Func, a: Id) -> Id {
        let one = self.constant(1.0);
        let below = self.intern(Op::Sub(one, a));
        let above = self.intern(Op::Add(one, a));
        if f == Func::Asin {
            let product = self.intern(Op::Mul(below, above));
            let root = self.intern(Op::Call1(Func::Sqrt, product));
            let ratio = self.intern(Op::Div(a, root));
            self.intern(Op::Call1(Func::Atan, ratio))
        } else {
            let ratio = self.intern(Op::Div(below, above));
            let root = self.intern(Op::Call1(Func::Sqrt, ratio));
            let angle = self.intern(Op::Call1(Func::Atan, root));
            let two = self.constant(2.0);
            self.intern(Op::Mul(two, angle))
        }
    }
}

/// Lowers `roots` into one tape.
fn compile(roots: &[&Ast]) -> (Tape, Vec<Id>) {
    let mut tape = Tape::default();
    let ids = roots
        .iter()
        .map(|r| {
            let v = tape.lower(r);
            tape.node(v)
        })
        .collect();
    (tape, ids)
}

/// The two WGSL functions for `s` (see [`SurfaceExpr::wgsl`]).
/// The parameter declarations of a surface without parameters: what a generated surface
/// that is not an expression (a height table) starts with, so that every shader including
/// a surface may name `SURFACE_PARAMS` and `surface_p`.
pub const NO_PARAMS_WGSL: &str =
    "const SURFACE_PARAMS: u32 = 0u;\nvar<private> surface_p: array<f32, 1> = array<f32, 1>(0.0f);\n";

/// `SURFACE_PARAMS` (how many) and `surface_p` (their values, initially the surface's own;
/// sim.wgsl overwrites them with a group's row of its surface table).
fn param_declarations(s: &SurfaceExpr) -> String {
    if s.params.is_empty() {
        return NO_PARAMS_WGSL.to_string();
    }
    let n = s.params.len();
    let values: Vec<String> = s.params.iter().map(|p| emit::literal(p.value)).collect();
    format!(
        "const SURFACE_PARAMS: u32 = {n}u;\nvar<private> surface_p: array<f32, {n}> = array<f32, {n}>({});\n",
        values.join(", ")
    )
}

pub(crate) fn surface(s: &SurfaceExpr) -> String {
    let mut out = param_declarations(s);
    out += "fn surface_f(p: vec2<f32>) -> f32 {\n";
    let (tape, roots) = compile(&[&s.f]);
    let value = emit(&tape, &roots, &mut out);
    let _ = writeln!(out, "    return {};\n}}\n", value.join(""));

    out += "fn surface_grad(p: vec2<f32>) -> vec2<f32> {\n";
    let (tape, roots) = compile(&[&s.dfdx, &s.dfdy]);
    let grad = emit(&tape, &roots, &mut out);
    let _ = writeln!(out, "    return vec2<f32>({});\n}}", grad.join(", "));
    out
}
