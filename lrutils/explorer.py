r"""Interactive figures that work in JupyterLab *and* on the static website.

:func:`explore` builds an explorer: a figure redrawn from a few controls (sliders, drop-down
menus, described by :mod:`lrutils.controls`). The same call gives one of two things:

* **live** (a reader runs the cell in JupyterLab): a :class:`LiveExplorer`, real ipywidgets
  controls; every move recomputes through the kernel and redraws the figure in place;
* **static** (``make execute`` and the tests, or a page of the published book): a
  :class:`StaticExplorer`, the figure drawn in advance for every combination of control
  positions on a grid, as one self-contained HTML block: ``<input type="range">`` sliders,
  ``<select>`` menus, an ``<img>`` and a short plain inline script that swaps the image. No
  kernel, no CDN, no external script; moving a slider on the website changes the figure.

Which one a call produces is decided by ``mode``: ``"live"``, ``"static"``, or ``"auto"``
(the default), which follows :func:`lrutils.mode.static_mode` -- static when the
environment variable ``LRUTILS_STATIC=1`` is set (``make execute`` and the tests set it),
live otherwise. The committed notebooks therefore hold the static output that the website
shows, and a reader re-running the cell in JupyterLab gets live controls.

A chapter makes its own explorer in a few lines::

    from lrutils.controls import LogSlider
    from lrutils.descent import gradient_descent
    from lrutils.explorer import explore
    from lrutils.functions import get_function

    f = get_function("parabola")

    def draw(fig, learning_rate):
        path = gradient_descent(f, f.start, learning_rate, 30)
        ax = fig.subplots()
        ax.semilogy(path.losses)
        ax.set(xlabel="step", ylabel="loss", title=f"learning rate {learning_rate:.3g}")

    explore(draw, {"learning_rate": LogSlider(1e-3, 1.5, num=13, value=0.1)})

(:func:`explore` and the controls are also importable from :mod:`lrutils.widgets`, which
holds the ready-made explorers: ``from lrutils.widgets import LogSlider, explore``.) In
static mode a slider takes ``num`` positions; live, it is continuous over the same range. A
:class:`~lrutils.controls.Choice` may carry controls of its own for each option: only the
selected option's controls are shown, and in static mode the frames are counted per option
instead of over the product of every control.

Static output is byte-for-byte reproducible (element ids are derived from the content, PNG
frames are rendered by Agg without metadata), so nbval can compare it. Its text form is a
short summary such as ``<lr_explorer: 1 control, 19 frames>``.
"""

from __future__ import annotations

import hashlib
import html as _html
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _static_html
from ._checks import check_callable, check_int, check_real
from .controls import Choice, Control, check_controls
from .mode import static_mode
from .plotting import new_figure

__all__ = ["explore", "StaticExplorer", "LiveExplorer"]

#: Width x height in inches and resolution of an explorer's figure: 806 x 326 pixels, which
#: fills the text column of the website and reads well on a laptop screen.
DEFAULT_FIGSIZE = (8.4, 3.4)
DEFAULT_DPI = 96

#: The accepted values of ``explore(mode=...)``.
MODES = ("auto", "live", "static")


def _check_mode(mode: Any) -> str:
    """``"static"`` or ``"live"``: ``mode``, with ``"auto"`` resolved by ``lrutils.mode.static_mode()``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got mode={mode!r}")
    if mode == "auto":
        return "static" if static_mode() else "live"
    return mode


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
def check_figure_args(figsize: Any, dpi: Any) -> tuple[tuple[float, float], float]:
    """``figsize`` as a pair of positive floats (inches) and ``dpi`` as a positive float.

    ``TypeError`` for a ``figsize`` that is not a pair of numbers or a ``dpi`` that is not a
    number, ``ValueError`` for a pair of the wrong length or a size that is not positive.
    """
    if isinstance(figsize, (str, bytes)) or not isinstance(figsize, Sequence):
        raise TypeError(f"figsize must be (width, height) in inches, got figsize={figsize!r}")
    if len(figsize) != 2:
        raise ValueError(f"figsize must be (width, height) in inches, got figsize={figsize!r}")
    w, h = (check_real("figsize", v) for v in figsize)
    if w <= 0 or h <= 0:
        raise ValueError(f"figsize must be positive, got figsize={figsize!r}")
    return (w, h), check_real("dpi", dpi, positive=True)


class _Drawer:
    """Calls the user's draw function on a figure that persists between frames."""

    def __init__(self, draw, setup, figsize, dpi, layout):
        self.draw, self.setup = draw, setup
        self.fig = new_figure(figsize, dpi, layout)
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
        Number of controls (those of every option of a :class:`~lrutils.controls.Choice`
        included).
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
    result.check_size(max_bytes, what="explorer", pictures=f"{result.num_images} images",
                      fewer="positions")
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
    specs : dict
        Control path -> the control it was made from (a :class:`~lrutils.controls.LogSlider`,
        :class:`~lrutils.controls.Choice`...), in the same order.
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
        self.specs = {node.path: node.spec for node in self._nodes}
        self.controls = {}
        for node in self._nodes:
            label = node.spec.label or node.name.replace("_", " ")
            self.controls[node.path] = node.spec.make_widget(widgets, label)
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
        ``{name: control}`` with :class:`~lrutils.controls.LogSlider`,
        :class:`~lrutils.controls.Slider`, :class:`~lrutils.controls.IntSlider` or
        :class:`~lrutils.controls.Choice` values; ``name`` is the keyword ``draw`` receives.
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
        (``fig.subplots_adjust``, or :func:`lrutils.plotting.fixed_layout`).
    max_frames : int
        Static mode: the most control combinations to precompute (the product of the grid
        sizes, counted per option for a :class:`~lrutils.controls.Choice` with its own
        controls).
    max_bytes : int
        Static mode: the largest HTML accepted, in bytes.

    Returns
    -------
    StaticExplorer or LiveExplorer

    Raises
    ------
    TypeError
        For a ``draw`` or ``setup`` that is not callable, or an argument or control of the
        wrong type.
    ValueError
        For an unknown ``mode``, too many combinations or too large a page (the message
        says how many and which controls), or invalid controls.
    """
    check_callable("draw", draw)
    if setup is not None:
        check_callable("setup", setup)
    check_controls(controls)
    figsize, dpi = check_figure_args(figsize, dpi)
    max_frames = check_int("max_frames", max_frames, minimum=1)
    max_bytes = check_int("max_bytes", max_bytes, minimum=1)
    if _check_mode(mode) == "static":
        return _build_static(draw, controls, setup, title, name, figsize, dpi, layout, max_frames,
                             max_bytes)
    return LiveExplorer(draw, controls, setup, title, name, figsize, dpi, layout)


