"""descent: GPU-accelerated gradient descent on any surface, from Python and Jupyter.

>>> import descent
>>> r = descent.run(surface="rosenbrock", optimizers=["adam:lr=0.05"], starts=[(-1.5, 2.0)], steps=500)
>>> r.xy.shape                      # (particles, steps + 1, 2)
>>> descent.render(surface="saddle", optimizers=["gd:lr=0.01"], starts=[(1, 0), (1, 0.25)],
...                steps=200, gif=True, size=(480, 360))   # shows inline in a notebook

Every option of the command line is a keyword argument of the same name and default; see
``help(descent.render)`` and the README's Python section.
"""

from . import _native
from ._api import Run, render, run, view
from ._media import Media
from ._scene import Scene
from ._torch import optimizer_spec

__version__ = _native.__version__
__all__ = ["run", "render", "view", "Run", "Media", "Scene", "optimizer_spec", "adapter", "surfaces"]


def adapter() -> str:
    """The GPU adapter descent uses (opening the process's GPU context if need be)."""
    return _native.adapter()


def surfaces() -> list:
    """The built-in surfaces' names."""
    return list(_native.built_in_surfaces())
