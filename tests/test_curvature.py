"""Tests of lrutils.curvature: Hessian-vector products and sharpness of a Keras model's loss.

Independent references: the explicit Hessian of a tiny float64 network (``tape.jacobian`` of
its gradient) and a least-squares model whose Hessian is known in closed form.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from lrutils.curvature import DescentTrace, Sharpness, full_batch_descent, hessian_vector_product, sharpness

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3))
Y = RNG.integers(0, 2, size=32)


def tiny_model():
    """A float64 network and loss: the reference Hessian is then exact to rounding."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,), dtype="float64"),
                              keras.layers.Dense(4, activation="tanh", dtype="float64"),
                              keras.layers.Dense(2, dtype="float64")])
    model.compile(keras.optimizers.Adam(0.01),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64"),
                  metrics=["accuracy"])
    return model


def explicit_hessian(model, x, y):
    variables = model.trainable_variables
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = model.compute_loss(x=x, y=y, y_pred=model(x, training=False))
        grad = tf.concat([tf.reshape(g, [-1]) for g in inner.gradient(loss, variables)], 0)
    blocks = outer.jacobian(grad, variables)
    return np.concatenate([np.reshape(b, (grad.shape[0], -1)) for b in blocks], axis=1)


def flat(arrays):
    return np.concatenate([np.asarray(a).ravel() for a in arrays])


def test_hessian_vector_products_match_the_explicit_hessian():
    model = tiny_model()
    H = explicit_hessian(model, X, Y)
    assert H.shape == (26, 26) and np.allclose(H, H.T, atol=1e-12)
    vectors = [RNG.normal(size=tuple(v.shape)) for v in model.trainable_variables]
    product = hessian_vector_product(model, X, Y, vectors)
    assert [p.shape for p in product] == [tuple(v.shape) for v in model.trainable_variables]
    np.testing.assert_allclose(flat(product), H @ flat(vectors), rtol=1e-10, atol=1e-12)
    chunked = hessian_vector_product(model, X, Y, vectors, batch_size=10)  # 10 + 10 + 10 + 2
    np.testing.assert_allclose(flat(chunked), flat(product), rtol=1e-10, atol=1e-12)


def test_lanczos_and_power_iteration_find_the_top_eigenvalues():
    model = tiny_model()
    eigenvalues = np.sort(np.linalg.eigvalsh(explicit_hessian(model, X, Y)))[::-1]
    top = sharpness(model, X, Y, k=3, tol=1e-10, max_iterations=50)
    assert isinstance(top, Sharpness) and top.method == "lanczos" and top.converged
    np.testing.assert_allclose(top.eigenvalues, eigenvalues[:3], rtol=1e-8)
    assert top.value == top.eigenvalues[0] and top.iterations <= 26
    assert top.max_stable_rate == pytest.approx(2.0 / eigenvalues[0])
    power = sharpness(model, X, Y, method="power", tol=1e-10, max_iterations=500)
    assert power.converged and power.value == pytest.approx(eigenvalues[0], rel=1e-6)
    # the default tolerance is enough for a rate: the top eigenvalue to 1e-3 in a few products
    quick = sharpness(model, X, Y)
    assert quick.value == pytest.approx(eigenvalues[0], rel=1e-3) and quick.iterations <= 15


def least_squares_model(eigenvalues):
    """Linear regression with the mean squared error, whose Hessian is 2 XᵀX / n: a design
    with orthogonal columns makes its eigenvalues exactly ``eigenvalues``."""
    d, n = len(eigenvalues), 64
    Q, _ = np.linalg.qr(RNG.normal(size=(n, d)))
    x = Q * np.sqrt(n * np.asarray(eigenvalues) / 2.0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((d,), dtype="float64"),
                              keras.layers.Dense(1, use_bias=False, dtype="float64")])
    model.compile("sgd", keras.losses.MeanSquaredError(dtype="float64"))
    return model, x, RNG.normal(size=(n, 1))


