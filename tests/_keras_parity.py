"""Run a NumPy optimizer and its Keras twin on the same gradient sequence.

The gradient at each step is computed in NumPy from the NumPy parameters (a noisy
quadratic with small curvatures, so that where epsilon sits changes the numbers), and the
very same gradients are fed to ``keras.optimizers.<Class>.apply`` on ``keras.Variable``s.
Both trajectories are returned, so every step can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lrutils.keras_optimizers import keras_equivalent
from lrutils.optimizers import apply_updates, get_optimizer

SHAPES = [(3,), (4, 5), (2, 3, 2)]


@dataclass(frozen=True)
class ExpDecay:
    """Marker for an exponential-decay schedule, ``lr(t) = initial * rate ** (t / steps)``.

    Turned into a plain NumPy function for lrutils and into
    ``keras.optimizers.schedules.ExponentialDecay`` for Keras, two independent codes.
    """

    initial: float
    steps: int
    rate: float

    def numpy(self):
        return lambda t: self.initial * self.rate ** (t / self.steps)

    def keras(self, dtype: str):
        import keras

        # ExponentialDecay computes in the dtype of `initial_learning_rate` converted to a
        # tensor, and casts `decay_rate` to it: a Python float becomes float32 whatever
        # floatx is, so pass typed scalars.
        scalar = np.dtype(dtype).type
        return keras.optimizers.schedules.ExponentialDecay(
            scalar(self.initial), self.steps, scalar(self.rate)
        )


@dataclass(frozen=True)
class Problem:
    """Noisy quadratic ``grad = a * (w - w_star) + noise_scale * noise_t`` for a list of arrays."""

    w0: list
    w_star: list
    a: list
    noise: list  # one array of shape (steps, *shape) per leaf
    noise_scale: float = 1e-3

    def grad(self, params: list, t: int) -> list:
        return [
            a * (w - ws) + self.noise_scale * n[t]
            for w, ws, a, n in zip(params, self.w_star, self.a, self.noise)
        ]


def make_problem(seed: int = 0, steps: int = 100, shapes=SHAPES) -> Problem:
    """Curvatures log-uniform in [1e-3, 1e-1]; parameters kept well away from zero
    (|w| in [1, 4]) so that an elementwise relative error is meaningful."""
    rng = np.random.default_rng(seed)
    w_star, w0, a, noise = [], [], [], []
    for shape in shapes:
        ws = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(2.0, 3.0, size=shape)
        w_star.append(ws)
        w0.append(ws + rng.uniform(-1.0, 1.0, size=shape))
        a.append(10.0 ** rng.uniform(-3.0, -1.0, size=shape))
        noise.append(rng.standard_normal((steps, *shape)))
    return Problem(w0, w_star, a, noise)


def _resolve(kwargs: dict[str, Any], side: str, dtype: str) -> dict[str, Any]:
    out = dict(kwargs)
    lr = out.get("learning_rate")
    if isinstance(lr, ExpDecay):
        out["learning_rate"] = lr.numpy() if side == "numpy" else lr.keras(dtype)
    return out


def run_numpy(name: str, kwargs: dict, problem: Problem, steps: int, dtype: str):
    """Return (trajectory, grads): parameters after each step and the gradients used."""
    opt = get_optimizer(name, **_resolve(kwargs, "numpy", dtype))
    params = [w.astype(dtype) for w in problem.w0]
    state = opt.init(params)
    trajectory, grads_seq = [], []
    for t in range(steps):
        grads = [g.astype(dtype) for g in problem.grad(params, t)]
        updates, state = opt.update(grads, state, params)
        params = apply_updates(params, updates)
        grads_seq.append(grads)
        trajectory.append(params)
    return trajectory, grads_seq


def run_keras(name: str, kwargs: dict, problem: Problem, grads_seq: list, dtype: str, *,
              bare: bool = False):
    """Apply ``grads_seq`` with the Keras optimizer; return the parameters after each step.

    ``keras_equivalent(..., dtype=dtype)`` builds the optimizer so that it computes in
    ``dtype`` throughout (see its docstring: in float64, a float32 learning-rate variable or
    hyper-parameters rounded through float32 would cost 1e-8 relative precision); this
    is checked below. Each step runs in a ``tf.function``, as in ``model.fit``.

    With ``bare=True`` the optimizer is instead the bare Keras constructor, given only the
    arguments that define the name (SGD with ``momentum=0.9`` for ``"momentum"``) and
    ``kwargs``: nothing of lrutils' defaults reaches it (float32 only).
    """
    import keras
    import tensorflow as tf

    variables = [keras.Variable(w.astype(dtype), dtype=dtype) for w in problem.w0]
    if bare:
        from lrutils.keras_optimizers import ALIASES

        if dtype != "float32":
            raise ValueError("a bare Keras optimizer computes in float32")
        class_name, defining = ALIASES.get(name, (name, {}))
        keras_class = {n.lower(): getattr(keras.optimizers, n) for n in dir(keras.optimizers)}[class_name.lower()]
        opt = keras_class(**defining, **_resolve(kwargs, "keras", dtype))
    else:
        opt = keras_equivalent(name, dtype=dtype, **_resolve(kwargs, "keras", dtype))
    opt.build(variables)
    dtypes = {v.dtype for v in opt.variables if "iteration" not in v.name}
    if isinstance(opt._learning_rate, keras.Variable):
        dtypes.add(opt._learning_rate.dtype)
    else:
        dtypes.add(keras.backend.standardize_dtype(opt.learning_rate.dtype))
    if dtypes != {dtype}:
        raise AssertionError(f"Keras optimizer computes in {dtypes}, expected only {dtype}")

    @tf.function
    def step(grads):
        opt.apply(grads, variables)

    trajectory = []
    for grads in grads_seq:
        step(grads)
        trajectory.append([v.numpy() for v in variables])
    return trajectory


def max_relative_error(trajectory: list, reference: list) -> float:
    """Largest elementwise ``|x - ref| / |ref|`` over all steps and arrays."""
    worst = 0.0
    for params, ref in zip(trajectory, reference, strict=True):
        for x, r in zip(params, ref, strict=True):
            worst = max(worst, float(np.max(np.abs(x.astype(np.float64) - r) / np.abs(r))))
    return worst
