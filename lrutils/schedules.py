r"""Learning-rate schedules as pure, composable functions of the training step.

Every factory in this module returns a :class:`Schedule`: a small frozen object that maps a
step (an ``int``, or a NumPy array of steps) to a learning rate, and that remembers the name
and keyword arguments it was made from, so ``SCHEDULES[s.name](**s.kwargs)`` re-creates it.

The formulas are written once, against an *array namespace* ``xp``: NumPy here, ``keras.ops``
in :mod:`lrutils.keras_schedules`, whose :class:`~lrutils.keras_schedules.KerasSchedule`
turns a :class:`Schedule` into a ``keras.optimizers.schedules.LearningRateSchedule`` that
runs inside the compiled training step. Where Keras has the same schedule, the factory takes
the Keras argument names and defaults and reproduces the Keras class step for step
(``tests/test_schedules.py`` checks this at every step of a range that covers the boundaries).

Steps and epochs
----------------
A schedule is a function of whatever counter you feed it. Keras calls a
``LearningRateSchedule`` with ``optimizer.iterations``: 0, 1, 2, ... per *batch*. The
``decay_steps`` of a Keras schedule are therefore batches, not epochs; with
``steps_per_epoch`` batches per epoch, decaying over 10 epochs means
``decay_steps=10 * steps_per_epoch``.

To look at a step-indexed schedule per epoch, evaluate it at the first step of each epoch,
``schedule(np.arange(n_epochs) * steps_per_epoch)``, or wrap it with :func:`per_epoch`,
which returns the epoch-indexed schedule that ``keras.callbacks.LearningRateScheduler``
expects. To plot every step against a fractional-epoch axis, use
``steps = np.arange(n_epochs * steps_per_epoch)`` and ``plt.plot(steps / steps_per_epoch,
schedule(steps))``.

Exact boundaries
----------------
Staircases, cycles and restarts take the integer part of ``step / steps``. Inside
``tf.function`` TensorFlow may compute that quotient as ``step * (1 / steps)``, so that
``90 / 30`` becomes ``3.0000002``; Keras' own ``PolynomialDecay(cycle=True)`` then starts
the next cycle one multiple early during ``fit``. The formulas here check the integer part
by multiplying back, so boundaries land on the same step in NumPy, eager Keras and compiled
Keras.

Composition
-----------
:func:`join_schedules` runs schedules one after the other (as ``optax.join_schedules``):
the schedule that takes over at boundary ``b`` sees ``step - b``. :func:`linear_warmup`
prepends a linear warm-up to any schedule, and :func:`per_epoch` rescales the step axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np

from ._checks import check_choice, check_flag, check_interval, check_real, lookup

__all__ = [
    "Schedule",
    "constant",
    "step_decay",
    "inverse_time_decay",
    "exponential_decay",
    "exponential",
    "polynomial_decay",
    "piecewise_constant",
    "cosine_decay",
    "linear_warmup",
    "cosine_decay_restarts",
    "triangular",
    "triangular2",
    "exp_range",
    "one_cycle",
    "one_cycle_momentum",
    "join_schedules",
    "per_epoch",
    "SCHEDULES",
    "get_schedule",
]

#: A formula ``f(xp, t)``: ``xp`` is an array namespace (``numpy`` or ``keras.ops``) and
#: ``t`` a floating-point array of steps; it returns the rates, an array shaped like ``t``.
Formula = Callable[[Any, Any], Any]


# --------------------------------------------------------------------------------------
# The Schedule object
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class Schedule:
    """A learning-rate schedule: a pure function of the step, plus its recipe.

    Call it with a step to get a rate: ``schedule(10)`` returns a ``float``, and
    ``schedule(np.arange(100))`` returns an array of 100 rates. Steps count from 0 and must
    be non-negative.

    Attributes
    ----------
    name : str
        Name of the factory in :data:`SCHEDULES` that made this schedule.
    kwargs : mapping
        Keyword arguments of that factory, read-only (a schedule is immutable: its formula
        was built from them); ``SCHEDULES[name](**kwargs)`` makes an equal schedule. Nested
        schedules (as in :func:`join_schedules`) appear as :class:`Schedule` objects;
        :meth:`to_config` turns them into plain dictionaries.
    formula : callable
        ``formula(xp, t)`` computes the rates for a floating-point array of steps ``t``
        using only functions that NumPy and ``keras.ops`` share (``xp.floor``,
        ``xp.cos``, ``xp.where``, ...). The same formula serves ``__call__``
        (``xp=numpy``) and :class:`lrutils.keras_schedules.KerasSchedule`
        (``xp=keras.ops``). It does not validate ``t``.

    Two schedules are equal when their names and keyword arguments are equal.
    """

    name: str
    kwargs: Mapping[str, Any]
    formula: Formula = field(compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kwargs", MappingProxyType(dict(self.kwargs)))

    def __call__(self, step: Any) -> Any:
        """Return the learning rate at ``step`` (a float), or at every step of an array.

        Raises
        ------
        TypeError
            If ``step`` is not a real number or an array of them.
        ValueError
            If a step is negative or not finite.
        """
        t, scalar = _as_steps(step)
        rates = np.broadcast_to(np.asarray(self.formula(np, t), dtype=np.float64), t.shape)
        return float(rates) if scalar else np.array(rates)

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items())
        return f"{self.name}({args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return self.name == other.name and dict(self.kwargs) == dict(other.kwargs)

    def __hash__(self) -> int:
        return hash((self.name, repr(dict(self.kwargs))))

    def to_config(self) -> dict[str, Any]:
        """Return ``{"name": ..., "kwargs": ...}`` with nested schedules as dictionaries.

        The result holds only numbers, strings, booleans, ``None``, lists and dictionaries,
        so it can be written as JSON; :meth:`from_config` reverses it.
        """
        return {"name": self.name, "kwargs": _encode(self.kwargs)}

    def get_config(self) -> dict[str, Any]:
        """The same as :meth:`to_config`, under Keras's name for it."""
        return self.to_config()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Schedule:
        """Re-create a schedule from :meth:`to_config` output (looked up in :data:`SCHEDULES`)."""
        if not isinstance(config, Mapping) or set(config) != {"name", "kwargs"}:
            raise ValueError(
                "config must be a mapping with exactly the keys 'name' and 'kwargs', "
                f"got config={config!r}"
            )
        return get_schedule(config["name"], **_decode(dict(config["kwargs"])))


