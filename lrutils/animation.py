"""Animations of optimisation paths that play on a static page: no kernel, no CDN.

* :func:`race` runs several optimizers from the same start on one function and animates
  their paths over the contours, next to :math:`f(x_k) - f^*` per step;
* :func:`saddle_escape` is a race that starts next to a saddle point, where plain gradient
  descent lingers and momentum or Adam leave faster.

Both return an :class:`AnimationHTML`: a precomputed explorer (the static output of
:mod:`lrutils.explorer`) whose one slider walks through the frames, with a play/pause button
and a menu for what happens at the last frame (start again, stop, or play backwards). It is
self-contained and reproducible:

* the frames are embedded in the page as one background (contours, axes, labels: what most
  frames share) under transparent overlays of what changes, both PNG images reduced to a
  256-colour palette and identical from run to run;
* the element ids are derived from the content, so two runs give identical HTML and nbval
  can compare the output;
* the player is a few lines of plain inline JavaScript and its icons are inline SVG:
  nothing is loaded from a CDN.

The markup is the explorer's (``div.lru-explorer``, ``input.lru-slider``, ``img.lru-frame``),
marked ``div.lru-explorer.lru-animation`` and with ``button.lru-play`` (titled ``Play`` or
``Pause``) and ``select.lru-loop-mode``; the module ``lrutils._static_html`` describes it.
Its text form is a short summary such as ``<race: 3 optimizers, 50 frames>``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _static_html
from ._checks import check_choice, check_int, check_real
from ._objectives import as_objective, box_extent, max_curvature, start_point
from .plotting import fixed_layout, loss_gap, new_figure, plot_contours, set_log_limits

__all__ = ["AnimationHTML", "race", "saddle_escape"]

_MODES = _static_html.LOOP_MODES


class AnimationHTML(_static_html.StaticHTML):
    """A self-contained animation player: a frame slider with a play/pause button.

    Displays as HTML in Jupyter and as a one-line summary in text. The result type it
    shares with the static explorers lives in ``lrutils._static_html``.

    Attributes
    ----------
    html : str
        The player (``div.lru-explorer.lru-animation``).
    uid : str
        The id of the player, derived from its content.
    num_frames : int
        Frames in the animation.
    image_bytes : list of int
        Size of each frame's overlay PNG (drawn over one shared background).
    frame_size : (int, int)
        Width and height of the frames in pixels.
    nbytes : int
        Size of :attr:`html` in bytes.
    """


def _to_html(fig, update: Callable[[int], Any], labels: Sequence[str], *, label: str, fps: float,
             default_mode: str, name: str, what: str, alt: str, max_bytes: int) -> AnimationHTML:
    """Draw ``update(i)`` for every frame and write the player.

    ``labels`` names each frame; the slider, labelled ``label``, shows it next to itself.
    The frames are stored as overlays on one shared background (see
    ``_static_html.layered_frames``).
    """
    pictures = []
    for i in range(len(labels)):
        update(i)
        pictures.append(_static_html.render_rgb(fig))
    background, overlays = _static_html.layered_frames(pictures)
    keys = {f"frame={i}": i for i in range(len(labels))}
    slider = dict(path="frame", name="frame", label=label, kind="int", labels=list(labels), index=0,
                  parent=None, option=None, active=True)
    player = dict(interval_ms=max(1, round(1000 / fps)), mode=default_mode)
    uid = _static_html.stable_id(name, what, alt, label, str(player["interval_ms"]), default_mode,
                                 *labels, background, *overlays)
    page = _static_html.explorer_html(
        uid=uid, title=None, controls=[slider], keys=keys, frames=overlays, initial_key="frame=0",
        alt=alt, background=background, player=player,
    )
    result = AnimationHTML(
        html=page, uid=uid, name=name, what=what, num_frames=len(labels),
        image_bytes=[len(png) for png in overlays], frame_size=_static_html.png_size(background),
    )
    result.check_size(max_bytes, what="animation", pictures=f"{result.num_frames} frames",
                      fewer="frames")
    return result


def _as_optimizer(label: str, opt: Any):
    from .optimizers import get_optimizer

    if isinstance(opt, str):
        return get_optimizer(opt)  # unknown names: ValueError listing the valid ones
    if callable(getattr(opt, "init", None)) and callable(getattr(opt, "update", None)):
        return opt
    raise TypeError(
        f"optimizers[{label!r}] must be an optimizer (with init and update, e.g. "
        f"lrutils.optimizers.adam(0.01)) or an optimizer name, got {opt!r}"
    )


def race(
    objective: Any,
    optimizers: Mapping[str, Any],
    x0: Any = None,
    num_steps: int = 200,
    *,
    frames: int = 50,
    fps: float = 10.0,
    show_loss: bool = True,
    title: str | None = None,
    default_mode: str = "loop",
    figsize: tuple[float, float] = (8.0, 3.4),
    dpi: float = 80,
    max_bytes: int = 1_500_000,
    name: str = "race",
) -> AnimationHTML:
    """Animate several optimizers racing from the same start on one function.

    Each optimizer runs ``num_steps`` steps with :func:`lrutils.descent.optimize` (a run
    that overflows stops there); frame ``i`` shows the first ``round(i * num_steps /
    (frames - 1))`` steps of every path on the contours and, with ``show_loss``,
    :math:`f(x_k) - f^*` against the step on a log scale.

    Parameters
    ----------
    objective : str or Objective
        A 2-D function (a name from :data:`lrutils.functions.FUNCTIONS` or an objective).
    optimizers : mapping label -> optimizer
        Optimizers with ``init``/``update`` (``lrutils.optimizers.adam(0.01)``...) or names
        for the default settings; the labels make the legend.
    x0 : array_like, optional
        Start (default: the objective's ``start``).
    num_steps : int
        Steps per optimizer.
    frames : int
        Frames of the animation (2 to 300).
    fps : float
        Frames per second when playing.
    show_loss : bool
        Draw :math:`f(x_k) - f^*` next to the paths.
    title : str, optional
        The start of the heading above the frames (default: the function's name).
    default_mode : {"loop", "once", "reflect"}
        What the player does after the last frame, at first: start again from the first
        frame, stop, or play backwards to the first frame and on. The reader can change it
        in the menu next to the slider.
    figsize, dpi :
        Frame size: the default is 640 x 272 pixels.
    max_bytes : int
        The largest HTML accepted.
    name : str
        The start of the text form, ``<race: 3 optimizers, 50 frames>``.

    Returns
    -------
    AnimationHTML
        A slider over the frames (labelled with the step each one shows) with a play/pause
        button.

    Raises
    ------
    TypeError
        If an argument has the wrong type (the message names it), e.g. ``frames=2.5``.
    ValueError
        If the function is not 2-D, an argument is out of range (the message names it) or
        the HTML would be larger than ``max_bytes``.
    """
    from .descent import optimize

    obj = as_objective(objective, "objective")
    if obj.dim != 2:
        raise ValueError(f"race draws paths on contours of a function of 2 variables, got "
                         f"{obj.name!r} with dim={obj.dim}")
    if not isinstance(optimizers, Mapping) or not optimizers:
        raise TypeError(f"optimizers must be a non-empty mapping label -> optimizer, got {optimizers!r}")
    x_start = start_point(obj, x0)
    num_steps = check_int("num_steps", num_steps, minimum=1)
    frames = check_int("frames", frames, minimum=2)
    if frames > 300:
        raise ValueError(f"frames must be at most 300, got frames={frames}")
    fps = check_real("fps", fps, positive=True)
    default_mode = check_choice("default_mode", default_mode, _MODES)
    max_bytes = check_int("max_bytes", max_bytes, minimum=1)
    paths = {str(label): optimize(obj, x_start, _as_optimizer(str(label), opt), num_steps)
             for label, opt in optimizers.items()}
    f_min = obj.f_min

    fig = new_figure(figsize, dpi, layout=None)
    axes = fig.subplots(1, 2 if show_loss else 1, squeeze=False)[0]
    ax = axes[0]
    plot_contours(obj, ax=ax, marker_size=10, colors="0.65", linewidths=0.7, linestyles="solid")
    ax.plot(*x_start, "o", color="k", ms=5, zorder=6)
    lines, heads, losses = [], [], []
    for i, label in enumerate(paths):
        (line,) = ax.plot([], [], "-", color=f"C{i}", lw=1.6, label=label, zorder=5)
        (head,) = ax.plot([], [], "o", color=f"C{i}", ms=6, mec="k", mew=0.5, zorder=7)
        lines.append(line)
        heads.append(head)
    if not show_loss:
        ax.legend(loc="upper right", fontsize=8)
    if show_loss:
        ax_loss = axes[1]
        gaps = [loss_gap(path.losses, f_min) for path in paths.values()]
        for i in range(len(gaps)):
            (loss,) = ax_loss.plot([], [], color=f"C{i}", lw=1.5)
            losses.append(loss)
        ax_loss.set_yscale("log")
        set_log_limits(ax_loss, np.concatenate(gaps))
        ax_loss.set_xlim(0, num_steps)
        ax_loss.set_xlabel("step k (iterations)")
        ax_loss.set_ylabel("f(x_k) - f* (log scale)")
        # The legend goes where losses rarely are: they start high and fall to the right.
        ax_loss.legend(lines, list(paths), loc="lower left", fontsize=8)
    heading = fig.suptitle("", fontsize=10)
    fixed_layout(fig, left=0.7, bottom=0.5, top=0.35, gap=1.0)
    steps_at = np.round(np.linspace(0, num_steps, frames)).astype(int)
    prefix = f"{title}: " if title else f"{obj.name}: "

    def update(i):
        k = int(steps_at[i])
        for j, path in enumerate(paths.values()):
            xs = path.xs[: k + 1]
            lines[j].set_data(xs[:, 0], xs[:, 1])
            heads[j].set_data(xs[-1:, 0], xs[-1:, 1])
            if show_loss:
                losses[j].set_data(np.arange(len(xs)), gaps[j][: k + 1])
        heading.set_text(f"{prefix}step {k} of {num_steps}")
        return [*lines, *heads, *losses, heading]

    n = len(paths)
    what = f"{n} optimizer{'s' if n != 1 else ''}"
    alt = f"{title or obj.name}: paths of {', '.join(paths)} on the contours"
    return _to_html(fig, update, [str(int(k)) for k in steps_at], label="step", fps=fps,
                    default_mode=default_mode, name=name, what=what, alt=alt, max_bytes=max_bytes)


def saddle_escape(
    objective: Any = "saddle",
    optimizers: Mapping[str, Any] | None = None,
    x0: Any = None,
    num_steps: int = 100,
    **kwargs: Any,
) -> AnimationHTML:
    r"""A :func:`race` from next to a saddle point.

    Near a saddle the gradient is small, so plain gradient descent moves away along the
    direction of negative curvature only geometrically, :math:`(1 + \eta|\lambda_{min}|)`
    per step; momentum accumulates those small steps and Adam rescales them, and both
    leave sooner.

    Parameters
    ----------
    objective : str or Objective
        A 2-D function with a known saddle (default ``"saddle"``,
        :math:`x^2 + y^4/4 - y^2/2`).
    optimizers : mapping, optional
        Default: gradient descent and momentum 0.9 with :math:`\eta = 0.2/L` (:math:`L` the
        largest absolute curvature at the saddle), and Adam with a rate of 1/40 of the
        plotting box.
    x0 : array_like, optional
        Default: the objective's ``start`` (for ``"saddle"``, :math:`(1.5, 0.01)`, just off
        the line that leads into the saddle).
    **kwargs
        Passed to :func:`race` (``frames``, ``fps``, ``show_loss``...).

    Raises
    ------
    ValueError
        If the objective has no known saddle (the message names those that have one).
    """
    from .optimizers import adam, sgd

    obj = as_objective(objective, "objective")
    if not getattr(obj, "saddles", ()):
        from .functions import FUNCTIONS

        with_saddles = sorted(n for n, make in FUNCTIONS.items() if getattr(make(), "saddles", ()))
        raise ValueError(f"saddle_escape needs a function with a known saddle point; {obj.name!r} "
                         f"has none. Functions with saddles: {', '.join(with_saddles)}")
    if optimizers is None:
        saddle = np.asarray(obj.saddles[0], dtype=float)
        L = float(np.abs(np.linalg.eigvalsh(obj.hess(saddle))).max()) if obj.hess is not None else None
        L = L if L and math.isfinite(L) else (max_curvature(obj) or 1.0)
        lr = 0.2 / L
        optimizers = {
            f"gradient descent (lr={lr:.3g})": sgd(lr),
            f"momentum 0.9 (lr={lr:.3g})": sgd(lr, momentum=0.9),
            f"adam (lr={box_extent(obj) / 40:.3g})": adam(box_extent(obj) / 40),
        }
    kwargs.setdefault("title", f"escaping the saddle of {obj.name}")
    kwargs.setdefault("name", "saddle_escape")
    return race(obj, optimizers, x0, num_steps, **kwargs)
