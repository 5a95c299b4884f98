//! Integration tests for the surface expression language (`descent::expr`).

mod common;

use common::arb_ast;
use descent::expr::{Ast, ExprError, Func, MAX_LEN, SurfaceExpr, Var, parse};
use proptest::prelude::*;

fn ok(src: &str) -> Ast {
    parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

fn err(src: &str) -> ExprError {
    match parse(src) {
        Ok(a) => panic!("{src:?} parsed as {a}"),
        Err(e) => e,
    }
}

fn surface(src: &str) -> SurfaceExpr {
    SurfaceExpr::parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

/// Small deterministic generator (xorshift64*), uniform in [lo, hi).
struct Rng(u64);

impl Rng {
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        lo + (hi - lo) * (bits as f64 / (1u64 << 53) as f64)
    }
}

// ---------------------------------------------------------------------------
// Syntax

#[test]
fn precedence_and_associativity() {
    let cases: [(&str, f64, f64, f64); 17] = [
        ("-x^2", 3.0, 0.0, -9.0),
        ("2^3^2", 0.0, 0.0, 512.0),
        ("2**3**2", 0.0, 0.0, 512.0),
        ("-2^2", 0.0, 0.0, -4.0),
        ("x^-2", 2.0, 0.0, 0.25),
        ("2^-3^2", 0.0, 0.0, 2f64.powi(-9)),
        ("1-2-3", 0.0, 0.0, -4.0),
        ("8/4/2", 0.0, 0.0, 1.0),
        ("2*-x", 3.0, 0.0, -6.0),
        ("2*x^2", 3.0, 0.0, 18.0),
        ("-x*y", 2.0, 3.0, -6.0),
        ("x - -y", 2.0, 3.0, 5.0),
        ("--x", 2.0, 0.0, 2.0),
        ("+x", 2.0, 0.0, 2.0),
        ("(1+2)*3", 0.0, 0.0, 9.0),
        ("1+2*3^2", 0.0, 0.0, 19.0),
        (" \t x\n+ pi ", 1.0, 0.0, 1.0 + std::f64::consts::PI),
    ];
    for (src, x, y, want) in cases {
        assert_eq!(ok(src).eval(x, y), want, "{src}");
    }
    let b = Box::new;
    let x = || Ast::Var(Var::X);
    assert_eq!(ok("-x^2"), Ast::Neg(b(Ast::Pow(b(x()), b(Ast::Num(2.0))))));
    assert_eq!(ok("x^-2"), Ast::Pow(b(x()), b(Ast::Neg(b(Ast::Num(2.0))))));
    assert_eq!(ok("2**3**2"), ok("2^(3^2)"));
    assert_eq!(ok("1-2-3"), ok("(1-2)-3"));
    assert_eq!(ok("e"), Ast::Num(std::f64::consts::E));
}

#[test]
fn numbers() {
    for (src, want) in [
        ("1e-8", 1e-8),
        (".5", 0.5),
        ("3.", 3.0),
        ("1.5E+3", 1500.0),
        ("2", 2.0),
        ("007", 7.0),
    ] {
        assert_eq!(ok(src), Ast::Num(want), "{src}");
    }
    assert_eq!(ok("1e999"), Ast::Num(f64::INFINITY));
}

#[test]
fn printing() {
    for (src, want) in [
        ("x*1+0", "x*1 + 0"),
        ("(x+y)*(x-y)", "(x + y)*(x - y)"),
        ("x-(y-1)", "x - (y - 1)"),
        ("(x-y)-1", "x - y - 1"),
        ("(x^2)^3", "(x^2)^3"),
        ("x^(2^3)", "x^2^3"),
        ("(-x)^2", "(-x)^2"),
        ("x^(-2)", "x^-2"),
        ("-(x*y)", "-(x*y)"),
        ("x/(y*2)", "x/(y*2)"),
        ("pow(x, 0.5) + min(x, y)", "pow(x, 0.5) + min(x, y)"),
        ("1e-8 + 1.5E+3", "1e-8 + 1500"),
    ] {
        assert_eq!(ok(src).to_string(), want, "{src}");
    }
}

// ---------------------------------------------------------------------------
// Errors

#[track_caller]
fn assert_error(src: &str, message: &str, column: usize, token: &str) {
    let e = err(src);
    assert_eq!(
        (e.message.as_str(), e.column, e.token.as_str()),
        (message, column, token),
        "{src:?}"
    );
    assert_eq!(e.to_string(), message);
}

#[test]
fn error_messages() {
    assert_error(
        "x + sinn(x)",
        "unknown function 'sinn' at column 5; did you mean 'sin'?",
        5,
        "sinn",
    );
    assert_error(
        "ln(x)",
        "unknown function 'ln' at column 1; did you mean 'log'?",
        1,
        "ln",
    );
    assert_error(
        "Sin(x)",
        "unknown function 'Sin' at column 1; did you mean 'sin'?",
        1,
        "Sin",
    );
    assert_error("foo(x)", "unknown function 'foo' at column 1", 1, "foo");
    assert_error(
        "x*z",
        "unknown variable 'z' at column 3; the variables are x and y",
        3,
        "z",
    );
    assert_error(
        "X + 1",
        "unknown variable 'X' at column 1; did you mean 'x'?",
        1,
        "X",
    );
    assert_error(
        "2*PI",
        "unknown variable 'PI' at column 3; did you mean 'pi'?",
        3,
        "PI",
    );
    assert_error(
        "sinx",
        "unknown variable 'sinx' at column 1; did you mean 'sin(x)'?",
        1,
        "sinx",
    );
    assert_error(
        "xy",
        "unknown variable 'xy' at column 1; did you mean 'x*y'?",
        1,
        "xy",
    );
    assert_error(
        "sin x",
        "function 'sin' at column 1 needs parentheses, as in 'sin(x)'",
        1,
        "sin",
    );
    assert_error("sin(x))", "unexpected ')' at column 7", 7, ")");
    assert_error(
        "2*x +",
        "unexpected end of input at column 6; expected an expression",
        6,
        "",
    );
    assert_error(
        "",
        "unexpected end of input at column 1; expected an expression",
        1,
        "",
    );
    assert_error(
        "x + )",
        "unexpected ')' at column 5; expected an expression",
        5,
        ")",
    );
    assert_error(
        "x ^ * 2",
        "unexpected '*' at column 5; expected an expression",
        5,
        "*",
    );
    assert_error(
        "(x + 1",
        "missing ')' at column 7 to close '(' at column 1",
        7,
        "",
    );
    assert_error("sin(x", "missing ')' at column 6 to close '(' at column 4", 6, "");
    assert_error(
        "(x, y)",
        "unexpected ',' at column 3; expected ')' to close '(' at column 1",
        3,
        ",",
    );
    assert_error("2*x$", "unexpected character '$' at column 4", 4, "$");
    assert_error("x = 1", "unexpected character '=' at column 3", 3, "=");
    assert_error("-1e", "invalid number '1e' at column 2", 2, "1e");
    assert_error("1e+", "invalid number '1e+' at column 1", 1, "1e+");
    assert_error("1.2.3", "invalid number '1.2.3' at column 1", 1, "1.2.3");
    assert_error("x + .", "invalid number '.' at column 5", 5, ".");
    assert_error(
        "sin(x, y)",
        "'sin' takes 1 argument, got 2, at column 1",
        1,
        "sin",
    );
    assert_error(
        "2*max(x)",
        "'max' takes 2 arguments, got 1, at column 3",
        3,
        "max",
    );
    assert_error("cos()", "'cos' takes 1 argument, got 0, at column 1", 1, "cos");
    assert_error("2x", "unexpected 'x' at column 2; did you mean '2*x'?", 2, "x");
    assert_error(
        "3 sin(x)",
        "unexpected 'sin' at column 3; did you mean '3*sin'?",
        3,
        "sin",
    );
    assert_error(
        "x(y+1)",
        "unexpected '(' at column 2; did you mean 'x*('?",
        2,
        "(",
    );
    assert_error(
        "(x)(y)",
        "unexpected '(' at column 4; did you mean ')*('?",
        4,
        "(",
    );
    assert_error(
        "min(x y)",
        "unexpected 'y' at column 7; did you mean 'x*y'?",
        7,
        "y",
    );
    // Columns count characters, not bytes (two no-break spaces here).
    assert_error(
        "\u{a0}\u{a0}sinn(x)",
        "unknown function 'sinn' at column 3; did you mean 'sin'?",
        3,
        "sinn",
    );
    assert_error("x + é", "unexpected character 'é' at column 5", 5, "é");
    // The first problem in reading order wins.
    assert_error("y $ sinn(x)", "unexpected character '$' at column 3", 3, "$");
}

#[test]
fn limits() {
    let deep = format!("{}x{}", "(".repeat(65), ")".repeat(65));
    assert_error(
        &deep,
        "expression nested too deeply at column 65 (limit 64)",
        65,
        "(",
    );
    let ok_deep = format!("{}x{}", "(".repeat(64), ")".repeat(64));
    assert_eq!(ok(&ok_deep), Ast::Var(Var::X));

    let long = "1".repeat(12_000);
    assert_error(
        &long,
        "expression too long: 12000 characters (limit 10000)",
        MAX_LEN + 1,
        "",
    );
    let padded = format!("x{}", " ".repeat(MAX_LEN - 1));
    assert_eq!(ok(&padded), Ast::Var(Var::X));
    assert!(parse(&format!("{padded} ")).is_err());

    // A chain nests in the tree though not in the text; the 256th '+' is
    // at column 512.
    let chain = format!("x{}", "+x".repeat(300));
    assert_error(
        &chain,
        "expression too deep at column 512 (limit 256 levels of operations)",
        512,
        "+",
    );
    assert!(parse(&format!("x{}", "+x".repeat(255))).is_ok());
}

/// 100000 levels of each kind of nesting: the depth error, on the test
/// thread's ordinary stack, in time linear in the limit, not the input.
#[test]
fn very_deep_nesting_is_refused_without_overflow() {
    let n = 100_000;
    let cases = [
        (format!("{}x{}", "(".repeat(n), ")".repeat(n)), 65, "("),
        (format!("{}x", "-".repeat(n)), 65, "-"),
        (format!("{}x", "+-".repeat(n)), 65, "+"),
        (
            format!("{}x{}", "sin(".repeat(n), ")".repeat(n)),
            4 * 64 + 1,
            "sin",
        ),
        (format!("x{}", "^x".repeat(n)), 2 * 64 + 2, "^"),
        (
            format!("{}x{}", "max(x,".repeat(n), ")".repeat(n)),
            6 * 64 + 1,
            "max",
        ),
    ];
    for (src, column, token) in cases {
        let start = std::time::Instant::now();
        let e = err(&src);
        assert_eq!(
            e.message,
            format!("expression nested too deeply at column {column} (limit 64)")
        );
        assert_eq!((e.column, e.token.as_str()), (column, token));
        assert!(start.elapsed().as_secs_f64() < 1.0);
    }
}

/// The largest trees the parser admits are processed (derivatives, WGSL,
/// printing) on a stack half the size of a test thread's.
#[test]
fn largest_accepted_trees_fit_a_small_stack() {
    let chain = |n: usize, s: &str| vec![s; n].join("*");
    let sources = [
        chain(256, "x"),
        vec!["x"; 256].join("/"),
        format!("{}x{}", "x^(".repeat(32), ")".repeat(32)),
        format!("{}x{}", "(".repeat(63), ")^y".repeat(63)),
        format!("{}x*y{}", "sin(".repeat(63), ")".repeat(63)),
        format!("{}x{}", "y^x*x/y*(".repeat(60), ")".repeat(60)),
        format!("{}x{}", "exp(x*".repeat(60), ")".repeat(60)),
        chain(240, "(sin(x*y)+y^x)"),
    ];
    let worker = std::thread::Builder::new().stack_size(1 << 20).spawn(move || {
        for src in sources {
            let s = surface(&src);
            assert!(!s.wgsl().is_empty());
            assert!(!s.dfdx.to_string().is_empty());
            let _ = s.grad(0.5, 0.25);
        }
    });
    assert!(worker.map(|h| h.join().is_ok()).unwrap_or(false));
}

// ---------------------------------------------------------------------------
// Simplification and derivatives

#[test]
fn simplification() {
    assert_eq!(ok("x*1+0").simplify().to_string(), "x");
    assert_eq!(ok("x^2").diff(Var::X).to_string(), "2*x");
    assert_eq!(ok("x^3").diff(Var::Y), Ast::Num(0.0));
    for (src, want) in [
        ("0+x", "x"),
        ("x*0 + y", "y"),
        ("1*x^1", "x"),
        ("x^0", "1"),
        ("--x", "x"),
        ("x - x", "0"),
        ("2*3 + x/1", "6 + x"),
        ("x + -y", "x - y"),
        ("-x*-y", "x*y"),
        ("sin(0) + cos(0)*x", "x"),
        ("2*(3*x)", "6*x"),
        ("pow(x, 2)", "x^2"),
        ("1/0 + 0*x", "1/0"),
    ] {
        assert_eq!(ok(src).simplify().to_string(), want, "{src}");
    }
    assert_eq!(ok("x^2*y + y^3").diff(Var::Y).to_string(), "x^2 + 3*y^2");
    assert_eq!(ok("sin(x)*cos(y)").diff(Var::X).to_string(), "cos(x)*cos(y)");
}

#[test]
fn queries() {
    let a = ok("sin(x) + 2");
    assert!(a.uses(Var::X) && !a.uses(Var::Y));
    assert_eq!(a.node_count(), 4);
    assert!(surface("x^2 + 1").is_1d());
    assert!(!surface("x + y").is_1d());
    assert!(!surface("y").is_1d());
    assert_eq!(Func::Min.name(), "min");
    assert_eq!(
        (Func::Sin.arity(), Func::Pow.arity(), Func::Ifle.arity()),
        (1, 2, 4)
    );
    assert_eq!(Func::from_name("sign"), Some(Func::Sign));
    let s = surface("x^2*y");
    assert_eq!(s.value(3.0, 2.0), 18.0);
    assert_eq!(s.grad(3.0, 2.0), [12.0, 9.0]);
}

#[test]
fn pow_semantics_match_gpu_rules() {
    // Constant integer exponents: true powers, negative bases included.
    assert_eq!(ok("x^3").eval(-2.0, 0.0), -8.0);
    assert_eq!(ok("x^-2").eval(-2.0, 0.0), 0.25);
    assert_eq!(ok("x^(1+2)").eval(-2.0, 0.0), -8.0);
    assert_eq!(ok("pow(x, 3)").eval(-2.0, 0.0), -8.0);
    // Non-integer or variable exponents: NaN for a negative base, as on the GPU.
    assert!(ok("x^0.5").eval(-2.0, 0.0).is_nan());
    assert!(ok("x^y").eval(-2.0, 2.0).is_nan());
    assert_eq!(ok("x^y").eval(2.0, 2.0), 4.0);
    // The derivative keeps the same domain.
    let s = surface("x^3");
    assert_eq!(s.grad(-2.0, 0.0), [12.0, 0.0]);
}

#[test]
fn eval_never_panics_on_odd_trees() {
    let odd = Ast::Call(Func::Min, vec![Ast::Var(Var::X)]);
    assert!(odd.eval(1.0, 2.0).is_nan());
    assert!(SurfaceExpr::new(odd).wgsl().contains("surface_grad"));
    assert!(ok("log(0-1) + 1/0").eval(0.0, 0.0).is_nan());
}

/// Surfaces with the box to sample. Each point is checked against central
/// differences.
const SMOOTH: [(&str, [f64; 4]); 29] = [
    ("x^2 - y^2", [-3.0, 3.0, -3.0, 3.0]),
    ("(1-x)^2 + 100*(y-x^2)^2", [-2.0, 2.0, -1.0, 3.0]),
    ("(x^2+y-11)^2 + (x+y^2-7)^2", [-5.0, 5.0, -5.0, 5.0]),
    (
        "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        [-5.12, 5.12, -5.12, 5.12],
    ),
    (
        "-20*exp(-0.2*sqrt(0.5*(x^2+y^2))) - exp(0.5*(cos(2*pi*x)+cos(2*pi*y))) + e + 20",
        [0.1, 4.0, 0.1, 4.0],
    ),
    (
        "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        [-4.5, 4.5, -4.5, 4.5],
    ),
    ("(x + 2*y - 7)^2 + (2*x + y - 5)^2", [-10.0, 10.0, -10.0, 10.0]),
    ("0.26*(x^2 + y^2) - 0.48*x*y", [-10.0, 10.0, -10.0, 10.0]),
    (
        "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
        [-3.0, 3.0, -2.0, 2.0],
    ),
    (
        "(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)/2",
        [-5.0, 5.0, -5.0, 5.0],
    ),
    (
        "(1+(x+y+1)^2*(19-14*x+3*x^2-14*y+6*x*y+3*y^2))*(30+(2*x-3*y)^2*(18-32*x+12*x^2+48*y-36*x*y+27*y^2))",
        [-2.0, 2.0, -2.0, 2.0],
    ),
    ("2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2", [-5.0, 5.0, -5.0, 5.0]),
    ("-cos(x)*cos(y)*exp(-((x-pi)^2 + (y-pi)^2))", [0.0, 6.0, 0.0, 6.0]),
    (
        "sin(x + y) + (x - y)^2 - 1.5*x + 2.5*y + 1",
        [-1.5, 4.0, -3.0, 4.0],
    ),
    ("sin(x)*cos(y) + tan(x/2)", [-2.5, 2.5, -3.0, 3.0]),
    ("asin(x/3) + acos(y/3) + atan(x*y)", [-2.9, 2.9, -2.9, 2.9]),
    ("sinh(x) - cosh(y) + tanh(x - y)", [-3.0, 3.0, -3.0, 3.0]),
    ("exp(-(x^2 + y^2)) + log(x^2 + y^2 + 1)", [-3.0, 3.0, -3.0, 3.0]),
    ("sqrt(x^2 + y^2 + 0.5) + abs(x - 0.3)*y", [-3.0, 3.0, -3.0, 3.0]),
    (
        "min(x, y) + max(x^2, y) + pow(x^2 + 1, y)",
        [-2.0, 2.0, -2.0, 2.0],
    ),
    ("x^y + y^x", [0.3, 3.0, 0.3, 3.0]),
    ("2^x*3^(-y) + e^(x*y/4)", [-3.0, 3.0, -3.0, 3.0]),
    ("x^-2 + y^-3 + (-x)^3 + x^0.5 + y^1.5", [0.5, 3.0, 0.5, 3.0]),
    ("x/(1 + y^2) - y/(2 + sin(x))", [-3.0, 3.0, -3.0, 3.0]),
    ("sign(x)*x^2 + abs(y)^3", [-2.0, 2.0, -2.0, 2.0]),
    (
        "ifle(x, y, x^2, y^3) + ifle(1, 2, x*y, y)",
        [-2.0, 2.0, -2.0, 2.0],
    ),
    ("sqrt(x)*log(y) + 1/sqrt(x*y)", [0.2, 3.0, 0.2, 3.0]),
    ("(x*y)^(1/3) + x^17 + y^-16", [0.5, 1.5, 0.5, 1.5]),
    ("(1 - x)^(2*y) + cos(x)^2 - sin(y)^-2", [-0.9, 0.9, 0.5, 2.5]),
];

#[test]
fn derivatives_match_central_differences() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (src, [x0, x1, y0, y1]) in SMOOTH {
        let s = surface(src);
        for _ in 0..200 {
            let (x, y) = (rng.uniform(x0, x1), rng.uniform(y0, y1));
            let grad = s.grad(x, y);
            for (k, d) in grad.into_iter().enumerate() {
                let at = |t: f64| {
                    if k == 0 {
                        s.value(x + t, y)
                    } else {
                        s.value(x, y + t)
                    }
                };
                let h = 1e-6 * [x, y][k].abs().max(1.0);
                let (fp, fm) = (at(h), at(-h));
                let fd = (fp - fm) / (2.0 * h);
                // Truncation is O(h^2); rounding in f(x±h) is amplified by 1/h.
                let tol = 1e-5 * (1.0 + d.abs()) + 4.0 * f64::EPSILON * (fp.abs() + fm.abs()) / h;
                assert!(
                    (fd - d).abs() <= tol,
                    "d/d{} of {src} at ({x}, {y}): symbolic {d}, numeric {fd}",
                    ["x", "y"][k]
                );
            }
        }
    }
}

