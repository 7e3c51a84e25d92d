"""A multilayer perceptron in NumPy with a hand-written backward pass.

Two forms of the same network, both with softmax cross-entropy on integer labels:

* a readable **two-layer** network ``input -> Dense + activation -> Dense -> logits``
  whose parameters are the named arrays :class:`MLPParams` ``(W1, b1, W2, b2)``.
  :func:`forward` keeps a cache of the intermediate values and :func:`backward` applies
  the chain rule to them line by line; :func:`loss_and_grads` does both and :func:`train`
  runs plain (mini-batch) gradient descent;
* a **deep stack** of any depth, a list of :class:`Layer` ``(W, b)`` built by
  :func:`init_mlp`, with :func:`mlp_forward` / :func:`mlp_backward` written as loops over
  the layers. :func:`deep_stack_grad_norms` uses it to measure per-layer gradient norms at
  initialisation (vanishing and exploding gradients).

Shapes follow Keras: a kernel ``W`` has shape ``(n_in, n_out)`` and a bias ``b`` shape
``(n_out,)``, exactly like the ``kernel`` and ``bias`` of :class:`keras.layers.Dense`, and a
batch ``X`` has shape ``(n, n_in)``. So ``dense.set_weights([W1, b1])`` copies the NumPy
weights into a Keras model, and the gradients here can be compared with
``tf.GradientTape`` entry by entry.

The maths, with :math:`n` examples, one-hot labels :math:`Y` and :math:`\\phi` the hidden
activation::

    Z1 = X W1 + b1,   H = phi(Z1),   logits = H W2 + b2,   P = softmax(logits)
    L  = -(1/n) sum_i log P[i, y_i]

    dL/dlogits = (P - Y) / n
    dL/dW2 = H^T dL/dlogits,       dL/db2 = sum over rows of dL/dlogits
    dL/dH  = dL/dlogits W2^T
    dL/dZ1 = dL/dH * phi'(Z1)      (elementwise)
    dL/dW1 = X^T dL/dZ1,           dL/db1 = sum over rows of dL/dZ1

References
----------
* D. E. Rumelhart, G. E. Hinton and R. J. Williams (1986), "Learning representations by
  back-propagating errors", *Nature* 323:533-536.
* X. Glorot and Y. Bengio (2010), "Understanding the difficulty of training deep
  feedforward neural networks", AISTATS.
* K. He, X. Zhang, S. Ren and J. Sun (2015), "Delving deep into rectifiers: surpassing
  human-level performance on ImageNet classification", ICCV.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from ._checks import check_flag, check_int, check_real, lookup

__all__ = [
    "Activation",
    "ACTIVATIONS",
    "get_activation",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "softmax",
    "log_softmax",
    "one_hot",
    "softmax_cross_entropy",
    "MLPParams",
    "ForwardCache",
    "LossAndGrads",
    "init_two_layer",
    "forward",
    "backward",
    "loss_and_grads",
    "predict",
    "accuracy",
    "TrainHistory",
    "TrainResult",
    "train",
    "Layer",
    "DeepCache",
    "INITIALIZERS",
    "init_mlp",
    "mlp_forward",
    "mlp_backward",
    "mlp_loss_and_grads",
    "deep_stack_grad_norms",
]


# --------------------------------------------------------------------------------------
# Activations, softmax and the loss
# --------------------------------------------------------------------------------------
def relu(z: np.ndarray) -> np.ndarray:
    """ReLU, ``max(z, 0)`` (``keras.activations.relu``)."""
    return np.maximum(z, 0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """Derivative of ReLU: 1 where ``z > 0``, else 0 (0 at ``z = 0``, as in TensorFlow)."""
    return (z > 0).astype(np.result_type(z, np.float32))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-z))`` (``keras.activations.sigmoid``).

    Computed as ``exp(-log(1 + exp(-z)))`` with :func:`numpy.logaddexp`, which neither
    overflows nor loses relative accuracy for large ``|z|``.
    """
    return np.exp(-np.logaddexp(0, -z))


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid, ``s(z) (1 - s(z)) = s(z) s(-z)``; at most 1/4 (at 0)."""
    return sigmoid(z) * sigmoid(-z)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent (``keras.activations.tanh``)."""
    return np.tanh(z)


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    """Derivative of tanh, ``1 - tanh(z)**2``; at most 1 (at 0)."""
    return 1 - np.tanh(z) ** 2


