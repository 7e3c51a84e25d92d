"""Argument checks shared by the modules of ``lrutils`` (private).

Every message names the argument, shows the value and says what is accepted.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def check_real(name: str, value: Any, *, positive: bool = False, minimum: float | None = None,
               keep_int: bool = False, finite: bool = True) -> float:
    """A finite real number (not a bool), as a float; ``keep_int`` returns integers as ``int``.

    ``positive`` requires ``value > 0``; ``minimum`` requires ``value >= minimum``;
    ``finite=False`` lets NaN and the infinities through, for the caller to judge.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {name}={value!r} ({type(value).__name__})")
    value = int(value) if keep_int and isinstance(value, numbers.Integral) else float(value)
    if finite and not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {name}={value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {name}={value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {name}={value!r}")
    return value


def check_int(name: str, value: Any, *, minimum: int) -> int:
    """An integer (not a bool) of at least ``minimum``, as a Python int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {name}={value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {name}={value!r}")
    return value


def check_interval(name: str, value: Any, low: float, high: float, *, low_open: bool = False,
                   high_open: bool = False, keep_int: bool = False) -> float:
    """A finite real number in the interval from ``low`` to ``high`` (closed unless ``*_open``)."""
    value = check_real(name, value, keep_int=keep_int)
    below = value <= low if low_open else value < low
    above = value >= high if high_open else value > high
    if below or above:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {name}={value!r}")
    return value


def check_flag(name: str, value: Any) -> bool:
    """``True`` or ``False`` (NumPy's booleans too), as a Python bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {name}={value!r}")
    return bool(value)
