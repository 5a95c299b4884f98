//! The tape against the f64 evaluator, run in f32 and f64 with error bounds; emission.

use proptest::prelude::*;

use super::*;

/// Runs the tape as the GPU would: in f32 when `f32` (every result rounded
/// to f32, which for `+ - * / sqrt` is exactly the f32 operation and for
/// the rest a correctly rounded GPU), else in f64.
///
/// Also returns, per entry, the magnitude `m` of a running error bound:
/// evaluating with relative rounding `u` per operation is off by at most
/// about `(operations) * u * m`. It is the value computed with absolute
/// values and first-order error propagation (`m(a*b) = m(a)*m(b)`,
/// `m(f(a)) = |f(a)| + |f'(a)|*m(a)`), so cancellation is accounted for.
fn run(tape: &Tape, x: f64, y: f64, f32: bool) -> (Vec<f64>, Vec<f64>) {
    let round = |v: f64| if f32 { v as f32 as f64 } else { v };
    // |f'(a)|, from the (separately tested) derivative rules.
    let slope = |f: Func, a: f64| {
        Ast::Call(f, vec![Ast::Var(Var::X)])
            .diff(Var::X)
            .eval(a, 0.0)
            .abs()
    };
    let (mut v, mut m): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    for op in &tape.ops {
        let r = match *op {
            Op::X => x,
            Op::Y => y,
            op => op.apply(|c| v[c]),
        };
        let mag = match *op {
            Op::X => x.abs(),
            Op::Y => y.abs(),
            Op::P(_) => f64::NAN,
            Op::Const(_) => r.abs(),
            Op::Neg(a) => m[a],
            Op::Add(a, b) | Op::Sub(a, b) => m[a] + m[b],
            Op::Mul(a, b) => m[a] * m[b],
            Op::Div(a, b) => (m[a] + r.abs() * m[b]) / v[b].abs(),
            Op::DivZero { .. } => r.abs(),
            Op::Call2(Func::Pow, a, b) => {
                let rel = v[b].abs() * m[a] / v[a].abs() + v[a].ln().abs() * m[b];
                r.abs() * (1.0 + rel)
            }
            Op::Call1(f, a) => r.abs() + slope(f, v[a]) * m[a],
            Op::Call2(_, a, b) => m[a].max(m[b]),
            Op::Select { strict, a, b, t, f } => {
                let take = if strict { v[a] < v[b] } else { v[a] <= v[b] };
                if take { m[t] } else { m[f] }
            }
        };
        v.push(round(r));
        // NaN where first-order analysis breaks down (0^b): no bound.
        m.push(if mag.is_nan() { f64::INFINITY } else { mag });
    }
    (v, m)
}

const SURFACES: [&str; 14] = [
    "(1-x)^2 + 100*(y-x^2)^2",
    "(x^2+y-11)^2 + (x+y^2-7)^2",
    "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
    "(1+(x+y+1)^2*(19-14*x+3*x^2-14*y+6*x*y+3*y^2))*(30+(2*x-3*y)^2*(18-32*x+12*x^2+48*y-36*x*y+27*y^2))",
    "x^-3 + y^17 + x^0.5 + abs(y)^1.5 + 2^x + x^y",
    "sin(x)*cos(y) + tan(x/3) + asin(x/3) + acos(y/3) + atan(x*y)",
    "sinh(x) + cosh(y) + tanh(x*y) + exp(-x^2) + log(1 + y^2) + sqrt(x^2 + 1)",
    "min(x, y^2) + max(sin(x), y) + sign(x)*abs(y) + pow(y, 4) + ifle(x, y, x*y, x+y)",
    "4*x^2 - 2.1*x^4 + x^6/3 + x*y - 4*y^2 + 4*y^4",
    "(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)/2",
    "1e-8*x + 1e30*y^2 + 1e-30 + (-2)^x",
    "x^(-1.5) + (-x)^3 + (-x)^16 + x^-16 + y^-17",
    "log(0)*x + (1/0)*y + 0/0",
    "-20*exp(-0.2*sqrt(0.5*(x^2+y^2))) - exp(0.5*(cos(2*pi*x)+cos(2*pi*y))) + e + 20",
];

