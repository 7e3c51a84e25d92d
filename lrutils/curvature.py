r"""The curvature of a Keras model's training loss: Hessian-vector products and sharpness.

Gradient descent on a quadratic diverges once the learning rate exceeds :math:`2/L`, where
:math:`L` is the largest eigenvalue of the Hessian (chapter 1). For a network the Hessian
:math:`H` of the training loss with respect to the weights is far too large to form (a small
MLP has :math:`10^5` weights, so :math:`10^{10}` entries), but its product with a vector is
cheap: differentiate the gradient's dot product with the vector,

.. math:: H v = \nabla_w \big( \nabla_w L(w) \cdot v \big),

two nested ``tf.GradientTape`` passes, about the cost of two gradients
(:func:`hessian_vector_product`). Iterating with it finds the largest eigenvalues without
the matrix (:func:`sharpness`): the *sharpness* :math:`\lambda_{\max}` that sets the largest
stable rate :math:`2/\lambda_{\max}` of plain gradient descent.

The loss is the one ``fit`` minimises, :meth:`keras.Model.compute_loss` (the compiled loss
plus the regularisation losses), evaluated in inference mode (``training=False``: no
dropout, batch-normalisation statistics read, not updated), so the result is a deterministic
function of the weights. Nothing is trained: the weights, the optimizer and the metrics are
left as they were. TensorFlow backend only (nested tapes).

References
----------
Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 1994.
Lanczos, "An iteration method for the solution of the eigenvalue problem of linear
differential and integral operators", J. Res. Nat. Bur. Standards 1950. Cohen, Kaur, Li,
Kolter and Talwalkar, "Gradient descent on neural networks typically occurs at the edge of
stability", ICLR 2021 (sharpness by Lanczos).
"""

from __future__ import annotations

import contextlib
import logging
import math
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import keras
import numpy as np

from ._checks import check_choice, check_int, check_learning_rate, check_rate_at, check_real
from ._keras_internals import is_compiled

__all__ = ["SHARPNESS_METHODS", "DescentTrace", "Sharpness", "full_batch_descent", "hessian_vector_product",
           "sharpness"]

#: How :func:`sharpness` iterates: Lanczos (the top eigenvalues, fast) or power iteration
#: (the eigenvalue of largest magnitude, the simplest method).
SHARPNESS_METHODS = ("lanczos", "power")


class Sharpness(NamedTuple):
    """What :func:`sharpness` found.

    Attributes
    ----------
    value : float
        The largest eigenvalue found (``eigenvalues[0]``).
    eigenvalues : numpy.ndarray
        The ``k`` largest eigenvalues, in decreasing order (fewer only if the Hessian has
        fewer than ``k`` distinct eigenvalues; power iteration: the one of largest magnitude).
    iterations : int
        Hessian-vector products used.
    converged : bool
        Whether the estimates changed by less than ``tol`` (relative) at the last iteration.
    method : str
        ``"lanczos"`` or ``"power"``.
    """

    value: float
    eigenvalues: np.ndarray
    iterations: int
    converged: bool
    method: str

    @property
    def max_stable_rate(self) -> float:
        """:math:`2/\\lambda_{\\max}`: the largest rate at which plain gradient descent on the
        local quadratic model does not diverge (``inf`` if the top eigenvalue is not positive)."""
        return 2.0 / self.value if self.value > 0 else math.inf


# --------------------------------------------------------------------------------------
# Hessian-vector products
# --------------------------------------------------------------------------------------
def _check_model(model: Any) -> None:
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got model={model!r}")
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(
            "curvature needs nested tf.GradientTape, so the TensorFlow backend, got the "
            f"{keras.backend.backend()!r} backend"
        )
    if not model.built or not model.trainable_variables:
        raise ValueError("model must be built and have trainable weights (call it on a batch first)")
    if not is_compiled(model):
        raise ValueError("model must be compiled with a loss (model.compile(loss=...)), "
                         "whose training loss is differentiated")