def test_a_quadratic_loss_with_known_eigenvalues():
    eigenvalues = [5.0, 2.0, 1.0, 0.5, 0.25]
    model, x, y = least_squares_model(eigenvalues)
    found = sharpness(model, x, y, k=2, tol=1e-12)
    np.testing.assert_allclose(found.eigenvalues, [5.0, 2.0], rtol=1e-9)
    assert found.iterations <= 6  # five distinct eigenvalues: Lanczos is exact by then
    assert found.max_stable_rate == pytest.approx(0.4)
    power = sharpness(model, x, y, method="power", tol=1e-12, max_iterations=200)
    assert power.value == pytest.approx(5.0, rel=1e-9)


def test_nothing_is_changed():
    model = tiny_model()
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)  # an optimizer with state, metrics with values
    model.evaluate(X[:5], Y[:5], verbose=0)

    def state():
        variables = [*model.variables, *model.optimizer.variables, *model.metrics_variables]
        return [np.array(keras.ops.convert_to_numpy(v), copy=True) for v in variables]

    before = state()
    sharpness(model, X, Y, k=2)
    sharpness(model, X, Y, method="power", max_iterations=5)
    hessian_vector_product(model, X, Y, [np.ones(tuple(v.shape)) for v in model.trainable_variables])
    for a, b in zip(before, state()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(k=0), ValueError, "k must be an integer >= 1, got k=0"),
    (dict(k=1.5), TypeError, "k must be an integer"),
    (dict(method="newton"), ValueError, "method must be 'lanczos' or 'power', got method='newton'"),
    (dict(method="power", k=2), ValueError, "k must be 1 with method='power'"),
    (dict(k=27), ValueError, r"k must be at most the number of weights \(26\), got k=27"),
    (dict(tol=0.0), ValueError, "tol must be > 0, got tol=0.0"),
    (dict(max_iterations=0), ValueError, "max_iterations must be an integer >= 1"),
    (dict(k=3, max_iterations=2), ValueError, "max_iterations must be an integer >= 3, got max_iterations=2"),
    (dict(batch_size=0), ValueError, "batch_size must be an integer >= 1, got batch_size=0"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        sharpness(tiny_model(), X, Y, **kwargs)


def test_bad_models_data_and_vectors():
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        sharpness("model", X, Y)
    uncompiled = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="model must be compiled with a loss"):
        sharpness(uncompiled, X, Y)
    model = tiny_model()
    with pytest.raises(ValueError, match="x and y must hold the same number of examples, got 32 and 31"):
        sharpness(model, X, Y[:-1])
    with pytest.raises(ValueError, match="vectors must be a list of 4 arrays"):
        hessian_vector_product(model, X, Y, [np.ones((3, 4))])
    with pytest.raises(ValueError, match=r"vectors\[1\] must have shape \(4,\), got \(3,\)"):
        hessian_vector_product(model, X, Y, [np.ones((3, 4)), np.ones(3), np.ones((4, 2)), np.ones(2)])


def test_weights_that_overflow_give_a_clear_error():
    model = tiny_model()
    model.layers[0].kernel.assign(np.full((3, 4), np.nan))
    with pytest.raises(ValueError, match="Hessian-vector product is not finite"):
        sharpness(model, X, Y)


def test_a_weight_the_loss_does_not_use_has_zero_curvature():
    class WithSpare(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), dtype="float64")
            self.spare = self.add_weight(shape=(3,), dtype="float64")  # never used

        def call(self, x):
            return x @ self.w

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,), dtype="float64"), WithSpare(dtype="float64")])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64"))
    product = hessian_vector_product(model, X, Y, [np.ones((3, 2)), np.ones(3)])
    np.testing.assert_array_equal(product[1], np.zeros(3))
    assert np.any(product[0] != 0) and sharpness(model, X, Y).value > 0