class Activation(NamedTuple):
    """An activation function and its derivative, both functions of the pre-activation ``z``."""

    fn: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]


#: Activations by their Keras names.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(relu, relu_derivative),
    "sigmoid": Activation(sigmoid, sigmoid_derivative),
    "tanh": Activation(tanh, tanh_derivative),
}


def get_activation(name: str) -> Activation:
    """Look up an activation by its Keras name (any case): ``"relu"``, ``"sigmoid"`` or ``"tanh"``."""
    return ACTIVATIONS[lookup(ACTIVATIONS, name, "activation", argument="activation")]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-softmax over the last axis, ``s - logsumexp(s)``, stable for any logits.

    The row maximum is subtracted first, so ``exp`` never overflows and at least one
    term of the sum is 1 (``keras.ops.log_softmax``).
    """
    logits = np.asarray(logits)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, ``exp(s_k) / sum_j exp(s_j)`` (``keras.activations.softmax``)."""
    return np.exp(log_softmax(logits))


def one_hot(y: np.ndarray, num_classes: int, *, dtype=np.float64) -> np.ndarray:
    """One-hot rows for integer labels: ``one_hot([2, 0], 3) = [[0, 0, 1], [1, 0, 0]]``."""
    num_classes = check_int("num_classes", num_classes, minimum=1)
    y = _as_labels(y, num_classes=num_classes)
    return (y[:, None] == np.arange(num_classes)).astype(_check_dtype(dtype))


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> float:
    """Mean softmax cross-entropy of logits and integer labels.

    .. math:: L = -\\frac{1}{n} \\sum_{i=1}^{n} \\log \\operatorname{softmax}(s_i)_{y_i}

    The same as ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)``.
    """
    logits = np.asarray(logits)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (n, num_classes), got shape {logits.shape}")
    y = _as_labels(y, n=logits.shape[0], num_classes=logits.shape[1])
    return float(-log_softmax(logits)[np.arange(len(y)), y].mean())


# --------------------------------------------------------------------------------------
# The two-layer network
# --------------------------------------------------------------------------------------
class MLPParams(NamedTuple):
    """Parameters of the two-layer network, in Keras ``Dense`` layout.

    The gradients returned by :func:`backward` are an ``MLPParams`` too, so parameters
    and gradients zip together: ``MLPParams(*(p - lr * g for p, g in zip(params, grads)))``.

    Attributes
    ----------
    W1 : ndarray, shape (n_in, n_hidden)
        Hidden layer kernel.
    b1 : ndarray, shape (n_hidden,)
        Hidden layer bias.
    W2 : ndarray, shape (n_hidden, n_out)
        Output layer kernel.
    b2 : ndarray, shape (n_out,)
        Output layer bias.
    """

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray


class ForwardCache(NamedTuple):
    """What :func:`forward` keeps for :func:`backward`.

    Attributes: the inputs ``X``, the hidden pre-activation ``Z1 = X W1 + b1``, the hidden
    activation ``H = phi(Z1)``, the ``logits = H W2 + b2`` and the activation's name.
    """

    X: np.ndarray
    Z1: np.ndarray
    H: np.ndarray
    logits: np.ndarray
    activation: str


class LossAndGrads(NamedTuple):
    """The mean loss and its gradient with respect to every parameter (same structure)."""

    loss: float
    grads: MLPParams


def init_two_layer(
    n_in: int,
    n_hidden: int,
    n_out: int,
    *,
    init: str = "glorot",
    scale: float = 1.0,
    seed: int = 0,
    dtype=np.float64,
) -> MLPParams:
    """Random kernels and zero biases for the two-layer network.

    The same as ``init_mlp([n_in, n_hidden, n_out], ...)`` (same seed, same numbers),
    packed into named arrays. The default mirrors ``keras.layers.Dense``
    (``kernel_initializer="glorot_uniform"``, ``bias_initializer="zeros"``); see
    :func:`init_mlp` for ``init`` and ``scale``.
    """
    (W1, b1), (W2, b2) = init_mlp([n_in, n_hidden, n_out], init=init, scale=scale, seed=seed, dtype=dtype)
    return MLPParams(W1, b1, W2, b2)


