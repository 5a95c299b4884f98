"""``run``, ``render`` and ``view``: the command line's ``descent run``, ``render`` and ``view``
with keyword arguments of the same names and defaults (``descent render --steps-per-second 30``
is ``render(steps_per_second=30)``; a repeatable flag takes a list: ``optimizers=[...]``,
``starts=[(x, y), ...]``; ``size=(1920, 1080)``, ``grid=(64, 64)``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from . import _native
from ._args import argv
from ._media import Media
from ._scene import Scene


def _scene(scene: Any) -> tuple[list[str], tuple[str, str] | None]:
    """A scene argument: a path (positional, as on the command line), TOML text, or a Scene."""
    if scene is None:
        return [], None
    if isinstance(scene, Scene):
        return [], (scene.name, scene.to_toml())
    if isinstance(scene, os.PathLike):
        return [os.fspath(scene)], None
    if isinstance(scene, str):
        if "\n" in scene or ("=" in scene and not os.path.exists(scene)):
            return [], ("<scene>", scene)
        return [scene], None
    raise TypeError(f"scene is a path, TOML text or a descent.Scene, got {type(scene).__name__}")


def _command(command: str, scene: Any, values: dict) -> tuple[list[str], tuple[str, str] | None]:
    positional, text = _scene(scene)
    args = argv(command, values)
    # `--` so that a scene path starting with '-' is not a flag.
    return args + (["--"] + positional if positional else []), text


class Run:
    """A finished run. Particle order is the CSV export's: optimizer by optimizer, start by
    start within each.

    xy:         float32 (particles, records, 2); record k is step ``steps[k]`` (k * every)
    loss:       float32 (particles, records)
    steps:      the step of each record
    status:     per particle "converged", "diverged" or "running" (a numpy string array)
    optimizer:  per particle, its index into ``optimizers``
    optimizers: the optimizer labels (the specs as given)
    final_step: per particle, the step it stopped at (converged, diverged) or the last step
    summary:    per optimizer: converged, diverged, running, best and median loss (text)

    A particle that stopped early stays where it stopped: its later records repeat its end
    (the CSV export has no rows after that step).

    A model run (``model=...``) has one particle per optimizer and initialisation, in that
    order; ``xy`` holds its first two parameters (the export's x and y), ``surface`` names the
    model, and three more arrays say where it ended:

    params:          float32 (particles, parameters) after the last step, in torch's order
    parameter_names: ``w0[o,i]``, ``b0[o]``, ... (layer, then row-major index)
    accuracy:        float64 (particles,) on the training data; NaN for a regression loss
    slice:           with ``slice=``: float32 (rows, cols), the loss over the slice's grid (b
                     along rows, a along columns), and ``slice_extent`` (a0, a1, b0, b1); ``xy``
                     then holds each record's (a, b) on the slice's plane
    """

    def __init__(self, d: dict):
        self.xy: np.ndarray = d["xy"]
        self.loss: np.ndarray = d["loss"]
        self.steps: np.ndarray = d["steps"]
        self.status: np.ndarray = np.asarray(d["status"], dtype=str)
        self.optimizer: np.ndarray = d["optimizer"]
        self.optimizers: list[str] = list(d["optimizers"])
        self.final_step: np.ndarray = d["final_step"]
        self.summary: str = d["summary"]
        self.title: str | None = d["title"]
        self.surface: str = d["surface"]
        self.files: list[Path] = [Path(f) for f in d["files"]]
        self.params: np.ndarray | None = d.get("params")
        self.parameter_names: list[str] | None = d.get("parameter_names")
        self.accuracy: np.ndarray | None = d.get("accuracy")
        self.slice: np.ndarray | None = d.get("slice")
        self.slice_extent: tuple[float, float, float, float] | None = d.get("slice_extent")

    def __len__(self) -> int:
        return self.xy.shape[0]

    def __repr__(self) -> str:
        counts = {s: int((self.status == s).sum()) for s in ("converged", "diverged", "running")}
        return (f"<descent.Run {self.surface}: {len(self)} particles x {self.xy.shape[1]} records, "
                f"{len(self.optimizers)} optimizer(s); "
                + ", ".join(f"{v} {k}" for k, v in counts.items()) + ">")

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self) + "\n" + self.summary)


def run(scene: str | os.PathLike | Scene | None = None, *,
        surface: str | None = None, domain: Sequence[float] | None = None,
        surface_params: Mapping[str, Any] | Iterable[str] | None = None,
        optimizers: Iterable | None = None, starts: Iterable | None = None,
        grid: tuple[int, int] | None = None, random: int | None = None, seed: int = 0,
        steps: int | None = None, tol: float | None = None,
        schedules: Iterable[str | None] | None = None,
        export: str | os.PathLike | None = None, every: int = 1, summary: bool = False,
        start_map: str | os.PathLike | None = None, sweep_csv: str | os.PathLike | None = None,
        sweep_map: str | os.PathLike | None = None, sweep_score: str | None = None,
        layout: str | None = None, map_size: int | None = None, fractal_dim: bool = False,
        model: str | None = None,
        loss: str | None = None, data: str | os.PathLike | None = None,
        init: str | os.PathLike | None = None, inits: int | None = None,
        export_params: str | os.PathLike | None = None,
        slice: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
        directions: str | None = None, slice_size: tuple[int, int] | str | None = None,
        slice_around: str | None = None, slice_range: str | None = None) -> Run:
    """Simulates a scene to the end (``descent run``) and returns its trajectories as arrays.

    ``scene``: a scene file, TOML text or a ``descent.Scene``; the keywords override it, as
    the command line's flags do. ``export`` also writes the CSV; ``every`` keeps every Nth step;
    ``summary`` prints the per-optimizer summary; ``start_map`` writes the start map PNG(s).
    ``surface_params``: values of the surface expression's named parameters, e.g.
    ``run(surface="x^2 + ripple*cos(2*pi*x)", surface_params={"ripple": 0.1}, ...)``; a range
    ``"0..0.15:64"`` sweeps one for every optimizer (``--surface-param``).
    ``schedules``: one learning-rate schedule spec per optimizer (``None`` for none), as
    ``--schedule`` takes them. ``sweep_csv`` / ``sweep_map``: a sweep's final states and map;
    ``sweep_score="trainability"`` colours the map by Sohl-Dickstein's score, and
    ``fractal_dim`` prints its boundary's box-counting dimension.

    ``model``: train a model on ``data`` instead (``descent run --model``), e.g.
    ``run(model="mlp:2-8-1:tanh", loss="bce", data="two-moons:n=200", optimizers=["adam:lr=0.01"],
    inits=100, steps=500)``; ``init`` a CSV of initial parameters, ``export_params`` writes the
    final ones. ``slice`` writes the loss slice around a trained model (``.png`` map and/or
    ``.csv``) and returns it as ``Run.slice``; ``directions`` (random, pca, params:A,B),
    ``slice_size``, ``slice_around`` and ``slice_range`` choose it as their flags do.
    """
    values = dict(surface=surface, domain=domain, surface_params=surface_params, optimizers=optimizers, starts=starts, grid=grid,
                  random=random, seed=seed, steps=steps, tol=tol, schedules=schedules,
                  export=export, every=every, summary=summary, start_map=start_map,
                  sweep_csv=sweep_csv, sweep_map=sweep_map, sweep_score=sweep_score,
                  layout=layout, map_size=map_size, fractal_dim=fractal_dim, model=model,
                  loss=loss, data=data,
                  init=init, inits=inits, export_params=export_params, slice=slice,
                  directions=directions, slice_size=slice_size, slice_around=slice_around,
                  slice_range=slice_range)
    args, text = _command("run", scene, values)
    result = Run(_native.run(args, text))
    if summary:
        print(result.summary, end="")
    return result


class _TextProgress:
    """A one-line progress bar on stderr (a notebook shows it under the cell), at most a few
    updates a second."""

    def __init__(self, what: str):
        self.what = what
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done and done < total and now - self.shown < 0.25:
            return
        self.shown = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 and done else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r{self.what} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} frames"
                         f"  {rate:.1f}/s  ETA {left:.0f}s   ")
        sys.stderr.flush()

    def close(self, frames: int) -> None:
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"\r{self.what}: {frames} frame(s) in {elapsed:.1f}s" + " " * 40 + "\n")
        sys.stderr.flush()


def _target(value: Any, suffix: str) -> Any:
    """``True`` for an output: a new file in a temporary folder (``Media.save`` copies it)."""
    if value is True:
        return os.path.join(tempfile.mkdtemp(prefix="descent-"), "descent" + suffix)
    return value


def render(scene: str | os.PathLike | Scene | None = None, *,
           surface: str | None = None, domain: Sequence[float] | None = None,
           surface_params: Mapping[str, Any] | Iterable[str] | None = None,
           optimizers: Iterable | None = None, starts: Iterable | None = None,
           grid: tuple[int, int] | None = None, random: int | None = None, seed: int = 0,
           steps: int | None = None, tol: float | None = None,
           camera: str | dict | None = None, colormap: str | None = None, contours: bool = False,
           grid_lines: bool = False, no_axes: bool = False, trail_width: float | None = None,
           trail_length: int | None = None, fade: bool = False, msaa: int | None = None,
           trails: str | None = None, density_scale: str | None = None, color_by: str | None = None,
           out: str | os.PathLike | bool | None = None, video: str | os.PathLike | bool | None = None,
           gif: str | os.PathLike | bool | None = None, still: str | os.PathLike | bool | None = None,
           at_step: float | None = None, size: tuple[int, int] | str = (1920, 1080), fps: float = 30.0,
           frames: int | None = None, steps_per_second: float | None = None, orbit: float = 0.0,
           resume: bool = False, start_map: str | os.PathLike | bool | None = None,
           schedules: Iterable[str | None] | None = None, color_scale: str | None = None,
           gif_quality: str = "fast", png_compression: str = "fast",
           sweep_csv: str | os.PathLike | None = None, sweep_map: str | os.PathLike | None = None,
           sweep_score: str | None = None, fractal_dim: bool = False,
           layout: str | None = None, zoom_to: str | None = None, map_size: int | None = None,
           progress: bool | Callable[[int, int], Any] = True) -> Media:
    """Renders a scene without a window (``descent render``) and returns the result as a
    ``Media`` that a notebook shows inline.

    Exactly one of ``out`` (a folder of PNG frames), ``video``, ``gif`` or ``still`` (``True``
    for a temporary file), and/or ``start_map``. ``progress``: a text bar (default), ``False``,
    or ``callback(frames_done, frames_total)``. Ctrl-C or a notebook's interrupt (or an
    exception from the callback) stops the render after the frames in flight: only whole frames
    are left, as on the command line, then the KeyboardInterrupt goes on.

    ``layout="map"`` makes every frame the sweep's map; ``zoom_to="lr=0.5..0.52,momentum=0.8..0.9"``
    zooms into it, each frame a fresh run of the sweep.
    """
    out = _target(out, "")
    video = _target(video, ".mp4")
    gif = _target(gif, ".gif")
    still = _target(still, ".png")
    start_map = _target(start_map, ".png")
    values = dict(surface=surface, domain=domain, surface_params=surface_params, optimizers=optimizers, starts=starts, grid=grid,
                  random=random, seed=seed, steps=steps, tol=tol, camera=camera, colormap=colormap,
                  contours=contours, grid_lines=grid_lines, no_axes=no_axes, trail_width=trail_width,
                  trail_length=trail_length, fade=fade, msaa=msaa, trails=trails,
                  density_scale=density_scale, color_by=color_by, out=out, video=video, gif=gif,
                  still=still, at_step=at_step, size=size, fps=fps, frames=frames,
                  steps_per_second=steps_per_second, orbit=orbit, resume=resume, start_map=start_map,
                  schedules=schedules, color_scale=color_scale, gif_quality=gif_quality,
                  png_compression=png_compression, sweep_csv=sweep_csv, sweep_map=sweep_map,
                  sweep_score=sweep_score, fractal_dim=fractal_dim, layout=layout, zoom_to=zoom_to,
                  map_size=map_size)
    args, text = _command("render", scene, values)
    bar = None
    callback = progress if callable(progress) else None
    if progress is True:
        bar = _TextProgress("rendering")
        callback = bar
    try:
        d = _native.render(args, text, callback)
    except BaseException:
        if bar is not None:
            sys.stderr.write("\n")
        raise
    if bar is not None:
        bar.close(d["frames"])
    kind = {"pngs": "pngs", "still": "still", "video": "video", "gif": "gif", "start_map": "start_map"}[d["kind"]]
    return Media(d["path"], kind, frames=d["frames"], seconds=d.get("seconds", 0.0), start_maps=d["start_maps"])


def view(scene: str | os.PathLike | Scene | None = None, *,
         surface: str | None = None, domain: Sequence[float] | None = None,
         surface_params: Mapping[str, Any] | Iterable[str] | None = None,
         optimizers: Iterable | None = None, starts: Iterable | None = None,
         grid: tuple[int, int] | None = None, random: int | None = None, seed: int = 0,
         steps: int | None = None, tol: float | None = None,
         camera: str | dict | None = None, colormap: str | None = None, contours: bool = False,
         grid_lines: bool = False, no_axes: bool = False, trail_width: float | None = None,
         trail_length: int | None = None, fade: bool = False, msaa: int | None = None,
         trails: str | None = None, density_scale: str | None = None, color_by: str | None = None,
         size: tuple[int, int] | str = (1280, 720), capture_dir: str | os.PathLike = "descent-captures",
         record_size: tuple[int, int] | str | None = None, paused: bool = False,
         schedules: Iterable[str | None] | None = None, color_scale: str | None = None,
         sweep_score: str | None = None, layout: str | None = None, map_size: int | None = None,
         block: bool = True, _exit_after_frames: int | None = None) -> int | subprocess.Popen:
    """Opens the interactive window (``descent view``) in a process of its own (a window's
    event loop can start only once per process), after checking the arguments here: bad ones
    raise ValueError with the command line's message. ``block=False`` returns the process."""
    values = dict(surface=surface, domain=domain, surface_params=surface_params, optimizers=optimizers, starts=starts, grid=grid,
                  random=random, seed=seed, steps=steps, tol=tol, camera=camera, colormap=colormap,
                  contours=contours, grid_lines=grid_lines, no_axes=no_axes, trail_width=trail_width,
                  trail_length=trail_length, fade=fade, msaa=msaa, trails=trails,
                  density_scale=density_scale, color_by=color_by, size=size, capture_dir=capture_dir,
                  record_size=record_size, paused=paused, schedules=schedules,
                  color_scale=color_scale, sweep_score=sweep_score, layout=layout,
                  map_size=map_size)
    args, text = _command("view", scene, values)
    if _exit_after_frames is not None:  # tests: the command line's hidden --exit-after-frames
        args.insert(1, f"--exit-after-frames={int(_exit_after_frames)}")
    _native.check_view(args, text)
    if text is not None:
        # The window's process reads a file: the scene text goes into one beside nothing else.
        path = os.path.join(tempfile.mkdtemp(prefix="descent-"), "scene.toml")
        Path(path).write_text(text[1])
        args = args + ["--", path]
    proc = subprocess.Popen([sys.executable, "-m", "descent", *args], stderr=subprocess.PIPE, text=True)
    if not block:
        return proc
    try:
        _, err = proc.communicate()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"the window failed (exit status {proc.returncode}):\n{err.strip()}")
    return proc.returncode
