"""The Python module against the command line and the maths: run() arrays, the CSV export,
inline media, errors with the command line's messages, interrupts that leave whole frames."""

from __future__ import annotations

import base64
import csv
import inspect
import os
import signal
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import descent
from descent import _native
from descent._args import _value, options

ROOT = Path(__file__).resolve().parents[2]
SCENES = ROOT / "assets" / "scenes"


def cli(*args: str) -> subprocess.CompletedProcess:
    """The descent command line, as `python -m descent` runs it (the CLI's own code path)."""
    return subprocess.run([sys.executable, "-m", "descent", *args], capture_output=True, text=True, timeout=600)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[-12:-4] == b"\x00\x00\x00\x00IEND"[-8:] or data.rstrip()[-8:-4] == b"IEND", "PNG has no end"
    return struct.unpack(">II", data[16:24])


def whole_png(path: Path) -> bool:
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and data[-8:-4] == b"IEND"


# ---- run() ----

def test_sgd_on_a_bowl_shrinks_every_start_by_0_8_per_step():
    starts = [(1.0, 0.5), (-2.0, 1.0), (0.3, -1.7), (0.0, 0.0)]
    r = descent.run(surface="x^2 + y^2", optimizers=["sgd:lr=0.1"], starts=starts, steps=30)
    assert r.xy.shape == (4, 31, 2) and r.loss.shape == (4, 31)
    assert r.xy.dtype == np.float32
    k = np.arange(31, dtype=np.float64)
    for i, (x0, y0) in enumerate(starts):
        expected = np.stack([x0 * 0.8**k, y0 * 0.8**k], axis=1)
        np.testing.assert_allclose(r.xy[i], expected, rtol=2e-6, atol=1e-7)
        np.testing.assert_allclose(r.loss[i], (expected**2).sum(axis=1), rtol=5e-6, atol=1e-7)
    assert list(r.steps) == list(range(31))
    assert list(r.status) == ["running"] * 4
    assert list(r.optimizer) == [0, 0, 0, 0] and r.optimizers == ["sgd:lr=0.1"]
    assert "sgd:lr=0.1" in r.summary


def test_surface_params_set_and_sweep_the_surfaces_parameters():
    # x <- x - lr * 2 k x: a factor of 1 - 0.2 k per step, k the surface's parameter.
    r = descent.run(surface="k*x^2", surface_params={"k": 1.5}, optimizers=["gd:lr=0.1"],
                    starts=[1.0], steps=10)
    np.testing.assert_allclose(r.xy[0, :, 0], 0.7 ** np.arange(11), rtol=1e-5)
    # Swept: one group per value, in order.
    r = descent.run(surface="k*x^2", surface_params={"k": "0.5..2:4"}, optimizers=["gd:lr=0.1"],
                    starts=[1.0], steps=10)
    assert r.xy.shape == (4, 11, 2)
    for i, k in enumerate([0.5, 1.0, 1.5, 2.0]):
        np.testing.assert_allclose(r.xy[i, :, 0], (1 - 0.2 * k) ** np.arange(11), rtol=1e-5)
    with pytest.raises(ValueError, match="optimizer's parameter"):
        descent.run(surface="lr*x^2", surface_params={"lr": 1}, optimizers=["gd:lr=0.1"], starts=[1.0])


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("every", [1, 3])
def test_arrays_equal_the_command_lines_csv_export(tmp_path, every):
    # Two optimizers, starts of which some converge early (tol): frozen particles too.
    args = dict(surface="x^2 + 3*y^2 - x*y", optimizers=["adam:lr=0.1", "sgd:lr=0.05,momentum=0.9"],
                starts=[(1.5, -1.0), (-0.5, 0.8), (0.01, 0.01)], grid=(2, 2), steps=40, tol=2e-3)
    r = descent.run(**args, every=every)
    path = tmp_path / "cli.csv"
    p = cli("run", "--surface", args["surface"], "--optimizer", args["optimizers"][0], "--optimizer",
            args["optimizers"][1], "--start=1.5,-1.0", "--start=-0.5,0.8", "--start=0.01,0.01", "--grid", "2x2",
            "--steps", "40", "--tol", "2e-3", "--every", str(every), "--export", str(path))
    assert p.returncode == 0, p.stderr
    rows = read_csv(path)
    per_group = 7
    kept = list(range(0, 41, every)) + ([40] if 40 % every else [])
    assert list(r.steps) == kept and r.xy.shape == (2 * per_group, len(kept), 2)
    assert {"converged"} <= set(r.status), "the scene should have particles that stop early"
    record = {s: k for k, s in enumerate(kept)}
    seen, final = set(), {}
    for row in rows:
        group = r.optimizers.index(row["optimizer"])
        i = group * per_group + int(row["particle"])
        step = int(row["step"])
        assert r.optimizer[i] == group
        if step in record:
            k = record[step]
            seen.add((i, k))
        else:  # a particle's final state between kept steps: its last record holds it
            assert step == r.final_step[i]
            k = -1
        assert r.xy[i, k, 0] == np.float32(row["x"]) and r.xy[i, k, 1] == np.float32(row["y"]), row
        assert r.loss[i, k] == np.float32(row["loss"]), row
        if step == r.final_step[i]:
            assert row["status"] == r.status[i]
            final[i] = (np.float32(row["x"]), np.float32(row["y"]))
    # Every record up to each particle's last step is in the CSV, and none after it.
    for i in range(len(r)):
        for k, step in enumerate(r.steps):
            assert ((i, k) in seen) == (step <= r.final_step[i]), (i, k)
            if step > r.final_step[i]:  # stopped: it stays where the CSV's last row has it
                assert tuple(r.xy[i, k]) == final[i], (i, k)