def forward(params: MLPParams, X: np.ndarray, *, activation: str = "relu") -> tuple[np.ndarray, ForwardCache]:
    """Forward pass: logits of shape ``(n, n_out)`` and the cache :func:`backward` needs."""
    X = _two_layer_inputs(X, params)      # a 2-D array with n_in columns, or an error
    phi = get_activation(activation).fn
    Z1 = X @ params.W1 + params.b1        # hidden pre-activation, (n, n_hidden)
    H = phi(Z1)                           # hidden activation,     (n, n_hidden)
    logits = H @ params.W2 + params.b2    # output scores,         (n, n_out)
    return logits, ForwardCache(X, Z1, H, logits, activation)


def backward(params: MLPParams, cache: ForwardCache, y: np.ndarray) -> MLPParams:
    """Backward pass: gradients of the mean softmax cross-entropy, one per parameter."""
    X, Z1, H, logits, activation = cache
    n, num_classes = logits.shape
    y = _as_labels(y, n=n, num_classes=num_classes)
    phi_prime = get_activation(activation).derivative
    P = softmax(logits)                                         # predicted probabilities
    Y = one_hot(y, num_classes, dtype=P.dtype)                  # targets
    dlogits = (P - Y) / n                                       # dL/dlogits (mean over the batch)
    dW2 = H.T @ dlogits                                         # dL/dW2 = H^T dL/dlogits
    db2 = dlogits.sum(axis=0)                                   # b2 is added to every row
    dH = dlogits @ params.W2.T                                  # dL/dH = dL/dlogits W2^T
    dZ1 = dH * phi_prime(Z1)                                    # through the activation
    dW1 = X.T @ dZ1                                             # dL/dW1 = X^T dL/dZ1
    db1 = dZ1.sum(axis=0)                                       # b1 is added to every row
    return MLPParams(dW1, db1, dW2, db2)


def loss_and_grads(
    params: MLPParams, X: np.ndarray, y: np.ndarray, *, activation: str = "relu"
) -> LossAndGrads:
    """Mean softmax cross-entropy of the two-layer network and its gradients.

    Returns a :class:`LossAndGrads` ``(loss, grads)``; ``grads`` is an :class:`MLPParams`.
    This is the function a gradient check compares with finite differences, and what
    ``tf.GradientTape`` computes for the same Keras model.
    """
    logits, cache = forward(params, X, activation=activation)
    return LossAndGrads(softmax_cross_entropy(logits, y), backward(params, cache, y))


def predict(params: MLPParams, X: np.ndarray, *, activation: str = "relu") -> np.ndarray:
    """Predicted class labels, ``argmax`` of the logits (probabilities: ``softmax(logits)``)."""
    logits, _ = forward(params, X, activation=activation)
    return logits.argmax(axis=1)


def accuracy(params: MLPParams, X: np.ndarray, y: np.ndarray, *, activation: str = "relu") -> float:
    """Fraction of examples whose predicted label equals ``y``."""
    X = _two_layer_inputs(X, params)
    y = _as_labels(y, n=X.shape[0], num_classes=params.W2.shape[1])
    return float(np.mean(predict(params, X, activation=activation) == y))


class TrainHistory(NamedTuple):
    """Per-epoch training curves, like ``keras.callbacks.History.history``.

    Attributes
    ----------
    loss, accuracy : ndarray, shape (epochs,)
        As Keras reports them: the mean over the epoch's batches (weighted by batch size)
        of the batch loss and accuracy, each measured *before* that batch's update. With
        full-batch training ``loss[k]`` is the loss at the start of epoch ``k``.
    """

    loss: np.ndarray
    accuracy: np.ndarray


class TrainResult(NamedTuple):
    """The trained parameters and the training history."""

    params: MLPParams
    history: TrainHistory


