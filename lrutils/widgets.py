r"""Interactive figures that work in JupyterLab *and* on the static website.

One call builds an explorer: a figure redrawn from a few controls (sliders, drop-down
menus). The same call gives one of two things:

* **live** (a reader runs the cell in JupyterLab): real ipywidgets controls; every move
  recomputes through the kernel and redraws the figure in place;
* **static** (``make execute`` and the tests, or a page of the published book): the figure
  is drawn in advance for every combination of control positions on a grid, and the output
  is one self-contained HTML block: ``<input type="range">`` sliders, ``<select>`` menus,
  an ``<img>`` and twenty lines of plain JavaScript that swap the image. No kernel, no CDN,
  no external script; moving a slider on the website changes the figure.

Which one a call produces is decided by ``mode``: ``"live"``, ``"static"``, or ``"auto"``
(the default), which follows :func:`lrutils.mode.static_mode` -- static when the
environment variable ``LRUTILS_STATIC=1`` is set (``make execute`` and the tests set it),
live otherwise. The committed notebooks therefore hold the static output that the website
shows, and a reader re-running the cell in JupyterLab gets live controls.

The building block is :func:`explore`; a chapter makes its own explorer in a few lines::

    from lrutils.widgets import LogSlider, explore
    from lrutils.functions import get_function
    from lrutils.descent import gradient_descent

    f = get_function("parabola")

    def draw(fig, learning_rate):
        path = gradient_descent(f, f.start, learning_rate, 30)
        ax = fig.subplots()
        ax.semilogy(path.losses)
        ax.set(xlabel="step", ylabel="loss", title=f"learning rate {learning_rate:.3g}")

    explore(draw, {"learning_rate": LogSlider(1e-3, 1.5, num=13, value=0.1)})

Controls are described by :class:`LogSlider`, :class:`Slider`, :class:`IntSlider` and
:class:`Choice`. In static mode a slider takes ``num`` positions; live, it is continuous
over the same range. A :class:`Choice` may carry controls of its own for each option
(``Choice(["sgd", "adam"], controls={"sgd": {...}, "adam": {...}})``): only the selected
option's controls are shown, and in static mode the frames are counted per option instead
of over the product of every control.

Ready-made explorers: :func:`lr_explorer` (gradient descent and its learning rate),
:func:`optimizer_explorer` (an optimizer and its hyper-parameters on a 2-D function) and
:func:`schedule_explorer` (a learning-rate schedule per step and per epoch).

Static output is byte-for-byte reproducible (element ids are derived from the content, PNG
frames are rendered by Agg without metadata), so nbval can compare it. Its text form is a
short summary such as ``<lr_explorer: 1 control, 19 frames>``.
"""

from __future__ import annotations

import functools
import hashlib
import html as _html
import inspect
import math
import numbers
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence, Union

import numpy as np

from lrutils import _static_html
from lrutils.mode import static_mode

__all__ = [
    "LogSlider",
    "Slider",
    "IntSlider",
    "Choice",
    "Control",
    "explore",
    "StaticExplorer",
    "LiveExplorer",
    "lr_explorer",
    "optimizer_explorer",
    "schedule_explorer",
]

#: Width x height in inches and resolution of an explorer's figure: 806 x 326 pixels, which
#: fills the text column of the website and reads well on a laptop screen.
DEFAULT_FIGSIZE = (8.4, 3.4)
DEFAULT_DPI = 96

