"""Test functions for gradient descent, with exact gradients and Hessians (NumPy only).

Each factory returns an :class:`Objective`: the function, its gradient and Hessian, its
known stationary points (minima, saddles, maxima), a plotting box and a conventional
starting point. Every callable is vectorised over leading axes: ``x`` has shape
``(..., dim)``, ``f(x)`` has shape ``(...)``, ``grad(x)`` shape ``(..., dim)`` and
``hess(x)`` shape ``(..., dim, dim)``, so one call evaluates a whole contour grid or a
whole optimisation path.

Stationary points that are not integers are stored as approximate literature (or
previously computed) values and refined with a few Newton steps on the gradient when the
objective is built, so they are stationary to float64 precision.

References
----------
* H. H. Rosenbrock (1960), "An automatic method for finding the greatest or least value
  of a function", *The Computer Journal* 3(3):175-184.
* E. M. L. Beale (1958), "On an iterative method for finding a local minimum of a function
  of more than one variable", Tech. Rep. 25, Statistical Techniques Research Group,
  Princeton University.
* D. M. Himmelblau (1972), *Applied Nonlinear Programming*, McGraw-Hill.
* L. C. W. Dixon and G. P. Szegő (1978), "The global optimisation problem: an introduction",
  in *Towards Global Optimisation 2*, North-Holland.
* J. J. Moré, B. S. Garbow and K. E. Hillstrom (1981), "Testing unconstrained optimization
  software", *ACM Transactions on Mathematical Software* 7(1):17-41.
* M. Molga and C. Smutnicki (2005), "Test functions for optimization needs".
* S. Surjanovic and D. Bingham, "Virtual Library of Simulation Experiments: test functions
  and datasets", https://www.sfu.ca/~ssurjano/optimization.html
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._checks import check_int, check_real, lookup

__all__ = [
    "Objective",
    "quadratic",
    "parabola",
    "double_well",
    "rosenbrock",
    "beale",
    "himmelblau",
    "saddle",
    "six_hump_camel",
    "FUNCTIONS",
    "get_function",
    "make_objective",
]

ArrayFn = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------------------
# The Objective container
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Objective:
    """A differentiable function of ``dim`` variables with what is known about it.

    Attributes
    ----------
    name : str
        Registry name (``"rosenbrock"``, ...).
    dim : int
        Number of variables.
    f, grad, hess : callable
        Value, gradient and Hessian, vectorised over leading axes: ``x`` of shape
        ``(..., dim)`` gives shapes ``(...)``, ``(..., dim)`` and ``(..., dim, dim)``.
        ``hess`` is None when no Hessian is provided. The input is checked: a last axis
        of the wrong length raises ``ValueError``.
    minima : tuple of ndarray
        Every known local minimum (global ones included), each of shape ``(dim,)``.
        Which of them are global is given by :attr:`global_minima` (the ones with the
        smallest value); each factory's docstring says which they are.
    saddles : tuple of ndarray
        Known saddle points (stationary, indefinite Hessian); may be empty.
    bounds : tuple of (float, float)
        A sensible plotting box, one ``(low, high)`` per dimension. Data for contour
        plots, not a constraint.
    start : ndarray
        A conventional starting point, shape ``(dim,)``.
    params : dict
        The arguments the factory was called with.
    maxima : tuple of ndarray
        Known local maxima (stationary, negative definite Hessian); may be empty.
    lipschitz : float or None
        Global Lipschitz constant ``L`` of the gradient (largest curvature) when the
        function has one (quadratics), else None.
    strong_convexity : float or None
        Strong-convexity constant ``mu`` (smallest curvature) when the function has one,
        else None.
    """

    name: str
    dim: int
    f: ArrayFn
    grad: ArrayFn
    hess: ArrayFn | None
    minima: tuple[np.ndarray, ...]
    saddles: tuple[np.ndarray, ...]
    bounds: tuple[tuple[float, float], ...]
    start: np.ndarray
    params: dict = field(default_factory=dict)
    maxima: tuple[np.ndarray, ...] = ()
    lipschitz: float | None = None
    strong_convexity: float | None = None

    def __call__(self, x) -> np.ndarray:
        """Return ``f(x)``."""
        return self.f(x)

    @property
    def f_min(self) -> float:
        """Smallest value over :attr:`minima` (the global minimum value f*)."""
        return float(min(self.f(m) for m in self.minima))

    @property
    def global_minima(self) -> tuple[np.ndarray, ...]:
        """The listed minima whose value equals :attr:`f_min` (to 1e-12, relative)."""
        fmin = self.f_min
        tol = 1e-12 * max(1.0, abs(fmin))
        return tuple(m for m in self.minima if float(self.f(m)) - fmin <= tol)

    @property
    def condition_number(self) -> float | None:
        """``lipschitz / strong_convexity`` when both are known, else None."""
        if self.lipschitz is None or self.strong_convexity is None:
            return None
        return self.lipschitz / self.strong_convexity

    def grid(self, n: int = 200):
        """Evaluate the function on a regular grid over :attr:`bounds`.

        Parameters
        ----------
        n : int
            Number of grid points per axis (at least 2).

        Returns
        -------
        tuple
            For ``dim == 2``: ``(X, Y, Z)``, each of shape ``(n, n)`` (``np.meshgrid``
            "xy" indexing), ready for ``ax.contour(X, Y, Z)``. For ``dim == 1``:
            ``(W, Z)``, each of shape ``(n,)``, ready for ``ax.plot(W, Z)``.
        """
        n = check_int("n", n, minimum=2)
        axes = [np.linspace(lo, hi, n) for lo, hi in self.bounds]
        if self.dim == 1:
            return axes[0], self.f(axes[0][:, None])
        if self.dim == 2:
            X, Y = np.meshgrid(*axes)
            return X, Y, self.f(np.stack([X, Y], axis=-1))
        raise ValueError(f"grid() needs an objective of dim 1 or 2, got dim={self.dim} ({self.name!r})")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Objective({self.name}({args}), dim={self.dim})"


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def _vectorised(fn: ArrayFn, dim: int, name: str) -> ArrayFn:
    """Wrap ``fn(x)`` so that ``x`` is converted to float and its last axis checked."""

    @functools.wraps(fn)
    def wrapper(x):
        x = np.asarray(x, dtype=float)
        if x.ndim == 0 or x.shape[-1] != dim:
            raise ValueError(
                f"x must have shape (..., {dim}) for {name!r} (dim={dim}), got shape {x.shape}"
            )
        return fn(x)

    return wrapper


def _polish(grad: ArrayFn, hess: ArrayFn, points, steps: int = 5) -> tuple[np.ndarray, ...]:
    """Refine approximate stationary points with Newton steps on the gradient."""
    out = []
    for p in points:
        p = np.asarray(p, dtype=float)
        for _ in range(steps):
            p = p - np.linalg.solve(hess(p), grad(p))
        out.append(_frozen(p))
    return tuple(out)


def _frozen(a) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def make_objective(name: str, dim: int, f: ArrayFn, grad: ArrayFn, hess: ArrayFn | None, *,
                   minima, saddles=(), maxima=(), bounds, start, params,
                   lipschitz: float | None = None, strong_convexity: float | None = None,
                   polish: bool = False) -> Objective:
    """An :class:`Objective` from its function, gradient and Hessian, for a test function of
    your own (the test functions of this module and
    :func:`lrutils.descent.regression_objective` are made this way).

    ``f``, ``grad`` and ``hess`` take points whose last axis holds the ``dim`` coordinates,
    and should accept leading axes (arrays of points: write them with ``x[..., i]``); the
    objective converts its input to float and checks the last axis. ``minima``, ``saddles``
    and ``maxima`` are the known critical points (``polish=True`` refines them with a few
    Newton steps), ``bounds`` one ``(low, high)`` per coordinate for plots, ``start`` the
    default starting point, ``params`` the arguments it was made with (shown in its repr),
    and ``lipschitz``/``strong_convexity`` the curvature bounds :math:`L` and :math:`\\mu`
    where they are known.
    """
    f, grad = _vectorised(f, dim, name), _vectorised(grad, dim, name)
    hess = None if hess is None else _vectorised(hess, dim, name)
    if polish:
        minima, saddles, maxima = (_polish(grad, hess, pts) for pts in (minima, saddles, maxima))
    return Objective(
        name=name,
        dim=dim,
        f=f,
        grad=grad,
        hess=hess,
        minima=tuple(_frozen(m) for m in minima),
        saddles=tuple(_frozen(s) for s in saddles),
        maxima=tuple(_frozen(m) for m in maxima),
        bounds=tuple((float(lo), float(hi)) for lo, hi in bounds),
        start=_frozen(start),
        params=dict(params),
        lipschitz=lipschitz,
        strong_convexity=strong_convexity,
    )


# --------------------------------------------------------------------------------------
# Convex quadratics
# --------------------------------------------------------------------------------------
def quadratic(condition_number: float = 10.0, *, dim: int = 2, scale: float = 1.0,
              rotation: float = 0.0) -> Objective:
    r"""A convex quadratic with a chosen condition number.

    .. math::

        f(x) = \tfrac12 x^\top A x, \qquad A = R\,\mathrm{diag}(\lambda_1, \dots, \lambda_d)\,R^\top,

    with eigenvalues spaced geometrically from the smallest curvature
    :math:`\mu = \text{scale} / \kappa` (first axis) to the largest :math:`L = \text{scale}`
    (last axis), :math:`\kappa` = ``condition_number``. For ``dim == 2``, :math:`R` rotates
    by ``rotation`` radians (counter-clockwise); otherwise :math:`R = I`.

    The only minimum is the origin, :math:`f^* = 0`. Gradient descent with step
    :math:`\eta` multiplies the error along eigenvector :math:`i` by :math:`1 - \eta\lambda_i`,
    so it converges iff :math:`0 < \eta < 2/L`, and the best constant step
    :math:`\eta = 2/(L + \mu)` gives the rate :math:`(\kappa - 1)/(\kappa + 1)` per step
    (see Goh, "Why Momentum Really Works", Distill 2017). ``L`` and ``mu`` are available
    as :attr:`Objective.lipschitz` and :attr:`Objective.strong_convexity`.

    Parameters
    ----------
    condition_number : float
        :math:`\kappa = L/\mu \ge 1`.
    dim : int
        Number of variables, at least 2 (use :func:`parabola` for one variable).
    scale : float
        Largest curvature :math:`L > 0`.
    rotation : float
        Rotation angle of the eigenvectors in radians; only for ``dim == 2``.

    Notes
    -----
    ``start`` is :math:`R\,(-4, 2, 2, \dots)`; ``bounds`` is :math:`[-5, 5]` per axis.
    """
    kappa = check_real("condition_number", condition_number)
    if kappa < 1:
        raise ValueError(
            "condition_number must be a real number >= 1 (the ratio L/mu of the largest to the "
            f"smallest curvature), got condition_number={condition_number!r}"
        )
    dim = check_int("dim", dim, minimum=2)
    L = check_real("scale", scale, positive=True)
    theta = check_real("rotation", rotation)
    if theta != 0.0 and dim != 2:
        raise ValueError(f"rotation is only supported for dim=2, got rotation={rotation!r} with dim={dim}")
    mu = L / kappa
    eigenvalues = mu * kappa ** (np.arange(dim) / (dim - 1))
    eigenvalues[-1] = L  # exact, whatever the rounding of kappa ** 1.0
    R = np.eye(dim)
    if dim == 2:
        c, s = math.cos(theta), math.sin(theta)
        R = np.array([[c, -s], [s, c]])
    A = (R * eigenvalues) @ R.T
    A = 0.5 * (A + A.T)

    def f(x):
        return 0.5 * np.einsum("...i,ij,...j->...", x, A, x)

    def grad(x):
        return x @ A  # A is symmetric

    def hess(x):
        return np.broadcast_to(A, x.shape[:-1] + A.shape).copy()

    start = R @ np.r_[-4.0, np.full(dim - 1, 2.0)]
    return make_objective(
        "quadratic", dim, f, grad, hess,
        minima=(np.zeros(dim),), bounds=[(-5.0, 5.0)] * dim, start=start,
        params=dict(condition_number=condition_number, dim=dim, scale=scale, rotation=rotation),
        lipschitz=L, strong_convexity=mu,
    )


def parabola(a: float = 1.0) -> Objective:
    r"""The one-variable parabola :math:`f(w) = a w^2`, :math:`a > 0`.

    Minimum at :math:`w = 0` with :math:`f^* = 0`. Its curvature is :math:`f'' = 2a`, so
    ``lipschitz == strong_convexity == 2a`` and gradient descent converges iff
    :math:`0 < \eta < 1/a`, fastest (in one step) at :math:`\eta = 1/(2a)`.
    ``start`` is :math:`w_0 = 3`, ``bounds`` :math:`[-4, 4]`.
    """
    a_ = check_real("a", a, positive=True)

    def f(x):
        return a_ * x[..., 0] ** 2

    def grad(x):
        return 2.0 * a_ * x

    def hess(x):
        return np.full(x.shape + (1,), 2.0 * a_)

    return make_objective(
        "parabola", 1, f, grad, hess, minima=(np.zeros(1),), bounds=[(-4.0, 4.0)],
        start=np.array([3.0]), params=dict(a=a), lipschitz=2.0 * a_, strong_convexity=2.0 * a_,
    )


# --------------------------------------------------------------------------------------
# Non-convex functions
# --------------------------------------------------------------------------------------
_DOUBLE_WELL_MAX_TILT = 8.0 / (3.0 * math.sqrt(3.0))


def double_well(tilt: float = 0.3) -> Objective:
    r"""A tilted double well in one variable, :math:`f(w) = w^4 - 2w^2 + t\,w`.

    For :math:`|t| < 8/(3\sqrt3) \approx 1.54` the derivative :math:`4w^3 - 4w + t` has three
    real roots: two minima of different depth and a local maximum between them. They are
    computed from the cubic with ``numpy.roots`` (and polished by Newton's method). For
    :math:`t > 0` the left minimum (near :math:`w = -1`) is the global one and the right
    minimum (near :math:`w = 1`) is only local; :math:`t < 0` mirrors this, :math:`t = 0`
    gives two global minima. ``start`` is :math:`w_0 = 2`, on the side of the shallower
    well when :math:`t > 0`; ``bounds`` is :math:`[-2.2, 2.2]`.
    """
    t = check_real("tilt", tilt)
    if abs(t) >= _DOUBLE_WELL_MAX_TILT:
        raise ValueError(
            f"tilt must satisfy |tilt| < 8/(3*sqrt(3)) = {_DOUBLE_WELL_MAX_TILT:.6f} so that the "
            f"function has two minima, got tilt={tilt!r}"
        )

    def f(x):
        w = x[..., 0]
        return w**4 - 2.0 * w**2 + t * w

    def grad(x):
        return 4.0 * x**3 - 4.0 * x + t

    def hess(x):
        return (12.0 * x**2 - 4.0)[..., None]

    roots = np.sort(np.roots([4.0, 0.0, -4.0, t]).real)  # three real roots: min, max, min
    return make_objective(
        "double_well", 1, f, grad, hess,
        minima=(roots[[0]], roots[[2]]), maxima=(roots[[1]],),
        bounds=[(-2.2, 2.2)], start=np.array([2.0]), params=dict(tilt=tilt), polish=True,
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Objective:
    r"""Rosenbrock's banana function (Rosenbrock 1960).

    .. math::

        f(x, y) = (a - x)^2 + b\,(y - x^2)^2 .

    The only minimum (global) is :math:`(a, a^2)` with :math:`f^* = 0`, at the end of a long
    curved valley. ``start`` is the classic :math:`(-1.2, 1)` (Rosenbrock 1960;
    Moré, Garbow and Hillstrom 1981). ``bounds`` is :math:`[-|a|-1, |a|+1] \times [-1, a^2+2]`.
    """
    a_ = check_real("a", a)
    b_ = check_real("b", b, positive=True)

    def f(x):
        u, v = x[..., 0], x[..., 1]
        return (a_ - u) ** 2 + b_ * (v - u**2) ** 2

    def grad(x):
        u, v = x[..., 0], x[..., 1]
        return np.stack([-2.0 * (a_ - u) - 4.0 * b_ * u * (v - u**2), 2.0 * b_ * (v - u**2)], axis=-1)

    def hess(x):
        u, v = x[..., 0], x[..., 1]
        h_uu = 2.0 - 4.0 * b_ * v + 12.0 * b_ * u**2
        h_uv = -4.0 * b_ * u
        h_vv = np.full_like(u, 2.0 * b_)
        return np.stack([np.stack([h_uu, h_uv], -1), np.stack([h_uv, h_vv], -1)], -2)

    half = abs(a_) + 1.0
    return make_objective(
        "rosenbrock", 2, f, grad, hess,
        minima=(np.array([a_, a_**2]),), bounds=[(-half, half), (-1.0, a_**2 + 2.0)],
        start=np.array([-1.2, 1.0]), params=dict(a=a, b=b),
    )


_BEALE_C = (1.5, 2.25, 2.625)


def beale() -> Objective:
    r"""Beale's function (Beale 1958).

    .. math::

        f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2 .

    Global minimum :math:`(3, 0.5)` with :math:`f^* = 0` (the only listed minimum). Saddle at
    :math:`(0, 1)`, where :math:`f = 14.203125`. ``start`` is :math:`(1, 1)` (Moré, Garbow and
    Hillstrom 1981); ``bounds`` is the usual :math:`[-4.5, 4.5]^2`.
    """

    def f(x):
        u, v = x[..., 0], x[..., 1]
        return sum((c - u + u * v**i) ** 2 for i, c in enumerate(_BEALE_C, start=1))

    def grad(x):
        u, v = x[..., 0], x[..., 1]
        g_u = g_v = 0.0
        for i, c in enumerate(_BEALE_C, start=1):
            t = c - u + u * v**i  # residual; dt/du = v^i - 1, dt/dv = i u v^(i-1)
            g_u = g_u + 2.0 * t * (v**i - 1.0)
            g_v = g_v + 2.0 * t * i * u * v ** (i - 1)
        return np.stack([g_u, g_v], axis=-1)

    def hess(x):
        u, v = x[..., 0], x[..., 1]
        h_uu = h_uv = h_vv = 0.0
        for i, c in enumerate(_BEALE_C, start=1):
            t = c - u + u * v**i
            t_u, t_v = v**i - 1.0, i * u * v ** (i - 1)
            t_uv, t_vv = i * v ** (i - 1), i * (i - 1) * u * v ** max(i - 2, 0)
            h_uu = h_uu + 2.0 * t_u**2
            h_uv = h_uv + 2.0 * (t_u * t_v + t * t_uv)
            h_vv = h_vv + 2.0 * (t_v**2 + t * t_vv)
        h_uu, h_uv, h_vv = np.broadcast_arrays(h_uu, h_uv, h_vv)
        return np.stack([np.stack([h_uu, h_uv], -1), np.stack([h_uv, h_vv], -1)], -2)

    return make_objective(
        "beale", 2, f, grad, hess,
        minima=(np.array([3.0, 0.5]),), saddles=(np.array([0.0, 1.0]),),
        bounds=[(-4.5, 4.5)] * 2, start=np.array([1.0, 1.0]), params={},
    )


def himmelblau() -> Objective:
    r"""Himmelblau's function (Himmelblau 1972).

    .. math::

        f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 .

    Four minima, all global with :math:`f^* = 0`: :math:`(3, 2)` and, approximately,
    :math:`(-2.805118, 3.131312)`, :math:`(-3.779310, -3.283186)`,
    :math:`(3.584428, -1.848126)` (refined by Newton's method when the objective is built).
    One local maximum near :math:`(-0.270845, -0.923039)` (:math:`f \approx 181.617`) and four
    saddles. ``start`` is the origin; ``bounds`` is the usual :math:`[-5, 5]^2`.
    """

    def f(x):
        u, v = x[..., 0], x[..., 1]
        return (u**2 + v - 11.0) ** 2 + (u + v**2 - 7.0) ** 2

    def grad(x):
        u, v = x[..., 0], x[..., 1]
        p, q = u**2 + v - 11.0, u + v**2 - 7.0
        return np.stack([4.0 * u * p + 2.0 * q, 2.0 * p + 4.0 * v * q], axis=-1)

    def hess(x):
        u, v = x[..., 0], x[..., 1]
        h_uu = 12.0 * u**2 + 4.0 * v - 42.0
        h_uv = 4.0 * (u + v)
        h_vv = 12.0 * v**2 + 4.0 * u - 26.0
        return np.stack([np.stack([h_uu, h_uv], -1), np.stack([h_uv, h_vv], -1)], -2)

    return make_objective(
        "himmelblau", 2, f, grad, hess,
        minima=([3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]),
        saddles=([0.086678, 2.884255], [-3.073026, -0.081353], [3.385154, 0.073852],
                 [-0.127961, -1.953715]),
        maxima=([-0.270845, -0.923039],),
        bounds=[(-5.0, 5.0)] * 2, start=np.zeros(2), params={}, polish=True,
    )


def saddle() -> Objective:
    r"""A bounded-below function with a saddle at the origin.

    .. math::

        f(x, y) = x^2 + \tfrac14 y^4 - \tfrac12 y^2 .

    Gradient :math:`(2x,\ y^3 - y)`, Hessian :math:`\mathrm{diag}(2,\ 3y^2 - 1)`. Two global
    minima :math:`(0, \pm 1)` with :math:`f^* = -1/4`; a saddle at :math:`(0, 0)` with Hessian
    :math:`\mathrm{diag}(2, -1)`. Gradient descent started on the line :math:`y = 0` converges
    to the saddle; ``start`` :math:`(1.5, 0.01)` is just off that line, so the path first
    heads for the saddle and then escapes. ``bounds`` is :math:`[-2, 2]^2`.
    """

    def f(x):
        u, v = x[..., 0], x[..., 1]
        return u**2 + 0.25 * v**4 - 0.5 * v**2

    def grad(x):
        u, v = x[..., 0], x[..., 1]
        return np.stack([2.0 * u, v**3 - v], axis=-1)

    def hess(x):
        u, v = x[..., 0], x[..., 1]
        zero = np.zeros_like(u)
        return np.stack([np.stack([zero + 2.0, zero], -1), np.stack([zero, 3.0 * v**2 - 1.0], -1)], -2)

    return make_objective(
        "saddle", 2, f, grad, hess,
        minima=(np.array([0.0, -1.0]), np.array([0.0, 1.0])), saddles=(np.zeros(2),),
        bounds=[(-2.0, 2.0)] * 2, start=np.array([1.5, 0.01]), params={},
    )


def six_hump_camel() -> Objective:
    r"""The six-hump camel function (Dixon and Szegő 1978).

    .. math::

        f(x, y) = \left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2 .

    Six minima: two global, :math:`\pm(0.089842, -0.712656)` with
    :math:`f^* \approx -1.031628`, and four local ones, :math:`\pm(-1.703607, 0.796084)`
    (:math:`f \approx -0.2155`) and :math:`\pm(1.607105, 0.568651)` (:math:`f \approx 2.1043`).
    Seven saddles (the origin among them) and two local maxima
    :math:`\pm(1.230230, 0.162335)`. All are refined by Newton's method when the objective
    is built. ``start`` is :math:`(-1.5, -0.8)`; ``bounds`` is :math:`[-2, 2] \times [-1, 1]`
    (Molga and Smutnicki 2005), which contains every stationary point.
    """

    def f(x):
        u, v = x[..., 0], x[..., 1]
        return (4.0 - 2.1 * u**2 + u**4 / 3.0) * u**2 + u * v + (-4.0 + 4.0 * v**2) * v**2

    def grad(x):
        u, v = x[..., 0], x[..., 1]
        return np.stack([8.0 * u - 8.4 * u**3 + 2.0 * u**5 + v, u - 8.0 * v + 16.0 * v**3], axis=-1)

    def hess(x):
        u, v = x[..., 0], x[..., 1]
        h_uu = 8.0 - 25.2 * u**2 + 10.0 * u**4
        h_uv = np.ones_like(u)
        h_vv = -8.0 + 48.0 * v**2
        return np.stack([np.stack([h_uu, h_uv], -1), np.stack([h_uv, h_vv], -1)], -2)

    def pm(*points):  # the function is symmetric under (x, y) -> (-x, -y)
        return tuple(s * np.array(p) for p in points for s in (1.0, -1.0))

    return make_objective(
        "six_hump_camel", 2, f, grad, hess,
        minima=pm([0.089842, -0.712656], [-1.703607, 0.796084], [1.607105, 0.568651]),
        saddles=(np.zeros(2),) + pm([1.638068, 0.228674], [1.296070, 0.605084], [1.109205, -0.768268]),
        maxima=pm([1.230230, 0.162335]),
        bounds=[(-2.0, 2.0), (-1.0, 1.0)], start=np.array([-1.5, -0.8]), params={}, polish=True,
    )


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------
#: Names accepted by :func:`get_function`, mapped to their factories.
FUNCTIONS: dict[str, Callable[..., Objective]] = {
    "quadratic": quadratic,
    "parabola": parabola,
    "double_well": double_well,
    "rosenbrock": rosenbrock,
    "beale": beale,
    "himmelblau": himmelblau,
    "saddle": saddle,
    "six_hump_camel": six_hump_camel,
}


def get_function(name: str, **kwargs) -> Objective:
    """Build a test function by name, e.g. ``get_function("rosenbrock", b=10.0)``.

    Parameters
    ----------
    name : str
        A key of :data:`FUNCTIONS`, in any case.
    **kwargs
        Passed to the factory.

    Raises
    ------
    ValueError
        If ``name`` is not a registered function; the message lists the valid names.
    TypeError
        If ``name`` is not a string.
    """
    return FUNCTIONS[lookup(FUNCTIONS, name, "function")](**kwargs)