def _encode(value: Any) -> Any:
    if isinstance(value, Schedule):
        return value.to_config()
    if isinstance(value, Mapping):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, Mapping):
        if set(value) == {"name", "kwargs"}:
            return Schedule.from_config(value)
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _as_steps(step: Any) -> tuple[np.ndarray, bool]:
    """Convert ``step`` to a float64 array; say whether it was a scalar (not an ndarray)."""
    if isinstance(step, (bool, np.bool_)):
        raise TypeError(f"step must be a non-negative number or an array of them, got {step=}")
    try:
        t = np.asarray(step, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"step must be a non-negative number or an array of them, got {step=}"
        ) from None
    if t.dtype == object or np.asarray(step).dtype.kind not in "iuf":
        raise TypeError(f"step must be a non-negative number or an array of them, got {step=}")
    if not np.all(np.isfinite(t)):
        raise ValueError(f"step must be finite, got {step=}")
    if t.size and t.min() < 0:
        got = f"step={step!r}" if t.ndim == 0 else f"step={float(t.min())!r} in the array"
        raise ValueError(f"step must be non-negative (steps count from 0), got {got}")
    scalar = t.ndim == 0 and not isinstance(step, np.ndarray)
    return t, scalar


# --------------------------------------------------------------------------------------
# Argument checks: each names the argument, its value and what is accepted
# --------------------------------------------------------------------------------------
# The checks come from lrutils._checks. Every call passes keep_int=True, so a step count or a
# boundary given as an int stays an int (in the schedule's kwargs, its repr and its config).


def _increasing(name: str, values: Any) -> list[float]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of numbers, got {name}={values!r}")
    checked = [check_real(f"{name}[{i}]", v, minimum=0, keep_int=True) for i, v in enumerate(values)]
    for i in range(1, len(checked)):
        if checked[i] <= checked[i - 1]:
            raise ValueError(
                f"{name} must be strictly increasing, got {name}={checked!r} "
                f"({name}[{i}]={checked[i]!r} <= {name}[{i - 1}]={checked[i - 1]!r})"
            )
    return checked


def _make(name: str, formula: Formula, **kwargs: Any) -> Schedule:
    return Schedule(name=name, kwargs=kwargs, formula=formula)


# --------------------------------------------------------------------------------------
# Formulas: small private functions of (xp, t), shared by NumPy and keras.ops
# --------------------------------------------------------------------------------------


def _floor_div(xp: Any, t: Any, d: float) -> Any:
    """``floor(t / d)``, corrected so that exact multiples of ``d`` land on the right integer.

    Inside ``tf.function`` TensorFlow may compute ``t / d`` as ``t * (1 / d)``: ``90 / 30``
    then gives ``3.0000002`` and a ceiling of 4. Multiplying back is exact for the integer
    steps and step counts of practice, so the check below repairs such off-by-ones.
    """
    q = xp.floor(t / d)
    q = xp.where(q * d > t, q - 1.0, q)
    return xp.where((q + 1.0) * d <= t, q + 1.0, q)


def _ceil_div(xp: Any, t: Any, d: float) -> Any:
    """``ceil(t / d)``, exact at multiples of ``d`` (see :func:`_floor_div`)."""
    q = _floor_div(xp, t, d)
    return xp.where(q * d < t, q + 1.0, q)


def _constant(xp: Any, t: Any, *, value: float) -> Any:
    return value + 0.0 * t


def _step_decay(xp: Any, t: Any, *, initial_learning_rate: float, drop: float,
                steps_per_drop: float, offset: float) -> Any:
    return initial_learning_rate * xp.power(drop, _floor_div(xp, t + offset, steps_per_drop))


def _progress(xp: Any, t: Any, decay_steps: float, staircase: bool) -> Any:
    return _floor_div(xp, t, decay_steps) if staircase else t / decay_steps


def _inverse_time(xp: Any, t: Any, *, initial_learning_rate: float, decay_steps: float,
                  decay_rate: float, staircase: bool) -> Any:
    return initial_learning_rate / (1.0 + decay_rate * _progress(xp, t, decay_steps, staircase))


def _exponential_decay(xp: Any, t: Any, *, initial_learning_rate: float, decay_steps: float,
                       decay_rate: float, staircase: bool) -> Any:
    return initial_learning_rate * xp.power(decay_rate, _progress(xp, t, decay_steps, staircase))


def _exp_continuous(xp: Any, t: Any, *, initial_learning_rate: float, k: float) -> Any:
    return initial_learning_rate * xp.exp(-k * t)


def _polynomial(xp: Any, t: Any, *, initial_learning_rate: float, decay_steps: float,
                end_learning_rate: float, power: float, cycle: bool) -> Any:
    if cycle:
        # The first multiple of decay_steps that is >= t (decay_steps itself at t = 0).
        horizon = decay_steps * xp.maximum(_ceil_div(xp, t, decay_steps), 1.0)
    else:
        horizon = decay_steps
        t = xp.minimum(t, decay_steps)
    return (initial_learning_rate - end_learning_rate) * xp.power(
        1.0 - t / horizon, power
    ) + end_learning_rate


def _piecewise(xp: Any, t: Any, *, boundaries: list[float], values: list[float]) -> Any:
    rate = values[0] + 0.0 * t
    for boundary, value in zip(boundaries, values[1:]):
        rate = xp.where(t > boundary, value, rate)
    return rate