/// Central difference of `f` along coordinate `k` at (x, y) with step h, and the rounding
/// error it may carry (f's values amplified by 1/h).
fn central(f: &dyn Fn(f64, f64) -> f64, x: f64, y: f64, k: usize, h: f64) -> (f64, f64) {
    let at = |t: f64| if k == 0 { f(x + t, y) } else { f(x, y + t) };
    let (fp, fm) = (at(h), at(-h));
    (
        (fp - fm) / (2.0 * h),
        4.0 * f64::EPSILON * (fp.abs() + fm.abs()) / h,
    )
}

/// The symbolic gradient the GPU and the f64 reference both use, against central differences
/// (which share nothing with it), on every built-in surface over its own domain.
#[test]
fn every_built_in_gradient_matches_central_differences() {
    let mut rng = Rng(0x5eed_d1ff);
    for b in descent::surfaces::BUILT_INS {
        let s = descent::surfaces::Surface::from_built_in(b);
        let d = s.domain;
        let f = |x: f64, y: f64| s.value([x, y]);
        let mut checked = 0;
        for _ in 0..300 {
            let (x, y) = (rng.uniform(d.x[0], d.x[1]), rng.uniform(d.y[0], d.y[1]));
            // Ackley's cone has a kink at its minimum: stay clear of it.
            if b.name == "ackley" && x.hypot(y) < 1e-2 {
                continue;
            }
            let grad = s.grad([x, y]);
            for (k, g) in grad.into_iter().enumerate() {
                let h = 1e-6 * [x, y][k].abs().max(1.0);
                let (fd, rounding) = central(&f, x, y, k, h);
                let tol = 1e-5 * (1.0 + g.abs()) + rounding;
                assert!(
                    (fd - g).abs() <= tol,
                    "{}: d/d{} at ({x}, {y}): symbolic {g}, numeric {fd}",
                    b.name,
                    ["x", "y"][k]
                );
            }
            checked += 1;
        }
        assert!(checked >= 290, "{}: only {checked} points", b.name);
    }
}

