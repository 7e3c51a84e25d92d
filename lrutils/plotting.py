"""The book's figure defaults, and the plots that several chapters and modules share.

* :data:`BOOK_STYLE`, :func:`use_book_style`: the matplotlib settings of every figure;
* :func:`plot_runs`, :func:`log_lr_axis`: training curves over seeds, a learning-rate axis;
* :func:`plot_function`, :func:`plot_contours`, :func:`contour_levels`: a test function of
  :mod:`lrutils.functions` over its plotting box, with its minima (and saddles) marked;
* :func:`loss_gap`, :func:`set_log_limits`: :math:`f(x_k) - f^*` ready for a log axis, and
  the axis limits that show it;
* :class:`PathFigure`: an optimisation path on the function (left) next to
  :math:`f(x_k) - f^*` per step (right), the figure of the explorers in
  :mod:`lrutils.widgets`;
* :func:`new_figure`, :func:`fixed_layout`: a figure outside pyplot, and fast placement of
  its subplots, for the figures that are redrawn many times (explorers, animations).

Every function that draws takes an ``ax`` (optional, except where it changes an existing
axis) and returns the axes it drew on, and none prints. The limits a function sets are those
of the thing it draws: the plotting box of a test function, or the range of the values given
to :func:`set_log_limits`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np

if TYPE_CHECKING:  # pyplot and pandas only for the type hints; pyplot loads on first use
    import matplotlib.pyplot as plt
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "BOOK_STYLE",
    "use_book_style",
    "plot_runs",
    "log_lr_axis",
    "contour_levels",
    "plot_contours",
    "plot_function",
    "loss_gap",
    "set_log_limits",
    "PathFigure",
    "new_figure",
    "fixed_layout",
]

#: The matplotlib settings of every figure in the book. Sized to read well on a laptop screen
#: and in the website's column, with a light grid and no top or right spine.
BOOK_STYLE: dict[str, Any] = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
    "svg.hashsalt": "lrutils",  # stable SVG ids between runs
}


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to matplotlib's global settings."""
    mpl.rcParams.update(BOOK_STYLE)


def _get_ax(ax: plt.Axes | None) -> plt.Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def log_lr_axis(ax: plt.Axes | None = None, axis: str = "x", label: str = "learning rate") -> plt.Axes:
    """Put a learning rate on a logarithmic axis ``axis`` ("x" or "y") and label it."""
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    ax = _get_ax(ax)
    getattr(ax, f"set_{axis}scale")("log")
    getattr(ax, f"set_{axis}label")(label)
    return ax


def plot_runs(
    table: pd.DataFrame,
    metric: str,
    *,
    by: str = "config",
    x: str = "epoch",
    ax: plt.Axes | None = None,
    band: str = "minmax",
    logy: bool = False,
) -> plt.Axes:
    """Mean of ``metric`` over seeds for each value of ``by``, with a band showing the spread.

    Parameters
    ----------
    table:
        A tidy table with columns ``by``, ``x``, ``"seed"`` and ``metric``, such as the one
        :func:`lrutils.run_experiments` returns.
    band:
        ``"minmax"`` shades between the smallest and largest seed, ``"std"`` one standard
        deviation around the mean, ``"none"`` draws only the mean.
    """
    if band not in ("minmax", "std", "none"):
        raise ValueError(f"band must be 'minmax', 'std' or 'none', got {band!r}")
    missing = {by, x, metric} - set(table.columns)
    if missing:
        raise ValueError(f"table has no column(s) {sorted(missing)}; it has {list(table.columns)}")
    ax = _get_ax(ax)
    for name, group in table.groupby(by, sort=False):
        stats = group.groupby(x)[metric].agg(["mean", "std", "min", "max"])
        (line,) = ax.plot(stats.index, stats["mean"], label=str(name))
        if band == "minmax":
            ax.fill_between(stats.index, stats["min"], stats["max"], color=line.get_color(), alpha=0.2)
        elif band == "std":
            std = np.nan_to_num(stats["std"].to_numpy())
            ax.fill_between(stats.index, stats["mean"] - std, stats["mean"] + std, color=line.get_color(), alpha=0.2)
    ax.set_xlabel(x)
    ax.set_ylabel(metric.replace("_", " "))
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax


# --------------------------------------------------------------------------------------
# Test functions: curve, contours, minima and saddles
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _grid(objective, n: int):
    """``objective.grid(n)``, kept: an explorer or an animation draws the same grid many times."""
    return objective.grid(n)