def _batches(x: Any, y: Any, sample_weight: Any, batch_size: int | None) -> list[tuple[Any, Any, Any, int]]:
    """The data as ``(x, y, sample_weight, n)`` chunks of at most ``batch_size`` examples."""
    leaves = keras.tree.flatten(x)
    if not leaves:
        raise ValueError("x holds no arrays")
    n = int(np.shape(leaves[0])[0])
    if n == 0:
        raise ValueError("x holds no examples")
    if int(np.shape(y)[0]) != n:
        raise ValueError(f"x and y must hold the same number of examples, got {n} and {np.shape(y)[0]}")
    size = n if batch_size is None else check_int("batch_size", batch_size, minimum=1)
    out = []
    for start in range(0, n, size):
        part = slice(start, min(start + size, n))
        xb = keras.tree.map_structure(lambda a, part=part: np.asarray(a)[part], x)
        out.append((xb, np.asarray(y)[part], None if sample_weight is None
                    else np.asarray(sample_weight)[part], part.stop - part.start))
    return out


#: One compiled function per model and kind (Hessian-vector product, descent loop), kept while
#: the model lives, so that repeated calls (a sharpness traced during training) trace it once.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_DESCENT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _per_model(cache: weakref.WeakKeyDictionary, model: Any, variables: list[Any],
               build: Callable[[Callable[[], Any], list[Any]], Any]) -> Any:
    """``build(model_ref, variables)``, made once per model (again if its variables change).

    The function gets a weak reference to the model, so that the cache, which holds the model
    weakly, does not keep it alive through the function it built.
    """
    key = tuple(id(v) for v in variables)
    cached = cache.get(model)
    if cached is None or cached[0] != key:
        cached = cache[model] = (key, build(weakref.ref(model), variables))
    return cached[1]


def _training_loss(model: Any, x: Any, y: Any, sample_weight: Any) -> Any:
    """The loss ``fit`` minimises, in inference mode (no dropout; batch statistics read only)."""
    return model.compute_loss(x=x, y=y, y_pred=model(x, training=False), sample_weight=sample_weight)


def _build_hvp(model_ref: Callable[[], Any], variables: list[Any]) -> Any:
    """The compiled ``(x, y, sample_weight, vectors) -> H vectors``."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def hvp(xb, yb, wb, vectors):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                loss = _training_loss(model_ref(), xb, yb, wb)
            grads = inner.gradient(loss, variables)
            # a weight the loss does not depend on (None) adds nothing, and has zero curvature
            dot = tf.add_n([tf.reduce_sum(tf.cast(g, v.dtype) * v)
                            for g, v in zip(grads, vectors) if g is not None])
        products = outer.gradient(dot, variables)
        return [tf.zeros_like(v) if p is None else p for p, v in zip(products, vectors)]

    return hvp


class _HVP:
    """``v -> H v`` for flat float64 vectors, over all the data, with one compiled function."""

    def __init__(self, model: Any, x: Any, y: Any, sample_weight: Any, batch_size: int | None):
        self.model = model
        self.variables = list(model.trainable_variables)
        self.shapes = [tuple(v.shape) for v in self.variables]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.size = sum(self.sizes)
        self.dtype = self.variables[0].dtype
        self.batches = _batches(x, y, sample_weight, batch_size)
        self.n = sum(b[3] for b in self.batches)
        self.calls = 0
        self._hvp = _per_model(_COMPILED, model, self.variables, _build_hvp)

    def split(self, flat: np.ndarray) -> list[Any]:
        import tensorflow as tf

        parts = np.split(np.asarray(flat), np.cumsum(self.sizes)[:-1])
        return [tf.constant(p.reshape(s), dtype=v.dtype) for p, s, v in zip(parts, self.shapes, self.variables)]

    def __call__(self, flat: np.ndarray) -> np.ndarray:
        self.calls += 1
        vectors = self.split(flat)
        total = np.zeros(self.size)
        for xb, yb, wb, nb in self.batches:  # the loss is a mean: weight each batch by its size
            with _quiet_tracing():
                products = self._hvp(xb, yb, wb, vectors)
            total += (nb / self.n) * np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in products])
        if not np.all(np.isfinite(total)):
            raise ValueError("the Hessian-vector product is not finite: the loss or its curvature "
                             "overflows at these weights (a run that diverged?)")
        return total


@contextlib.contextmanager
def _metrics_kept(model: Any) -> Iterator[None]:
    """Put the model's metric accumulators back as they were (``compute_loss`` may update
    the compiled loss's trackers)."""
    saved = [(v, np.array(keras.ops.convert_to_numpy(v), copy=True)) for v in model.metrics_variables]
    try:
        yield
    finally:
        for variable, value in saved:
            variable.assign(value)


