"""Gradient checking: compare a hand-written gradient with central finite differences.

Parameters may be a single array or any nesting of NamedTuples, tuples, lists and dicts
of floating-point arrays (an :class:`lrutils.mlp.MLPParams`, a list of
:class:`lrutils.mlp.Layer`, a dict of named arrays ...). Gradients have the same
structure, as in JAX and optax.

**Central differences.** For every entry :math:`\\theta_j`,

.. math:: \\frac{\\partial f}{\\partial \\theta_j} \\approx
          \\frac{f(\\theta + h e_j) - f(\\theta - h e_j)}{2h},

with a truncation error of about :math:`h^2 |f'''| / 6` and a rounding error of about
:math:`\\varepsilon_{\\text{mach}} |f| / h`. The two balance near
:math:`h \\approx \\varepsilon_{\\text{mach}}^{1/3} \\approx 6 \\times 10^{-6}` in float64
(machine epsilon :math:`2.2 \\times 10^{-16}`), hence the default :math:`h = 10^{-5}`
(the value CS231n recommends), which gives roughly :math:`10^{-11}` absolute error for a
loss of order 1. In float32 the rounding term is :math:`10^{9}` times larger: check
gradients in float64.

**Relative error.** :func:`gradient_check` compares the analytic gradient :math:`a` and the
numerical one :math:`n` of each parameter array with the *symmetric relative error*

.. math:: r = \\frac{\\lVert a - n \\rVert_2}{\\max(\\lVert a \\rVert_2 + \\lVert n \\rVert_2,\\ \\text{tiny})},

the vector form of the CS231n rule :math:`|a - n| / \\max(|a| + |n|, 10^{-8})`. It lies in
:math:`[0, 1]` (triangle inequality): 0 for equal gradients, 1 when exactly one is zero
or when they point in opposite directions (a sign error); the floor
``tiny`` keeps 0/0 (a parameter with no influence on the loss) at 0. Taking norms over
the whole array instead of the worst entry keeps entries with almost-zero gradient, where
the finite-difference noise is as large as the value, from dominating. Rules of thumb in
float64 with smooth functions: :math:`r < 10^{-7}` is a correct gradient, :math:`r > 10^{-3}`
is a bug; kinks (ReLU at 0) crossed by a perturbation can give values in between.

References
----------
* A. Karpathy, CS231n course notes, "Neural Networks Part 3: Learning and Evaluation",
  section "Gradient checks", https://cs231n.github.io/neural-networks-3/#gradcheck
* A. Ng, "Gradient checking", Deep Learning Specialization, course 2, week 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._checks import check_callable, check_real
from ._tree import flatten_with_paths, signature, unflatten

__all__ = ["DEFAULT_TINY", "numerical_gradient", "relative_error", "GradCheckResult", "gradient_check"]

#: The floor of the denominator of :func:`relative_error` (the value used in CS231n).
DEFAULT_TINY = 1e-8


class GradCheckResult(NamedTuple):
    """Outcome of :func:`gradient_check`.

    Attributes
    ----------
    max_rel_error : float
        The largest relative error over the parameter arrays.
    per_param : dict of str to float
        Relative error of every parameter array, keyed by its name: the field name of a
        NamedTuple (``"W1"``), the key of a dict, the index of a list, joined with dots
        for nested structures (``"0.W"``); ``"params"`` for a single array.
    worst_param : str
        The name of the array with the largest relative error.
    numerical : same structure as params
        The central-difference gradient.
    analytic : same structure as params
        The gradient that was checked.
    """

    max_rel_error: float
    per_param: dict
    worst_param: str
    numerical: Any
    analytic: Any


# --------------------------------------------------------------------------------------
# Structures of arrays
# --------------------------------------------------------------------------------------
def _flatten(tree, name: str) -> list[tuple[str, np.ndarray]]:
    """``[(path, leaf), ...]`` in the tree order of :mod:`lrutils._tree`; leaves must be
    floating ndarrays."""
    out = []
    for path, leaf in flatten_with_paths(tree):
        if not isinstance(leaf, np.ndarray):
            raise TypeError(
                f"{name} must be an ndarray or a NamedTuple/tuple/list/dict of ndarrays, got "
                f"{type(leaf).__name__} at {path or name!r}"
            )
        if leaf.dtype.kind != "f":
            raise TypeError(
                f"{name} must hold floating-point arrays, got dtype {leaf.dtype} at "
                f"{path or name!r}"
            )
        out.append((path or "params", leaf))
    return out


def _scalar(value, what: str) -> float:
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "fiu":
        raise TypeError(f"{what} must return a real scalar, got {type(value).__name__} of shape {arr.shape}")
    return float(arr)


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------
def numerical_gradient(f: Callable[[Any], float], params, *, h: float = 1e-5):
    """Central-difference gradient of a scalar function of a structure of arrays.

    Parameters
    ----------
    f : callable
        ``f(params) -> float``. It is called ``2 * (number of entries)`` times with a
        copy of ``params`` in which one entry is moved by ``+h`` or ``-h``.
    params : ndarray or NamedTuple/tuple/list/dict of ndarrays
        Point at which to differentiate; floating-point arrays. Not modified.
    h : float
        Step, positive. The step actually taken is the difference of the two rounded
        perturbed values, so float32 arrays get a correct (if noisy) estimate.

    Returns
    -------
    Same structure as ``params``
        :math:`(f(\\theta + h e_j) - f(\\theta - h e_j)) / 2h` for every entry.
    """
    check_callable("f", f)
    h = check_real("h", h, positive=True)
    work = unflatten(params, iter([a.copy() for _, a in _flatten(params, "params")]))
    leaves = [a for _, a in _flatten(work, "params")]
    grads = []
    for a in leaves:
        g = np.zeros(a.shape, dtype=np.float64)
        for j in np.ndindex(a.shape):
            old = a[j]
            a[j] = old + h
            up, f_up = a[j], _scalar(f(work), "f")
            a[j] = old - h
            down, f_down = a[j], _scalar(f(work), "f")
            a[j] = old
            g[j] = (f_up - f_down) / (float(up) - float(down))
        grads.append(g.astype(a.dtype))
    return unflatten(params, iter(grads))


def relative_error(a: np.ndarray, n: np.ndarray, *, tiny: float = DEFAULT_TINY) -> float:
    """Symmetric relative error ``||a - n|| / max(||a|| + ||n||, tiny)`` of two arrays.

    The vector form of the CS231n gradient-check rule (see the module docstring): 0 when
    equal, 1 when opposite or when exactly one of them is zero, never more than 1.
    """
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"a and n must have the same shape, got {a.shape} and {n.shape}")
    tiny = check_real("tiny", tiny, positive=True)
    return float(np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), tiny))


def gradient_check(
    f: Callable[[Any], Any],
    params,
    grads=None,
    *,
    h: float = 1e-5,
    tiny: float = DEFAULT_TINY,
) -> GradCheckResult:
    """Compare an analytic gradient with central differences, parameter by parameter.

    Parameters
    ----------
    f : callable
        Either ``f(params) -> (value, grads)``, a value-and-gradient function such as
        :func:`lrutils.mlp.loss_and_grads` with the data bound (``grads=None``), or
        ``f(params) -> value`` when the analytic gradient is passed as ``grads``.
    params : ndarray or NamedTuple/tuple/list/dict of ndarrays
        Point of the check. Use float64: in float32 rounding noise alone gives relative
        errors of about 1e-3.
    grads : same structure as params, optional
        The analytic gradient at ``params``. If omitted, ``f`` must return
        ``(value, grads)`` and its ``grads`` at ``params`` are checked.
    h : float
        Finite-difference step (see :func:`numerical_gradient`).
    tiny : float
        Floor of the relative error's denominator (see :func:`relative_error`).

    Returns
    -------
    GradCheckResult
        ``max_rel_error``, ``per_param`` (name to relative error), ``worst_param``,
        ``numerical`` and ``analytic``.

    Examples
    --------
    >>> from functools import partial
    >>> from lrutils import mlp
    >>> params = mlp.init_two_layer(4, 5, 3)
    >>> X, y = np.random.default_rng(0).normal(size=(8, 4)), np.arange(8) % 3
    >>> gradient_check(partial(mlp.loss_and_grads, X=X, y=y), params).max_rel_error < 1e-7
    True
    """
    check_callable("f", f)
    h = check_real("h", h, positive=True)
    names = [name for name, _ in _flatten(params, "params")]
    if grads is None:
        out = f(params)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError(
                "f must return (value, grads) when grads is not given, got "
                f"{type(out).__name__}; pass the analytic gradient as grads= for a scalar f"
            )
        _scalar(out[0], "f")
        grads = out[1]

        def value(p):
            return f(p)[0]
    else:
        value = f
    grad_leaves = [g for _, g in _flatten(grads, "grads")]
    if signature(grads) != signature(params):
        raise ValueError(
            "grads must have the same structure and shapes as params, got "
            f"{_describe(grads)} for params {_describe(params)}"
        )
    numerical = numerical_gradient(value, params, h=h)
    num_leaves = [g for _, g in _flatten(numerical, "numerical")]
    per_param = {
        name: relative_error(a, n, tiny=tiny) for name, a, n in zip(names, grad_leaves, num_leaves)
    }
    worst = max(per_param, key=per_param.get)
    return GradCheckResult(per_param[worst], per_param, worst, numerical, grads)


def _describe(tree) -> str:
    try:
        return "{" + ", ".join(f"{name}: {a.shape}" for name, a in _flatten(tree, "tree")) + "}"
    except TypeError:
        return type(tree).__name__
