r"""The learning-rate range test ("LR finder") for Keras 3, as a callback and as a function.

The test trains for a few steps while the learning rate grows from ``start_lr`` to
``end_lr``, records the loss of every batch, and reads a good rate off the curve of loss
against rate: the loss first barely moves (the rate is too small to matter), then falls
(the useful range), then shoots up (the rate is too large). This module implements the
variant of Sylvain Gugger and fastai (``Learner.lr_find``): an exponential sweep, one rate
per batch, the *training loss* (not the accuracy) smoothed by a bias-corrected exponential
moving average, and a stop as soon as the smoothed loss exceeds ``stop_factor`` times the
best seen. Leslie Smith's original test (2017) sweeps the rate *linearly* over a few epochs
and reads the accuracy; ``mode="linear"`` gives the linear sweep, and the per-batch
accuracy is recorded in :attr:`LRFinderResult.metrics`.

What it gets right that the usual Keras recipes do not:

* **The true loss of each batch.** Keras's ``logs["loss"]`` at the end of a batch is the
  mean over the epoch so far, not the loss of that batch, so a finder that smooths it
  reports a curve shifted towards large rates (tensorflow#58098). :class:`LRFinder` zeroes
  the model's metric accumulators before every batch, so the logs Keras passes at the end
  of the batch hold that batch's own loss and metrics.
  :func:`batch_losses_from_running_mean` undoes the running mean instead, for logs
  recorded without this.
* **The model is left exactly as it was found**: every model variable (weights,
  non-trainable statistics, dropout seed state) and every optimizer variable (slot
  variables such as Adam's moments, ``iterations``, the learning rate) is put back bit for
  bit, also when the test diverges, raises or is interrupted (:func:`find_lr` restores in a
  ``finally`` block).
* Any input Keras trains on: NumPy arrays, finite or infinite ``tf.data`` datasets,
  ``keras.utils.PyDataset`` and Python generators; the number of steps never depends on
  the data's length.

References
----------
Smith, "Cyclical learning rates for training neural networks", WACV 2017
(arXiv:1506.01186), section 3.3. Smith, "A disciplined approach to neural network
hyper-parameters: Part 1", 2018 (arXiv:1803.09820). Howard and Gugger, "Fastai: a layered
API for deep learning", Information 2020; fastai ``LRFinder``, ``Learner.lr_find`` and the
suggestion functions ``minimum``, ``steep`` and ``valley`` in ``fastai/callback/schedule.py``.
Gugger, "How do you find a good learning rate" (2017).
"""

from __future__ import annotations

import math
import numbers
import types
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import keras
import numpy as np

from ._checks import check_interval, check_real

__all__ = [
    "SWEEP_MODES",
    "SUGGESTION_RULES",
    "STOP_REASONS",
    "sweep_learning_rates",
    "smooth_losses",
    "batch_losses_from_running_mean",
    "SUGGESTION_METHODS",
    "DEFAULT_TRIAL_STEPS",
    "Suggestion",
    "suggest_lr",
    "valley_index",
    "FLAT_DROP",
    "loss_drop",
    "trial_candidates",
    "trial_score",
    "Trials",
    "LRFinderResult",
    "LRFinder",
    "find_lr",
]

#: Ways of sweeping the rate from ``start_lr`` to ``end_lr``.
SWEEP_MODES = ("exponential", "linear")
#: Rules that read a rate off the curve alone (fastai's), valley first.
SUGGESTION_RULES = ("valley", "steepest", "minimum")
#: How :func:`find_lr` makes its suggestion: short trials of candidate rates read off the
#: curve (the default, see :func:`trial_candidates`), or one of the curve rules alone.
SUGGESTION_METHODS = ("trials", *SUGGESTION_RULES)
#: Steps of each trial run of the default suggestion.
DEFAULT_TRIAL_STEPS = 50
#: Why a sweep ended: all ``num_steps`` steps ran; the smoothed loss exceeded ``stop_factor``
#: times its best; a loss was NaN or infinite; the data (or ``fit``'s epochs) ran out first.
STOP_REASONS = ("completed", "diverged", "non_finite", "data_exhausted")

#: Fewest steps a sweep may have: the suggestions skip the first tenth and the last five points.
MIN_STEPS = 10
#: Keras's default batch size, used for NumPy inputs when ``batch_size`` is not given.
DEFAULT_BATCH_SIZE = 32


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------
def _positive_finite(name: str, value: Any) -> float:
    value = check_real(name, value, finite=False)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {name}={value!r}")
    return value


def _check_sweep(start_lr: Any, end_lr: Any, num_steps: Any, mode: Any) -> tuple[float, float, int, str]:
    start_lr = _positive_finite("start_lr", start_lr)
    end_lr = _positive_finite("end_lr", end_lr)
    if start_lr >= end_lr:
        raise ValueError(
            f"start_lr must be smaller than end_lr, got start_lr={start_lr!r} and end_lr={end_lr!r}"
        )
    if isinstance(num_steps, bool) or not isinstance(num_steps, numbers.Integral):
        raise TypeError(f"num_steps must be an integer, got num_steps={num_steps!r}")
    if num_steps < MIN_STEPS:
        raise ValueError(
            f"num_steps must be at least {MIN_STEPS} (the suggestions skip the first tenth and "
            f"the last five points of the curve), got num_steps={num_steps!r}"
        )
    if mode not in SWEEP_MODES:
        raise ValueError(f"mode must be one of {SWEEP_MODES}, got mode={mode!r}")
    return start_lr, end_lr, int(num_steps), mode


def _check_smoothing(smoothing: Any) -> float:
    return check_interval("smoothing", smoothing, 0.0, 1.0, high_open=True)


def _check_stop_factor(stop_factor: Any) -> float:
    stop_factor = check_real("stop_factor", stop_factor, finite=False)
    if math.isnan(stop_factor) or stop_factor <= 1.0:
        raise ValueError(
            "stop_factor must be greater than 1 (math.inf never stops on a rising loss), "
            f"got stop_factor={stop_factor!r}"
        )
    return stop_factor


def _check_rule(rule: Any) -> str:
    if not isinstance(rule, str):
        raise TypeError(f"rule must be a string, one of {SUGGESTION_RULES}, got rule={rule!r}")
    if rule not in SUGGESTION_RULES:
        raise ValueError(f"rule must be one of {SUGGESTION_RULES}, got rule={rule!r}")
    return rule


def _vector(name: str, values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


# --------------------------------------------------------------------------------------
# The pure parts: the sweep, the smoothing, the suggestions
# --------------------------------------------------------------------------------------
def sweep_learning_rates(start_lr: float = 1e-7, end_lr: float = 10.0, num_steps: int = 100,
                         mode: str = "exponential") -> np.ndarray:
    r"""The rates of a range test, one per step, from ``start_lr`` to ``end_lr`` inclusive.

    Exponential (the default, as fastai): a geometric sequence,

    .. math:: \eta_i = \eta_\text{start}\,(\eta_\text{end}/\eta_\text{start})^{i/(n-1)},
              \qquad i = 0, \dots, n-1,

    so every decade of rates gets the same number of steps. Linear (as in Smith's paper):
    :math:`\eta_i = \eta_\text{start} + (\eta_\text{end} - \eta_\text{start})\, i/(n-1)`.

    Both end points are reached exactly (``numpy.geomspace``/``numpy.linspace``). fastai
    divides by :math:`n` instead of :math:`n-1`, so its last rate stays one step below
    ``end_lr``.

    Parameters
    ----------
    start_lr, end_lr : float
        First and last rate, positive, ``start_lr < end_lr``.
    num_steps : int
        Number of rates, at least ``MIN_STEPS`` (10).
    mode : {"exponential", "linear"}
    """
    start_lr, end_lr, num_steps, mode = _check_sweep(start_lr, end_lr, num_steps, mode)
    if mode == "exponential":
        return np.geomspace(start_lr, end_lr, num_steps)
    return np.linspace(start_lr, end_lr, num_steps)


def smooth_losses(losses: Sequence[float] | np.ndarray, smoothing: float = 0.98) -> np.ndarray:
    r"""Bias-corrected exponential moving average of a sequence of losses.

    With :math:`\beta` = ``smoothing`` and :math:`a_0 = 0`,

    .. math:: a_t = \beta\, a_{t-1} + (1-\beta)\, \ell_t, \qquad
              \hat\ell_t = \frac{a_t}{1-\beta^t}, \qquad t = 1, 2, \dots

    The division by :math:`1-\beta^t` removes the pull towards the initial zero (as in
    Adam's moment estimates): :math:`\hat\ell_1 = \ell_1`, and a constant sequence stays
    constant. ``smoothing=0`` returns the losses unchanged. A NaN or infinite loss makes
    every later value non-finite. This is fastai's ``AvgSmoothLoss`` (``beta=0.98``).

    Parameters
    ----------
    losses : sequence of float
        The per-batch losses :math:`\ell_1, \ell_2, \dots`
    smoothing : float
        :math:`\beta` in ``[0, 1)``; larger is smoother but lags more.
    """
    losses = _vector("losses", losses)
    beta = _check_smoothing(smoothing)
    out = np.empty_like(losses)
    average = 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        for t, loss in enumerate(losses, start=1):
            average = beta * average + (1.0 - beta) * loss
            out[t - 1] = average / (1.0 - beta**t)
    return out


def batch_losses_from_running_mean(running_means: Sequence[float] | np.ndarray,
                                   batch_sizes: Sequence[float] | np.ndarray | None = None
                                   ) -> np.ndarray:
    r"""Per-batch losses from the running means Keras logs at the end of each batch.

    Keras's ``logs["loss"]`` after batch :math:`b` of an epoch is the mean of the batch
    losses so far, weighted by the batch sizes :math:`n_k`:
    :math:`m_b = \sum_{k \le b} n_k \ell_k / N_b` with :math:`N_b = \sum_{k\le b} n_k`.
    Undoing it,

    .. math:: \ell_b = \frac{N_b\, m_b - N_{b-1}\, m_{b-1}}{n_b},

    which for equal batches is :math:`\ell_b = b\, m_b - (b-1)\, m_{b-1}`.

    Pass the means of *one* epoch (Keras restarts the mean at each epoch). The logged means
    are float32, so the recovered losses carry an absolute error of about
    :math:`b \cdot 10^{-7} \cdot m_b`, growing with the batch index.

    Parameters
    ----------
    running_means : sequence of float
        ``logs["loss"]`` at the end of batches 1, 2, ... of one epoch.
    batch_sizes : sequence of float, optional
        Size of each batch (default: all equal, for instance all full batches).
    """
    means = _vector("running_means", running_means)
    if batch_sizes is None:
        sizes = np.ones_like(means)
    else:
        sizes = _vector("batch_sizes", batch_sizes)
        if sizes.shape != means.shape:
            raise ValueError(
                f"batch_sizes must have one entry per running mean, got {sizes.size} for {means.size}"
            )
        if not np.all(sizes > 0):
            raise ValueError(f"batch_sizes must be positive, got {sizes.tolist()!r}")
    totals = np.cumsum(sizes) * means
    return np.diff(totals, prepend=0.0) / sizes


class Suggestion(NamedTuple):
    """A suggested learning rate and the point of the curve it was read from.

    Attributes
    ----------
    rule : str
        One of :data:`SUGGESTION_RULES`.
    learning_rate : float
        The suggested rate.
    index : int
        Index of the point of the curve the rule picked (for ``"minimum"``, the minimum
        itself, whose rate is ten times the suggestion).
    loss : float
        The (smoothed) loss at ``index``.
    """

    rule: str
    learning_rate: float
    index: int
    loss: float


def valley_index(losses: Sequence[float] | np.ndarray) -> int:
    """Index of fastai's ``valley`` suggestion on a curve of losses (the rule of :func:`suggest_lr`).

    fastai's code (``fastai/callback/schedule.py``, by ESRI), line for line: ``lds[i]`` is the
    length of the longest strictly decreasing subsequence ending at ``i``; the "valley" ends
    where that length is largest (the first such point) and is taken to start ``lds`` points
    earlier. The suggestion lies about halfway down it (a third plus a sixth).

    >>> valley_index([3.0, 3.0, 2.5, 2.0, 1.5, 1.0, 4.0])
    1
    """
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    index = max_start + int(sections) + int(sections / 2)
    # max_start is one before the stretch's first point, so for a stretch of one or two
    # points index is -1, which fastai's Python indexing reads as the *last* point; here
    # it is the first point of the stretch instead.
    return max(index, 0)


def suggest_lr(learning_rates: Sequence[float] | np.ndarray, losses: Sequence[float] | np.ndarray,
               rule: str = "valley") -> Suggestion:
    r"""Read a learning rate off a range-test curve with one of fastai's rules.

    ``"valley"`` (fastai's default since 2021)
        The longest stretch over which the loss keeps decreasing (the longest decreasing
        subsequence, in fastai's implementation), and the rate about halfway down it:
        far enough from the flat start to learn fast, far enough from the bottom to be
        safe from the blow-up that follows.
    ``"steepest"`` (fastai's ``steep``)
        The rate at which the loss falls fastest per decade of rate: the left end of the
        segment with the most negative slope
        :math:`(\ell_{i+1}-\ell_i)/(\ln\eta_{i+1}-\ln\eta_i)`.
    ``"minimum"`` (fastai's ``minimum``)
        One tenth of the rate at the lowest loss: the minimum itself already sits at the
        edge of divergence.

    Pass the *smoothed* curve, without its noisy start and diverging end
    (:meth:`LRFinderResult.suggest` does that); every value must be finite.

    Parameters
    ----------
    learning_rates, losses : sequence of float
        The curve, same length, at least 2 points.
    rule : {"valley", "steepest", "minimum"}

    Returns
    -------
    Suggestion
    """
    rule = _check_rule(rule)
    lrs = _vector("learning_rates", learning_rates)
    values = _vector("losses", losses)
    if lrs.shape != values.shape:
        raise ValueError(
            f"learning_rates and losses must have the same length, got {lrs.size} and {values.size}"
        )
    if lrs.size < 2:
        raise ValueError(f"a suggestion needs at least 2 points of the curve, got {lrs.size}")
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(lrs)) and np.all(lrs > 0)):
        raise ValueError("learning_rates must be positive and finite, and losses finite")
    if rule == "minimum":
        index = int(np.argmin(values))
        rate = lrs[index] / 10.0
    elif rule == "steepest":
        slopes = np.diff(values) / np.diff(np.log(lrs))
        index = int(np.argmin(slopes))
        rate = lrs[index]
    else:
        index = valley_index(values)
        rate = lrs[index]
    return Suggestion(rule, float(rate), index, float(values[index]))