def _cosine_factor(xp: Any, fraction: Any, alpha: float, scale: Any = 1.0) -> Any:
    """``(1 - alpha) * scale * (1 + cos(pi * fraction)) / 2 + alpha``, in Keras' order."""
    return (1.0 - alpha) * (0.5 * scale * (1.0 + xp.cos(math.pi * fraction))) + alpha


def _cosine(xp: Any, t: Any, *, initial_learning_rate: float, decay_steps: float,
            alpha: float) -> Any:
    t = xp.minimum(t, decay_steps)
    return initial_learning_rate * _cosine_factor(xp, t / decay_steps, alpha)


def _ramp(xp: Any, t: Any, *, start: float, end: float, steps: float, shape: str) -> Any:
    """Go from ``start`` to ``end`` in ``steps`` steps, then stay at ``end``.

    ``shape="linear"`` interpolates linearly; ``shape="cos"`` follows half a cosine
    (fastai's ``SchedCos``), flat at both ends.
    """
    fraction = xp.minimum(t / steps, 1.0)
    if shape == "cos":
        fraction = 0.5 * (1.0 - xp.cos(math.pi * fraction))
    # Exact at both ends (start + (end - start) * 1 need not round to end).
    return start * (1.0 - fraction) + end * fraction


def _join(xp: Any, t: Any, *, formulas: Sequence[Formula], boundaries: Sequence[float]) -> Any:
    rate = formulas[0](xp, t)
    for formula, boundary in zip(formulas[1:], boundaries):
        # Later schedules see step - boundary; the clamp keeps the unused branch finite.
        rate = xp.where(t < boundary, rate, formula(xp, xp.maximum(t - boundary, 0.0)))
    return rate


def _cosine_restarts(xp: Any, t: Any, *, initial_learning_rate: float,
                     first_decay_steps: float, t_mul: float, m_mul: float,
                     alpha: float) -> Any:
    if t_mul == 1.0:
        restart = _floor_div(xp, t, first_decay_steps)
        start, length = restart * first_decay_steps, first_decay_steps
    else:
        # Period i lasts first_decay_steps * t_mul**i steps and starts at step
        # first_decay_steps * (t_mul**i - 1) / (t_mul - 1). Keras inverts that with a
        # logarithm; its rounding can put an exact restart step at the end of the previous
        # period instead, so check the estimate against the period's start and end in steps.
        # The relative slack of 1e-6 absorbs float32 rounding of t_mul**i (a few ulps).
        def start_of(i: Any) -> Any:
            return first_decay_steps * (xp.power(t_mul, i) - 1.0) / (t_mul - 1.0)

        slack = 1.0 - 1e-6
        restart = xp.floor(
            xp.log(1.0 + t / first_decay_steps * (t_mul - 1.0)) / math.log(t_mul)
        )
        restart = xp.where(t >= slack * start_of(restart + 1.0), restart + 1.0, restart)
        restart = xp.where(t < slack * start_of(restart), restart - 1.0, restart)
        start, length = start_of(restart), first_decay_steps * xp.power(t_mul, restart)
    fraction = xp.maximum((t - start) / length, 0.0)
    return initial_learning_rate * _cosine_factor(
        xp, fraction, alpha, scale=xp.power(m_mul, restart)
    )


def _cyclical(xp: Any, t: Any, *, base_lr: float, max_lr: float, step_size: float,
              amplitude: Callable[[Any, Any, Any], Any]) -> Any:
    cycle = 1.0 + _floor_div(xp, t, 2.0 * step_size)
    x = xp.abs(t / step_size - 2.0 * cycle + 1.0)
    return base_lr + (max_lr - base_lr) * xp.maximum(0.0, 1.0 - x) * amplitude(xp, cycle, t)


def _full_amplitude(xp: Any, cycle: Any, t: Any) -> Any:
    return 1.0


def _halving_amplitude(xp: Any, cycle: Any, t: Any) -> Any:
    return 1.0 / xp.power(2.0, cycle - 1.0)


def _exponential_amplitude(xp: Any, cycle: Any, t: Any, *, gamma: float) -> Any:
    return xp.power(gamma, t)


def _rescaled(xp: Any, t: Any, *, formula: Formula, factor: float) -> Any:
    return formula(xp, t * factor)


# --------------------------------------------------------------------------------------
# Factories
# --------------------------------------------------------------------------------------


def constant(learning_rate: float) -> Schedule:
    r"""The same rate at every step: :math:`\eta_t = \eta`.

    Parameters
    ----------
    learning_rate : float
        The rate, > 0.
    """
    learning_rate = check_real("learning_rate", learning_rate, positive=True, keep_int=True)
    return _make("constant", partial(_constant, value=learning_rate),
                 learning_rate=learning_rate)