def test_export_keyword_writes_the_same_csv_as_the_command_line(tmp_path):
    scene = SCENES / "saddle-two-starts.toml"
    r = descent.run(scene, steps=50, export=tmp_path / "py.csv")
    assert r.files == [tmp_path / "py.csv"]
    assert cli("run", str(scene), "--steps", "50", "--export", str(tmp_path / "cli.csv")).returncode == 0
    assert (tmp_path / "py.csv").read_text() == (tmp_path / "cli.csv").read_text()


def test_model_run_arrays_equal_the_command_lines_exports(tmp_path):
    # Two optimizers x three seeded initialisations of a small classifier, with mini-batches.
    args = dict(model="mlp:2-4-1:tanh", loss="bce", data="two-moons:n=40,noise=0.1",
                optimizers=["adam:lr=0.05", "sgd:lr=0.5,momentum=0.9,batch_size=16"], inits=3, steps=30)
    r = descent.run(**args, every=5, export_params=tmp_path / "py.csv")
    p = cli("run", "--model", args["model"], "--loss", "bce", "--data", args["data"],
            "--optimizer", args["optimizers"][0], "--optimizer", args["optimizers"][1], "--inits", "3",
            "--steps", "30", "--every", "5", "--export", str(tmp_path / "steps.csv"),
            "--export-params", str(tmp_path / "cli.csv"))
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "py.csv").read_text() == (tmp_path / "cli.csv").read_text()
    assert r.files == [tmp_path / "py.csv"]
    n_params = 2 * 4 + 4 + 4 + 1
    assert r.params.shape == (6, n_params) and len(r.parameter_names) == n_params
    assert r.parameter_names[:3] == ["w0[0,0]", "w0[0,1]", "w0[1,0]"] and r.parameter_names[-1] == "b1[0]"
    assert list(r.steps) == [0, 5, 10, 15, 20, 25, 30] and r.loss.shape == (6, 7) and r.xy.shape == (6, 7, 2)
    assert list(r.optimizer) == [0, 0, 0, 1, 1, 1] and r.optimizers == args["optimizers"]
    for row in read_csv(tmp_path / "steps.csv"):
        i = r.optimizers.index(row["optimizer"]) * 3 + int(row["particle"])
        k = int(row["step"]) // 5
        assert r.loss[i, k] == np.float32(row["loss"]) and r.xy[i, k, 0] == np.float32(row["x"]), row
    for i, row in enumerate(read_csv(tmp_path / "py.csv")):
        assert r.params[i, 0] == np.float32(row["p0"]) and r.status[i] == row["status"]
    # Training helps: every model's loss fell, and the accuracy is a fraction of the data.
    assert (r.loss[:, -1] < r.loss[:, 0]).all(), r.loss
    assert ((0 <= r.accuracy) & (r.accuracy <= 1)).all() and np.median(r.accuracy) > 0.7, r.accuracy
    assert "adam:lr=0.05" in r.summary and "median accuracy" in r.summary
    assert "mlp" in repr(r)
    with pytest.raises(ValueError, match="--data"):
        descent.run(model="linear", optimizers=["sgd"])


