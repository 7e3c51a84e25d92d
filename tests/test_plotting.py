"""Tests of the figure helpers of lrutils.plotting that the explorers and the animations share
(plot_runs and log_lr_axis are tested with the experiments, in test_experiments.py)."""

from __future__ import annotations

import numpy as np
import pytest

from lrutils.descent import gradient_descent
from lrutils.functions import get_function
from lrutils.plotting import (
    PathFigure,
    contour_levels,
    fixed_layout,
    loss_gap,
    new_figure,
    plot_contours,
    plot_function,
    set_log_limits,
)


def test_contour_levels_are_geometric_above_the_minimum():
    f = get_function("rosenbrock")
    _, _, Z = f.grid(60)
    levels = contour_levels(Z, f.f_min, num=8)
    gaps = levels - f.f_min
    assert len(levels) == 8 and np.all(gaps > 0)
    assert np.allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0])  # a constant ratio
    assert gaps[-1] == pytest.approx(np.quantile(Z - f.f_min, 0.9))


def test_loss_gap_leaves_out_what_a_log_axis_cannot_show():
    gap = loss_gap([3.0, 1.0, 1.0 + 1e-3, 1e200, np.inf], f_min=1.0)
    assert gap[0] == 2.0 and gap[2] == pytest.approx(1e-3)
    assert np.isnan(gap[[1, 3, 4]]).all()  # at the minimum, diverged, overflowed


@pytest.mark.parametrize(
    "values, limits",
    [
        ([1e-3, 1.0, np.nan, 0.0], (1e-3 / 1.5, 1.5)),
        ([2.0, 2.01], (2.0 / 3, 2.01 * 3)),  # within 1%: widened to a factor 2 first
    ],
)
def test_set_log_limits(values, limits):
    ax = new_figure((2.0, 2.0), 50).subplots()
    ax.set_yscale("log")
    assert set_log_limits(ax, values) is ax
    assert ax.get_ylim() == pytest.approx(limits)
    before = ax.get_ylim()
    set_log_limits(ax, [np.nan, -1.0])  # nothing to show: the limits stay
    assert ax.get_ylim() == before
    with pytest.raises(ValueError, match="axis must be 'x' or 'y'"):
        set_log_limits(ax, values, axis="z")


def test_plot_contours_and_plot_function_draw_in_the_plotting_box():
    saddle = get_function("saddle")
    ax = plot_contours(saddle, ax=new_figure((3.0, 3.0), 50).subplots(), num_levels=5)
    assert ax.get_xlim() == saddle.bounds[0] and ax.get_ylim() == saddle.bounds[1]
    markers = [line.get_marker() for line in ax.lines]
    assert markers.count("*") == len(saddle.minima) and markers.count("X") == len(saddle.saddles)
    parabola = get_function("parabola")
    ax = plot_function(parabola, ax=new_figure((3.0, 3.0), 50).subplots())
    assert ax.get_xlim() == parabola.bounds[0] and ax.get_xlabel() == "w (parameter)"
    with pytest.raises(ValueError, match="plot_contours draws a function of 2 variables.*dim=1"):
        plot_contours(parabola)
    with pytest.raises(ValueError, match="plot_function draws a function of 1 variable.*dim=2"):
        plot_function(saddle)


def test_path_figure_moves_the_path_and_the_loss():
    f = get_function("quadratic")
    fig = new_figure((6.0, 3.0), 50, layout=None)
    plot = PathFigure(f, 20).setup(fig)
    path = gradient_descent(f, f.start, 0.5, 20)
    plot.update(path, "learning rate 0.5")
    assert np.array_equal(plot.line.get_xdata(), path.xs[:, 0])
    assert np.array_equal(plot.loss_line.get_ydata(), loss_gap(path.losses, f.f_min), equal_nan=True)
    assert plot.title.get_text() == "learning rate 0.5" and plot.note.get_text() == ""
    far = gradient_descent(f, f.start, 2.5, 20)  # diverges: leaves the box
    plot.update(far, "learning rate 2.5")
    assert plot.note.get_text().startswith("the path leaves the plotted box at step ")
    with pytest.raises(ValueError, match="1 or 2 variables"):
        PathFigure(get_function("quadratic", dim=3), 10)


def test_fixed_layout_places_the_panels_in_inches():
    fig = new_figure((8.0, 4.0), 50, layout=None)
    fig.subplots(1, 2)
    fixed_layout(fig, left=1.0, right=0.5, bottom=0.5, top=0.5, gap=1.0)
    (x0, y0, w0, h0), (x1, _, w1, _) = (ax.get_position().bounds for ax in fig.axes)
    assert (x0 * 8, y0 * 4, h0 * 4) == pytest.approx((1.0, 0.5, 3.0))
    assert (x1 - x0 - w0) * 8 == pytest.approx(1.0) and w0 == pytest.approx(w1)
