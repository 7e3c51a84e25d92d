r"""The controls of an explorer: sliders and drop-down menus, described, not yet drawn.

A control says which values a parameter of a figure can take; :func:`lrutils.explorer.explore`
turns a mapping ``{name: control}`` into live ipywidgets or into a precomputed static figure:

* :class:`LogSlider`: a logarithmic range, such as a learning rate;
* :class:`Slider`: a linear range, such as a momentum coefficient;
* :class:`IntSlider`: whole numbers in steps, such as a number of layers;
* :class:`Choice`: a drop-down menu of options, each of which may carry controls of its own
  (``Choice(["sgd", "adam"], controls={"sgd": {...}, "adam": {...}})``).

In static mode a slider takes a fixed number of positions (its :meth:`~LogSlider.grid`);
live, it is continuous over the same range (an :class:`IntSlider` keeps its grid). The
controls are frozen dataclasses, checked when they are made: a value of the wrong type
raises ``TypeError``, a value out of range ``ValueError``, and the message names the control
and the argument.

:class:`Control` is their common base class, for type hints and ``isinstance``.
``check_controls``, which checks a whole mapping ``{name: control}``, is shared with
:mod:`lrutils.explorer` and :mod:`lrutils.widgets` (not part of the documented interface).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_int, check_real

__all__ = ["Control", "LogSlider", "Slider", "IntSlider", "Choice"]

_ANY_INT = -(2**62)  # the smallest integer an IntSlider accepts (no bound in practice)


def _nice(value: float) -> float:
    """Round away the last bits of float noise (0.30000000000000004 -> 0.3)."""
    return float(f"{value:.12g}")


def _checked(what: str, check: Callable[..., Any], name: str, value: Any, **kwargs: Any) -> Any:
    """``check(name, value, **kwargs)`` from :mod:`lrutils._checks`, the control named in
    front of its message: ``LogSlider 'learning rate': num must be an integer >= 2, got num=1``."""
    try:
        return check(name, value, **kwargs)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{what}: {exc}") from None


class Control:
    """The base class of :class:`LogSlider`, :class:`Slider`, :class:`IntSlider` and
    :class:`Choice`.

    A control has a ``label`` (text shown next to it; default: its name in the mapping), a
    ``kind`` (``"log"``, ``"linear"``, ``"int"`` or ``"choice"``: how the static page shows
    it), and these methods, which the explorers call.
    """

    kind = ""
    label: str | None = None

    def grid(self) -> tuple:
        """The values the control takes in static mode, in order."""
        raise NotImplementedError

    def labels(self) -> tuple[str, ...]:
        """The text shown next to the control for each grid value."""
        raise NotImplementedError

    def initial_index(self) -> int:
        """The grid position shown first in static mode."""
        raise NotImplementedError

    def from_widget(self, value: Any) -> Any:
        """The value ``draw`` receives for the live widget's ``value``."""
        raise NotImplementedError

    def make_widget(self, widgets: Any, description: str) -> Any:
        """The live control: an ipywidgets control (``widgets`` is the ipywidgets module)."""
        raise NotImplementedError


# --------------------------------------------------------------------------------------
# Sliders
# --------------------------------------------------------------------------------------
class _Numeric(Control):
    """Shared behaviour of the sliders (subclasses are frozen dataclasses)."""

    kind = "linear"
    _format = "{:.4g}"

    def _what(self) -> str:
        name = type(self).__name__
        return f"{name} {self.label!r}" if self.label else name

    def labels(self) -> tuple[str, ...]:
        return tuple(self._format.format(v) for v in self.grid())

    def _check_range(self, lo: float, hi: float) -> None:
        """Store ``min`` and ``max`` (checked reals) and check ``value`` against them."""
        object.__setattr__(self, "min", lo)
        object.__setattr__(self, "max", hi)
        if self.value is None:
            return
        v = _checked(self._what(), check_real, "value", self.value)
        tol = 1e-12 * max(abs(lo), abs(hi))
        if not lo - tol <= v <= hi + tol:
            raise ValueError(
                f"{self._what()}: value={self.value!r} is outside the accepted range "
                f"[{lo:g}, {hi:g}] (min={self.min!r}, max={self.max!r})"
            )
        object.__setattr__(self, "value", v)

    def initial_index(self) -> int:
        """Grid position shown first in static mode: the grid value nearest ``value``."""
        grid = np.asarray(self.grid(), dtype=float)
        if self.value is None:
            return (len(grid) - 1) // 2
        return int(np.argmin(np.abs(self._axis(grid) - self._axis(np.asarray(self.value)))))

    def initial_value(self):
        """The value shown first in live mode: ``value``, or the middle of the grid."""
        return self.value if self.value is not None else self.grid()[self.initial_index()]

    @staticmethod
    def _axis(x):
        return x

    def from_widget(self, value):
        """``value`` as a float; a value within 1e-9 of a grid position (relative to the
        range) is that position, so that a live slider at the end of its range gives what
        the static page gives, not ``10 ** log10(max)``."""
        value = float(value)
        grid = np.asarray(self.grid(), dtype=float)
        axis = self._axis(grid)
        i = int(np.argmin(np.abs(axis - self._axis(value))))
        if abs(axis[i] - self._axis(value)) <= 1e-9 * (axis[-1] - axis[0]):
            return float(grid[i])
        return value