def contour_levels(Z: np.ndarray, f_min: float, num: int = 12) -> np.ndarray:
    """``num`` contour levels spaced geometrically above the minimum ``f_min``.

    The gaps :math:`f - f^*` of the levels run from a low quantile of the gaps on the grid
    ``Z`` (at least :math:`10^{-5}` of the top level) to their 90% quantile: the levels are
    dense near the minimum, where paths end, and sparse far away, where the function is
    steep and evenly spaced levels would crowd together.
    """
    gap = Z[np.isfinite(Z)] - f_min
    gap = gap[gap > 0]
    hi = float(np.quantile(gap, 0.9))
    lo = max(float(np.quantile(gap, 0.002)), hi * 1e-5)
    return f_min + np.geomspace(lo, hi, num)


def _check_dim(objective, dim: int, what: str) -> None:
    if objective.dim != dim:
        raise ValueError(f"{what} draws a function of {dim} variable{'s' if dim > 1 else ''}, "
                         f"got {objective.name!r} with dim={objective.dim}")


def plot_contours(objective, *, ax: plt.Axes | None = None, num_levels: int = 12,
                  resolution: int = 160, marker_size: float = 11, **style: Any) -> plt.Axes:
    """Contours of a function of 2 variables over its plotting box, minima and saddles marked.

    The levels come from :func:`contour_levels`; the minima are black stars and the saddles
    grey crosses, both drawn over the contours. The axes are limited to
    ``objective.bounds`` and labelled :math:`x_1`, :math:`x_2`.

    Parameters
    ----------
    objective : Objective
        A function of 2 variables from :mod:`lrutils.functions`.
    num_levels : int
        Number of contour levels.
    resolution : int
        Grid points per axis.
    marker_size : float
        Size of the minima's stars, in points (the saddles' crosses are 7).
    **style
        Passed to ``ax.contour``; default ``cmap="viridis", linewidths=0.8`` (with
        ``colors=...``, no colour map).

    Raises
    ------
    ValueError
        If the objective does not have 2 variables.
    """
    _check_dim(objective, 2, "plot_contours")
    ax = _get_ax(ax)
    if "colors" not in style:
        style.setdefault("cmap", "viridis")
    style.setdefault("linewidths", 0.8)
    X, Y, Z = _grid(objective, resolution)
    ax.contour(X, Y, Z, levels=contour_levels(Z, objective.f_min, num_levels), **style)
    for m in objective.minima:
        ax.plot(*m, "*", color="k", ms=marker_size, mec="w", mew=0.6, zorder=4)
    for s in getattr(objective, "saddles", ()):
        ax.plot(*s, "X", color="0.3", ms=7, mec="w", mew=0.6, zorder=4)
    ax.set_xlim(*objective.bounds[0])
    ax.set_ylim(*objective.bounds[1])
    ax.set_xlabel("$x_1$ (parameter)")
    ax.set_ylabel("$x_2$ (parameter)")
    return ax


def plot_function(objective, *, ax: plt.Axes | None = None, resolution: int = 400,
                  marker_size: float = 10) -> plt.Axes:
    """A function of 1 variable over its plotting box, its minima marked with black stars.

    The x axis is limited to ``objective.bounds``, the y axis to the range of the function
    there with a margin of 8% on either side.

    Raises
    ------
    ValueError
        If the objective does not have 1 variable.
    """
    _check_dim(objective, 1, "plot_function")
    ax = _get_ax(ax)
    W, Z = _grid(objective, resolution)
    ax.plot(W, Z, color="0.35", lw=1.5, label="f(w)")
    span = float(Z.max() - Z.min())
    ax.set_ylim(float(Z.min()) - 0.08 * span, float(Z.max()) + 0.08 * span)
    for m in objective.minima:
        ax.plot(m[0], float(objective.f(m)), "*", color="k", ms=marker_size, zorder=4)
    ax.set_xlabel("w (parameter)")
    ax.set_ylabel("f(w) (loss)")
    ax.set_xlim(*objective.bounds[0])
    return ax


# --------------------------------------------------------------------------------------
# f(x_k) - f* on a log axis
# --------------------------------------------------------------------------------------
def loss_gap(losses: Any, f_min: float) -> np.ndarray:
    """:math:`f(x_k) - f^*` as a float array ready for a log axis.

    NaN (a gap in the line) where the gap is not positive, exactly at the minimum, where a
    log axis has nothing to draw, and where it is :math:`10^{100}` or more, where the run
    has diverged and the axis would only lose its readable range.
    """
    gap = np.asarray(losses, dtype=float) - f_min
    return np.where((gap > 0) & (gap < 1e100), gap, np.nan)


