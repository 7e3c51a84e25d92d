"""Keras optimizers by name: the one place that turns a name into a ``keras.optimizers`` object.

* :func:`make_optimizer` builds any class of ``keras.optimizers`` from its name, in any case
  (``"adam"``, ``"Lamb"``...), with Keras's own defaults, or from a factory.
* :func:`keras_equivalent` builds the Keras optimizer that follows the same update rule as an
  optimizer of :mod:`lrutils.optimizers`, with that optimizer's arguments (and, for float64
  parity, its dtype).

Both understand the two names :mod:`lrutils.optimizers` adds to Keras's class names,
``"momentum"`` and ``"nesterov"`` (:data:`ALIASES`), which come from the settings of those
variants themselves, so that the NumPy and the Keras side cannot drift apart.
"""

from __future__ import annotations

import inspect
from typing import Any

import keras
import numpy as np

from . import optimizers
from ._checks import is_real, lookup

__all__ = ["ALIASES", "make_optimizer", "keras_equivalent"]

#: Names that are not Keras class names -> (Keras class, fixed arguments): the settings of the
#: variants ``lrutils.optimizers.momentum`` and ``nesterov`` of SGD.
ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    name: ("SGD", dict(getattr(optimizers, name).keywords)) for name in ("momentum", "nesterov")
}


def _keras_optimizer_classes() -> dict[str, type]:
    """Lower-case name -> class of every optimizer in ``keras.optimizers``."""
    skip = {"Optimizer", "LossScaleOptimizer", "MultiOptimizer"}
    return {name.lower(): cls for name, cls in vars(keras.optimizers).items()
            if isinstance(cls, type) and issubclass(cls, keras.optimizers.Optimizer) and name not in skip}


def make_optimizer(optimizer: Any, **kwargs: Any) -> keras.optimizers.Optimizer:
    """A fresh ``keras.optimizers.Optimizer`` from a name, a class or a factory.

    ``optimizer`` may be the name of a class of ``keras.optimizers``, in any case
    (``"adam"``, ``"Lamb"``, ``"schedulefreeadamw"``...), one of the :data:`ALIASES`
    ``"momentum"`` (``SGD(momentum=0.9)``) and ``"nesterov"`` (``SGD(momentum=0.9,
    nesterov=True)``), or a callable such as ``keras.optimizers.Muon``; it is called with
    ``kwargs`` (which override an alias's settings). Unset arguments take Keras's defaults.

    >>> type(make_optimizer("nesterov", learning_rate=0.1)).__name__
    'SGD'
    """
    if isinstance(optimizer, str):
        classes = _keras_optimizer_classes()
        key = lookup(set(ALIASES) | set(classes), optimizer, "optimizer", argument="optimizer")
        name, fixed = ALIASES.get(key, (key, {}))
        return classes[name.lower()](**{**fixed, **kwargs})
    if callable(optimizer):
        result = optimizer(**kwargs)
        if not isinstance(result, keras.optimizers.Optimizer):
            raise TypeError(f"optimizer factory {optimizer!r} returned {result!r}, not a keras optimizer")
        return result
    raise TypeError(f"optimizer must be a name or a callable returning a keras optimizer, got {optimizer!r}")


def _defaults(key: str) -> dict[str, Any]:
    """The default arguments of the factory registered as ``key`` (adamw: with adam's)."""
    factories = ([optimizers.adam, optimizers.adamw] if key == "adamw"
                 else [optimizers.OPTIMIZERS[key]])
    defaults: dict[str, Any] = {}
    for factory in factories:
        for arg, parameter in inspect.signature(factory).parameters.items():
            if parameter.default is not parameter.empty:
                defaults[arg] = parameter.default
    return defaults


def keras_equivalent(name: str, *, dtype: str | None = None, **kwargs: Any):
    """The ``keras.optimizers`` object that follows the same update rule as
    :func:`lrutils.optimizers.get_optimizer(name, **kwargs) <lrutils.optimizers.get_optimizer>`,
    with the arguments and defaults of that optimizer (which the tests compare with the
    bare Keras constructors).

    ``learning_rate`` must be a float or a
    ``keras.optimizers.schedules.LearningRateSchedule`` (Keras calls a plain Python callable
    with no argument, so a ``step -> float`` function has no direct Keras equivalent).
    ``bias_correction=False`` has no Keras equivalent either.

    ``dtype`` is the dtype of the variables the optimizer will train, if not
    ``keras.config.floatx()``. It matters for float64 work with the TensorFlow backend:
    Keras creates the learning-rate variable with ``floatx()``, and ``ops.cast`` turns a
    Python float such as ``beta_1`` or ``weight_decay`` into a float32 tensor before casting
    it, so ``0.9`` becomes 0.8999999762. With ``dtype="float64"`` the optimizer is built
    under that floatx and receives its hyper-parameters as ``np.float64``, and then computes
    entirely in float64.

    >>> keras_equivalent("nesterov", learning_rate=0.1)  # doctest: +SKIP
    <keras.src.optimizers.sgd.SGD object at ...>
    """
    key = lookup(optimizers.OPTIMIZERS, name, "optimizer")
    optimizers.get_optimizer(key, **kwargs)  # validate with the NumPy optimizer's messages first
    class_name, fixed = ALIASES.get(key, (key, {}))
    config = {**_defaults(key), **fixed, **kwargs}
    if config.pop("bias_correction", True) is not True:
        raise ValueError("bias_correction=False has no Keras equivalent")
    lr = config.get("learning_rate")
    if callable(lr) and not isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
        raise TypeError(
            "learning_rate for Keras must be a float or a keras.optimizers.schedules."
            f"LearningRateSchedule, got {lr!r}"
        )
    floatx = keras.config.floatx() if dtype is None else str(np.dtype(dtype))
    if not np.issubdtype(np.dtype(floatx), np.floating):
        raise ValueError(f"dtype must be a floating-point dtype, got dtype={dtype!r}")
    # Keras insists on floats (SGD(momentum=1) and learning_rate=1 are rejected);
    # np.float64 is a float subclass, so it passes those checks and keeps full precision.
    scalar = np.float64 if floatx == "float64" else float
    for arg, value in config.items():
        if is_real(value):
            # Adadelta computes `rho * accumulator` with rho on the left: a NumPy scalar
            # there would try to turn a graph tensor into an array. Rho is never cast, so
            # a Python float is exact there.
            exact = key == "adadelta" and arg == "rho"
            config[arg] = float(value) if exact else scalar(value)
    previous = keras.config.floatx()
    keras.config.set_floatx(floatx)
    try:
        return make_optimizer(class_name, **config)
    finally:
        keras.config.set_floatx(previous)
