"""Gradient descent on test functions and on a small linear-regression problem (NumPy only).

* :func:`gradient_descent` runs the plain update :math:`x_{k+1} = x_k - \\eta_k \\nabla f(x_k)`
  on an :class:`~lrutils.functions.Objective` and returns a :class:`Path`.
* :func:`optimize` runs any optax-style optimizer (``init``/``update``) the same way.
* :func:`make_linear_regression`, :func:`regression_objective` and :func:`minibatch_gd`
  compare full-batch, stochastic and mini-batch gradient descent by the number of
  per-example gradient evaluations.
* :func:`convergence_rate` measures the linear rate of a sequence of errors, to compare
  with theory (:math:`(\\kappa-1)/(\\kappa+1)` for gradient descent on a quadratic).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._checks import check_choice, check_int, check_interval, check_learning_rate, check_rate_at, check_real
from .functions import Objective, make_objective

__all__ = [
    "Path",
    "gradient_descent",
    "optimize",
    "preconditioned_descent",
    "newton",
    "LinearRegressionData",
    "make_linear_regression",
    "regression_objective",
    "MinibatchPath",
    "minibatch_gd",
    "convergence_rate",
]

LearningRate = float | Callable[[int], float]


class Path(NamedTuple):
    """The iterates of an optimisation run.

    Attributes
    ----------
    xs : ndarray, shape (num_steps + 1, dim)
        Iterates :math:`x_0, \\dots, x_K`. Fewer than ``num_steps + 1`` rows when the run
        diverged: it stops at the last iterate whose value and loss are finite.
    losses : ndarray, shape (len(xs),)
        :math:`f(x_k)`.
    grad_norms : ndarray, shape (len(xs),)
        :math:`\\|\\nabla f(x_k)\\|_2`.
    learning_rates : ndarray, shape (len(xs) - 1,)
        The rate :math:`\\eta_k` used for the step from :math:`x_k` to :math:`x_{k+1}`
        (NaN where unknown, as for :func:`optimize`).
    """

    xs: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    learning_rates: np.ndarray

    @property
    def num_steps(self) -> int:
        """Number of steps taken (``len(xs) - 1``)."""
        return len(self.xs) - 1

    def converged_at(self, tol: float, *, target=None, on: str = "loss") -> int | None:
        """First index ``k`` at which the iterate is within ``tol`` of the target.

        Parameters
        ----------
        tol : float
            Tolerance, >= 0.
        target : float, array, Objective or None
            With ``on="loss"``: the optimal value :math:`f^*` (test
            :math:`|f(x_k) - f^*| \\le` ``tol``). With ``on="x"``: the minimiser
            :math:`x^*` (test :math:`\\|x_k - x^*\\|_2 \\le` ``tol``). An
            :class:`~lrutils.functions.Objective` stands for its ``f_min`` (loss) or for the
            nearest of its listed minima (x). None means :math:`f^* = 0` or :math:`x^* = 0`,
            the minimum of ``quadratic`` and ``parabola``.
        on : {"loss", "x"}
            What is compared.

        Returns
        -------
        int or None
            The first such index (the path may leave the ball again later), or None if
            no iterate qualifies.
        """
        tol = check_real("tol", tol, minimum=0)
        on = check_choice("on", on, ("loss", "x"))
        if on == "loss":
            if target is None:
                f_star = 0.0
            elif isinstance(target, Objective):
                f_star = target.f_min
            else:
                f_star = check_real("target", target)
            hits = np.abs(self.losses - f_star) <= tol
        elif on == "x":
            if target is None:
                dist = np.linalg.norm(self.xs, axis=-1)
            elif isinstance(target, Objective):
                minima = np.stack(target.minima)
                dist = np.linalg.norm(self.xs[:, None, :] - minima[None], axis=-1).min(axis=1)
            else:
                dist = np.linalg.norm(self.xs - np.asarray(target, dtype=float), axis=-1)
            hits = dist <= tol
        idx = np.flatnonzero(hits)
        return int(idx[0]) if idx.size else None


# --------------------------------------------------------------------------------------
# Gradient descent and optax-style optimizers
# --------------------------------------------------------------------------------------
def gradient_descent(objective: Objective, x0, learning_rate: LearningRate, num_steps: int,
                     *, decay: float | None = None) -> Path:
    """Plain gradient descent: ``x <- x - learning_rate * grad(x)``, ``num_steps`` times.

    .. math::

        x_{k+1} = x_k - \\eta_k \\nabla f(x_k), \\qquad
        \\eta_k = \\frac{\\eta(k)}{1 + \\text{decay}\\cdot k},

    the update of ``keras.optimizers.SGD`` without momentum. ``learning_rate`` is a
    number or a schedule ``step -> rate`` called with ``k = 0, 1, ...``; ``decay`` is the
    Keras 2 inverse-time decay, the same as
    ``keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)``.

    If an iterate or its loss becomes infinite or NaN, the run stops and the path ends
    at the last finite iterate (so ``len(path.xs) < num_steps + 1`` signals divergence).

    Parameters
    ----------
    objective : Objective
        Anything with vectorised ``f(x)`` and ``grad(x)`` and a ``dim``.
    x0 : array_like, shape (dim,)
        Starting point (a plain number is accepted when ``dim == 1``).
    learning_rate : float or callable
        Step size :math:`\\eta \\ge 0`, or a schedule ``step -> float``.
    num_steps : int
        Number of updates, at least 1.
    decay : float, optional
        Inverse-time decay rate, >= 0; only with a constant ``learning_rate``.

    Returns
    -------
    Path
    """
    x, rate_at = _check_descent_args(objective, x0, learning_rate, num_steps, decay)
    xs, rates = [x], []
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(num_steps):
            lr = rate_at(step)
            x = x - lr * objective.grad(x)
            if not _is_finite(objective, x):  # diverged: stop before inf/nan appear
                break
            xs.append(x)
            rates.append(lr)
    return _make_path(objective, xs, rates)


def preconditioned_descent(objective: Objective, x0, learning_rate: LearningRate, num_steps: int,
                           *, preconditioner) -> Path:
    """Gradient descent with a fixed preconditioner: ``x <- x - learning_rate * P @ grad(x)``.

    .. math:: x_{k+1} = x_k - \\eta_k P \\nabla f(x_k)

    ``P`` rescales the gradient: on a quadratic with Hessian :math:`H`, the iteration
    converges when the eigenvalues of :math:`\\eta P H` lie in :math:`(0, 2)`, so a ``P``
    close to :math:`H^{-1}` makes every direction equally well conditioned. A diagonal ``P``
    (a vector) rescales each coordinate separately, as Adam's denominator does, which is
    exact only when the curvature lies along the axes. ``P = I`` is :func:`gradient_descent`.

    Parameters
    ----------
    objective : Objective
    x0 : array_like, shape (dim,)
    learning_rate : float or callable
        Step size, or a schedule ``step -> float``.
    num_steps : int
    preconditioner : array_like, shape (dim,) or (dim, dim)
        A diagonal (as a vector) or a full matrix; it should be symmetric positive definite
        for the iteration to be a descent method (not checked).

    Returns
    -------
    Path
        As for :func:`gradient_descent` (it stops at the last finite iterate).
    """
    x, rate_at = _check_descent_args(objective, x0, learning_rate, num_steps, None)
    P = np.asarray(preconditioner, dtype=float)
    if P.shape not in ((x.size,), (x.size, x.size)) or not np.all(np.isfinite(P)):
        raise ValueError(f"preconditioner must be a finite vector of shape ({x.size},) or a matrix of "
                         f"shape ({x.size}, {x.size}), got shape {P.shape}")
    apply = (lambda g: P * g) if P.ndim == 1 else (lambda g: P @ g)
    xs, rates = [x], []
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(num_steps):
            lr = rate_at(step)
            x = x - lr * apply(objective.grad(x))
            if not _is_finite(objective, x):
                break
            xs.append(x)
            rates.append(lr)
    return _make_path(objective, xs, rates)


def newton(objective: Objective, x0, num_steps: int, *, learning_rate: LearningRate = 1.0,
           damping: float = 0.0) -> Path:
    """Newton's method: ``x <- x - learning_rate * (H(x) + damping * I)^-1 grad(x)``.

    .. math:: x_{k+1} = x_k - \\eta_k \\big(\\nabla^2 f(x_k) + \\delta I\\big)^{-1} \\nabla f(x_k)

    The step preconditioned by the inverse Hessian at the current point: on a quadratic,
    one step with ``learning_rate=1`` lands on the minimum whatever the condition number.
    Away from a minimum the Hessian need not be positive definite, and the plain step can go
    uphill or towards a saddle; ``damping`` :math:`\\delta > 0` (Levenberg's) shrinks the step
    towards a small gradient step. The run stops at the last finite iterate, and where
    :math:`H + \\delta I` is exactly singular (a nearly singular one gives a huge step,
    which shows as a jump or a stop at the next non-finite iterate).

    Parameters
    ----------
    objective : Objective
        Needs ``hess`` (every test function of :mod:`lrutils.functions` has it).
    x0 : array_like, shape (dim,)
    num_steps : int
    learning_rate : float or callable
        Step size (1 is the pure Newton step), or a schedule ``step -> float``.
    damping : float
        :math:`\\delta \\ge 0`.

    Returns
    -------
    Path
    """
    x, rate_at = _check_descent_args(objective, x0, learning_rate, num_steps, None)
    if not callable(getattr(objective, "hess", None)):
        raise ValueError(f"objective must have a Hessian (hess) for Newton's method, got objective={objective!r}")
    damping = check_real("damping", damping, minimum=0)
    xs, rates = [x], []
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(num_steps):
            lr = rate_at(step)
            H = np.asarray(objective.hess(x), dtype=float) + damping * np.eye(x.size)
            try:
                x = x - lr * np.linalg.solve(H, objective.grad(x))
            except np.linalg.LinAlgError:  # a singular Hessian: no Newton step
                break
            if not _is_finite(objective, x):
                break
            xs.append(x)
            rates.append(lr)
    return _make_path(objective, xs, rates)


def optimize(objective: Objective, x0, optimizer, num_steps: int) -> Path:
    """Run an optax-style optimizer on an objective.

    ``optimizer`` needs ``init(params) -> state`` and
    ``update(grads, state, params) -> (updates, state)``; each step applies
    ``x <- x + updates``. The rate an adaptive optimizer uses is not observable through
    this interface, so ``Path.learning_rates`` is filled with NaN. Divergence is handled
    as in :func:`gradient_descent`.

    Parameters
    ----------
    objective : Objective
    x0 : array_like, shape (dim,)
    optimizer : object with ``init`` and ``update``
    num_steps : int
        At least 1.

    Returns
    -------
    Path
    """
    if not (callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))):
        raise TypeError(
            "optimizer must have init(params) and update(grads, state, params) methods, "
            f"got optimizer={optimizer!r}"
        )
    x, _ = _check_descent_args(objective, x0, 0.0, num_steps, None)
    state = optimizer.init(x)
    xs = [x]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            updates, state = optimizer.update(objective.grad(x), state, x)
            x = x + np.asarray(updates, dtype=float)
            if not _is_finite(objective, x):
                break
            xs.append(x)
    return _make_path(objective, xs, [math.nan] * (len(xs) - 1))


def _is_finite(objective, x: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(x)) and np.isfinite(objective.f(x)))


def _make_path(objective, xs, rates) -> Path:
    xs = np.stack(xs)
    with np.errstate(over="ignore", invalid="ignore"):
        losses = np.asarray(objective.f(xs), dtype=float)
        grad_norms = _norm(objective.grad(xs))
    return Path(xs, losses, grad_norms, np.asarray(rates, dtype=float))


def _norm(g: np.ndarray) -> np.ndarray:
    """Euclidean norm over the last axis, scaled so that huge finite entries do not overflow."""
    scale = np.max(np.abs(g), axis=-1, keepdims=True)
    safe = np.where(scale > 0, scale, 1.0)
    return scale[..., 0] * np.sqrt(np.sum((g / safe) ** 2, axis=-1))


def _check_descent_args(objective, x0, learning_rate, num_steps, decay):
    """Validate the arguments; return the starting point and a function step -> rate."""
    for attr in ("f", "grad"):
        if not callable(getattr(objective, attr, None)):
            raise TypeError(f"objective must have callable f and grad (an Objective), got objective={objective!r}")
    dim = getattr(objective, "dim", None)
    x = np.array(x0, dtype=float)
    if x.ndim == 0 and dim == 1:
        x = x.reshape(1)
    if x.shape != (dim,):
        raise ValueError(f"x0 must have shape ({dim},) for an objective with dim={dim}, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got x0={x0!r}")
    check_int("num_steps", num_steps, minimum=1)
    return x, _as_schedule(learning_rate, decay)


def _as_schedule(learning_rate, decay=None) -> Callable[[int], float]:
    """Turn a constant or callable learning rate (and optional decay) into step -> rate."""
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    if decay is not None:
        decay = check_real("decay", decay, minimum=0)
        if callable(learning_rate):
            raise ValueError("decay can only be used with a constant learning_rate, not with a schedule; "
                             f"put the decay inside the schedule instead, got decay={decay!r}")
    if callable(learning_rate):
        return lambda step: check_rate_at("learning_rate", learning_rate, step)
    if decay:
        return lambda step: learning_rate / (1.0 + decay * step)
    return lambda step: learning_rate


# --------------------------------------------------------------------------------------
# Full-batch, stochastic and mini-batch gradient descent on linear regression
# --------------------------------------------------------------------------------------
class LinearRegressionData(NamedTuple):
    """A linear-regression data set ``y = X @ w_true + noise``.

    ``X`` has shape ``(n, dim)`` and its first column is all ones, so ``w_true[0]`` is
    the intercept and ``w_true[1:]`` the slopes.
    """

    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray


def make_linear_regression(n: int = 1000, dim: int = 2, noise: float = 0.5,
                           seed: int | None = 0) -> LinearRegressionData:
    """Draw a linear-regression problem with a bias column.

    ``X = [1, z_1, ..., z_{dim-1}]`` with :math:`z_j \\sim N(0, 1)`, true weights
    :math:`w \\sim N(0, 1)^{dim}` and :math:`y = Xw + \\text{noise}\\cdot\\varepsilon`,
    :math:`\\varepsilon \\sim N(0, 1)`. With ``dim=2`` the weights are (intercept, slope)
    and the loss surface can be drawn as a contour plot.

    Parameters
    ----------
    n : int
        Number of examples, at least 1.
    dim : int
        Number of weights including the intercept, at least 1.
    noise : float
        Standard deviation of the label noise, >= 0.
    seed : int or None
        Seed for ``numpy.random.default_rng``.
    """
    n = check_int("n", n, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    noise = check_real("noise", noise, minimum=0)
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, dim - 1))])
    w_true = rng.standard_normal(dim)
    y = X @ w_true + noise * rng.standard_normal(n)
    return LinearRegressionData(X, y, w_true)


def _check_data(X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n, dim), got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got shape {y.shape}")
    return X, y


def regression_objective(X, y) -> Objective:
    """The mean-squared-error loss of linear regression as an :class:`Objective`.

    .. math::

        f(w) = \\frac{1}{2n} \\|Xw - y\\|^2, \\qquad \\nabla f(w) = \\frac1n X^\\top (Xw - y),
        \\qquad \\nabla^2 f = \\frac1n X^\\top X .

    The minimum is the least-squares solution; ``lipschitz`` and ``strong_convexity`` are
    the largest and smallest eigenvalues of :math:`X^\\top X / n`. ``bounds`` is a box
    around the minimum, ``start`` the origin. ``X`` needs full column rank.
    """
    X, y = _check_data(X, y)
    n, dim = X.shape
    H = X.T @ X / n
    eig = np.linalg.eigvalsh(H)
    if eig[0] <= 1e-12 * eig[-1]:
        raise ValueError("X must have full column rank (X^T X is singular)")
    w_star = np.linalg.solve(H, X.T @ y / n)

    def f(w):
        r = w @ X.T - y
        return 0.5 * np.mean(r**2, axis=-1)

    def grad(w):
        return (w @ X.T - y) @ X / n

    def hess(w):
        return np.broadcast_to(H, w.shape[:-1] + H.shape).copy()

    half = np.maximum(2.0, 1.5 * np.abs(w_star))
    return make_objective(
        "linear_regression", dim, f, grad, hess, minima=(w_star,),
        bounds=[(c - h, c + h) for c, h in zip(w_star, half)], start=np.zeros(dim),
        params=dict(n=n, dim=dim), lipschitz=float(eig[-1]), strong_convexity=float(eig[0]),
    )


class MinibatchPath(NamedTuple):
    """The result of :func:`minibatch_gd`; one row per update plus the start.

    Attributes
    ----------
    weights : ndarray, shape (num_updates + 1, dim)
    losses : ndarray, shape (num_updates + 1,)
        Loss on the full data set, :math:`\\tfrac12 \\operatorname{mean}((Xw - y)^2)`.
    grad_evals : ndarray of int, shape (num_updates + 1,)
        Cumulative number of per-example gradients computed (0 at the start), the fair
        x-axis for comparing batch sizes.
    """

    weights: np.ndarray
    losses: np.ndarray
    grad_evals: np.ndarray


def minibatch_gd(X, y, learning_rate: LearningRate, batch_size: int, epochs: int, *,
                 w0=None, seed: int | None = 0) -> MinibatchPath:
    """Mini-batch gradient descent on the MSE loss of linear regression.

    Each epoch shuffles the examples and walks through them in batches of
    ``batch_size`` (the last batch is smaller when ``batch_size`` does not divide ``n``,
    as in Keras). Each batch :math:`B` gives one update

    .. math::

        w \\leftarrow w - \\eta_t \\frac{1}{|B|} X_B^\\top (X_B w - y_B),

    the gradient of :math:`\\tfrac12 \\operatorname{mean}_B((X_B w - y_B)^2)`. The bias is a
    column of ones in ``X`` (see :func:`make_linear_regression`). ``batch_size=n`` is
    full-batch gradient descent, ``batch_size=1`` stochastic gradient descent.

    Parameters
    ----------
    X : array_like, shape (n, dim)
    y : array_like, shape (n,)
    learning_rate : float or callable
        :math:`\\eta \\ge 0`, or a schedule called with the update index ``t = 0, 1, ...``.
    batch_size : int
        Between 1 and ``n``.
    epochs : int
        Number of passes over the data, at least 1.
    w0 : array_like, shape (dim,), optional
        Starting weights (default zeros).
    seed : int or None
        Seed of the shuffling.
    """
    X, y = _check_data(X, y)
    n, dim = X.shape
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size > n:
        raise ValueError(f"batch_size must be between 1 and n={n} (the number of examples), "
                         f"got batch_size={batch_size}")
    epochs = check_int("epochs", epochs, minimum=1)
    rate_at = _as_schedule(learning_rate)
    w = np.zeros(dim) if w0 is None else np.array(w0, dtype=float)
    if w.shape != (dim,):
        raise ValueError(f"w0 must have shape ({dim},), got shape {w.shape}")
    rng = np.random.default_rng(seed)

    weights, grad_evals = [w], [0]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            Xb, yb = X[batch], y[batch]
            g = Xb.T @ (Xb @ w - yb) / len(batch)
            w = w - rate_at(len(weights) - 1) * g
            weights.append(w)
            grad_evals.append(grad_evals[-1] + len(batch))
    weights = np.stack(weights)
    losses = np.array([0.5 * np.mean((X @ wk - y) ** 2) for wk in weights])
    return MinibatchPath(weights, losses, np.asarray(grad_evals))


# --------------------------------------------------------------------------------------
# Measured convergence rate
# --------------------------------------------------------------------------------------
def convergence_rate(values, *, tail: float = 0.5) -> float:
    """Estimate the linear rate :math:`r` of errors that behave like :math:`e_k \\approx C r^k`.

    The estimator is a least-squares fit of :math:`\\log e_k = a + k \\log r` over the last
    ``tail`` fraction of the sequence (at least two points); it returns :math:`r = e^{\\hat b}`.
    For an exactly geometric sequence it returns the ratio exactly (up to rounding), and it
    averages out oscillations (e.g. with momentum) that a single ratio would not.

    The sequence is cut at its first zero (exact convergence, after which no rate exists).
    Pass *errors*, e.g. ``np.linalg.norm(path.xs - x_star, axis=1)`` or
    ``path.losses - f_star``; note that for a quadratic the loss error decays at
    :math:`r^2` when the distance decays at :math:`r`. Errors that have reached the float64
    rounding floor (about ``1e-16`` relative to the values they are differences of) no
    longer follow :math:`C r^k`; leave them out.

    Parameters
    ----------
    values : array_like, 1-D
        Non-negative, finite errors :math:`e_0, e_1, \\dots`.
    tail : float
        Fraction in (0, 1] of the (cut) sequence used for the fit, counted from the end.

    Returns
    -------
    float
        Estimated rate per step; < 1 means convergence.
    """
    e = np.asarray(values, dtype=float)
    if e.ndim != 1:
        raise ValueError(f"values must be a 1-D sequence of errors, got shape {e.shape}")
    if not np.all(np.isfinite(e)) or np.any(e < 0):
        raise ValueError("values must be finite and non-negative errors")
    tail = check_interval("tail", tail, 0.0, 1.0, low_open=True)
    zeros = np.flatnonzero(e == 0)
    if zeros.size:
        e = e[:zeros[0]]
    m = max(2, int(round(tail * len(e))))
    if len(e) < 2:
        raise ValueError(f"values must contain at least 2 positive errors before the first zero, got {len(e)}")
    k = np.arange(len(e))[-m:]
    slope = np.polyfit(k, np.log(e[-m:]), 1)[0]
    return float(np.exp(slope))
