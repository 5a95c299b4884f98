#!/usr/bin/env python3
"""Times Sohl-Dickstein's own JAX code for the trainability map (`descent bench
--trainability --jax-notebook NOTEBOOK`): loads the code cells of his notebook
(`the_boundary_of_neural_network_trainability_is_fractal.ipynb` from the
Sohl-Dickstein/fractal repository, which is not shipped here), runs the ones that define
the network, the training and `gen_img` with its settings for a WIDTH network, and times
`gen_img` on the notebook's first view (log10 lr from -3 to 6 on both axes), in float64 as
the notebook runs it. Prints `jax VERSION`, `first_seconds S` (with JIT compiling) and
`warm_seconds S` (the best of the repeats)."""

import argparse
import json
import time

parser = argparse.ArgumentParser()
parser.add_argument("notebook")
parser.add_argument("--width", type=int, default=16)
parser.add_argument("--resolution", type=int, default=64)
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--repeats", type=int, default=2)
args = parser.parse_args()

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

# The notebook was written for a JAX with jax.tree_map (removed in JAX 0.6).
if not hasattr(jax, "tree_map"):
    jax.tree_map = jax.tree_util.tree_map

with open(args.notebook) as f:
    cells = ["".join(c["source"]) for c in json.load(f)["cells"] if c["cell_type"] == "code"]
wanted = ("def net(", "def convergence_measure(", "def gen_img(")
found = [c for c in cells if any(w in c for w in wanted)]
if len(found) != 3:
    raise SystemExit(f"{args.notebook}: expected the cells defining {', '.join(wanted)}")

# The notebook's first cell's settings, for this width and size.
env = dict(
    jax=jax, jnp=jnp, np=np,
    width=args.width, depth=2, dataset_param_multiple=1.0, minibatch_size=None,
    target_dim=1, nonlinearity="tanh", phase_space="lr_vs_lr", readout="loss",
    opt_steps=args.steps, default_resolution=args.resolution,
)
for cell in found:
    exec(cell, env)

view = [-3, 6, -3, 6]
times = []
for _ in range(1 + args.repeats):
    t = time.perf_counter()
    img = env["gen_img"](view)
    np.asarray(img).sum()  # wait for the result
    times.append(time.perf_counter() - t)
print(f"jax {jax.__version__}")
print(f"first_seconds {times[0]}")
print(f"warm_seconds {min(times[1:]) if len(times) > 1 else times[0]}")
print(f"converged {(np.asarray(img) < 0).mean()}")
