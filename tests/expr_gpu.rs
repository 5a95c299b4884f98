//! The fuzz property the CPU cannot check alone: for random expression trees, the GPU's
//! value (the surface mesh's compute pass, in f32) matches the f64 evaluator within a bound on
//! f32 rounding, wherever the f64 value is finite and the bound is meaningful; and its holes
//! (vertices marked as f or its gradient not finite) are where they must be, both ways.
//!
//! The bound is a first-order forward error analysis of the tree: each node adds its own
//! rounding (a few ulps for arithmetic, more for transcendental builtins, whose WGSL accuracy
//! is looser) and passes on its children's errors scaled by its partial derivatives. Points
//! where an intermediate overflows f32 or falls into its subnormal range are not compared:
//! there f32 and f64 legitimately part ways. Most points must be compared, and most of the
//! rest checked as holes. `PROPTEST_CASES` sets the number of trees (default 48).

mod common;

use descent::expr::{Ast, Func, SurfaceExpr, Var};
use descent::gpu::mesh::SurfaceMesh;
use descent::surfaces::{DEFAULT_DOMAIN, Surface};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const EPS: f64 = f32::EPSILON as f64;

/// Value and error bound of `e` at (x, y) as f32 arithmetic would compute it, or None where
/// the comparison means nothing (non-finite, f32 overflow or underflow on the way).
fn value_and_bound(e: &Ast, x: f64, y: f64) -> Option<(f64, f64)> {
    let v = e.eval(x, y);
    if !v.is_finite() || v.abs() > 1e30 || (v != 0.0 && v.abs() < 1e-30) {
        return None;
    }
    let at = |a: &Ast| value_and_bound(a, x, y);
    // Central difference of a one-argument function at a (f64, smooth where it matters).
    let slope = |f: &dyn Fn(f64) -> f64, a: f64| {
        let h = 1e-6 * a.abs().max(1e-6);
        ((f(a + h) - f(a - h)) / (2.0 * h)).abs()
    };
    let err = match e {
        Ast::Num(_) => v.abs() * EPS,
        Ast::Var(_) => 0.0,
        Ast::Neg(a) => at(a)?.1,
        Ast::Add(a, b) | Ast::Sub(a, b) => at(a)?.1 + at(b)?.1 + v.abs() * EPS,
        Ast::Mul(a, b) => {
            let ((va, ea), (vb, eb)) = (at(a)?, at(b)?);
            vb.abs() * ea + va.abs() * eb + ea * eb + v.abs() * EPS
        }
        Ast::Div(a, b) => {
            let ((_, ea), (vb, eb)) = (at(a)?, at(b)?);
            if eb >= 0.5 * vb.abs() {
                return None; // the divisor's sign or size is not known in f32
            }
            (ea + v.abs() * eb) / (vb.abs() - eb) + v.abs() * EPS
        }
        Ast::Pow(a, b) => pow_bound(at(a)?, at(b)?, v)?,
        Ast::Call(Func::Pow, args) => pow_bound(at(&args[0])?, at(&args[1])?, v)?,
        Ast::Call(Func::Min | Func::Max, args) => at(&args[0])?.1.max(at(&args[1])?.1),
        Ast::Call(Func::Ifle, args) => {
            let ((va, ea), (vb, eb)) = (at(&args[0])?, at(&args[1])?);
            if (va - vb).abs() <= ea + eb {
                return None; // the branch taken may differ
            }
            at(&args[2])
                .map_or(0.0, |t| t.1)
                .max(at(&args[3]).map_or(0.0, |f| f.1))
        }
        Ast::Call(Func::Abs, args) => at(&args[0])?.1,
        Ast::Call(Func::Sign, args) => {
            let (va, ea) = at(&args[0])?;
            if va.abs() <= ea {
                return None;
            }
            0.0
        }
        Ast::Call(f, args) => {
            let (va, ea) = at(&args[0])?;
            let g = |t: f64| Ast::Call(*f, vec![Ast::Num(t)]).eval(0.0, 0.0);
            let d = slope(&g, va);
            // WGSL's builtins: sin/cos within 2^-11 absolute near [-pi, pi] (here 1e-6 times
            // the argument, what GPUs deliver), the rest a few ulps or inherited from exp2/log2.
            let own = match f {
                Func::Sin | Func::Cos => 1e-6 * va.abs().max(1.0),
                // WGSL: atan within 4096 ulp; asin and acos are built from it.
                Func::Atan | Func::Asin | Func::Acos => 4096.0 * EPS * v.abs(),
                _ => 16.0 * EPS * v.abs() + 1e-7 * d,
            };
            // Past a tenth of the value a first-order bound means nothing (exp of an
            // argument known to +-3 is not known to 3 significant digits): skip.
            if d * ea > 0.1 * v.abs() && matches!(f, Func::Exp | Func::Sinh | Func::Cosh) {
                return None;
            }
            d * ea + own
        }
    };
    err.is_finite().then_some((v, err))
}

