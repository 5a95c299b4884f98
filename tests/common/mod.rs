//! Shared by the integration tests: one lavapipe (or other CPU) device per test binary.
#![allow(dead_code)]

use std::sync::OnceLock;

use descent::gpu::{AdapterPreference, Gpu};

/// The GPU for tests: a software adapter when present, so results do not depend on the
/// developer's GPU. No adapter fails the test, loudly: GPU tests are never skipped.
pub fn gpu() -> &'static Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| match Gpu::new(AdapterPreference::Software) {
        Ok(gpu) => {
            eprintln!("test adapter: {}", gpu.adapter_name());
            gpu
        }
        Err(e) => panic!("GPU tests need an adapter (on CI: mesa-vulkan-drivers): {e}"),
    })
}

/// Path to the built `descent` binary.
pub fn descent_bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_descent"))
}
