r"""Ready-made explorers: the learning rate, the optimizers and the schedules, with a slider.

* :func:`lr_explorer`: gradient descent on a function of 1 or 2 variables, and its
  learning rate;
* :func:`optimizer_explorer`: an optimizer and its hyper-parameters on a 2-D function;
* :func:`schedule_explorer`: a learning-rate schedule and its parameters, per step and per
  epoch, with the exact call that builds the curve shown.

Each is one call of :func:`lrutils.explorer.explore`, and like it gives live ipywidgets
controls in JupyterLab and a self-contained precomputed figure on the static website
(``mode="auto"``, see :mod:`lrutils.explorer`). Their figures are drawn with the helpers of
:mod:`lrutils.plotting` (:class:`~lrutils.plotting.PathFigure`).

The building blocks live in their own modules and are importable from here too, so that a
chapter needs one import line: :func:`~lrutils.explorer.explore`,
:class:`~lrutils.explorer.StaticExplorer` and :class:`~lrutils.explorer.LiveExplorer` from
:mod:`lrutils.explorer`; :class:`~lrutils.controls.LogSlider`,
:class:`~lrutils.controls.Slider`, :class:`~lrutils.controls.IntSlider`,
:class:`~lrutils.controls.Choice` and :class:`~lrutils.controls.Control` from
:mod:`lrutils.controls`::

    from lrutils.widgets import Choice, IntSlider, LogSlider, explore
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_int, check_real
from ._objectives import as_objective, box_extent, max_curvature, start_point
from .controls import Choice as Choice
from .controls import Control as Control
from .controls import IntSlider as IntSlider
from .controls import LogSlider as LogSlider
from .controls import Slider as Slider
from .controls import check_controls
from .explorer import DEFAULT_DPI, DEFAULT_FIGSIZE
from .explorer import LiveExplorer as LiveExplorer
from .explorer import StaticExplorer as StaticExplorer
from .explorer import explore as explore
from .plotting import PathFigure, fixed_layout

__all__ = ["lr_explorer", "optimizer_explorer", "schedule_explorer"]


# --------------------------------------------------------------------------------------
# Gradient descent and its learning rate
# --------------------------------------------------------------------------------------
def _check_plottable(objective) -> None:
    if objective.dim not in (1, 2):
        raise ValueError(
            f"the explorers draw functions of 1 or 2 variables, got {objective.name!r} with "
            f"dim={objective.dim}; use e.g. quadratic(dim=2)"
        )


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


def lr_explorer(
    objective: Any = "quadratic",
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
    objective : str or Objective
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
        See :func:`~lrutils.explorer.explore`.

    Raises
    ------
    ValueError
        Unknown function name (the message lists the valid ones), a range with
        ``0 < low < high`` violated, or an initial rate outside the range.
    """
    from .descent import gradient_descent

    objective = as_objective(objective)
    _check_plottable(objective)
    x_start = start_point(objective, x0)
    if num_steps is None:
        num_steps = 30 if objective.dim == 1 else 100
    num_steps = check_int("num_steps", num_steps, minimum=1)
    L = max_curvature(objective)
    if learning_rates is None:
        if L is None:
            raise ValueError(
                f"cannot derive a learning-rate range for {objective.name!r} (no curvature known); "
                "pass learning_rates=(low, high)"
            )
        learning_rates = (0.02 / L, 2.0 / L * 10**0.25)
    if isinstance(learning_rates, (str, bytes)) or not isinstance(learning_rates, Sequence):
        raise TypeError(f"learning_rates must be (low, high), got learning_rates={learning_rates!r}")
    if len(learning_rates) != 2:
        raise ValueError(f"learning_rates must be (low, high), got learning_rates={learning_rates!r}")
    slider = LogSlider(learning_rates[0], learning_rates[1], num=num_rates, value=learning_rate,
                       label="learning rate")  # validates the range and the initial rate
    if learning_rate is None and L is not None and slider.min <= 1.0 / L <= slider.max:
        grid = np.asarray(slider.grid())
        start_rate = float(grid[np.argmin(np.abs(np.log(grid * L)))])
        slider = LogSlider(slider.min, slider.max, num=num_rates, value=start_rate, label="learning rate")
    plot = PathFigure(objective, num_steps)

    def draw(fig_parts: PathFigure, learning_rate: float) -> None:
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
        L = max_curvature(objective) or 1.0
        base = 2.0 / L
        lr = LogSlider(base * 1e-2, base, num=5, value=base * 0.1, label="learning rate")
    elif name == "adadelta":
        lr = LogSlider(0.1, 10.0, num=5, value=1.0, label="learning rate")
    else:
        extent = box_extent(objective)
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
    controls = {k: v for k, v in settings.items() if isinstance(v, Control)}
    fixed = {k: v for k, v in settings.items() if not isinstance(v, Control)}
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
    objective: Any = "rosenbrock",
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
    objective : str or Objective
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
    from .descent import optimize
    from .optimizers import OPTIMIZERS, get_optimizer

    objective = as_objective(objective)
    _check_plottable(objective)
    x_start = start_point(objective, x0)
    num_steps = check_int("num_steps", num_steps, minimum=1)
    table = _split_options("optimizer", optimizers, OPTIMIZERS,
                           lambda n: _default_optimizer_controls(n, objective), str.lower)
    sub_controls, fixed_args = {}, {}
    for name, settings in table.items():
        controls, fixed = _split_settings(settings)
        check_controls(controls, where=f"optimizers[{name!r}]", taken=frozenset({"optimizer"}))
        _check_endpoints(lambda kw, n=name: get_optimizer(n, **kw), fixed, controls)
        sub_controls[name], fixed_args[name] = controls, fixed
    choice = Choice(list(table), value=selected, label="optimizer", controls=sub_controls)
    plot = PathFigure(objective, num_steps, path_label="path")

    def draw(parts: PathFigure, optimizer: str, **hyper) -> None:
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
    """The settings a schedule is shown with: ``{argument: control or fixed value}``.

    ``arguments`` turns one position of the controls (the settings with the controls'
    values) into the keyword arguments of the schedule's factory, when they are not the
    settings themselves; the explorer builds the curve and prints the call from them.
    """

    settings: dict
    arguments: Callable[[dict], dict] | None = None


