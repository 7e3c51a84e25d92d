"""lrutils: the helper package of *Learning Rates and Optimizers, a hands-on guide with Keras 3*.

Importing :mod:`lrutils` is cheap: the NumPy modules load on first use and nothing imports
TensorFlow until a Keras-facing function is called. Every public name of the submodules is
available here, e.g. ``lrutils.load_data`` or ``lrutils.set_seed``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .mode import set_static_mode, static_mode
from .seed import set_seed

__version__ = "0.1.0"

# public name -> submodule that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    # data
    "DATASETS": "data",
    "Dataset": "data",
    "DatasetUnavailableError": "data",
    "load_data": "data",
    "stratified_split": "data",
    # plotting
    "BOOK_STYLE": "plotting",
    "use_book_style": "plotting",
    "plot_runs": "plotting",
    "log_lr_axis": "plotting",
    # callbacks (Keras)
    "LearningRateRecorder": "callbacks",
    "current_learning_rate": "callbacks",
    # experiments
    "run_experiments": "experiments",
    "summarize": "experiments",
}

__all__ = ["set_seed", "static_mode", "set_static_mode", "__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lrutils' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