# --------------------------------------------------------------------------------------
# The compiled product is reused, and does not keep the model alive
# --------------------------------------------------------------------------------------
def test_repeated_calls_reuse_one_compiled_product_and_the_model_can_be_freed():
    import gc
    import weakref

    from lrutils import curvature

    model = tiny_model()
    first = sharpness(model, X, Y)
    compiled = curvature._COMPILED[model][1]
    model.layers[0].kernel.assign(model.layers[0].kernel * 1.5)  # new weights, same variables
    second = sharpness(model, X, Y)
    assert curvature._COMPILED[model][1] is compiled and second.value != first.value
    # the cached function gives what a fresh one gives
    H = explicit_hessian(model, X, Y)
    assert second.value == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-3)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


# --------------------------------------------------------------------------------------
# Full-batch gradient descent
# --------------------------------------------------------------------------------------
def test_full_batch_descent_takes_the_steps_of_keras_sgd_on_one_batch():
    # fit hands the model float32 inputs: start from values float32 holds exactly
    x = X.astype(np.float32).astype(np.float64)
    reference = tiny_model()
    reference.compile(keras.optimizers.SGD(0.25), reference.loss)
    ours = tiny_model()
    expected_losses = []
    for _ in range(4):
        expected_losses.append(float(ours.compute_loss(x=x, y=Y, y_pred=reference(x, training=False))))
        reference.fit(x, Y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    trace = full_batch_descent(ours, x, Y, 0.25, 4)
    assert isinstance(trace, DescentTrace) and not trace.diverged
    for a, b in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(trace.losses, expected_losses, rtol=1e-6)  # recorded in float32
    assert trace.learning_rates.tolist() == [0.25] * 4 and trace.rising_steps == 0
    assert trace.sharpness.size == 0 and trace.sharpness_steps.size == 0


def test_full_batch_descent_follows_a_schedule_and_traces_the_sharpness():
    model = tiny_model()
    trace = full_batch_descent(model, X, Y, lambda step: 0.1 * (step + 1), 7, sharpness_every=3, tol=1e-8)
    np.testing.assert_allclose(trace.learning_rates, 0.1 * np.arange(1, 8))
    assert trace.sharpness_steps.tolist() == [0, 3, 6, 7] and len(trace.losses) == 7
    final = np.linalg.eigvalsh(explicit_hessian(model, X, Y))[-1]
    assert trace.sharpness[-1] == pytest.approx(final, rel=1e-6)
    assert np.all(trace.sharpness > 0) and len(set(trace.sharpness.round(8))) == 4


def test_full_batch_descent_stops_where_the_loss_diverges():
    # least squares: above 2 / lambda_max the error grows geometrically until it overflows
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(), "mse")
    x, y = X.astype("float32"), X.sum(axis=1, keepdims=True).astype("float32")
    top = sharpness(model, x, y, tol=1e-8).value
    stable = full_batch_descent(model, x, y, 1.9 / top, 50)
    assert not stable.diverged and stable.losses[-1] < stable.losses[0]
    trace = full_batch_descent(model, x, y, 10 / top, 500, sharpness_every=10)
    assert trace.diverged and len(trace.losses) < 500 and not np.isfinite(trace.losses[-1])
    assert np.all(np.isfinite(trace.losses[:-1])) and np.isfinite(trace.sharpness).all()
    assert trace.sharpness[0] == pytest.approx(top, rel=1e-3)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"num_steps": 0}, ValueError, "num_steps"),
    ({"sharpness_every": 0}, ValueError, "sharpness_every"),
    ({"learning_rate": "fast"}, TypeError, "learning_rate"),
    ({"momentum": 0.9}, TypeError, "momentum"),
])
def test_full_batch_descent_bad_arguments(kwargs, error, match):
    args = {"learning_rate": 0.1, "num_steps": 3, **kwargs}
    with pytest.raises(error, match=match):
        full_batch_descent(tiny_model(), X, Y, **args)


def test_fresh_models_in_a_loop_do_not_warn_about_retracing():
    import logging

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    tf.get_logger().addHandler(handler)
    try:
        for _ in range(7):  # TensorFlow warns from the fifth new trace on
            full_batch_descent(tiny_model(), X, Y, 0.1, 3, sharpness_every=1)
    finally:
        tf.get_logger().removeHandler(handler)
    assert not [r.getMessage() for r in records if "retracing" in r.getMessage()]
