"""Keras adapters for :mod:`lrutils.schedules`.

* :class:`KerasSchedule` (made by :func:`to_keras`) is a
  ``keras.optimizers.schedules.LearningRateSchedule``: pass it as an optimizer's
  ``learning_rate``. It evaluates the schedule's formula with ``keras.ops`` on the
  optimizer's ``iterations`` inside the compiled training step, and it serialises, so a
  model compiled with it saves to ``.keras`` and loads again.
* :func:`to_epoch_scheduler` gives a ``keras.callbacks.LearningRateScheduler`` that sets
  the rate once per epoch from a schedule indexed by epoch.
* :class:`MomentumScheduler` is a callback that sets SGD's ``momentum`` or Adam's
  ``beta_1`` before every batch, for 1cycle training.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import keras
from keras import ops

from lrutils.schedules import Schedule

__all__ = ["KerasSchedule", "to_keras", "to_epoch_scheduler", "MomentumScheduler"]


@keras.saving.register_keras_serializable(package="lrutils")
class KerasSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A :class:`~lrutils.schedules.Schedule` as a Keras ``LearningRateSchedule``.

    Keras calls it with the optimizer's step counter ``iterations`` (an integer tensor,
    0 for the first batch); it returns ``schedule.formula(keras.ops, step)``, the same
    formula :class:`~lrutils.schedules.Schedule` evaluates with NumPy. It works eagerly
    and inside ``tf.function``; unlike the NumPy call, it does not check the step.

    Parameters
    ----------
    schedule : Schedule
        The schedule to evaluate.
    dtype : str or None, optional
        Floating-point type of the computation; ``None`` (default) uses
        ``keras.backend.floatx()`` (``"float32"``), as Keras' own schedules do.

    Examples
    --------
    >>> from lrutils.schedules import cosine_decay
    >>> opt = keras.optimizers.SGD(learning_rate=to_keras(cosine_decay(0.1, 1000)))
    """

    def __init__(self, schedule: Schedule, dtype: str | None = None) -> None:
        super().__init__()
        if not isinstance(schedule, Schedule):
            raise TypeError(
                f"schedule must be an lrutils.schedules.Schedule, got schedule={schedule!r}"
            )
        if dtype is not None and dtype not in ("float16", "bfloat16", "float32", "float64"):
            raise ValueError(
                "dtype must be None or one of 'float16', 'bfloat16', 'float32', 'float64', "
                f"got dtype={dtype!r}"
            )
        self.schedule = schedule
        self.dtype = dtype

    def __call__(self, step: Any) -> Any:
        dtype = self.dtype or keras.backend.floatx()
        return self.schedule.formula(ops, ops.cast(step, dtype))

    def get_config(self) -> dict[str, Any]:
        """``{"name": ..., "kwargs": ..., "dtype": ...}``: the schedule's recipe, JSON-ready."""
        return {**self.schedule.to_config(), "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> KerasSchedule:
        """Re-create the adapter from :meth:`get_config` output."""
        config = dict(config)
        dtype = config.pop("dtype", None)
        return cls(Schedule.from_config(config), dtype=dtype)

    def __repr__(self) -> str:
        return f"KerasSchedule({self.schedule!r}, dtype={self.dtype!r})"


def to_keras(schedule: Schedule, dtype: str | None = None) -> KerasSchedule:
    """Wrap ``schedule`` for an optimizer's ``learning_rate``; see :class:`KerasSchedule`."""
    return KerasSchedule(schedule, dtype=dtype)


def _rate_at_epoch(schedule: Schedule, epoch: int, learning_rate: float | None = None) -> float:
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
        raise TypeError(
            f"schedule must be an lrutils.schedules.Schedule, got schedule={schedule!r}"
        )
    return keras.callbacks.LearningRateScheduler(partial(_rate_at_epoch, schedule),
                                                 verbose=verbose)


class _ScheduledHyperparameter(keras.Variable):
    """A scalar variable standing in for an optimizer's float hyperparameter.

    Keras optimizers read ``momentum``/``beta_1`` as plain Python floats inside
    ``update_step``, so the compiled training step bakes in the value seen when it was
    traced. A variable is read at every step instead. Optimizers also branch on the value
    in Python (SGD: ``if self.momentum != 0`` decides whether momentum slots exist), so
    comparisons answer from the optimizer's original float and keep that structure.
    """

    def __init__(self, value: float, *, name: str) -> None:
        super().__init__(initializer=float(value), dtype="float32", trainable=False, name=name)
        self._structural_value = float(value)

    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return self._structural_value == other

    def __ne__(self, other: object) -> bool:  # type: ignore[override]
        return self._structural_value != other

    def __lt__(self, other: Any) -> bool:  # type: ignore[override]
        return self._structural_value < other

    def __le__(self, other: Any) -> bool:  # type: ignore[override]
        return self._structural_value <= other

    def __gt__(self, other: Any) -> bool:  # type: ignore[override]
        return self._structural_value > other

    def __ge__(self, other: Any) -> bool:  # type: ignore[override]
        return self._structural_value >= other

    def __bool__(self) -> bool:
        return bool(self._structural_value)

    __hash__ = object.__hash__


class MomentumScheduler(keras.callbacks.Callback):
    """Set the optimizer's momentum from a schedule before every batch (for 1cycle).

    Before each batch the callback evaluates ``schedule(optimizer.iterations)`` and
    writes it into the optimizer's momentum hyperparameter: ``beta_1`` for Adam-type
    optimizers (Adam, AdamW, Nadam, Adamax, Lion, ...), ``momentum`` for SGD and RMSprop.
    The last value of each epoch is logged as ``history[attribute]``.

    How it takes effect: Keras 3 stores ``momentum`` and ``beta_1`` as plain Python
    floats, and the compiled training step bakes in the float it saw when it was traced;
    assigning a new float later changes nothing. So for the duration of ``fit`` the
    callback replaces the float with a scalar variable, retraces the training step so it
    reads that variable, and assigns the variable before each batch. At the end of
    ``fit`` the original float is put back (so ``get_config`` and saving see a float) and
    the training step is dropped, to be retraced by the next ``fit``.

    Limits: SGD and RMSprop only keep momentum buffers when built with a non-zero
    momentum, so construct them with, say, ``momentum=0.9``; with ``steps_per_execution
    > 1`` the value changes once per execution. The JAX backend is not supported (its
    compiled step receives optimizer state explicitly).

    Parameters
    ----------
    schedule : Schedule
        Momentum as a function of the optimizer step, values in [0, 1]
        (e.g. :func:`lrutils.schedules.one_cycle_momentum`).
    attribute : {"momentum", "beta_1"} or None, optional
        The hyperparameter to drive; ``None`` picks ``beta_1`` if the optimizer has it,
        else ``momentum``.

    References
    ----------
    Smith 2018, "A disciplined approach to neural network hyper-parameters: Part 1"
    (arXiv:1803.09820): cyclical momentum.
    """

    def __init__(self, schedule: Schedule, attribute: str | None = None) -> None:
        super().__init__()
        if not isinstance(schedule, Schedule):
            raise TypeError(
                f"schedule must be an lrutils.schedules.Schedule, got schedule={schedule!r}"
            )
        if attribute not in (None, "momentum", "beta_1"):
            raise ValueError(
                f"attribute must be None, 'momentum' or 'beta_1', got attribute={attribute!r}"
            )
        self.schedule = schedule
        self.attribute = attribute
        self._variable: _ScheduledHyperparameter | None = None
        self._original: float | None = None
        self._attribute_in_use: str | None = None

    def _pick_attribute(self, optimizer: Any) -> str:
        if self.attribute is not None:
            if not hasattr(optimizer, self.attribute):
                raise ValueError(
                    f"attribute={self.attribute!r}, but {type(optimizer).__name__} has no "
                    f"{self.attribute!r} hyperparameter"
                )
            return self.attribute
        for name in ("beta_1", "momentum"):
            if hasattr(optimizer, name):
                return name
        raise ValueError(
            f"{type(optimizer).__name__} has neither 'beta_1' nor 'momentum'; "
            "MomentumScheduler cannot drive it"
        )

    def on_train_begin(self, logs: dict | None = None) -> None:
        if keras.backend.backend() == "jax":
            raise NotImplementedError(
                "MomentumScheduler does not support the JAX backend; use TensorFlow or torch"
            )
        optimizer = self.model.optimizer
        attribute = self._pick_attribute(optimizer)
        original = getattr(optimizer, attribute)
        if isinstance(original, _ScheduledHyperparameter):
            # Left behind by a fit that stopped with an exception (no on_train_end).
            original = original._structural_value
        if attribute == "momentum" and original == 0:
            raise ValueError(
                f"{type(optimizer).__name__} was built with momentum=0.0 and keeps no momentum "
                "buffers; construct it with a non-zero momentum (e.g. momentum=0.9) to "
                "schedule the momentum"
            )
        self._attribute_in_use, self._original = attribute, float(original)
        self._variable = _ScheduledHyperparameter(original, name=f"scheduled_{attribute}")
        # object.__setattr__ skips the optimizer's variable tracking: the stand-in must not
        # become part of the optimizer's saved state.
        object.__setattr__(optimizer, attribute, self._variable)
        self.model.make_train_function(force=True)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        step = int(ops.convert_to_numpy(self.model.optimizer.iterations))
        value = self.schedule(step)
        if not 0.0 <= value <= 1.0:
            raise ValueError(
                f"the momentum schedule must give values in [0, 1], got {value!r} at step {step}"
            )
        self._variable.assign(value)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None and self._variable is not None:
            logs[self._attribute_in_use] = float(ops.convert_to_numpy(self._variable))

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._variable is None:
            return
        object.__setattr__(self.model.optimizer, self._attribute_in_use, self._original)
        self._variable = None
        # The traced step reads the stand-in variable; drop it so the next fit retraces.
        self.model.train_function = None