def _twelve_digits(value: float) -> float:
    """Round away the last bits of float noise (0.30000000000000004 -> 0.3)."""
    return float(f"{value:.12g}")


def _literal(value: Any) -> str:
    """``value`` as Python source that evaluates back to it.

    Floats are written exactly (``repr``) when they have at most 12 significant digits, as
    every value of a static explorer has; a live slider's value between its grid points is
    written to 6 digits, which no plot can tell apart.
    """
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, numbers.Integral):
        return repr(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        return repr(value) if _twelve_digits(value) == value else f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _build(factory: Callable[..., Any], arguments: Callable[[dict], dict], settings: dict) -> Any:
    """The schedule for one position of the controls: ``factory(**arguments(settings))``."""
    return factory(**arguments(settings))


def _call_text(name: str, factory: Callable[..., Any], arguments: Mapping[str, Any]) -> str:
    """``name(argument=value, ...)``: the call of ``factory`` with ``arguments``, in the order
    of the factory's signature, as Python source."""
    order = list(inspect.signature(factory).parameters)
    keys = sorted(arguments, key=lambda k: order.index(k) if k in order else len(order))
    return f"{name}({', '.join(f'{k}={_literal(arguments[k])}' for k in keys)})"


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

        def arguments(kw):
            # The warm-up and the decay share the run. cosine_decay counts the warm-up
            # outside decay_steps, as Keras's CosineDecay does: with a warm-up, it starts at
            # 0, rises to the peak (warmup_target) and decays for the steps that are left.
            w, peak_, total = kw["warmup_steps"], kw["initial_learning_rate"], kw["decay_steps"]
            if w == 0:
                return {"initial_learning_rate": peak_, "decay_steps": total, "alpha": kw["alpha"]}
            return {"initial_learning_rate": 0.0, "decay_steps": total - w, "alpha": kw["alpha"],
                    "warmup_target": peak_, "warmup_steps": w}

        return _ScheduleRecipe({"initial_learning_rate": peak, "decay_steps": T,
                                "alpha": Slider(0.0, 0.4, num=3, value=0.0),
                                "warmup_steps": warm}, arguments)
    if name == "cosine_decay_restarts":
        return _ScheduleRecipe({"initial_learning_rate": peak,
                                "first_decay_steps": IntSlider(S, S * half, step=S, value=S)
                                if half > 1 else S,
                                "t_mul": Slider(1.0, 2.0, num=3, value=2.0)})
    if name in ("triangular", "triangular2", "exp_range"):
        s = {"base_lr": peak / 10, "max_lr": peak,
             "step_size": IntSlider(S, S * half, step=S, value=S * min(2, half)) if half > 1 else S}
        if name == "exp_range":  # gamma per step: the amplitude after the run is 0.5, 0.1 or 0.01
            s["gamma"] = Choice([_twelve_digits(a ** (1 / T)) for a in (0.5, 0.1, 0.01)])
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

    Above the plots is the call that builds the curve shown, with every argument, fixed or
    from a slider, e.g. ``step_decay(initial_learning_rate=0.1, drop=0.6, steps_per_drop=200)``:
    copied with ``lu.`` (or ``lrutils.schedules.``) in front, it gives the same schedule.
    The default ``cosine_decay`` warms up and decays within the run: with a warm-up of
    ``w`` steps the call is ``cosine_decay(initial_learning_rate=0.0,
    decay_steps=T - w, ..., warmup_target=learning_rate, warmup_steps=w)``, because
    ``cosine_decay``, like Keras's ``CosineDecay``, counts the warm-up outside
    ``decay_steps``.

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
    from .schedules import SCHEDULES

    steps_per_epoch = check_int("steps_per_epoch", steps_per_epoch, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    peak = check_real("learning_rate", learning_rate, positive=True)
    recipes = {}

    def defaults(n):
        recipes[n] = _default_schedule_recipe(n, steps_per_epoch, epochs, peak)
        return recipes[n].settings

    table = _split_options("schedule", schedule, SCHEDULES, defaults)
    factories, arguments, sub_controls, fixed_args = {}, {}, {}, {}
    for name, settings in table.items():
        controls, fixed = _split_settings(settings)
        check_controls(controls, where=f"schedule[{name!r}]", taken=frozenset({"schedule"}))
        recipe = recipes.get(name)
        # the recipe's own arguments know only its own settings: with others, pass them as they are
        custom = recipe is not None and recipe.arguments is not None and set(settings) <= set(recipe.settings)
        arguments[name] = recipe.arguments if custom else dict
        factories[name] = SCHEDULES[name]
        _check_endpoints(functools.partial(_build, factories[name], arguments[name]), fixed, controls)
        sub_controls[name], fixed_args[name] = controls, fixed
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
        fixed_layout(fig, gap=0.35)
        return dict(ax=ax_step, line_step=line_step, line_epoch=line_epoch, marks=marks, fig=fig)

    def draw(ctx, schedule: str, **kw) -> None:
        args = arguments[schedule]({**fixed_args[schedule], **kw})
        sched = factories[schedule](**args)
        rates = np.asarray(sched(steps), dtype=float)
        ctx["line_step"].set_data(steps, rates)
        ctx["line_epoch"].set_data(steps / steps_per_epoch, rates)
        starts = np.arange(epochs + 1)
        per_epoch = np.asarray(sched(np.minimum(starts * steps_per_epoch, total - 1)), dtype=float)
        per_epoch[-1] = per_epoch[-2]  # hold the last epoch's value (epochs >= 1)
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
        ctx["fig"].suptitle(_call_text(schedule, factories[schedule], args), fontsize=10)

    return explore(
        draw, {"schedule": choice}, setup=setup, name="schedule_explorer", layout=None,
        title=f"Learning-rate schedules over {epochs} epochs of {steps_per_epoch} steps",
        mode=mode, figsize=figsize, dpi=dpi, max_frames=max_frames,
    )
