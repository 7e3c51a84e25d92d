"""Tests for lrutils.functions: derivatives against finite differences, stationary points."""

import math

import numpy as np
import pytest
from _messages import names_argument

from lrutils.functions import FUNCTIONS, Objective, get_function, quadratic

# One table: every registry entry, plus non-default constructor arguments.
CASES = [
    ("quadratic", {}),
    ("quadratic", dict(condition_number=50.0, scale=3.0, rotation=0.7)),
    ("quadratic", dict(condition_number=7.0, dim=5)),
    ("parabola", {}),
    ("parabola", dict(a=2.5)),
    ("double_well", {}),
    ("double_well", dict(tilt=-0.8)),
    ("rosenbrock", {}),
    ("rosenbrock", dict(a=-0.5, b=10.0)),
    ("beale", {}),
    ("himmelblau", {}),
    ("saddle", {}),
    ("six_hump_camel", {}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in kw.items()) for name, kw in CASES]


@pytest.fixture(params=CASES, ids=IDS, scope="module")
def obj(request):
    name, kwargs = request.param
    return get_function(name, **kwargs)


def test_every_registry_entry_is_covered():
    assert {name for name, _ in CASES} == set(FUNCTIONS)


def _random_points(obj, n=6, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = np.array(obj.bounds).T
    return rng.uniform(lo, hi, size=(n, obj.dim))


def _fd_grad(f, x, h=1e-6):
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_gradient_matches_central_differences(obj):
    for x in _random_points(obj):
        fd = _fd_grad(obj.f, x)
        # rounding error of the difference quotient is about eps * |f| / h
        tol = 1e-6 * (np.linalg.norm(fd) + 1.0) + 1e-15 * abs(obj.f(x)) / 1e-6
        assert np.linalg.norm(obj.grad(x) - fd) <= tol, x


def test_hessian_matches_differences_of_gradient(obj):
    for x in _random_points(obj, seed=1):
        H = obj.hess(x)
        fd = np.column_stack([
            (obj.grad(x + h_e) - obj.grad(x - h_e)) / 2e-6 for h_e in 1e-6 * np.eye(obj.dim)
        ])
        tol = 1e-6 * (np.linalg.norm(fd) + 1.0) + 1e-15 * np.linalg.norm(obj.grad(x)) / 1e-6
        assert np.linalg.norm(H - fd) <= tol, x
        np.testing.assert_array_equal(H, H.T)


def test_vectorised_over_leading_axes(obj):
    pts = _random_points(obj, n=12, seed=2).reshape(3, 4, obj.dim)
    assert obj.f(pts).shape == (3, 4)
    assert obj.grad(pts).shape == (3, 4, obj.dim)
    assert obj.hess(pts).shape == (3, 4, obj.dim, obj.dim)
    for idx in np.ndindex(3, 4):
        np.testing.assert_allclose(obj.f(pts)[idx], obj.f(pts[idx]), rtol=1e-14)
        np.testing.assert_allclose(obj.grad(pts)[idx], obj.grad(pts[idx]), rtol=1e-14)
        np.testing.assert_allclose(obj.hess(pts)[idx], obj.hess(pts[idx]), rtol=1e-14)
    assert obj(pts[0, 0]) == obj.f(pts[0, 0])


def test_minima_are_stationary_with_positive_definite_hessian(obj):
    assert obj.minima
    for m in obj.minima:
        assert m.shape == (obj.dim,)
        assert np.linalg.norm(obj.grad(m)) < 1e-8, m
        assert np.all(np.linalg.eigvalsh(obj.hess(m)) > 0), m


def test_saddles_are_stationary_with_indefinite_hessian(obj):
    for s in obj.saddles:
        assert np.linalg.norm(obj.grad(s)) < 1e-8, s
        eig = np.linalg.eigvalsh(obj.hess(s))
        assert eig.min() < 0 < eig.max(), s


def test_maxima_are_stationary_with_negative_definite_hessian(obj):
    for m in obj.maxima:
        assert np.linalg.norm(obj.grad(m)) < 1e-8, m
        assert np.all(np.linalg.eigvalsh(obj.hess(m)) < 0), m


def test_start_and_bounds(obj):
    assert obj.start.shape == (obj.dim,)
    assert len(obj.bounds) == obj.dim
    for (lo, hi), s in zip(obj.bounds, obj.start):
        assert lo < s < hi
    for p in obj.minima + obj.saddles + obj.maxima:
        assert all(lo < v < hi for (lo, hi), v in zip(obj.bounds, p)), p


def test_stored_points_are_read_only(obj):
    with pytest.raises(ValueError):
        obj.start[0] = 1.0
    with pytest.raises(ValueError):
        obj.minima[0][0] = 1.0


@pytest.mark.parametrize("name", ["rosenbrock", "beale", "himmelblau", "saddle", "six_hump_camel"])
def test_global_minimum_agrees_with_a_dense_grid(name):
    """Brute force over the plotting box: the grid's best point lies next to a global minimum."""
    obj = get_function(name)
    X, Y, Z = obj.grid(n=801)
    i = np.unravel_index(np.argmin(Z), Z.shape)
    best = np.array([X[i], Y[i]])
    spacing = max(hi - lo for lo, hi in obj.bounds) / 800
    assert min(np.linalg.norm(best - m) for m in obj.global_minima) < 3 * spacing
    assert obj.f_min <= Z.min()


# Values from the literature (and hand algebra), independent of the code's own numbers.
def test_rosenbrock_minimum_is_a_a_squared():
    obj = get_function("rosenbrock", a=2.0, b=5.0)
    np.testing.assert_array_equal(obj.minima[0], [2.0, 4.0])
    assert obj.f(obj.minima[0]) == 0.0
    np.testing.assert_array_equal(obj.start, [-1.2, 1.0])


def test_beale_minimum_and_saddle_values():
    obj = get_function("beale")
    assert obj.f([3.0, 0.5]) == 0.0
    assert obj.f(obj.saddles[0]) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)