def hessian_vector_product(model: keras.Model, x: Any, y: Any, vectors: Sequence[Any], *,
                           sample_weight: Any = None, batch_size: int | None = None) -> list[np.ndarray]:
    """:math:`H v`: the Hessian of the model's training loss on ``(x, y)`` times ``vectors``.

    Parameters
    ----------
    model : keras.Model
        A built, compiled model (TensorFlow backend).
    x, y : array-like
        The data the loss is averaged over (``x`` may be a structure of arrays).
    vectors : sequence of array-like
        One array per trainable variable, in the order and with the shapes of
        ``model.trainable_variables``.
    sample_weight : array-like, optional
        Per-example weights, as in ``fit``.
    batch_size : int, optional
        Evaluate the product over chunks of this many examples and average them, weighted by
        their sizes (less memory). That is the whole-batch result up to rounding for a loss
        that averages over examples, Keras's default; not for ``reduction="sum"`` or masked
        outputs, whose per-chunk normalisation differs. Default: all at once.

    Returns
    -------
    list of numpy.ndarray
        One array per trainable variable, in float64.
    """
    _check_model(model)
    product = _HVP(model, x, y, sample_weight, batch_size)
    if not isinstance(vectors, (list, tuple)) or len(vectors) != len(product.variables):
        raise ValueError(
            f"vectors must be a list of {len(product.variables)} arrays, one per trainable "
            f"variable, got {type(vectors).__name__}"
            + (f" of length {len(vectors)}" if isinstance(vectors, (list, tuple)) else "")
        )
    for i, (v, shape) in enumerate(zip(vectors, product.shapes)):
        if tuple(np.shape(v)) != shape:
            raise ValueError(f"vectors[{i}] must have shape {shape}, got {tuple(np.shape(v))}")
    with _metrics_kept(model):
        flat = product(np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in vectors]))
    return [p.reshape(s) for p, s in zip(np.split(flat, np.cumsum(product.sizes)[:-1]), product.shapes)]


# --------------------------------------------------------------------------------------
# The largest eigenvalues
# --------------------------------------------------------------------------------------
def _power(hvp: _HVP, v: np.ndarray, max_iterations: int, tol: float) -> tuple[np.ndarray, int, bool]:
    estimate, converged = math.nan, False
    for _ in range(max_iterations):
        w = hvp(v)
        new = float(v @ w)  # the Rayleigh quotient of the unit vector v
        norm = float(np.linalg.norm(w))
        if norm == 0.0:
            return np.array([0.0]), hvp.calls, True
        v = w / norm
        if math.isfinite(estimate) and abs(new - estimate) <= tol * abs(new):
            estimate, converged = new, True
            break
        estimate = new
    return np.array([estimate]), hvp.calls, converged


def _lanczos(hvp: _HVP, v: np.ndarray, k: int, max_iterations: int, tol: float) -> tuple[np.ndarray, int, bool]:
    """Lanczos with full reorthogonalisation: the Ritz values of the Krylov space of ``v``."""
    basis, alphas, betas = [v], [], []
    previous, converged = None, False
    for j in range(min(max_iterations, hvp.size)):
        w = hvp(basis[j])
        alphas.append(float(basis[j] @ w))
        w = w - alphas[j] * basis[j] - (betas[j - 1] * basis[j - 1] if j else 0.0)
        for q in basis:  # full reorthogonalisation: a few vectors, so it is cheap
            w = w - (q @ w) * q
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        ritz = np.sort(np.linalg.eigvalsh(T))[::-1][:k]
        if previous is not None and len(ritz) == k and len(previous) == k and np.all(
                np.abs(ritz - previous) <= tol * np.abs(ritz)):
            converged = True
            break
        previous = ritz
        beta = float(np.linalg.norm(w))
        if beta <= 1e-12 * max(1.0, abs(alphas[j])):  # an invariant subspace: the values are exact
            converged = len(ritz) == k
            break
        betas.append(beta)
        basis.append(w / beta)
    return ritz, hvp.calls, converged