def test_model_run_returns_the_loss_slice_it_writes(tmp_path):
    r = descent.run(model="linear", data="linear:n=30,noise=0.5", optimizers=["sgd:lr=0.1"], inits=2,
                    steps=20, slice=[tmp_path / "s.csv", tmp_path / "s.png"], slice_size=(21, 11))
    assert r.slice.shape == (11, 21) and r.slice.dtype == np.float32
    rows = read_csv(tmp_path / "s.csv")
    assert len(rows) == 21 * 11
    np.testing.assert_array_equal(r.slice.ravel(), np.array([float(x["loss"]) for x in rows], dtype=np.float32))
    a0, a1, b0, b1 = r.slice_extent
    assert float(rows[0]["a"]) == a0 and float(rows[-1]["b"]) == b1
    # Two parameters: xy holds (w, b), inside the slice's extent.
    assert ((a0 <= r.xy[..., 0]) & (r.xy[..., 0] <= a1) & (b0 <= r.xy[..., 1]) & (r.xy[..., 1] <= b1)).all()
    assert whole_png(tmp_path / "s.png") and set(r.files) == {tmp_path / "s.csv", tmp_path / "s.png"}


def test_a_model_scene_runs_as_its_keywords_do(tmp_path):
    scene = SCENES / "models" / "logistic-blobs.toml"
    r = descent.run(scene, inits=2, steps=5, export_params=tmp_path / "scene.csv")
    k = descent.run(model="mlp:2-1:nobias", loss="bce", data="blobs:n=200,noise=3.0", seed=1,
                    optimizers=["sgd:lr=0.5", "adam:lr=0.05"], inits=2, steps=5,
                    export_params=tmp_path / "keywords.csv")
    assert (tmp_path / "scene.csv").read_text() == (tmp_path / "keywords.csv").read_text()
    assert r.params.shape == (4, 2) and r.optimizers == ["sgd:lr=0.5", "adam:lr=0.05"]
    with pytest.raises(ValueError, match="--inits belongs to a model run"):
        descent.run(SCENES / "saddle-two-starts.toml", inits=3)


# ---- render() ----

def test_still_shows_as_png():
    m = descent.render(surface="himmelblau", optimizers=["adam:lr=0.05"], grid=(4, 4), steps=40,
                       still=True, size=(200, 150), progress=False)
    png = m._repr_png_()
    assert png_size(png) == (200, 150)
    assert m._repr_html_() is None and m.kind == "still" and m.path.is_file()


def test_gif_html_embeds_the_gif(tmp_path):
    m = descent.render(surface="saddle", optimizers=["gd:lr=0.01"], starts=[(1, 0), (1, 0.25)], steps=8,
                       gif=tmp_path / "saddle.gif", size=(160, 120), progress=False)
    assert m.frames == 9 and m.path == tmp_path / "saddle.gif"
    html = m._repr_html_()
    prefix = '<img src="data:image/gif;base64,'
    assert html.startswith(prefix)
    embedded = base64.b64decode(html[len(prefix):html.index('"', len(prefix))])
    assert embedded[:6] == b"GIF89a" and embedded == m.path.read_bytes()
    assert m._repr_png_() is None
    copy = m.save(tmp_path / "copy.gif")
    assert copy.read_bytes() == embedded


def test_video_html_embeds_the_mp4():
    m = descent.render(surface="saddle", optimizers=["gd:lr=0.01"], starts=[(1, 0)], steps=6, video=True,
                       size=(160, 120), progress=False)
    html = m._repr_html_()
    prefix = '<source src="data:video/mp4;base64,'
    assert html.startswith("<video") and prefix in html
    start = html.index(prefix) + len(prefix)
    data = base64.b64decode(html[start:html.index('"', start)])
    assert data[4:8] == b"ftyp" and data == m.path.read_bytes() and m.frames == 7


