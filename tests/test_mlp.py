"""Tests of lrutils.mlp (hand-written backpropagation); the gradient checker has test_gradcheck.py.

Independent references: central finite differences, ``tf.GradientTape`` on a Keras model
holding the same weights, ``keras.optimizers.SGD`` via ``Model.fit``, closed-form
identities (Euler's theorem for ReLU networks, the sigmoid's derivative bound, the best
linear classifier on two circles).
"""

from __future__ import annotations

import contextlib
import math
from functools import partial

import numpy as np
import pytest
from _messages import names_argument

from lrutils import mlp
from lrutils.gradcheck import (
    GradCheckResult,
    gradient_check,
    numerical_gradient,
    relative_error,
)

ACTIVATIONS = ["relu", "sigmoid", "tanh"]
# (n_in, n_hidden, n_out, n): a few shapes, including a batch smaller than the layers
SHAPES = [(4, 5, 3, 8), (10, 16, 4, 32), (7, 3, 2, 5)]


def _data(n_in: int, n_out: int, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    y = rng.integers(n_out, size=n)
    return X, y


def _two_layer_problem(n_in, n_hidden, n_out, n, *, dtype=np.float64, seed=0):
    params = mlp.init_two_layer(n_in, n_hidden, n_out, seed=seed, dtype=dtype)
    # non-zero biases, so that bias gradients flow through every line of the backward pass
    rng = np.random.default_rng(seed + 100)
    params = params._replace(
        b1=(0.1 * rng.normal(size=n_hidden)).astype(dtype),
        b2=(0.1 * rng.normal(size=n_out)).astype(dtype),
    )
    X, y = _data(n_in, n_out, n, seed=seed + 1)
    return params, X.astype(dtype), y


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivatives_match_finite_differences(name):
    act = mlp.get_activation(name)
    z = np.linspace(-4, 4, 101) + 0.005  # avoids the ReLU kink at 0
    h = 1e-6
    numeric = (act.fn(z + h) - act.fn(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=1e-7, atol=1e-9)


def test_sigmoid_is_stable_and_its_derivative_at_most_a_quarter():
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = mlp.sigmoid(z)
        d = mlp.sigmoid_derivative(z)
    np.testing.assert_allclose(s, [0.0, math.exp(-40) / (1 + math.exp(-40)), 0.5, 1 / (1 + math.exp(-40)), 1.0],
                               rtol=1e-15)
    assert d.max() == 0.25
    assert np.all(mlp.sigmoid_derivative(np.linspace(-10, 10, 1001)) <= 0.25)


def test_softmax_cross_entropy_by_hand_and_stable():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    y = np.array([2, 0])
    # by hand: -log(e^3 / (e + e^2 + e^3)) and log(3)
    expected = (-(3 - math.log(math.e + math.e**2 + math.e**3)) + math.log(3)) / 2
    assert mlp.softmax_cross_entropy(logits, y) == pytest.approx(expected, rel=1e-14)
    big = logits + 1e4  # softmax is shift invariant; a naive exp would overflow
    assert mlp.softmax_cross_entropy(big, y) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(mlp.softmax(big).sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(mlp.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])


def test_kernel_layout_matches_keras_dense():
    params = mlp.init_two_layer(6, 4, 3)
    assert [p.shape for p in params] == [(6, 4), (4,), (4, 3), (3,)]
    assert not np.any(params.b1) and not np.any(params.b2)


@pytest.mark.parametrize(
    "init, expected_std",
    [
        ("glorot", math.sqrt(2 / (200 + 300))),  # uniform on +-sqrt(6/(in+out)): var 2/(in+out)
        ("he", math.sqrt(2 / 200)),
        ("normal", 1.0),
    ],
)
def test_initializer_standard_deviations(init, expected_std):
    (W, _), = mlp.init_mlp([200, 300], init=init, scale=1.0, seed=3)
    # 60,000 draws: the sample std is within 1% of the true one with overwhelming probability
    assert W.std() == pytest.approx(expected_std, rel=0.01)
    (W2, _), = mlp.init_mlp([200, 300], init=init, scale=0.5, seed=3)
    np.testing.assert_allclose(W2, 0.5 * W, rtol=1e-15)


def test_two_layer_and_deep_stack_agree():
    """Two separately written backward passes, same weights (same seed), depth 2."""
    X, y = _data(5, 3, 12)
    for act in ACTIVATIONS:
        params = mlp.init_two_layer(5, 7, 3, seed=4)
        layers = mlp.init_mlp([5, 7, 3], seed=4)
        loss2, grads2 = mlp.loss_and_grads(params, X, y, activation=act)
        lossd, gradsd = mlp.mlp_loss_and_grads(layers, X, y, activation=act)
        assert loss2 == pytest.approx(lossd, rel=1e-15)
        flat = [gradsd[0].W, gradsd[0].b, gradsd[1].W, gradsd[1].b]
        for a, b in zip(grads2, flat):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-16)


# --------------------------------------------------------------------------------------
# Backward pass against central differences
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_central_differences(activation, shape):
    params, X, y = _two_layer_problem(*shape)
    result = gradient_check(partial(mlp.loss_and_grads, X=X, y=y, activation=activation), params)
    assert isinstance(result, GradCheckResult)
    assert set(result.per_param) == {"W1", "b1", "W2", "b2"}
    # float64, h=1e-5: finite-difference error ~1e-11 absolute on gradients of size ~1e-2
    assert result.max_rel_error < 1e-7, result.per_param


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_deep_backward_matches_central_differences(activation):
    layers = mlp.init_mlp([4, 6, 5, 6, 3], seed=2)
    rng = np.random.default_rng(5)
    layers = [mlp.Layer(W, 0.1 * rng.normal(size=b.shape)) for W, b in layers]
    X, y = _data(4, 3, 10, seed=6)
    result = gradient_check(partial(mlp.mlp_loss_and_grads, X=X, y=y, activation=activation), layers)
    assert set(result.per_param) == {f"{i}.{p}" for i in range(4) for p in "Wb"}
    assert result.max_rel_error < 1e-7, result.per_param


# --------------------------------------------------------------------------------------
# Against TensorFlow
# --------------------------------------------------------------------------------------
@contextlib.contextmanager
def _keras_floatx(dtype):
    """Run Keras in ``dtype``: layers, losses and metric trackers all follow ``floatx``."""
    keras = pytest.importorskip("keras")
    old = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        yield keras
    finally:
        keras.config.set_floatx(old)


def _keras_model(sizes, activation, dtype):
    keras = pytest.importorskip("keras")
    layers = [keras.Input(shape=(sizes[0],), dtype=dtype)]
    for i, width in enumerate(sizes[1:]):
        last = i == len(sizes) - 2
        layers.append(keras.layers.Dense(width, activation=None if last else activation, dtype=dtype))
    return keras.Sequential(layers)


def _tape_loss_and_grads(model, X, y):
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(X, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    return float(loss), [np.asarray(g) for g in grads]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(
    "dtype, tol",
    # float32: a few ulps (1.2e-7) per operation; float64: round-off of ~1e-16 per operation
    [("float32", 1e-5), ("float64", 1e-10)],
)
def test_two_layer_matches_gradient_tape(activation, dtype, tol):
    params, X, y = _two_layer_problem(8, 16, 5, 40, dtype=np.dtype(dtype))
    with _keras_floatx(dtype):
        model = _keras_model([8, 16, 5], activation, dtype)
        model.layers[0].set_weights([params.W1, params.b1])
        model.layers[1].set_weights([params.W2, params.b2])
        tf_loss, tf_grads = _tape_loss_and_grads(model, X, y)
    loss, grads = mlp.loss_and_grads(params, X, y, activation=activation)
    assert all(g.dtype == np.dtype(dtype) for g in grads)
    assert loss == pytest.approx(tf_loss, rel=tol)
    for name, ours, theirs in zip(mlp.MLPParams._fields, grads, tf_grads):
        assert ours.shape == theirs.shape
        assert relative_error(ours, theirs) < tol, name


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_deep_stack_matches_gradient_tape(activation):
    sizes = [6, 12, 12, 12, 4]
    layers = mlp.init_mlp(sizes, seed=8)
    X, y = _data(6, 4, 30, seed=9)
    with _keras_floatx("float64"):
        model = _keras_model(sizes, activation, "float64")
        for dense, (W, b) in zip(model.layers, layers):
            dense.set_weights([W, b])
        tf_loss, tf_grads = _tape_loss_and_grads(model, X, y)
    loss, grads = mlp.mlp_loss_and_grads(layers, X, y, activation=activation)
    assert loss == pytest.approx(tf_loss, rel=1e-12)
    ours = [a for layer in grads for a in layer]
    for i, (a, b) in enumerate(zip(ours, tf_grads)):
        assert relative_error(a, b) < 1e-10, i


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [None, 64])
def test_train_matches_keras_sgd(batch_size):
    """Same weights, same batches (no shuffling): Keras SGD and our loop take the same steps."""
    keras = pytest.importorskip("keras")
    load_digits = pytest.importorskip("sklearn.datasets").load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16.0, y[:300]
    params = mlp.init_two_layer(64, 32, 10, seed=0)
    result = mlp.train(params, X, y, learning_rate=0.1, epochs=4, batch_size=batch_size, shuffle=False)

    with _keras_floatx("float64"):
        model = _keras_model([64, 32, 10], "relu", "float64")
        model.layers[0].set_weights([params.W1, params.b1])
        model.layers[1].set_weights([params.W2, params.b2])
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.1),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        history = model.fit(X, y, batch_size=batch_size or len(X), epochs=4, shuffle=False, verbose=0)
        kernels = [w for layer in model.layers for w in layer.get_weights()]

    np.testing.assert_allclose(result.history.loss, history.history["loss"], rtol=1e-10)
    np.testing.assert_allclose(result.history.accuracy, history.history["accuracy"], atol=1e-12)
    for ours, theirs in zip(result.params, kernels):
        assert relative_error(ours, theirs) < 1e-10
    assert result.history.loss[-1] < result.history.loss[0]
    np.testing.assert_array_equal(params.W1, mlp.init_two_layer(64, 32, 10, seed=0).W1)  # input untouched


