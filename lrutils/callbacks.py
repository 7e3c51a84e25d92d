"""Keras callbacks of the book.

:class:`LearningRateRecorder` is the Keras 3 way to see the learning rate while training. It
replaces two idioms that no longer work: reading ``model.optimizer.lr`` through
``keras.backend.get_value`` (both gone in Keras 3), and a "metric" that calls the optimizer's
private ``_get_current_learning_rate`` (a metric is averaged over the epoch, so it does not
even report the rate of a batch).
"""

from __future__ import annotations

import keras
import numpy as np

from ._checks import check_flag, check_string

__all__ = ["LearningRateRecorder", "current_learning_rate"]


def current_learning_rate(optimizer: keras.optimizers.Optimizer) -> float:
    """The rate ``optimizer`` will use for its next update, as a Python float.

    ``optimizer.learning_rate`` is a variable for a constant rate, or, for an optimizer built
    with a :class:`keras.optimizers.schedules.LearningRateSchedule`, the schedule evaluated at
    ``optimizer.iterations`` (the number of updates made so far).
    """
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


@keras.saving.register_keras_serializable(package="lrutils")
class LearningRateRecorder(keras.callbacks.Callback):
    """Record the learning rate per batch and per epoch, and log it in the history.

    Parameters
    ----------
    per_batch:
        Record the rate used by every batch (read just before its update) in
        ``batch_rates``, with the optimizer step in ``steps``.
    key:
        Name of the entry added to the epoch logs, and so to ``history.history``. Keras 3 calls
        it ``"learning_rate"`` (Keras 2 used ``"lr"``).

    Attributes
    ----------
    batch_rates, steps:
        Rate of each batch and the optimizer's ``iterations`` when it was used (0, 1, 2, ...).
    epoch_rates:
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
