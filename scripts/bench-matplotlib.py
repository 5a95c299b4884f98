#!/usr/bin/env python3
"""The blog post's matplotlib animation against `descent render`, side by side, in one run.

The matplotlib side is the post's script: f(x, y) = x^2 - y^2 on [-1, 1]^2, plain gradient
descent (lr 0.01) from (1, 0) and (1, 0.25) for 200 steps; the surface on one 3D axes and the
paths on a second, transparent one raised with set_zorder (the z-order trick); the Agg backend,
a 4x3-inch figure at dpi 300 (1200x900), 201 frames. PNG: update + savefig per frame. GIF:
FuncAnimation(...).save(writer=PillowWriter(fps=30)).

The descent side renders assets/scenes/saddle-two-starts.toml (the same animation) at
1200x900 with --out and with --gif, timing the whole process as a user sees it.

    python3 scripts/bench-matplotlib.py [--descent target/release/descent] [--only png|gif] [--repeat N]

Needs matplotlib and numpy (pip install matplotlib). Prints the wall times and the ratios
(with --repeat, the sides alternate N times and the medians are compared: a shared or
virtual machine's speed drifts by tens of percent within minutes).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = 200
LR = 0.01
STARTS = [(1.0, 0.0), (1.0, 0.25)]
COLORS = ["tab:blue", "tab:orange"]


def loss(x, y):
    return x**2 - y**2


def paths():
    """Each start's 201 points (x, y, loss): plain gradient descent."""
    out = []
    for x, y in STARTS:
        p = np.empty((STEPS + 1, 3))
        for k in range(STEPS + 1):
            p[k] = (x, y, loss(x, y))
            x, y = x - LR * 2 * x, y - LR * (-2 * y)
        out.append(p)
    return out


def figure():
    """The post's figure: surface below, paths on a transparent axes above it."""
    fig = plt.figure(figsize=(4, 3))
    ax = fig.add_subplot(projection="3d")
    g = np.linspace(-1, 1, 81)
    X, Y = np.meshgrid(g, g)
    ax.plot_surface(X, Y, loss(X, Y), cmap="coolwarm", edgecolors="k", linewidth=0.1, alpha=0.8)
    ax.view_init(elev=37, azim=120)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    # The z-order trick: a second 3D axes, transparent, drawn after the first.
    ax2 = fig.add_subplot(projection="3d")
    ax2.set_zorder(1)
    ax2.patch.set_alpha(0)
    ax2.set_axis_off()
    ax2.view_init(elev=37, azim=120)
    ax2.set_xlim(ax.get_xlim())
    ax2.set_ylim(ax.get_ylim())
    ax2.set_zlim(ax.get_zlim())
    data = paths()
    lines = [ax2.plot([], [], [], color=c, lw=1.5)[0] for c in COLORS]
    heads = [ax2.plot([], [], [], "o", color=c, ms=4)[0] for c in COLORS]
    for p, c in zip(data, COLORS):
        ax2.plot([p[0, 0]], [p[0, 1]], [p[0, 2]], "s", color=c, ms=4)

    def update(k):
        for line, head, p in zip(lines, heads, data):
            line.set_data_3d(p[: k + 1, 0], p[: k + 1, 1], p[: k + 1, 2])
            head.set_data_3d(p[k : k + 1, 0], p[k : k + 1, 1], p[k : k + 1, 2])
        return lines + heads

    return fig, update


def matplotlib_png(out_dir):
    fig, update = figure()
    for k in range(STEPS + 1):
        update(k)
        fig.savefig(os.path.join(out_dir, f"frame_{k:06d}.png"), dpi=300)
    plt.close(fig)


def matplotlib_gif(path):
    fig, update = figure()
    anim = FuncAnimation(fig, update, frames=STEPS + 1, blit=False)
    anim.save(path, writer=PillowWriter(fps=30), dpi=300)
    plt.close(fig)


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def timed(label, fn):
    t = time.perf_counter()
    fn()
    s = time.perf_counter() - t
    print(f"  {label:<40} {s:8.2f} s", flush=True)
    return s


def descent(binary, *args):
    scene = os.path.join(ROOT, "assets", "scenes", "saddle-two-starts.toml")
    cmd = [binary, "render", scene, "--size", "1200x900", *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--descent", default=os.path.join(ROOT, "target", "release", "descent"))
    ap.add_argument("--only", choices=["png", "gif"])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    if not os.path.exists(args.descent):
        sys.exit(f"{args.descent} not found: build it with `cargo build --release`")
    print(f"matplotlib {matplotlib.__version__}, numpy {np.__version__}; 201 frames at 1200x900")
    work = tempfile.mkdtemp(prefix="descent-vs-matplotlib-")
    rows = []
    try:
        for kind in ("png", "gif"):
            if args.only not in (None, kind):
                continue
            mpl_times, our_times = [], []
            for k in range(max(1, args.repeat)):
                run = os.path.join(work, f"{kind}-{k}")
                os.makedirs(run)
                if kind == "png":
                    d1, d2 = os.path.join(run, "mpl"), os.path.join(run, "descent")
                    os.makedirs(d1)
                    mpl_times.append(timed("matplotlib savefig loop (PNG)", lambda: matplotlib_png(d1)))
                    our_times.append(timed("descent render --out (PNG)", lambda: descent(args.descent, "--out", d2)))
                else:
                    g1, g2 = os.path.join(run, "mpl.gif"), os.path.join(run, "descent.gif")
                    mpl_times.append(timed("matplotlib FuncAnimation + PillowWriter", lambda: matplotlib_gif(g1)))
                    our_times.append(timed("descent render --gif", lambda: descent(args.descent, "--gif", g2)))
                    if k == 0:
                        size = lambda p: os.path.getsize(p) / 1e6  # noqa: E731
                        print(f"  GIF sizes: matplotlib {size(g1):.2f} MB, descent {size(g2):.2f} MB")
                shutil.rmtree(run, ignore_errors=True)
            rows.append(("PNG sequence" if kind == "png" else "GIF", median(mpl_times), median(our_times)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    label = "median " if args.repeat > 1 else ""
    print(f"{'output':<14} {label + 'matplotlib s':>19} {label + 'descent s':>17} {'descent faster':>15}")
    for name, mpl, ours in rows:
        print(f"{name:<14} {mpl:19.2f} {ours:17.2f} {mpl / ours:14.1f}x")


if __name__ == "__main__":
    main()