MODES = ("auto", "live", "static")


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------
def _real(what: str, name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: {name} must be a real number, got {name}={value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what}: {name} must be finite, got {name}={value!r}")
    return value


def _integer(what: str, name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what}: {name} must be an integer, got {name}={value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{what}: {name} must be an integer >= {minimum}, got {name}={value!r}")
    return value


def _nice(value: float) -> float:
    """Round away the last bits of float noise (0.30000000000000004 -> 0.3)."""
    return float(f"{value:.12g}")


def _check_mode(mode: Any) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got mode={mode!r}")
    if mode == "auto":
        return "static" if static_mode() else "live"
    return mode


# --------------------------------------------------------------------------------------
# Control specifications
# --------------------------------------------------------------------------------------
class _Numeric:
    """Shared behaviour of the sliders (subclasses are frozen dataclasses)."""

    kind = "linear"
    _format = "{:.4g}"

    def _what(self) -> str:
        name = type(self).__name__
        return f"{name} {self.label!r}" if self.label else name

    def grid(self) -> tuple:
        """The values the slider takes in static mode, in order."""
        raise NotImplementedError

    def labels(self) -> tuple[str, ...]:
        """The text shown next to the slider for each grid value."""
        return tuple(self._format.format(v) for v in self.grid())

    def _check_value(self, lo: float, hi: float) -> None:
        if self.value is None:
            return
        v = self._coerce("value", self.value)
        tol = 1e-12 * max(abs(lo), abs(hi))
        if not lo - tol <= v <= hi + tol:
            raise ValueError(
                f"{self._what()}: value={self.value!r} is outside the accepted range "
                f"[{lo:g}, {hi:g}] (min={self.min!r}, max={self.max!r})"
            )
        object.__setattr__(self, "value", v)

    def _coerce(self, name: str, value: Any):
        return _real(self._what(), name, value)

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
        return float(value)


@dataclass(frozen=True)
class LogSlider(_Numeric):
    """A slider over a logarithmic range, e.g. a learning rate.

    Static mode: ``num`` positions spaced evenly in :math:`\\log_{10}` from ``min`` to
    ``max``. Live mode: an ``ipywidgets.FloatLogSlider`` over the same range, with 200
    steps. ``value`` is the initial value (default: the middle of the grid); in static
    mode the slider starts at the grid position nearest to it.

    Raises ``ValueError`` unless ``0 < min < max``, ``num >= 2`` and
    ``min <= value <= max``.
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
        lo, hi = _real(what, "min", self.min), _real(what, "max", self.max)
        if not 0 < lo < hi:
            raise ValueError(f"{what}: needs 0 < min < max, got min={self.min!r}, max={self.max!r}")
        object.__setattr__(self, "min", lo)
        object.__setattr__(self, "max", hi)
        object.__setattr__(self, "num", _integer(what, "num", self.num, minimum=2))
        self._check_value(lo, hi)

    def grid(self) -> tuple[float, ...]:
        return tuple(_nice(v) for v in np.geomspace(self.min, self.max, self.num))

    @staticmethod
    def _axis(x):
        return np.log(x)

    def _widget(self, widgets, description: str):
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

    Raises ``ValueError`` unless ``min < max``, ``num >= 2`` (or ``step > 0`` dividing the
    range) and ``min <= value <= max``.
    """

    min: float
    max: float
    num: int | None = None
    step: float | None = None
    value: float | None = None
    label: str | None = None

    def __post_init__(self):
        what = self._what()
        lo, hi = _real(what, "min", self.min), _real(what, "max", self.max)
        if not lo < hi:
            raise ValueError(f"{what}: needs min < max, got min={self.min!r}, max={self.max!r}")
        object.__setattr__(self, "min", lo)
        object.__setattr__(self, "max", hi)
        if self.num is not None and self.step is not None:
            raise ValueError(f"{what}: give num or step, not both (got num={self.num!r}, step={self.step!r})")
        if self.step is not None:
            step = _real(what, "step", self.step)
            if step <= 0:
                raise ValueError(f"{what}: step must be > 0, got step={self.step!r}")
            count = (hi - lo) / step
            if abs(count - round(count)) > 1e-9 * max(1.0, count):
                raise ValueError(
                    f"{what}: max - min = {hi - lo:g} is not a whole number of steps of {step:g}"
                )
            object.__setattr__(self, "step", step)
            object.__setattr__(self, "num", int(round(count)) + 1)
        else:
            num = 11 if self.num is None else self.num
            object.__setattr__(self, "num", _integer(what, "num", num, minimum=2))
        self._check_value(lo, hi)

    def grid(self) -> tuple[float, ...]:
        return tuple(_nice(v) for v in np.linspace(self.min, self.max, self.num))

    def _widget(self, widgets, description: str):
        step = self.step if self.step is not None else (self.max - self.min) / 200
        return widgets.FloatSlider(
            value=self.initial_value(), min=self.min, max=self.max, step=step,
            description=description, readout_format=".4g", continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="30em"),
        )


@dataclass(frozen=True)
class IntSlider(_Numeric):
    """A slider over the integers ``min, min + step, ..., max`` (same grid in both modes).

    Raises ``ValueError`` unless ``min < max``, ``step >= 1`` divides ``max - min`` and
    ``value`` is on the grid.
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
        lo = _integer(what, "min", self.min, minimum=-(2**62))
        hi = _integer(what, "max", self.max, minimum=-(2**62))
        step = _integer(what, "step", self.step, minimum=1)
        if not lo < hi:
            raise ValueError(f"{what}: needs min < max, got min={self.min!r}, max={self.max!r}")
        if (hi - lo) % step:
            raise ValueError(f"{what}: max - min = {hi - lo} is not a multiple of step={step}")
        object.__setattr__(self, "min", lo)
        object.__setattr__(self, "max", hi)
        object.__setattr__(self, "step", step)
        if self.value is not None:
            v = _integer(what, "value", self.value, minimum=-(2**62))
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

    def _widget(self, widgets, description: str):
        return widgets.IntSlider(
            value=self.initial_value(), min=self.min, max=self.max, step=self.step,
            description=description, continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="30em"),
        )


@dataclass(frozen=True)
class Choice:
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

    Raises ``ValueError`` for an empty or repeated option, an unknown ``value``, or a key of
    ``controls`` that is not an option.
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
            _check_controls(group, where=f"{what}: controls[{option!r}]")
        object.__setattr__(self, "controls", sub)

    def grid(self) -> tuple:
        return self.options

    def labels(self) -> tuple[str, ...]:
        return tuple(str(o) for o in self.options)

    def initial_index(self) -> int:
        return self.options.index(self.value)

    def from_widget(self, value):
        return self.options[value]

    def _widget(self, widgets, description: str):
        return widgets.Dropdown(
            options=[(label, i) for i, label in enumerate(self.labels())],
            value=self.initial_index(), description=description,
            style={"description_width": "initial"},
        )


Control = Union[LogSlider, Slider, IntSlider, Choice]
_CONTROL_TYPES = (LogSlider, Slider, IntSlider, Choice)


def _check_controls(controls: Any, *, where: str = "controls", taken: frozenset = frozenset()) -> None:
    """Check a {name: control} mapping, and that no two controls can reach draw with one name."""
    if not isinstance(controls, Mapping):
        raise TypeError(f"{where} must be a mapping name -> control, got {controls!r}")
    for name, spec in controls.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{where}: control names must be Python identifiers, got {name!r}")
        if name in taken:
            raise ValueError(f"{where}: the name {name!r} is used twice for controls shown together")
        if not isinstance(spec, _CONTROL_TYPES):
            raise TypeError(
                f"{where}[{name!r}] must be LogSlider, Slider, IntSlider or Choice, got {spec!r}"
            )
    names = taken | frozenset(controls)
    for name, spec in controls.items():
        if isinstance(spec, Choice):
            for option, group in spec.controls.items():
                _check_controls(group, where=f"{where}[{name!r}].controls[{option!r}]", taken=names)


# --------------------------------------------------------------------------------------
# The control tree: display order, states, keys
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Node:
    path: str  # unique: "name", or "parent/option_index/name"
    name: str  # the keyword draw receives
    spec: Any
    parent: str | None
    option: int | None


def _flatten(controls: Mapping[str, Any], prefix: str = "", parent: str | None = None,
             option: int | None = None) -> list[_Node]:
    """Every control in display order: a choice, then its options' controls, then the next."""
    nodes = []
    for name, spec in controls.items():
        path = prefix + name
        nodes.append(_Node(path, name, spec, parent, option))
        if isinstance(spec, Choice):
            for i, opt in enumerate(spec.options):
                if opt in spec.controls:
                    nodes += _flatten(spec.controls[opt], f"{path}/{i}/", path, i)
    return nodes


def _count(controls: Mapping[str, Any]) -> int:
    """Number of distinct states (frames before de-duplication)."""
    total = 1
    for spec in controls.values():
        if isinstance(spec, Choice):
            total *= sum(_count(spec.controls.get(o, {})) for o in spec.options)
        else:
            total *= len(spec.grid())
    return total


def _states(controls: Mapping[str, Any], prefix: str = "") -> list[list[tuple[str, str, int, Any]]]:
    """Every state as a list of (path, name, position, value) over the active controls."""
    states: list[list] = [[]]
    for name, spec in controls.items():
        path = prefix + name
        alternatives = []
        if isinstance(spec, Choice):
            for i, opt in enumerate(spec.options):
                for sub in _states(spec.controls.get(opt, {}), f"{path}/{i}/"):
                    alternatives.append([(path, name, i, opt)] + sub)
        else:
            alternatives = [[(path, name, i, v)] for i, v in enumerate(spec.grid())]
        states = [s + a for s in states for a in alternatives]
    return states


def _key(state) -> str:
    return "&".join(f"{path}={pos}" for path, _, pos, _ in state)


def _count_summary(controls: Mapping[str, Any], prefix: str = "") -> str:
    parts = []
    for name, spec in controls.items():
        if isinstance(spec, Choice):
            inner = ", ".join(
                f"{o!s}: {_count(spec.controls.get(o, {}))}" for o in spec.options
            )
            parts.append(f"{prefix}{name} ({inner})")
        else:
            parts.append(f"{prefix}{name}: {len(spec.grid())}")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------
def _new_figure(figsize, dpi, layout="constrained"):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi, layout=layout)
    FigureCanvasAgg(fig)  # a figure outside pyplot: never shown twice by the inline backend
    return fig


def _check_figure_args(figsize, dpi) -> tuple[tuple[float, float], float]:
    if (isinstance(figsize, (str, bytes)) or not isinstance(figsize, Sequence) or len(figsize) != 2):
        raise ValueError(f"figsize must be (width, height) in inches, got figsize={figsize!r}")
    w, h = (_real("explore", "figsize", v) for v in figsize)
    if w <= 0 or h <= 0:
        raise ValueError(f"figsize must be positive, got figsize={figsize!r}")
    dpi = _real("explore", "dpi", dpi)
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got dpi={dpi!r}")
    return (w, h), dpi