def train(
    params: MLPParams,
    X: np.ndarray,
    y: np.ndarray,
    *,
    learning_rate: float = 0.01,
    epochs: int = 1,
    batch_size: int | None = None,
    shuffle: bool = True,
    activation: str = "relu",
    seed: int = 0,
) -> TrainResult:
    """Train the two-layer network with plain (mini-batch) gradient descent.

    Each step updates every parameter with :math:`\\theta \\leftarrow \\theta - \\eta\\,
    \\nabla_\\theta L_B(\\theta)`, :math:`L_B` the mean loss on the batch: the rule of
    ``keras.optimizers.SGD(learning_rate)`` without momentum. ``params`` is not modified.

    Parameters
    ----------
    params : MLPParams
        Starting parameters.
    X : ndarray, shape (n, n_in)
    y : ndarray of int, shape (n,)
        Class labels in ``[0, n_out)``.
    learning_rate : float
        Step size :math:`\\eta > 0` (Keras ``SGD`` default 0.01).
    epochs : int
        Passes over the data.
    batch_size : int or None
        Examples per step. ``None`` means the whole data set (full-batch gradient
        descent, one step per epoch) -- unlike ``Model.fit``, where ``None`` means 32.
        The last batch of an epoch is smaller when ``batch_size`` does not divide ``n``,
        as in Keras.
    shuffle : bool
        Reshuffle the examples before each epoch (as ``Model.fit`` does by default).
    activation : str
        Hidden activation: ``"relu"``, ``"sigmoid"`` or ``"tanh"``.
    seed : int
        Seed of the shuffling.

    Returns
    -------
    TrainResult
        ``(params, history)``; see :class:`TrainHistory` for what the history holds.
    """
    X = _two_layer_inputs(X, params)
    y = _as_labels(y, n=X.shape[0], num_classes=params.W2.shape[1])
    learning_rate = check_real("learning_rate", learning_rate, positive=True)
    epochs = check_int("epochs", epochs, minimum=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    shuffle = check_flag("shuffle", shuffle)
    get_activation(activation)

    n = X.shape[0]
    batch_size = n if batch_size is None else min(batch_size, n)
    rng = np.random.default_rng(seed)
    losses, accuracies = np.empty(epochs), np.empty(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        loss_sum = correct = 0.0
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            logits, cache = forward(params, X[batch], activation=activation)
            grads = backward(params, cache, y[batch])
            loss_sum += softmax_cross_entropy(logits, y[batch]) * len(batch)
            correct += np.sum(logits.argmax(axis=1) == y[batch])
            params = MLPParams(*(p - learning_rate * g for p, g in zip(params, grads)))
        losses[epoch], accuracies[epoch] = loss_sum / n, correct / n
    return TrainResult(params, TrainHistory(losses, accuracies))


# --------------------------------------------------------------------------------------
# Deep stacks
# --------------------------------------------------------------------------------------
class Layer(NamedTuple):
    """One ``Dense`` layer: kernel ``W`` of shape ``(n_in, n_out)`` and bias ``b`` of shape ``(n_out,)``."""

    W: np.ndarray
    b: np.ndarray


class DeepCache(NamedTuple):
    """What :func:`mlp_forward` keeps for :func:`mlp_backward`.

    Attributes
    ----------
    inputs : list of ndarray
        The input of every layer: ``X``, then the activation of each hidden layer.
    pre_activations : list of ndarray
        ``z = input @ W + b`` of every layer; the last one is the logits.
    activation : str
        Name of the hidden activation.
    """

    inputs: list
    pre_activations: list
    activation: str


def _glorot(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> np.ndarray:
    limit = scale * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def _he(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> np.ndarray:
    return scale * math.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))


def _normal(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> np.ndarray:
    return scale * rng.standard_normal((fan_in, fan_out))


#: Kernel initialisers by name; each draws a ``(fan_in, fan_out)`` kernel times ``scale``.
INITIALIZERS: dict[str, Callable[[np.random.Generator, int, int, float], np.ndarray]] = {
    "glorot": _glorot,
    "he": _he,
    "normal": _normal,
}


def init_mlp(
    sizes: Sequence[int],
    *,
    init: str = "glorot",
    scale: float = 1.0,
    seed: int = 0,
    dtype=np.float64,
) -> list[Layer]:
    """Random kernels and zero biases for a stack of ``Dense`` layers.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[n_in, n_hidden_1, ..., n_out]``: ``len(sizes) - 1`` layers.
    init : {"glorot", "he", "normal"}
        Kernel distribution, for a layer with ``fan_in`` inputs and ``fan_out`` outputs:

        * ``"glorot"``: uniform on :math:`[-a, a]`, :math:`a = \\text{scale}\\,
          \\sqrt{6 / (\\text{fan\\_in} + \\text{fan\\_out})}`, so the variance is
          :math:`2 / (\\text{fan\\_in} + \\text{fan\\_out})` at ``scale=1`` (Glorot and
          Bengio 2010; ``keras.initializers.GlorotUniform``, the ``Dense`` default);
        * ``"he"``: normal with standard deviation :math:`\\text{scale}\\,
          \\sqrt{2 / \\text{fan\\_in}}` (He et al. 2015), which keeps the variance of ReLU
          activations and gradients constant through the layers. Keras's ``HeNormal``
          draws the same variance from a truncated normal;
        * ``"normal"``: normal with standard deviation ``scale`` whatever the layer size
          (``keras.initializers.RandomNormal(stddev=scale)``); ``scale=0.01`` is the
          classic ``0.01 * randn``.
    scale : float
        Multiplies every kernel; values other than 1 show what a badly scaled
        initialisation does.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    dtype : floating dtype
        Dtype of the arrays.

    Returns
    -------
    list of Layer
        ``[Layer(W, b), ...]``, biases zero (the Keras default).
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of layer widths, got sizes={sizes!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got sizes={list(sizes)!r}")
    for i, s in enumerate(sizes):
        check_int(f"sizes[{i}]", s, minimum=1)
    init = lookup(INITIALIZERS, init, "initializer", argument="init")
    scale = check_real("scale", scale, positive=True)
    dtype = _check_dtype(dtype)
    rng = np.random.default_rng(seed)
    draw = INITIALIZERS[init]
    return [
        Layer(draw(rng, int(fan_in), int(fan_out), scale).astype(dtype), np.zeros(int(fan_out), dtype=dtype))
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:])
    ]


def mlp_forward(
    layers: Sequence[Layer], X: np.ndarray, *, activation: str = "relu"
) -> tuple[np.ndarray, DeepCache]:
    """Forward pass through a stack: the activation after every layer but the last."""
    X = _stack_inputs(X, layers)
    phi = get_activation(activation).fn
    h, inputs, pre_activations = X, [], []
    for i, (W, b) in enumerate(layers):
        inputs.append(h)
        z = h @ W + b
        pre_activations.append(z)
        h = phi(z) if i < len(layers) - 1 else z      # the last layer gives the logits
    return h, DeepCache(inputs, pre_activations, activation)


def mlp_backward(layers: Sequence[Layer], cache: DeepCache, y: np.ndarray) -> list[Layer]:
    """Backward pass through a stack: one :class:`Layer` of gradients per layer."""
    logits = cache.pre_activations[-1]
    n, num_classes = logits.shape
    y = _as_labels(y, n=n, num_classes=num_classes)
    phi_prime = get_activation(cache.activation).derivative
    P = softmax(logits)
    delta = (P - one_hot(y, num_classes, dtype=P.dtype)) / n         # dL/dz of the last layer
    grads = [None] * len(layers)
    for i in reversed(range(len(layers))):
        grads[i] = Layer(cache.inputs[i].T @ delta, delta.sum(axis=0))
        if i > 0:                                                    # dL/dz of layer i - 1
            delta = (delta @ layers[i].W.T) * phi_prime(cache.pre_activations[i - 1])
    return grads


def mlp_loss_and_grads(
    layers: Sequence[Layer], X: np.ndarray, y: np.ndarray, *, activation: str = "relu"
) -> tuple[float, list[Layer]]:
    """Mean softmax cross-entropy of a stack and its gradients ``(loss, [Layer, ...])``."""
    logits, cache = mlp_forward(layers, X, activation=activation)
    return softmax_cross_entropy(logits, y), mlp_backward(layers, cache, y)


def deep_stack_grad_norms(
    depth: int,
    width: int,
    *,
    activation: str = "relu",
    init: str = "glorot",
    init_scale: float = 1.0,
    num_classes: int = 10,
    n: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """Per-layer gradient norms of a deep stack at initialisation, on random data.

    Builds ``depth`` Dense layers ``width -> width -> ... -> width -> num_classes``
    (``activation`` after all but the last) with :func:`init_mlp`, draws ``n`` standard
    normal inputs of dimension ``width`` and uniform random labels, and returns the
    Frobenius norm of :math:`\\partial L / \\partial W_l` for every layer.

    Why the norms vanish or explode: writing :math:`\\delta_l = \\partial L/\\partial z_l`,
    the backward pass computes
    :math:`\\delta_{l-1} = (\\delta_l W_l^\\top) \\odot \\phi'(z_{l-1})` and
    :math:`\\partial L/\\partial W_l = h_{l-1}^\\top \\delta_l`. Every layer multiplies the
    signal by a factor of about :math:`\\|W_l\\| \\cdot |\\phi'|`. The sigmoid has
    :math:`\\phi' \\le 1/4`, so with Glorot kernels (spectral norm about 2 for square
    layers) the factor is at most about 1/2 and the gradient shrinks geometrically
    towards the input. ReLU with He initialisation keeps the factor near 1 on average
    (He et al. 2015). ReLU is positively homogeneous, so with zero biases multiplying
    every kernel by ``init_scale`` :math:`= s` leaves the ReLU masks unchanged and
    multiplies *every* layer's weight gradient by :math:`s^{\\text{depth}-1}` (for a
    fixed :math:`\\partial L/\\partial \\text{logits}`): all layers explode (:math:`s > 1`)
    or vanish (:math:`s < 1`) together, rather than layer by layer as with the sigmoid.

    Parameters
    ----------
    depth : int
        Number of Dense layers (weight matrices), at least 1.
    width : int
        Input dimension and width of every hidden layer.
    activation : {"relu", "sigmoid", "tanh"}
        Hidden activation.
    init : {"glorot", "he", "normal"}
        Kernel initialiser, see :func:`init_mlp`.
    init_scale : float
        Multiplier of every kernel (``scale`` of :func:`init_mlp`).
    num_classes : int
        Width of the output layer.
    n : int
        Number of random examples.
    seed : int
        Seed of both the weights and the data.

    Returns
    -------
    ndarray, shape (depth,)
        ``norms[0]`` belongs to the first (input) layer, ``norms[-1]`` to the output layer.
    """
    depth = check_int("depth", depth, minimum=1)
    width = check_int("width", width, minimum=1)
    num_classes = check_int("num_classes", num_classes, minimum=2)
    n = check_int("n", n, minimum=1)
    get_activation(activation)
    layers = init_mlp([width] * depth + [num_classes], init=init, scale=init_scale, seed=seed)
    data_rng = np.random.default_rng([seed, 1])
    X = data_rng.standard_normal((n, width))
    y = data_rng.integers(num_classes, size=n)
    _, grads = mlp_loss_and_grads(layers, X, y, activation=activation)
    return np.array([np.linalg.norm(g.W) for g in grads])


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------
def _check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a NumPy floating dtype, got dtype={dtype!r}") from None
    if dt.kind != "f":
        raise TypeError(f"dtype must be a floating dtype such as float32 or float64, got dtype={dt}")
    return dt


def _two_layer_inputs(X, params) -> np.ndarray:
    if not isinstance(params, MLPParams):
        raise TypeError(
            f"params must be an MLPParams (see init_two_layer), got {type(params).__name__}"
        )
    return _check_inputs(X, params.W1)


def _stack_inputs(X, layers) -> np.ndarray:
    if (
        not isinstance(layers, Sequence)
        or len(layers) == 0
        or not all(isinstance(layer, Layer) for layer in layers)
    ):
        raise TypeError(
            f"layers must be a non-empty list of Layer (see init_mlp), got {type(layers).__name__}"
        )
    return _check_inputs(X, layers[0].W)


def _check_inputs(X, W: np.ndarray) -> np.ndarray:
    """``X`` as a 2-D floating array whose width matches the first kernel ``W``."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n, n_in) = (n, {W.shape[0]}), got shape {X.shape}")
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X must have {W.shape[0]} columns to match the first kernel of shape {W.shape}, "
            f"got X of shape {X.shape}"
        )
    if X.dtype.kind != "f":
        if X.dtype.kind not in "iub":
            raise TypeError(f"X must hold real numbers, got dtype {X.dtype}")
        X = X.astype(W.dtype)
    return X


def _as_labels(y, *, n: int | None = None, num_classes: int) -> np.ndarray:
    """``y`` as a 1-D integer array of ``n`` labels in ``[0, num_classes)``."""
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of class labels, got shape {y.shape}")
    if n is not None and y.shape[0] != n:
        raise ValueError(f"y must have one label per example ({n}), got {y.shape[0]} labels")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"y must hold labels in [0, {num_classes}), got values from {y.min()} to {y.max()}"
        )
    return y