def step_decay(initial_learning_rate: float, drop: float, steps_per_drop: float, *,
               offset: float = 0) -> Schedule:
    r"""Multiply the rate by ``drop`` every ``steps_per_drop`` steps.

    .. math:: \eta_t = \eta_0 \cdot \mathrm{drop}^{\lfloor (t + \mathrm{offset}) /
              \mathrm{steps\_per\_drop} \rfloor}

    With ``offset=0`` the rate is :math:`\eta_0` for steps ``0 .. steps_per_drop - 1`` and
    drops for the first time at step ``steps_per_drop``. This is Keras
    ``ExponentialDecay(initial_learning_rate, steps_per_drop, drop, staircase=True)``.

    The "step decay" found in many tutorials is evaluated per epoch as
    ``lr0 * drop ** floor((1 + epoch) / epochs_drop)``. Keras numbers epochs from 0, so the
    ``1 +`` makes the first drop come one epoch early: with ``epochs_drop=10`` the rate
    drops at epoch index 9, after only 9 epochs at ``lr0``. That formula is
    ``step_decay(lr0, drop, epochs_drop, offset=1)`` evaluated at the epoch index, for
    example through :func:`lrutils.callbacks.to_epoch_scheduler`.

    Parameters
    ----------
    initial_learning_rate : float
        :math:`\eta_0`, > 0.
    drop : float
        Factor applied at each drop, > 0 (below 1 decays, above 1 grows).
    steps_per_drop : float
        Steps (or epochs, if you call it with epochs) between drops, > 0.
    offset : float, optional
        Added to the step before dividing, >= 0 and < ``steps_per_drop``; ``offset=1``
        reproduces the tutorial formula above.
    """
    initial_learning_rate = check_real("initial_learning_rate", initial_learning_rate,
                                       positive=True, keep_int=True)
    drop = check_real("drop", drop, positive=True, keep_int=True)
    steps_per_drop = check_real("steps_per_drop", steps_per_drop, positive=True, keep_int=True)
    offset = check_real("offset", offset, minimum=0, keep_int=True)
    if offset >= steps_per_drop:
        raise ValueError(
            f"offset must be smaller than steps_per_drop={steps_per_drop!r} "
            f"(a larger offset drops before step 0), got offset={offset!r}"
        )
    kwargs = dict(initial_learning_rate=initial_learning_rate, drop=drop,
                  steps_per_drop=steps_per_drop, offset=offset)
    return _make("step_decay", partial(_step_decay, **kwargs), **kwargs)


def inverse_time_decay(initial_learning_rate: float, decay_steps: float, decay_rate: float,
                       staircase: bool = False) -> Schedule:
    r"""Inverse-time decay, as Keras ``InverseTimeDecay``.

    .. math:: \eta_t = \frac{\eta_0}{1 + \mathrm{decay\_rate} \cdot p},\qquad
              p = t / \mathrm{decay\_steps}\ (\lfloor t / \mathrm{decay\_steps} \rfloor
              \text{ if staircase})

    Keras 2's ``SGD(lr, decay=d)`` computed ``lr / (1 + d * iterations)``; Keras 3 ignores
    ``decay=`` with a warning. The faithful translation is
    ``inverse_time_decay(lr, decay_steps=1, decay_rate=d)``.

    Parameters
    ----------
    initial_learning_rate : float
        :math:`\eta_0`, > 0.
    decay_steps : float
        Steps per unit of :math:`p`, > 0.
    decay_rate : float
        Slope of the denominator, >= 0 (0 keeps the rate constant, as Keras 2's
        default ``decay=0``).
    staircase : bool, optional
        Use the integer part of :math:`p`.

    References
    ----------
    Keras: ``keras.optimizers.schedules.InverseTimeDecay``.
    """
    kwargs = dict(
        initial_learning_rate=check_real("initial_learning_rate", initial_learning_rate,
                                         positive=True, keep_int=True),
        decay_steps=check_real("decay_steps", decay_steps, positive=True, keep_int=True),
        decay_rate=check_real("decay_rate", decay_rate, minimum=0, keep_int=True),
        staircase=check_flag("staircase", staircase),
    )
    return _make("inverse_time_decay", partial(_inverse_time, **kwargs), **kwargs)


def exponential_decay(initial_learning_rate: float, decay_steps: float, decay_rate: float,
                      staircase: bool = False) -> Schedule:
    r"""Exponential decay, as Keras ``ExponentialDecay``.

    .. math:: \eta_t = \eta_0 \cdot \mathrm{decay\_rate}^{p},\qquad
              p = t / \mathrm{decay\_steps}\ (\lfloor t / \mathrm{decay\_steps} \rfloor
              \text{ if staircase})

    The rate is multiplied by ``decay_rate`` every ``decay_steps`` steps. For the
    continuous form :math:`\eta_0 e^{-kt}` see :func:`exponential`.

    Parameters
    ----------
    initial_learning_rate : float
        :math:`\eta_0`, > 0.
    decay_steps : float
        Steps per factor of ``decay_rate``, > 0.
    decay_rate : float
        Factor per ``decay_steps``, > 0.
    staircase : bool, optional
        Decay in discrete jumps (integer part of :math:`p`).

    References
    ----------
    Keras: ``keras.optimizers.schedules.ExponentialDecay``.
    """
    kwargs = dict(
        initial_learning_rate=check_real("initial_learning_rate", initial_learning_rate,
                                         positive=True, keep_int=True),
        decay_steps=check_real("decay_steps", decay_steps, positive=True, keep_int=True),
        decay_rate=check_real("decay_rate", decay_rate, positive=True, keep_int=True),
        staircase=check_flag("staircase", staircase),
    )
    return _make("exponential_decay", partial(_exponential_decay, **kwargs), **kwargs)


def exponential(initial_learning_rate: float, k: float) -> Schedule:
    r"""Continuous exponential decay :math:`\eta_t = \eta_0 e^{-k t}`.

    The same curve as ``exponential_decay(initial_learning_rate, 1, exp(-k))``, written
    with the rate constant ``k`` of textbooks: the rate halves every ``ln(2) / k`` steps.

    Parameters
    ----------
    initial_learning_rate : float
        :math:`\eta_0`, > 0.
    k : float
        Decay constant per step, >= 0.
    """
    kwargs = dict(initial_learning_rate=check_real("initial_learning_rate", initial_learning_rate,
                                                   positive=True, keep_int=True),
                  k=check_real("k", k, minimum=0, keep_int=True))
    return _make("exponential", partial(_exp_continuous, **kwargs), **kwargs)