class _Drawer:
    """Calls the user's draw function on a figure that persists between frames."""

    def __init__(self, draw, setup, figsize, dpi, layout):
        self.draw, self.setup = draw, setup
        self.fig = _new_figure(figsize, dpi, layout)
        self.context = setup(self.fig) if setup is not None else None

    def __call__(self, values: dict) -> None:
        if self.setup is None:
            self.fig.clear()
            self.draw(self.fig, **values)
        else:
            self.draw(self.context, **values)


# --------------------------------------------------------------------------------------
# Static output
# --------------------------------------------------------------------------------------
class StaticExplorer(_static_html.StaticHTML):
    """A precomputed explorer: self-contained HTML with one frame per control state.

    Displays as HTML in Jupyter (``_repr_html_``) and as a one-line summary in text. The
    result type it shares with the animations lives in ``lrutils._static_html``.

    Attributes
    ----------
    html : str
        The HTML block (``div.lru-explorer``; see the module ``lrutils._static_html``).
    uid : str
        The id of the block, derived from its content.
    num_controls : int
        Number of controls (those of every option of a :class:`Choice` included).
    num_frames : int
        Number of control states, each with its frame.
    num_images : int
        Distinct pictures stored (states that draw the same picture share one). Each is a
        transparent PNG overlay holding only the pixels where the picture differs from a
        background shared by all states.
    image_bytes : list of int
        Size of each stored overlay PNG.
    frame_size : (int, int)
        Width and height of the frames in pixels.
    nbytes : int
        Size of :attr:`html` in bytes (UTF-8).
    """

    def __init__(self, *, html: str, uid: str, name: str, num_controls: int, num_frames: int,
                 image_bytes: list[int], frame_size: tuple[int, int]):
        what = f"{num_controls} control{'s' if num_controls != 1 else ''}"
        super().__init__(html=html, uid=uid, name=name, what=what, num_frames=num_frames,
                         image_bytes=image_bytes, frame_size=frame_size)
        self.num_controls = num_controls


def _build_static(draw, controls, setup, title, name, figsize, dpi, layout, max_frames,
                  max_bytes) -> StaticExplorer:
    total = _count(controls)
    if total > max_frames:
        raise ValueError(
            f"the controls give {total} combinations to precompute, above max_frames={max_frames} "
            f"(positions per control: {_count_summary(controls)}); use fewer positions (num=...), "
            "give each option of a Choice only its own controls, or raise max_frames"
        )
    nodes = _flatten(controls)
    drawer = _Drawer(draw, setup, figsize, dpi, layout)
    pictures: list[np.ndarray] = []
    index_of: dict[bytes, int] = {}
    keys: dict[str, int] = {}
    for state in _states(controls):
        drawer({name_: value for _, name_, _, value in state})
        rgb = _static_html.render_rgb(drawer.fig)
        if pictures and rgb.shape != pictures[0].shape:
            raise ValueError(
                f"the figure changed size from {pictures[0].shape[1]}x{pictures[0].shape[0]} to "
                f"{rgb.shape[1]}x{rgb.shape[0]} px between two states; draw must keep the figure's size"
            )
        digest = hashlib.sha256(rgb.tobytes()).digest()
        index = index_of.setdefault(digest, len(pictures))
        if index == len(pictures):
            pictures.append(rgb)
        keys[_key(state)] = index
    # one background shared by every state, and per state only the pixels that differ from it
    background, frames = _static_html.layered_frames(pictures)

    # The initial state: each control at its initial position, among the active ones.
    position = {n.path: n.spec.initial_index() for n in nodes}
    active = {}
    for n in nodes:  # parents come before their children in display order
        active[n.path] = n.parent is None or (active[n.parent] and position[n.parent] == n.option)
    initial_key = "&".join(f"{n.path}={position[n.path]}" for n in nodes if active[n.path])
    table = [
        dict(path=n.path, name=n.name, label=n.spec.label or n.name.replace("_", " "),
             kind=n.spec.kind, labels=n.spec.labels(), index=position[n.path],
             parent=n.parent, option=n.option, active=active[n.path])
        for n in nodes
    ]
    uid = _static_html.stable_id(name, title or "", initial_key, *sorted(keys), background, *frames)
    page = _static_html.explorer_html(
        uid=uid, title=title, controls=table, keys=keys, frames=frames, background=background,
        initial_key=initial_key, alt=title or name,
    )
    result = StaticExplorer(
        html=page, uid=uid, name=name, num_controls=len(nodes), num_frames=len(keys),
        image_bytes=[len(f) for f in frames], frame_size=_static_html.png_size(background),
    )
    if result.nbytes > max_bytes:
        raise ValueError(
            f"the explorer's HTML is {result.nbytes / 1e6:.2f} MB ({result.num_images} images of "
            f"{result.frame_size[0]}x{result.frame_size[1]} px), above max_bytes={max_bytes}; "
            "use fewer positions, a smaller figsize or dpi, or raise max_bytes"
        )
    return result


# --------------------------------------------------------------------------------------
# Live output
# --------------------------------------------------------------------------------------
def _import_ipywidgets():
    try:
        import ipywidgets
    except ImportError as exc:  # pragma: no cover - ipywidgets is part of lrutils[book]
        raise ImportError(
            "live explorers need ipywidgets (pip install 'lrutils[book]'); "
            "or pass mode='static' for a precomputed figure"
        ) from exc
    return ipywidgets


class LiveExplorer:
    """ipywidgets controls and an image of the figure, redrawn through the kernel.

    Displays as its :attr:`widget` (an ``ipywidgets.VBox``) in Jupyter.

    Attributes
    ----------
    widget : ipywidgets.VBox
        Title (if any), the controls, the image and a status line.
    controls : dict
        Control path -> ipywidgets control (``"optimizer/1/learning_rate"`` for the
        controls of the second option of the choice ``optimizer``).
    image : ipywidgets.Image
        The figure as PNG.
    status : ipywidgets.HTML
        Empty, or the error raised by the last redraw.
    figure : matplotlib.figure.Figure
        The figure that ``draw`` draws on (not managed by pyplot).
    last_redraw_seconds : float
        Wall time of the last redraw: computing, drawing and encoding the PNG.
    """

    def __init__(self, draw, controls, setup, title, name, figsize, dpi, layout):
        widgets = _import_ipywidgets()
        self.name = name
        self._nodes = _flatten(controls)
        self.controls = {}
        for node in self._nodes:
            label = node.spec.label or node.name.replace("_", " ")
            self.controls[node.path] = node.spec._widget(widgets, label)
        self._drawer = _Drawer(draw, setup, figsize, dpi, layout)
        self.figure = self._drawer.fig
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto"))
        self.status = widgets.HTML(value="")
        children = [widgets.HTML(f"<b>{_html.escape(title)}</b>")] if title else []
        children += [*self.controls.values(), self.image, self.status]
        self.widget = widgets.VBox(children)
        self.widget.add_class("lru-live-explorer")
        self.last_redraw_seconds = math.nan
        self._update_visibility()
        self.redraw()  # the first draw raises: a broken draw function fails the cell
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def _active(self) -> dict[str, bool]:
        active = {}
        for n in self._nodes:
            active[n.path] = n.parent is None or (
                active[n.parent] and self.controls[n.parent].value == n.option
            )
        return active

    def _update_visibility(self) -> None:
        for path, on in self._active().items():
            self.controls[path].layout.display = None if on else "none"

    @property
    def values(self) -> dict[str, Any]:
        """The keyword arguments ``draw`` receives now (the visible controls only)."""
        active = self._active()
        return {
            n.name: n.spec.from_widget(self.controls[n.path].value)
            for n in self._nodes if active[n.path]
        }

    def redraw(self) -> float:
        """Recompute and redraw with the current values; return the time it took in seconds."""
        start = time.perf_counter()
        self._drawer(self.values)
        self.image.value = _static_html.render_png(self.figure, small=False)
        self.last_redraw_seconds = time.perf_counter() - start
        return self.last_redraw_seconds

    def _on_change(self, change) -> None:
        self._update_visibility()
        try:
            self.redraw()
        except Exception as exc:  # show it under the figure instead of losing it in a log
            self.status.value = (
                '<span class="lru-error" style="color:#b00020">'
                f"{_html.escape(type(exc).__name__)}: {_html.escape(str(exc))}</span>"
            )
        else:
            self.status.value = ""

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        n = len(self.controls)
        return f"<{self.name} (live): {n} control{'s' if n != 1 else ''}>"


# --------------------------------------------------------------------------------------
# The building block
# --------------------------------------------------------------------------------------
def explore(
    draw: Callable[..., Any],
    controls: Mapping[str, Control],
    *,
    setup: Callable[[Any], Any] | None = None,
    title: str | None = None,
    name: str = "explorer",
    mode: str = "auto",
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
    dpi: float = DEFAULT_DPI,
    layout: str | None = "constrained",
    max_frames: int = 200,
    max_bytes: int = 2_500_000,
) -> StaticExplorer | LiveExplorer:
    """A figure redrawn from controls: live ipywidgets, or precomputed frames for a static page.

    Parameters
    ----------
    draw : callable
        ``draw(fig, **values)`` draws the figure for one set of control values on ``fig``,
        a ``matplotlib.figure.Figure`` that is cleared before every call (create axes with
        ``fig.subplots()``). With ``setup``, ``draw(context, **values)`` instead.
    controls : mapping
        ``{name: control}`` with :class:`LogSlider`, :class:`Slider`, :class:`IntSlider` or
        :class:`Choice` values; ``name`` is the keyword ``draw`` receives.
    setup : callable, optional
        ``setup(fig) -> context``, called once: it creates the axes and everything that does
        not change (contours...), and ``draw`` only updates artists (``line.set_data``),
        which makes a live redraw several times faster. The figure is then not cleared.
    title : str, optional
        Shown above the controls.
    name : str
        Short name for the text representation (``<name: 2 controls, 40 frames>``).
    mode : {"auto", "live", "static"}
        ``"auto"`` is ``"static"`` when :func:`lrutils.mode.static_mode` is true
        (``LRUTILS_STATIC=1``), else ``"live"``.
    figsize, dpi :
        Figure size in inches and resolution; the default gives frames 806 pixels wide.
    layout : str or None
        The figure's layout engine (``"constrained"``, ``"tight"``...). None turns it off,
        which saves about half of the drawing time: place the axes yourself in ``setup``
        (``fig.subplots_adjust``).
    max_frames : int
        Static mode: the most control combinations to precompute (the product of the grid
        sizes, counted per option for a :class:`Choice` with its own controls).
    max_bytes : int
        Static mode: the largest HTML accepted, in bytes.

    Returns
    -------
    StaticExplorer or LiveExplorer

    Raises
    ------
    ValueError
        For an unknown ``mode``, too many combinations or too large a page (the message
        says how many and which controls), or invalid controls.
    """
    if not callable(draw):
        raise TypeError(f"draw must be callable, got draw={draw!r}")
    if setup is not None and not callable(setup):
        raise TypeError(f"setup must be callable or None, got setup={setup!r}")
    _check_controls(controls)
    figsize, dpi = _check_figure_args(figsize, dpi)
    max_frames = _integer("explore", "max_frames", max_frames, minimum=1)
    max_bytes = _integer("explore", "max_bytes", max_bytes, minimum=1)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got mode={mode!r}")
    if _check_mode(mode) == "static":
        return _build_static(draw, controls, setup, title, name, figsize, dpi, layout, max_frames,
                             max_bytes)
    return LiveExplorer(draw, controls, setup, title, name, figsize, dpi, layout)


# ======================================================================================
# Ready-made explorers
# ======================================================================================
def _objective(function):
    from lrutils.functions import get_function

    if isinstance(function, str):
        return get_function(function)  # unknown names: ValueError listing the valid ones
    if all(hasattr(function, a) for a in ("f", "grad", "dim", "bounds")):
        return function
    raise TypeError(
        f"function must be a name from lrutils.functions.FUNCTIONS or an Objective, got {function!r}"
    )


def _check_plottable(objective) -> None:
    if objective.dim not in (1, 2):
        raise ValueError(
            f"the explorers draw functions of 1 or 2 variables, got {objective.name!r} with "
            f"dim={objective.dim}; use e.g. quadratic(dim=2)"
        )


def _max_curvature(objective) -> float | None:
    """Largest curvature L at the minima (2/L is where plain gradient descent turns unstable)."""
    if getattr(objective, "lipschitz", None):
        return float(objective.lipschitz)
    hess = getattr(objective, "hess", None)
    minima = getattr(objective, "minima", ())
    if hess is None or not minima:
        return None
    L = max(float(np.linalg.eigvalsh(np.asarray(hess(np.asarray(m, dtype=float)))).max()) for m in minima)
    return L if L > 0 else None


def _extent(objective) -> float:
    """Largest side of the objective's plotting box."""
    return float(max(hi - lo for lo, hi in objective.bounds))


def _start(objective, x0) -> np.ndarray:
    x = np.array(objective.start if x0 is None else x0, dtype=float).reshape(-1)
    if x.shape != (objective.dim,) or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be {objective.dim} finite number(s) for {objective.name!r}, got x0={x0!r}")
    return x


def _contour_levels(Z: np.ndarray, f_min: float, num: int = 12) -> np.ndarray:
    """Levels spaced geometrically above the minimum: dense near it, sparse far away."""
    gap = Z[np.isfinite(Z)] - f_min
    gap = gap[gap > 0]
    hi = float(np.quantile(gap, 0.9))
    lo = max(float(np.quantile(gap, 0.002)), hi * 1e-5)
    return f_min + np.geomspace(lo, hi, num)


@functools.lru_cache(maxsize=16)
def _grid(objective, n: int):
    return objective.grid(n)


