#!/usr/bin/env bash
# Installs what descent needs on a fresh Debian/Ubuntu machine beyond a Rust toolchain:
# a Vulkan loader and Mesa's drivers (lavapipe runs Vulkan on the CPU when there is no GPU),
# libxkbcommon-x11-0, which winit loads at run time for X11 keyboards (it panics without it,
# and no other package here pulls it in), Xvfb and xdotool for the window tests, ffmpeg for
# video capture, Python 3 with venv and headers for the Python module (`pip install ./python`
# builds it in a virtual environment), and for the page (scripts/build-web.sh): chromium, whose
# headless WebGPU on SwiftShader the browser tests use.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    ca-certificates build-essential pkg-config \
    libvulkan1 mesa-vulkan-drivers libxkbcommon-x11-0 \
    xvfb xdotool x11-utils ffmpeg time \
    python3 python3-venv python3-dev python3-pip \
    chromium
# The page's wasm32 toolchain: rustup's target when it can be added, else Debian's own
# compiler for the web (scripts/build-web.sh takes whichever is there).
if ! { command -v rustup >/dev/null && rustup target add wasm32-unknown-unknown; }; then
    $SUDO apt-get install -y --no-install-recommends rustc-web cargo-web rust-web-src lld
fi
if ! command -v cargo >/dev/null; then
    echo "cargo not found: install Rust 1.95 or newer from https://rustup.rs, then re-run." >&2
    exit 1
fi
