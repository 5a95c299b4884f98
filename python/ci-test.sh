#!/usr/bin/env bash
# Builds and installs the Python module into a fresh virtual environment, as a user would
# (`pip install ./python`), then runs its tests, the notebook's included. The extension builds
# in release into the top target/ (python/.cargo/config.toml), beside `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
venv="$(mktemp -d)/venv"
python3 -m venv "$venv"
"$venv/bin/python" --version
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install ./python
"$venv/bin/pip" install --quiet pytest nbclient nbformat ipykernel
# From the top folder: python/descent (the sources, without the built extension) must not
# shadow the installed package.
"$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider
