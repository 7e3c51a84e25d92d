r"""The maths of the learning-rate range test ("LR finder"), in NumPy alone.

Everything here works on recorded numbers and needs neither TensorFlow nor Keras: the sweep
of rates (:func:`sweep_learning_rates`), the bias-corrected smoothing of the batch losses
(:func:`smooth_losses`), the inversion of Keras's running-mean logs
(:func:`batch_losses_from_running_mean`), fastai's three curve rules (:func:`suggest_lr`,
:func:`valley_index`), the candidates and the score of the short trials behind
:func:`lrutils.lr_finder.find_lr`'s default suggestion (:func:`trial_candidates`,
:func:`trial_score`), and the result with its plot (:class:`LRFinderResult`).

The Keras side is the :class:`~lrutils.callbacks.LRFinder` callback and
:func:`~lrutils.lr_finder.find_lr`; :mod:`lrutils.lr_finder` also re-exports every name of
this module, so that one import serves the whole test.

References
----------
Smith, "Cyclical learning rates for training neural networks", WACV 2017
(arXiv:1506.01186), section 3.3. Howard and Gugger, "Fastai: a layered API for deep
learning", Information 2020; fastai ``LRFinder``, ``Learner.lr_find`` and the suggestion
functions ``minimum``, ``steep`` and ``valley`` in ``fastai/callback/schedule.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ._checks import check_choice, check_int, check_smoothing, check_stop_factor, check_sweep

__all__ = [
    "SWEEP_MODES",
    "SUGGESTION_RULES",
    "SUGGESTION_METHODS",
    "DEFAULT_TRIAL_STEPS",
    "STOP_REASONS",
    "MIN_STEPS",
    "sweep_learning_rates",
    "smooth_losses",
    "smoothing_step",
    "batch_losses_from_running_mean",
    "Suggestion",
    "suggest_lr",
    "valley_index",
    "FLAT_DROP",
    "loss_drop",
    "trial_candidates",
    "trial_score",
    "trial_diverged",
    "Trials",
    "LRFinderResult",
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


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------
def _check_sweep(start_lr: Any, end_lr: Any, num_steps: Any, mode: Any) -> tuple[float, float, int, str]:
    return check_sweep(start_lr, end_lr, num_steps, mode, min_steps=MIN_STEPS, modes=SWEEP_MODES)


def _check_rule(rule: Any) -> str:
    return check_choice("rule", rule, SUGGESTION_RULES)


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
    beta = check_smoothing(smoothing)
    out = np.empty_like(losses)
    average = 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        for t, loss in enumerate(losses, start=1):
            average, out[t - 1] = smoothing_step(average, loss, beta, t)
    return out


def smoothing_step(average: float, loss: float, smoothing: float, t: int) -> tuple[float, float]:
    r"""One step of :func:`smooth_losses`: from :math:`a_{t-1}` and :math:`\ell_t`, the new
    average :math:`a_t` and the bias-corrected :math:`\hat\ell_t` (no checks: the caller's
    ``smoothing`` is checked once). The range-test callback smooths batch by batch with it."""
    average = smoothing * average + (1.0 - smoothing) * loss
    return average, average / (1.0 - smoothing**t)


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

    @classmethod
    def from_losses(cls, learning_rates: Sequence[float] | np.ndarray,
                    losses: Sequence[float] | np.ndarray, *, smoothing: float = 0.98,
                    stop_factor: float = 4.0, stop_reason: str = "completed",
                    num_steps: int | None = None, mode: str = "exponential",
                    metrics: dict | None = None) -> LRFinderResult:
        """A result from a curve recorded elsewhere (a stored sweep, another library's finder,
        losses read off a log), with its losses smoothed by :func:`smooth_losses`, so that
        the rules, :meth:`suggest` and :meth:`plot` apply to it.

        ``num_steps`` is the number of steps planned (default: as many as recorded), and
        ``stop_reason`` one of :data:`STOP_REASONS`.

        >>> import numpy as np
        >>> rates = np.geomspace(1e-5, 1.0, 40)
        >>> losses = 1.0 + (np.log10(rates) + 2.5) ** 2  # lowest near 10**-2.5
        >>> result = LRFinderResult.from_losses(rates, losses, smoothing=0.0)
        >>> round(result.suggest("minimum").learning_rate, 5)  # the lowest loss's rate, over ten
        0.00027
        """
        learning_rates, losses = _vector("learning_rates", learning_rates), _vector("losses", losses)
        if len(learning_rates) != len(losses):
            raise ValueError(
                "learning_rates and losses must have the same length, got "
                f"{len(learning_rates)} and {len(losses)}"
            )
        if not (np.all(learning_rates > 0) and np.all(np.diff(learning_rates) > 0)):
            raise ValueError("learning_rates must be positive and increasing, as a sweep's are")
        metrics = {name: _vector(f"metrics[{name!r}]", values) for name, values in (metrics or {}).items()}
        for name, values in metrics.items():
            if len(values) != len(losses):
                raise ValueError(f"metrics[{name!r}] must have one value per loss ({len(losses)}), "
                                 f"got {len(values)}")
        smoothing = check_smoothing(smoothing)
        stop_reason = check_choice("stop_reason", stop_reason, STOP_REASONS)
        num_steps = len(losses) if num_steps is None else check_int("num_steps", num_steps, minimum=len(losses))
        return cls(learning_rates=learning_rates, losses=losses,
                   smoothed_losses=smooth_losses(losses, smoothing),
                   metrics=metrics,
                   stop_reason=stop_reason, num_steps=num_steps, smoothing=smoothing,
                   stop_factor=check_stop_factor(stop_factor), mode=check_choice("mode", mode, SWEEP_MODES))

    @property
    def total_steps(self) -> int:
        """Batches the test trained on: the sweep's and the trials'."""
        return len(self.losses) + (self.trials.total_steps if self.trials is not None else 0)

    def with_smoothing(self, smoothing: float) -> LRFinderResult:
        """The same run with its raw losses smoothed again with another ``smoothing``.

        The stop reason and the number of steps are those of the recorded run: a
        different factor might have stopped it elsewhere.
        """
        smoothing = check_smoothing(smoothing)
        return self._replace(smoothed_losses=smooth_losses(self.losses, smoothing),
                             smoothing=smoothing)

    def _window(self, skip_start: int | None, skip_end: int) -> tuple[int, int]:
        if skip_start is None:
            skip_start = self.num_steps // 10
        skip_start = check_int("skip_start", skip_start, minimum=0)
        skip_end = check_int("skip_end", skip_end, minimum=0)
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


def trial_diverged(losses: np.ndarray, smoothing: float, stop_factor: float) -> bool:
    """Whether a trial blew up: a loss that is not finite, or a smoothed loss above
    ``stop_factor`` times the loss of its first batch, the loss at the starting weights
    (the same for every candidate; measured from a trial's own best, a model that starts
    from a low loss would be stopped by mere noise)."""
    if losses.size == 0 or not np.all(np.isfinite(losses)):
        return True
    return bool(np.any(smooth_losses(losses, smoothing) > stop_factor * losses[0]))
