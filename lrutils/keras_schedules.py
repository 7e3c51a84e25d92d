"""Keras adapters for :mod:`lrutils.schedules`.

* :class:`KerasSchedule` (made by :func:`to_keras`) is a
  ``keras.optimizers.schedules.LearningRateSchedule``: pass it as an optimizer's
  ``learning_rate``. It evaluates the schedule's formula with ``keras.ops`` on the
  optimizer's ``iterations`` inside the compiled training step, and it serialises, so a
  model compiled with it saves to ``.keras`` and loads again.
* :func:`lrutils.callbacks.to_epoch_scheduler` (with the other callbacks) gives a
  ``keras.callbacks.LearningRateScheduler`` that sets the rate once per epoch.
* :func:`scheduled_momentum` gives a copy of a Keras optimizer whose ``momentum`` (SGD) or
  ``beta_1`` (the Adam family) follows a schedule, for 1cycle training.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from .schedules import Schedule

__all__ = ["KerasSchedule", "to_keras", "scheduled_momentum"]


def _check_schedule(schedule: Any) -> None:
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be an lrutils.schedules.Schedule, got schedule={schedule!r}")


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
        _check_schedule(schedule)
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


_SCHEDULED_CLASSES: dict[type, type] = {}

#: Steps over which :func:`scheduled_momentum` checks that a schedule stays in [0, 1].
MOMENTUM_CHECK_STEPS = 100_000


def _scheduled_class(base: type) -> type:
    """The subclass of a Keras optimizer class whose momentum (``beta_1``) follows a schedule."""
    if base in _SCHEDULED_CLASSES:
        return _SCHEDULED_CLASSES[base]
    attribute = "momentum" if issubclass(base, keras.optimizers.SGD) else "beta_1"

    class Scheduled(base):
        __doc__ = (f"Keras's ``{base.__name__}`` with ``{attribute}`` read from a schedule at "
                   "every step (made by :func:`lrutils.keras_schedules.scheduled_momentum`).")

        def __init__(self, *args: Any, momentum_schedule: Schedule, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.momentum_schedule = momentum_schedule
            self.scheduled_attribute = attribute
            self._momentum_at = KerasSchedule(momentum_schedule)

        def build(self, variables: Any) -> None:
            if self.built:
                return
            super().build(variables)
            if attribute == "momentum":  # SGD's buffers, one per variable, in build order
                # update_step receives the Keras variable or, on TensorFlow, the backend
                # variable it wraps (its public ``value``): either finds the buffer.
                self._velocities = {}
                for v, m in zip(variables, self.momentums):
                    self._velocities[id(v)] = self._velocities[id(v.value)] = m

        def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
            value = ops.cast(self._momentum_at(self.iterations), variable.dtype)
            if attribute == "momentum":
                _sgd_update(self, gradient, variable, learning_rate, value)
                return
            # Adam, AdamW, Adamax and Lion read beta_1 only here, in update_step: lend it the
            # step's value. (Nadam also reads it before update_step, so it is not supported.)
            fixed = self.beta_1
            self.beta_1 = value
            try:
                super().update_step(gradient, variable, learning_rate)
            finally:
                self.beta_1 = fixed

        def get_config(self) -> dict[str, Any]:
            config = super().get_config()
            config["momentum_schedule"] = self.momentum_schedule.to_config()
            return config

        @classmethod
        def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Any:
            config = dict(config)
            if isinstance(config.get("momentum_schedule"), dict):
                config["momentum_schedule"] = Schedule.from_config(config["momentum_schedule"])
            return super().from_config(config, custom_objects=custom_objects)

    Scheduled.__name__ = Scheduled.__qualname__ = f"Scheduled{base.__name__}"
    _SCHEDULED_CLASSES[base] = Scheduled
    return Scheduled


def _sgd_update(optimizer: Any, gradient: Any, variable: Any, learning_rate: Any,
                momentum: Any) -> None:
    """Keras SGD's momentum update, operation for operation, with this step's momentum."""
    learning_rate = ops.cast(learning_rate, variable.dtype)
    gradient = ops.cast(gradient, variable.dtype)
    m = optimizer._velocities.get(id(variable))
    if m is None:  # a variable SGD did not build a buffer for: a replica's copy
        raise NotImplementedError(
            "scheduled_momentum's SGD keeps its buffers per model variable and does not run under a "
            "distribution strategy with several replicas"
        )
    optimizer.assign(m, ops.subtract(ops.multiply(m, momentum), ops.multiply(gradient, learning_rate)))
    if optimizer.nesterov:
        optimizer.assign_add(variable, ops.subtract(ops.multiply(m, momentum),
                                                    ops.multiply(gradient, learning_rate)))
    else:
        optimizer.assign_add(variable, m)


def scheduled_momentum(optimizer: keras.optimizers.Optimizer,
                       schedule: Schedule) -> keras.optimizers.Optimizer:
    """A copy of ``optimizer`` whose momentum follows ``schedule`` (for 1cycle).

    At every step the copy evaluates ``schedule(iterations)`` inside the compiled training
    step, as a :class:`KerasSchedule` evaluates the rate, and uses it as SGD's ``momentum``
    or as ``beta_1`` of Adam, AdamW, Adamax and Lion (Nadam also reads ``beta_1`` before
    ``update_step``, so it is refused). TensorFlow backend; no gradient accumulation, and no
    distribution strategy with several replicas for SGD. A Keras
    optimizer keeps these as plain floats, read once when the training step is traced; the
    copy is an instance of a subclass that overrides ``update_step``, the method Keras's
    documentation names for customising an optimizer. Everything else (the rate or its
    schedule, ``weight_decay``, clipping, ``nesterov``) is the original's, through its
    ``get_config``; the copy has no state yet, so make it before ``compile``.

    The copy's ``get_config`` stores the schedule; to load a saved model that uses it, pass
    the class as a custom object (``custom_objects={type(opt).__name__: type(opt)}``).

    Parameters
    ----------
    optimizer : keras.optimizers.Optimizer
        A Keras ``SGD`` built with a non-zero ``momentum`` (SGD keeps momentum buffers only
        then), or an optimizer with a ``beta_1``.
    schedule : Schedule
        Momentum as a function of the optimizer step, with values in [0, 1] (checked over
        the first 100,000 steps), e.g.
        :func:`lrutils.schedules.one_cycle_momentum`.

    Returns
    -------
    keras.optimizers.Optimizer
        An instance of ``Scheduled<Name>``, a subclass of the optimizer's class.

    References
    ----------
    Smith 2018, "A disciplined approach to neural network hyper-parameters: Part 1"
    (arXiv:1803.09820): cyclical momentum.

    Examples
    --------
    >>> from lrutils.schedules import one_cycle, one_cycle_momentum
    >>> sgd = keras.optimizers.SGD(to_keras(one_cycle(0.1, 1000)), momentum=0.9)
    >>> opt = scheduled_momentum(sgd, one_cycle_momentum(1000))
    >>> type(opt).__name__, opt.momentum_schedule(0)
    ('ScheduledSGD', 0.95)
    """
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras.optimizers.Optimizer, got optimizer={optimizer!r}")
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(
            "scheduled_momentum is written for the TensorFlow backend (torch's optimizers update "
            f"without update_step), got the {keras.backend.backend()!r} backend"
        )
    _check_schedule(schedule)
    base = type(optimizer)
    if base in _SCHEDULED_CLASSES.values():
        raise ValueError(f"optimizer already follows a momentum schedule ({base.__name__}); "
                         "pass the optimizer it was made from")
    if isinstance(optimizer, keras.optimizers.SGD):
        if optimizer.momentum == 0:
            raise ValueError(
                "optimizer is an SGD built with momentum=0.0, which keeps no momentum buffers; "
                "build it with a non-zero momentum (e.g. momentum=0.9) to schedule the momentum"
            )
    elif not hasattr(optimizer, "beta_1") or isinstance(optimizer, keras.optimizers.Nadam):
        raise ValueError(
            "optimizer must be a Keras SGD (momentum), Adam, AdamW, Adamax or Lion (beta_1), "
            f"got a {base.__name__}"
        )
    if (optimizer.get_config().get("gradient_accumulation_steps") or 1) > 1:
        raise ValueError(
            "optimizer accumulates gradients (gradient_accumulation_steps > 1): its rate schedule "
            "counts batches and its step counter updates, so a momentum schedule cannot follow both; "
            "build it without gradient_accumulation_steps"
        )
    values = schedule(np.arange(MOMENTUM_CHECK_STEPS))
    if not np.all((values >= 0.0) & (values <= 1.0)):
        step = int(np.argmax((values < 0.0) | (values > 1.0)))
        raise ValueError(f"schedule must give momenta in [0, 1], got {float(values[step])!r} at step {step}")
    try:
        return _scheduled_class(base).from_config({**optimizer.get_config(), "momentum_schedule": schedule})
    except (TypeError, ValueError) as error:
        raise TypeError(
            "optimizer could not be copied through its config; if its learning rate is a schedule "
            "of your own, register the class with @keras.saving.register_keras_serializable() "
            f"(Keras said: {error})"
        ) from error