def polynomial_decay(initial_learning_rate: float, decay_steps: float,
                     end_learning_rate: float = 0.0001, power: float = 1.0,
                     cycle: bool = False) -> Schedule:
    r"""Polynomial decay to ``end_learning_rate``, as Keras ``PolynomialDecay``.

    .. math:: \eta_t = (\eta_0 - \eta_\mathrm{end})
              \left(1 - \frac{\min(t, T)}{T}\right)^{\mathrm{power}} + \eta_\mathrm{end},
              \qquad T = \mathrm{decay\_steps}

    then constant at :math:`\eta_\mathrm{end}`. With ``cycle=True``, :math:`T` becomes the
    first multiple of ``decay_steps`` that is >= ``t`` (``decay_steps`` at ``t = 0``), as in
    Keras: the rate reaches :math:`\eta_\mathrm{end}` at each multiple and jumps back up,
    each cycle starting a little lower than the one before. ``power=1`` is a linear decay.
    (Keras' class, inside ``tf.function``, can start the next cycle one multiple early by
    rounding: with ``decay_steps=30`` in float32 at step 90; see "Exact boundaries" above.)

    Parameters
    ----------
    initial_learning_rate : float
        :math:`\eta_0`, > 0.
    decay_steps : float
        :math:`T`, > 0.
    end_learning_rate : float, optional
        >= 0 (Keras default 0.0001).
    power : float, optional
        Exponent, > 0.
    cycle : bool, optional
        Restart after each ``decay_steps``.

    References
    ----------
    Keras: ``keras.optimizers.schedules.PolynomialDecay``.
    """
    kwargs = dict(
        initial_learning_rate=check_real("initial_learning_rate", initial_learning_rate,
                                         positive=True, keep_int=True),
        decay_steps=check_real("decay_steps", decay_steps, positive=True, keep_int=True),
        end_learning_rate=check_real("end_learning_rate", end_learning_rate, minimum=0, keep_int=True),
        power=check_real("power", power, positive=True, keep_int=True),
        cycle=check_flag("cycle", cycle),
    )
    return _make("polynomial_decay", partial(_polynomial, **kwargs), **kwargs)


def piecewise_constant(boundaries: Sequence[float], values: Sequence[float]) -> Schedule:
    r"""Constant rates between boundaries, as Keras ``PiecewiseConstantDecay``.

    The rate is ``values[0]`` for ``step <= boundaries[0]``, ``values[i]`` for
    ``boundaries[i-1] < step <= boundaries[i]``, and ``values[-1]`` for
    ``step > boundaries[-1]``. Note the ``<=``: the rate changes at step
    ``boundaries[i] + 1``. (:func:`join_schedules` switches *at* the boundary, as optax.)

    Parameters
    ----------
    boundaries : sequence of float
        Strictly increasing, >= 0.
    values : sequence of float
        Rates, >= 0, exactly one more than ``boundaries``.

    References
    ----------
    Keras: ``keras.optimizers.schedules.PiecewiseConstantDecay``.
    """
    boundaries = _increasing("boundaries", boundaries)
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"values must be a sequence of numbers, got values={values!r}")
    values = [check_real(f"values[{i}]", v, minimum=0, keep_int=True) for i, v in enumerate(values)]
    if len(values) != len(boundaries) + 1:
        raise ValueError(
            "values must have one element more than boundaries, got "
            f"len(values)={len(values)} and len(boundaries)={len(boundaries)}"
        )
    return _make("piecewise_constant",
                 partial(_piecewise, boundaries=boundaries, values=values),
                 boundaries=boundaries, values=values)


def cosine_decay(initial_learning_rate: float, decay_steps: float, alpha: float = 0.0,
                 warmup_target: float | None = None, warmup_steps: float = 0) -> Schedule:
    r"""Cosine decay with optional linear warm-up, as Keras ``CosineDecay``.

    Without warm-up (``warmup_target=None``):

    .. math:: \eta_t = \eta_0 \left[(1 - \alpha)\,\tfrac12\left(1 + \cos\frac{\pi
              \min(t, T)}{T}\right) + \alpha\right],\qquad T = \mathrm{decay\_steps}

    so the rate falls from :math:`\eta_0` to :math:`\alpha\eta_0` in :math:`T` steps and
    stays there. With warm-up, the rate first rises linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` steps, and *then*
    the cosine above runs from ``warmup_target`` (down to ``alpha * warmup_target``) over
    ``decay_steps`` more steps: the warm-up is **not** counted inside ``decay_steps``, so
    the schedule ends at step ``warmup_steps + decay_steps``. Keras silently ignores
    ``warmup_steps`` without ``warmup_target`` and ``initial_learning_rate`` when
    ``warmup_steps=0``; here both are errors.

    Parameters
    ----------
    initial_learning_rate : float
        Start of the decay, or of the warm-up when ``warmup_target`` is given (then >= 0,
        often 0; otherwise > 0).
    decay_steps : float
        :math:`T`, > 0.
    alpha : float, optional
        Final rate as a fraction of the peak, in [0, 1].
    warmup_target : float or None, optional
        Peak rate reached at the end of the warm-up, > 0.
    warmup_steps : float, optional
        Length of the warm-up, >= 0; > 0 exactly when ``warmup_target`` is given.

    References
    ----------
    Keras: ``keras.optimizers.schedules.CosineDecay``. Loshchilov & Hutter, "SGDR:
    Stochastic Gradient Descent with Warm Restarts", ICLR 2017 (arXiv:1608.03983);
    warm-up: Goyal et al., "Accurate, Large Minibatch SGD", 2017 (arXiv:1706.02677).
    """
    decay_steps = check_real("decay_steps", decay_steps, positive=True, keep_int=True)
    alpha = check_interval("alpha", alpha, 0.0, 1.0, keep_int=True)
    warmup_steps = check_real("warmup_steps", warmup_steps, minimum=0, keep_int=True)
    if warmup_target is None:
        if warmup_steps > 0:
            raise ValueError(
                f"warmup_steps={warmup_steps!r} needs a warmup_target (the rate to warm up "
                "to); pass warmup_target, or warmup_steps=0 for no warm-up"
            )
        initial_learning_rate = check_real("initial_learning_rate", initial_learning_rate,
                                           positive=True, keep_int=True)
        peak = initial_learning_rate
    else:
        warmup_target = check_real("warmup_target", warmup_target, positive=True, keep_int=True)
        initial_learning_rate = check_real("initial_learning_rate", initial_learning_rate,
                                           minimum=0, keep_int=True)
        if warmup_steps == 0:
            raise ValueError(
                f"warmup_target={warmup_target!r} needs warmup_steps > 0, got warmup_steps=0 "
                "(pass warmup_target=None for no warm-up)"
            )
        peak = warmup_target
    formula = partial(_cosine, initial_learning_rate=peak, decay_steps=decay_steps, alpha=alpha)
    if warmup_target is not None:
        warmup = partial(_ramp, start=initial_learning_rate, end=warmup_target,
                         steps=warmup_steps, shape="linear")
        formula = partial(_join, formulas=(warmup, formula), boundaries=(warmup_steps,))
    return _make("cosine_decay", formula, initial_learning_rate=initial_learning_rate,
                 decay_steps=decay_steps, alpha=alpha, warmup_target=warmup_target,
                 warmup_steps=warmup_steps)