def sharpness(model: keras.Model, x: Any, y: Any, *, k: int = 1, method: str = "lanczos",
              max_iterations: int = 30, tol: float = 1e-3, seed: int = 0,
              sample_weight: Any = None, batch_size: int | None = None) -> Sharpness:
    r"""The largest eigenvalues of the Hessian of the model's training loss at its current weights.

    The Hessian is never formed: each iteration costs one Hessian-vector product
    (:func:`hessian_vector_product`, about two gradient evaluations over ``(x, y)``).

    * ``method="lanczos"`` (default) builds an orthonormal basis of the Krylov space
      :math:`\{v, Hv, H^2v, \dots\}` and returns the largest eigenvalues of :math:`H`
      restricted to it; the extreme eigenvalues converge first, typically in 10 to 30
      products. It returns the ``k`` largest (algebraically: the most positive).
    * ``method="power"`` repeats :math:`v \leftarrow Hv/\lVert Hv \rVert`; it converges to the
      eigenvalue of largest *magnitude* (the top one, unless a negative eigenvalue is larger
      in magnitude), more slowly when the top two are close. ``k`` must be 1.

    Both start from a random unit vector (``seed``) and stop when the estimates change by at
    most ``tol`` (relative) or after ``max_iterations`` products. Nothing is trained: the
    weights, the optimizer and the metric accumulators are left as they were.

    Parameters
    ----------
    model : keras.Model
        A built, compiled model (TensorFlow backend).
    x, y : array-like
        The data: the sharpness of the mean loss over these examples (a subset of the
        training set, as large as the budget allows).
    k : int
        How many of the largest eigenvalues to return (Lanczos only).
    method : {"lanczos", "power"}
    max_iterations : int
        At most this many Hessian-vector products.
    tol : float
        Relative change below which the estimates count as converged.
    seed : int
        Seed of the starting vector.
    sample_weight : array-like, optional
    batch_size : int, optional
        Chunks for the Hessian-vector products (less memory; see
        :func:`hessian_vector_product` for the losses where that is exact).

    Returns
    -------
    Sharpness
        ``value`` is the largest eigenvalue; ``max_stable_rate`` is :math:`2/\lambda_{\max}`.
    """
    _check_model(model)
    k = check_int("k", k, minimum=1)
    method = check_choice("method", method, SHARPNESS_METHODS)
    if method == "power" and k != 1:
        raise ValueError(f"k must be 1 with method='power' (it finds one eigenvalue), got k={k}")
    max_iterations = check_int("max_iterations", max_iterations, minimum=k)
    tol = check_real("tol", tol, positive=True)
    seed = check_int("seed", seed, minimum=0)
    hvp = _HVP(model, x, y, sample_weight, batch_size)
    if k > hvp.size:
        raise ValueError(f"k must be at most the number of weights ({hvp.size}), got k={k}")
    v = np.random.default_rng(seed).normal(size=hvp.size)
    v /= np.linalg.norm(v)
    with _metrics_kept(model):
        if method == "power":
            values, calls, converged = _power(hvp, v, max_iterations, tol)
        else:
            values, calls, converged = _lanczos(hvp, v, k, max_iterations, tol)
    return Sharpness(value=float(values[0]), eigenvalues=np.asarray(values, dtype=np.float64),
                     iterations=calls, converged=bool(converged), method=method)


# --------------------------------------------------------------------------------------
# Full-batch gradient descent with the sharpness traced
# --------------------------------------------------------------------------------------
class DescentTrace(NamedTuple):
    r"""The record of :func:`full_batch_descent`.

    ``losses[t]`` is the training loss at the weights *before* step ``t`` (the loss the step's
    gradient was taken of), and ``learning_rates[t]`` the rate of that step;
    ``sharpness[i]`` is :math:`\lambda_{\max}` at the weights before step
    ``sharpness_steps[i]`` (a step equal to the number of steps run means after the last one).
    ``diverged`` is true when the loss became infinite or NaN, where the run stopped (the
    model keeps the last weights, which may be non-finite).
    """

    losses: np.ndarray
    learning_rates: np.ndarray
    sharpness_steps: np.ndarray
    sharpness: np.ndarray
    diverged: bool

    @property
    def rising_steps(self) -> int:
        """How many steps raised the loss: 0 for a run that descends monotonically."""
        return int(np.sum(np.diff(self.losses) > 0))