def test_view_opens_the_window_and_closes(tmp_path):
    # Xvfb on a display it picks itself, as the window tests of the crate do.
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        display = os.read(read, 16).decode().strip()
        assert display, "Xvfb did not start"
        os.environ["DISPLAY"] = f":{display}"
        scene = descent.Scene(surface="x^2 - y^2", optimizers=["gd:lr=0.01"], starts=[(1, 0)], steps=20)
        assert descent.view(scene, size=(320, 240), capture_dir=tmp_path, _exit_after_frames=5) == 0
    finally:
        os.environ.pop("DISPLAY", None)
        xvfb.terminate()
        xvfb.wait()
        os.close(read)


def test_start_map_alone_and_from_run(tmp_path):
    args = dict(surface="himmelblau", optimizers=["adam:lr=0.05"], grid=(16, 12), steps=60)
    m = descent.render(**args, start_map=tmp_path / "map.png", progress=False)
    assert m.kind == "start_map" and m.start_maps == [tmp_path / "map.png"]
    assert png_size(m._repr_png_())[0] >= 16
    r = descent.run(**args, start_map=tmp_path / "run-map.png")
    assert r.files == [tmp_path / "run-map.png"]
    assert (tmp_path / "run-map.png").read_bytes() == (tmp_path / "map.png").read_bytes()


def test_python_m_descent_is_the_command_line():
    p = cli("render", "--help")
    assert p.returncode == 0 and "--steps-per-second" in p.stdout


def test_progress_reports_every_frame():
    seen = []
    descent.render(surface="saddle", optimizers=["gd:lr=0.01"], starts=[(1, 0)], steps=5, still=True,
                   size=(64, 48), frames=6, progress=lambda done, total: seen.append((done, total)))
    # A still renders one frame.
    assert seen == [(0, 1)]
    seen.clear()
    m = descent.render(surface="saddle", optimizers=["gd:lr=0.01"], starts=[(1, 0)], steps=5, gif=True,
                       size=(64, 48), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(d, 6) for d in range(6)] and m.frames == 6


def interrupted_render(out: Path, progress) -> None:
    descent.render(surface="saddle", optimizers=["gd:lr=0.01"], starts=[(1, 0), (1, 0.25)], steps=40,
                   out=out, size=(160, 120), progress=progress)


def check_whole_frames(out: Path, at_least: int, total: int) -> int:
    names = sorted(p.name for p in out.iterdir())
    frames = [n for n in names if n.startswith("frame_")]
    assert frames == [f"frame_{i:06}.png" for i in range(len(frames))], names
    assert not [n for n in names if n not in frames], f"partial files left: {names}"
    assert at_least <= len(frames) < total
    assert all(whole_png(out / n) for n in frames)
    return len(frames)


def test_an_exception_in_progress_stops_with_whole_frames_and_resume_finishes(tmp_path):
    def stop_at_5(done, total):
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_render(tmp_path, stop_at_5)
    check_whole_frames(tmp_path, 5, 41)
    m = descent.render(surface="saddle", optimizers=["gd:lr=0.01"], starts=[(1, 0), (1, 0.25)], steps=40,
                       out=tmp_path, size=(160, 120), resume=True, progress=False)
    assert m.kind == "pngs" and m.frames == 41 - 5
    assert len(list(tmp_path.glob("frame_*.png"))) == 41
    assert png_size(m._repr_png_()) == (160, 120)


def test_sigint_stops_a_render_with_whole_frames(tmp_path):
    # The signal reaches Python's own handler; the render runs it between frames.
    def sigint_at_3(done, total):
        if done == 3:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        interrupted_render(tmp_path, sigint_at_3)
    check_whole_frames(tmp_path, 3, 41)


