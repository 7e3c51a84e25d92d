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
  reports a curve shifted towards large rates (tensorflow#58098). :class:`~lrutils.callbacks.LRFinder` zeroes
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
from collections.abc import Iterator, Sequence
from typing import Any

import keras
import numpy as np

from . import _keras_internals as internals
from ._checks import check_choice, check_flag, check_int
from .callbacks import LRFinder
from .lr_range import *  # noqa: F403  (the NumPy half, re-exported: one import for the whole test)
from .lr_range import (
    MIN_STEPS,
    SUGGESTION_METHODS,
    LRFinderResult,
    Trials,
    trial_candidates,
    trial_diverged,
    trial_score,
)

__all__ = ["find_lr"]

#: Keras's default batch size, used for NumPy inputs when ``batch_size`` is not given.
DEFAULT_BATCH_SIZE = 32


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
        As in :class:`~lrutils.callbacks.LRFinder`. fastai's defaults: ``1e-7``, ``10``, ``100``,
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
    internals.check_model(model)
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
