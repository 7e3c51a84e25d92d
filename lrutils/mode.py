"""Static or live output: how `lrutils` decides what a notebook cell produces.

A notebook cell that shows an explorer or a progress bar runs in one of two situations:

* a reader runs it in JupyterLab: the cell should give live ipywidgets controls and
  progress bars that update while training runs;
* the book's tooling runs it (``make execute`` to store the outputs the website shows,
  ``make test`` to check them with nbval): the output must be self-contained HTML that
  works on a static web page without a kernel, and must not change from run to run.

The environment variable ``LRUTILS_STATIC`` chooses: ``1`` (set by the Makefile and the
tests) selects static output, anything else or unset selects live output. Code can also
override it with :func:`set_static_mode`.
"""

from __future__ import annotations

import os

from ._checks import check_flag

__all__ = ["static_mode", "set_static_mode"]

_ENV_VAR = "LRUTILS_STATIC"
_override: bool | None = None


def static_mode() -> bool:
    """Return True when outputs must be static (no kernel, reproducible), False for live.

    The value set with :func:`set_static_mode` wins; otherwise ``LRUTILS_STATIC=1`` in the
    environment means static.
    """
    if _override is not None:
        return _override
    return os.environ.get(_ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


def set_static_mode(value: bool | None) -> None:
    """Force static (True) or live (False) output; ``None`` returns to the environment's choice."""
    global _override
    _override = check_flag("value", value, allow_none=True)