# --------------------------------------------------------------------------------------
# The default suggestion: short trials of candidate rates read off the curve
# --------------------------------------------------------------------------------------
#: A sweep whose loss never falls this share below where it started has not shown where
#: training starts (see :func:`trial_candidates`).
FLAT_DROP = 0.1


def loss_drop(losses: Sequence[float] | np.ndarray, start: int = 10, width: int = 5) -> float:
    """How far the loss of a sweep fell: ``1 - lowest / first``, as a share of ``first``.

    ``first`` is the median of the first ``start`` batch losses (at least one); ``lowest``
    the lowest median of ``width`` consecutive losses (a running median, so one lucky
    batch does not count as a fall). Raw losses, not the smoothed ones: the moving
    average lags by tens of steps and hides a fall near the end of the sweep. Non-finite
    losses end the curve; a curve too short for one window has not fallen (0).
    """
    values = _vector("losses", losses)
    finite = np.isfinite(values)
    if not finite.all():
        values = values[: int(np.argmin(finite))]
    start = max(int(start), 1)
    if values.size < start + width:
        return 0.0
    first = float(np.median(values[:start]))
    windows = np.lib.stride_tricks.sliding_window_view(values, width)
    lowest = float(np.median(windows, axis=1).min())
    return (first - lowest) / max(abs(first), np.finfo(float).tiny)


def trial_candidates(result: LRFinderResult, *, skip_start: int | None = None,
                     skip_end: int = 5) -> tuple[Suggestion, np.ndarray]:
    r"""The rates the default suggestion tries, and the curve suggestion they are built on.

    The valley rate :math:`v` of the curve (:meth:`LRFinderResult.suggest`) and the two
    half-decades above it, :math:`v\sqrt{10}` and :math:`10v`: a range test's curve lags
    behind the rate (the smoothing, and momentum or Adam's moments, carry the loss of
    earlier, smaller rates), so the valley reads low as often as not, and the trials let
    the data say how far up to go. If the sweep's loss never fell by :data:`FLAT_DROP`
    (:func:`loss_drop` below it), the sweep was too short for the model to start learning
    and the valley is noise; the candidates are then the three half-decades from a
    hundredth of the last rate the rules read up to a tenth of it, where such a model
    usually trains (a slow starter, such as a convolutional network under SGD, needs more
    steps at a useful rate than the sweep gives it).

    Returns
    -------
    (Suggestion, numpy.ndarray)
        The valley suggestion, and the candidates in increasing order.
    """
    valley = result.suggest("valley", skip_start=skip_start, skip_end=skip_end)
    start, stop = result._window(skip_start, skip_end)
    if loss_drop(result.losses, start=start) < FLAT_DROP:
        top = float(result.learning_rates[stop - 1])
        candidates = top * 10.0 ** np.array([-2.0, -1.5, -1.0])
    else:
        candidates = valley.learning_rate * 10.0 ** np.array([0.0, 0.5, 1.0])
    return valley, candidates