def set_log_limits(ax: plt.Axes, values: Any, axis: str = "y") -> plt.Axes:
    """Limit a log axis to the positive finite ``values``, with a factor 1.5 of margin.

    Values that span less than 1% are widened to a factor 2 either side first. Without a
    positive finite value the limits stay as they are.
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got axis={axis!r}")
    values = np.asarray(values, dtype=float).ravel()
    values = values[np.isfinite(values) & (values > 0)]
    if values.size:
        lo, hi = float(values.min()), float(values.max())
        if hi <= lo * 1.01:
            lo, hi = lo / 2, hi * 2
        getattr(ax, f"set_{axis}lim")(lo / 1.5, hi * 1.5)
    return ax


# --------------------------------------------------------------------------------------
# Figures redrawn many times
# --------------------------------------------------------------------------------------
def new_figure(figsize: tuple[float, float], dpi: float, layout: str | None = "constrained") -> Figure:
    """A matplotlib ``Figure`` with an Agg canvas, outside pyplot.

    Nothing displays it by itself (the inline backend shows only pyplot's figures), and it
    is not kept alive by pyplot: right for a figure that an explorer or an animation
    renders to PNG many times. ``layout`` is the layout engine (None: place the axes
    yourself, for example with :func:`fixed_layout`).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def fixed_layout(fig: Figure, *, left: float = 0.75, right: float = 0.2, bottom: float = 0.5,
                 top: float = 0.4, gap: float = 1.05) -> Figure:
    """Place the subplots of one row with margins and gaps given in inches.

    A layout engine ("constrained", "tight") measures every text on every draw; fixed
    margins cost nothing, which halves the time to draw a frame.
    """
    w, h = fig.get_size_inches()
    ncols = max(1, len(fig.axes))
    panel = (w - left - right - gap * (ncols - 1)) / ncols
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h,
                        wspace=gap / panel if panel > 0 else 0.2)
    return fig


class PathFigure:
    """An optimisation path on a function of 1 or 2 variables, and its loss per step.

    Left: the function (:func:`plot_function`) or its contours (:func:`plot_contours`) with
    the path of the iterates and its start; right: :math:`f(x_k) - f^*` against the step
    on a log scale (:func:`loss_gap`). :meth:`setup` draws what does not change, once;
    :meth:`update` then only moves the path, which is fast enough for a live slider. This
    is the figure of :func:`lrutils.widgets.lr_explorer` and
    :func:`lrutils.widgets.optimizer_explorer`.

    Parameters
    ----------
    objective : Objective
        A function of 1 or 2 variables from :mod:`lrutils.functions`.
    num_steps : int
        The length of the loss axis, in steps.
    path_label : str
        The path's entry in the legend.

    Examples
    --------
    ::

        plot = PathFigure(f, 100)
        plot.setup(fig)  # fig: a Figure, e.g. new_figure((8.4, 3.4), 96, layout=None)
        plot.update(gradient_descent(f, f.start, 0.1, 100), "learning rate 0.1")
    """

    def __init__(self, objective, num_steps: int, *, path_label: str = "iterates"):
        if objective.dim not in (1, 2):
            raise ValueError(f"PathFigure draws functions of 1 or 2 variables, got "
                             f"{objective.name!r} with dim={objective.dim}")
        self.objective = objective
        self.num_steps = num_steps
        self.f_min = objective.f_min
        self.path_label = path_label

    def setup(self, fig: Figure) -> PathFigure:
        """Create the two axes on ``fig`` and draw the function; return ``self``."""
        obj = self.objective
        ax, ax_loss = fig.subplots(1, 2, width_ratios=(1.15, 1.0))
        if obj.dim == 1:
            plot_function(obj, ax=ax)
        else:
            plot_contours(obj, ax=ax)
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
        fixed_layout(fig)
        return self

    def update(self, path, title: str) -> None:
        """Show ``path`` (a :class:`lrutils.descent.Path`) under the heading ``title``.

        A note in the corner gives the step at which the path leaves the plotted box; far
        outside it (100 box sizes) the path is no longer drawn.
        """
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
        gap = loss_gap(losses, self.f_min)
        self.loss_line.set_data(np.arange(len(gap)), gap)
        set_log_limits(self.ax_loss, gap)
        self.title.set_text(title)
