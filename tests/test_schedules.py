"""Tests for lrutils.schedules and lrutils.keras_schedules.

Expected values come from the Keras classes (parity), from the papers' formulas evaluated
here with ``math`` (hand checks), or from an explicit NumPy simulation of the optimizer
update (momentum scheduling).
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np
import pytest

from lrutils.schedules import (
    SCHEDULES,
    Schedule,
    constant,
    cosine_decay,
    cosine_decay_restarts,
    exp_range,
    exponential,
    exponential_decay,
    get_schedule,
    inverse_time_decay,
    join_schedules,
    linear_warmup,
    one_cycle,
    one_cycle_momentum,
    per_epoch,
    piecewise_constant,
    polynomial_decay,
    step_decay,
    triangular,
    triangular2,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

STEPS = np.arange(301)  # covers every boundary of the table below, exact boundary steps included


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


# --------------------------------------------------------------------------------------
# Parity with keras.optimizers.schedules: one table, same keyword arguments for both
# --------------------------------------------------------------------------------------

PARITY = [
    # Keras 2's SGD(lr=0.1, decay=0.01), translated
    ("InverseTimeDecay", inverse_time_decay,
     dict(initial_learning_rate=0.1, decay_steps=1, decay_rate=0.01)),
    ("InverseTimeDecay", inverse_time_decay,
     dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5, staircase=True)),
    ("InverseTimeDecay", inverse_time_decay,
     dict(initial_learning_rate=0.5, decay_steps=7, decay_rate=2.0)),
    ("ExponentialDecay", exponential_decay,
     dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5)),
    ("ExponentialDecay", exponential_decay,
     dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5, staircase=True)),
    ("ExponentialDecay", exponential_decay,
     dict(initial_learning_rate=1.0, decay_steps=33, decay_rate=0.9, staircase=True)),
    ("PolynomialDecay", polynomial_decay, dict(initial_learning_rate=0.1, decay_steps=100)),
    ("PolynomialDecay", polynomial_decay,
     dict(initial_learning_rate=0.1, decay_steps=50, end_learning_rate=0.01, power=2.0,
          cycle=True)),
    ("PolynomialDecay", polynomial_decay,
     dict(initial_learning_rate=0.1, decay_steps=30, end_learning_rate=0.001, power=0.5,
          cycle=True)),
    ("PolynomialDecay", polynomial_decay,
     dict(initial_learning_rate=0.1, decay_steps=64, end_learning_rate=0.0, power=3.0)),
    ("PiecewiseConstantDecay", piecewise_constant,
     dict(boundaries=[10, 100, 200], values=[1.0, 0.5, 0.1, 0.01])),
    ("PiecewiseConstantDecay", piecewise_constant,
     dict(boundaries=[0, 150], values=[0.3, 0.2, 0.1])),
    ("CosineDecay", cosine_decay, dict(initial_learning_rate=0.1, decay_steps=100)),
    ("CosineDecay", cosine_decay,
     dict(initial_learning_rate=0.1, decay_steps=100, alpha=0.1)),
    ("CosineDecay", cosine_decay,
     dict(initial_learning_rate=0.0, decay_steps=100, alpha=0.05, warmup_target=0.5,
          warmup_steps=20)),
    ("CosineDecay", cosine_decay,
     dict(initial_learning_rate=0.01, decay_steps=250, warmup_target=0.1, warmup_steps=50)),
    ("CosineDecayRestarts", cosine_decay_restarts,
     dict(initial_learning_rate=0.1, first_decay_steps=10)),
    ("CosineDecayRestarts", cosine_decay_restarts,
     dict(initial_learning_rate=0.1, first_decay_steps=10, t_mul=1.5, m_mul=0.5, alpha=0.1)),
    ("CosineDecayRestarts", cosine_decay_restarts,
     dict(initial_learning_rate=0.1, first_decay_steps=20, t_mul=1.0, m_mul=0.8)),
    ("CosineDecayRestarts", cosine_decay_restarts,
     dict(initial_learning_rate=0.1, first_decay_steps=7, t_mul=3.0, m_mul=0.9, alpha=0.01)),
]
PARITY_IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(PARITY)]


_KERAS_CACHE: dict = {}


def _keras_values(keras, class_name, kwargs, dtype):
    """The Keras class at every step of STEPS (cached: the NumPy and adapter tests share it).

    One eager call per step. Compiled or vectorised calls are not a fair reference: there
    TensorFlow computes ``t / d`` as ``t * (1 / d)`` and Keras misses exact boundaries
    (PolynomialDecay-8 in float32 at multiples of 30, CosineDecayRestarts-16 in float64 at
    step 70). The class computes in the dtype of its first rate, so passing ``np.float64``
    rates gives float64 results.
    """
    key = (class_name, repr(sorted(kwargs.items())), dtype)
    if key not in _KERAS_CACHE:
        kwargs = dict(kwargs)
        if class_name == "PiecewiseConstantDecay":
            kwargs["values"] = [np.dtype(dtype).type(v) for v in kwargs["values"]]
        else:
            kwargs["initial_learning_rate"] = np.dtype(dtype).type(
                kwargs["initial_learning_rate"])
        keras_schedule = getattr(keras.optimizers.schedules, class_name)(**kwargs)
        values = np.array([keras.ops.convert_to_numpy(
            keras_schedule(keras.ops.convert_to_tensor(t, "int64"))) for t in STEPS])
        assert values.dtype == np.dtype(dtype)
        _KERAS_CACHE[key] = values.astype(np.float64)
    return _KERAS_CACHE[key]


@pytest.mark.parametrize("class_name, factory, kwargs", PARITY, ids=PARITY_IDS)
def test_numpy_schedule_matches_keras_class(keras, class_name, factory, kwargs):
    expected = _keras_values(keras, class_name, kwargs, "float64")
    np.testing.assert_allclose(factory(**kwargs)(STEPS), expected, rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("class_name, factory, kwargs", PARITY, ids=PARITY_IDS)
def test_keras_adapter_matches_keras_class(keras, class_name, factory, kwargs, dtype):
    from lrutils.keras_schedules import to_keras

    expected = _keras_values(keras, class_name, kwargs, dtype)
    adapter = to_keras(factory(**kwargs), dtype=dtype)
    if keras.backend.backend() == "tensorflow":  # compiled, as inside fit
        import tensorflow as tf

        adapter = tf.function(adapter)
    actual = keras.ops.convert_to_numpy(adapter(keras.ops.convert_to_tensor(STEPS, "int64")))
    assert actual.dtype == np.dtype(dtype)
    # float32: where 1 + cos(pi x) cancels near the end of a cosine, a rate of 1e-4 of the
    # peak carries only a few significant bits; Keras' own CosineDecay differs by 2e-5
    # relative between scalar and vectorised calls there. Allow 2 float32 ulps of the peak.
    atol = 0.0 if dtype == "float64" else 2.0**-22 * np.max(expected)
    np.testing.assert_allclose(actual.astype(np.float64), expected, rtol=1e-6, atol=atol)


def test_linear_warmup_composes_to_keras_cosine_warmup(keras):
    kwargs = dict(initial_learning_rate=0.02, decay_steps=200, alpha=0.1, warmup_target=0.4,
                  warmup_steps=40)
    composed = linear_warmup(cosine_decay(0.4, 200, alpha=0.1), 40, initial_learning_rate=0.02)
    expected = _keras_values(keras, "CosineDecay", kwargs, "float64")
    np.testing.assert_allclose(composed(STEPS), expected, rtol=1e-6, atol=0)


def test_step_decay_without_offset_is_keras_staircase(keras):
    expected = _keras_values(keras, "ExponentialDecay",
                             dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5,
                                  staircase=True), "float64")
    np.testing.assert_allclose(step_decay(0.1, 0.5, 10)(STEPS), expected, rtol=1e-12)


def test_cosine_restarts_restarts_at_exact_restart_steps():
    # Periods 100, 300, 900, ... start at steps 0, 100, 400, 1300, 4000, 12100: each of
    # those is a restart (peak rate); the step before it is near the floor.
    schedule = cosine_decay_restarts(0.1, 100, t_mul=3.0)
    starts = [0, 100, 400, 1300, 4000, 12100]
    np.testing.assert_allclose(schedule(np.array(starts)), 0.1, rtol=1e-12)
    assert np.all(schedule(np.array(starts[1:]) - 1) < 1e-4)


# --------------------------------------------------------------------------------------
# Hand-checked values (formulas from the tutorial and the papers, evaluated here)
# --------------------------------------------------------------------------------------


def test_step_decay_reproduces_the_tutorial_formula():
    # lr0 * drop ** floor((1 + epoch) / epochs_drop) with lr0=0.1, drop=0.5, epochs_drop=10:
    # epochs 0-8 -> 0.1, 9-18 -> 0.05, 19-28 -> 0.025 (the first drop comes after 9 epochs)
    schedule = step_decay(0.1, 0.5, 10, offset=1)
    epochs = np.arange(30)
    expected = np.array([0.1] * 9 + [0.05] * 10 + [0.025] * 10 + [0.0125])
    np.testing.assert_allclose(schedule(epochs), expected, rtol=1e-12)
    assert step_decay(0.1, 0.5, 10)(9) == 0.1  # offset=0: ten full epochs at lr0


CLR = dict(base_lr=0.001, max_lr=0.006, step_size=2000)


@pytest.mark.parametrize(
    "schedule, step, expected",
    [
        # triangular: base at 0, halfway up at step_size/2, max at step_size, back at 2*step_size
        (triangular(**CLR), 0, 0.001),
        (triangular(**CLR), 1000, 0.0035),
        (triangular(**CLR), 2000, 0.006),
        (triangular(**CLR), 3000, 0.0035),
        (triangular(**CLR), 4000, 0.001),
        (triangular(**CLR), 6000, 0.006),
        # triangular2: amplitude (max - base) halves each cycle
        (triangular2(**CLR), 2000, 0.006),
        (triangular2(**CLR), 6000, 0.001 + 0.005 / 2),
        (triangular2(**CLR), 10000, 0.001 + 0.005 / 4),
        (triangular2(**CLR), 9000, 0.001 + 0.005 / 4 / 2),
        # exp_range: amplitude times gamma ** iteration
        (exp_range(**CLR, gamma=0.9999), 2000, 0.001 + 0.005 * 0.9999**2000),
        (exp_range(**CLR, gamma=0.9999), 5000, 0.001 + 0.005 * 0.5 * 0.9999**5000),
        (exp_range(**CLR, gamma=0.9999), 8000, 0.001),
    ],
)
def test_cyclical_rates_by_hand(schedule, step, expected):
    assert schedule(step) == pytest.approx(expected, rel=1e-12)


def test_anneal_is_matched_without_case_and_kept_in_canonical_form():
    # the formula tests `shape == "cos"`: "COS" must not silently become a linear ramp
    upper = one_cycle(2.0, total_steps=400, anneal="COS")
    assert upper == one_cycle(2.0, total_steps=400, anneal="cos") and upper.kwargs["anneal"] == "cos"


@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_endpoints(anneal):
    schedule = one_cycle(2.0, total_steps=400, anneal=anneal)
    steps = np.arange(401)
    rates = schedule(steps)
    assert rates[0] == pytest.approx(2.0 / 25, rel=1e-12)
    assert np.argmax(rates) == 100 and rates[100] == pytest.approx(2.0, rel=1e-12)
    assert rates[400] == pytest.approx(2.0 / 1e5, rel=1e-12)
    assert schedule(1000) == pytest.approx(2.0 / 1e5, rel=1e-12)  # held after the cycle
    assert rates[399] > rates[400]
    # halfway through each phase: the mean of its ends, for cosine and linear shapes alike
    assert rates[50] == pytest.approx((2.0 / 25 + 2.0) / 2, rel=1e-12)
    assert rates[250] == pytest.approx((2.0 + 2.0 / 1e5) / 2, rel=1e-12)
    quarter_up = 2.0 / 25 + (2.0 - 2.0 / 25) * (
        0.25 if anneal == "linear" else (1 - math.cos(math.pi / 4)) / 2
    )
    assert rates[25] == pytest.approx(quarter_up, rel=1e-12)
    assert np.all(np.diff(rates[:101]) > 0) and np.all(np.diff(rates[100:]) < 0)


def test_one_cycle_momentum_goes_down_and_back():
    momentum = one_cycle_momentum(400)
    assert momentum(0) == pytest.approx(0.95, rel=1e-12)
    assert momentum(100) == pytest.approx(0.85, rel=1e-12)
    assert momentum(400) == pytest.approx(0.95, rel=1e-12)
    assert momentum(50) == pytest.approx(0.90, rel=1e-12)
    assert momentum(250) == pytest.approx(0.90, rel=1e-12)
    assert np.argmin(momentum(np.arange(401))) == 100


def test_exponential_is_continuous_exponential_decay():
    schedule = exponential(0.2, k=0.01)
    assert schedule(150) == pytest.approx(0.2 * math.exp(-1.5), rel=1e-12)
    np.testing.assert_allclose(schedule(STEPS),
                               exponential_decay(0.2, 1, math.exp(-0.01))(STEPS), rtol=1e-12)


def test_cosine_warmup_is_not_counted_in_decay_steps():
    schedule = cosine_decay(0.0, decay_steps=100, warmup_target=1.0, warmup_steps=20)
    assert schedule(10) == pytest.approx(0.5)
    assert schedule(20) == pytest.approx(1.0)
    assert schedule(70) == pytest.approx(0.5)  # halfway through the 100 decay steps
    assert schedule(120) == pytest.approx(0.0, abs=1e-15)


# --------------------------------------------------------------------------------------
# Composition, vectorisation, registry
# --------------------------------------------------------------------------------------


def test_join_schedules_shifts_later_schedules():
    joined = join_schedules([constant(1.0), exponential_decay(0.5, 1, 0.5), constant(0.01)],
                            boundaries=[10, 20])
    assert joined(9) == 1.0
    assert joined(10) == 0.5  # the second schedule at its own step 0
    assert joined(12) == pytest.approx(0.125)
    assert joined(19) == pytest.approx(0.5 * 0.5**9)
    assert joined(20) == 0.01 and joined(1000) == 0.01


def test_join_and_piecewise_differ_by_one_step_at_a_boundary():
    joined = join_schedules([constant(1.0), constant(0.1)], [10])
    piecewise = piecewise_constant([10], [1.0, 0.1])
    assert (joined(10), piecewise(10), piecewise(11)) == (0.1, 1.0, 0.1)


def test_per_epoch_evaluates_at_the_first_step_of_each_epoch():
    schedule = cosine_decay(0.1, 1000)
    by_epoch = per_epoch(schedule, steps_per_epoch=50)
    np.testing.assert_allclose(by_epoch(np.arange(25)), schedule(np.arange(25) * 50),
                               rtol=1e-15)


ONE_OF_EACH = [
    constant(0.1),
    step_decay(0.1, 0.5, 10, offset=1),
    inverse_time_decay(0.1, 10, 0.5, staircase=True),
    exponential_decay(0.1, 10, 0.5),
    exponential(0.1, 0.01),
    polynomial_decay(0.1, 50, 0.01, power=2.0, cycle=True),
    piecewise_constant([10, 20], [0.1, 0.05, 0.01]),
    cosine_decay(0.0, 100, alpha=0.1, warmup_target=1.0, warmup_steps=10),
    linear_warmup(exponential_decay(0.1, 10, 0.5), 5),
    cosine_decay_restarts(0.1, 10, t_mul=1.5, m_mul=0.5, alpha=0.1),
    triangular(0.01, 0.1, 10),
    triangular2(0.01, 0.1, 10),
    exp_range(0.01, 0.1, 10, gamma=0.99),
    one_cycle(1.0, 100),
    one_cycle_momentum(100, anneal="linear"),
    join_schedules([constant(0.5), cosine_decay_restarts(0.5, 10)], [7]),
    per_epoch(cosine_decay(0.1, 1000), 10),
]


def test_table_covers_every_registered_schedule():
    assert {s.name for s in ONE_OF_EACH} == set(SCHEDULES)


@pytest.mark.parametrize("schedule", ONE_OF_EACH, ids=lambda s: s.name)
def test_vectorised_call_equals_scalar_calls(schedule):
    steps = np.arange(0, 130)
    vector = schedule(steps)
    assert isinstance(vector, np.ndarray) and vector.shape == steps.shape
    scalars = [schedule(int(t)) for t in steps]
    assert all(type(v) is float for v in scalars)
    np.testing.assert_array_equal(vector, scalars)
    assert schedule(steps.reshape(10, 13)).shape == (10, 13)
    assert np.all(np.isfinite(vector)) and np.all(vector >= 0)


@pytest.mark.parametrize("schedule", ONE_OF_EACH, ids=lambda s: s.name)
def test_registry_and_config_recreate_the_schedule(schedule):
    import json

    again = SCHEDULES[schedule.name](**schedule.kwargs)
    from_json = Schedule.from_config(json.loads(json.dumps(schedule.to_config())))
    assert again == schedule and from_json == schedule
    np.testing.assert_array_equal(from_json(STEPS), schedule(STEPS))
    assert repr(schedule).startswith(f"{schedule.name}(")
    assert eval(repr(schedule), vars(sys.modules["lrutils.schedules"])) == schedule


def test_get_schedule_lists_valid_names():
    assert get_schedule("cosine_decay", initial_learning_rate=0.1, decay_steps=10)(10) == 0.0
    assert get_schedule("Cosine_Decay", initial_learning_rate=0.1, decay_steps=10).name == "cosine_decay"
    with pytest.raises(ValueError, match=r"^unknown schedule name='cosine'; valid names: 'constant', "
                                         r".*'cosine_decay', .*'triangular2'$"):
        get_schedule("cosine")
    with pytest.raises(TypeError, match=r"^name must be a string naming a schedule, got name=None"):
        get_schedule(None)


# --------------------------------------------------------------------------------------
# Bad input: the message names the argument and the value
# --------------------------------------------------------------------------------------

BAD = [
    (constant, dict(learning_rate=0.0), ValueError,
     r"learning_rate must be > 0, got learning_rate=0\.0"),
    (constant, dict(learning_rate="0.1"), TypeError, "learning_rate must be a real number"),
    (exponential_decay, dict(initial_learning_rate=0.1, decay_steps=0, decay_rate=0.5),
     ValueError, "decay_steps must be > 0, got decay_steps=0"),
    (exponential_decay, dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.0),
     ValueError, "decay_rate must be > 0, got decay_rate=0.0"),
    (exponential_decay, dict(initial_learning_rate=-0.1, decay_steps=10, decay_rate=0.5),
     ValueError, "initial_learning_rate must be > 0"),
    (exponential_decay, dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5,
                             staircase=1), TypeError, "staircase must be True or False"),
    (inverse_time_decay, dict(initial_learning_rate=0.1, decay_steps=1, decay_rate=-1e-3),
     ValueError, "decay_rate must be >= 0"),
    (step_decay, dict(initial_learning_rate=0.1, drop=0.5, steps_per_drop=10, offset=10),
     ValueError, "offset must be smaller than steps_per_drop"),
    (polynomial_decay, dict(initial_learning_rate=0.1, decay_steps=10, power=0.0),
     ValueError, "power must be > 0, got power=0.0"),
    (piecewise_constant, dict(boundaries=[10, 5], values=[1.0, 0.5, 0.1]),
     ValueError, r"boundaries must be strictly increasing.*boundaries\[1\]=5"),
    (piecewise_constant, dict(boundaries=[10, 20], values=[1.0, 0.5]),
     ValueError, r"len\(values\)=2 and len\(boundaries\)=2"),
    (cosine_decay, dict(initial_learning_rate=0.1, decay_steps=100, alpha=1.5),
     ValueError, r"alpha must be in \[0, 1\], got alpha=1\.5"),
    (cosine_decay, dict(initial_learning_rate=0.1, decay_steps=100, warmup_steps=10),
     ValueError, "warmup_steps=10 needs a warmup_target"),
    (cosine_decay, dict(initial_learning_rate=0.0, decay_steps=100, warmup_target=0.1),
     ValueError, "warmup_target=0.1 needs warmup_steps > 0"),
    (cosine_decay_restarts, dict(initial_learning_rate=0.1, first_decay_steps=10, t_mul=0.5),
     ValueError, "t_mul must be >= 1"),
    (cosine_decay_restarts, dict(initial_learning_rate=0.1, first_decay_steps=-1),
     ValueError, "first_decay_steps must be > 0, got first_decay_steps=-1"),
    (triangular, dict(base_lr=0.1, max_lr=0.01, step_size=10),
     ValueError, r"max_lr must be > base_lr=0\.1, got max_lr=0\.01"),
    (exp_range, dict(base_lr=0.01, max_lr=0.1, step_size=10, gamma=1.5),
     ValueError, r"gamma must be in \(0, 1\], got gamma=1\.5"),
    (one_cycle, dict(max_learning_rate=0.1, total_steps=100, pct_start=1.0),
     ValueError, r"pct_start must be in \(0, 1\), got pct_start=1\.0"),
    (one_cycle, dict(max_learning_rate=0.1, total_steps=100, anneal="cosine"),
     ValueError, "^anneal must be 'cos' or 'linear', got anneal='cosine'$"),
    (one_cycle, dict(max_learning_rate=0.1, total_steps=100, anneal=None),
     TypeError, "^anneal must be 'cos' or 'linear', got anneal=None$"),
    (one_cycle_momentum, dict(total_steps=100, max_momentum=1.2),
     ValueError, "max_momentum must be in"),
    (join_schedules, dict(schedules=[constant(1.0), constant(0.1)], boundaries=[5, 10]),
     ValueError, r"len\(boundaries\)=2 and len\(schedules\)=2"),
    (join_schedules, dict(schedules=[constant(1.0), 0.1], boundaries=[5]),
     TypeError, r"schedules\[1\] must be a Schedule"),
    (linear_warmup, dict(schedule=constant(1.0), warmup_steps=0),
     ValueError, "warmup_steps must be > 0, got warmup_steps=0"),
    (per_epoch, dict(schedule=constant(1.0), steps_per_epoch=float("nan")),
     ValueError, "steps_per_epoch must be finite"),
]


@pytest.mark.parametrize("factory, kwargs, error, message", BAD,
                         ids=[f"{f.__name__}-{i}" for i, (f, *_) in enumerate(BAD)])
def test_bad_arguments_are_named(factory, kwargs, error, message):
    with pytest.raises(error, match=message):
        factory(**kwargs)


@pytest.mark.parametrize(
    "step, error, message",
    [
        (-1, ValueError, r"step must be non-negative .*got step=-1"),
        (np.array([0, 3, -2]), ValueError, r"got step=-2\.0 in the array"),
        (float("nan"), ValueError, "step must be finite"),
        ("3", TypeError, "step must be a non-negative number"),
        (True, TypeError, "step must be a non-negative number"),
    ],
)
def test_bad_steps_are_rejected(step, error, message):
    with pytest.raises(error, match=message):
        cosine_decay(0.1, 10)(step)


# --------------------------------------------------------------------------------------
# Keras integration: small models, few steps
# --------------------------------------------------------------------------------------

X = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
Y = np.random.default_rng(1).normal(size=(8, 1)).astype("float32")


def _linear_model(keras, optimizer):
    """Dense(1) without bias from all-ones weights; the whole data set is one batch."""
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(1, use_bias=False, kernel_initializer="ones"),
    ])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _gradient(w):
    """Gradient of mean((X w - Y)^2) with respect to w."""
    x, y = X.astype(np.float64), Y.astype(np.float64)
    return 2.0 / len(x) * x.T @ (x @ w - y)


def test_model_with_keras_schedule_trains_saves_and_loads(keras, tmp_path):
    from lrutils.keras_schedules import KerasSchedule, to_keras

    schedule = cosine_decay(0.1, 20, alpha=0.1)
    model = _linear_model(keras, keras.optimizers.SGD(learning_rate=to_keras(schedule)))
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    # one SGD step at schedule(0), taken inside the compiled step
    expected_w = np.ones((3, 1)) - schedule(0) * _gradient(np.ones((3, 1)))
    np.testing.assert_allclose(model.get_weights()[0], expected_w, rtol=1e-5)
    assert float(model.optimizer.learning_rate) == pytest.approx(schedule(1), rel=1e-6)

    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    config = loaded.optimizer.get_config()["learning_rate"]
    assert config["registered_name"] == "lrutils>KerasSchedule"
    assert config["config"] == {**schedule.to_config(), "dtype": None}
    assert int(loaded.optimizer.iterations) == 1
    assert float(loaded.optimizer.learning_rate) == pytest.approx(schedule(1), rel=1e-6)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])

    nested = to_keras(linear_warmup(cosine_decay(0.1, 20), 5))
    again = KerasSchedule.from_config(nested.get_config())
    assert again.schedule == nested.schedule


def test_epoch_scheduler_sets_the_logged_rates(keras):
    from lrutils.callbacks import to_epoch_scheduler

    model = _linear_model(keras, keras.optimizers.SGD(learning_rate=1.0))
    history = model.fit(X, Y, batch_size=4, epochs=4, verbose=0,
                        callbacks=[to_epoch_scheduler(step_decay(0.1, 0.5, 2, offset=1))])
    # 0.1 * 0.5 ** floor((1 + epoch) / 2) for epochs 0..3
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.05, 0.025],
                               rtol=1e-6)


def _simulate_sgd(momenta, learning_rate=0.1):
    w, velocity = np.ones((3, 1)), np.zeros((3, 1))
    for m in momenta:  # Keras SGD: v = m v - lr g; w += v
        velocity = m * velocity - learning_rate * _gradient(w)
        w = w + velocity
    return w


def _simulate_adam(betas_1, learning_rate=0.1, beta_2=0.999, epsilon=1e-7):
    w, m, v = np.ones((3, 1)), np.zeros((3, 1)), np.zeros((3, 1))
    for t, b1 in enumerate(betas_1, start=1):  # Keras Adam, with the current beta_1
        g = _gradient(w)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - beta_2)
        alpha = learning_rate * math.sqrt(1 - beta_2**t) / (1 - b1**t)
        w = w - alpha * m / (np.sqrt(v) + epsilon)
    return w


def test_scheduled_momentum_changes_sgd_updates(keras, tmp_path):
    from lrutils.keras_schedules import scheduled_momentum

    momenta = [0.9, 0.0, 0.5, 0.8]  # steps 0, 1, 2, 3
    schedule = piecewise_constant([0, 1, 2], momenta)
    sgd = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    model = _linear_model(keras, scheduled_momentum(sgd, schedule))
    model.fit(X, Y, batch_size=8, epochs=4, verbose=0, shuffle=False)
    w = model.get_weights()[0]
    np.testing.assert_allclose(w, _simulate_sgd(momenta), rtol=1e-5)
    assert np.max(np.abs(w - _simulate_sgd([0.9] * 4))) > 0.1  # the schedule mattered
    # the copy's other settings are the original's, which is left untouched
    assert model.optimizer.momentum == 0.9 and sgd.iterations is not model.optimizer.iterations
    # it saves with the model, and loads with the class passed as a custom object
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"ScheduledSGD": type(model.optimizer)})
    assert loaded.optimizer.momentum_schedule == schedule
    assert int(loaded.optimizer.iterations) == 4


def test_scheduled_momentum_changes_adam_beta_1(keras):
    from lrutils.keras_schedules import scheduled_momentum

    betas = [0.95, 0.5, 0.0, 0.85]
    optimizer = scheduled_momentum(keras.optimizers.Adam(learning_rate=0.1),
                                   piecewise_constant([0, 1, 2], betas))
    model = _linear_model(keras, optimizer)
    model.fit(X, Y, batch_size=8, epochs=4, verbose=0, shuffle=False)
    w = model.get_weights()[0]
    np.testing.assert_allclose(w, _simulate_adam(betas), rtol=1e-5)
    assert np.max(np.abs(w - _simulate_adam([0.9] * 4))) > 1e-3
    assert model.optimizer.beta_1 == 0.9 and type(model.optimizer.beta_1) is float


@pytest.mark.parametrize("name, kwargs, value", [
    ("SGD", {"momentum": 0.9}, 0.9),
    ("SGD", {"momentum": 0.8, "nesterov": True}, 0.8),
    ("Adam", {}, 0.9),
    ("AdamW", {"weight_decay": 0.01}, 0.9),
    ("Adamax", {}, 0.9),
    ("Lion", {"learning_rate": 1e-3}, 0.9),
])
def test_a_constant_momentum_schedule_is_the_bare_keras_optimizer(keras, name, kwargs, value):
    """Parity: with a constant schedule the copy takes the steps of the bare Keras optimizer.
    SGD's update, written out again, is bit for bit Keras's. The Adam family runs Keras's own
    update, but ``1 - beta_1`` is then computed in float32 rather than from the Python float
    (float32(0.9) is not 0.9), a last-bit difference."""
    from lrutils.keras_schedules import scheduled_momentum

    weights = []
    for scheduled in (False, True):
        optimizer = getattr(keras.optimizers, name)(**{"learning_rate": 0.05, **kwargs})
        if scheduled:
            optimizer = scheduled_momentum(optimizer, constant(value))
        model = _linear_model(keras, optimizer)
        model.fit(X, Y, batch_size=4, epochs=3, verbose=0, shuffle=False)
        weights.append(model.get_weights()[0])
    if name == "SGD":
        np.testing.assert_array_equal(weights[1], weights[0])
    else:
        np.testing.assert_allclose(weights[1], weights[0], rtol=1e-6, atol=0)


def test_scheduled_momentum_refuses_what_it_cannot_schedule(keras):
    from lrutils.keras_schedules import scheduled_momentum

    with pytest.raises(ValueError, match="momentum=0.0, which keeps no momentum buffers"):
        scheduled_momentum(keras.optimizers.SGD(0.1), one_cycle_momentum(4))
    with pytest.raises(ValueError, match="optimizer must be a Keras SGD .* got a RMSprop"):
        scheduled_momentum(keras.optimizers.RMSprop(0.1, momentum=0.9), one_cycle_momentum(4))
    # Nadam builds its momentum cache from beta_1 before update_step
    with pytest.raises(ValueError, match="optimizer must be a Keras SGD .* got a Nadam"):
        scheduled_momentum(keras.optimizers.Nadam(), one_cycle_momentum(4))
    with pytest.raises(ValueError, match="gradient_accumulation_steps > 1"):
        scheduled_momentum(keras.optimizers.Adam(gradient_accumulation_steps=4), one_cycle_momentum(4))

    class Unregistered(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.1

        def get_config(self):
            return {}

    with pytest.raises(TypeError, match="register the class with @keras.saving.register_keras_serializable"):
        scheduled_momentum(keras.optimizers.SGD(Unregistered(), momentum=0.9), one_cycle_momentum(4))
    with pytest.raises(ValueError, match=r"schedule must give momenta in \[0, 1\], got 1.5 at step 0"):
        scheduled_momentum(keras.optimizers.Adam(), constant(1.5))
    with pytest.raises(TypeError, match="schedule must be an lrutils.schedules.Schedule"):
        scheduled_momentum(keras.optimizers.Adam(), 0.9)
    with pytest.raises(TypeError, match="optimizer must be a keras.optimizers.Optimizer"):
        scheduled_momentum("adam", constant(0.9))
    once = scheduled_momentum(keras.optimizers.Adam(), constant(0.9))
    with pytest.raises(ValueError, match="optimizer already follows a momentum schedule"):
        scheduled_momentum(once, constant(0.8))


# Our schedule factories and the Keras classes they reproduce: their shared arguments must have the
# same defaults as the bare Keras constructors (a drift on either side fails here).
KERAS_SCHEDULES = {
    "inverse_time_decay": "InverseTimeDecay",
    "exponential_decay": "ExponentialDecay",
    "polynomial_decay": "PolynomialDecay",
    "piecewise_constant": "PiecewiseConstantDecay",
    "cosine_decay": "CosineDecay",
    "cosine_decay_restarts": "CosineDecayRestarts",
}


@pytest.mark.parametrize("name", list(KERAS_SCHEDULES))
def test_schedule_defaults_match_bare_keras(name):
    import inspect

    import keras

    import lrutils.schedules as schedules

    ours = inspect.signature(getattr(schedules, name)).parameters
    theirs = inspect.signature(getattr(keras.optimizers.schedules, KERAS_SCHEDULES[name])).parameters
    shared = [arg for arg in ours if arg in theirs and arg != "name"]
    assert shared, f"{name} shares no argument with keras.optimizers.schedules.{KERAS_SCHEDULES[name]}"
    for arg in shared:
        mine, keras_default = ours[arg].default, theirs[arg].default
        # an argument Keras requires must be required here too, and the other way round
        assert (mine is inspect.Parameter.empty) == (keras_default is inspect.Parameter.empty), (name, arg)
        if mine is not inspect.Parameter.empty:
            assert mine == keras_default, (name, arg, mine, keras_default)


def test_a_schedule_is_immutable_and_configures_under_keras_name():
    schedule = cosine_decay(0.1, 100)
    with pytest.raises(TypeError):
        schedule.kwargs["initial_learning_rate"] = 1.0  # would change ==, hash and config, not the formula
    assert schedule.get_config() == schedule.to_config()
    assert Schedule.from_config(schedule.get_config()) == schedule
    assert hash(cosine_decay(0.1, 100)) == hash(schedule)