def linear_warmup(schedule: Schedule, warmup_steps: float,
                  initial_learning_rate: float = 0.0) -> Schedule:
    r"""Prepend a linear warm-up to ``schedule``.

    The rate rises linearly from ``initial_learning_rate`` to ``schedule(0)`` over
    ``warmup_steps`` steps; from then on it is ``schedule(step - warmup_steps)``. This is
    :func:`join_schedules` of a linear ramp and ``schedule``;
    ``linear_warmup(cosine_decay(peak, T, alpha), w, lr0)`` equals
    ``cosine_decay(lr0, T, alpha, warmup_target=peak, warmup_steps=w)``.

    Parameters
    ----------
    schedule : Schedule
        The schedule that follows the warm-up.
    warmup_steps : float
        Length of the warm-up, > 0.
    initial_learning_rate : float, optional
        Rate at step 0, >= 0.

    References
    ----------
    Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", 2017.
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule, got schedule={schedule!r}")
    warmup_steps = check_real("warmup_steps", warmup_steps, positive=True, keep_int=True)
    initial_learning_rate = check_real("initial_learning_rate", initial_learning_rate,
                                       minimum=0, keep_int=True)
    ramp = partial(_ramp, start=initial_learning_rate, end=schedule(0),
                   steps=warmup_steps, shape="linear")
    formula = partial(_join, formulas=(ramp, schedule.formula), boundaries=(warmup_steps,))
    return _make("linear_warmup", formula, schedule=schedule, warmup_steps=warmup_steps,
                 initial_learning_rate=initial_learning_rate)


def cosine_decay_restarts(initial_learning_rate: float, first_decay_steps: float,
                          t_mul: float = 2.0, m_mul: float = 1.0,
                          alpha: float = 0.0) -> Schedule:
    r"""Cosine decay with warm restarts (SGDR), as Keras ``CosineDecayRestarts``.

    Period :math:`i = 0, 1, \dots` lasts :math:`T_i = T_0\,t_\mathrm{mul}^i` steps and
    starts at :math:`m_\mathrm{mul}^i\,\eta_0`; inside it, with :math:`x` the fraction of
    the period done,

    .. math:: \eta_t = \eta_0 \left[(1 - \alpha)\, m_\mathrm{mul}^i\,
              \tfrac12 (1 + \cos \pi x) + \alpha\right].

    At the first step of each period the rate jumps back up (the "warm restart"). Keras
    finds the period from a logarithm, and its rounding can put a restart step at the end
    of the previous period: in float64, ``t_mul=3, first_decay_steps=100`` gives 0.0
    instead of :math:`\eta_0` at step 12100, and inside ``tf.function`` the defaults with
    ``first_decay_steps=10`` give 0.0 at step 70. Here the period is checked against its
    start and end in steps, so restart steps restart.

    Parameters
    ----------
    initial_learning_rate : float
        :math:`\eta_0`, > 0.
    first_decay_steps : float
        :math:`T_0`, > 0.
    t_mul : float, optional
        Growth of the period length, >= 1.
    m_mul : float, optional
        Factor on the peak rate at each restart, > 0.
    alpha : float, optional
        Floor of the rate as a fraction of :math:`\eta_0`, in [0, 1].

    References
    ----------
    Keras: ``keras.optimizers.schedules.CosineDecayRestarts``. Loshchilov & Hutter,
    "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017 (arXiv:1608.03983).
    """
    t_mul = check_real("t_mul", t_mul, keep_int=True)
    if t_mul < 1:
        raise ValueError(
            f"t_mul must be >= 1 (shrinking periods would end the schedule after finitely "
            f"many steps), got t_mul={t_mul!r}"
        )
    kwargs = dict(
        initial_learning_rate=check_real("initial_learning_rate", initial_learning_rate,
                                         positive=True, keep_int=True),
        first_decay_steps=check_real("first_decay_steps", first_decay_steps,
                                     positive=True, keep_int=True),
        t_mul=t_mul,
        m_mul=check_real("m_mul", m_mul, positive=True, keep_int=True),
        alpha=check_interval("alpha", alpha, 0.0, 1.0, keep_int=True),
    )
    return _make("cosine_decay_restarts", partial(_cosine_restarts, **kwargs), **kwargs)


def _cyclical_args(base_lr: float, max_lr: float, step_size: float) -> dict[str, float]:
    base_lr = check_real("base_lr", base_lr, minimum=0, keep_int=True)
    max_lr = check_real("max_lr", max_lr, positive=True, keep_int=True)
    if max_lr <= base_lr:
        raise ValueError(f"max_lr must be > base_lr={base_lr!r}, got max_lr={max_lr!r}")
    step_size = check_real("step_size", step_size, positive=True, keep_int=True)
    return dict(base_lr=base_lr, max_lr=max_lr, step_size=step_size)


_CLR_DOC = r"""

    Smith's cyclical learning rate (CLR). With :math:`s` = ``step_size``,

    .. math:: c = \left\lfloor 1 + \frac{t}{2s} \right\rfloor,\quad
              x = \left|\frac{t}{s} - 2c + 1\right|,\quad
              \eta_t = \eta_\mathrm{base} + (\eta_\mathrm{max} - \eta_\mathrm{base})
              \max(0, 1 - x)\cdot a_t

    so the rate climbs from ``base_lr`` for ``step_size`` steps and descends for as many;
    one cycle is ``2 * step_size`` steps. Keras has no CLR class.

    Parameters
    ----------
    base_lr : float
        Lower rate, >= 0.
    max_lr : float
        Upper rate of the first cycle, > ``base_lr``.
    step_size : float
        Steps in half a cycle, > 0 (Smith suggests 2 to 10 epochs' worth).
    {extra}
    References
    ----------
    Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017
    (arXiv:1506.01186), section 3.1.
    """


def triangular(base_lr: float, max_lr: float, step_size: float) -> Schedule:
    kwargs = _cyclical_args(base_lr, max_lr, step_size)
    return _make("triangular", partial(_cyclical, amplitude=_full_amplitude, **kwargs), **kwargs)


def triangular2(base_lr: float, max_lr: float, step_size: float) -> Schedule:
    kwargs = _cyclical_args(base_lr, max_lr, step_size)
    return _make("triangular2", partial(_cyclical, amplitude=_halving_amplitude, **kwargs),
                 **kwargs)


def exp_range(base_lr: float, max_lr: float, step_size: float, gamma: float) -> Schedule:
    kwargs = _cyclical_args(base_lr, max_lr, step_size)
    gamma = check_interval("gamma", gamma, 0.0, 1.0, low_open=True, keep_int=True)
    amplitude = partial(_exponential_amplitude, gamma=gamma)
    return _make("exp_range", partial(_cyclical, amplitude=amplitude, **kwargs),
                 **kwargs, gamma=gamma)


triangular.__doc__ = "Triangular cycles of constant height, :math:`a_t = 1`." + _CLR_DOC.replace(
    "{extra}", "")
triangular2.__doc__ = (
    "Triangular cycles whose height halves every cycle, :math:`a_t = 2^{-(c-1)}`."
    + _CLR_DOC.replace("{extra}", "")
)
exp_range.__doc__ = (
    r"Triangular cycles whose height decays per step, :math:`a_t = \gamma^{t}`."
    + _CLR_DOC.replace("{extra}", "gamma : float\n        Decay of the height per step, "
                       "in (0, 1] (1 is :func:`triangular`).\n    ")
)


_ANNEAL = ("cos", "linear")


def _one_cycle_args(total_steps: float, pct_start: float, anneal: str) -> tuple[float, float, str]:
    total_steps = check_real("total_steps", total_steps, positive=True, keep_int=True)
    pct_start = check_interval("pct_start", pct_start, 0.0, 1.0, low_open=True, high_open=True,
                               keep_int=True)
    return total_steps, pct_start, check_choice("anneal", anneal, _ANNEAL)


def _two_phases(start: float, middle: float, end: float, total_steps: float, pct_start: float,
                anneal: str) -> Formula:
    split = pct_start * total_steps
    up = partial(_ramp, start=start, end=middle, steps=split, shape=anneal)
    down = partial(_ramp, start=middle, end=end, steps=total_steps - split, shape=anneal)
    return partial(_join, formulas=(up, down), boundaries=(split,))


def one_cycle(max_learning_rate: float, total_steps: float, pct_start: float = 0.25,
              div_factor: float = 25.0, final_div_factor: float = 1e5,
              anneal: str = "cos") -> Schedule:
    r"""The 1cycle policy with fastai's defaults.

    Two phases over ``total_steps`` steps, split at :math:`S` = ``pct_start * total_steps``:

    * warm-up from ``max_learning_rate / div_factor`` (:math:`\eta_\max/25`) at step 0 to
      ``max_learning_rate`` at step :math:`S` (25% of the steps);
    * annealing from ``max_learning_rate`` down to ``max_learning_rate /
      final_div_factor`` (:math:`\eta_\max/10^5`) at step ``total_steps``, and constant
      after.

    ``anneal="cos"`` shapes both phases as half cosines (fastai's ``SchedCos``);
    ``"linear"`` uses straight lines, as in Smith's paper. As in fastai, the position is
    ``step / total_steps``, so the last training step ``total_steps - 1`` is slightly
    above the final rate, which is reached at ``total_steps``.

    The final rate follows fastai (``lr_max / div_final``), **not** PyTorch's
    ``OneCycleLR``, whose ``final_div_factor`` divides the *initial* rate
    (``max_lr / (div_factor * final_div_factor)``, with PyTorch defaults ``pct_start=0.3``
    and ``final_div_factor=1e4``). To reproduce PyTorch's end value, pass
    ``final_div_factor = div_factor * pytorch_final_div_factor``.

    Pair it with :func:`one_cycle_momentum` (momentum 0.95 -> 0.85 -> 0.95).

    Parameters
    ----------
    max_learning_rate : float
        Peak rate :math:`\eta_\max`, > 0.
    total_steps : float
        Length of the cycle in steps, > 0.
    pct_start : float, optional
        Fraction of the steps spent warming up, in (0, 1).
    div_factor : float, optional
        Start rate is ``max_learning_rate / div_factor``, > 0.
    final_div_factor : float, optional
        End rate is ``max_learning_rate / final_div_factor``, > 0.
    anneal : {"cos", "linear"}, optional
        Shape of both phases.

    References
    ----------
    Smith, "A disciplined approach to neural network hyper-parameters: Part 1", 2018
    (arXiv:1803.09820); fastai ``fit_one_cycle`` (``div=25``, ``div_final=1e5``,
    ``pct_start=0.25``).
    """
    max_learning_rate = check_real("max_learning_rate", max_learning_rate, positive=True, keep_int=True)
    total_steps, pct_start, anneal = _one_cycle_args(total_steps, pct_start, anneal)
    div_factor = check_real("div_factor", div_factor, positive=True, keep_int=True)
    final_div_factor = check_real("final_div_factor", final_div_factor, positive=True, keep_int=True)
    formula = _two_phases(max_learning_rate / div_factor, max_learning_rate,
                          max_learning_rate / final_div_factor, total_steps, pct_start, anneal)
    return _make("one_cycle", formula, max_learning_rate=max_learning_rate,
                 total_steps=total_steps, pct_start=pct_start, div_factor=div_factor,
                 final_div_factor=final_div_factor, anneal=anneal)


def one_cycle_momentum(total_steps: float, pct_start: float = 0.25,
                       base_momentum: float = 0.85, max_momentum: float = 0.95,
                       anneal: str = "cos") -> Schedule:
    r"""The momentum that goes with :func:`one_cycle`: 0.95 -> 0.85 -> 0.95.

    Momentum falls from ``max_momentum`` at step 0 to ``base_momentum`` at step
    ``pct_start * total_steps`` (while the rate rises), then climbs back to
    ``max_momentum`` at ``total_steps`` (while the rate anneals). Drive a Keras optimizer
    with it through :func:`lrutils.keras_schedules.scheduled_momentum` (SGD ``momentum`` or
    Adam ``beta_1``).

    Parameters
    ----------
    total_steps, pct_start, anneal
        As in :func:`one_cycle`; use the same values.
    base_momentum : float, optional
        Lowest momentum, in [0, 1].
    max_momentum : float, optional
        Momentum at both ends, in [0, 1].

    References
    ----------
    Smith 2018 (arXiv:1803.09820), section 4.3; fastai ``fit_one_cycle``
    (``moms=(0.95, 0.85, 0.95)``).
    """
    total_steps, pct_start, anneal = _one_cycle_args(total_steps, pct_start, anneal)
    base_momentum = check_interval("base_momentum", base_momentum, 0.0, 1.0, keep_int=True)
    max_momentum = check_interval("max_momentum", max_momentum, 0.0, 1.0, keep_int=True)
    formula = _two_phases(max_momentum, base_momentum, max_momentum, total_steps, pct_start,
                          anneal)
    return _make("one_cycle_momentum", formula, total_steps=total_steps, pct_start=pct_start,
                 base_momentum=base_momentum, max_momentum=max_momentum, anneal=anneal)


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[float]) -> Schedule:
    r"""Run ``schedules`` one after another, switching at ``boundaries`` (as optax).

    For ``boundaries[i-1] <= step < boundaries[i]`` the rate is
    ``schedules[i](step - boundaries[i-1])``: each schedule starts from its own step 0.
    The switch happens *at* the boundary (``step < boundary`` still uses the earlier
    schedule), unlike :func:`piecewise_constant`, which follows Keras and switches one step
    later.

    Parameters
    ----------
    schedules : sequence of Schedule
        At least one.
    boundaries : sequence of float
        Strictly increasing, >= 0, one fewer than ``schedules``.

    References
    ----------
    optax: ``optax.join_schedules``.
    """
    if isinstance(schedules, Schedule) or not isinstance(schedules, Sequence):
        raise TypeError(
            f"schedules must be a sequence of Schedule objects, got schedules={schedules!r}"
        )
    for i, schedule in enumerate(schedules):
        if not isinstance(schedule, Schedule):
            raise TypeError(f"schedules[{i}] must be a Schedule, got {schedule!r}")
    if not schedules:
        raise ValueError("schedules must hold at least one Schedule, got schedules=[]")
    boundaries = _increasing("boundaries", boundaries)
    if len(boundaries) != len(schedules) - 1:
        raise ValueError(
            "boundaries must have one element fewer than schedules, got "
            f"len(boundaries)={len(boundaries)} and len(schedules)={len(schedules)}"
        )
    schedules = list(schedules)
    formula = partial(_join, formulas=tuple(s.formula for s in schedules),
                      boundaries=tuple(boundaries))
    return _make("join_schedules", formula, schedules=schedules, boundaries=boundaries)


def per_epoch(schedule: Schedule, steps_per_epoch: float) -> Schedule:
    r"""The epoch-indexed view of a step-indexed schedule.

    ``per_epoch(schedule, n)(epoch) == schedule(epoch * n)``: the rate of the first batch
    of each epoch. Use it to plot a schedule against epochs, or to drive
    ``keras.callbacks.LearningRateScheduler`` (which calls its function with the epoch
    index) from a schedule written in steps.

    Parameters
    ----------
    schedule : Schedule
        A schedule of the optimizer step.
    steps_per_epoch : float
        Batches per epoch, > 0.
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule, got schedule={schedule!r}")
    steps_per_epoch = check_real("steps_per_epoch", steps_per_epoch, positive=True, keep_int=True)
    formula = partial(_rescaled, formula=schedule.formula, factor=steps_per_epoch)
    return _make("per_epoch", formula, schedule=schedule, steps_per_epoch=steps_per_epoch)


#: Every factory by name; ``SCHEDULES[s.name](**s.kwargs)`` re-creates ``s``. Read-only.
SCHEDULES: Mapping[str, Callable[..., Schedule]] = MappingProxyType({
    factory.__name__: factory
    for factory in (
        constant, step_decay, inverse_time_decay, exponential_decay, exponential,
        polynomial_decay, piecewise_constant, cosine_decay, linear_warmup,
        cosine_decay_restarts, triangular, triangular2, exp_range, one_cycle,
        one_cycle_momentum, join_schedules, per_epoch,
    )
})


def get_schedule(name: str, **kwargs: Any) -> Schedule:
    """Make the schedule called ``name`` (any case) from ``kwargs``: ``SCHEDULES[name](**kwargs)``.

    Raises
    ------
    ValueError
        If ``name`` is not in :data:`SCHEDULES` (the message lists the valid names).
    TypeError
        If ``name`` is not a string.
    """
    return SCHEDULES[lookup(SCHEDULES, name, "schedule")](**kwargs)