@dataclass(frozen=True)
class LogSlider(_Numeric):
    """A slider over a logarithmic range, e.g. a learning rate.

    Static mode: ``num`` positions spaced evenly in :math:`\\log_{10}` from ``min`` to
    ``max``. Live mode: an ``ipywidgets.FloatLogSlider`` over the same range, with 200
    steps. ``value`` is the initial value (default: the middle of the grid); in static
    mode the slider starts at the grid position nearest to it.

    Raises ``TypeError`` for a bound, ``num`` or ``value`` of the wrong type, and
    ``ValueError`` unless ``0 < min < max``, ``num >= 2`` and ``min <= value <= max``.
    """

    min: float
    max: float
    num: int = 13
    value: float | None = None
    label: str | None = None
    kind = "log"
    _format = "{:.3g}"

    def __post_init__(self):
        what = self._what()
        lo, hi = _checked(what, check_real, "min", self.min), _checked(what, check_real, "max", self.max)
        if not 0 < lo < hi:
            raise ValueError(f"{what}: needs 0 < min < max, got min={self.min!r}, max={self.max!r}")
        object.__setattr__(self, "num", _checked(what, check_int, "num", self.num, minimum=2))
        self._check_range(lo, hi)

    def grid(self) -> tuple[float, ...]:
        return tuple(_nice(v) for v in np.geomspace(self.min, self.max, self.num))

    @staticmethod
    def _axis(x):
        return np.log(x)

    def make_widget(self, widgets, description: str):
        lo, hi = math.log10(self.min), math.log10(self.max)
        return widgets.FloatLogSlider(
            value=self.initial_value(), base=10.0, min=lo, max=hi, step=(hi - lo) / 200,
            description=description, readout_format=".3g", continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="30em"),
        )


@dataclass(frozen=True)
class Slider(_Numeric):
    """A slider over a linear range, e.g. a momentum coefficient.

    Static mode: ``num`` evenly spaced positions from ``min`` to ``max`` (default 11), or
    positions ``step`` apart (``max - min`` must then be a whole number of steps); give one
    of ``num`` and ``step``. Live mode: an ``ipywidgets.FloatSlider`` over the same range,
    in steps of ``step`` or of ``(max - min) / 200``.

    Raises ``TypeError`` for an argument of the wrong type, and ``ValueError`` unless
    ``min < max``, ``num >= 2`` (or ``step > 0`` dividing the range) and
    ``min <= value <= max``.
    """

    min: float
    max: float
    num: int | None = None
    step: float | None = None
    value: float | None = None
    label: str | None = None

    def __post_init__(self):
        what = self._what()
        lo, hi = _checked(what, check_real, "min", self.min), _checked(what, check_real, "max", self.max)
        if not lo < hi:
            raise ValueError(f"{what}: needs min < max, got min={self.min!r}, max={self.max!r}")
        if self.num is not None and self.step is not None:
            raise ValueError(f"{what}: give num or step, not both (got num={self.num!r}, step={self.step!r})")
        if self.step is not None:
            step = _checked(what, check_real, "step", self.step, positive=True)
            count = (hi - lo) / step
            if abs(count - round(count)) > 1e-9 * max(1.0, count):
                raise ValueError(
                    f"{what}: max - min = {hi - lo:g} is not a whole number of steps of {step:g}"
                )
            object.__setattr__(self, "step", step)
            object.__setattr__(self, "num", int(round(count)) + 1)
        else:
            num = 11 if self.num is None else self.num
            object.__setattr__(self, "num", _checked(what, check_int, "num", num, minimum=2))
        self._check_range(lo, hi)

    def grid(self) -> tuple[float, ...]:
        return tuple(_nice(v) for v in np.linspace(self.min, self.max, self.num))

    def make_widget(self, widgets, description: str):
        step = self.step if self.step is not None else (self.max - self.min) / 200
        return widgets.FloatSlider(
            value=self.initial_value(), min=self.min, max=self.max, step=step,
            description=description, readout_format=".4g", continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="30em"),
        )


