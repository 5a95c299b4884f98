#!/usr/bin/env bash
# Builds the page into target/web: index.html, page.js, descent.js + descent_bg.wasm (the
# project's own Rust, compiled for wasm32-unknown-unknown and bound by wasm-bindgen), and the
# scenes. Serve it with `descent serve` (or any static file server).
#
# Toolchain: rustup's wasm32-unknown-unknown target when it is installed or can be added;
# otherwise Debian's rustc-web/cargo-web with the standard library's source (rust-web-src),
# which builds std itself (-Zbuild-std) and links with lld's wasm-ld.
# wasm-bindgen-cli must be the version of the wasm-bindgen crate in Cargo.lock; it is
# installed with cargo when missing. wasm-opt (binaryen 116 or newer) shrinks the module when present.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/web
build=target/web-build   # its own target folder: a test may run this while cargo holds target/
mkdir -p "$out"

version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$version" ]; then
    echo "installing wasm-bindgen-cli $version (once)" >&2
    cargo install --quiet wasm-bindgen-cli --version "$version"
fi

# DESCENT_WEB_TOOLCHAIN=debian takes Debian's route even where rustup could (to check it).
route=debian
if [ "${DESCENT_WEB_TOOLCHAIN:-}" != debian ] && command -v rustup >/dev/null; then
    if rustup target list --installed | grep -qx wasm32-unknown-unknown \
        || rustup target add wasm32-unknown-unknown >&2; then
        route=rustup
    fi
fi
if [ "$route" = rustup ]; then
    CARGO_TARGET_DIR=$build cargo rustc --quiet --lib --profile web \
        --target wasm32-unknown-unknown --crate-type cdylib
else
    # Debian's rustc-web and cargo-web install /usr/bin/rustc and /usr/bin/cargo.
    web_cargo=/usr/bin/cargo
    web_rustc=/usr/bin/rustc
    if ! dpkg -s rustc-web cargo-web rust-web-src lld >/dev/null 2>&1; then
        echo "no wasm32 toolchain: run 'rustup target add wasm32-unknown-unknown', or install" \
             "Debian's rustc-web cargo-web rust-web-src lld (scripts/setup-debian.sh does when rustup cannot)" >&2
        exit 1
    fi
    build=$build-debian   # its own folder: another compiler would rebuild the other's every time
    RUSTC="$web_rustc" RUSTC_BOOTSTRAP=1 RUSTFLAGS="-C linker=wasm-ld" CARGO_TARGET_DIR=$build \
        "$web_cargo" rustc --quiet --lib --profile web --target wasm32-unknown-unknown \
        --crate-type cdylib -Zbuild-std=std,panic_abort
fi

wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name descent \
    "$build/wasm32-unknown-unknown/web/descent.wasm"
# wasm-opt shrinks the module ~15%. Releases before 116 mangle wasm-bindgen's externref table
# (Debian 12's binaryen 108 does: the page then fails with "WebAssembly.Table.set(): Argument 1
# is invalid"), so an older one is left out.
opt_version=$(wasm-opt --version 2>/dev/null | grep -o 'version [0-9]*' | awk '{print $2}' || true)
if [ "${opt_version:-0}" -ge 116 ]; then
    wasm-opt -Os --all-features "$out/descent_bg.wasm" -o "$out/descent_bg.opt.wasm"
    mv "$out/descent_bg.opt.wasm" "$out/descent_bg.wasm"
elif [ -n "$opt_version" ]; then
    echo "wasm-opt $opt_version is too old (116 or newer shrinks the module); served as built" >&2
fi
cp assets/web/index.html assets/web/page.js "$out/"
mkdir -p "$out/scenes"
cp assets/scenes/*.toml "$out/scenes/"
size=$(stat -c %s "$out/descent_bg.wasm")
gz=$(gzip -9 -c "$out/descent_bg.wasm" | wc -c)
echo "built $out: descent_bg.wasm $((size / 1024)) KiB, $((gz / 1024)) KiB gzipped ($route toolchain)"