def _best_linear_accuracy(X, y, n_angles=720):
    """Brute force over half-planes {x: w.x > c} (both labelings): the best linear classifier."""
    best = 0.0
    for theta in np.linspace(0, np.pi, n_angles, endpoint=False):
        proj = X @ np.array([np.cos(theta), np.sin(theta)])
        order = np.argsort(proj)
        yo = y[order]
        # predict 1 above the threshold: correct = (# of 0 below) + (# of 1 above)
        zeros_below = np.concatenate([[0], np.cumsum(yo == 0)])
        ones_above = np.concatenate([np.cumsum((yo == 1)[::-1])[::-1], [0]])
        acc = (zeros_below + ones_above) / len(y)
        best = max(best, acc.max(), (1 - acc).max())
    return best


@pytest.mark.parametrize("batch_size, shuffle", [(None, False), (32, True)])
def test_training_beats_every_linear_classifier_on_circles(batch_size, shuffle):
    make_circles = pytest.importorskip("sklearn.datasets").make_circles

    # Two concentric circles of radii 1 and r: the best half-plane scores 1/2 + arccos(r)/(2 pi),
    # 2/3 for r = 1/2 (it cuts off the outer arc beyond the inner circle's tangent).
    X, y = make_circles(n_samples=200, noise=0.05, factor=0.5, random_state=0)
    linear = _best_linear_accuracy(X, y)
    assert linear == pytest.approx(0.5 + math.acos(0.5) / (2 * math.pi), abs=0.05)

    params = mlp.init_two_layer(2, 16, 2, seed=0)
    epochs = 300 if batch_size is None else 50
    trained, history = mlp.train(params, X, y, learning_rate=0.5, epochs=epochs, batch_size=batch_size,
                                 shuffle=shuffle, seed=1)
    assert history.loss.shape == history.accuracy.shape == (epochs,)
    assert mlp.accuracy(trained, X, y) > max(0.95, linear + 0.2)
    assert history.loss[-1] < 0.1 * history.loss[0]
    # the same seed gives the same run
    again = mlp.train(params, X, y, learning_rate=0.5, epochs=epochs, batch_size=batch_size,
                      shuffle=shuffle, seed=1)
    np.testing.assert_array_equal(again.history.loss, history.loss)


