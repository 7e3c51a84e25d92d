"""Tests for lrutils.descent: gradient descent, optax-style runs, mini-batch GD, rates."""

import math
import warnings

import numpy as np
import pytest
from _messages import names_argument

from lrutils.descent import (
    Path,
    convergence_rate,
    gradient_descent,
    make_linear_regression,
    minibatch_gd,
    optimize,
    regression_objective,
)
from lrutils.functions import get_function, parabola, quadratic

# Quadratics used for the step-size theory: (condition_number, scale, rotation, dim)
QUADRATICS = [
    (10.0, 1.0, 0.0, 2),
    (2.0, 5.0, 0.4, 2),
    (100.0, 0.5, -1.0, 2),
    (10.0, 2.0, 0.0, 5),
]
QUAD_IDS = [f"k={k}-L={s}-rot={r}-dim={d}" for k, s, r, d in QUADRATICS]


def _quad(k, s, r, d):
    return quadratic(k, scale=s, rotation=r, dim=d)


def test_single_step_by_hand_on_rosenbrock():
    # At (-1.2, 1): y - x^2 = -0.44, df/dx = -2(2.2) - 400(-1.2)(-0.44) = -215.6,
    # df/dy = 200(-0.44) = -88, f = 2.2^2 + 100 * 0.44^2 = 24.2.
    path = gradient_descent(get_function("rosenbrock"), [-1.2, 1.0], 1e-3, 1)
    assert isinstance(path, Path)
    np.testing.assert_allclose(path.xs, [[-1.2, 1.0], [-1.2 + 0.2156, 1.0 + 0.088]], rtol=1e-13)
    assert path.losses[0] == pytest.approx(24.2, rel=1e-13)
    assert path.grad_norms[0] == pytest.approx(math.hypot(215.6, 88.0), rel=1e-13)
    np.testing.assert_array_equal(path.learning_rates, [1e-3])


@pytest.mark.parametrize("k, s, r, d", QUADRATICS, ids=QUAD_IDS)
def test_converges_to_the_minimum_of_a_quadratic(k, s, r, d):
    obj = _quad(k, s, r, d)
    # eta = 1/L: the slowest error component shrinks by 1 - mu/L = 1 - 1/k per step.
    num_steps = int(math.ceil(math.log(1e-10) / math.log(1 - 1 / k)))
    path = gradient_descent(obj, obj.start, 1.0 / obj.lipschitz, num_steps)
    assert path.xs.shape == (num_steps + 1, d)
    assert np.linalg.norm(path.xs[-1]) <= 1e-10 * np.linalg.norm(obj.start) * (1 + 1e-9)
    assert np.all(np.diff(path.losses) <= 0)


@pytest.mark.parametrize("k, s, r, d", QUADRATICS, ids=QUAD_IDS)
def test_step_size_bound_two_over_L(k, s, r, d):
    """|1 - eta L| < 1 iff eta < 2/L: 1% below converges, 1% above diverges."""
    obj = _quad(k, s, r, d)
    L, num_steps = obj.lipschitz, 1000
    below = gradient_descent(obj, obj.start, 0.99 * 2 / L, num_steps)
    above = gradient_descent(obj, obj.start, 1.01 * 2 / L, num_steps)
    r0 = np.linalg.norm(obj.start)
    # worst factor below: max(|1 - 1.98|, 1 - 1.98/k) = max(0.98, 1 - 1.98/k)
    worst = max(0.98, 1 - 1.98 / k)
    assert np.linalg.norm(below.xs[-1]) <= 1.01 * worst**num_steps * r0 + 1e-300
    # above, the component along the top eigenvector grows by |1 - 2.02| = 1.02 per step
    assert len(above.xs) == num_steps + 1  # 1.02^1000 ~ 4e8: large but finite
    assert np.linalg.norm(above.xs[-1]) >= 0.99 * 1.02**num_steps * np.abs(_top_component(obj))
    assert above.losses[-1] > above.losses[0]


def _top_component(obj):
    """Component of the start along the eigenvector of the largest eigenvalue."""
    evals, evecs = np.linalg.eigh(obj.hess(obj.start))
    return evecs[:, -1] @ obj.start