@dataclass(frozen=True)
class IntSlider(_Numeric):
    """A slider over the integers ``min, min + step, ..., max`` (same grid in both modes).

    Raises ``TypeError`` for an argument that is not an integer, and ``ValueError`` unless
    ``min < max``, ``step >= 1`` divides ``max - min`` and ``value`` is on the grid.
    """

    min: int
    max: int
    step: int = 1
    value: int | None = None
    label: str | None = None
    kind = "int"
    _format = "{:d}"

    def __post_init__(self):
        what = self._what()
        lo = _checked(what, check_int, "min", self.min, minimum=_ANY_INT)
        hi = _checked(what, check_int, "max", self.max, minimum=_ANY_INT)
        step = _checked(what, check_int, "step", self.step, minimum=1)
        if not lo < hi:
            raise ValueError(f"{what}: needs min < max, got min={self.min!r}, max={self.max!r}")
        if (hi - lo) % step:
            raise ValueError(f"{what}: max - min = {hi - lo} is not a multiple of step={step}")
        object.__setattr__(self, "min", lo)
        object.__setattr__(self, "max", hi)
        object.__setattr__(self, "step", step)
        if self.value is not None:
            v = _checked(what, check_int, "value", self.value, minimum=_ANY_INT)
            if not lo <= v <= hi or (v - lo) % step:
                raise ValueError(
                    f"{what}: value={self.value!r} is not one of the accepted values "
                    f"{lo}, {lo + step}, ..., {hi}"
                )
            object.__setattr__(self, "value", v)

    def grid(self) -> tuple[int, ...]:
        return tuple(range(self.min, self.max + 1, self.step))

    def from_widget(self, value):
        return int(value)

    def make_widget(self, widgets, description: str):
        return widgets.IntSlider(
            value=self.initial_value(), min=self.min, max=self.max, step=self.step,
            description=description, continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="30em"),
        )


# --------------------------------------------------------------------------------------
# Drop-down menus
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice(Control):
    """A drop-down menu (``<select>`` in static mode, ``ipywidgets.Dropdown`` live).

    Parameters
    ----------
    options : sequence
        The values ``draw`` receives (strings, numbers, booleans...); shown as ``str(option)``.
    value : optional
        The initial option (default: the first).
    label : str, optional
        Text shown before the menu (default: the control's name).
    controls : mapping, optional
        ``{option: {name: control}}``: controls that exist only while ``option`` is selected,
        e.g. the hyper-parameters of each optimizer. ``draw`` receives them as keyword
        arguments together with the others.

    Raises
    ------
    TypeError
        If ``options`` is not a list or tuple, or a control is not a :class:`Control`.
    ValueError
        For an empty or repeated option, an unknown ``value``, or a key of ``controls`` that
        is not an option.
    """

    options: Sequence[Any]
    value: Any = None
    label: str | None = None
    controls: Mapping[Any, Mapping[str, Any]] | None = None
    kind = "choice"

    def __post_init__(self):
        what = f"Choice {self.label!r}" if self.label else "Choice"
        if isinstance(self.options, (str, bytes)) or not isinstance(self.options, Sequence):
            raise TypeError(f"{what}: options must be a list or tuple, got options={self.options!r}")
        options = tuple(self.options)
        if not options:
            raise ValueError(f"{what}: options must not be empty")
        labels = [str(o) for o in options]
        if len(set(labels)) != len(labels):
            raise ValueError(f"{what}: options must be distinct, got options={list(options)!r}")
        object.__setattr__(self, "options", options)
        if self.value is None:
            object.__setattr__(self, "value", options[0])
        elif self.value not in options:
            raise ValueError(f"{what}: value={self.value!r} is not one of the options {list(options)!r}")
        sub = dict(self.controls or {})
        unknown = [k for k in sub if k not in options]
        if unknown:
            raise ValueError(
                f"{what}: controls has key(s) {unknown!r} that are not options; options are {list(options)!r}"
            )
        for option, group in sub.items():
            check_controls(group, where=f"{what}: controls[{option!r}]")
        object.__setattr__(self, "controls", sub)

    def grid(self) -> tuple:
        return self.options

    def labels(self) -> tuple[str, ...]:
        return tuple(str(o) for o in self.options)

    def initial_index(self) -> int:
        return self.options.index(self.value)

    def from_widget(self, value):
        return self.options[value]

    def make_widget(self, widgets, description: str):
        return widgets.Dropdown(
            options=[(label, i) for i, label in enumerate(self.labels())],
            value=self.initial_index(), description=description,
            style={"description_width": "initial"},
        )


def check_controls(controls: Any, *, where: str = "controls", taken: frozenset = frozenset()) -> None:
    """Check a mapping ``{name: control}``, and that no two controls reach ``draw`` with one name.

    ``where`` starts the messages; ``taken`` holds the names of the controls shown together
    with these (a :class:`Choice`'s controls are shown with the controls around it).
    Raises ``TypeError`` for a mapping or a control of the wrong type, ``ValueError`` for a
    name that is not a Python identifier or is used twice.
    """
    if not isinstance(controls, Mapping):
        raise TypeError(f"{where} must be a mapping name -> control, got {controls!r}")
    for name, spec in controls.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{where}: control names must be Python identifiers, got {name!r}")
        if name in taken:
            raise ValueError(f"{where}: the name {name!r} is used twice for controls shown together")
        if not isinstance(spec, Control):
            raise TypeError(
                f"{where}[{name!r}] must be LogSlider, Slider, IntSlider or Choice, got {spec!r}"
            )
    names = taken | frozenset(controls)
    for name, spec in controls.items():
        if isinstance(spec, Choice):
            for option, group in spec.controls.items():
                check_controls(group, where=f"{where}[{name!r}].controls[{option!r}]", taken=names)
