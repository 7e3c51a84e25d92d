"""Gradient-based optimizers in NumPy, in the style of optax, matching Keras 3 step for step.

An optimizer is a :class:`GradientTransformation`: a pair of pure functions

* ``init(params) -> state``: the optimizer's memory (moments, accumulators, step count);
* ``update(grads, state, params) -> (updates, state)``: what to add to the parameters.

Nothing is mutated; the caller threads the state through the loop::

    opt = adam(learning_rate=0.01)
    state = opt.init(params)
    for _ in range(100):
        grads = grad_fn(params)
        updates, state = opt.update(grads, state, params)
        params = apply_updates(params, updates)

``params`` (and ``grads``) may be a single NumPy array or a list, tuple or dict of arrays
(nested as you like). Every factory uses the argument names and defaults of the Keras class
it mirrors, and reproduces its arithmetic, including where Keras differs from the paper the
method comes from; each docstring says where. The test suite checks every optimizer against
``keras.optimizers`` over 100 steps, to a relative error of 1e-10 in float64 (Nadam: 3e-8,
see :func:`nadam`) and 1e-5 in float32.

Two details shared by all optimizers, as in ``keras.optimizers.Optimizer``:

* ``learning_rate`` is a non-negative float or a schedule, a callable ``step -> float``.
  The schedule is called with ``state.count``, the number of steps taken before this one
  (0, 1, 2, ...), which is what Keras passes to a ``LearningRateSchedule``
  (``optimizer.iterations`` before it is incremented).
* ``weight_decay`` (``None`` or a non-negative float) is decoupled weight decay, applied
  before the optimizer's own step as ``w <- w - w * weight_decay * lr`` with the learning
  rate of the current step (the scheduled value), then the step uses the gradient as given.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from ._checks import (
    check_flag,
    check_interval,
    check_learning_rate,
    check_rate_at,
    check_real,
    lookup,
)
from ._tree import tree_map as _tree_map

__all__ = [
    "GradientTransformation",
    "SGDState",
    "RMSpropState",
    "AdagradState",
    "AdadeltaState",
    "AdamState",
    "AdamaxState",
    "NadamState",
    "LionState",
    "apply_updates",
    "sgd",
    "momentum",
    "nesterov",
    "rmsprop",
    "adagrad",
    "adadelta",
    "adam",
    "adamw",
    "adamax",
    "nadam",
    "lion",
    "OPTIMIZERS",
    "get_optimizer",
]

Params = Any  # an array, or a list / tuple / dict of them (nested)
Grads = Any  # same structure as Params
Updates = Any  # same structure as Params
State = Any  # one of the *State NamedTuples below
Schedule = Callable[[int], float]
LearningRate = float | Schedule


class GradientTransformation(NamedTuple):
    """An optimizer as two pure functions (the optax interface).

    Attributes
    ----------
    init : callable
        ``init(params) -> state``: the initial optimizer state for these parameters.
    update : callable
        ``update(grads, state, params=None) -> (updates, new_state)``. ``params`` is needed
        only when ``weight_decay`` is set. Add the updates to the parameters with
        :func:`apply_updates`.
    """

    init: Callable[[Params], State]
    update: Callable[..., tuple[Updates, State]]


# --------------------------------------------------------------------------- states


class SGDState(NamedTuple):
    """State of :func:`sgd`: step count and velocity (``None`` when ``momentum == 0``)."""

    count: int
    momentum: Params | None


class RMSpropState(NamedTuple):
    """State of :func:`rmsprop`: step count, mean square of the gradient (``velocity``),
    momentum buffer (``None`` when ``momentum == 0``) and mean gradient (``None`` unless
    ``centered``)."""

    count: int
    velocity: Params
    momentum: Params | None
    average_gradient: Params | None


class AdagradState(NamedTuple):
    """State of :func:`adagrad`: step count and sum of squared gradients (plus its start value)."""

    count: int
    accumulator: Params


class AdadeltaState(NamedTuple):
    """State of :func:`adadelta`: step count, mean square gradient and mean square update."""

    count: int
    accumulated_grad: Params
    accumulated_delta_var: Params


class AdamState(NamedTuple):
    """State of :func:`adam`: step count, first moment ``m``, second moment ``v`` and the
    running maximum of ``v`` (``vhat``, ``None`` unless ``amsgrad``)."""

    count: int
    m: Params
    v: Params
    vhat: Params | None


class AdamaxState(NamedTuple):
    """State of :func:`adamax`: step count, first moment ``m`` and infinity norm ``u``."""

    count: int
    m: Params
    u: Params


class NadamState(NamedTuple):
    """State of :func:`nadam`: step count, moments ``m``, ``v`` and the product of the
    momentum schedule ``u_product`` (``mu_1 * ... * mu_t``)."""

    count: int
    m: Params
    v: Params
    u_product: float


class LionState(NamedTuple):
    """State of :func:`lion`: step count and momentum ``m``."""

    count: int
    m: Params


# --------------------------------------------------------------------------- tree helpers
# Trees of parameters (dicts, lists, tuples, NamedTuples of arrays): mapped by lrutils._tree.


def _as_float_array(leaf: Any, what: str) -> np.ndarray:
    array = np.asarray(leaf)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{what} must hold floating-point arrays, got dtype {array.dtype}; "
            "convert with np.asarray(x, dtype=float)"
        )
    return array


def _zeros_like(params: Params) -> Params:
    return _tree_map(lambda p: np.zeros_like(_as_float_array(p, "params")), params)


def _full_like(params: Params, value: float) -> Params:
    return _tree_map(lambda p: np.full_like(_as_float_array(p, "params"), value), params)


def apply_updates(params: Params, updates: Updates) -> Params:
    """Return ``params + updates`` leaf by leaf, keeping the structure and each leaf's dtype.

    Examples
    --------
    >>> apply_updates([np.array([1.0, 2.0])], [np.array([0.5, -0.5])])
    [array([1.5, 1.5])]
    """
    return _tree_map(
        lambda p, u: np.asarray(np.asarray(p) + u, dtype=np.asarray(p).dtype), params, updates
    )


# --------------------------------------------------------------------------- validation


def _check_weight_decay(weight_decay: Any) -> float | None:
    if weight_decay is None:
        return None
    return check_real("weight_decay", weight_decay, minimum=0)


# --------------------------------------------------------------------------- the shared wrapper


def _optimizer(
    init: Callable[[Params], State],
    step: Callable[[Grads, State, float], tuple[Updates, State]],
    learning_rate: LearningRate,
    weight_decay: float | None,
) -> GradientTransformation:
    """Add what every Keras optimizer shares to an optimizer's own step.

    ``step(grads, state, lr)`` returns the updates of the optimizer's rule and its new
    moments; this wrapper evaluates the learning rate at ``state.count``, adds decoupled
    weight decay ``-params * weight_decay * lr`` and advances ``count``.
    """

    def update(grads: Grads, state: State, params: Params | None = None):
        lr = learning_rate
        if callable(learning_rate):  # the rate of the step that follows `count` steps (Keras: `iterations`)
            lr = check_rate_at("learning_rate", learning_rate, state.count)
        grads = _tree_map(lambda g: _as_float_array(g, "grads"), grads)
        updates, new_state = step(grads, state, lr)
        if weight_decay is not None:
            if params is None:
                raise ValueError("update() needs params when weight_decay is set")
            updates = _tree_map(lambda u, w: u - w * weight_decay * lr, updates, params)
        return updates, new_state._replace(count=state.count + 1)

    return GradientTransformation(init, update)


# --------------------------------------------------------------------------- optimizers


def sgd(
    learning_rate: LearningRate = 0.01,
    *,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float | None = None,
) -> GradientTransformation:
    r"""Stochastic gradient descent, with optional heavy-ball or Nesterov momentum.

    Mirrors ``keras.optimizers.SGD``. With learning rate :math:`\eta`, momentum
    :math:`\mu` and gradient :math:`g_t`:

    .. math::

        \text{momentum} = 0:\quad & w_t = w_{t-1} - \eta g_t \\
        \text{momentum} > 0:\quad & v_t = \mu v_{t-1} - \eta g_t,\qquad w_t = w_{t-1} + v_t \\
        \text{nesterov}:\quad & v_t = \mu v_{t-1} - \eta g_t,\qquad
            w_t = w_{t-1} + \mu v_t - \eta g_t

    The velocity :math:`v` starts at zero and has the learning rate inside it, so changing
    the rate mid-run affects new gradients only (as in Keras). The Nesterov line is the
    reformulation of Sutskever et al. (2013) in terms of the "looked-ahead" parameters
    (Bengio et al., 2013), which needs the gradient at :math:`w` only.

    Parameters
    ----------
    learning_rate : float or callable
        Step size :math:`\eta >= 0`, or a schedule ``step -> float``.
    momentum : float
        :math:`\mu` in [0, 1]; 0 gives plain gradient descent.
    nesterov : bool
        Use Nesterov momentum.
    weight_decay : float or None
        Decoupled weight decay, see the module docstring.

    References
    ----------
    B. T. Polyak (1964), "Some methods of speeding up the convergence of iteration methods".
    Y. Nesterov (1983), "A method for solving the convex programming problem with
    convergence rate O(1/k^2)". I. Sutskever, J. Martens, G. Dahl, G. Hinton (2013),
    "On the importance of initialization and momentum in deep learning", ICML.
    """
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    mu = check_interval("momentum", momentum, 0.0, 1.0)
    nesterov = check_flag("nesterov", nesterov)
    weight_decay = _check_weight_decay(weight_decay)

    def init(params: Params) -> SGDState:
        return SGDState(count=0, momentum=_zeros_like(params) if mu != 0 else None)

    def step(grads: Grads, state: SGDState, lr: float):
        if mu == 0:
            return _tree_map(lambda g: -lr * g, grads), state
        velocity = _tree_map(lambda v, g: mu * v - lr * g, state.momentum, grads)
        if nesterov:
            updates = _tree_map(lambda v, g: mu * v - lr * g, velocity, grads)
        else:
            updates = velocity
        return updates, state._replace(momentum=velocity)

    return _optimizer(init, step, learning_rate, weight_decay)


def _variant(factory: Callable[..., GradientTransformation], name: str, doc: str, **fixed: Any):
    """A named ``functools.partial`` of ``factory`` (defaults can still be overridden)."""
    variant = partial(factory, **fixed)
    variant.__name__ = variant.__qualname__ = name
    variant.__module__ = __name__
    variant.__doc__ = doc
    return variant


momentum = _variant(
    sgd,
    "momentum",
    """SGD with heavy-ball momentum: ``sgd`` with ``momentum=0.9`` (Polyak, 1964).

    Same as ``keras.optimizers.SGD(momentum=0.9)``; takes the arguments of :func:`sgd`.
    """,
    momentum=0.9,
)

nesterov = _variant(
    sgd,
    "nesterov",
    """SGD with Nesterov momentum: ``sgd`` with ``momentum=0.9, nesterov=True``.

    Same as ``keras.optimizers.SGD(momentum=0.9, nesterov=True)`` (Nesterov, 1983;
    Sutskever et al., 2013); takes the arguments of :func:`sgd`.
    """,
    momentum=0.9,
    nesterov=True,
)


def rmsprop(
    learning_rate: LearningRate = 0.001,
    *,
    rho: float = 0.9,
    momentum: float = 0.0,
    epsilon: float = 1e-7,
    centered: bool = False,
    weight_decay: float | None = None,
) -> GradientTransformation:
    r"""RMSprop: divide the gradient by a running root mean square of recent gradients.

    Mirrors ``keras.optimizers.RMSprop``:

    .. math::

        s_t &= \rho s_{t-1} + (1-\rho) g_t^2 \\
        \bar g_t &= \rho \bar g_{t-1} + (1-\rho) g_t \quad\text{(centered only)} \\
        \Delta_t &= \frac{\eta\, g_t}{\sqrt{s_t + \epsilon}}
            \quad\text{or, centered,}\quad \frac{\eta\, g_t}{\sqrt{s_t - \bar g_t^2 + \epsilon}} \\
        w_t &= w_{t-1} - \Delta_t \quad\text{or, with momentum,}\quad
            m_t = \mu m_{t-1} + \Delta_t,\ w_t = w_{t-1} - m_t

    :math:`s`, :math:`\bar g` and :math:`m` start at zero. Keras puts :math:`\epsilon`
    inside the square root (the lecture has no :math:`\epsilon`; Adam-style code adds it
    outside). Because :math:`s` starts at zero without bias correction, the first steps are
    larger than :math:`\eta`: the first is about :math:`\eta/\sqrt{1-\rho}` (3.2
    :math:`\eta` at the default) when :math:`|g| \gg \sqrt{\epsilon}`.

    Parameters
    ----------
    learning_rate : float or callable
        :math:`\eta >= 0`, or a schedule ``step -> float``.
    rho : float
        Decay of the moving averages, in [0, 1).
    momentum : float
        :math:`\mu` in [0, 1].
    epsilon : float
        :math:`\epsilon >= 0`, added inside the square root.
    centered : bool
        Divide by an estimate of the variance instead of the uncentered second moment.
    weight_decay : float or None
        Decoupled weight decay, see the module docstring.

    References
    ----------
    G. Hinton, N. Srivastava, K. Swersky, "Neural Networks for Machine Learning",
    lecture 6e (2012). Centered form and momentum: A. Graves (2013), "Generating sequences
    with recurrent neural networks", arXiv:1308.0850 (whose update also puts the
    stabilising constant inside the square root).
    """
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    rho = check_interval("rho", rho, 0.0, 1.0, high_open=True)
    mu = check_interval("momentum", momentum, 0.0, 1.0)
    epsilon = check_real("epsilon", epsilon, minimum=0)
    centered = check_flag("centered", centered)
    weight_decay = _check_weight_decay(weight_decay)

    def init(params: Params) -> RMSpropState:
        return RMSpropState(
            count=0,
            velocity=_zeros_like(params),
            momentum=_zeros_like(params) if mu > 0 else None,
            average_gradient=_zeros_like(params) if centered else None,
        )

    def step(grads: Grads, state: RMSpropState, lr: float):
        velocity = _tree_map(lambda s, g: rho * s + (1 - rho) * g * g, state.velocity, grads)
        if centered:
            average = _tree_map(lambda a, g: rho * a + (1 - rho) * g, state.average_gradient, grads)
            denominator = _tree_map(lambda s, a: s - a * a + epsilon, velocity, average)
        else:
            average = None
            denominator = _tree_map(lambda s: s + epsilon, velocity)
        increment = _tree_map(lambda g, d: lr * g / np.sqrt(d), grads, denominator)
        if mu > 0:
            buffer = _tree_map(lambda m, d: mu * m + d, state.momentum, increment)
            updates = _tree_map(np.negative, buffer)
        else:
            buffer = None
            updates = _tree_map(np.negative, increment)
        return updates, state._replace(velocity=velocity, momentum=buffer, average_gradient=average)

    return _optimizer(init, step, learning_rate, weight_decay)


def adagrad(
    learning_rate: LearningRate = 0.001,
    *,
    initial_accumulator_value: float = 0.1,
    epsilon: float = 1e-7,
    weight_decay: float | None = None,
) -> GradientTransformation:
    r"""Adagrad: per-coordinate step sizes that shrink with the sum of squared gradients.

    Mirrors ``keras.optimizers.Adagrad``:

    .. math::

        a_t = a_{t-1} + g_t^2,\quad a_0 = \text{initial\_accumulator\_value},\qquad
        w_t = w_{t-1} - \frac{\eta\, g_t}{\sqrt{a_t + \epsilon}}

    Two Keras details differ from Duchi et al.: the accumulator starts at 0.1, not 0
    (inherited from ``tf.train.AdagradOptimizer``), and :math:`\epsilon` sits inside the
    square root, where the paper adds :math:`\delta` to :math:`\sqrt{a_t}`. With gradients
    much smaller than :math:`\sqrt{0.1}`, the starting value dominates and the first steps
    are about :math:`\eta g / 0.32` rather than :math:`\eta\,\mathrm{sign}(g)`.

    Parameters
    ----------
    learning_rate : float or callable
        :math:`\eta >= 0`, or a schedule ``step -> float``.
    initial_accumulator_value : float
        Starting value of the accumulator, >= 0.
    epsilon : float
        :math:`\epsilon >= 0`, added inside the square root.
    weight_decay : float or None
        Decoupled weight decay, see the module docstring.

    References
    ----------
    J. Duchi, E. Hazan, Y. Singer (2011), "Adaptive subgradient methods for online learning
    and stochastic optimization", JMLR 12.
    """
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    initial = check_real("initial_accumulator_value", initial_accumulator_value, minimum=0)
    epsilon = check_real("epsilon", epsilon, minimum=0)
    weight_decay = _check_weight_decay(weight_decay)

    def init(params: Params) -> AdagradState:
        return AdagradState(count=0, accumulator=_full_like(params, initial))

    def step(grads: Grads, state: AdagradState, lr: float):
        accumulator = _tree_map(lambda a, g: a + g * g, state.accumulator, grads)
        updates = _tree_map(lambda g, a: -(lr * g) / np.sqrt(a + epsilon), grads, accumulator)
        return updates, state._replace(accumulator=accumulator)

    return _optimizer(init, step, learning_rate, weight_decay)


def adadelta(
    learning_rate: LearningRate = 0.001,
    *,
    rho: float = 0.95,
    epsilon: float = 1e-7,
    weight_decay: float | None = None,
) -> GradientTransformation:
    r"""Adadelta: step = ratio of running RMS of past updates to running RMS of gradients.

    Mirrors ``keras.optimizers.Adadelta``. With
    :math:`\mathrm{RMS}(x) = \sqrt{x + \epsilon}`:

    .. math::

        E[g^2]_t &= \rho E[g^2]_{t-1} + (1-\rho) g_t^2 \\
        \Delta_t &= -\frac{\mathrm{RMS}(E[\Delta^2]_{t-1})}{\mathrm{RMS}(E[g^2]_t)}\, g_t \\
        E[\Delta^2]_t &= \rho E[\Delta^2]_{t-1} + (1-\rho) \Delta_t^2 \\
        w_t &= w_{t-1} + \eta \Delta_t

    The :math:`\epsilon` inside the square roots is Zeiler's own form. What Keras adds is
    the multiplier :math:`\eta` (the paper has none, i.e. :math:`\eta = 1`) with default
    0.001: at default settings every step is a thousand times smaller than in the paper's
    method (the accumulators see the unscaled :math:`\Delta_t`). Pass
    ``learning_rate=1.0`` for the paper's algorithm. Keras's
    :math:`\epsilon` default is 1e-7 (the paper used 1e-6).

    Parameters
    ----------
    learning_rate : float or callable
        :math:`\eta >= 0`, or a schedule ``step -> float``.
    rho : float
        Decay of the moving averages, in [0, 1).
    epsilon : float
        :math:`\epsilon >= 0`.
    weight_decay : float or None
        Decoupled weight decay, see the module docstring.

    References
    ----------
    M. D. Zeiler (2012), "ADADELTA: an adaptive learning rate method", arXiv:1212.5701.
    """
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    rho = check_interval("rho", rho, 0.0, 1.0, high_open=True)
    epsilon = check_real("epsilon", epsilon, minimum=0)
    weight_decay = _check_weight_decay(weight_decay)

    def init(params: Params) -> AdadeltaState:
        return AdadeltaState(
            count=0, accumulated_grad=_zeros_like(params), accumulated_delta_var=_zeros_like(params)
        )

    def step(grads: Grads, state: AdadeltaState, lr: float):
        mean_g2 = _tree_map(lambda e, g: rho * e + (1 - rho) * g * g, state.accumulated_grad, grads)
        delta = _tree_map(
            lambda ed, g, eg: -(np.sqrt(ed + epsilon) * g) / np.sqrt(eg + epsilon),
            state.accumulated_delta_var,
            grads,
            mean_g2,
        )
        mean_d2 = _tree_map(
            lambda ed, d: rho * ed + (1 - rho) * d * d, state.accumulated_delta_var, delta
        )
        updates = _tree_map(lambda d: lr * d, delta)
        return updates, state._replace(accumulated_grad=mean_g2, accumulated_delta_var=mean_d2)

    return _optimizer(init, step, learning_rate, weight_decay)


def adam(
    learning_rate: LearningRate = 0.001,
    *,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    amsgrad: bool = False,
    weight_decay: float | None = None,
    bias_correction: bool = True,
) -> GradientTransformation:
    r"""Adam: momentum on the gradient, divided by the RMS of recent gradients.

    Mirrors ``keras.optimizers.Adam``. With :math:`t` the number of this step (1, 2, ...):

    .. math::

        m_t &= m_{t-1} + (1-\beta_1)(g_t - m_{t-1}) \\
        v_t &= v_{t-1} + (1-\beta_2)(g_t^2 - v_{t-1}) \\
        \alpha_t &= \eta\, \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t} \\
        w_t &= w_{t-1} - \alpha_t\, \frac{m_t}{\sqrt{v_t} + \epsilon}

    This is the "more efficient" ordering from section 2 of Kingma & Ba, with their
    "epsilon hat", not their Algorithm 1
    (:math:`w_t = w_{t-1} - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)` with
    bias-corrected moments). Rewritten in Algorithm 1's terms, Keras's update uses
    :math:`\epsilon / \sqrt{1-\beta_2^t}` in place of :math:`\epsilon`: about 32 times
    larger on the first step at the defaults, 3 times at step 100, tending to
    :math:`\epsilon` later. This matters when :math:`\sqrt{v}` is not much larger than
    :math:`\epsilon`, i.e. with small gradients.

    With ``amsgrad=True`` the denominator uses :math:`\hat v_t = \max(\hat v_{t-1}, v_t)`,
    the running maximum of the *uncorrected* :math:`v`, and keeps the bias-correction
    factor :math:`\alpha_t` (Reddi et al.'s algorithm has no bias correction).

    ``bias_correction=False`` (not in Keras; for teaching) uses :math:`\alpha_t = \eta`.
    The early steps are then larger by the factor
    :math:`(1-\beta_1^t)/\sqrt{1-\beta_2^t}`, because :math:`v` starts further below its
    true value than :math:`m`: at the defaults about 3.2 on the first step, 6.5 at step 10
    and still 1.26 at step 1000 (Kingma & Ba, section 3).

    Parameters
    ----------
    learning_rate : float or callable
        :math:`\eta >= 0`, or a schedule ``step -> float``.
    beta_1, beta_2 : float
        Decay rates of the moment estimates, each in [0, 1).
    epsilon : float
        :math:`\epsilon >= 0` (the "epsilon hat" of the efficient form).
    amsgrad : bool
        Use the AMSGrad maximum of the second moment.
    weight_decay : float or None
        Decoupled weight decay, see the module docstring (:func:`adamw` sets it by default).
    bias_correction : bool
        Apply the factor :math:`\alpha_t / \eta`; True matches Keras.

    References
    ----------
    D. P. Kingma, J. Ba (2015), "Adam: a method for stochastic optimization", ICLR.
    S. J. Reddi, S. Kale, S. Kumar (2018), "On the convergence of Adam and beyond", ICLR.
    """
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    beta_1 = check_interval("beta_1", beta_1, 0.0, 1.0, high_open=True)
    beta_2 = check_interval("beta_2", beta_2, 0.0, 1.0, high_open=True)
    epsilon = check_real("epsilon", epsilon, minimum=0)
    amsgrad = check_flag("amsgrad", amsgrad)
    weight_decay = _check_weight_decay(weight_decay)
    bias_correction = check_flag("bias_correction", bias_correction)

    def init(params: Params) -> AdamState:
        return AdamState(
            count=0,
            m=_zeros_like(params),
            v=_zeros_like(params),
            vhat=_zeros_like(params) if amsgrad else None,
        )

    def step(grads: Grads, state: AdamState, lr: float):
        t = state.count + 1
        m = _tree_map(lambda m, g: m + (g - m) * (1 - beta_1), state.m, grads)
        v = _tree_map(lambda v, g: v + (g * g - v) * (1 - beta_2), state.v, grads)
        vhat = _tree_map(np.maximum, state.vhat, v) if amsgrad else None
        if bias_correction:
            alpha = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        else:
            alpha = lr
        second = vhat if amsgrad else v
        updates = _tree_map(lambda m, v: -(m * alpha) / (np.sqrt(v) + epsilon), m, second)
        return updates, state._replace(m=m, v=v, vhat=vhat)

    return _optimizer(init, step, learning_rate, weight_decay)


def adamw(
    learning_rate: LearningRate = 0.001, *, weight_decay: float = 0.004, **adam_kwargs: Any
) -> GradientTransformation:
    r"""AdamW: :func:`adam` with decoupled weight decay, 0.004 by default.

    Mirrors ``keras.optimizers.AdamW``, which is ``Adam`` with a required ``weight_decay``.
    Each step first shrinks the weights, :math:`w \leftarrow w - \lambda \eta w`, then takes
    the Adam step. Keras multiplies :math:`\lambda` by the full learning rate :math:`\eta`
    (as PyTorch does); Loshchilov & Hutter's Algorithm 2 multiplies it by the schedule
    multiplier :math:`\eta_t` only, separately from Adam's step size :math:`\alpha`, so a
    paper :math:`\lambda` corresponds to a Keras ``weight_decay`` of :math:`\lambda/\alpha`.

    Other arguments are those of :func:`adam` (``beta_1``, ``beta_2``, ``epsilon``,
    ``amsgrad``, ``bias_correction``).

    References
    ----------
    I. Loshchilov, F. Hutter (2019), "Decoupled weight decay regularization", ICLR.
    """
    if weight_decay is None:
        raise ValueError("weight_decay must be a float >= 0 for adamw, got weight_decay=None")
    return adam(learning_rate, weight_decay=weight_decay, **adam_kwargs)


def adamax(
    learning_rate: LearningRate = 0.001,
    *,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    weight_decay: float | None = None,
) -> GradientTransformation:
    r"""Adamax: Adam with the infinity norm in place of the RMS.

    Mirrors ``keras.optimizers.Adamax``:

    .. math::

        m_t &= m_{t-1} + (1-\beta_1)(g_t - m_{t-1}) \\
        u_t &= \max(\beta_2 u_{t-1}, |g_t|) \\
        w_t &= w_{t-1} - \frac{\eta\, m_t}{(1-\beta_1^t)(u_t + \epsilon)}

    The paper has no :math:`\epsilon`; Keras adds it to :math:`u_t`.

    Parameters
    ----------
    learning_rate : float or callable
        :math:`\eta >= 0`, or a schedule ``step -> float``.
    beta_1 : float
        Decay of the first moment, in [0, 1).
    beta_2 : float
        Decay of the infinity norm, in [0, 1].
    epsilon : float
        :math:`\epsilon >= 0`.
    weight_decay : float or None
        Decoupled weight decay, see the module docstring.

    References
    ----------
    D. P. Kingma, J. Ba (2015), "Adam: a method for stochastic optimization", ICLR, section 7.1.
    """
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    beta_1 = check_interval("beta_1", beta_1, 0.0, 1.0, high_open=True)
    beta_2 = check_interval("beta_2", beta_2, 0.0, 1.0)
    epsilon = check_real("epsilon", epsilon, minimum=0)
    weight_decay = _check_weight_decay(weight_decay)

    def init(params: Params) -> AdamaxState:
        return AdamaxState(count=0, m=_zeros_like(params), u=_zeros_like(params))

    def step(grads: Grads, state: AdamaxState, lr: float):
        t = state.count + 1
        m = _tree_map(lambda m, g: m + (g - m) * (1 - beta_1), state.m, grads)
        u = _tree_map(lambda u, g: np.maximum(beta_2 * u, np.abs(g)), state.u, grads)
        correction = 1 - beta_1**t
        updates = _tree_map(lambda m, u: -(lr * m) / (correction * (u + epsilon)), m, u)
        return updates, state._replace(m=m, u=u)

    return _optimizer(init, step, learning_rate, weight_decay)


def nadam(
    learning_rate: LearningRate = 0.001,
    *,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    weight_decay: float | None = None,
) -> GradientTransformation:
    r"""Nadam: Adam with Nesterov momentum.

    Mirrors ``keras.optimizers.Nadam``. The momentum coefficient follows a warm-up
    schedule :math:`\mu_t = \beta_1 (1 - \tfrac12\, 0.96^{t})`, and
    :math:`\Pi_t = \mu_1 \cdots \mu_t`:

    .. math::

        m_t &= m_{t-1} + (1-\beta_1)(g_t - m_{t-1}), \qquad
        v_t = v_{t-1} + (1-\beta_2)(g_t^2 - v_{t-1}) \\
        \hat m_t &= \frac{\mu_{t+1} m_t}{1 - \Pi_t \mu_{t+1}}
                 + \frac{(1-\mu_t)\, g_t}{1 - \Pi_t}, \qquad
        \hat v_t = \frac{v_t}{1-\beta_2^t} \\
        w_t &= w_{t-1} - \frac{\eta\, \hat m_t}{\sqrt{\hat v_t} + \epsilon}

    Keras details: the moment :math:`m_t` is an ordinary EMA with :math:`\beta_1`, while
    the correction uses the scheduled :math:`\mu_t`; the schedule is :math:`0.96^{t}`,
    a warm-up over about a hundred steps, whereas Dozat's paper (and Keras 2's
    ``schedule_decay=0.004``) used :math:`0.96^{t/250}`; :math:`\epsilon` is added
    outside the square root of the bias-corrected :math:`\hat v_t` (Algorithm 1 style,
    unlike Keras's Adam). With float64 variables, Keras 3.15 (TensorFlow backend) still
    rounds the constant 0.96 to float32 (0.9599999785) where it computes :math:`\mu_t`,
    so its float64 results differ from this exact version. How much depends on the
    hyper-parameters, the number of steps and the problem: on the test suite's problems,
    between 1e-10 and 1e-7 relative after 60 steps with random hyper-parameters (the tests
    keep it under 1e-6 there, and check that the rounded constant accounts for Keras's
    results to 1e-12); a problem that amplifies small differences widens it. In float32
    the two agree to float32 precision.

    Parameters
    ----------
    learning_rate : float or callable
        :math:`\eta >= 0`, or a schedule ``step -> float``.
    beta_1, beta_2 : float
        Decay rates of the moment estimates, each in [0, 1).
    epsilon : float
        :math:`\epsilon >= 0`.
    weight_decay : float or None
        Decoupled weight decay, see the module docstring.

    References
    ----------
    T. Dozat (2016), "Incorporating Nesterov momentum into Adam", ICLR workshop.
    """
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    beta_1 = check_interval("beta_1", beta_1, 0.0, 1.0, high_open=True)
    beta_2 = check_interval("beta_2", beta_2, 0.0, 1.0, high_open=True)
    epsilon = check_real("epsilon", epsilon, minimum=0)
    weight_decay = _check_weight_decay(weight_decay)

    def mu(t: int) -> float:
        return beta_1 * (1.0 - 0.5 * 0.96**t)

    def init(params: Params) -> NadamState:
        return NadamState(count=0, m=_zeros_like(params), v=_zeros_like(params), u_product=1.0)

    def step(grads: Grads, state: NadamState, lr: float):
        t = state.count + 1
        u_t, u_next = mu(t), mu(t + 1)
        u_product = state.u_product * u_t
        u_product_next = u_product * u_next
        m = _tree_map(lambda m, g: m + (g - m) * (1 - beta_1), state.m, grads)
        v = _tree_map(lambda v, g: v + (g * g - v) * (1 - beta_2), state.v, grads)
        v_correction = 1 - beta_2**t

        def rule(m, v, g):
            m_hat = u_next * m / (1 - u_product_next) + (1 - u_t) * g / (1 - u_product)
            v_hat = v / v_correction
            return -(m_hat * lr) / (np.sqrt(v_hat) + epsilon)

        updates = _tree_map(rule, m, v, grads)
        return updates, state._replace(m=m, v=v, u_product=u_product)

    return _optimizer(init, step, learning_rate, weight_decay)


def lion(
    learning_rate: LearningRate = 0.001,
    *,
    beta_1: float = 0.9,
    beta_2: float = 0.99,
    weight_decay: float | None = None,
) -> GradientTransformation:
    r"""Lion (EvoLved Sign Momentum): a step of fixed size per coordinate, in the sign
    of an interpolation between momentum and gradient.

    Mirrors ``keras.optimizers.Lion``:

    .. math::

        w_t &= w_{t-1} - \eta\, \mathrm{sign}\big(\beta_1 m_{t-1} + (1-\beta_1) g_t\big) \\
        m_t &= \beta_2 m_{t-1} + (1-\beta_2) g_t

    As in the paper (Algorithm 2); the paper's decoupled weight decay
    :math:`\eta\lambda w` is Keras's ``weight_decay``. Every coordinate moves by exactly
    :math:`\eta` (or 0), so Lion wants a learning rate 3-10 times smaller than Adam's.

    Parameters
    ----------
    learning_rate : float or callable
        :math:`\eta >= 0`, or a schedule ``step -> float``.
    beta_1 : float
        Interpolation weight in (0, 1] (Keras rejects 0, where Lion is signSGD).
    beta_2 : float
        Decay of the momentum, in [0, 1].
    weight_decay : float or None
        Decoupled weight decay, see the module docstring.

    References
    ----------
    X. Chen et al. (2023), "Symbolic discovery of optimization algorithms", NeurIPS.
    """
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    beta_1 = check_interval("beta_1", beta_1, 0.0, 1.0, low_open=True)
    beta_2 = check_interval("beta_2", beta_2, 0.0, 1.0)
    weight_decay = _check_weight_decay(weight_decay)

    def init(params: Params) -> LionState:
        return LionState(count=0, m=_zeros_like(params))

    def step(grads: Grads, state: LionState, lr: float):
        updates = _tree_map(
            lambda m, g: -lr * np.sign(m * beta_1 + g * (1 - beta_1)), state.m, grads
        )
        m = _tree_map(lambda m, g: m * beta_2 + g * (1 - beta_2), state.m, grads)
        return updates, state._replace(m=m)

    return _optimizer(init, step, learning_rate, weight_decay)


# --------------------------------------------------------------------------- registry

#: Names accepted by :func:`get_optimizer`, mapped to their factories.
OPTIMIZERS: dict[str, Callable[..., GradientTransformation]] = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "rmsprop": rmsprop,
    "adagrad": adagrad,
    "adadelta": adadelta,
    "adam": adam,
    "adamw": adamw,
    "adamax": adamax,
    "nadam": nadam,
    "lion": lion,
}

# name -> (Keras class name, arguments the variant fixes)
def get_optimizer(name: str, **kwargs: Any) -> GradientTransformation:
    """Build the optimizer registered as ``name`` (case-insensitive) with keyword arguments.

    >>> opt = get_optimizer("adam", learning_rate=0.01)

    Raises ``ValueError`` listing the valid names for an unknown ``name``, and ``TypeError``
    for a ``name`` that is not a string or an argument the optimizer does not take.
    """
    return OPTIMIZERS[lookup(OPTIMIZERS, name, "optimizer")](**kwargs)