@pytest.mark.parametrize("k, s, r, d", QUADRATICS, ids=QUAD_IDS)
def test_rate_at_optimal_step_is_k_minus_1_over_k_plus_1(k, s, r, d):
    obj = _quad(k, s, r, d)
    eta = 2.0 / (obj.lipschitz + obj.strong_convexity)
    rho = (k - 1) / (k + 1)
    num_steps = int(math.log(1e-100) / math.log(rho))  # errors stay far above underflow
    path = gradient_descent(obj, obj.start, eta, num_steps)
    errors = np.linalg.norm(path.xs, axis=1)
    assert convergence_rate(errors) == pytest.approx(rho, abs=1e-6)
    # the loss error decays at rho^2
    assert convergence_rate(path.losses) == pytest.approx(rho**2, abs=1e-6)


def test_divergence_truncates_at_the_last_finite_iterate_without_warnings():
    obj = parabola(a=1.0)
    # x_k = 3 (1 - 2*10)^k = 3 (-19)^k; count the iterates whose loss x^2 is finite.
    x, expected = 3.0, 0
    while math.isfinite((19.0 * x) * (19.0 * x)):  # float * float gives inf, ** raises
        x, expected = 19.0 * x, expected + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = gradient_descent(obj, 3.0, 10.0, 1000)
    assert path.num_steps == expected < 1000
    assert len(path.learning_rates) == expected
    assert np.all(np.isfinite(path.xs)) and np.all(np.isfinite(path.losses))
    assert np.all(np.isfinite(path.grad_norms))
    np.testing.assert_allclose(path.xs[:, 0], 3.0 * (-19.0) ** np.arange(expected + 1), rtol=1e-12)


def test_schedule_is_called_at_every_step():
    calls = []

    def schedule(step):
        calls.append(step)
        return 0.4 / (1 + step)

    path = gradient_descent(parabola(a=1.0), [2.0], schedule, 6)
    assert calls == list(range(6))
    np.testing.assert_array_equal(path.learning_rates, [0.4 / (1 + k) for k in range(6)])
    x = 2.0
    for k in range(6):  # f = w^2, so w <- w (1 - 2 eta_k)
        x *= 1 - 2 * 0.4 / (1 + k)
    assert path.xs[-1, 0] == pytest.approx(x, rel=1e-14)


def test_decay_is_keras2_inverse_time_decay():
    path = gradient_descent(parabola(), 1.0, 0.1, 5, decay=0.5)
    np.testing.assert_allclose(path.learning_rates, [0.1 / (1 + 0.5 * k) for k in range(5)], rtol=1e-15)


