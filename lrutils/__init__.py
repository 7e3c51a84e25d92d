"""lrutils: the helper package of *Learning Rates and Optimizers, a hands-on guide with Keras 3*.

Importing :mod:`lrutils` is cheap: submodules load on first use, and nothing imports TensorFlow
until a Keras-facing name is used. The public names of the submodules are available at the top
level (``lrutils.load_data``, ``lrutils.gradient_descent``, ``lrutils.cosine_decay``, ...), except
those of two modules whose names are best read with their module, as in Keras:
``lrutils.optimizers.adam(...)``, ``lrutils.mlp.forward(...)`` and ``lrutils.batched.MLP(...)``;
their entry points (``get_optimizer``, ``apply_updates``, ``init_two_layer``, ``run_grid``, ...)
are re-exported as well.

Modules: :mod:`~lrutils.seed`, :mod:`~lrutils.mode`, :mod:`~lrutils.data`,
:mod:`~lrutils.plotting`, :mod:`~lrutils.experiments`, :mod:`~lrutils.callbacks`,
:mod:`~lrutils.functions`, :mod:`~lrutils.descent`, :mod:`~lrutils.optimizers`,
:mod:`~lrutils.mlp`, :mod:`~lrutils.gradcheck`.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

from .mode import set_static_mode, static_mode
from .seed import set_seed

__version__ = "0.1.0"

# Modules whose whole ``__all__`` is re-exported; read from the source so that importing
# lrutils loads none of them (some import TensorFlow).
_FULL = (
    "data", "plotting", "experiments", "callbacks", "functions", "descent", "gradcheck",
    "schedules", "keras_schedules", "widgets", "animation", "lr_finder", "graphs",
)
# Modules re-exported only in part (their other names read better with the module prefix).
_PARTIAL = {
    "optimizers": ("GradientTransformation", "apply_updates", "get_optimizer", "OPTIMIZERS", "keras_equivalent"),
    "mlp": ("MLPParams", "init_two_layer", "init_mlp", "deep_stack_grad_norms"),
    "batched": ("run_grid", "keras_model"),
}
_SUBMODULES = frozenset(_FULL) | frozenset(_PARTIAL) | {"mode", "seed"}


def _public_names(module: str) -> tuple[str, ...]:
    path = Path(__file__).with_name(f"{module}.py")
    if not path.exists():
        return ()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return ()


_EXPORTS: dict[str, str] = {name: m for m in _FULL for name in _public_names(m)}
_EXPORTS.update({name: m for m, names in _PARTIAL.items() for name in names})

__all__ = ["set_seed", "static_mode", "set_static_mode", "__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lrutils' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)
