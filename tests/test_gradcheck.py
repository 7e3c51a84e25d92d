"""Tests of lrutils.gradcheck, the gradient checker: known gradients, the relative-error
formula, and bugs it must catch in a hand-written backward pass."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from test_mlp import _two_layer_problem

from lrutils import mlp
from lrutils.gradcheck import gradient_check, numerical_gradient, relative_error


# --------------------------------------------------------------------------------------
# The gradient checker itself
# --------------------------------------------------------------------------------------
def test_numerical_gradient_of_known_functions_and_structures():
    a = np.array([1.0, -2.0, 3.0])
    B = np.array([[0.5, 1.5], [-1.0, 2.0]])
    tree = {"a": a, "nested": [B, (a[:2].copy(),)]}

    def f(t):
        return np.sum(t["a"] ** 3) + np.sum(np.sin(t["nested"][0])) + t["nested"][1][0] @ [2.0, 5.0]

    g = numerical_gradient(f, tree)
    # |f| ~ 20: rounding ~ 20 * 2.2e-16 / h ~ 4e-10, truncation h**2 * |f'''| / 6 ~ 1e-10 * 6 / 6
    tol = dict(rtol=1e-8, atol=2e-9)
    np.testing.assert_allclose(g["a"], 3 * a**2, **tol)
    np.testing.assert_allclose(g["nested"][0], np.cos(B), **tol)
    np.testing.assert_allclose(g["nested"][1][0], [2.0, 5.0], **tol)
    assert isinstance(g["nested"][1], tuple)
    np.testing.assert_array_equal(a, [1.0, -2.0, 3.0])  # params are not modified
    # a bare array and a NamedTuple keep their type
    np.testing.assert_allclose(numerical_gradient(lambda x: np.sum(x**2), a), 2 * a, rtol=1e-8)
    p = mlp.Layer(B.copy(), a[:2].copy())
    gp = numerical_gradient(lambda q: np.sum(q.W) * np.sum(q.b), p)
    assert isinstance(gp, mlp.Layer)
    np.testing.assert_allclose(gp.W, np.full((2, 2), np.sum(p.b)), rtol=1e-8)


def test_relative_error_formula():
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert relative_error(np.array([3.0, 4.0]), np.zeros(2)) == 1.0
    assert relative_error(np.array([3.0, 4.0]), -np.array([3.0, 4.0])) == 1.0  # a sign error
    # ||(0, 0.1)|| / (||(1, 0)|| + ||(1, 0.1)||)
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0, 0.1])) == pytest.approx(0.1 / (1 + math.sqrt(1.01)))
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0  # 0/0 is taken as agreement


def _wrong_backward(params, X, y, *, mistake):
    loss, g = mlp.loss_and_grads(params, X, y, activation="tanh")
    if mistake == "sign flip in dW2":
        g = g._replace(W2=-g.W2)
    elif mistake == "missing 1/n":
        g = mlp.MLPParams(*(X.shape[0] * gi for gi in g))
    elif mistake == "transposed kernel gradient":
        g = g._replace(W1=g.W1[::-1, ::-1].copy())
    elif mistake == "activation derivative left out":
        logits, cache = mlp.forward(params, X, activation="tanh")
        dlogits = (mlp.softmax(logits) - mlp.one_hot(y, logits.shape[1])) / X.shape[0]
        dZ1 = dlogits @ params.W2.T  # forgot * tanh'(Z1)
        g = g._replace(W1=X.T @ dZ1, b1=dZ1.sum(axis=0))
    return loss, g


@pytest.mark.parametrize(
    "mistake, bad_param",
    [
        ("sign flip in dW2", "W2"),
        ("missing 1/n", "W1"),
        ("transposed kernel gradient", "W1"),
        ("activation derivative left out", "W1"),
    ],
)
def test_gradient_check_detects_wrong_gradients(mistake, bad_param):
    params, X, y = _two_layer_problem(6, 6, 4, 20)
    result = gradient_check(partial(_wrong_backward, X=X, y=y, mistake=mistake), params)
    # a sign flip gives exactly 1, a factor n gives (n-1)/(n+1) = 0.9; the bug threshold is 1e-3
    assert result.max_rel_error > 1e-2
    assert result.per_param[bad_param] > 1e-2
    if mistake == "sign flip in dW2":
        assert result.per_param["W2"] == pytest.approx(1.0, rel=1e-6)
        assert result.worst_param == "W2"
        assert result.per_param["W1"] < 1e-7  # the other parameters are still right
    if mistake == "missing 1/n":
        assert result.max_rel_error == pytest.approx(19 / 21, rel=1e-6)


def test_gradient_check_with_separate_gradient():
    params, X, y = _two_layer_problem(3, 4, 2, 6)
    loss, grads = mlp.loss_and_grads(params, X, y)
    result = gradient_check(lambda p: mlp.loss_and_grads(p, X, y).loss, params, grads)
    assert result.max_rel_error < 1e-7
    assert result.analytic is grads
    assert isinstance(result.numerical, mlp.MLPParams)