class _SGD:
    """Minimal optax-style optimizer: plain SGD with a step counter in the state."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def init(self, params):
        return 0

    def update(self, grads, state, params):
        return -self.learning_rate * grads, state + 1


class _HeavyBall:
    """Momentum in the Keras form v <- m v - lr g, w <- w + v."""

    def init(self, params):
        return np.zeros_like(params)

    def update(self, grads, state, params):
        v = 0.9 * state - 0.01 * grads
        return v, v


def test_optimize_with_sgd_matches_gradient_descent():
    obj = get_function("rosenbrock")
    path = optimize(obj, obj.start, _SGD(1e-3), 50)
    ref = gradient_descent(obj, obj.start, 1e-3, 50)
    np.testing.assert_allclose(path.xs, ref.xs, rtol=1e-15)
    np.testing.assert_allclose(path.losses, ref.losses, rtol=1e-15)
    assert path.learning_rates.shape == (50,) and np.all(np.isnan(path.learning_rates))


def test_optimize_threads_the_state():
    obj = parabola(a=1.0)
    path = optimize(obj, [1.0], _HeavyBall(), 3)
    w, v = 1.0, 0.0
    for _ in range(3):
        v = 0.9 * v - 0.01 * 2 * w
        w += v
    assert path.xs[-1, 0] == pytest.approx(w, rel=1e-15)


def test_optimize_truncates_on_divergence():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = optimize(parabola(), [3.0], _SGD(10.0), 1000)
    assert path.num_steps < 1000 and np.all(np.isfinite(path.losses))


def test_converged_at():
    obj = parabola(a=1.0)
    path = gradient_descent(obj, 3.0, 0.25, 30)  # x_k = 3 / 2^k, f = 9 / 4^k
    # 3/2^k <= 1e-3 first at k = 12 (2^11 = 2048 < 3000 <= 4096); 9/4^k <= 1e-6 at k = 12
    assert path.converged_at(1e-3, on="x") == 12
    assert path.converged_at(1e-6) == 12
    assert path.converged_at(1e-6, target=obj) == 12
    assert path.converged_at(1e-3, target=[0.0], on="x") == 12
    assert path.converged_at(1e-3, target=obj, on="x") == 12
    assert path.converged_at(0.5, target=9.0) == 0
    assert path.converged_at(1e-30) is None
    with pytest.raises(ValueError, match=names_argument("on")):
        path.converged_at(1e-3, on="grad")


def test_converged_at_uses_nearest_minimum():
    obj = get_function("saddle")
    path = gradient_descent(obj, obj.start, 0.1, 400)
    k = path.converged_at(1e-6, target=obj, on="x")
    assert k is not None
    assert np.linalg.norm(path.xs[k] - [0.0, 1.0]) <= 1e-6
    assert np.linalg.norm(path.xs[k - 1] - [0.0, 1.0]) > 1e-6


def test_convergence_rate_estimator():
    k = np.arange(40)
    assert convergence_rate(3.0 * 0.7**k) == pytest.approx(0.7, rel=1e-12)
    # the fit stops at the first exact zero
    assert convergence_rate(np.r_[2.0 * 0.5 ** k[:10], 0.0, 0.0]) == pytest.approx(0.5, rel=1e-12)
    # only the tail counts: a fast start does not change the measured rate
    seq = np.r_[100.0 * 0.1 ** k[:10], 1e-8 * 0.9 ** k]
    assert convergence_rate(seq, tail=0.5) == pytest.approx(0.9, rel=1e-10)
    with pytest.raises(ValueError, match="values"):
        convergence_rate([1.0, -0.5])
    with pytest.raises(ValueError, match="at least 2"):
        convergence_rate([1.0, 0.0])
    with pytest.raises(ValueError, match="tail"):
        convergence_rate([1.0, 0.5], tail=0.0)


# --------------------------------------------------------------------------------------
# Linear regression: full-batch, stochastic, mini-batch
# --------------------------------------------------------------------------------------
def test_make_linear_regression():
    data = make_linear_regression(n=50, dim=3, noise=0.0, seed=1)
    assert data.X.shape == (50, 3) and data.y.shape == (50,) and data.w_true.shape == (3,)
    np.testing.assert_array_equal(data.X[:, 0], 1.0)
    np.testing.assert_allclose(data.y, data.X @ data.w_true, rtol=1e-14)
    again = make_linear_regression(n=50, dim=3, noise=0.0, seed=1)
    np.testing.assert_array_equal(again.X, data.X)


def test_regression_objective_minimum_is_least_squares():
    data = make_linear_regression(n=200, dim=3, seed=3)
    obj = regression_objective(data.X, data.y)
    w_ls = np.linalg.lstsq(data.X, data.y, rcond=None)[0]
    np.testing.assert_allclose(obj.minima[0], w_ls, rtol=1e-10)
    w = np.array([0.3, -1.0, 2.0])
    assert obj.f(w) == pytest.approx(0.5 * np.mean((data.X @ w - data.y) ** 2), rel=1e-14)
    eig = np.linalg.eigvalsh(data.X.T @ data.X / 200)
    assert obj.lipschitz == pytest.approx(eig[-1]) and obj.strong_convexity == pytest.approx(eig[0])


def test_full_batch_minibatch_gd_is_gradient_descent():
    data = make_linear_regression(n=64, dim=2, seed=0)
    run = minibatch_gd(data.X, data.y, 0.1, batch_size=64, epochs=20)
    ref = gradient_descent(regression_objective(data.X, data.y), np.zeros(2), 0.1, 20)
    np.testing.assert_allclose(run.weights, ref.xs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(run.losses, ref.losses, rtol=1e-12)
    np.testing.assert_array_equal(run.grad_evals, 64 * np.arange(21))


def test_minibatch_counts_gradient_evaluations_with_a_short_last_batch():
    data = make_linear_regression(n=10, dim=2, seed=0)
    run = minibatch_gd(data.X, data.y, 0.01, batch_size=3, epochs=2)
    np.testing.assert_array_equal(run.grad_evals, np.cumsum([0, 3, 3, 3, 1, 3, 3, 3, 1]))
    assert run.weights.shape == (9, 2) and run.losses.shape == (9,)


def test_each_epoch_visits_every_example_once_in_a_new_order():
    # With X = ones, one example's update is w <- w - lr (w - y_i): recover y_i from the step.
    n, lr = 8, 0.5
    X, y = np.ones((n, 1)), np.arange(n, dtype=float) * 10.0
    run = minibatch_gd(X, y, lr, batch_size=1, epochs=3, seed=4)
    w = run.weights[:, 0]
    used = w[:-1] + (w[1:] - w[:-1]) / lr
    epochs = np.round(used).reshape(3, n)
    for order in epochs:
        np.testing.assert_array_equal(np.sort(order), y)
    assert not np.array_equal(epochs[0], y) and not np.array_equal(epochs[0], epochs[1])
    again = minibatch_gd(X, y, lr, batch_size=1, epochs=3, seed=4)
    np.testing.assert_array_equal(again.weights, run.weights)


def test_numpy_integers_are_accepted_as_counts():
    data = make_linear_regression(n=np.int64(20), dim=np.int32(2))
    run = minibatch_gd(data.X, data.y, 0.1, batch_size=np.int64(5), epochs=np.int64(2))
    assert run.grad_evals[-1] == 2 * 20 and len(run.weights) == 2 * 4 + 1
    assert len(gradient_descent(_Q, [1.0, 2.0], np.float32(0.1), np.int64(3)).xs) == 4


def test_sgd_gets_close_to_least_squares():
    data = make_linear_regression(n=200, dim=2, noise=0.5, seed=0)
    f_star = regression_objective(data.X, data.y).f_min
    run = minibatch_gd(data.X, data.y, lambda t: 0.1 / (1 + t / 200), batch_size=1, epochs=20)
    assert run.grad_evals[-1] == 20 * 200
    assert run.losses[-1] <= 1.02 * f_star
    assert run.losses[-1] < run.losses[0] / 2


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------
_Q = quadratic()
_DATA = make_linear_regression(n=20)
_PATH = gradient_descent(_Q, [1.0, 2.0], 0.1, 5)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: gradient_descent(_Q, [1.0, 2.0, 3.0], 0.1, 5), ValueError, r"x0 must have shape \(2,\)"),
        (lambda: gradient_descent(_Q, 1.0, 0.1, 5), ValueError, "x0"),
        (lambda: gradient_descent(_Q, [np.nan, 0.0], 0.1, 5), ValueError, "x0"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], 0.1, 0), ValueError, "num_steps"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], 0.1, -3), ValueError, "num_steps"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], 0.1, 2.5), TypeError, "num_steps"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], -0.1, 5), ValueError, "learning_rate"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], "0.1", 5), TypeError, "learning_rate"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], lambda k: -1.0, 5), ValueError, r"learning_rate\(0\)"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], lambda k: 0.1, 5, decay=0.1), ValueError, "decay"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], 0.1, 5, decay=-1.0), ValueError, "decay"),
        (lambda: gradient_descent(lambda x: x, [1.0, 2.0], 0.1, 5), TypeError, "objective"),
        (lambda: optimize(_Q, [1.0, 2.0], object(), 5), TypeError, "optimizer"),
        (lambda: optimize(_Q, [1.0], _SGD(0.1), 5), ValueError, "x0"),
        (lambda: make_linear_regression(n=0), ValueError, "n"),
        (lambda: make_linear_regression(noise=-1.0), ValueError, "noise"),
        (lambda: minibatch_gd(_DATA.X, _DATA.y, 0.1, batch_size=0, epochs=1), ValueError, "batch_size"),
        (lambda: minibatch_gd(_DATA.X, _DATA.y, 0.1, batch_size=21, epochs=1), ValueError, "batch_size"),
        (lambda: minibatch_gd(_DATA.X, _DATA.y, 0.1, batch_size=4, epochs=0), ValueError, "epochs"),
        (lambda: minibatch_gd(_DATA.X, _DATA.y[:5], 0.1, batch_size=4, epochs=1), ValueError, "y"),
        (lambda: minibatch_gd(_DATA.X, _DATA.y, -0.1, batch_size=4, epochs=1), ValueError, "learning_rate"),
        (lambda: minibatch_gd(_DATA.X, _DATA.y, 0.1, batch_size=4.0, epochs=1), TypeError, "batch_size"),
        (lambda: minibatch_gd(_DATA.X, _DATA.y, lambda t: "0.1", batch_size=4, epochs=1), TypeError,
         r"^learning_rate\(0\) must return a number, got learning_rate\(0\)='0\.1'"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], lambda k: True, 5), TypeError,
         r"^learning_rate\(0\) must return a number, got learning_rate\(0\)=True"),
        (lambda: gradient_descent(_Q, [1.0, 2.0], lambda k: float("nan"), 5), ValueError,
         r"^learning_rate\(0\) must return a finite number >= 0, got learning_rate\(0\)=nan"),
        # tol and tail used to go through float(): "0.5" and True were accepted
        (lambda: _PATH.converged_at("0.5"), TypeError, "tol"),
        (lambda: _PATH.converged_at(True), TypeError, "tol"),
        (lambda: _PATH.converged_at(-1e-3), ValueError, "tol"),
        (lambda: _PATH.converged_at(1e-3, target="0"), TypeError, "target"),
        (lambda: _PATH.converged_at(1e-3, on=0), TypeError, "on"),
        (lambda: convergence_rate([1.0, 0.5], tail="0.5"), TypeError, "tail"),
        (lambda: convergence_rate([1.0, 0.5], tail=True), TypeError, "tail"),
        (lambda: convergence_rate([1.0, 0.5], tail=1.5), ValueError, "tail"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, exc, match):
    with pytest.raises(exc, match=names_argument(match)):
        call()


# ------------------------------------------------------------------------------------
# Newton's method and preconditioning
# ------------------------------------------------------------------------------------
def test_one_newton_step_lands_on_the_minimum_of_a_quadratic():
    from lrutils.descent import newton
    from lrutils.functions import quadratic

    objective = quadratic(condition_number=1000.0, rotation=0.4)  # badly conditioned, rotated
    path = newton(objective, objective.start, num_steps=1)
    np.testing.assert_allclose(path.xs[-1], objective.minima[0], atol=1e-10)
    assert path.losses[-1] == pytest.approx(objective.f(objective.minima[0]), abs=1e-12)
    # gradient descent at its best constant rate is still far away after 100 steps
    gd = gradient_descent(objective, objective.start, 1.0 / objective.lipschitz, 100)
    assert np.linalg.norm(gd.xs[-1] - objective.minima[0]) > 0.1


def test_newton_converges_on_rosenbrock_and_damping_slows_it_down():
    from lrutils.descent import newton
    from lrutils.functions import rosenbrock

    objective = rosenbrock()
    pure = newton(objective, objective.start, num_steps=20)
    assert np.linalg.norm(pure.xs[-1] - objective.minima[0]) < 1e-8
    damped = newton(objective, objective.start, num_steps=20, damping=10.0)
    assert np.linalg.norm(damped.xs[-1] - objective.minima[0]) > np.linalg.norm(pure.xs[-1] - objective.minima[0])


def test_preconditioning_with_the_inverse_hessian_is_newton_and_the_identity_is_gradient_descent():
    from lrutils.descent import newton, preconditioned_descent
    from lrutils.functions import quadratic

    objective = quadratic(condition_number=50.0, rotation=0.3)
    H = objective.hess(objective.start)
    inverse = preconditioned_descent(objective, objective.start, 1.0, 1, preconditioner=np.linalg.inv(H))
    np.testing.assert_allclose(inverse.xs, newton(objective, objective.start, 1).xs, atol=1e-12)
    identity = preconditioned_descent(objective, objective.start, 0.01, 20, preconditioner=np.ones(2))
    np.testing.assert_array_equal(identity.xs, gradient_descent(objective, objective.start, 0.01, 20).xs)
    # a diagonal preconditioner is exact only for an axis-aligned quadratic
    aligned = quadratic(condition_number=50.0)
    diagonal = 1.0 / np.diag(aligned.hess(aligned.start))
    one = preconditioned_descent(aligned, aligned.start, 1.0, 1, preconditioner=diagonal)
    np.testing.assert_allclose(one.xs[-1], aligned.minima[0], atol=1e-12)
    rotated = preconditioned_descent(objective, objective.start, 1.0, 1, preconditioner=1.0 / np.diag(H))
    assert np.linalg.norm(rotated.xs[-1] - objective.minima[0]) > 0.1


def test_newton_and_preconditioning_bad_input():
    from lrutils.descent import newton, preconditioned_descent
    from lrutils.functions import quadratic

    objective = quadratic()
    with pytest.raises(ValueError, match=r"damping must be >= 0, got damping=-1"):
        newton(objective, objective.start, 1, damping=-1)
    with pytest.raises(ValueError, match=r"preconditioner must be a finite vector of shape \(2,\)"):
        preconditioned_descent(objective, objective.start, 0.1, 1, preconditioner=np.ones(3))
    import dataclasses

    no_hessian = dataclasses.replace(objective, hess=None)
    with pytest.raises(ValueError, match="objective must have a Hessian"):
        newton(no_hessian, objective.start, 1)
