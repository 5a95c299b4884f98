"""Keyword arguments -> the command line's own arguments.

The Rust side parses them with the command line's parser, so names, defaults, checks and
error messages are the command line's. The table of options comes from that parser too
(``_native.cli_options``): a keyword it does not know is a TypeError here, before anything runs.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Iterable, Mapping

from . import _native
from ._torch import optimizer_spec


@lru_cache(maxsize=None)
def options(command: str) -> dict[str, tuple[str | None, str | None, str]]:
    """name -> (long flag, default as the command line writes it, kind)."""
    return {name: (long, default, kind) for name, long, default, kind in _native.cli_options(command)}


def _number(v: Any) -> str:
    if isinstance(v, bool):
        raise TypeError(f"expected a number, got {v!r}")
    if isinstance(v, int):
        return str(v)
    try:
        return repr(float(v))
    except (TypeError, ValueError):
        raise TypeError(f"expected a number, got {v!r}") from None


def _pair(v: Any, sep: str) -> str:
    """(a, b) -> "a{sep}b"; a string passes as it is."""
    if isinstance(v, str):
        return v
    items = list(v)
    if len(items) != 2:
        raise ValueError(f"expected two numbers, got {v!r}")
    return sep.join(_number(x) for x in items)


def _point(p: Any) -> str:
    if isinstance(p, str):
        return p
    return ",".join(_number(x) for x in list(p))


def _camera(v: Any) -> str:
    if isinstance(v, Mapping):
        return ",".join(f"{k}={_number(x)}" for k, x in v.items())
    return str(v)


def _value(name: str, v: Any) -> str:
    """One value as the command line takes it."""
    if name in ("size", "record_size", "grid", "slice_size"):
        return _pair(v, "x")
    if name == "domain":
        if isinstance(v, str):
            return v
        return ",".join(_number(x) for x in list(v))
    if name == "camera":
        return _camera(v)
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return _number(v)
    return str(v)


def _many(name: str, v: Any) -> Iterable[str]:
    if name == "optimizers":
        single = isinstance(v, (str, type)) or (
            isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], Mapping)
        )
        items = [v] if single else list(v)
        return [optimizer_spec(o) for o in items]
    if name == "surface_params":
        # {"amp": 0.05, "k": "1..3:16"} -> amp=0.05, k=1..3:16
        if isinstance(v, Mapping):
            return [f"{k}={x if isinstance(x, str) else _number(x)}" for k, x in v.items()]
        return [v] if isinstance(v, str) else [str(x) for x in v]
    if name == "starts":
        if isinstance(v, str):
            return [v]
        points = list(v)
        # One point given as (x, y) rather than [(x, y)].
        if len(points) in (1, 2) and all(isinstance(x, (int, float)) for x in points):
            points = [points]
        return [_point(p) for p in points]
    if isinstance(v, (str, os.PathLike)):
        return [_value(name, v)]
    return [_value(name, x) for x in v]


def _schedules(v: Any) -> list[str | None]:
    """schedules= as a list, one per optimizer (a single string: the first optimizer's)."""
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    return [None if x is None else str(x) for x in v]


def argv(command: str, values: Mapping[str, Any]) -> list[str]:
    """The command line for `command` with `values` (None, False: not given)."""
    table = options(command)
    out = [command]
    for name, v in values.items():
        if name not in table:
            raise TypeError(f"{command}() got an unexpected keyword argument '{name}'")
        long, _default, kind = table[name]
        if v is None or kind == "positional":
            continue
        if name == "schedules":
            if not values.get("optimizers"):
                out.extend(f"--{long}={x}" for x in _schedules(v) if x)
            continue  # otherwise each goes after its optimizer, below
        if kind == "flag":
            if not isinstance(v, bool):
                raise TypeError(f"{name} is a switch: give True or False, got {v!r}")
            if v:
                out.append(f"--{long}")
        elif kind == "multiple" and name == "optimizers":
            # `--schedule` applies to the `--optimizer` before it: schedules[i] follows optimizer i.
            specs = list(_many(name, v))
            schedules = _schedules(values.get("schedules"))
            if len(schedules) > len(specs):
                raise ValueError(
                    f"schedules: {len(schedules)} schedules for {len(specs)} optimizers "
                    "(schedules[i] applies to optimizers[i]; None for none)"
                )
            for i, spec in enumerate(specs):
                out.append(f"--{long}={spec}")
                if i < len(schedules) and schedules[i]:
                    out.append(f"--schedule={schedules[i]}")
        elif kind == "multiple":
            out.extend(f"--{long}={x}" for x in _many(name, v))
        else:
            if v is False:
                continue
            out.append(f"--{long}={_value(name, v)}")
    return out
