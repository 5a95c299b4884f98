"""Optimizers given the torch way: ``(torch.optim.Adam, {"lr": 0.05})`` -> ``"adam:lr=0.05"``.

torch is never imported here: a class is recognised by its module and name, so the mapping
works (and is tested) without torch installed, and costs nothing when it is.
"""

from __future__ import annotations

from typing import Any, Mapping

# torch.optim class -> descent name (the update rules are torch's; see the main README).
TORCH_NAMES = {
    "SGD": "sgd",
    "Adam": "adam",
    "AdamW": "adamw",
    "Adagrad": "adagrad",
    "RMSprop": "rmsprop",
    "NAdam": "nadam",
    "RAdam": "radam",
}

# Keyword arguments of torch's optimizers that choose an implementation, not the arithmetic:
# dropped when left at their defaults.
IMPLEMENTATION_KEYS = {"foreach", "fused", "capturable", "differentiable"}


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if hasattr(v, "item") and callable(v.item):  # a 0-d tensor or numpy scalar
        v = v.item()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _params(where: str, params: Mapping[str, Any]) -> list[str]:
    out = []
    for key, v in params.items():
        if key in IMPLEMENTATION_KEYS:
            if v in (None, False):
                continue
            raise ValueError(f"{where}: {key}={v!r} chooses a torch implementation; descent has none to choose")
        if key == "betas":
            b1, b2 = v
            out += [f"beta1={_text(b1)}", f"beta2={_text(b2)}"]
        else:
            out.append(f"{key}={_text(v)}")
    return out


def optimizer_spec(opt: Any) -> str:
    """A descent spec from a spec string, a ``(name or torch class, kwargs)`` pair, or a class."""
    if isinstance(opt, str):
        return opt
    if isinstance(opt, tuple):
        if len(opt) != 2 or not isinstance(opt[1], Mapping):
            raise TypeError(f"an optimizer pair is (torch class or name, {{keyword: value}}), got {opt!r}")
        what, params = opt
    else:
        what, params = opt, {}
    if isinstance(what, str):
        name, where = what, what
    else:
        cls_name = getattr(what, "__name__", None)
        module = getattr(what, "__module__", "") or ""
        if cls_name is None or not module.startswith("torch.optim"):
            raise TypeError(
                f"an optimizer is a spec string like 'adam:lr=0.05' or a torch.optim class, got {what!r}"
            )
        where = f"torch.optim.{cls_name}"
        if cls_name not in TORCH_NAMES:
            raise ValueError(
                f"{where} has no counterpart in descent; those that do: "
                + ", ".join(f"torch.optim.{n}" for n in TORCH_NAMES)
            )
        name = TORCH_NAMES[cls_name]
    parts = _params(where, params)
    return name + (":" + ",".join(parts) if parts else "")