def _describe(path, objective, num_steps: int) -> str:
    """A few words on what the run did: diverges / converges / oscillates."""
    gap = path.losses - objective.f_min
    steps = np.diff(path.xs, axis=0)
    oscillating = False
    if len(steps) >= 4:
        dots = np.einsum("ij,ij->i", steps[1:], steps[:-1])
        big = np.linalg.norm(steps[1:], axis=1) > 1e-12 * (1 + np.abs(path.xs[1:-1]).max())
        if big.sum() >= 3:
            oscillating = np.mean(dots[big] < 0) > 0.5
    if path.num_steps < num_steps:
        return f"diverges (overflow after {path.num_steps} steps)"
    if gap[-1] > max(gap[0], 0) * 10 + 1e-12:
        return "diverges" + (", oscillating" if oscillating else "")
    tol = 1e-6 * max(1.0, abs(gap[0]))
    hit = np.flatnonzero(np.abs(gap) <= tol)
    if hit.size and np.all(np.abs(gap[hit[0]:]) <= tol):
        text = f"converges: f - f* < {tol:.0e} after {hit[0]} steps"
        return text + (" (oscillating)" if oscillating else "")
    if path.grad_norms[-1] < 1e-6 and gap[-1] > tol:
        return "stuck at a stationary point that is not the global minimum"
    return ("oscillates" if oscillating else "still moving") + f", f - f* = {gap[-1]:.2g} at the end"


def _fixed_layout(fig, *, left=0.75, right=0.2, bottom=0.5, top=0.4, gap=1.05) -> None:
    """Place the subplots with margins given in inches (fast: no layout engine at draw time)."""
    w, h = fig.get_size_inches()
    ncols = max(1, len(fig.axes))
    panel = (w - left - right - gap * (ncols - 1)) / ncols
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h,
                        wspace=gap / panel if panel > 0 else 0.2)