/// a^b: integer b is unrolled into multiplications (exact rules); otherwise exp2(b log2 a).
fn pow_bound((va, ea): (f64, f64), (vb, eb): (f64, f64), v: f64) -> Option<f64> {
    if eb == 0.0 && vb.fract() == 0.0 && vb.abs() <= 16.0 {
        let n = vb.abs();
        let rel = if va == 0.0 { 0.0 } else { n * ea / va.abs() };
        return (rel < 0.1).then_some(v.abs() * (rel + n * EPS));
    }
    if va <= 0.0 {
        return None;
    }
    let ln = va.ln();
    let relative = (vb / va).abs() * ea + ln.abs() * eb + (vb * ln).abs() * 8.0 * EPS + 8.0 * EPS;
    // Beyond a tenth, first order is no bound at all (1.0000000069^1e10 in f32 is 1^1e10).
    (relative < 0.1).then_some(v.abs() * relative)
}

/// Whether the GPU must mark (x, y) a hole (f or its gradient not finite) for sure, not only
/// by f64's account: a NaN made from a number f32 knows well enough (the log or square root
/// of a clearly negative value, asin or acos clearly past 1, of an argument that depends on x
/// or y: a constant one is folded on the CPU), in f or in the derivative (lavapipe's asin of
/// -2, built from atan, is -0, but its derivative 1/sqrt(1 - x^2) is NaN), carried up through
/// operations that always pass a NaN on, in the value and in the chain rule. Functions that
/// can turn a NaN or an infinity into a number (exp, atan, tanh, sign, min, max, ifle, pow, a
/// division by it) end the claim, and so does a division by zero: Vulkan leaves x / 0
/// undefined (lavapipe gives 0 for a constant 0). False means "not sure".
fn surely_a_hole(e: &Ast, x: f64, y: f64) -> bool {
    let sure = |a: &Ast| surely_a_hole(a, x, y);
    let known = |a: &Ast| value_and_bound(a, x, y);
    match e {
        Ast::Num(_) | Ast::Var(_) | Ast::Pow(..) => false,
        Ast::Neg(a) => sure(a),
        Ast::Add(a, b) | Ast::Sub(a, b) | Ast::Mul(a, b) => sure(a) || sure(b),
        Ast::Div(a, _) => sure(a),
        Ast::Call(f, args) => {
            let a = &args[0];
            let varies = a.uses(Var::X) || a.uses(Var::Y);
            match f {
                Func::Log | Func::Sqrt => {
                    sure(a) || (varies && known(a).is_some_and(|(v, err)| v + err < 0.0))
                }
                Func::Asin | Func::Acos => {
                    sure(a) || (varies && known(a).is_some_and(|(v, err)| v.abs() - err > 1.0))
                }
                Func::Sin | Func::Cos | Func::Tan | Func::Abs | Func::Sinh | Func::Cosh => sure(a),
                _ => false,
            }
        }
    }
}

