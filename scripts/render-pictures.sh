#!/usr/bin/env bash
# Renders the README's picture of every scene in assets/scenes/ into assets/pictures/, with
# the command the README shows for it (plus the size). Run from the repository root after
# `cargo build --release`.
set -euo pipefail

descent=${DESCENT:-target/release/descent}
size=${SIZE:-1200x900}
out=assets/pictures

picture() {
    local scene=$1
    shift
    echo "== $scene"
    "$descent" render "assets/scenes/$scene.toml" --still "$out/$scene.png" --size "$size" "$@"
}

picture saddle-two-starts
picture sgd-vs-adam
picture theta-squared
picture sgd-1d
picture linear-regression
picture linear-regression-only-b
picture sgd-2d-top
picture rosenbrock-race --camera top
picture himmelblau-basins
picture momentum-map
picture cosine-quadratic
picture rastrigin-swarm
picture rastrigin-million --at-step 150
picture rosenbrock-schedules
picture noisy-sgd
picture linear-regression-minibatch
echo "== himmelblau momentum start map"
"$descent" render --surface himmelblau --grid 1000x1000 --optimizer sgd:lr=0.01,momentum=0.9 \
    --steps 400 --tol 1e-5 --start-map "$out/himmelblau-momentum-start-map.png"
