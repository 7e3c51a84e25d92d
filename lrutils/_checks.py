"""Argument checks shared by the modules of ``lrutils`` (private).

Every message names the argument, shows the value and says what is accepted:
``f"{name} must be ..., got {name}={value!r}"``. A value of the wrong type raises
``TypeError``; a value of the right type that is out of range raises ``ValueError``.

Names (registry keys and string options) are matched case-insensitively everywhere
(:func:`lookup`, :func:`check_choice`) and returned in their canonical spelling. The
registries' keys are all lower case, while Keras spells the same things ``"Adam"``,
``"RMSprop"`` or ``"SGD"``; matching without case lets a reader type either, and no call
that worked before stops working.

Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import numpy as np


def is_real(value: Any) -> bool:
    """Whether ``value`` is a real number (NumPy scalars included) and not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_real(name: str, value: Any, *, positive: bool = False, minimum: float | None = None,
               keep_int: bool = False, finite: bool = True) -> float:
    """A finite real number (not a bool), as a float; ``keep_int`` returns integers as ``int``.

    ``positive`` requires ``value > 0``; ``minimum`` requires ``value >= minimum``;
    ``finite=False`` lets NaN and the infinities through, for the caller to judge.
    """
    if not is_real(value):
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
    """An integer (not a bool; NumPy integers too) of at least ``minimum``, as a Python int."""
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


def check_flag(name: str, value: Any, *, allow_none: bool = False) -> bool | None:
    """``True`` or ``False`` (NumPy's booleans too), as a Python bool; ``None`` if ``allow_none``."""
    if allow_none and value is None:
        return None
    if not isinstance(value, (bool, np.bool_)):
        accepted = "True, False or None" if allow_none else "True or False"
        raise TypeError(f"{name} must be {accepted}, got {name}={value!r}")
    return bool(value)