def _build_descent(model_ref: Callable[[], Any], variables: list[Any]) -> Any:
    """The compiled ``(x, y, sample_weight, rates) -> losses`` loop of plain gradient descent."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def run(xb, yb, wb, step_rates):
        losses = tf.TensorArray(tf.float32, size=tf.shape(step_rates)[0])
        for i in tf.range(tf.shape(step_rates)[0]):
            with tf.GradientTape() as tape:
                loss = _training_loss(model_ref(), xb, yb, wb)
            grads = tape.gradient(loss, variables)
            for v, g in zip(variables, grads):
                if g is not None:
                    v.assign_sub(tf.cast(step_rates[i], v.dtype) * tf.cast(g, v.dtype))
            losses = losses.write(i, tf.cast(loss, tf.float32))
        return losses.stack()

    return run


@contextlib.contextmanager
def _quiet_tracing() -> Iterator[None]:
    """Silence TensorFlow's "triggered tf.function retracing" warning: each new model needs its
    own trace (a loop over fresh models is the normal use here), which is what it warns about."""
    import tensorflow as tf

    logger = tf.get_logger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def full_batch_descent(model: keras.Model, x: Any, y: Any, learning_rate: Any, num_steps: int, *,
                       sharpness_every: int | None = None, sample_weight: Any = None,
                       **sharpness_options: Any) -> DescentTrace:
    r"""Plain gradient descent on the whole of ``(x, y)``, with the sharpness traced.

    Each step is :math:`w \leftarrow w - \eta_t \nabla L(w)` on the model's training loss
    over all the examples (:meth:`keras.Model.compute_loss`, in inference mode, the loss
    :func:`sharpness` differentiates), as ``SGD(momentum=0)`` with one batch of all the
    examples would take it. The steps run in a compiled loop, ``sharpness_every`` steps at a
    time, and between two chunks :func:`sharpness` measures :math:`\lambda_{\max}`, so that it
    can be compared with :math:`2/\eta_t`. The model's optimizer is not used; the weights are
    changed in place.

    Parameters
    ----------
    model : keras.Model
        A built, compiled model (TensorFlow backend).
    x, y : array-like
        All the training examples (a small subset: every step uses them all).
    learning_rate : float or callable
        The rate, or a schedule ``step -> rate`` (an lrutils schedule, for example).
    num_steps : int
    sharpness_every : int, optional
        Measure the sharpness before the first step, every this many steps and after the last
        one. Default: never.
    sample_weight : array-like, optional
    **sharpness_options
        Passed to :func:`sharpness` (``max_iterations``, ``tol``, ``batch_size``...).

    Returns
    -------
    DescentTrace
    """
    import tensorflow as tf

    _check_model(model)
    learning_rate = check_learning_rate("learning_rate", learning_rate)
    num_steps = check_int("num_steps", num_steps, minimum=1)
    if sharpness_every is not None:
        sharpness_every = check_int("sharpness_every", sharpness_every, minimum=1)
    unknown = set(sharpness_options) - {"k", "method", "max_iterations", "tol", "seed", "batch_size"}
    if unknown:
        raise TypeError(f"unexpected keyword argument(s) {sorted(unknown)}: the sharpness options are k, "
                        "method, max_iterations, tol, seed and batch_size")
    rates = np.array([check_rate_at("learning_rate", learning_rate, t) if callable(learning_rate)
                      else learning_rate for t in range(num_steps)], dtype=np.float64)
    (xb, yb, wb, _), = _batches(x, y, sample_weight, None)
    variables = list(model.trainable_variables)
    run = _per_model(_DESCENT, model, variables, _build_descent)

    chunk = sharpness_every or num_steps
    losses: list[float] = []
    steps, values = [], []
    diverged = False

    def measure(step: int) -> None:
        steps.append(step)
        values.append(sharpness(model, x, y, sample_weight=sample_weight, **sharpness_options).value)

    with _metrics_kept(model):
        if sharpness_every:
            measure(0)
        for start in range(0, num_steps, chunk):
            with _quiet_tracing():
                part = run(xb, yb, wb, tf.constant(rates[start:start + chunk], dtype=tf.float32)).numpy()
            bad = ~np.isfinite(part)
            if bad.any():
                losses.extend(part[:int(np.argmax(bad)) + 1].tolist())
                diverged = True
                break
            losses.extend(part.tolist())
            if sharpness_every:
                weights_finite = all(np.all(np.isfinite(keras.ops.convert_to_numpy(v))) for v in variables)
                if not weights_finite:
                    diverged = True
                    break
                measure(start + len(part))
    return DescentTrace(losses=np.asarray(losses), learning_rates=rates[:len(losses)],
                        sharpness_steps=np.asarray(steps, dtype=np.int64),
                        sharpness=np.asarray(values, dtype=np.float64), diverged=diverged)
