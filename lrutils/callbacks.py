"""Keras callbacks of the book, all in this module.

* :class:`LearningRateRecorder` and :func:`current_learning_rate`: the rate of every batch.
* :func:`to_epoch_scheduler`: a ``LearningRateScheduler`` from a schedule of
  :mod:`lrutils.schedules` indexed by epoch.
* :class:`LRFinder`: the learning-rate range test as a callback (:func:`lrutils.lr_finder.find_lr`
  runs it for you, and the maths it records lives in :mod:`lrutils.lr_range`).

:class:`LearningRateRecorder` is the Keras 3 way to see the learning rate while training. It
replaces two idioms that no longer work: reading ``model.optimizer.lr`` through
``keras.backend.get_value`` (both gone in Keras 3), and a "metric" that calls the optimizer's
private ``_get_current_learning_rate`` (a metric is averaged over the epoch, so it does not
even report the rate of a batch).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from functools import partial
from typing import Any

import keras
import numpy as np

from . import _keras_internals as internals
from ._checks import check_flag, check_smoothing, check_stop_factor, check_string, check_sweep
from .lr_range import (
    MIN_STEPS,
    SWEEP_MODES,
    LRFinderResult,
    smoothing_step,
    sweep_learning_rates,
)
from .schedules import Schedule

__all__ = ["LearningRateRecorder", "current_learning_rate", "to_epoch_scheduler", "LRFinder"]


def current_learning_rate(optimizer: keras.optimizers.Optimizer) -> float:
    """The rate ``optimizer`` will use for its next update, as a Python float.

    ``optimizer.learning_rate`` is a variable for a constant rate, or, for an optimizer built
    with a :class:`keras.optimizers.schedules.LearningRateSchedule`, the schedule evaluated at
    ``optimizer.iterations`` (the number of updates made so far).
    """
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


class LearningRateRecorder(keras.callbacks.Callback):
    """Record the learning rate per batch and per epoch, and log it in the history.

    Parameters
    ----------
    per_batch : bool
        Record the rate used by every batch (read just before its update) in
        ``batch_rates``, with the optimizer step in ``steps``.
    key : str
        Name of the entry added to the epoch logs, and so to ``history.history``. Keras 3 calls
        it ``"learning_rate"`` (Keras 2 used ``"lr"``).

    Attributes
    ----------
    batch_rates, steps : list
        Rate of each batch and the optimizer's ``iterations`` when it was used (0, 1, 2, ...).
    epoch_rates : list of float
        At each epoch's end, the rate the optimizer would use next: the same value Keras's own
        :class:`keras.callbacks.LearningRateScheduler` logs. An entry already in the logs (from
        ``ReduceLROnPlateau``, say) is left as it is.
    """

    def __init__(self, per_batch: bool = True, key: str = "learning_rate"):
        super().__init__()
        self.per_batch = check_flag("per_batch", per_batch)
        self.key = check_string("key", key)
        self.batch_rates: list[float] = []
        self.steps: list[int] = []
        self.epoch_rates: list[float] = []

    def on_train_begin(self, logs=None):
        self.batch_rates, self.steps, self.epoch_rates = [], [], []

    def on_train_batch_begin(self, batch, logs=None):
        if self.per_batch:
            optimizer = self.model.optimizer
            self.steps.append(int(keras.ops.convert_to_numpy(optimizer.iterations)))
            self.batch_rates.append(current_learning_rate(optimizer))

    def on_epoch_end(self, epoch, logs=None):
        rate = current_learning_rate(self.model.optimizer)
        self.epoch_rates.append(rate)
        if logs is not None and self.key not in logs:
            logs[self.key] = rate

    def get_config(self):
        return {"per_batch": self.per_batch, "key": self.key}

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, batch_rates)`` as NumPy arrays, ready to plot."""
        return np.asarray(self.steps), np.asarray(self.batch_rates)


def _rate_at_epoch(schedule: Schedule, epoch: int, learning_rate: float | None = None) -> float:
    # Keras calls a scheduler function with (epoch, current_rate); the rate is not needed here.
    return float(schedule(epoch))


def to_epoch_scheduler(schedule: Schedule, *,
                       verbose: int = 0) -> keras.callbacks.LearningRateScheduler:
    """A ``LearningRateScheduler`` that sets the rate to ``schedule(epoch)`` at each epoch start.

    Keras passes the epoch index (0, 1, ...), so ``schedule`` must be indexed by epoch:
    write it in epochs (``step_decay(0.1, 0.5, 10, offset=1)`` is the tutorial step decay)
    or convert a step-indexed schedule with
    :func:`lrutils.schedules.per_epoch(schedule, steps_per_epoch) <lrutils.schedules.per_epoch>`.
    The rate is constant within an epoch and is logged as ``history["learning_rate"]``.
    The optimizer must have a plain float rate: Keras cannot set the rate of an optimizer
    built with a ``LearningRateSchedule``.

    Parameters
    ----------
    schedule : Schedule
        Epoch-indexed schedule.
    verbose : int, optional
        Passed to ``LearningRateScheduler`` (0 is silent).
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be an lrutils.schedules.Schedule, got schedule={schedule!r}")
    return keras.callbacks.LearningRateScheduler(partial(_rate_at_epoch, schedule),
                                                 verbose=verbose)


# --------------------------------------------------------------------------------------
# The range test's callback (find_lr in lrutils.lr_finder runs it, then the trials)
# --------------------------------------------------------------------------------------
def _unique(variables: Sequence[Any]) -> list[Any]:
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


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
        self.start_lr, self.end_lr, self.num_steps, self.mode = check_sweep(
            start_lr, end_lr, num_steps, mode, min_steps=MIN_STEPS, modes=SWEEP_MODES
        )
        self.smoothing = check_smoothing(smoothing)
        self.stop_factor = check_stop_factor(stop_factor)
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
        self._folded: internals.FoldedStep | None = None
        self._check_fold = False
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
        internals.check_model(self.model)
        self._reset()
        self._rate = internals.settable_rate(self.model.optimizer)
        self._take_snapshot()
        if internals.can_fold(self.model):
            self._folded = internals.FoldedStep.for_model(self.model, self._rate, self.num_steps)
            self._folded.install(self.model, self.rates)
            self._check_fold = True

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

    def _batch_loss(self, logs: dict | None) -> float:
        """The loss of the batch that just ran, read from its logs (after checking, once, that a
        folded step really ran: otherwise the test goes on from the per-batch callback path)."""
        if self._check_fold:
            self._check_fold = False
            if not self._folded.took_effect():
                folded, self._folded = self._folded, None
                folded.uninstall(self.model)
                internals.warn_fold_failed()
        logs = logs or {}
        if "loss" not in logs:
            raise ValueError(
                f"the training logs have no 'loss' entry (keys: {sorted(logs)}); the range test "
                "needs a model compiled with a loss"
            )
        return float(logs["loss"])

    def on_train_batch_end(self, batch, logs=None):
        loss = self._batch_loss(logs)
        logs = logs or {}
        step = len(self._losses)
        self._losses.append(loss)
        for name, value in logs.items():
            if name != "loss":
                self._metrics.setdefault(name, []).append(float(np.mean(value)))
        self._average, smoothed = smoothing_step(self._average, loss, self.smoothing, step + 1)
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
