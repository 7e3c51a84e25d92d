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
import types
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import keras
import numpy as np

from . import _keras_internals as internals
from ._checks import check_choice, check_flag, check_int
from .lr_range import *  # noqa: F403  (the NumPy half, re-exported: one import for the whole test)
from .lr_range import (
    MIN_STEPS,
    SUGGESTION_METHODS,
    LRFinderResult,
    Trials,
    _check_smoothing,
    _check_stop_factor,
    _check_sweep,
    sweep_learning_rates,
    trial_candidates,
    trial_diverged,
    trial_score,
)

__all__ = ["LRFinder", "find_lr"]

#: Keras's default batch size, used for NumPy inputs when ``batch_size`` is not given.
DEFAULT_BATCH_SIZE = 32


# --------------------------------------------------------------------------------------
# The callback
# --------------------------------------------------------------------------------------
def _settable_rate(optimizer: Any) -> Any:
    rate = optimizer.learning_rate
    # a float rate is a variable; a schedule's or a callable's is a tensor computed from it
    # (duck-typed: `keras.Variable` is not the backend variables' base class before Keras 3.6)
    if not callable(getattr(rate, "assign", None)):
        raise ValueError(
            "the model's optimizer was built with a learning-rate schedule or a callable "
            f"({internals.rate_description(optimizer)}), so its rate cannot be "
            "set step by step; compile a copy of the model with a float learning rate for the "
            "range test, e.g. keras.optimizers.Adam(learning_rate=1e-3)"
        )
    return rate


def _check_model(model: Any) -> None:
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None or not internals.is_compiled(model):
        raise ValueError(
            "the model must be compiled with an optimizer and a loss before the range test "
            "(model.compile(optimizer=..., loss=...))"
        )
    _settable_rate(model.optimizer)
    if internals.steps_per_call(model) != 1:
        raise ValueError(
            "the range test sets the rate before every batch, which Keras allows only with "
            f"steps_per_execution=1; the model was compiled with "
            f"steps_per_execution={internals.steps_per_call(model)}"
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
        _check_model(self.model)
        self._reset()
        self._rate = _settable_rate(self.model.optimizer)
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
        batch_size = check_int("batch_size", batch_size, minimum=1)
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
    (:func:`~lrutils.lr_range.trial_diverged`)."""

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
        self._losses.append(self._batch_loss(logs))
        if len(self._losses) >= self.num_steps:
            self.stop_reason = "completed"
            self.model.stop_training = True


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
                       and not trial_diverged(v, result.smoothing, result.stop_factor) else math.inf
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
    suggestion = check_choice("suggestion", suggestion, SUGGESTION_METHODS)
    trial_steps = check_int("trial_steps", trial_steps, minimum=MIN_STEPS)
    if suggestion == "trials" and isinstance(data, Iterator):
        warnings.warn(
            "a generator can be read only once, so no trial runs: the suggestion is the "
            "valley rule's (pass arrays, a tf.data.Dataset or a PyDataset for the trials, or "
            "suggestion='valley' to silence this)",
            stacklevel=2,
        )
        suggestion = "valley"
    _check_model(model)
    shuffle = check_flag("shuffle", shuffle)
    extra = list(callbacks or [])
    for cb in extra:
        if not isinstance(cb, keras.callbacks.Callback):
            raise TypeError(f"callbacks must be keras.callbacks.Callback objects, got {cb!r}")
    fit_kwargs, sample = _fit_arguments(data, batch_size, finder.num_steps, shuffle,
                                        need_sample=not model.built)
    if sample is not None:
        model(sample, training=False)  # builds the weights; inference mode changes no state
    with internals.preserved_history(model):  # the test leaves no trace in model.history
        try:
            with warnings.catch_warnings():
                # Keras warns when a generator ends before the planned epochs: reported below.
                warnings.filterwarnings("ignore", message=".*ran out of data.*")
                model.fit(**fit_kwargs, callbacks=[finder, *extra], verbose=0)
            finder.restore()
            result = finder.result
            if result is None:
                raise ValueError("the data yielded no batch: nothing was recorded")
            result = result._replace(method=suggestion)
            if suggestion == "trials":
                result = result._replace(trials=_run_trials(model, data, batch_size, shuffle,
                                                            result, int(trial_steps)))
        finally:
            finder.restore()
    if result.stop_reason == "data_exhausted":
        warnings.warn(
            f"the data ran out after {len(result.losses)} of {finder.num_steps} steps; the sweep "
            f"reached only {result.learning_rates[-1]:.3g} (pass more data or fewer num_steps)",
            stacklevel=2,
        )
    return result