# --------------------------------------------------------------------------------------
# Vanishing and exploding gradients
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigmoid_gradients_vanish_relu_he_does_not(seed):
    depth, width = 10, 64
    sig = mlp.deep_stack_grad_norms(depth, width, activation="sigmoid", init="glorot", seed=seed)
    relu = mlp.deep_stack_grad_norms(depth, width, activation="relu", init="he", seed=seed)
    assert sig.shape == relu.shape == (depth,)
    # Each sigmoid layer multiplies the backward signal by at most |W|_2 * max sigma' ~ 2 * 1/4
    # (a square Glorot kernel has spectral norm ~2), so after 9 layers <= 2**-9 ~ 2e-3;
    # in expectation the factor is ~1/4 (4**-9 ~ 4e-6). Require at least two orders of magnitude.
    assert sig[0] / sig[-1] < 1e-2
    assert np.all(np.diff(np.log(sig)) > 0)  # shrinks layer after layer towards the input
    # ReLU + He keeps the variance of the backward signal constant (He et al. 2015): all layers
    # within one order of magnitude (finite-width fluctuations aside).
    assert relu.max() / relu.min() < 10


def test_sigmoid_first_layer_gradient_obeys_the_derivative_bound():
    """||dL/dW_1|| <= ||X||_2 * prod_l (||W_l||_2 / 4) * ||dL/dlogits||_F (sigma' <= 1/4)."""
    sizes = [32] * 8 + [10]
    layers = mlp.init_mlp(sizes, seed=11)
    X, y = _data(32, 10, 128, seed=12)
    logits, cache = mlp.mlp_forward(layers, X, activation="sigmoid")
    grads = mlp.mlp_backward(layers, cache, y)
    delta_out = (mlp.softmax(logits) - np.eye(10)[y]) / len(y)
    bound = np.linalg.norm(X, 2) * np.linalg.norm(delta_out)
    for W, _ in layers[1:]:
        bound *= np.linalg.norm(W, 2) / 4
    assert np.linalg.norm(grads[0].W) <= bound
    # A square Glorot kernel (entry variance 1/width) has spectral norm ~2 (Bai-Yin law), so each
    # sigmoid layer at least halves the bound: the per-layer factor used in deep_stack_grad_norms.
    factors = [np.linalg.norm(W, 2) / 4 for W, _ in layers[1:-1]]
    assert max(factors) < 0.55


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_relu_gradients_obey_euler_identity(scale):
    """With zero biases a ReLU net is 1-homogeneous in each kernel, so <W_l, dL/dW_l> is the
    same for every layer and equals <logits, dL/dlogits> (Euler's theorem)."""
    layers = mlp.init_mlp([16, 20, 20, 20, 5], init="he", scale=scale, seed=13)
    X, y = _data(16, 5, 50, seed=14)
    logits, cache = mlp.mlp_forward(layers, X, activation="relu")
    grads = mlp.mlp_backward(layers, cache, y)
    dlogits = (mlp.softmax(logits) - np.eye(5)[y]) / len(y)
    expected = np.sum(logits * dlogits)
    for (W, _), g in zip(layers, grads):
        assert np.sum(W * g.W) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_relu_gradients_scale_with_init_scale_to_the_depth(scale):
    # With zero biases, scaling every ReLU kernel by s keeps the ReLU masks, so every weight
    # gradient is s**(depth - 1) times the same linear function of dL/dlogits; dL/dlogits itself
    # changes only through the softmax (rows of norm <= sqrt(2) / n either way). Allow a factor 10
    # for that change: s = 2 over 10 layers explodes by ~500x, s = 1/2 vanishes by ~1/500.
    depth = 10
    base = mlp.deep_stack_grad_norms(depth, 64, activation="relu", init="he", init_scale=1.0)
    scaled = mlp.deep_stack_grad_norms(depth, 64, activation="relu", init="he", init_scale=scale)
    ratio = scaled / base / scale ** (depth - 1)
    assert np.all((ratio > 0.1) & (ratio < 10)), ratio


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: mlp.init_two_layer(4, 0, 3), ValueError, "sizes\\[1\\]"),
        (lambda: mlp.init_two_layer(4, 2.5, 3), TypeError, "sizes\\[1\\]"),
        (lambda: mlp.init_mlp([4]), ValueError, "sizes"),
        (lambda: mlp.init_mlp([4, 3], init="xavier"), ValueError,
         r"^unknown initializer init='xavier'; valid names: 'glorot', 'he', 'normal'$"),
        (lambda: mlp.init_mlp([4, 3], init=None), TypeError, "init"),
        (lambda: mlp.init_mlp([4, 3], scale=0.0), ValueError, "scale"),
        (lambda: mlp.init_mlp([4, 3], dtype=np.int32), TypeError, "dtype"),
        (lambda: mlp.get_activation("softplus"), ValueError,
         r"^unknown activation='softplus'; valid names: 'relu', 'sigmoid', 'tanh'$"),
        (lambda: mlp.get_activation(None), TypeError, "activation"),
        (lambda: mlp.forward(mlp.init_two_layer(4, 3, 2), np.ones((5, 3))), ValueError, "X"),
        (lambda: mlp.forward(mlp.init_two_layer(4, 3, 2), np.ones(4)), ValueError, "X"),
        (lambda: mlp.forward([np.ones((4, 3))], np.ones((5, 4))), TypeError, "params"),
        (lambda: mlp.loss_and_grads(mlp.init_two_layer(4, 3, 2), np.ones((5, 4)), np.arange(5)),
         ValueError, "y"),
        (lambda: mlp.loss_and_grads(mlp.init_two_layer(4, 3, 2), np.ones((5, 4)), np.zeros(5)),
         TypeError, "y"),
        (lambda: mlp.loss_and_grads(mlp.init_two_layer(4, 3, 2), np.ones((5, 4)), np.zeros(4, int)),
         ValueError, "y"),
        (lambda: mlp.train(mlp.init_two_layer(4, 3, 2), np.ones((5, 4)), np.zeros(5, int),
                           learning_rate=-0.1), ValueError, "learning_rate"),
        (lambda: mlp.train(mlp.init_two_layer(4, 3, 2), np.ones((5, 4)), np.zeros(5, int),
                           batch_size=0), ValueError, "batch_size"),
        (lambda: mlp.train(mlp.init_two_layer(4, 3, 2), np.ones((5, 4)), np.zeros(5, int),
                           epochs=0), ValueError, "epochs"),
        (lambda: mlp.train(mlp.init_two_layer(4, 3, 2), np.ones((5, 4)), np.zeros(5, int),
                           shuffle=1), TypeError, "shuffle"),
        (lambda: mlp.train(mlp.init_two_layer(4, 3, 2), np.ones((5, 4)), np.zeros(5, int),
                           activation="gelu"), ValueError, "activation"),
        (lambda: mlp.deep_stack_grad_norms(0, 8), ValueError, "depth"),
        (lambda: mlp.mlp_forward([], np.ones((2, 2))), TypeError, "layers"),
        (lambda: numerical_gradient(np.sum, np.ones(3), h=0.0), ValueError, "h"),
        (lambda: numerical_gradient(np.sum, np.arange(3)), TypeError, "params"),
        (lambda: numerical_gradient(lambda p: p, np.ones(3)), TypeError, "f"),
        (lambda: gradient_check(np.sum, np.ones(3), np.ones(4)), ValueError, "grads"),
        (lambda: gradient_check(np.sum, {"a": np.ones(3)}, {"b": np.ones(3)}), ValueError, "grads"),
        (lambda: gradient_check(np.sum, np.ones(3)), TypeError, "grads"),
        (lambda: gradient_check(np.sum, np.ones(3), np.ones(3), h=-1e-6), ValueError, "h"),
        (lambda: gradient_check(np.sum, np.ones(3), np.ones(3), h="1e-6"), TypeError, "h"),
        (lambda: relative_error(np.ones(3), np.ones(3), tiny="1e-8"), TypeError, "tiny"),
        (lambda: relative_error(np.ones(3), np.ones(3), tiny=0.0), ValueError, "tiny"),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=names_argument(match)):
        call()
