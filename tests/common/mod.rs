//! Shared by the integration tests: one lavapipe (or other CPU) device per test binary.
#![allow(dead_code)]

pub mod golden;

use std::sync::OnceLock;

use descent::expr::{Ast, Func, Var};
use descent::gpu::{AdapterPreference, Gpu};
use proptest::prelude::*;

/// The GPU for tests: a software adapter when present, so results do not depend on the
/// developer's GPU. No adapter fails the test, loudly: GPU tests are never skipped.
pub fn gpu() -> &'static Gpu {
    GPU.get_or_init(|| match Gpu::new(AdapterPreference::Software) {
        Ok(gpu) => {
            eprintln!("test adapter: {}", gpu.adapter_name());
            gpu
        }
        Err(e) => panic!("GPU tests need an adapter (on CI: mesa-vulkan-drivers): {e}"),
    })
}

static GPU: OnceLock<Gpu> = OnceLock::new();

/// Drains the test device when the process exits, before any exit handler: `exit` runs the main
/// thread's thread-local destructors first, then the handlers, LLVM's among them (see
/// `Gpu::drain`). An `atexit` hook would not do: LLVM registers its handlers lazily, after any
/// hook registered at start, so theirs would run first. The guard is set on the main thread
/// before `main`, from `.init_array`, since the tests themselves run on other threads.
struct DrainAtExit;

impl Drop for DrainAtExit {
    fn drop(&mut self) {
        if let Some(gpu) = GPU.get() {
            gpu.drain();
        }
    }
}

thread_local! {
    static DRAIN_AT_EXIT: DrainAtExit = const { DrainAtExit };
}

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static SET_DRAIN_AT_EXIT: extern "C" fn() = {
    extern "C" fn set() {
        DRAIN_AT_EXIT.with(|_| {});
    }
    set
};

/// Path to the built `descent` binary.
pub fn descent_bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_descent"))
}

/// Runs `descent` with `args`: whether it succeeded, its stdout and its stderr.
pub fn run_descent(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(descent_bin())
        .args(args)
        .output()
        .expect("run descent");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Random expression trees: every node kind and function, constants from tiny to huge.
pub fn arb_ast() -> impl Strategy<Value = Ast> {
    let leaf = prop_oneof![
        3 => prop::sample::select(vec![
            0.0, -0.0, 1.0, 2.0, 3.0, 0.5, -1.0, -2.0, 1e-8, 1e10, 17.0, 0.1, 2.5, -16.0, 1e300, -1e300, 1e-300,
        ])
            .prop_map(Ast::Num),
        1 => (-1e3f64..1e3).prop_map(Ast::Num),
        2 => Just(Ast::Var(Var::X)),
        2 => Just(Ast::Var(Var::Y)),
    ];
    leaf.prop_recursive(6, 64, 4, |inner| {
        let pair = || (inner.clone(), inner.clone());
        prop_oneof![
            inner.clone().prop_map(|a| Ast::Neg(Box::new(a))),
            pair().prop_map(|(a, b)| Ast::Add(Box::new(a), Box::new(b))),
            pair().prop_map(|(a, b)| Ast::Sub(Box::new(a), Box::new(b))),
            pair().prop_map(|(a, b)| Ast::Mul(Box::new(a), Box::new(b))),
            pair().prop_map(|(a, b)| Ast::Div(Box::new(a), Box::new(b))),
            pair().prop_map(|(a, b)| Ast::Pow(Box::new(a), Box::new(b))),
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

/// Hue in degrees of an sRGB colour.
pub fn hue(c: [u8; 4]) -> f64 {
    let [r, g, b] = [c[0], c[1], c[2]].map(|v| f64::from(v) / 255.0);
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let d = max - min;
    if d <= 0.0 {
        return 0.0;
    }
    let h = if max == r {
        (g - b) / d
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    (60.0 * h).rem_euclid(360.0)
}
