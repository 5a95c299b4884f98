#!/usr/bin/env bash
# The README's GPU figures, measured in one go on a machine with a GPU: the trainability map
# (the issue's 1024 x 1024 goal), the paper's map at its full 512 x 512 and a zoom video's
# frames, the simulation and render benchmarks, model training against torch on the same
# GPU. Run from the repository root after `cargo build --release`; a step that runs past
# its limit is stopped (SIGINT: a zoom keeps its whole frames) and the next one starts.
#
#   OUT=figures scripts/gpu-figures.sh      # log.txt, the 512 x 512 map, a tar of zoom frames
#
# Test binaries placed in $TESTS (stripped `cargo test --no-run` outputs) run first, so the
# GPU's results are checked against the f64 references on that GPU too.
set -uo pipefail

out=${OUT:-gpu-figures}
descent=${DESCENT:-target/release/descent}
tests=${TESTS:-}
mkdir -p "$out" && out=$(cd "$out" && pwd)
log=$out/log.txt

step() {
    local limit=$1
    shift
    echo "== $* (limit ${limit} s)" | tee -a "$log"
    local t0
    t0=$(date +%s%N)
    timeout -s INT -k 10 "$limit" "$@" 2>&1 | tee -a "$log"
    echo "-- exit ${PIPESTATUS[0]}, $((($(date +%s%N) - t0) / 1000000)) ms" | tee -a "$log"
}

step 20 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
if [ -n "$tests" ]; then
    for t in "$tests"/*; do
        step 60 "$t" --test-threads 4
    done
fi
step 150 "$descent" bench --trainability --resolution 1024 --widths 8,16 --steps 100
step 60 "$descent" render assets/scenes/models/trainability-fractal.toml \
    --still "$out/trainability-fractal-512.png" --size 1000x900
# A zoom to the f32 limit of a seam point found by bisection at 16 x 16 (18 halvings).
zoom=/tmp/descent-zoom
rm -rf "$zoom"
step 150 "$descent" render assets/scenes/models/trainability-fractal.toml --map-size 128 \
    --zoom-to "lr_layer0=1.38033726..1.38043945,lr_layer1=228.701443..228.718374" \
    --frames 360 --size 480x480 --out "$zoom"
(cd "$zoom" && ls frame_*.png | awk 'NR % 45 == 1' | tar cf "$out/zoom-frames.tar" -T - frame_000359.png) 2>&1 | tee -a "$log"
# What the GPU draws, to look at: the post's scene and a million particles as density.
step 30 "$descent" render assets/scenes/saddle-two-starts.toml --still "$out/saddle-two-starts.png" \
    --size 1920x1080
step 30 "$descent" render assets/scenes/rastrigin-million.toml --still "$out/rastrigin-million.png" \
    --size 1920x1080 --at-step 150
step 150 "$descent" bench --render --particles 10000,100000,1000000,10000000,100000000
step 120 "$descent" bench --model --models 1000,10000,100000 --points 200,1000 --steps 100 \
    --slice-sides 81,256,1024 --twin-model-steps 4000
step 150 python3 scripts/bench-torch-models.py --descent "$descent" --device cuda --models 10000 \
    --steps 100 --rounds 1 --loop-seconds 3