/// Compares the tape's roots at `(x, y)` with `eval` of `trees`.
fn check(trees: &[&Ast], x: f64, y: f64, f32: bool) -> Result<(), String> {
    let (tape, roots) = compile(trees);
    let (v, m) = run(&tape, x, y, f32);
    let u = if f32 {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    } / 2.0;
    for (tree, &id) in trees.iter().zip(&roots) {
        let (got, want) = (v[id], tree.eval(x, y));
        let single = if f32 { want as f32 as f64 } else { want };
        let ok = if got.is_finite() && single.is_finite() {
            (got - want).abs() <= 32.0 * u * m[id].max(f64::MIN_POSITIVE)
        } else {
            // NaN must stay NaN. Infinities may differ in sign, which
            // can hang on the sign of a zero (`(-0)^-17`): WGSL does
            // not promise signed zeros, so neither does the tape.
            got.is_nan() == single.is_nan() && got.is_infinite() == single.is_infinite()
        };
        if !ok {
            return Err(format!(
                "{tree} at ({x}, {y}), f32 {f32}: got {got}, want {want}, m {}",
                m[id]
            ));
        }
    }
    Ok(())
}

#[test]
fn tape_reproduces_eval() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0
    };
    for src in SURFACES {
        let s = SurfaceExpr::parse(src).map_err(|e| e.to_string()).unwrap();
        for _ in 0..200 {
            // Points exactly representable in f32, so that only the
            // arithmetic differs.
            let (x, y) = (rand() as f32 as f64, rand() as f32 as f64);
            for f32 in [false, true] {
                check(&[&s.f, &s.dfdx, &s.dfdy], x, y, f32).unwrap();
            }
        }
    }
}

fn arb_ast() -> impl Strategy<Value = Ast> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            0.0, -0.0, 1.0, 2.0, 3.0, 0.5, -1.0, -2.0, 17.0, 1e300, 1e-300
        ])
        .prop_map(Ast::Num),
        (-10.0f64..10.0).prop_map(Ast::Num),
        Just(Ast::Var(Var::X)),
        Just(Ast::Var(Var::Y)),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        let pair = || (inner.clone(), inner.clone());
        let b = Box::new;
        prop_oneof![
            inner.clone().prop_map(move |a| Ast::Neg(b(a))),
            pair().prop_map(move |(l, r)| Ast::Add(b(l), b(r))),
            pair().prop_map(move |(l, r)| Ast::Sub(b(l), b(r))),
            pair().prop_map(move |(l, r)| Ast::Mul(b(l), b(r))),
            pair().prop_map(move |(l, r)| Ast::Div(b(l), b(r))),
            pair().prop_map(move |(l, r)| Ast::Pow(b(l), b(r))),
            (
                prop::sample::select(Func::ALL.to_vec()),
                prop::collection::vec(inner.clone(), 4)
            )
                .prop_map(|(f, mut args)| {
                    args.truncate(f.arity());
                    Ast::Call(f, args)
                }),
        ]
    })
}

proptest! {
    /// In f64 the tape differs from `eval` only by rounding (powers by
    /// squaring): any mistake in lowering or folding shows up as a
    /// difference far beyond that.
    #[test]
    fn tape_reproduces_eval_on_random_trees(ast in arb_ast(), x in -3.0f64..3.0, y in -3.0f64..3.0) {
        let s = SurfaceExpr::new(ast);
        check(&[&s.f, &s.dfdx, &s.dfdy], x, y, false).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn shares_subexpressions() {
    let s = SurfaceExpr::parse("sin(x*y)^2 + cos(x*y)^2")
        .map_err(|e| e.to_string())
        .unwrap();
    let code = s.wgsl();
    // x*y is computed once per function.
    assert_eq!(code.matches("x * y").count(), 2, "{code}");
}
