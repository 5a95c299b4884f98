//! The `descent` command line.

use std::process::ExitCode;

use descent::cli;

fn main() -> ExitCode {
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() && std::env::var_os("NODEVICE_SELECT").is_none() {
        // Mesa's implicit device-select Vulkan layer connects to Wayland to order the GPUs,
        // and without XDG_RUNTIME_DIR (servers, CI, ssh) libwayland prints "error:
        // XDG_RUNTIME_DIR is invalid or not set" before every command succeeds. descent picks
        // its adapter itself (WGPU_ADAPTER_NAME, power preference), so the layer is not needed.
        // SAFETY: first thing in main, before any other thread exists.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args = cli::parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
