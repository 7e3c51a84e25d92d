"""Every use of Keras, TensorFlow or matplotlib behaviour that is not public API, in one place.

The rest of :mod:`lrutils` goes through documented interfaces only (a test reads every other
module and fails on a private attribute, or on one of the undocumented Keras attributes named
in :data:`UNDOCUMENTED`). What cannot be done that way lives here, each piece with a safe
way out:

* **Reading a model's state** (:func:`is_compiled`, :func:`steps_per_call`,
  :func:`rate_description`, :func:`preserved_history`): undocumented attributes read with a
  default, so a release that renames them degrades a check or a message, never a result.
* **A metric's direction** (:func:`metric_direction`): whether Keras maximises or minimises a
  metric, read as ``EarlyStopping(mode="auto")`` reads it; without it, ``summarize`` asks for
  an explicit ``mode``.
* **The folded range-test step** (:class:`FoldedStep`): the range test's per-batch chores
  (set the rate, zero the metrics) moved inside Keras's compiled training step, which makes a
  test step cost what a plain step costs. It replaces the model's ``train_function`` for the
  length of a ``fit``, so it is used only where it was checked: the TensorFlow backend,
  no distribution strategy, Keras from :data:`OLDEST_KERAS` on (:func:`can_fold`). Even then
  :meth:`FoldedStep.took_effect` checks after the first batch that the compiled step really
  is the folded one; if a Keras release traces the step differently, the range test warns
  and finishes on the public path (a callback per batch), which gives the same curve.

Nothing here is part of the book's API; readers never need it.
"""

from __future__ import annotations

import contextlib
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np

__all__: list[str] = []

#: The oldest Keras whose internals this module was checked against (the ``test-oldest``
#: target of the Makefile runs the package tests with it).
OLDEST_KERAS = (3, 5)

#: Undocumented Keras/TensorFlow attributes that only this module may touch.
UNDOCUMENTED = ("train_function", "make_train_function", "distribute_strategy",
                "steps_per_execution", "compiled", "_learning_rate", "_direction")


def keras_version() -> tuple[int, int]:
    """Keras's major and minor version, as integers."""
    major, minor = keras.__version__.split(".")[:2]
    return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)


# --------------------------------------------------------------------------------------
# A model's state
# --------------------------------------------------------------------------------------
def is_compiled(model: Any) -> bool:
    """Whether ``model.compile`` has run (Keras keeps it in an undocumented ``compiled`` flag;
    without the flag, a model with an optimizer counts as compiled)."""
    return bool(getattr(model, "compiled", getattr(model, "optimizer", None) is not None))


def steps_per_call(model: Any) -> int:
    """The ``steps_per_execution`` the model was compiled with (1 if Keras does not say)."""
    return int(getattr(model, "steps_per_execution", 1) or 1)


def rate_description(optimizer: Any) -> str:
    """The type name of what an optimizer was given as its rate (for an error message)."""
    return type(getattr(optimizer, "_learning_rate", optimizer.learning_rate)).__name__


def settable_rate(optimizer: Any) -> Any:
    """The optimizer's rate variable, which the range test sets step by step (a clear error for
    an optimizer built with a schedule or a callable)."""
    if getattr(optimizer, "group_optimizers", None) is not None:  # lrutils.layerwise
        raise ValueError(
            "the model's optimizer gives groups of layers their own rates (a LayerwiseOptimizer), "
            "and the range test sweeps one rate; run it on a copy of the model compiled with a single "
            "optimizer, then spread the rate it finds over the groups (lrutils.discriminative_rates)"
        )
    rate = optimizer.learning_rate
    # a float rate is a variable; a schedule's or a callable's is a tensor computed from it
    # (duck-typed: `keras.Variable` is not the backend variables' base class before Keras 3.6)
    if not callable(getattr(rate, "assign", None)):
        raise ValueError(
            "the model's optimizer was built with a learning-rate schedule or a callable "
            f"({rate_description(optimizer)}), so its rate cannot be "
            "set step by step; compile a copy of the model with a float learning rate for the "
            "range test, e.g. keras.optimizers.Adam(learning_rate=1e-3)"
        )
    return rate


def check_model(model: Any) -> None:
    """A compiled Keras model whose rate the range test can set before every batch."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None or not is_compiled(model):
        raise ValueError(
            "the model must be compiled with an optimizer and a loss before the range test "
            "(model.compile(optimizer=..., loss=...))"
        )
    settable_rate(model.optimizer)
    if steps_per_call(model) != 1:
        raise ValueError(
            "the range test sets the rate before every batch, which Keras allows only with "
            f"steps_per_execution=1; the model was compiled with "
            f"steps_per_execution={steps_per_call(model)}"
        )


@contextlib.contextmanager
def preserved_history(model: Any) -> Iterator[None]:
    """Leave ``model.history`` as it was: a ``fit`` run inside the block sets it (Keras's
    ``History`` callback assigns the attribute), and a range test should leave no trace."""
    had = "history" in vars(model)
    history = vars(model).get("history")
    try:
        yield
    finally:
        if had:
            model.history = history
        elif "history" in vars(model):
            del model.history


def metric_direction(name: str) -> str | None:
    """``"up"`` or ``"down"``: the direction Keras's ``EarlyStopping(mode="auto")`` gives the
    metric named ``name``, read from the metric object as Keras itself does (an undocumented
    ``_direction`` attribute); ``None`` when Keras does not know the name or the attribute is
    gone, and the caller then asks for an explicit mode."""
    try:
        found = keras.metrics.get(name)
    except (ValueError, TypeError):  # not a Keras metric's name, or one that needs arguments
        return None
    if found is not None and not isinstance(found, keras.metrics.Metric):
        found = keras.metrics.MeanMetricWrapper(found)  # as compile() wraps a metric function
    direction = getattr(found, "_direction", None)
    return direction if direction in ("up", "down") else None


# --------------------------------------------------------------------------------------
# The range test folded into the compiled training step
# --------------------------------------------------------------------------------------
def can_fold(model: Any) -> bool:
    """Whether the range test may run inside the model's compiled step (see :class:`FoldedStep`):
    the TensorFlow backend, a Keras this module was checked on, no distribution strategy, and
    a training function Keras has made for this ``fit``."""
    if keras.backend.backend() != "tensorflow" or keras_version() < OLDEST_KERAS:
        return False
    if getattr(model, "train_function", None) is None:
        return False
    strategy = getattr(model, "distribute_strategy", None)
    return (strategy is not None and strategy.num_replicas_in_sync == 1
            and type(strategy).__name__ == "_DefaultDistributionStrategy")


_NOTHING = object()


class FoldedStep:
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
    def for_model(cls, model: Any, rate_variable: Any, num_steps: int) -> FoldedStep:
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


    def took_effect(self) -> bool:
        """After the first batch of a ``fit``: whether that batch ran the folded step.

        The folded step counts its batches; a Keras that traced its own step instead (a
        release that no longer looks ``train_step`` up on the instance) leaves the count at 0.
        """
        return int(self.counter.numpy()) >= 1


def warn_fold_failed() -> None:
    """Say, once per call site, that the fast path did not take and the public one is used."""
    warnings.warn(
        f"the range test could not run inside Keras {keras.__version__}'s compiled training "
        "step; it goes on setting the rate from a callback before every batch (same curve, a "
        "little slower per step)",
        RuntimeWarning,
        stacklevel=3,
    )
