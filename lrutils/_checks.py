"""Argument checks shared by the NumPy modules (private).

Every message names the argument, shows the value and says what is accepted.
"""

from __future__ import annotations

import math
import numbers


def check_real(name: str, value, *, positive: bool = False, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {name}={value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {name}={value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, got {name}={value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {name}={value!r}")
    return value
