"""The book's figure defaults and a few plots that several chapters share.

Every function that draws takes an optional ``ax`` and returns the axes it drew on; none sets
fixed limits or prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:  # pandas is only needed by callers that pass tables
    import pandas as pd

__all__ = ["BOOK_STYLE", "use_book_style", "plot_runs", "log_lr_axis"]

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
    return plt.subplots()[1] if ax is None else ax


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
