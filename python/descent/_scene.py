"""``descent.Scene``: a scene file (TOML) to load, edit and save.

The scene is kept as its TOML tables (``scene.data``), so whatever the format holds survives
a round trip; properties cover the usual edits. Checking is the Rust loader's, with its
messages (file, line, column, key): ``validate()``, and every run or render.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

from . import _native
from ._torch import optimizer_spec

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else _string(k)


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _inline(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_inline(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_inline(x) for x in v) + "]"
    if hasattr(v, "tolist"):  # numpy arrays and scalars
        return _inline(v.tolist())
    raise TypeError(f"cannot write {type(v).__name__} {v!r} to TOML")


def to_toml(data: dict) -> str:
    """TOML text for nested dicts: scalars and arrays inline, tables and arrays of tables as
    sections (the shapes scene files have)."""
    lines: list[str] = []

    def is_table_array(v: Any) -> bool:
        return isinstance(v, list) and len(v) > 0 and all(isinstance(x, dict) for x in v)

    def section(prefix: str, table: dict) -> None:
        for k, v in table.items():
            if not isinstance(v, dict) and not is_table_array(v) and v is not None:
                lines.append(f"{_key(k)} = {_inline(v)}")
        for k, v in table.items():
            name = f"{prefix}.{_key(k)}" if prefix else _key(k)
            if isinstance(v, dict):
                lines.append("")
                lines.append(f"[{name}]")
                section(name, v)
            elif is_table_array(v):
                for item in v:
                    lines.append("")
                    lines.append(f"[[{name}]]")
                    section(name, item)

    section("", data)
    return "\n".join(lines).lstrip("\n") + "\n"


def _spec_table(spec: Any) -> dict:
    """"adam:lr=0.05,amsgrad=true" (or a torch pair) -> {"name": "adam", "lr": 0.05, ...}."""
    text = optimizer_spec(spec)
    name, _, rest = text.partition(":")
    table: dict[str, Any] = {"name": name.strip()}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = part.partition("=")
        if not eq:
            raise ValueError(f"optimizer {text!r}: '{part}' is not key=value")
        value = value.strip()
        if value.lower() in ("true", "false"):
            table[key.strip()] = value.lower() == "true"
            continue
        try:
            table[key.strip()] = int(value)
        except ValueError:
            try:
                table[key.strip()] = float(value)
            except ValueError:
                raise ValueError(f"optimizer {text!r}: {key.strip()} = '{value}' is not a number") from None
    return table


class Scene:
    """A scene: surface, optimizers, starts, run and view settings.

    >>> s = Scene(surface="x^2 - y^2", optimizers=["gd:lr=0.01"], starts=[(1, 0), (1, 0.25)], steps=200)
    >>> s.steps = 100; s.save("saddle.toml")
    >>> s = Scene.load("assets/scenes/sgd-vs-adam.toml"); s.optimizers.append({"name": "adam", "lr": 0.1})

    ``name`` is what error messages call it (a loaded file's path, else "<scene>"); relative
    paths inside the scene (regression CSV data) are relative to a loaded file's folder.
    """

    def __init__(self, surface: str | None = None, optimizers: Iterable | None = None,
                 starts: Iterable | None = None, steps: int | None = None, tol: float | None = None,
                 title: str | None = None, domain: Iterable[float] | None = None,
                 view: dict | None = None, *, data: dict | None = None, name: str = "<scene>"):
        self.data: dict[str, Any] = data if data is not None else {}
        self.name = name
        if title is not None:
            self.title = title
        if surface is not None:
            self.surface = surface
        if domain is not None:
            self.domain = domain
        if optimizers is not None:
            self.optimizers = optimizers
        if starts is not None:
            self.starts = starts
        if steps is not None:
            self.steps = steps
        if tol is not None:
            self.tol = tol
        if view is not None:
            self.view = view

    # ---- loading and saving ----

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Scene":
        """Reads and checks a scene file (ValueError with file:line:column on a bad one)."""
        path = Path(path)
        text = path.read_text()
        _native.check_scene(str(path), text)
        return cls(data=tomllib.loads(text), name=str(path))

    @classmethod
    def from_toml(cls, text: str, name: str = "<scene>") -> "Scene":
        """A scene from TOML text, checked."""
        _native.check_scene(name, text)
        return cls(data=tomllib.loads(text), name=name)

    def to_toml(self) -> str:
        return to_toml(self.data)

    def save(self, path: str | os.PathLike) -> Path:
        """Checks and writes the scene; returns the path."""
        self.validate()
        path = Path(path)
        path.write_text(self.to_toml())
        return path

    def validate(self) -> "Scene":
        """Raises ValueError with the loader's message (line, column, key) if the scene is bad."""
        _native.check_scene(self.name, self.to_toml())
        return self

    def copy(self) -> "Scene":
        return Scene(data=tomllib.loads(self.to_toml()), name=self.name)

    def __repr__(self) -> str:
        return f"descent.Scene.from_toml({self.to_toml()!r})"

    def _table(self, key: str) -> dict:
        return self.data.setdefault(key, {})

    # ---- the usual edits ----

    @property
    def title(self) -> str | None:
        return self.data.get("title")

    @title.setter
    def title(self, value: str | None) -> None:
        if value is None:
            self.data.pop("title", None)
        else:
            self.data["title"] = str(value)

    @property
    def surface(self) -> str | None:
        """A built-in surface's name or an expression in x and y."""
        s = self.data.get("surface", {})
        return s.get("name") or s.get("expr")

    @surface.setter
    def surface(self, value: str) -> None:
        table = self._table("surface")
        for k in ("name", "expr", "regression"):
            table.pop(k, None)
        key = "name" if value in _native.built_in_surfaces() else "expr"
        table[key] = value

    @property
    def domain(self) -> list[float] | None:
        return self.data.get("surface", {}).get("domain")

    @domain.setter
    def domain(self, value: Iterable[float] | None) -> None:
        if value is None:
            self._table("surface").pop("domain", None)
        else:
            self._table("surface")["domain"] = [float(v) for v in value]

    @property
    def optimizers(self) -> list[dict]:
        """The [[optimizer]] tables, e.g. {"name": "adam", "lr": 0.05}; assign spec strings,
        torch pairs or tables."""
        return self.data.setdefault("optimizer", [])

    @optimizers.setter
    def optimizers(self, value: Iterable) -> None:
        single = isinstance(value, (str, type)) or (
            isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Mapping)
        )
        items = [value] if single else list(value)
        self.data["optimizer"] = [dict(o) if isinstance(o, dict) else _spec_table(o) for o in items]

    @property
    def starts(self) -> list[list[float]]:
        """The explicit start points (grid and random: ``data["starts"]``)."""
        return self._table("starts").setdefault("points", [])

    @starts.setter
    def starts(self, points: Iterable) -> None:
        self._table("starts")["points"] = [[float(c) for c in p] for p in points]

    @property
    def steps(self) -> int | None:
        return self.data.get("run", {}).get("steps")

    @steps.setter
    def steps(self, value: int) -> None:
        self._table("run")["steps"] = int(value)

    @property
    def tol(self) -> float | None:
        return self.data.get("run", {}).get("tol")

    @tol.setter
    def tol(self, value: float) -> None:
        self._table("run")["tol"] = float(value)

    @property
    def view(self) -> dict:
        """The [view] table: camera, colormap, contours, trails, ..."""
        return self._table("view")

    @view.setter
    def view(self, value: dict) -> None:
        self.data["view"] = dict(value)