def test_himmelblau_minima_zero_both_residuals():
    obj = get_function("himmelblau")
    assert len(obj.minima) == 4
    assert len(obj.global_minima) == 4
    for x, y in obj.minima:
        assert abs(x**2 + y - 11) < 1e-12 and abs(x + y**2 - 7) < 1e-12
    # literature: maximum f(-0.270845, -0.923039) = 181.617
    assert obj.f(obj.maxima[0]) == pytest.approx(181.617, abs=1e-3)
    for lit in ([-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]):
        assert min(np.linalg.norm(m - lit) for m in obj.minima) < 2e-6


def test_six_hump_camel_literature_values():
    obj = get_function("six_hump_camel")
    assert obj.f_min == pytest.approx(-1.0316, abs=1e-4)
    assert len(obj.global_minima) == 2
    assert len(obj.minima) == 6


def test_saddle_function():
    obj = get_function("saddle")
    assert obj.f_min == -0.25
    np.testing.assert_array_equal(obj.hess([0.0, 0.0]), np.diag([2.0, -1.0]))


@pytest.mark.parametrize("tilt", [0.3, -0.8, 0.0, 1.5])
def test_double_well_minima_are_roots_of_the_derivative(tilt):
    obj = get_function("double_well", tilt=tilt)
    (w1,), (w2,) = obj.minima
    (wm,) = obj.maxima[0]
    assert w1 < wm < w2
    for w in (w1, wm, w2):
        assert abs(4 * w**3 - 4 * w + tilt) < 1e-12
    # with positive tilt the left well is deeper: f(w1) - f(w2) has the sign of -tilt
    assert np.sign(obj.f([w1]) - obj.f([w2])) == -np.sign(tilt)
    assert len(obj.global_minima) == (2 if tilt == 0 else 1)


def test_quadratic_constants_and_matrix():
    obj = quadratic(condition_number=20.0, scale=4.0, rotation=math.pi / 6)
    assert obj.lipschitz == 4.0
    assert obj.strong_convexity == pytest.approx(0.2, rel=1e-15)
    assert obj.condition_number == pytest.approx(20.0)
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
    # eigenvectors are the rotated axes
    np.testing.assert_allclose(obj.hess([0.0, 0.0]) @ [c, s], 0.2 * np.array([c, s]), atol=1e-14)
    np.testing.assert_allclose(obj.hess([0.0, 0.0]) @ [-s, c], 4.0 * np.array([-s, c]), atol=1e-14)
    np.testing.assert_allclose(np.linalg.eigvalsh(quadratic(8.0, dim=4).hess(np.zeros(4))),
                               [0.125, 0.25, 0.5, 1.0], rtol=1e-14)


def test_parabola_values():
    obj = get_function("parabola", a=3.0)
    assert obj.f([2.0]) == 12.0
    np.testing.assert_array_equal(obj.grad([2.0]), [12.0])
    assert obj.lipschitz == 6.0


def test_grid_shapes():
    X, Y, Z = get_function("himmelblau").grid(n=50)
    assert X.shape == Y.shape == Z.shape == (50, 50)
    assert X[0, 0] == -5.0 and Y[-1, 0] == 5.0
    W, Z1 = get_function("parabola").grid(n=11)
    np.testing.assert_allclose(Z1, W**2)
    with pytest.raises(ValueError, match=names_argument("dim")):
        quadratic(dim=3).grid()


def test_params_record_constructor_arguments():
    obj = get_function("rosenbrock", b=10.0)
    assert obj.params == dict(a=1.0, b=10.0)
    assert isinstance(obj, Objective)
    assert "rosenbrock" in repr(obj)
    assert get_function("Rosenbrock").name == "rosenbrock"  # names are matched in any case


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: get_function("rosenbrok"), ValueError,
         r"^unknown function name='rosenbrok'; valid names: 'beale', .*'rosenbrock', .*'six_hump_camel'$"),
        (lambda: get_function(3), TypeError, "name"),
        (lambda: quadratic(0.0), ValueError, "condition_number"),
        (lambda: quadratic(-2.0), ValueError, "condition_number"),
        (lambda: quadratic(0.5), ValueError, "condition_number"),
        (lambda: quadratic(float("nan")), ValueError, "condition_number"),
        (lambda: quadratic("10"), TypeError, "condition_number"),
        (lambda: quadratic(dim=1), ValueError, "dim"),
        (lambda: quadratic(scale=0.0), ValueError, "scale"),
        (lambda: quadratic(dim=3, rotation=0.1), ValueError, "rotation"),
        (lambda: get_function("parabola", a=-1.0), ValueError, "a"),
        (lambda: get_function("rosenbrock", b=0.0), ValueError, "b"),
        (lambda: get_function("double_well", tilt=2.0), ValueError, "tilt"),
        (lambda: get_function("beale", a=1.0), TypeError, "a"),
        (lambda: get_function("rosenbrock").f([1.0, 2.0, 3.0]), ValueError, r"x must have shape \(\.\.\., 2\)"),
        (lambda: get_function("parabola").grad(2.0), ValueError, "x must have shape"),
        (lambda: get_function("himmelblau").grid(n=1), ValueError, "n"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, exc, match):
    with pytest.raises(exc, match=names_argument(match)):
        call()