#[test]
fn gpu_values_match_the_f64_evaluator_within_f32_rounding() {
    let gpu = common::gpu();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48);
    // Deterministic, so CI sees the same trees every run; PROPTEST_CASES runs more of them.
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let count = || std::cell::Cell::new(0u64);
    let (compared, skipped, holes_checked, total, sure_holes) = (count(), count(), count(), count(), count());
    runner
        .run(&common::arb_ast(), |ast| {
            let expr = SurfaceExpr::new(ast.clone());
            let surface = Surface::with_expr("fuzz", &ast.to_string(), expr.clone(), DEFAULT_DOMAIN);
            let mesh = SurfaceMesh::new(gpu, &surface, 9, 9).expect("mesh pipeline");
            for vertex in mesh.read(gpu).expect("readback") {
                total.set(total.get() + 1);
                // w = 0 marks a hole (f or its gradient not finite): drawn as such, no value.
                let [x, y, f, w] = vertex.position;
                let (x, y) = (f64::from(x), f64::from(y));
                let value = value_and_bound(&ast, x, y);
                let hole = w <= 0.0;
                // Holes both ways: where f and both partials are finite and f32 computes them
                // faithfully, there is no hole; where f or a partial is surely not finite in
                // f32, there is.
                let gradient_known = value_and_bound(&expr.dfdx, x, y).is_some()
                    && value_and_bound(&expr.dfdy, x, y).is_some();
                if hole {
                    if surely_a_hole(&ast, x, y) {
                        sure_holes.set(sure_holes.get() + 1);
                    }
                    prop_assert!(
                        !(value.is_some() && gradient_known),
                        "{ast} at ({x}, {y}): a hole where f = {:?} and its gradient ({}, {}) are finite",
                        value,
                        expr.dfdx.eval(x, y),
                        expr.dfdy.eval(x, y)
                    );
                    holes_checked.set(holes_checked.get() + 1);
                    continue;
                }
                prop_assert!(
                    !surely_a_hole(&ast, x, y),
                    "{ast} at ({x}, {y}): f is {} in f64 and surely not finite in f32 (or its gradient), \
                     the GPU gives {f} and no hole",
                    ast.eval(x, y)
                );
                let Some((want, bound)) = value else {
                    skipped.set(skipped.get() + 1);
                    continue;
                };
                compared.set(compared.get() + 1);
                let got = f64::from(f);
                prop_assert!(
                    (got - want).abs() <= 4.0 * bound + 1e-30,
                    "{ast} at ({x}, {y}): GPU {got}, f64 {want}, bound {bound}"
                );
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let (compared, skipped, holes, total) = (compared.get(), skipped.get(), holes_checked.get(), total.get());
    let sure_holes = sure_holes.get();
    eprintln!(
        "{cases} trees, {total} points: {compared} values compared, {holes} holes checked \
         ({sure_holes} surely holes), {skipped} skipped"
    );
    assert!(
        sure_holes > 0,
        "no point that is surely a hole: the other way is untested"
    );
    assert!(
        compared * 2 > total && (compared + holes) * 4 >= total * 3,
        "too few comparable points: {compared} compared and {holes} holes of {total}"
    );
    assert!(gpu.take_fault().is_none());
}

/// The surface `src` over [-1, 1] x [-1, 1], parsed as typed (not simplified further).
fn unit_surface(src: &str) -> (SurfaceExpr, Surface) {
    let expr = SurfaceExpr::parse(src).expect("expression");
    let domain = descent::surfaces::Domain::new(-1.0, 1.0, -1.0, 1.0);
    let surface = Surface::with_expr(src, src, expr.clone(), domain);
    (expr, surface)
}

/// Worst relative error of the GPU's f against the f64 evaluator over [-1, 1].
fn worst_relative_error(src: &str) -> f64 {
    let gpu = common::gpu();
    let (expr, surface) = unit_surface(src);
    let mesh = SurfaceMesh::new(gpu, &surface, 65, 2).expect("mesh pipeline");
    let mut worst: f64 = 0.0;
    for v in mesh.read(gpu).expect("readback") {
        let [x, y, f, w] = v.position;
        let want = expr.value(f64::from(x), f64::from(y));
        if want.is_finite() && w > 0.0 {
            worst = worst.max((f64::from(f) - want).abs() / want.abs().max(1e-3));
        }
    }
    worst
}

#[test]
fn asin_and_acos_are_as_accurate_as_atan() {
    // WGSL lets asin and acos be far worse than atan (lavapipe's builtins: 4e-4 and 1.2e-4
    // relative); the codegen builds them from atan, which keeps them within atan's error.
    let atan = worst_relative_error("atan(x)");
    for src in ["asin(x)", "acos(x)"] {
        let e = worst_relative_error(src);
        eprintln!("{src}: {e:.2e} (atan {atan:.2e})");
        assert!(e <= 2.0 * atan + 1e-6, "{src}: {e:.2e} against atan's {atan:.2e}");
    }
}

#[test]
fn a_division_by_a_constant_zero_is_a_hole_on_the_gpu() {
    // IEEE gives +-inf (or NaN for 0/0) and the f64 evaluator agrees; WGSL lets an
    // implementation assume floats are finite, and lavapipe folded `a / 0.0` to 0: where the
    // gradient was a division by zero too, `(x^2 + y^2) / 0` drew a flat plane at 0 instead of
    // a hole. Every vertex must be a hole, as the reference says.
    let gpu = common::gpu();
    for src in [
        "(x^2 + y^2) / 0",
        "x*y/0",
        "sin(x) / 0",
        "x^2/0 + y",
        "(x + 1) / -0",
        "exp(x) / (y - y)",
    ] {
        let (expr, surface) = unit_surface(src);
        let mesh = SurfaceMesh::new(gpu, &surface, 9, 9).expect("mesh pipeline");
        for v in mesh.read(gpu).expect("readback") {
            let [x, y, f, w] = v.position;
            let want = expr.value(f64::from(x), f64::from(y));
            assert!(!want.is_finite(), "{src} at ({x}, {y}): the reference is {want}");
            assert_eq!(w, 0.0, "{src} at ({x}, {y}) drew f = {f}, not a hole");
        }
    }
}