/// Random expression trees: wherever f is smooth at a point (central differences with steps h
/// and h/2 agree, all values finite), the symbolic derivative must match them. Kinks (abs,
/// min, ifle, ...), poles and cancellation make the two steps disagree and are skipped; a
/// wrong rule is smooth and disagrees with both. `PROPTEST_CASES` runs more trees.
#[test]
fn random_expression_derivatives_match_central_differences() {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300u32);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let (compared, tried, nan) = (
        std::cell::Cell::new(0u64),
        std::cell::Cell::new(0u64),
        std::cell::Cell::new(0u64),
    );
    let points = [
        (0.5, -1.25),
        (-2.0, 3.0),
        (0.3, 0.7),
        (1.7, -0.4),
        (-0.75, -0.5),
        (2.5, 1.5),
    ];
    runner
        .run(&arb_ast(), |ast| {
            let s = SurfaceExpr::new(ast.clone());
            let f = |x: f64, y: f64| s.value(x, y);
            for (x, y) in points {
                let grad = s.grad(x, y);
                for (k, g) in grad.into_iter().enumerate() {
                    tried.set(tried.get() + 1);
                    let h = 1e-5 * [x, y][k].abs().max(1.0);
                    let (fd, rounding) = central(&f, x, y, k, h);
                    let (fd2, rounding2) = central(&f, x, y, k, h / 2.0);
                    // A kink averages out in a central difference; one-sided ones differ.
                    let at = |t: f64| if k == 0 { f(x + t, y) } else { f(x, y + t) };
                    let f0 = f(x, y);
                    let (ahead, behind) = ((at(h) - f0) / h, (f0 - at(-h)) / h);
                    // Infinite intermediates (a constant 1/0) make f flat and f' inf/inf.
                    let smooth = eval_finite(&ast, x, y).is_some()
                        && fd.is_finite()
                        && fd2.is_finite()
                        && f0.is_finite()
                        && fd.abs() < 1e12
                        && (fd - fd2).abs() <= 1e-6 * (1.0 + fd2.abs()) + rounding + rounding2
                        && (ahead - behind).abs() <= 1e-3 * (1.0 + fd.abs()) + 4.0 * rounding;
                    if !smooth {
                        continue;
                    }
                    if g.is_nan() {
                        // Smooth, but the rule's formula is NaN there: a negative base to an
                        // exponent c that is 0 at this point but not a literal (pow(a, 0) is 1,
                        // the rule's a^(c - 1) is exp2((c - 1) log2(a)), NaN). Counted, and
                        // bounded below.
                        nan.set(nan.get() + 1);
                        continue;
                    }
                    compared.set(compared.get() + 1);
                    // Truncation is O(h^2) and shrank 4x from h to h/2: |fd2 - f'| is about
                    // |fd - fd2| / 3, within the tolerance that admitted the point.
                    let tol = 1e-5 * (1.0 + fd2.abs()) + 2.0 * (rounding + rounding2);
                    prop_assert!(
                        (g - fd2).abs() <= tol,
                        "d/d{} of {} at ({}, {}): symbolic {}, numeric {} (and {} with twice the step); d/d{} = {}",
                        ["x", "y"][k],
                        ast,
                        x,
                        y,
                        g,
                        fd2,
                        fd,
                        ["x", "y"][k],
                        [&s.dfdx, &s.dfdy][k]
                    );
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let (compared, tried, nan) = (compared.get(), tried.get(), nan.get());
    eprintln!(
        "{cases} trees: {compared} of {tried} partial derivatives compared, {nan} NaN where f is smooth"
    );
    // Random trees are often constant, infinite or kinked at a point; a third is still smooth.
    assert!(
        compared * 3 >= tried,
        "too few smooth points: {compared} of {tried}"
    );
    assert!(
        nan * 100 <= compared,
        "{nan} NaN derivatives where f is smooth ({compared} compared)"
    );
}

// ---------------------------------------------------------------------------
// WGSL

fn validate_wgsl(code: &str) -> Result<(), String> {
    // The generated surface calls helpers of common.wgsl (`div_by_zero`), as every shader
    // that includes it does.
    let src = format!(
        "{code}\n{}\n@compute @workgroup_size(1)\nfn main() {{\n    let g = surface_grad(vec2<f32>(0.5, -0.25));\n    _ = surface_f(vec2<f32>(0.5, -0.25)) + g.x + g.y;\n}}\n",
        descent::shaders::COMMON
    );
    let module =
        naga::front::wgsl::parse_str(&src).map_err(|e| format!("{}\n{src}", e.emit_to_string(&src)))?;
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .map(|_| ())
    .map_err(|e| format!("{e:?}\n{src}"))
}

/// Every identifier in generated code is one the generator chose or a WGSL
/// word; user text cannot get in.
fn assert_only_known_identifiers(code: &str) {
    const KNOWN: [&str; 39] = [
        // The parameters' declarations: `const SURFACE_PARAMS: u32 = 0u;` and
        // `var<private> surface_p: array<f32, 1> = ...`.
        "const",
        "SURFACE_PARAMS",
        "u32",
        "var",
        "private",
        "surface_p",
        "array",
        "fn",
        "let",
        "return",
        "vec2",
        "f32",
        "p",
        "x",
        "y",
        "surface_f",
        "surface_grad",
        "select",
        "bitcast",
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "sinh",
        "cosh",
        "tanh",
        "exp",
        "log",
        "sqrt",
        "abs",
        "sign",
        "min",
        "max",
        "div_by_zero",
        "true",
        "false",
        // tanh's argument is clamped (WGSL's tanh may overflow to NaN).
        "clamp",
    ];
    let mut chars = code.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_ascii_digit() {
            // A number, with its exponent, suffix or hex digits.
            while chars
                .next_if(|&(_, c)| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                .is_some()
            {}
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut end = i + 1;
            while let Some((j, _)) = chars.next_if(|&(_, c)| c.is_ascii_alphanumeric() || c == '_') {
                end = j + 1;
            }
            let word = &code[i..end];
            let temp = word
                .strip_prefix('t')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            assert!(
                temp || word == "pow" || KNOWN.contains(&word),
                "unexpected identifier {word:?} in\n{code}"
            );
        }
    }
}

#[test]
fn wgsl_validates_with_naga() {
    let extra = [
        "x",
        "42",
        "pi*e",
        "1/0 + x",
        "log(0)*x + 0/0*y",
        "1e300*x + 1e-50*y + 1e-40",
        "x^100 + x^-17 + x^16 + x^-16 + x^0",
        "(-2)^x + x^y + x^2.5",
        "-0*x + -x",
        "ifle(x, 1, 2, 3) + ifle(1, 2, x, 3)^x",
        "sign(x) + abs(y)",
        "tan(x) + sinh(y) + cosh(x) + tanh(y) + asin(x) + acos(y) + atan(x)",
        "exp(x) + log(y) + sqrt(x) + pow(x, y) + min(x, y) + max(x, y)",
        "x^(1e10) + x^(1e40) + y^(-1e40)",
    ];
    let mut count = 0;
    for src in SMOOTH.iter().map(|(s, _)| *s).chain(extra) {
        let code = surface(src).wgsl();
        assert!(
            code.starts_with("const SURFACE_PARAMS: u32 = 0u;\n")
                && code.contains("\nfn surface_f(p: vec2<f32>) -> f32 {\n"),
            "{code}"
        );
        assert!(
            code.contains("\nfn surface_grad(p: vec2<f32>) -> vec2<f32> {\n"),
            "{code}"
        );
        assert_only_known_identifiers(&code);
        if let Err(e) = validate_wgsl(&code) {
            panic!("{src}: {e}");
        }
        count += 1;
    }
    assert!(count >= 30);
}

#[test]
fn wgsl_is_compact_and_exact_where_it_matters() {
    let gp =
        "(1+(x+y+1)^2*(19-14*x+3*x^2-14*y+6*x*y+3*y^2))*(30+(2*x-3*y)^2*(18-32*x+12*x^2+48*y-36*x*y+27*y^2))";
    let s = surface(gp);
    let code = s.wgsl();
    // Shared subexpressions are computed once: far fewer operations than
    // tree nodes.
    let nodes = s.f.node_count() + s.dfdx.node_count() + s.dfdy.node_count();
    let ops = [" + ", " - ", " * ", " / "]
        .iter()
        .map(|op| code.matches(op).count())
        .sum::<usize>();
    assert!(ops * 3 < nodes, "{ops} operations for {nodes} nodes\n{code}");
    // Integer powers never reach `pow` (NaN for negative bases on GPUs).
    assert!(!code.contains("pow("), "{code}");
    let code = surface("x^0.5 + y^-2").wgsl();
    assert!(
        code.contains("sqrt(x)") && code.contains("1.0f / (y * y)"),
        "{code}"
    );
    // Overflowing constants are written by their bits.
    let code = surface("1e300*x").wgsl();
    assert!(code.contains("bitcast<f32>(0x7f800000u)"), "{code}");
    assert!(surface("1e-8*x").wgsl().contains("1e-8f"));
}

// ---------------------------------------------------------------------------
// Properties

const ALPHABET: [&str; 38] = [
    "x", "y", "pi", "e", "sin", "cos", "pow", "min", "max", "ifle", "sqrt", "sinn", "z", "(", ")", ",", "+",
    "-", "*", "/", "^", "**", "1", "2.5", ".", "1e", "1e-3", "3.", "0", " ", "\t", "$", "é", "\u{a0}",
    "1e999", "abs", "X", "ln",
];

fn check_parse_outcome(src: &str) -> Result<(), TestCaseError> {
    let chars: Vec<char> = src.chars().collect();
    match parse(src) {
        Ok(ast) => {
            // Anything accepted prints to something accepted.
            let printed = ast.to_string();
            prop_assert!(parse(&printed).is_ok(), "{src:?} printed as {printed:?}");
        }
        Err(e) => {
            prop_assert!(e.column >= 1 && e.column <= chars.len() + 1, "{src:?}: {e:?}");
            // The token is the text at the column.
            let at: String = chars
                .iter()
                .skip(e.column - 1)
                .take(e.token.chars().count())
                .collect();
            prop_assert_eq!(at, e.token.clone(), "{:?}: {:?}", src, e);
            let names_column = e.message.contains(&format!("column {}", e.column));
            prop_assert!(
                names_column || e.message.starts_with("expression too long"),
                "{:?}",
                e
            );
        }
    }
    Ok(())
}

const POINTS: [(f64, f64); 5] = [(0.5, -1.25), (-2.0, 3.0), (0.0, 0.0), (1e3, -1e-3), (-0.75, -0.5)];

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Value of `e` if every intermediate is finite, with the largest magnitude
/// met (the scale of rounding differences).
fn eval_finite(e: &Ast, x: f64, y: f64) -> Option<(f64, f64)> {
    let v = e.eval(x, y);
    let mut scale = v.abs();
    let children: Vec<&Ast> = match e {
        Ast::Num(_) | Ast::Var(_) => vec![],
        Ast::Neg(a) => vec![a],
        Ast::Add(a, b) | Ast::Sub(a, b) | Ast::Mul(a, b) | Ast::Div(a, b) | Ast::Pow(a, b) => vec![a, b],
        Ast::Call(_, args) => args.iter().collect(),
    };
    for c in children {
        scale = scale.max(eval_finite(c, x, y)?.1);
    }
    v.is_finite().then_some((v, scale))
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(src in any::<String>()) {
        check_parse_outcome(&src)?;
    }

    #[test]
    fn token_soup_never_panics(parts in prop::collection::vec(prop::sample::select(ALPHABET.to_vec()), 0..60)) {
        check_parse_outcome(&parts.concat())?;
    }

    #[test]
    fn long_token_soup_is_fast(parts in prop::collection::vec(prop::sample::select(ALPHABET.to_vec()), 3000..4000)) {
        let start = std::time::Instant::now();
        check_parse_outcome(&parts.concat())?;
        prop_assert!(start.elapsed().as_secs_f64() < 0.5);
    }

    #[test]
    fn printing_round_trips(ast in arb_ast()) {
        let printed = ast.to_string();
        let back = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
        for (x, y) in POINTS {
            let (a, b) = (ast.eval(x, y), back.eval(x, y));
            prop_assert!(same(a, b), "{} at ({}, {}): {} vs {}", printed, x, y, a, b);
        }
    }

    #[test]
    fn simplify_preserves_finite_values(ast in arb_ast()) {
        let simple = ast.simplify();
        prop_assert!(simple.node_count() <= ast.node_count() + 1, "{} -> {}", ast, simple);
        for (x, y) in POINTS {
            if let Some((v, scale)) = eval_finite(&ast, x, y) {
                let s = simple.eval(x, y);
                prop_assert!((s - v).abs() <= 1e-12 * scale, "{} -> {} at ({}, {}): {} vs {}", ast, simple, x, y, v, s);
            }
        }
    }

    #[test]
    fn generated_wgsl_validates(ast in arb_ast()) {
        let code = SurfaceExpr::new(ast.clone()).wgsl();
        assert_only_known_identifiers(&code);
        prop_assert!(validate_wgsl(&code).is_ok(), "{}: {:?}", ast, validate_wgsl(&code));
    }
}

/// Named parameters: constants to the derivative, read from `surface_p` on the GPU, set per
/// call on the CPU; a misspelt one gets a suggestion.
#[test]
fn parameters_are_constants_with_values_of_their_own() {
    use descent::expr::SurfaceParam;
    let params = vec![
        SurfaceParam {
            name: "amp".into(),
            value: 0.5,
        },
        SurfaceParam {
            name: "k".into(),
            value: 3.0,
        },
    ];
    let s = SurfaceExpr::parse_with("x^2 + amp*cos(k*x) + k*y^k", params.clone()).unwrap();
    // y^k with a parameter exponent: NaN for y < 0, as for any exponent that is not a number.
    assert!(s.value(0.7, -1.3).is_nan());
    // At the surface's own values, and at others: the exact value and gradient.
    for (amp, k) in [(0.5, 3.0), (0.2, 2.0)] {
        let (x, y): (f64, f64) = (0.7, 1.3);
        let value = x * x + amp * (k * x).cos() + k * y.powf(k);
        let grad = [2.0 * x - amp * k * (k * x).sin(), k * k * y.powf(k - 1.0)];
        let (v, g) = (s.value_with(x, y, &[amp, k]), s.grad_with(x, y, &[amp, k]));
        assert!((v - value).abs() < 1e-12, "{v} vs {value}");
        assert!(
            (g[0] - grad[0]).abs() < 1e-12 && (g[1] - grad[1]).abs() < 1e-12,
            "{g:?} vs {grad:?}"
        );
        if amp == 0.5 {
            assert_eq!((s.value(x, y), s.grad(x, y)), (v, g), "the surface's own values");
        }
    }
    let code = s.wgsl();
    assert!(
        code.starts_with("const SURFACE_PARAMS: u32 = 2u;\nvar<private> surface_p: array<f32, 2> = array<f32, 2>(0.5f, 3.0f);\n"),
        "{code}"
    );
    assert!(
        code.contains("surface_p[0]") && code.contains("surface_p[1]"),
        "{code}"
    );
    assert_only_known_identifiers(&code);
    validate_wgsl(&code).unwrap();
    let err = SurfaceExpr::parse_with("x^2 + ampl*x", params.clone()).unwrap_err();
    assert!(
        err.message.contains("unknown variable 'ampl' at column 7")
            && err.message.contains("did you mean 'amp'"),
        "{}",
        err.message
    );
    let err = SurfaceExpr::parse_with("x + q", params).unwrap_err();
    assert!(err.message.contains("the parameters amp, k"), "{}", err.message);
    // Names are checked: not the language's, no repeats.
    for (name, problem) in [("pi", "taken"), ("exp", "a function"), ("2a", "not a name")] {
        let p = vec![SurfaceParam {
            name: name.into(),
            value: 1.0,
        }];
        let err = SurfaceExpr::parse_with("x", p).unwrap_err();
        assert!(err.message.contains(problem), "{name}: {}", err.message);
    }
}