def test_sigint_to_a_python_process_rendering(tmp_path):
    # A separate interpreter, interrupted from outside as a notebook kernel is.
    script = (
        "import descent, sys\n"
        "def p(done, total):\n"
        "    if done == 2: print('started', flush=True)\n"
        f"descent.render(surface='saddle', optimizers=['gd:lr=0.01'], starts=[(1, 0)], steps=400,"
        f" out={str(tmp_path)!r}, size=(320, 240), progress=p)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err, err
    check_whole_frames(tmp_path, 2, 401)


# ---- errors ----

def cli_error(*args: str) -> str:
    p = cli(*args)
    assert p.returncode == 1, p.stderr
    assert p.stderr.startswith("error: ")
    return p.stderr[len("error: "):].rstrip("\n")


def test_bad_expression_is_a_value_error_naming_the_column():
    with pytest.raises(ValueError) as e:
        descent.run(surface="x^2 + * y", optimizers=["gd"], starts=[(1, 1)])
    message = str(e.value)
    assert message == cli_error("run", "--surface", "x^2 + * y", "--optimizer", "gd", "--start", "1,1")
    assert "column 7" in message and "^" in message


def test_bad_scene_key_is_a_value_error_naming_the_key(tmp_path):
    text = '[surface]\nname = "saddle"\n\n[run]\nsteps = 10\nspeed = 3\n'
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(ValueError) as e:
        descent.run(tmp_path / "bad.toml", optimizers=["gd"], starts=[(1, 1)])
    assert str(e.value) == cli_error("run", str(tmp_path / "bad.toml"), "--optimizer", "gd", "--start", "1,1")
    assert "speed" in str(e.value) and ":6:" in str(e.value)
    with pytest.raises(ValueError, match="speed"):
        descent.Scene.from_toml(text)
    with pytest.raises(ValueError, match=r"<scene>:6:1: .*speed"):
        descent.run(text, optimizers=["gd"], starts=[(1, 1)])


def test_bad_option_values_are_value_errors_with_the_command_lines_messages():
    cases = [
        (dict(optimizers=["adam:lr=-1"]), ["--optimizer", "adam:lr=-1"]),
        (dict(optimizers=["adam:speed=2"]), ["--optimizer", "adam:speed=2"]),
        (dict(domain=(1, 0, -1, 1)), ["--domain=1,0,-1,1"]),
    ]
    for kwargs, flags in cases:
        kwargs.setdefault("optimizers", ["gd"])
        with pytest.raises(ValueError) as e:
            descent.run(surface="saddle", starts=[(0.5, 0.5)], steps=5, **kwargs)
        if "--optimizer" not in flags:
            flags = flags + ["--optimizer", "gd"]
        assert str(e.value) == cli_error("run", "--surface", "saddle", "--start=0.5,0.5", "--steps", "5", *flags)
    with pytest.raises(ValueError, match="exactly one of"):
        descent.render(surface="saddle", optimizers=["gd"], starts=[(1, 0)], progress=False)
    with pytest.raises(ValueError, match="--size"):
        descent.render(surface="saddle", optimizers=["gd"], starts=[(1, 0)], still=True, size="big")
    with pytest.raises(ValueError, match="--camera"):
        descent.view(camera="sideways")
    with pytest.raises(TypeError, match="unexpected keyword"):
        descent.run(surface="saddle", speed=3)


def test_no_gpu_is_a_runtime_error_saying_what_to_install():
    # A fresh interpreter whose Vulkan loader finds no driver and may use no other backend.
    env = dict(os.environ, VK_DRIVER_FILES="/nonexistent.json", VK_ICD_FILENAMES="/nonexistent.json",
               WGPU_BACKEND="vulkan")
    script = (
        "import descent\n"
        "try:\n"
        "    descent.run(surface='saddle', optimizers=['gd'], starts=[(1, 0)], steps=2)\n"
        "except RuntimeError as e:\n"
        "    print('RuntimeError:', e)\n"
    )
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "RuntimeError: no GPU adapter found" in p.stdout and "mesa-vulkan-drivers" in p.stdout, p.stdout


# ---- keywords, scenes, torch ----

@pytest.mark.parametrize("command,function", [("run", descent.run), ("render", descent.render),
                                              ("view", descent.view)])
def test_every_command_line_option_is_a_keyword_with_its_default(command, function):
    params = inspect.signature(function).parameters
    for name, (long, default, kind) in options(command).items():
        assert name in params, f"descent.{command}() lacks {name} (--{long})"
        py_default = params[name].default
        if kind == "flag":
            assert py_default is False, name
        elif kind == "positional":
            assert py_default is None, name
        elif default is None:
            assert py_default is None, name
        else:
            text = _value(name, py_default)
            try:
                assert float(text) == float(default), name
            except ValueError:
                assert text == default, name


def test_scene_loads_edits_saves_and_runs_the_same(tmp_path):
    path = SCENES / "sgd-vs-adam.toml"
    s = descent.Scene.load(path)
    from_file = descent.run(path, steps=30)
    from_object = descent.run(s, steps=30)
    assert np.array_equal(from_file.xy, from_object.xy, equal_nan=True)
    assert from_file.optimizers == from_object.optimizers

    s.steps = 12
    s.optimizers = ["adam:lr=0.1", "sgd:lr=0.01,momentum=0.9,nesterov=true"]
    s.starts = [(0.5, -0.5)]
    s.view["colormap"] = "viridis"
    saved = s.save(tmp_path / "edited.toml")
    again = descent.Scene.load(saved)
    assert again.steps == 12 and again.view["colormap"] == "viridis"
    assert again.optimizers == [{"name": "adam", "lr": 0.1},
                                {"name": "sgd", "lr": 0.01, "momentum": 0.9, "nesterov": True}]
    r = descent.run(saved)
    assert r.xy.shape == (2, 13, 2) and r.optimizers == ["adam:lr=0.1", "sgd:lr=0.01,momentum=0.9,nesterov=true"]

    built = descent.Scene(surface="x^2 - y^2", optimizers=["gd:lr=0.01"], starts=[(1, 0), (1, 0.25)], steps=20,
                          title='A "quoted" title')
    assert built.data["surface"] == {"expr": "x^2 - y^2"}
    assert descent.Scene.from_toml(built.to_toml()).title == 'A "quoted" title'
    assert descent.run(built).xy.shape == (2, 21, 2)
    with pytest.raises(ValueError, match="steps must be"):
        descent.Scene(surface="saddle", optimizers=["gd"], starts=[(1, 0)], steps=0).validate()


class _FakeTorchOptim:
    """Stands in for torch.optim's classes, which are known by module and name."""


def fake(name: str) -> type:
    return type(name, (_FakeTorchOptim,), {"__module__": f"torch.optim.{name.lower()}"})


def test_torch_optimizers_map_to_descent_specs():
    Adam, SGD, LBFGS = fake("Adam"), fake("SGD"), fake("LBFGS")
    assert descent.optimizer_spec((Adam, {"lr": 0.05, "betas": (0.8, 0.99), "foreach": None})) == \
        "adam:lr=0.05,beta1=0.8,beta2=0.99"
    assert descent.optimizer_spec((SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True})) == \
        "sgd:lr=0.1,momentum=0.9,nesterov=true"
    assert descent.optimizer_spec(Adam) == "adam"
    with pytest.raises(ValueError, match="LBFGS has no counterpart"):
        descent.optimizer_spec((LBFGS, {}))
    with pytest.raises(TypeError):
        descent.optimizer_spec((dict, {}))
    a = descent.run(surface="rosenbrock", optimizers=[(Adam, {"lr": 0.05})], starts=[(-1.5, 2)], steps=20)
    b = descent.run(surface="rosenbrock", optimizers=["adam:lr=0.05"], starts=[(-1.5, 2)], steps=20)
    assert np.array_equal(a.xy, b.xy)