def check_string(name: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a non-empty string, got {name}={value!r} ({type(value).__name__})")
    if not value:
        raise ValueError(f"{name} must be a non-empty string, got {name}=''")
    return value


def check_callable(name: str, value: Any) -> Callable[..., Any]:
    """Anything callable, returned as it is."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {name}={value!r} ({type(value).__name__})")
    return value


def _canonical(value: str, names: Iterable[str]) -> str | None:
    """The name in ``names`` that equals ``value`` ignoring case, or None."""
    folded = value.casefold()
    return next((n for n in names if n.casefold() == folded), None)


def _listing(names: Iterable[str], last: str = ", ") -> str:
    """``'a', 'b', 'c'`` in sorted order; ``last=" or "`` gives ``'a', 'b' or 'c'``."""
    quoted = [repr(n) for n in sorted(names)]
    return last.join([", ".join(quoted[:-1]), quoted[-1]]) if len(quoted) > 1 else ", ".join(quoted)


def check_choice(name: str, value: Any, choices: Collection[str]) -> str:
    """One of a few string options (``on="loss"``, ``anneal="cos"``), in its canonical spelling."""
    found = _canonical(value, choices) if isinstance(value, str) else None
    if found is None:
        error = ValueError if isinstance(value, str) else TypeError
        raise error(f"{name} must be {_listing(choices, ' or ')}, got {name}={value!r}")
    return found


def lookup(registry: Collection[str], value: Any, kind: str, *, argument: str = "name") -> str:
    """The key of ``registry`` (a mapping or a collection of names) that ``value`` names.

    ``kind`` says what the registry holds ("optimizer", "dataset"); ``argument`` is the name of
    the caller's argument. The message of an unknown name lists the valid ones:
    ``unknown optimizer name='adamm'; valid names: 'adadelta', 'adagrad', ...`` (``unknown
    activation='gelu'; ...`` when the argument is named after the kind).
    """
    if not isinstance(value, str):
        raise TypeError(
            f"{argument} must be a string naming a{'n' if kind[0] in 'aeiou' else ''} {kind}, "
            f"got {argument}={value!r} ({type(value).__name__})"
        )
    found = _canonical(value, registry)
    if found is None:
        what = argument if argument == kind else f"{kind} {argument}"
        raise ValueError(f"unknown {what}={value!r}; valid names: {_listing(registry)}")
    return found


def check_seeds(name: str, seeds: Any, *, distinct: bool = False) -> list[int]:
    """A non-empty iterable of non-negative integers, as a list of Python ints."""
    accepted = f"{name} must be a non-empty list of non-negative integers"
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"{accepted}, got {name}={seeds!r} ({type(seeds).__name__})")
    seeds = list(seeds)
    if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) for s in seeds):
        raise TypeError(f"{accepted}, got {name}={seeds!r}")
    if not seeds or any(s < 0 for s in seeds):
        raise ValueError(f"{accepted}, got {name}={seeds!r}")
    seeds = [int(s) for s in seeds]
    if distinct and len(set(seeds)) != len(seeds):
        raise ValueError(f"{name} must be distinct, got {name}={seeds!r}")
    return seeds


def check_dataset(name: str, data: Any) -> tuple[Any, Any, Any, Any]:
    """``(x_train, y_train, x_val, y_val)`` from an :class:`lrutils.Dataset` or a 4-sequence."""
    accepted = f"{name} must be an lrutils Dataset (from load_data) or a tuple (x_train, y_train, x_val, y_val)"
    if hasattr(data, "x_train"):
        return data.x_train, data.y_train, data.x_val, data.y_val
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise TypeError(f"{accepted}, got {name} of type {type(data).__name__}")
    if len(data) != 4:
        raise ValueError(f"{accepted}, got a {type(data).__name__} of length {len(data)}")
    return tuple(data)  # type: ignore[return-value]


def check_learning_rate(name: str, value: Any) -> float | Callable[[int], Any]:
    """A rate ``>= 0`` (as a float) or a schedule ``step -> rate`` (returned as it is)."""
    if callable(value):
        return value
    if not is_real(value):
        raise TypeError(
            f"{name} must be a number >= 0 or a callable step -> rate, "
            f"got {name}={value!r} ({type(value).__name__})"
        )
    return check_real(name, value, minimum=0)


def check_rate_at(name: str, schedule: Callable[[int], Any], step: int) -> float:
    """``schedule(step)`` as a float, checked to be a finite number ``>= 0``.

    A NumPy, Keras or other scalar tensor is accepted (anything NumPy sees as a 0-d real
    array); a string, a bool or an array of several rates is a ``TypeError``.
    """
    value = schedule(step)
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name}({step}) must return a number, got {name}({step})={value!r} ({type(value).__name__})"
        )
    rate = float(arr)
    if not (math.isfinite(rate) and rate >= 0):
        raise ValueError(f"{name}({step}) must return a finite number >= 0, got {name}({step})={rate!r}")
    return rate


# The learning-rate range test's settings (lrutils.lr_range, lrutils.callbacks.LRFinder).
def _positive_finite(name: str, value: Any) -> float:
    value = check_real(name, value, finite=False)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {name}={value!r}")
    return value


def check_sweep(start_lr: Any, end_lr: Any, num_steps: Any, mode: Any, *, min_steps: int,
                modes: Collection[str]) -> tuple[float, float, int, str]:
    """A sweep from ``start_lr`` to ``end_lr`` (positive, finite, increasing) in ``num_steps``
    steps (at least ``min_steps``), ``mode`` one of ``modes``."""
    start_lr, end_lr = _positive_finite("start_lr", start_lr), _positive_finite("end_lr", end_lr)
    if start_lr >= end_lr:
        raise ValueError(
            f"start_lr must be smaller than end_lr, got start_lr={start_lr!r} and end_lr={end_lr!r}"
        )
    num_steps = check_int("num_steps", num_steps, minimum=0)
    if num_steps < min_steps:
        raise ValueError(
            f"num_steps must be at least {min_steps} (the suggestions skip the first tenth and "
            f"the last five points of the curve), got num_steps={num_steps!r}"
        )
    return start_lr, end_lr, num_steps, check_choice("mode", mode, modes)


def check_smoothing(smoothing: Any) -> float:
    """The :math:`\\beta` of a moving average, in ``[0, 1)``."""
    return check_interval("smoothing", smoothing, 0.0, 1.0, high_open=True)


def check_stop_factor(stop_factor: Any) -> float:
    """A factor above 1 (``math.inf`` allowed: never stop on a rising loss)."""
    stop_factor = check_real("stop_factor", stop_factor, finite=False)
    if math.isnan(stop_factor) or stop_factor <= 1.0:
        raise ValueError(
            "stop_factor must be greater than 1 (math.inf never stops on a rising loss), "
            f"got stop_factor={stop_factor!r}"
        )
    return stop_factor
