"""What the explorers and the animations need to know about a test function (private).

Shared by :mod:`lrutils.widgets` and :mod:`lrutils.animation`: turning a name into an
:class:`lrutils.functions.Objective`, checking a start point, and two scales read off the
objective (the largest curvature at its minima, the size of its plotting box) from which
they derive default learning rates.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_objective(function: Any, argument: str = "objective"):
    """The objective named ``function`` in :data:`lrutils.functions.FUNCTIONS`, or ``function``
    itself if it is an objective (has ``f``, ``grad``, ``dim`` and ``bounds``).

    ``argument`` is the caller's name for it, used in the message of a ``TypeError``; an
    unknown name raises ``ValueError`` listing the valid ones.
    """
    from .functions import get_function

    if isinstance(function, str):
        return get_function(function)
    if all(hasattr(function, a) for a in ("f", "grad", "dim", "bounds")):
        return function
    raise TypeError(
        f"{argument} must be a name from lrutils.functions.FUNCTIONS or an Objective, "
        f"got {argument}={function!r}"
    )


def start_point(objective, x0: Any) -> np.ndarray:
    """``x0`` (default: ``objective.start``) as a float vector of ``objective.dim`` finite numbers."""
    x = np.array(objective.start if x0 is None else x0, dtype=float).reshape(-1)
    if x.shape != (objective.dim,) or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be {objective.dim} finite number(s) for {objective.name!r}, got x0={x0!r}")
    return x


def max_curvature(objective) -> float | None:
    """Largest curvature L at the minima (2/L is where plain gradient descent turns unstable).

    ``objective.lipschitz`` if known, else the largest Hessian eigenvalue over the listed
    minima; None if neither is available or the curvature is not positive.
    """
    if getattr(objective, "lipschitz", None):
        return float(objective.lipschitz)
    hess = getattr(objective, "hess", None)
    minima = getattr(objective, "minima", ())
    if hess is None or not minima:
        return None
    L = max(float(np.linalg.eigvalsh(np.asarray(hess(np.asarray(m, dtype=float)))).max()) for m in minima)
    return L if L > 0 else None


def box_extent(objective) -> float:
    """Largest side of the objective's plotting box."""
    return float(max(hi - lo for lo, hi in objective.bounds))