def test_real_torch_classes_when_torch_is_installed():
    torch = pytest.importorskip("torch")
    assert descent.optimizer_spec((torch.optim.Adam, {"lr": 0.05})) == "adam:lr=0.05"
    assert descent.optimizer_spec((torch.optim.RMSprop, {"lr": 0.01, "centered": True})) == \
        "rmsprop:lr=0.01,centered=true"


def test_one_gpu_context_per_process():
    first = descent.adapter()
    assert first and descent.adapter() == first
    assert "saddle" in descent.surfaces()


def test_schedules_follow_their_optimizers():
    # schedules[i] is optimizer i's, as `--schedule` after its `--optimizer` on the command line.
    kw = dict(surface="x^2 + y^2", optimizers=["sgd:lr=0.1", "sgd:lr=0.1"], starts=[(1.0, 1.0)], steps=10)
    plain = descent.run(**kw)
    halved = descent.run(schedules=[None, "step:step_size=1,gamma=0.5"], **kw)
    first, second = plain.optimizer == 0, plain.optimizer == 1
    np.testing.assert_array_equal(halved.xy[first], plain.xy[first])
    # lr 0.1, 0.05, 0.025, ...: x_1 = 0.8, x_2 = 0.8 * (1 - 2 * 0.05) = 0.72.
    np.testing.assert_allclose(halved.xy[second][0, :3, 0], [1.0, 0.8, 0.72], rtol=1e-6)
    with pytest.raises(ValueError, match="schedules"):
        descent.run(schedules=["step:step_size=1", "step:step_size=2", "step:step_size=3"], **kw)