class _PathFigure:
    """Function (1-D) or contours (2-D) with the path on the left, f - f* per step on the right.

    ``setup(fig)`` draws what does not change; ``update(path, title)`` moves the path.
    """

    def __init__(self, objective, num_steps: int, *, path_label: str = "iterates"):
        self.objective = objective
        self.num_steps = num_steps
        self.f_min = objective.f_min
        self.path_label = path_label

    def setup(self, fig):
        obj = self.objective
        ax, ax_loss = fig.subplots(1, 2, width_ratios=(1.15, 1.0))
        (lo_x, hi_x) = obj.bounds[0]
        if obj.dim == 1:
            W, Z = _grid(obj, 400)
            ax.plot(W, Z, color="0.35", lw=1.5, label="f(w)")
            span = float(Z.max() - Z.min())
            ax.set_ylim(float(Z.min()) - 0.08 * span, float(Z.max()) + 0.08 * span)
            for m in obj.minima:
                ax.plot(m[0], float(obj.f(m)), "*", color="k", ms=10, zorder=4)
            ax.set_xlabel("w (parameter)")
            ax.set_ylabel("f(w) (loss)")
        else:
            X, Y, Z = _grid(obj, 160)
            ax.contour(X, Y, Z, levels=_contour_levels(Z, self.f_min), cmap="viridis", linewidths=0.8)
            for m in obj.minima:
                ax.plot(*m, "*", color="k", ms=11, mec="w", mew=0.6, zorder=4)
            for s in getattr(obj, "saddles", ()):
                ax.plot(*s, "X", color="0.3", ms=7, mec="w", mew=0.6, zorder=4)
            ax.set_ylim(*obj.bounds[1])
            ax.set_xlabel("$x_1$ (parameter)")
            ax.set_ylabel("$x_2$ (parameter)")
        ax.set_xlim(lo_x, hi_x)
        (self.line,) = ax.plot([], [], "-o", color="C3", lw=1.0, ms=2.8, alpha=0.9, zorder=5,
                               label=self.path_label)
        (self.start,) = ax.plot([], [], "o", color="k", ms=5, zorder=6, label="start")
        self.ax, self.ax_loss = ax, ax_loss
        (self.loss_line,) = ax_loss.plot([], [], color="C3", lw=1.5)
        ax_loss.set_yscale("log")
        ax_loss.set_xlim(0, self.num_steps)
        ax_loss.set_xlabel("step k (iterations)")
        ax_loss.set_ylabel("f(x_k) - f* (log scale)")
        self.note = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=8, color="C3",
                            va="bottom", ha="left")
        ax.legend(loc="upper right", fontsize=8)
        self.title = fig.suptitle("", fontsize=10)
        _fixed_layout(fig)
        return self

    def update(self, path, title: str) -> None:
        lows = np.array([lo for lo, _ in self.objective.bounds])
        highs = np.array([hi for _, hi in self.objective.bounds])
        xs, losses = path.xs, path.losses
        outside = np.flatnonzero(np.any((xs < lows) | (xs > highs), axis=1))
        self.note.set_text(f"the path leaves the plotted box at step {outside[0]}" if outside.size else "")
        # Far outside the box the points only matter as "gone": stop drawing the path there.
        far = np.flatnonzero(np.any(np.abs(xs - (lows + highs) / 2) > 100 * (highs - lows), axis=1))
        shown = slice(0, far[0] + 1) if far.size else slice(None)
        if self.objective.dim == 1:
            self.line.set_data(xs[shown, 0], losses[shown])
            self.start.set_data(xs[:1, 0], losses[:1])
        else:
            self.line.set_data(xs[shown, 0], xs[shown, 1])
            self.start.set_data(xs[:1, 0], xs[:1, 1])
        gap = losses - self.f_min
        # Exactly at the minimum there is nothing to draw on a log axis; beyond 1e100 the
        # run has diverged and the axis would only lose its readable range.
        gap = np.where((gap > 0) & (gap < 1e100), gap, np.nan)
        self.loss_line.set_data(np.arange(len(gap)), gap)
        finite = gap[np.isfinite(gap)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            if hi <= lo * 1.01:
                lo, hi = lo / 2, hi * 2
            self.ax_loss.set_ylim(lo / 1.5, hi * 1.5)
        self.title.set_text(title)


def lr_explorer(
    function: Any = "quadratic",
    *,
    learning_rates: tuple[float, float] | None = None,
    learning_rate: float | None = None,
    num_rates: int = 19,
    num_steps: int | None = None,
    x0: Any = None,
    mode: str = "auto",
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
    dpi: float = DEFAULT_DPI,
) -> StaticExplorer | LiveExplorer:
    r"""Gradient descent :math:`x_{k+1} = x_k - \eta\nabla f(x_k)` with a learning-rate slider.

    Left: the function (1-D) or its contours (2-D) and the path of the iterates; right:
    :math:`f(x_k) - f^*` per step on a log scale, where convergence at a constant rate is a
    straight line. The title says whether the run converges, oscillates or diverges.
    On a function whose largest curvature at the minimum is :math:`L`, gradient descent
    converges for :math:`\eta < 2/L` and oscillates for :math:`1/L < \eta < 2/L`
    (Goh, "Why Momentum Really Works", Distill 2017).

    Parameters
    ----------
    function : str or Objective
        A name from :data:`lrutils.functions.FUNCTIONS` (``"quadratic"``, ``"parabola"``,
        ``"double_well"``, ``"rosenbrock"``...) or an objective of 1 or 2 variables.
    learning_rates : (float, float), optional
        Range of the log-scale slider. Default: from :math:`0.01 \cdot 2/L` to
        :math:`10^{1/4} \cdot 2/L`, with :math:`L` the largest curvature at the minima, so
        that convergence, oscillation and divergence are all on the slider (with the
        default ``num_rates`` the grid has 8 points per decade and :math:`2/L` is one of them).
    learning_rate : float, optional
        Initial rate (default: the grid point nearest :math:`1/L`, or the middle of the range).
    num_rates : int
        Positions of the slider in static mode.
    num_steps : int, optional
        Gradient-descent steps (default 30 for 1-D, 100 for 2-D).
    x0 : array_like, optional
        Starting point (default: the objective's ``start``).
    mode : {"auto", "live", "static"}
        See :func:`explore`.

    Raises
    ------
    ValueError
        Unknown function name (the message lists the valid ones), a range with
        ``0 < low < high`` violated, or an initial rate outside the range.
    """
    from lrutils.descent import gradient_descent

    objective = _objective(function)
    _check_plottable(objective)
    x_start = _start(objective, x0)
    if num_steps is None:
        num_steps = 30 if objective.dim == 1 else 100
    num_steps = _integer("lr_explorer", "num_steps", num_steps, minimum=1)
    L = _max_curvature(objective)
    if learning_rates is None:
        if L is None:
            raise ValueError(
                f"cannot derive a learning-rate range for {objective.name!r} (no curvature known); "
                "pass learning_rates=(low, high)"
            )
        learning_rates = (0.02 / L, 2.0 / L * 10**0.25)
    if (isinstance(learning_rates, (str, bytes)) or not isinstance(learning_rates, Sequence)
            or len(learning_rates) != 2):
        raise ValueError(f"learning_rates must be (low, high), got learning_rates={learning_rates!r}")
    slider = LogSlider(learning_rates[0], learning_rates[1], num=num_rates, value=learning_rate,
                       label="learning rate")  # validates the range and the initial rate
    if learning_rate is None and L is not None and slider.min <= 1.0 / L <= slider.max:
        grid = np.asarray(slider.grid())
        start_rate = float(grid[np.argmin(np.abs(np.log(grid * L)))])
        slider = LogSlider(slider.min, slider.max, num=num_rates, value=start_rate, label="learning rate")
    plot = _PathFigure(objective, num_steps)

    def draw(fig_parts: _PathFigure, learning_rate: float) -> None:
        path = gradient_descent(objective, x_start, learning_rate, num_steps)
        verdict = _describe(path, objective, num_steps)
        fig_parts.update(path, f"{objective.name}, learning rate {learning_rate:.3g}: {verdict}")

    return explore(
        draw, {"learning_rate": slider}, setup=plot.setup, name="lr_explorer", layout=None,
        title=f"Gradient descent on {objective.name}: choose the learning rate",
        mode=mode, figsize=figsize, dpi=dpi,
    )


# --------------------------------------------------------------------------------------
# Optimizers
# --------------------------------------------------------------------------------------
_SGD_LIKE = ("sgd", "momentum", "nesterov")
_DEFAULT_OPTIMIZERS = ("sgd", "rmsprop", "adagrad", "adam")


def _default_optimizer_controls(name: str, objective) -> dict[str, Any]:
    r"""Sliders for an optimizer, with ranges derived from the objective.

    Plain and momentum SGD take steps proportional to the gradient: their rate is set
    against :math:`2/L`, the stability limit of gradient descent at the minimum (five
    half-decades from :math:`0.01 \cdot 2/L` to :math:`2/L`). The adaptive methods take
    steps of about the learning rate in parameter units: their rate is set against the
    size of the plotting box (from 1/1000 to 1/10 of it). Adadelta scales its own steps and
    needs rates near 1. Momentum and ``beta_1`` take the values 0, 0.45 and 0.9, so that the
    default explorer stays near 40 frames (1.6 MB) on a static page; live, every slider is
    continuous.
    """
    if name in _SGD_LIKE:
        L = _max_curvature(objective) or 1.0
        base = 2.0 / L
        lr = LogSlider(base * 1e-2, base, num=5, value=base * 0.1, label="learning rate")
    elif name == "adadelta":
        lr = LogSlider(0.1, 10.0, num=5, value=1.0, label="learning rate")
    else:
        extent = _extent(objective)
        scale = 0.3 if name == "lion" else 1.0  # Lion moves every coordinate by the full rate
        lr = LogSlider(extent * scale * 1e-3, extent * scale * 1e-1, num=5,
                       value=extent * scale * 1e-2, label="learning rate")
    controls: dict[str, Any] = {"learning_rate": lr}
    if name == "sgd":
        controls["momentum"] = Slider(0.0, 0.9, num=3, value=0.9)
    elif name in ("adam", "adamw", "nadam", "adamax"):
        controls["beta_1"] = Slider(0.0, 0.9, num=3, value=0.9, label="beta_1")
    return controls


def _factory_arguments(factory) -> set[str] | None:
    """Keyword arguments a factory accepts (None: any, it takes **kwargs)."""
    params = inspect.signature(factory).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _split_options(kind: str, choices, registry: Mapping[str, Any], defaults,
                   normalise=lambda s: s) -> dict[str, dict[str, Any]]:
    """Turn names, or {name: {arg: control or fixed value}}, into {name: {arg: ...}}."""
    if isinstance(choices, str):
        choices = (choices,)
    if isinstance(choices, Mapping):
        items = list(choices.items())
    elif isinstance(choices, Sequence):
        items = [(c, None) for c in choices]
    else:
        raise TypeError(f"{kind}s must be a name, a list of names or a mapping, got {choices!r}")
    if not items:
        raise ValueError(f"{kind}s must not be empty")
    result: dict[str, dict[str, Any]] = {}
    for name, overrides in items:
        if not isinstance(name, str) or normalise(name) not in registry:
            raise ValueError(f"unknown {kind} {name!r}; accepted names: {', '.join(sorted(registry))}")
        if overrides is not None and not isinstance(overrides, Mapping):
            raise TypeError(f"the settings of {kind} {name!r} must be a mapping argument -> control "
                            f"or value, got {overrides!r}")
        settings = dict(defaults(normalise(name)))
        settings.update(overrides or {})
        factory = registry[normalise(name)]
        accepted = _factory_arguments(factory)
        unknown = sorted(set(settings) - accepted) if accepted is not None else []
        if unknown:
            raise ValueError(
                f"{kind} {name!r} takes no argument(s) {unknown}; it accepts: {', '.join(sorted(accepted))}"
            )
        required = [p.name for p in inspect.signature(factory).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        missing = [r for r in required if r not in settings]
        if missing:
            raise ValueError(
                f"{kind} {name!r} needs argument(s) {missing} that have no default here; give them "
                f"as {{{name!r}: {{argument: value or control}}}}"
            )
        result[name] = settings
    return result


def _split_settings(settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    controls = {k: v for k, v in settings.items() if isinstance(v, _CONTROL_TYPES)}
    fixed = {k: v for k, v in settings.items() if not isinstance(v, _CONTROL_TYPES)}
    return controls, fixed


def _check_endpoints(make: Callable[[dict], Any], fixed: dict, controls: Mapping[str, Any]) -> None:
    """Build once at the initial values and at both ends of every slider, so that a value
    the factory rejects fails now, with the factory's own message."""
    initial = {k: (c.value if isinstance(c, Choice) else c.grid()[c.initial_index()])
               for k, c in controls.items()}
    make({**fixed, **initial})
    for k, c in controls.items():
        for v in (c.grid()[0], c.grid()[-1]):
            make({**fixed, **initial, k: v})


def optimizer_explorer(
    function: Any = "rosenbrock",
    optimizers: Sequence[str] | Mapping[str, Mapping[str, Any] | None] = _DEFAULT_OPTIMIZERS,
    *,
    selected: str | None = None,
    num_steps: int = 200,
    x0: Any = None,
    mode: str = "auto",
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
    dpi: float = DEFAULT_DPI,
    max_frames: int = 200,
) -> StaticExplorer | LiveExplorer:
    """Choose an optimizer and its hyper-parameters; see its path on a 2-D function.

    A drop-down menu picks the optimizer; each optimizer shows only its own sliders (the
    learning rate on a log scale, momentum for SGD, ``beta_1`` for Adam...). Left: contours
    and the path; right: :math:`f(x_k) - f^*` per step.

    Parameters
    ----------
    function : str or Objective
        A name from :data:`lrutils.functions.FUNCTIONS` or an objective of 1 or 2 variables.
    optimizers : names, or mapping name -> settings
        Names from :data:`lrutils.optimizers.OPTIMIZERS` (default sgd, rmsprop, adagrad,
        adam), each with default sliders whose ranges come from the objective (see
        ``_default_optimizer_controls``). A mapping ``{name: {argument: control or value}}``
        adds or replaces settings, with Keras argument names: for example
        ``{"sgd": {"momentum": Slider(0, 0.99, num=4), "nesterov": True}, "adam": None}``.
    selected : str, optional
        The optimizer shown first (default: the first).
    num_steps : int
        Optimizer steps per run.
    max_frames : int
        Static mode: the most frames (sum over optimizers of their slider combinations).

    Raises
    ------
    ValueError
        Unknown function or optimizer names and unknown arguments (the message lists the
        accepted ones), or a slider value the optimizer rejects.
    """
    from lrutils.descent import optimize
    from lrutils.optimizers import OPTIMIZERS, get_optimizer

    objective = _objective(function)
    _check_plottable(objective)
    x_start = _start(objective, x0)
    num_steps = _integer("optimizer_explorer", "num_steps", num_steps, minimum=1)
    table = _split_options("optimizer", optimizers, OPTIMIZERS,
                           lambda n: _default_optimizer_controls(n, objective), str.lower)
    sub_controls, fixed_args = {}, {}
    for name, settings in table.items():
        controls, fixed = _split_settings(settings)
        _check_controls(controls, where=f"optimizers[{name!r}]", taken=frozenset({"optimizer"}))
        _check_endpoints(lambda kw, n=name: get_optimizer(n, **kw), fixed, controls)
        sub_controls[name], fixed_args[name] = controls, fixed
    choice = Choice(list(table), value=selected, label="optimizer", controls=sub_controls)
    plot = _PathFigure(objective, num_steps, path_label="path")

    def draw(parts: _PathFigure, optimizer: str, **hyper) -> None:
        opt = get_optimizer(optimizer, **fixed_args[optimizer], **hyper)
        path = optimize(objective, x_start, opt, num_steps)
        args = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in hyper.items())
        verdict = _describe(path, objective, num_steps)
        parts.update(path, f"{optimizer}({args}): {verdict}")

    return explore(
        draw, {"optimizer": choice}, setup=plot.setup, name="optimizer_explorer", layout=None,
        title=f"Optimizers on {objective.name}: {num_steps} steps from "
              f"{tuple(round(float(v), 3) for v in x_start)}",
        mode=mode, figsize=figsize, dpi=dpi, max_frames=max_frames,
    )


# --------------------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------------------
_DEFAULT_SCHEDULES = ("step_decay", "exponential_decay", "cosine_decay", "cosine_decay_restarts",
                      "one_cycle", "triangular")


@dataclass(frozen=True)
class _ScheduleRecipe:
    settings: dict
    make: Callable[[dict], Any] | None = None  # kwargs -> Schedule (default: the factory)
    notes: str = field(default="")


def _default_schedule_recipe(name: str, steps_per_epoch: int, epochs: int, peak: float) -> _ScheduleRecipe:
    """Sliders for a schedule, in steps, with ranges derived from the run's length.

    Step-indexed arguments (``decay_steps``, ``steps_per_drop``, ``step_size``...) move in
    whole epochs, so the slider shows what "decay every 2 epochs" means in batches.
    """
    S, E = steps_per_epoch, epochs
    T = S * E
    half = max(1, math.ceil(E / 2))
    epochs_slider = IntSlider(S, S * half, step=S, value=S * min(2, half)) if half > 1 else None
    if name == "constant":
        return _ScheduleRecipe({"learning_rate": peak})
    if name == "step_decay":
        s = {"initial_learning_rate": peak, "drop": Slider(0.2, 0.8, num=4, value=0.6)}
        s["steps_per_drop"] = epochs_slider or S
        return _ScheduleRecipe(s)
    if name in ("exponential_decay", "inverse_time_decay"):
        rate = (Slider(0.1, 0.9, num=5, value=0.5, label="decay rate") if name == "exponential_decay"
                else LogSlider(0.1, 10.0, num=5, value=1.0, label="decay rate"))
        return _ScheduleRecipe({"initial_learning_rate": peak, "decay_rate": rate,
                                "decay_steps": epochs_slider or S})
    if name == "exponential":  # continuous: the rate falls 10x, 100x or 1000x over the run
        return _ScheduleRecipe({"initial_learning_rate": peak,
                                "k": LogSlider(math.log(10) / T, 3 * math.log(10) / T, num=3)})
    if name == "polynomial_decay":
        return _ScheduleRecipe({"initial_learning_rate": peak, "decay_steps": T,
                                "end_learning_rate": peak / 100,
                                "power": Slider(0.5, 2.5, step=0.5, value=1.0)})
    if name == "piecewise_constant":
        b1, b2 = max(1, T // 2), max(2, (3 * T) // 4)
        return _ScheduleRecipe({"boundaries": [b1, b2], "values": [peak, peak / 10, peak / 100]})
    if name == "cosine_decay":
        most = max(1, E // 5)  # warm up for at most a fifth of the run, in whole epochs
        warm = IntSlider(0, S * most, step=S, value=0, label="warmup steps") if E >= 2 else 0

        def make(kw):
            # Keras counts the warm-up outside decay_steps; here the warm-up and the decay
            # share the run, so the decay lasts decay_steps - warmup_steps and ends with it.
            from lrutils.schedules import cosine_decay

            w, peak_, total = kw["warmup_steps"], kw["initial_learning_rate"], kw["decay_steps"]
            if w == 0:
                return cosine_decay(peak_, decay_steps=total, alpha=kw["alpha"])
            return cosine_decay(0.0, decay_steps=total - w, alpha=kw["alpha"], warmup_target=peak_,
                                warmup_steps=w)

        return _ScheduleRecipe({"initial_learning_rate": peak, "decay_steps": T,
                                "alpha": Slider(0.0, 0.4, num=3, value=0.0),
                                "warmup_steps": warm}, make)
    if name == "cosine_decay_restarts":
        return _ScheduleRecipe({"initial_learning_rate": peak,
                                "first_decay_steps": IntSlider(S, S * half, step=S, value=S)
                                if half > 1 else S,
                                "t_mul": Slider(1.0, 2.0, num=3, value=2.0)})
    if name in ("triangular", "triangular2", "exp_range"):
        s = {"base_lr": peak / 10, "max_lr": peak,
             "step_size": IntSlider(S, S * half, step=S, value=S * min(2, half)) if half > 1 else S}
        if name == "exp_range":  # gamma per step: the amplitude after the run is 0.5, 0.1 or 0.01
            s["gamma"] = Choice([_nice(0.5 ** (1 / T)), _nice(0.1 ** (1 / T)), _nice(0.01 ** (1 / T))])
        return _ScheduleRecipe(s)
    if name == "one_cycle":
        return _ScheduleRecipe({"max_learning_rate": peak, "total_steps": T,
                                "pct_start": Slider(0.1, 0.5, num=5, value=0.3),
                                "anneal": Choice(["cos", "linear"])})
    return _ScheduleRecipe({})  # composite schedules (join_schedules, ...): no sliders of their own


def schedule_explorer(
    schedule: str | Sequence[str] | Mapping[str, Mapping[str, Any] | None] = _DEFAULT_SCHEDULES,
    *,
    steps_per_epoch: int = 100,
    epochs: int = 10,
    learning_rate: float = 0.1,
    selected: str | None = None,
    log_scale: bool = False,
    mode: str = "auto",
    figsize: tuple[float, float] = DEFAULT_FIGSIZE,
    dpi: float = DEFAULT_DPI,
    max_frames: int = 200,
) -> StaticExplorer | LiveExplorer:
    """Choose a learning-rate schedule and its parameters; see the rate per step and per epoch.

    Left: the rate at every step (batch) ``0 .. steps_per_epoch * epochs - 1``, which is
    what Keras feeds a ``LearningRateSchedule`` (``optimizer.iterations``), with the epoch
    boundaries marked. Right: the same against the epoch, with the value at the start of
    each epoch, what a per-epoch update (``keras.callbacks.LearningRateScheduler``) would use.
    Step arguments (``decay_steps``...) are in batches, as in Keras: decaying over 2 epochs
    means ``decay_steps = 2 * steps_per_epoch``.

    Parameters
    ----------
    schedule : name, names, or mapping name -> settings
        The schedule(s) offered in the menu: names from :data:`lrutils.schedules.SCHEDULES`
        (default: step_decay,
        exponential_decay, cosine_decay, cosine_decay_restarts, one_cycle, triangular). A
        mapping ``{name: {argument: control or value}}`` adds or replaces settings, e.g.
        ``{"exponential_decay": {"staircase": Choice([False, True])}}``.
    steps_per_epoch, epochs : int
        Length of the run; the default sliders are derived from them.
    learning_rate : float
        The peak (or initial) rate of the default settings.
    selected : str, optional
        The schedule shown first (default: the first).
    log_scale : bool
        Rate axis on a log scale (default linear: the shape of a warm-up or a cosine, and
        rates that reach 0, read better on a linear axis).

    Raises
    ------
    ValueError
        Unknown schedule names or arguments (the message lists the accepted ones), or a
        slider value the schedule rejects.
    """
    from lrutils.schedules import SCHEDULES, get_schedule

    steps_per_epoch = _integer("schedule_explorer", "steps_per_epoch", steps_per_epoch, minimum=1)
    epochs = _integer("schedule_explorer", "epochs", epochs, minimum=1)
    peak = _real("schedule_explorer", "learning_rate", learning_rate)
    if peak <= 0:
        raise ValueError(f"learning_rate must be > 0, got learning_rate={learning_rate!r}")
    recipes = {}

    def defaults(n):
        recipes[n] = _default_schedule_recipe(n, steps_per_epoch, epochs, peak)
        return recipes[n].settings

    table = _split_options("schedule", schedule, SCHEDULES, defaults)
    makers, sub_controls, fixed_args = {}, {}, {}
    for name, settings in table.items():
        controls, fixed = _split_settings(settings)
        _check_controls(controls, where=f"schedule[{name!r}]", taken=frozenset({"schedule"}))
        recipe = recipes.get(name)
        # the recipe's own builder knows only its own settings: with others, use the factory
        custom = recipe is not None and recipe.make is not None and set(settings) <= set(recipe.settings)
        make = recipe.make if custom else (lambda kw, n=name: get_schedule(n, **kw))
        _check_endpoints(make, fixed, controls)
        makers[name], sub_controls[name], fixed_args[name] = make, controls, fixed
    choice = Choice(list(table), value=selected, label="schedule", controls=sub_controls)
    total = steps_per_epoch * epochs
    steps = np.arange(total)

    def setup(fig):
        ax_step, ax_epoch = fig.subplots(1, 2, sharey=True)
        (line_step,) = ax_step.plot([], [], color="C0", lw=1.6)
        if epochs <= 40:
            for e in range(1, epochs):
                ax_step.axvline(e * steps_per_epoch, color="0.85", lw=0.8, zorder=0)
        ax_step.set_xlim(0, total)
        ax_step.set_xlabel("step (batch, optimizer.iterations)")
        ax_step.set_ylabel("learning rate" + (" (log scale)" if log_scale else ""))
        (line_epoch,) = ax_epoch.plot([], [], color="C0", lw=1.2, label="per step")
        (marks,) = ax_epoch.plot([], [], "o--", color="C1", ms=4, lw=1.0, drawstyle="steps-post",
                                 label="per epoch (value at its first step)")
        ax_epoch.set_xlim(0, epochs)
        ax_epoch.set_xlabel(f"epoch ({steps_per_epoch} steps each)")
        ax_epoch.legend(loc="best", fontsize=8)
        if log_scale:
            ax_step.set_yscale("log")
        _fixed_layout(fig, gap=0.35)
        return dict(ax=ax_step, line_step=line_step, line_epoch=line_epoch, marks=marks, fig=fig)

    def draw(ctx, schedule: str, **kw) -> None:
        sched = makers[schedule]({**fixed_args[schedule], **kw})
        rates = np.asarray(sched(steps), dtype=float)
        ctx["line_step"].set_data(steps, rates)
        ctx["line_epoch"].set_data(steps / steps_per_epoch, rates)
        starts = np.arange(epochs + 1)
        per_epoch = np.asarray(sched(np.minimum(starts * steps_per_epoch, total - 1)), dtype=float)
        per_epoch[-1] = per_epoch[-2] if epochs >= 1 else per_epoch[-1]  # hold the last epoch's value
        ctx["marks"].set_data(starts, per_epoch)
        ctx["marks"].set_markevery(slice(0, epochs))
        values = rates[np.isfinite(rates) & (rates > 0)] if log_scale else rates[np.isfinite(rates)]
        if values.size:
            lo, hi = float(values.min()), float(values.max())
            if log_scale:
                ctx["ax"].set_ylim(lo / 1.3, hi * 1.3) if hi > lo else ctx["ax"].set_ylim(lo / 2, hi * 2)
            else:  # rates are >= 0: start the axis at 0 so that ratios read correctly
                top = hi * 1.06 if hi > 0 else 1.0
                ctx["ax"].set_ylim(min(0.0, lo * 1.06), top)
        args = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in kw.items())
        ctx["fig"].suptitle(f"{schedule}({args})", fontsize=10)

    return explore(
        draw, {"schedule": choice}, setup=setup, name="schedule_explorer", layout=None,
        title=f"Learning-rate schedules over {epochs} epochs of {steps_per_epoch} steps",
        mode=mode, figsize=figsize, dpi=dpi, max_frames=max_frames,
    )