def trial_score(losses: Sequence[float] | np.ndarray) -> float:
    """How a trial run is judged: the mean batch loss over its second half (``inf`` if any
    loss is not finite); lower is better. The first half is left out: every trial starts
    from the same weights, and what counts is where each rate has got to, not the start."""
    values = np.asarray(losses, dtype=np.float64)
    if values.size == 0 or not np.all(np.isfinite(values)):
        return math.inf
    return float(values[values.size // 2:].mean())


class Trials(NamedTuple):
    """The trial runs behind the default suggestion of :func:`find_lr`.

    Each candidate rate trained the model for ``steps`` batches from the state the range
    test started from (which was put back after each), and the candidate with the lowest
    :func:`trial_score` was kept.

    Attributes
    ----------
    source : Suggestion
        The curve suggestion the candidates were built on (:func:`trial_candidates`).
    learning_rates : numpy.ndarray
        The candidates, increasing.
    losses : tuple of numpy.ndarray
        Each trial's batch losses (shorter than ``steps`` only where the data ran out; a
        trial that blew up keeps all its losses, NaN included).
    scores : numpy.ndarray
        :func:`trial_score` of each trial (``inf`` for one that blew up or was cut short).
    steps : int
        The planned length of each trial.
    chosen : int
        Index of the kept candidate.
    """

    source: Suggestion
    learning_rates: np.ndarray
    losses: tuple
    scores: np.ndarray
    steps: int
    chosen: int

    @property
    def learning_rate(self) -> float:
        """The kept rate."""
        return float(self.learning_rates[self.chosen])

    @property
    def total_steps(self) -> int:
        """Batches the trials trained on, together."""
        return int(sum(len(losses) for losses in self.losses))


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------
class LRFinderResult(NamedTuple):
    """What a range test recorded, with its suggestions and a plot.

    Attributes
    ----------
    learning_rates : numpy.ndarray
        The rate of each step that ran (the first ``len(losses)`` rates of
        :func:`sweep_learning_rates`).
    losses : numpy.ndarray
        The loss of each batch, computed at the weights *before* that batch's update with
        the rate ``learning_rates[i]`` about to be applied: the same loss Keras
        differentiates (regularisation included).
    smoothed_losses : numpy.ndarray
        :func:`smooth_losses` of ``losses`` with ``smoothing``.
    metrics : dict of str to numpy.ndarray
        The other compiled metrics of each batch (``"accuracy"``...), per batch as well.
    stop_reason : str
        One of :data:`STOP_REASONS`.
    num_steps : int
        The number of steps planned.
    smoothing, stop_factor : float
        The settings of the run.
    mode : str
        ``"exponential"`` or ``"linear"``.
    method : str
        How :attr:`suggested_lr` is made, one of :data:`SUGGESTION_METHODS`: ``"trials"``
        (what :func:`find_lr` does by default) or a curve rule.
    trials : Trials or None
        The trial runs behind a ``"trials"`` suggestion (``None`` otherwise, or when the
        curve was too short to build candidates from).
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    metrics: dict
    stop_reason: str
    num_steps: int
    smoothing: float
    stop_factor: float
    mode: str
    method: str = "valley"
    trials: Trials | None = None

    def __repr__(self) -> str:
        n = len(self.losses)
        span = f"{self.learning_rates[0]:.1e} to {self.learning_rates[-1]:.1e}" if n else "no step"
        trials = f", {len(self.trials.scores)} trials of {self.trials.steps} steps" if self.trials else ""
        return (
            f"LRFinderResult({n} of {self.num_steps} steps{trials}, rates {span}, "
            f"stop_reason={self.stop_reason!r}, method={self.method!r})"
        )

    @property
    def total_steps(self) -> int:
        """Batches the test trained on: the sweep's and the trials'."""
        return len(self.losses) + (self.trials.total_steps if self.trials is not None else 0)

    def with_smoothing(self, smoothing: float) -> LRFinderResult:
        """The same run with its raw losses smoothed again with another ``smoothing``.

        The stop reason and the number of steps are those of the recorded run: a
        different factor might have stopped it elsewhere.
        """
        smoothing = _check_smoothing(smoothing)
        return self._replace(smoothed_losses=smooth_losses(self.losses, smoothing),
                             smoothing=smoothing)

    def _window(self, skip_start: int | None, skip_end: int) -> tuple[int, int]:
        if skip_start is None:
            skip_start = self.num_steps // 10
        for name, value in (("skip_start", skip_start), ("skip_end", skip_end)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {name}={value!r}")
        finite = np.isfinite(self.smoothed_losses)
        stop = len(finite) if finite.all() else int(np.argmin(finite))
        return int(skip_start), min(stop, len(finite) - int(skip_end))

    def suggest(self, rule: str = "valley", *, skip_start: int | None = None,
                skip_end: int = 5) -> Suggestion:
        """A suggested rate, read off the smoothed curve as fastai's ``lr_find`` does.

        The rule sees the smoothed losses without the first ``skip_start`` points
        (default: a tenth of ``num_steps``, where the average is still settling), the last
        ``skip_end`` points (where the loss shoots up) and anything from the first
        non-finite value on. ``index`` in the returned :class:`Suggestion` counts from the
        start of the full curve.

        Raises
        ------
        ValueError
            If fewer than 2 points are left: the sweep stopped too early to suggest anything
            (start lower, or lower ``end_lr``).
        """
        rule = _check_rule(rule)
        start, stop = self._window(skip_start, skip_end)
        if stop - start < 2:
            raise ValueError(
                f"the sweep stopped after {len(self.losses)} of {self.num_steps} steps "
                f"({self.stop_reason}), leaving {max(stop - start, 0)} point(s) after skipping "
                f"{start} at the start and {skip_end} at the end; too few for a suggestion"
            )
        found = suggest_lr(self.learning_rates[start:stop], self.smoothed_losses[start:stop], rule)
        return found._replace(index=found.index + start)

    @property
    def suggestions(self) -> dict[str, Suggestion]:
        """Every rule's suggestion (``{}`` if the curve is too short for any)."""
        out = {}
        for rule in SUGGESTION_RULES:
            try:
                out[rule] = self.suggest(rule)
            except ValueError:
                return {}
        return out

    @property
    def suggested_lr(self) -> float:
        """The suggestion made as :attr:`method` says: the kept trial rate for ``"trials"``,
        otherwise that curve rule's rate.

        Raises
        ------
        ValueError
            If the curve is too short for a suggestion (see :meth:`suggest`).
        """
        if self.method == "trials":
            if self.trials is None:
                self.suggest("valley")  # raises: the curve was too short to build candidates
                raise ValueError("this result has no trial runs: find_lr made none")
            return self.trials.learning_rate
        return self.suggest(self.method).learning_rate

    def explain(self) -> str:
        """One sentence on how :attr:`suggested_lr` was made."""
        if self.method != "trials":
            return f"the {self.method!r} rule read off the smoothed curve: {self.suggested_lr:.3g}"
        if self.trials is None:
            return "no suggestion: the curve was too short to build trial candidates from"
        t = self.trials
        tried = ", ".join(f"{lr:.3g} ({'diverged' if not math.isfinite(v) else f'{v:.4g}'})"
                          for lr, v in zip(t.learning_rates, t.scores))
        return (f"trained {len(t.scores)} candidates for {t.steps} steps each from the starting "
                f"state (built on the valley rate {t.source.learning_rate:.3g}); mean loss over "
                f"each trial's second half: {tried}; kept {t.learning_rate:.3g}")

    def plot(self, ax: Any = None, *, rules: Sequence[str] = SUGGESTION_RULES,
             raw: bool = True, trials: bool = True) -> Any:
        """Loss against learning rate (log scale), with the suggestions marked.

        Draws the smoothed curve, the raw batch losses (``raw=True``) in a lighter line,
        for each rule in ``rules`` a dashed vertical line at its rate with a dot on the
        smoothed curve, and (``trials=True``) the rate the trials kept, dotted in black.
        The vertical range follows the smoothed curve, so a last loss that blew up does not
        flatten the rest. Returns the axes.
        """
        import matplotlib.pyplot as plt

        rules = [_check_rule(rule) for rule in rules]
        if ax is None:
            ax = plt.subplots()[1]
        lrs, smoothed = self.learning_rates, self.smoothed_losses
        if raw:
            ax.plot(lrs, self.losses, color="0.6", lw=1, alpha=0.6, label="batch loss")
        ax.plot(lrs, smoothed, color="C0", label=f"smoothed (smoothing {self.smoothing:g})")
        colors = {"valley": "C1", "steepest": "C2", "minimum": "C3"}
        for rule in rules:
            try:
                found = self.suggest(rule)
            except ValueError:
                continue
            y = np.interp(np.log(found.learning_rate), np.log(lrs), smoothed)
            ax.axvline(found.learning_rate, color=colors[rule], ls="--", lw=1)
            ax.plot([found.learning_rate], [y], "o", color=colors[rule],
                    label=f"{rule}: {found.learning_rate:.2g}")
        if trials and self.trials is not None:
            rate = self.trials.learning_rate
            y = np.interp(np.log(rate), np.log(lrs), smoothed)
            ax.axvline(rate, color="k", ls=":", lw=1.2)
            ax.plot([rate], [y], "D", color="k", label=f"trials (default): {rate:.2g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        limits = self._ylim()
        if limits is not None:
            ax.set_ylim(*limits)
        ax.legend()
        return ax

    def _ylim(self) -> tuple[float, float] | None:
        # From the lowest batch loss to a quarter of the range above the highest smoothed loss
        # *before* the smoothed minimum (the flat start): the blow-up after the minimum can be
        # orders of magnitude larger and would flatten everything else. Both are read after the
        # first tenth of the steps, as the rules read the curve: a lucky first batch would
        # otherwise count as the minimum and cut off the whole curve.
        start = min(self.num_steps // 10, max(len(self.losses) - 2, 0))
        smoothed = self.smoothed_losses[start:]
        finite = np.isfinite(smoothed)
        if not finite.any():
            return None
        lowest = int(np.nanargmin(np.where(finite, smoothed, np.nan)))
        before = smoothed[: lowest + 1][finite[: lowest + 1]]
        losses = self.losses[start:]
        raw = losses[np.isfinite(losses)]
        low = float(min(before.min(), raw.min() if raw.size else before.min()))
        high = float(before.max())
        span = high - low if high > low else abs(high) + 1e-12
        return low - 0.05 * span, high + 0.25 * span


# --------------------------------------------------------------------------------------
# The callback
# --------------------------------------------------------------------------------------
def _settable_rate(optimizer: Any) -> Any:
    rate = optimizer.learning_rate
    if not isinstance(rate, keras.Variable):
        raise ValueError(
            "the model's optimizer was built with a learning-rate schedule or a callable "
            f"({type(getattr(optimizer, '_learning_rate', rate)).__name__}), so its rate cannot be "
            "set step by step; compile a copy of the model with a float learning rate for the "
            "range test, e.g. keras.optimizers.Adam(learning_rate=1e-3)"
        )
    return rate


def _check_model(model: Any) -> None:
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise ValueError(
            "the model must be compiled with an optimizer and a loss before the range test "
            "(model.compile(optimizer=..., loss=...))"
        )
    _settable_rate(model.optimizer)
    if int(getattr(model, "steps_per_execution", 1)) != 1:
        raise ValueError(
            "the range test sets the rate before every batch, which Keras allows only with "
            f"steps_per_execution=1; the model was compiled with "
            f"steps_per_execution={model.steps_per_execution}"
        )


def _unique(variables: Sequence[Any]) -> list[Any]:
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


@keras.saving.register_keras_serializable(package="lrutils")
class LRFinder(keras.callbacks.Callback):
    r"""The LR range test as a Keras callback: pass it to ``model.fit``.

    Before batch :math:`i` it sets the optimizer's rate to the :math:`i`-th rate of
    :func:`sweep_learning_rates`; after it, it records the batch's loss and its
    bias-corrected moving average (:func:`smooth_losses`), and stops training when

    * all ``num_steps`` steps have run (``"completed"``),
    * the smoothed loss exceeds ``stop_factor`` times the lowest smoothed loss so far
      (``"diverged"``), or
    * a loss is NaN or infinite (``"non_finite"``).

    When ``fit`` ends, the model and its optimizer are put back exactly as they were when it
    started (:meth:`restore`), and :attr:`result` holds the curve. If ``fit`` raises or is
    interrupted, Keras does not call the end-of-training hook: call :meth:`restore`
    yourself, or use :func:`find_lr`, which does it in a ``finally`` block.

    The true per-batch loss: Keras reports the mean over the epoch so far; the callback
    zeroes the model's metric accumulators before each batch, so the logs at the end of a
    batch hold that batch's values. Epoch-level logs of the ``fit`` it runs in are therefore
    those of the last batch.

    Cost: on TensorFlow (without a distribution strategy) the callback puts both chores,
    zeroing the metrics and setting the next rate, inside the compiled training step: for
    the length of ``fit`` it swaps in its own ``model.train_function``, which wraps the
    model's ``train_step`` (a custom one included), and puts Keras's back when ``fit``
    ends (or at :meth:`restore`). A step then costs about what a plain step costs. That
    function is traced once per compiled model and kept on the model for the next test.
    Elsewhere it sets the rate and zeroes the metrics from ``on_train_batch_begin``, one
    extra call per batch. Either way, a callback running after it sees the rate of the
    coming batch in its ``on_train_batch_begin``.

    The model must be built (it has its weights) when ``fit`` starts, so that there is a
    state to restore; :func:`find_lr` builds it for you. An optimizer that has not made a
    step yet is built (zero moments, ``iterations`` 0) exactly as ``fit`` would build it.

    Parameters
    ----------
    start_lr, end_lr : float
        First and last rate of the sweep, positive, ``start_lr < end_lr``.
    num_steps : int
        Number of batches (rates) in the sweep, at least ``MIN_STEPS`` (10).
    mode : {"exponential", "linear"}
        Geometric sweep (fastai) or linear (Smith 2017).
    smoothing : float
        :math:`\beta` of the moving average, in ``[0, 1)``.
    stop_factor : float
        Stop once the smoothed loss exceeds this multiple of its best (> 1; ``math.inf``
        stops only on a non-finite loss).

    Attributes
    ----------
    result : LRFinderResult or None
        The curve recorded so far (``None`` before the first batch).
    stop_reason : str or None

    Examples
    --------
    >>> finder = LRFinder(num_steps=100)
    >>> model.fit(x, y, batch_size=32, epochs=1, callbacks=[finder], verbose=0)  # doctest: +SKIP
    >>> finder.result.suggested_lr  # doctest: +SKIP
    """

    def __init__(self, start_lr: float = 1e-7, end_lr: float = 10.0, num_steps: int = 100,
                 mode: str = "exponential", smoothing: float = 0.98, stop_factor: float = 4.0):
        super().__init__()
        self.start_lr, self.end_lr, self.num_steps, self.mode = _check_sweep(
            start_lr, end_lr, num_steps, mode
        )
        self.smoothing = _check_smoothing(smoothing)
        self.stop_factor = _check_stop_factor(stop_factor)
        self.rates = sweep_learning_rates(self.start_lr, self.end_lr, self.num_steps, self.mode)
        self._snapshot: list[tuple[Any, np.ndarray]] | None = None
        self._reset()

    def _reset(self) -> None:
        self._losses: list[float] = []
        self._smoothed: list[float] = []
        self._metrics: dict[str, list[float]] = {}
        self._average = 0.0
        self._best = math.inf
        self._prepare = None
        self._prepared_for = -1
        self._folded: _FoldedStep | None = None
        self.stop_reason: str | None = None

    def get_config(self) -> dict[str, Any]:
        return {"start_lr": self.start_lr, "end_lr": self.end_lr, "num_steps": self.num_steps,
                "mode": self.mode, "smoothing": self.smoothing, "stop_factor": self.stop_factor}

    # -- state ---------------------------------------------------------------------
    def _take_snapshot(self) -> None:
        model = self.model
        if not model.built:
            raise ValueError(
                "LRFinder needs a built model, so that it can put its weights back after the "
                "test: give the model a keras.Input, call model.build(input_shape) or call it on "
                "a batch first, or use lrutils.lr_finder.find_lr, which builds it"
            )
        optimizer = model.optimizer
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        variables = _unique([*model.variables, *optimizer.variables, *model.metrics_variables])
        self._snapshot = [(v, np.array(keras.ops.convert_to_numpy(v), copy=True)) for v in variables]

    def restore(self) -> None:
        """Put every model, optimizer and metric variable back as it was when ``fit`` started.

        Does nothing if there is nothing to restore (already restored, or ``fit`` never
        started). Also clears ``model.stop_training``.
        """
        if self._folded is not None:
            folded, self._folded = self._folded, None
            folded.uninstall(self.model)
        if self._snapshot is None:
            return
        self._put_back()
        self._snapshot = None
        self.model.stop_training = False

    def _put_back(self) -> None:
        for variable, value in self._snapshot:
            variable.assign(value)

    # -- Keras hooks -----------------------------------------------------------------
    def on_train_begin(self, logs=None):
        _check_model(self.model)
        self._reset()
        self._rate = _settable_rate(self.model.optimizer)
        self._take_snapshot()
        if _can_fold(self.model):
            self._folded = _FoldedStep.for_model(self.model, self._rate, self.num_steps)
            self._folded.install(self.model, self.rates)

    def _prepare_step(self, rate: float) -> None:
        # Without a folded step: one compiled call sets the rate and zeroes the metric
        # accumulators, so that the logs at the end of the batch are that batch's own values.
        # The metrics may create their variables while the first training step is traced, so
        # the function is (re)made when their number changes.
        metric_vars = self.model.metrics_variables
        if self._prepare is None or self._prepared_for != len(metric_vars):
            self._prepare = _make_prepare(self._rate, metric_vars)
            self._prepared_for = len(metric_vars)
        self._prepare(np.asarray(rate, dtype=self._rate.dtype))

    def on_train_batch_begin(self, batch, logs=None):
        if self._folded is not None:  # the training step sets the rate and zeroes the metrics
            return
        step = len(self._losses)
        if step >= self.num_steps:  # pragma: no cover - fit stops at num_steps
            self.model.stop_training = True
            return
        self._prepare_step(self.rates[step])

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        if "loss" not in logs:
            raise ValueError(
                f"the training logs have no 'loss' entry (keys: {sorted(logs)}); the range test "
                "needs a model compiled with a loss"
            )
        loss = float(logs["loss"])
        step = len(self._losses)
        self._losses.append(loss)
        for name, value in logs.items():
            if name != "loss":
                self._metrics.setdefault(name, []).append(float(np.mean(value)))
        beta = self.smoothing
        self._average = beta * self._average + (1.0 - beta) * loss
        smoothed = self._average / (1.0 - beta ** (step + 1))
        self._smoothed.append(smoothed)
        if math.isfinite(smoothed):
            self._best = min(self._best, smoothed)
        if not (math.isfinite(loss) and math.isfinite(smoothed)):
            self.stop_reason = "non_finite"
        elif smoothed > self.stop_factor * self._best:
            self.stop_reason = "diverged"
        elif step + 1 >= self.num_steps:
            self.stop_reason = "completed"
        if self.stop_reason is not None:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        # The epoch logs of the fit the test runs in are those of its last batch.
        if logs is not None and self._losses:
            if "loss" in logs:
                logs["loss"] = self._losses[-1]
            for name, values in self._metrics.items():
                if name in logs:
                    logs[name] = values[-1]

    def on_train_end(self, logs=None):
        if self.stop_reason is None:
            self.stop_reason = "data_exhausted"
        self.restore()

    # -- results -------------------------------------------------------------------
    @property
    def result(self) -> LRFinderResult | None:
        n = len(self._losses)
        if n == 0:
            return None
        return LRFinderResult(
            learning_rates=self.rates[:n].copy(),
            losses=np.asarray(self._losses, dtype=np.float64),
            smoothed_losses=np.asarray(self._smoothed, dtype=np.float64),
            metrics={k: np.asarray(v, dtype=np.float64) for k, v in self._metrics.items()},
            stop_reason=self.stop_reason or "running",
            num_steps=self.num_steps,
            smoothing=self.smoothing,
            stop_factor=self.stop_factor,
            mode=self.mode,
        )

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """:meth:`LRFinderResult.plot` of :attr:`result`."""
        if self.result is None:
            raise ValueError("nothing to plot: the range test has not run a batch yet")
        return self.result.plot(ax=ax, **kwargs)


def _can_fold(model: Any) -> bool:
    """Whether the range test can run inside the model's compiled step (see :class:`_FoldedStep`)."""
    if keras.backend.backend() != "tensorflow" or getattr(model, "train_function", None) is None:
        return False
    strategy = model.distribute_strategy
    return strategy.num_replicas_in_sync == 1 and type(strategy).__name__ == "_DefaultDistributionStrategy"


_NOTHING = object()


class _FoldedStep:
    """The range test folded into the model's training step (TensorFlow backend).

    The step zeroes the metric accumulators, runs the model's own ``train_step`` and then sets
    the rate of the *next* step from a table indexed by a step counter; both are TensorFlow
    variables outside the model (not in ``model.variables``, not saved with it). Built with
    ``make_train_function(force=True)`` while ``train_step`` is shadowed on the instance, so
    Keras wraps it exactly as its own (distribution, ``jit_compile``, ``run_eagerly``). Kept on
    the model and reused while the model's own ``train_function`` (which ``compile`` replaces),
    its rate variable and its metric variables are the same and the table is long enough.
    """

    ATTRIBUTE = "_lrutils_lr_finder_step"

    def __init__(self, model: Any, rate_variable: Any, capacity: int):
        import tensorflow as tf

        self.source = model.train_function
        self.rate = rate_variable
        self.metric_variables = list(model.metrics_variables)
        self.capacity = capacity
        self.table = tf.Variable(tf.zeros([capacity], rate_variable.dtype), trainable=False)
        self.counter = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.model = weakref.ref(model)
        self.train_step = model.train_step  # the model's own (bound) step, a custom one included
        self.function = None
        self.shadowed: Any = _NOTHING

    def step(self, data: Any) -> Any:
        import tensorflow as tf

        known = list(self.metric_variables)
        for v in known:  # zeroed before the batch: the logs hold this batch alone
            v.assign(tf.zeros(v.shape, v.dtype))
        logs = self.train_step(data)
        # Keras creates the compiled metrics' variables while the first step is traced; those
        # are zeroed *after* the batch instead, once the logs have read them (TensorFlow keeps
        # the reads and writes of a variable in program order), so they too start every batch
        # at zero, without a second trace.
        model = self.model()
        known_ids = {id(v) for v in known}
        created = [v for v in model.metrics_variables if id(v) not in known_ids]
        for v in created:
            v.assign(tf.zeros(v.shape, v.dtype))
        self.metric_variables = known + created
        index = self.counter.assign_add(1)
        self.rate.assign(tf.gather(self.table, tf.minimum(index, self.capacity - 1)))
        return logs

    def _same_metrics(self, model: Any) -> bool:
        return [id(v) for v in self.metric_variables] == [id(v) for v in model.metrics_variables]

    def fits(self, model: Any, rate_variable: Any, num_steps: int) -> bool:
        return (self.source is model.train_function and self.rate is rate_variable
                and self.capacity >= num_steps and self._same_metrics(model))

    @classmethod
    def for_model(cls, model: Any, rate_variable: Any, num_steps: int) -> _FoldedStep:
        # A test whose fit raised and was never restored left its step in place: put Keras's back.
        leftover = getattr(vars(model).get("train_step"), "__self__", None)
        if isinstance(leftover, cls):
            leftover.uninstall(model)
        folded = vars(model).get(cls.ATTRIBUTE)
        if folded is None or not folded.fits(model, rate_variable, num_steps):
            folded = cls(model, rate_variable, max(128, 1 << (num_steps - 1).bit_length()))
            object.__setattr__(model, cls.ATTRIBUTE, folded)  # untracked: not a model variable
        return folded

    def install(self, model: Any, rates: np.ndarray) -> None:
        table = np.full(self.capacity, rates[-1], dtype=np.float64)
        table[: len(rates)] = rates
        self.table.assign(table.astype(self.table.dtype.as_numpy_dtype))
        self.counter.assign(0)
        self.rate.assign(np.asarray(rates[0], dtype=self.table.dtype.as_numpy_dtype))
        self.shadowed = vars(model).get("train_step", _NOTHING)
        object.__setattr__(model, "train_step", self.step)
        if self.function is None:
            model.make_train_function(force=True)
            self.function = model.train_function
        model.train_function = self.function

    def uninstall(self, model: Any) -> None:
        model.train_function = self.source
        if vars(model).get("train_step") == self.step:
            if self.shadowed is _NOTHING:
                object.__delattr__(model, "train_step")
            else:  # a train_step the user had set on the instance
                object.__setattr__(model, "train_step", self.shadowed)


#: Compiled "set the rate, zero the metrics" functions, most recently used last. Keyed by the
#: identity of the variables they write (which they keep alive, so an id is not reused while
#: its entry exists); repeated range tests on one model reuse the function instead of tracing
#: it again.
_PREPARE_CACHE: OrderedDict[tuple[int, ...], Any] = OrderedDict()
_PREPARE_CACHE_SIZE = 8


def _make_prepare(rate_variable: Any, metric_variables: Sequence[Any]):
    key = (id(rate_variable), *map(id, metric_variables))
    if key in _PREPARE_CACHE:
        _PREPARE_CACHE.move_to_end(key)
        return _PREPARE_CACHE[key]
    metric_variables = list(metric_variables)

    def prepare(rate):
        rate_variable.assign(rate)
        for v in metric_variables:
            v.assign(keras.ops.zeros(v.shape, dtype=v.dtype))

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        prepare = tf.function(prepare, input_signature=[tf.TensorSpec([], rate_variable.dtype)])
    _PREPARE_CACHE[key] = prepare
    while len(_PREPARE_CACHE) > _PREPARE_CACHE_SIZE:
        _PREPARE_CACHE.popitem(last=False)
    return prepare


# --------------------------------------------------------------------------------------
# The function
# --------------------------------------------------------------------------------------
def _first_x(batch: Any) -> Any:
    x, _, _ = keras.utils.unpack_x_y_sample_weight(batch)
    return x


def _generator(first: Any, rest: Iterator) -> Iterator:
    yield first
    yield from rest


def _passthrough(rest: Iterator) -> Iterator:
    yield from rest


def _num_samples(x: Any) -> int:
    leaves = keras.tree.flatten(x)
    if not leaves:
        raise ValueError("data holds no arrays")
    return int(np.shape(leaves[0])[0])


def _fit_arguments(data: Any, batch_size: Any, num_steps: int, shuffle: bool,
                   need_sample: bool) -> tuple[dict[str, Any], Any]:
    """``model.fit`` keyword arguments that run at least ``num_steps`` batches, and a sample x."""
    if isinstance(data, (tuple, list)):
        if len(data) not in (2, 3):
            raise ValueError(
                "data given as a tuple must be (x, y) or (x, y, sample_weight), "
                f"got a {type(data).__name__} of length {len(data)}"
            )
        if batch_size is None:
            batch_size = DEFAULT_BATCH_SIZE
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got batch_size={batch_size!r}")
        x, y = data[0], data[1]
        n = _num_samples(x)
        if n == 0:
            raise ValueError("data holds no samples")
        per_epoch = math.ceil(n / int(batch_size))
        sample = keras.tree.map_structure(lambda a: a[:1], x) if need_sample else None
        kwargs = dict(x=x, y=y, sample_weight=data[2] if len(data) == 3 else None,
                      batch_size=int(batch_size), epochs=math.ceil(num_steps / per_epoch),
                      shuffle=shuffle)  # only arrays are shuffled by fit
        return kwargs, sample
    if batch_size is not None:
        raise ValueError(
            "batch_size is for NumPy inputs only; a dataset or generator yields its own batches, "
            f"got batch_size={batch_size!r}"
        )
    try:
        import tensorflow as tf
    except ImportError:  # pragma: no cover - the book runs on TensorFlow
        tf = None
    if tf is not None and isinstance(data, tf.data.Dataset):
        cardinality = int(data.cardinality())
        sample = _first_x(next(iter(data.take(1)))) if need_sample else None
        if cardinality == tf.data.INFINITE_CARDINALITY:
            return dict(x=data, epochs=1, steps_per_epoch=num_steps, shuffle=False), sample
        if cardinality == 0:
            raise ValueError("the dataset is empty")
        if cardinality == tf.data.UNKNOWN_CARDINALITY:
            # every epoch yields at least one batch; the finder stops at num_steps
            return dict(x=data, epochs=num_steps, shuffle=False), sample
        return dict(x=data, epochs=math.ceil(num_steps / cardinality), shuffle=False), sample
    if isinstance(data, keras.utils.PyDataset):
        batches = data.num_batches
        sample = _first_x(data[0]) if need_sample else None
        if batches is None:
            return dict(x=data, epochs=1, steps_per_epoch=num_steps, shuffle=False), sample
        if batches == 0:
            raise ValueError("the PyDataset is empty")
        return dict(x=data, epochs=math.ceil(num_steps / batches), shuffle=False), sample
    if isinstance(data, Iterator):
        # A generator can be read once: one "epoch" that ends when it is exhausted or when
        # the finder stops. Keras accepts generators only, so an iterator is wrapped in one.
        sample = None
        if need_sample:
            try:
                first = next(data)
            except StopIteration:
                raise ValueError("the generator is empty") from None
            sample = _first_x(first)
            data = _generator(first, data)
        elif not isinstance(data, types.GeneratorType):
            data = _passthrough(data)
        return dict(x=data, epochs=1, shuffle=False), sample
    raise TypeError(
        "data must be (x, y) or (x, y, sample_weight) arrays, a tf.data.Dataset, a "
        f"keras.utils.PyDataset or a Python generator/iterator of batches, got {type(data).__name__}"
    )


class _TrialRun(LRFinder):
    """The trials of the default suggestion in one ``fit``: each candidate rate in turn for
    ``steps`` batches, with the starting state put back before each (and, as for the sweep,
    after the last). One ``fit`` rather than one per candidate saves its fixed cost twice.
    A candidate that blows up only spoils its own batches; it is judged afterwards
    (:func:`_diverged`)."""

    def __init__(self, rates: np.ndarray, steps: int, smoothing: float):
        rates = np.asarray(rates, dtype=np.float64)
        super().__init__(start_lr=float(rates.min()), end_lr=2.0 * float(rates.max()),
                         num_steps=steps * len(rates), mode="linear", smoothing=smoothing,
                         stop_factor=math.inf)
        self.rates = np.repeat(rates, steps)
        self.trial_steps = steps

    def on_train_batch_begin(self, batch, logs=None):
        step = len(self._losses)
        if step and step % self.trial_steps == 0:  # the next candidate starts where all did
            self._put_back()
            self._rate.assign(np.asarray(self.rates[step], dtype=self._rate.dtype))
        super().on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        if "loss" not in logs:
            raise ValueError("the training logs have no 'loss' entry; the trials need a model "
                             "compiled with a loss")
        self._losses.append(float(logs["loss"]))
        if len(self._losses) >= self.num_steps:
            self.stop_reason = "completed"
            self.model.stop_training = True


def _diverged(losses: np.ndarray, smoothing: float, stop_factor: float) -> bool:
    """Whether a trial blew up: a loss that is not finite, or a smoothed loss above
    ``stop_factor`` times the loss of its first batch, the loss at the starting weights
    (the same for every candidate; measured from a trial's own best, a model that starts
    from a low loss would be stopped by mere noise)."""
    if losses.size == 0 or not np.all(np.isfinite(losses)):
        return True
    return bool(np.any(smooth_losses(losses, smoothing) > stop_factor * losses[0]))


def _trial_batches(data: Any, batch_size: Any, steps: int, shuffle: bool,
                   repeats: int) -> dict[str, Any] | None:
    """For NumPy arrays, ``fit`` arguments that give every trial the same ``steps`` batches,
    ``repeats`` times over.

    The examples are drawn once (reshuffled at each pass over the data if ``shuffle``, with
    NumPy's global generator, which :func:`lrutils.set_seed` seeds), so that the candidates
    are compared on the same data and only their rates differ. Other inputs are read on by
    each trial (``None``).
    """
    if not isinstance(data, (tuple, list)):
        return None
    leaves = keras.tree.flatten(list(data))
    if not all(isinstance(leaf, np.ndarray) for leaf in leaves if leaf is not None):
        return None
    n, size = _num_samples(data[0]), int(batch_size or DEFAULT_BATCH_SIZE)
    passes = math.ceil(steps * size / n)
    order = [np.random.permutation(n) if shuffle else np.arange(n) for _ in range(passes)]
    index = np.tile(np.concatenate(order)[: steps * size], repeats)
    take = lambda tree: keras.tree.map_structure(lambda a: a[index], tree)  # noqa: E731
    return dict(x=take(data[0]), y=take(data[1]),
                sample_weight=data[2][index] if len(data) == 3 else None,
                batch_size=size, epochs=1, shuffle=False)


def _run_trials(model: Any, data: Any, batch_size: Any, shuffle: bool, result: LRFinderResult,
                steps: int) -> Trials | None:
    """The second stage of the default suggestion (see :func:`find_lr`)."""
    try:
        source, candidates = trial_candidates(result)
    except ValueError:  # too short a curve: suggested_lr will say so
        return None
    fit_kwargs = _trial_batches(data, batch_size, steps, shuffle, repeats=len(candidates))
    if fit_kwargs is None:
        fit_kwargs, _ = _fit_arguments(data, batch_size, steps * len(candidates), shuffle,
                                       need_sample=False)
    trials = _TrialRun(candidates, steps, result.smoothing)
    try:
        with warnings.catch_warnings():  # as for the sweep: data that ran out is reported below
            warnings.filterwarnings("ignore", message=".*ran out of data.*")
            model.fit(**fit_kwargs, callbacks=[trials], verbose=0)
    finally:
        trials.restore()
    recorded = np.asarray(trials._losses, dtype=np.float64)
    losses = tuple(recorded[i * steps:(i + 1) * steps] for i in range(len(candidates)))
    # a trial cut short (the data ran out) or that blew up is not comparable
    scores = np.array([trial_score(v) if len(v) == steps
                       and not _diverged(v, result.smoothing, result.stop_factor) else math.inf
                       for v in losses])
    chosen = int(np.argmin(scores)) if np.isfinite(scores).any() else 0
    return Trials(source=source, learning_rates=np.asarray(candidates, dtype=np.float64),
                  losses=losses, scores=scores, steps=steps, chosen=chosen)


def find_lr(
    model: keras.Model,
    data: Any,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exponential",
    smoothing: float = 0.98,
    stop_factor: float = 4.0,
    batch_size: int | None = None,
    shuffle: bool = True,
    callbacks: Sequence[keras.callbacks.Callback] | None = None,
    suggestion: str = "trials",
    trial_steps: int = DEFAULT_TRIAL_STEPS,
) -> LRFinderResult:
    r"""Run an LR range test on a compiled model and return the curve; the model is left as it was.

    Trains ``model`` for ``num_steps`` batches (fewer if the loss diverges) with the rate
    growing from ``start_lr`` to ``end_lr`` (:func:`sweep_learning_rates`), records the true
    loss of every batch, and then puts every model and optimizer variable back bit for bit,
    whether the test completes, diverges, raises or is interrupted (``KeyboardInterrupt``
    included). An unbuilt model is built first (by calling it on one batch) and an
    optimizer that has not made a step yet is built as ``fit`` would build it; that is the
    state left behind.

    Then, by default (``suggestion="trials"``), it makes its suggestion in a second stage:
    three candidate rates read off the curve (:func:`trial_candidates`: the valley rate and
    the two half-decades above it) each train the model for ``trial_steps`` batches from
    the same starting state, which is put back after each (on the same batches, for arrays;
    a dataset is read afresh by each), and the candidate with the
    lowest mean loss over the second half of its trial is kept (:attr:`LRFinderResult.trials`
    records them). With the defaults the whole test costs at most 250 batches.
    ``suggestion="valley"`` (or ``"steepest"``, ``"minimum"``) skips the trials and
    suggests fastai's rule of that name, as ``fastai``'s ``lr_find`` does. A generator can
    be read only once, so with one the trials are skipped and the valley rule is used,
    with a warning.

    Parameters
    ----------
    model : keras.Model
        Compiled with a loss and an optimizer whose ``learning_rate`` is a float (not a
        ``LearningRateSchedule``: its rate cannot be set step by step).
    data :
        ``(x, y)`` or ``(x, y, sample_weight)`` NumPy arrays (batched with ``batch_size``,
        reshuffled every epoch if ``shuffle``); a ``tf.data.Dataset`` of batches, finite
        (repeated as needed) or infinite; a ``keras.utils.PyDataset``; or a Python generator
        (or iterator) of batches, read once. The number of steps is ``num_steps`` whatever
        the data's length; a generator that runs out first ends the test early with a
        warning.
    start_lr, end_lr, num_steps, mode, smoothing, stop_factor :
        As in :class:`LRFinder`. fastai's defaults: ``1e-7``, ``10``, ``100``,
        exponential, ``0.98``, ``4``.
    batch_size : int, optional
        For arrays only; default 32 (Keras's default). Run the test at the batch size you
        will train with: the best rate depends on it.
    shuffle : bool
        Shuffle arrays each epoch (as ``fit``).
    callbacks : list of keras.callbacks.Callback, optional
        More callbacks for the ``fit`` that runs the sweep (after the finder, so they see
        the rate it set); the trials run without them.
    suggestion : {"trials", "valley", "steepest", "minimum"}
        How :attr:`LRFinderResult.suggested_lr` is made (see above); every curve rule
        stays available from :meth:`LRFinderResult.suggest` whatever this is.
    trial_steps : int
        Batches per trial, at least ``MIN_STEPS`` (10). Longer trials judge more
        reliably and cost more: the book's benchmark measures the default.

    Returns
    -------
    LRFinderResult

    Examples
    --------
    >>> result = find_lr(model, (x_train, y_train), batch_size=128)  # doctest: +SKIP
    >>> result.suggested_lr, result.stop_reason  # doctest: +SKIP
    >>> result.plot()  # doctest: +SKIP
    """
    finder = LRFinder(start_lr=start_lr, end_lr=end_lr, num_steps=num_steps, mode=mode,
                      smoothing=smoothing, stop_factor=stop_factor)
    if not isinstance(suggestion, str) or suggestion not in SUGGESTION_METHODS:
        kind = ValueError if isinstance(suggestion, str) else TypeError
        raise kind(f"suggestion must be one of {SUGGESTION_METHODS}, got suggestion={suggestion!r}")
    if isinstance(trial_steps, bool) or not isinstance(trial_steps, numbers.Integral):
        raise TypeError(f"trial_steps must be an integer, got trial_steps={trial_steps!r}")
    if trial_steps < MIN_STEPS:
        raise ValueError(f"trial_steps must be at least {MIN_STEPS}, got trial_steps={trial_steps!r}")
    if suggestion == "trials" and isinstance(data, Iterator):
        warnings.warn(
            "a generator can be read only once, so no trial runs: the suggestion is the "
            "valley rule's (pass arrays, a tf.data.Dataset or a PyDataset for the trials, or "
            "suggestion='valley' to silence this)",
            stacklevel=2,
        )
        suggestion = "valley"
    _check_model(model)
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False, got shuffle={shuffle!r}")
    extra = list(callbacks or [])
    for cb in extra:
        if not isinstance(cb, keras.callbacks.Callback):
            raise TypeError(f"callbacks must be keras.callbacks.Callback objects, got {cb!r}")
    fit_kwargs, sample = _fit_arguments(data, batch_size, finder.num_steps, shuffle,
                                        need_sample=not model.built)
    if sample is not None:
        model(sample, training=False)  # builds the weights; inference mode changes no state
    had_history = "history" in vars(model)
    history = vars(model).get("history")
    try:
        with warnings.catch_warnings():
            # Keras warns when a generator ends before the planned epochs: reported below instead.
            warnings.filterwarnings("ignore", message=".*ran out of data.*")
            model.fit(**fit_kwargs, callbacks=[finder, *extra], verbose=0)
        finder.restore()
        result = finder.result
        if result is None:
            raise ValueError("the data yielded no batch: nothing was recorded")
        result = result._replace(method=suggestion)
        if suggestion == "trials":
            result = result._replace(trials=_run_trials(model, data, batch_size, shuffle, result,
                                                        int(trial_steps)))
    finally:
        finder.restore()
        if had_history:
            model.history = history
        elif "history" in vars(model):
            del model.history
    if result.stop_reason == "data_exhausted":
        warnings.warn(
            f"the data ran out after {len(result.losses)} of {finder.num_steps} steps; the sweep "
            f"reached only {result.learning_rates[-1]:.3g} (pass more data or fewer num_steps)",
            stacklevel=2,
        )
    return result
