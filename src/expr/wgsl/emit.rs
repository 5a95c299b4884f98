//! Emission: the tape printed as WGSL, operations used once inlined and the rest bound with
//! `let` (also every [`MAX_INLINE_DEPTH`] levels), constants as f32 literals or the bits of
//! non-finite values.

use std::fmt::Write;

use super::{Id, MAX_INLINE_DEPTH, Op, Tape};
use crate::expr::func::Func;

/// `c` rounded to a WGSL f32: a suffixed literal, or the bit pattern of a
/// non-finite value (naga refuses overflowing constant expressions).
pub(super) fn literal(c: f64) -> String {
    // `as` rounds to nearest and overflows to ±inf.
    let v = c as f32;
    let bits = if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() };
    if v.is_finite() {
        // Debug gives the shortest digits that read back as this f32, in a
        // form WGSL accepts (`2.0`, `0.1`, `1e-8`, `3.4028235e38`).
        format!("{v:?}f")
    } else {
        format!("bitcast<f32>({bits:#010x}u)")
    }
}

/// How an operation's value is referred to while emitting.
struct Ref {
    text: String,
    /// Safe to use as an operand without parentheses.
    atomic: bool,
    /// Operations inlined into `text`.
    depth: u32,
}

/// Emits `let`s for the tape into `out` and returns the expression of each
/// root.
pub(super) fn emit(tape: &Tape, roots: &[Id], out: &mut String) -> Vec<String> {
    let n = tape.ops.len();
    let mut uses = vec![0u32; n];
    for &r in roots {
        uses[r] += 1;
    }
    // Children precede parents, so one backward sweep counts every use.
    for id in (0..n).rev() {
        if uses[id] > 0 {
            for c in tape.ops[id].children() {
                uses[c] += 1;
            }
        }
    }
    for (op, name) in [(Op::X, "x"), (Op::Y, "y")] {
        if tape.index.get(&op).is_some_and(|&id| uses[id] > 0) {
            let _ = writeln!(out, "    let {name} = p.{name};");
        }
    }

    let mut refs: Vec<Option<Ref>> = (0..n).map(|_| None).collect();
    let mut lets = 0usize;
    for id in 0..n {
        if uses[id] == 0 {
            continue;
        }
        let mut take = |c: Id| -> Ref {
            match &mut refs[c] {
                // Used once: move the text out. Otherwise it is a name.
                Some(r) if uses[c] == 1 => Ref {
                    text: std::mem::take(&mut r.text),
                    atomic: r.atomic,
                    depth: r.depth,
                },
                Some(r) => Ref {
                    text: r.text.clone(),
                    atomic: r.atomic,
                    depth: r.depth,
                },
                None => Ref {
                    text: String::from("0.0f"),
                    atomic: true,
                    depth: 0,
                },
            }
        };
        let operand = |r: &Ref| {
            if r.atomic {
                r.text.clone()
            } else {
                format!("({})", r.text)
            }
        };
        let mut r = match tape.ops[id] {
            Op::X => Ref {
                text: "x".into(),
                atomic: true,
                depth: 0,
            },
            Op::Y => Ref {
                text: "y".into(),
                atomic: true,
                depth: 0,
            },
            Op::P(k) => Ref {
                text: format!("surface_p[{k}]"),
                atomic: true,
                depth: 0,
            },
            Op::Const(bits) => {
                let text = literal(f64::from_bits(bits));
                let atomic = !text.starts_with('-');
                Ref {
                    text,
                    atomic,
                    depth: 0,
                }
            }
            Op::Neg(a) => {
                let a = take(a);
                Ref {
                    text: format!("-{}", operand(&a)),
                    atomic: false,
                    depth: a.depth + 1,
                }
            }
            Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) => {
                let sym = match tape.ops[id] {
                    Op::Add(..) => "+",
                    Op::Sub(..) => "-",
                    Op::Mul(..) => "*",
                    _ => "/",
                };
                let (a, b) = (take(a), take(b));
                Ref {
                    text: format!("{} {sym} {}", operand(&a), operand(&b)),
                    atomic: false,
                    depth: a.depth.max(b.depth) + 1,
                }
            }
            Op::DivZero { a, negative } => {
                let a = take(a);
                Ref {
                    text: format!("div_by_zero({}, {negative})", a.text),
                    atomic: true,
                    depth: a.depth + 1,
                }
            }
            // WGSL's tanh may be sinh/cosh, NaN past |x| ~ 89 (SwiftShader's is): clamped where
            // f32's tanh is already +-1 (from about 9.1).
            Op::Call1(Func::Tanh, a) => {
                let a = take(a);
                Ref {
                    text: format!("tanh(clamp({}, -15.0, 15.0))", a.text),
                    atomic: true,
                    depth: a.depth + 1,
                }
            }
            Op::Call1(f, a) => {
                let a = take(a);
                Ref {
                    text: format!("{}({})", f.name(), a.text),
                    atomic: true,
                    depth: a.depth + 1,
                }
            }
            Op::Call2(f, a, b) => {
                let (a, b) = (take(a), take(b));
                Ref {
                    text: format!("{}({}, {})", f.name(), a.text, b.text),
                    atomic: true,
                    depth: a.depth.max(b.depth) + 1,
                }
            }
            Op::Select { strict, a, b, t, f } => {
                let [a, b, t, f] = [a, b, t, f].map(&mut take);
                let cmp = if strict { "<" } else { "<=" };
                let depth = [&a, &b, &t, &f].iter().map(|r| r.depth).max().unwrap_or(0) + 1;
                Ref {
                    text: format!(
                        "select({}, {}, {} {cmp} {})",
                        f.text,
                        t.text,
                        operand(&a),
                        operand(&b)
                    ),
                    atomic: true,
                    depth,
                }
            }
        };
        let shared = uses[id] > 1 && !matches!(tape.ops[id], Op::X | Op::Y | Op::P(_) | Op::Const(_));
        if shared || r.depth > MAX_INLINE_DEPTH {
            let name = format!("t{lets}");
            lets += 1;
            let _ = writeln!(out, "    let {name} = {};", r.text);
            r = Ref {
                text: name,
                atomic: true,
                depth: 0,
            };
        }
        refs[id] = Some(r);
    }
    roots
        .iter()
        .map(|&id| match &refs[id] {
            Some(r) => r.text.clone(),
            None => String::from("0.0f"),
        })
        .collect()
}
