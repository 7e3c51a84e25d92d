"""lrutils.layerwise: one optimizer per group of layers, checked against bare Keras optimizers.

The reference for a group is always a plain Keras optimizer of the same configuration updating
that group's variables of a second, identical model with gradients from its own GradientTape
(or, for the optimizer alone, from the very same gradient arrays).
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import lrutils as lu
from lrutils.layerwise import LayerwiseOptimizer, discriminative_rates, layerwise_optimizer

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3)).astype("float32")
Y = (np.sin(X).sum(axis=1, keepdims=True) + 0.5).astype("float32")


def _model(kind="nested"):
    """A body (a nested model of two layers) and a head; or a flat Sequential of three layers."""
    lu.set_seed(0, keras=True)
    if kind == "sequential":
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="tanh", name="a"),
                                 keras.layers.Dense(4, activation="tanh", name="b"),
                                 keras.layers.Dense(1, name="head")])
    body = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="tanh", name="a"),
                             keras.layers.Dense(4, activation="tanh", name="b")], name="body")
    x = keras.Input((3,))
    return keras.Model(x, keras.layers.Dense(1, name="head")(body(x)))


def _two_groups(model, body, head):
    """(body, head) groups of either kind of model, with fresh optimizers from the factories."""
    if "body" in [layer.name for layer in model.layers]:
        return [("body", body()), (model.get_layer("head"), head())]
    return [(["a", "b"], body()), ("head", head())]


def _fit_and_reference(groups, *, kind="nested", batch_size=4, epochs=1, compile_kwargs=None, fit_kwargs=None,
                       default=None, outer=None):
    """Train a model with a LayerwiseOptimizer under ``fit`` and an identical one by hand, each group
    with a bare Keras optimizer of the same configuration; return both models' weights.

    ``groups(model)`` returns the (layers, optimizer) pairs, with new optimizers at each call.
    """
    model = _model(kind)
    opt = layerwise_optimizer(model, groups(model), default=default() if default else None, **(outer or {}))
    model.compile(optimizer=opt, loss="mse", **(compile_kwargs or {}))
    model.fit(X, Y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0, **(fit_kwargs or {}))

    reference = _model(kind)
    bare = [optimizer for _, optimizer in groups(reference)] + ([default()] if default else [])
    members = [[v for v, g in zip(reference.trainable_variables, opt.assignment) if g == i] for i in range(len(bare))]
    loss_fn = keras.losses.MeanSquaredError()
    for _ in range(epochs):
        for start in range(0, len(X), batch_size):
            with tf.GradientTape() as tape:
                loss = loss_fn(Y[start:start + batch_size], reference(X[start:start + batch_size], training=True))
            grads = dict(zip((id(v) for v in reference.trainable_variables),
                             tape.gradient(loss, reference.trainable_variables)))
            for optimizer, variables in zip(bare, members):
                optimizer.apply([grads[id(v)] for v in variables], variables)
    for optimizer, variables in zip(bare, members):
        optimizer.finalize_variable_values(variables)
    got = [v.numpy() for v in model.trainable_variables]
    return model, opt, got, [v.numpy() for v in reference.trainable_variables]


def _max_error(got, want):
    return max(float(np.max(np.abs(a - b))) for a, b in zip(got, want))


# ------------------------------------------------------------------------------------------
# Parity with bare Keras optimizers
# ------------------------------------------------------------------------------------------
def test_two_sgd_groups_step_as_bare_sgd_under_fit():
    """One fit step on one batch: each group moves exactly as a bare SGD of its rate would."""
    model, opt, got, want = _fit_and_reference(
        lambda m: _two_groups(m, lambda: keras.optimizers.SGD(0.01), lambda: keras.optimizers.SGD(0.3)),
        batch_size=16)
    assert opt.assignment == [0, 0, 0, 0, 1, 1]
    assert _max_error(got, want) < 1e-6
    # every variable moved (no group was skipped)
    start = [v.numpy() for v in _model().trainable_variables]
    assert all(np.any(a != b) for a, b in zip(got, start))


@pytest.mark.parametrize("make", [
    lambda: [keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-3, beta_1=0.8, amsgrad=True)],
    lambda: [keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True), keras.optimizers.AdamW(3e-3, weight_decay=0.1)],
    lambda: [keras.optimizers.RMSprop(1e-3, clipnorm=0.1), keras.optimizers.Lion(1e-4),
             keras.optimizers.Adagrad(0.1)],
], ids=["adam-adam", "sgd-adamw", "rmsprop-lion-adagrad"])
def test_every_group_matches_its_bare_optimizer_on_the_same_gradients(make):
    """Several steps of apply() with the same gradient arrays: each group's variables follow a bare
    optimizer of the same configuration on a copy of them, bit for bit."""
    shapes = [(3, 4), (4,), (4, 2), (2,), (5,)]
    optimizers = make()
    assignment = [i % len(optimizers) for i in range(len(shapes))]
    start = [RNG.normal(size=s).astype("float32") for s in shapes]
    ours = [keras.Variable(w) for w in start]
    copies = [keras.Variable(w) for w in start]
    bare = make()
    opt = LayerwiseOptimizer(optimizers, assignment)
    for _ in range(5):
        grads = [RNG.normal(size=s).astype("float32") for s in shapes]
        opt.apply([keras.ops.convert_to_tensor(g) for g in grads], ours)
        for i, optimizer in enumerate(bare):
            group = [k for k, g in enumerate(assignment) if g == i]
            optimizer.apply([keras.ops.convert_to_tensor(grads[k]) for k in group], [copies[k] for k in group])
    assert _max_error([v.numpy() for v in ours], [v.numpy() for v in copies]) == 0.0
    assert int(opt.iterations.numpy()) == 5 and [int(o.iterations.numpy()) for o in optimizers] == [5] * len(optimizers)


def test_adam_groups_with_schedules_match_under_fit_for_several_steps():
    """A Keras schedule in one group, an lrutils one (lrutils.to_keras) in the other."""
    decay = lambda: keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(3e-2, 1, 0.7))  # noqa: E731
    cosine = lambda: keras.optimizers.Adam(lu.to_keras(lu.cosine_decay(1e-2, 8)))  # noqa: E731
    model, opt, got, want = _fit_and_reference(lambda m: _two_groups(m, decay, cosine), epochs=2)
    assert _max_error(got, want) < 1e-6
    # 8 steps: the largest of the two scheduled rates at step 8 (the cosine has reached 0)
    assert float(opt.learning_rate) == pytest.approx(max(3e-2 * 0.7**8, lu.cosine_decay(1e-2, 8)(8)), rel=1e-5)


def test_a_group_at_rate_zero_stays_frozen():
    model = _model()
    before = [v.numpy() for v in model.trainable_variables]
    opt = layerwise_optimizer(model, [("body", keras.optimizers.Adam(0.0)), ("head", keras.optimizers.Adam(1e-2))])
    model.compile(optimizer=opt, loss="mse")
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0)
    after = [v.numpy() for v in model.trainable_variables]
    for before_v, after_v, group in zip(before, after, opt.assignment):
        assert np.array_equal(before_v, after_v) == (group == 0)


def test_steps_per_execution():
    model, opt, got, want = _fit_and_reference(
        lambda m: _two_groups(m, lambda: keras.optimizers.Adam(1e-3), lambda: keras.optimizers.SGD(0.1, momentum=0.9)),
        kind="sequential", compile_kwargs={"steps_per_execution": 2}, epochs=2)
    assert _max_error(got, want) < 1e-6
    assert int(opt.iterations.numpy()) == 8


_XLA_AND_REPLICAS_SCRIPT = """
import contextlib
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import lrutils as lu
from lrutils.layerwise import layerwise_optimizer

x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
y = np.sin(x).sum(axis=1, keepdims=True)


def train(layerwise, strategy=None, jit_compile=False):
    lu.set_seed(0, keras=True, deterministic=False)  # op determinism turns XLA off
    with strategy.scope() if strategy else contextlib.nullcontext():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="tanh", name="a"),
                                  keras.layers.Dense(1, name="head")])
        opt = (layerwise_optimizer(model, [("a", keras.optimizers.Adam(1e-2)), ("head", keras.optimizers.Adam(1e-2))])
               if layerwise else keras.optimizers.Adam(1e-2))
        model.compile(optimizer=opt, loss="mse", jit_compile=jit_compile)
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert model.jit_compile is jit_compile
    return [v.numpy() for v in model.trainable_variables]


def error(a, b):
    return max(float(np.max(np.abs(p - q))) for p, q in zip(a, b))


xla = error(train(True, jit_compile=True), train(False, jit_compile=True))
mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
assert mirrored.num_replicas_in_sync == 2
replicas = error(train(True, mirrored), train(False, mirrored))
assert xla < 1e-6 and replicas < 1e-6, (xla, replicas)
print("ok")
"""


def test_under_xla_and_two_replicas_as_one_keras_adam(tmp_path):
    """Two groups at the same rate train as one Keras Adam does, with ``jit_compile=True`` and under
    a MirroredStrategy over two logical CPUs (in a fresh process: op determinism, which the other
    tests turn on, disables XLA, and devices are split before TensorFlow starts)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # this checkout's lrutils
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    result = subprocess.run([sys.executable, "-c", _XLA_AND_REPLICAS_SCRIPT], capture_output=True, text=True,
                            cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": path})
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]


def test_default_group_and_ema_finalised_per_group():
    """Variables in no group go to ``default``; an EMA group is copied in at the end of fit."""
    model, opt, got, want = _fit_and_reference(
        lambda m: [(lambda v: v.path.endswith("bias"), keras.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5))],
        default=lambda: keras.optimizers.Adam(1e-2), epochs=2)
    assert opt.assignment == [1, 0, 1, 0, 1, 0]
    assert _max_error(got, want) < 1e-6


def test_gradient_accumulation_on_the_groups():
    """Each group accumulating over 2 batches moves as a bare optimizer accumulating over 2 batches;
    on the LayerwiseOptimizer itself it is refused, with the way to do it."""
    model, opt, got, want = _fit_and_reference(
        lambda m: _two_groups(m, lambda: keras.optimizers.SGD(0.1, gradient_accumulation_steps=2),
                              lambda: keras.optimizers.Adam(1e-2, gradient_accumulation_steps=2)))
    assert _max_error(got, want) < 1e-6
    assert int(opt.iterations.numpy()) == 4 and [int(o.iterations.numpy()) for o in opt.group_optimizers] == [2, 2]
    with pytest.raises(ValueError, match="gradient_accumulation_steps belongs on the groups' optimizers"):
        layerwise_optimizer(_model(), [("body", keras.optimizers.SGD(0.1))], default=keras.optimizers.SGD(0.1),
                            gradient_accumulation_steps=2)


def test_global_clipnorm_clips_all_groups_together_as_keras_does():
    """Two SGD groups at the same rate with a global clip equal one Keras SGD with that clip."""
    clip = 0.05
    model = _model()
    opt = layerwise_optimizer(model, _two_groups(model, lambda: keras.optimizers.SGD(0.1),
                                                 lambda: keras.optimizers.SGD(0.1)), global_clipnorm=clip)
    model.compile(optimizer=opt, loss="mse")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    reference = _model()
    reference.compile(optimizer=keras.optimizers.SGD(0.1, global_clipnorm=clip), loss="mse")
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(Y[:8], reference(X[:8], training=True))
    assert float(tf.linalg.global_norm(tape.gradient(loss, reference.trainable_variables))) > 5 * clip  # it clips
    reference.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert _max_error([v.numpy() for v in model.trainable_variables],
                      [v.numpy() for v in reference.trainable_variables]) < 1e-6
    with pytest.raises(ValueError, match="global_clipnorm=0.05 cannot be combined with gradient accumulation"):
        layerwise_optimizer(_model(), [("body", keras.optimizers.SGD(0.1, gradient_accumulation_steps=2))],
                            default=keras.optimizers.SGD(0.1), global_clipnorm=clip)


def test_loss_scale_factor_is_undone():
    model, opt, got, want = _fit_and_reference(
        lambda m: _two_groups(m, lambda: keras.optimizers.SGD(0.01), lambda: keras.optimizers.Adam(1e-2)),
        outer={"loss_scale_factor": 1024.0})
    assert _max_error(got, want) < 1e-6


# ------------------------------------------------------------------------------------------
# learning_rate and iterations
# ------------------------------------------------------------------------------------------
def test_learning_rate_is_the_largest_and_setting_it_keeps_the_ratios():
    opt = LayerwiseOptimizer([keras.optimizers.SGD(1e-4), keras.optimizers.Adam(1e-3), keras.optimizers.SGD(0.0)],
                             [0, 1, 2])
    assert float(opt.learning_rate) == pytest.approx(1e-3)
    opt.learning_rate = 5e-4
    rates = [float(o.learning_rate) for o in opt.group_optimizers]
    assert rates == pytest.approx([5e-5, 5e-4, 0.0], rel=1e-6) and rates[1] == np.float32(5e-4)
    assert lu.current_learning_rate(opt) == pytest.approx(5e-4)
    # a schedule through 0 (a warm-up from 0): the next setting restores the ratios
    opt.learning_rate = 0.0
    assert [float(o.learning_rate) for o in opt.group_optimizers] == [0.0, 0.0, 0.0]
    opt.learning_rate = 1e-3
    assert [float(o.learning_rate) for o in opt.group_optimizers] == pytest.approx([1e-4, 1e-3, 0.0], rel=1e-6)
    # a group's rate set directly (unfreezing) counts from the next setting on
    opt.group_optimizers[2].learning_rate = 1e-3
    opt.learning_rate = 2e-3
    assert [float(o.learning_rate) for o in opt.group_optimizers] == pytest.approx([2e-4, 2e-3, 2e-3], rel=1e-6)
    never = LayerwiseOptimizer([keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0)], [0, 1])
    with pytest.raises(ValueError, match="rates are all 0 and were never set above 0"):
        never.learning_rate = 1e-3
    scheduled = LayerwiseOptimizer([keras.optimizers.SGD(0.1), keras.optimizers.SGD(
        keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))], [0, 1])
    with pytest.raises(TypeError, match=r"group_optimizers\[1\] was built with a learning-rate schedule"):
        scheduled.learning_rate = 0.01


def test_keras_callbacks_scale_every_group():
    """ReduceLROnPlateau halves "the" rate each epoch here: every group is halved, ratios kept."""
    model = _model()
    opt = layerwise_optimizer(model, [("body", keras.optimizers.SGD(1e-3)), ("head", keras.optimizers.SGD(1e-2))])
    model.compile(optimizer=opt, loss="mse")
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)
    history = model.fit(X, Y, batch_size=8, epochs=3, verbose=0, callbacks=[plateau])
    np.testing.assert_allclose(history.history["learning_rate"], [1e-2, 1e-2, 5e-3], rtol=1e-6)
    np.testing.assert_allclose([float(o.learning_rate) for o in opt.group_optimizers], [2.5e-4, 2.5e-3], rtol=1e-6)


# ------------------------------------------------------------------------------------------
# Saving
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sequential", "nested"])
def test_save_and_load_keep_groups_and_state_and_training_continues_identically(tmp_path, kind):
    """A Sequential model's variables are renamed by loading (sequential/a/kernel -> a/kernel): the
    groups, kept by position, survive it."""
    model = _model(kind)
    decay = keras.optimizers.schedules.ExponentialDecay(1e-2, 2, 0.5)
    groups = _two_groups(model, lambda: keras.optimizers.Adam(decay),
                         lambda: keras.optimizers.SGD(0.05, momentum=0.9))
    model.compile(optimizer=layerwise_optimizer(model, groups), loss="mse")
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")  # registered: no custom_objects needed

    assert isinstance(loaded.optimizer, LayerwiseOptimizer)
    assert loaded.optimizer.assignment == model.optimizer.assignment
    assert [type(o) for o in loaded.optimizer.group_optimizers] == [keras.optimizers.Adam, keras.optimizers.SGD]
    state = [v.numpy() for v in model.optimizer.variables]
    assert len(state) == len(loaded.optimizer.variables) > 10  # counters, rates, moments, momenta
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(state, loaded.optimizer.variables))
    np.testing.assert_array_equal(model.predict(X, verbose=0), loaded.predict(X, verbose=0))

    for m in (model, loaded):
        m.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert _max_error([v.numpy() for v in model.trainable_variables],
                      [v.numpy() for v in loaded.trainable_variables]) == 0.0


def test_config_round_trip():
    opt = LayerwiseOptimizer([keras.optimizers.SGD(0.1, momentum=0.5), keras.optimizers.AdamW(1e-3)], [1, 0, 1],
                             global_clipnorm=2.0, name="mine")
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert isinstance(again, LayerwiseOptimizer) and again.get_config() == opt.get_config()
    assert again.name == "mine" and again.global_clipnorm == 2.0 and again.assignment == [1, 0, 1]
    assert again.group_optimizers[0].momentum == 0.5


# ------------------------------------------------------------------------------------------
# Refused input
# ------------------------------------------------------------------------------------------
def _sgd():
    return keras.optimizers.SGD(0.1)


@pytest.mark.parametrize("groups, kwargs, error, message", [
    (lambda m: [("body", _sgd())], {}, ValueError, r"no group selects 'head/kernel', 'head/bias': .*default="),
    (lambda m: [("body", _sgd()), (["head", m.get_layer("body")], _sgd())], {}, ValueError,
     r"groups\[0\] and groups\[1\] both select 'body/a/kernel', 'body/a/bias', 'body/b/kernel', 'body/b/bias'"),
    (lambda m: [("body", _sgd()), ("head", 0.1)], {}, TypeError,
     r"the optimizer of groups\[1\] must be a keras.optimizers.Optimizer, got 0.1"),
    (lambda m: [([], _sgd())], {"default": _sgd()}, ValueError, r"groups\[0\] is an empty list of layers"),
    (lambda m: [(lambda v: False, _sgd())], {"default": _sgd()}, ValueError,
     r"groups\[0\] selects no trainable variable"),
    (lambda m: [(keras.layers.Dense(2), _sgd())], {"default": _sgd()}, ValueError,
     r"groups\[0\] selects no trainable variable"),
    (lambda m: [("nope", _sgd())], {"default": _sgd()}, ValueError,
     r"groups\[0\]: the model has no layer named 'nope'"),
    (lambda m: [(3, _sgd())], {"default": _sgd()}, TypeError, r"groups\[0\] must be a layer, a layer name"),
    (lambda m: [([m.get_layer("head"), 3], _sgd())], {"default": _sgd()}, TypeError,
     r"groups\[0\] must hold layers or layer names, got 3"),
    (lambda m: [("body",)], {}, TypeError, r"groups\[0\] must be a \(layers, optimizer\) pair"),
    (lambda m: ("body", _sgd()), {}, TypeError, r"groups\[0\] must be a \(layers, optimizer\) pair"),
    (lambda m: "body", {}, TypeError, "groups must be a list of"),
    (lambda m: [], {"default": _sgd()}, ValueError, r"groups must hold at least one"),
    (lambda m: [("body", _sgd()), ("head", _sgd())], {"default": _sgd()}, ValueError,
     "default would train no variable"),
    (lambda m: [("body", _sgd())], {"default": "adam"}, TypeError, "default must be a keras.optimizers.Optimizer"),
    (lambda m: [("body", _sgd())], {"default": _sgd(), "weight_decay": 0.1}, ValueError,
     "weight_decay belongs on the groups' optimizers"),
    (lambda m: [("body", _sgd())], {"default": _sgd(), "global_clipnorm": -1.0}, ValueError,
     "global_clipnorm must be > 0"),
    (lambda m: [("body", keras.optimizers.SGD(0.1, loss_scale_factor=8.0))], {"default": _sgd()}, ValueError,
     r"the optimizer of groups\[0\] has loss_scale_factor=8.0; .* pass loss_scale_factor to the LayerwiseOptimizer"),
    (lambda m: [("body", keras.optimizers.LossScaleOptimizer(_sgd()))], {"default": _sgd()}, ValueError,
     r"the optimizer of groups\[0\] must be a plain optimizer, got a LossScaleOptimizer"),
])
def test_bad_groups_are_refused_with_the_argument_named(groups, kwargs, error, message):
    model = _model()
    with pytest.raises(error, match=message):
        layerwise_optimizer(model, groups(model), **kwargs)


def test_one_optimizer_in_two_groups_or_already_built_is_refused():
    model = _model()
    shared = _sgd()
    with pytest.raises(ValueError, match=r"the optimizer of groups\[1\] is the one of groups\[0\]"):
        layerwise_optimizer(model, [("body", shared), ("head", shared)])
    with pytest.raises(ValueError, match="default is the optimizer of one of the groups"):
        layerwise_optimizer(model, [("body", shared)], default=shared)
    with pytest.raises(ValueError, match=r"optimizers\[1\] is the same object as optimizers\[0\]"):
        LayerwiseOptimizer([shared, shared], [0, 1])
    used = _sgd()
    used.build(model.get_layer("head").trainable_variables)
    with pytest.raises(ValueError, match=r"the optimizer of groups\[1\] is already built"):
        layerwise_optimizer(model, [("body", _sgd()), ("head", used)])
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        layerwise_optimizer(keras.layers.Dense(2), [("body", _sgd())])


def test_the_constructor_checks_its_arguments():
    with pytest.raises(ValueError, match=r"assignment\[1\] must be a group index below 2"):
        LayerwiseOptimizer([_sgd(), _sgd()], [0, 2])
    with pytest.raises(ValueError, match=r"optimizers\[1\] has no variable"):
        LayerwiseOptimizer([_sgd(), _sgd()], [0, 0])
    with pytest.raises(TypeError, match=r"assignment\[0\] must be an integer"):
        LayerwiseOptimizer([_sgd()], ["a"])
    with pytest.raises(TypeError, match="optimizers must be a list"):
        LayerwiseOptimizer(_sgd(), [0])
    with pytest.raises(ValueError, match=r"optimizers\[0\] must be a plain optimizer, got a LayerwiseOptimizer"):
        LayerwiseOptimizer([LayerwiseOptimizer([_sgd()], [0])], [0])
    with pytest.raises(ValueError, match="learning_rate belongs on the groups' optimizers"):
        LayerwiseOptimizer([_sgd()], [0], learning_rate=0.1)
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['momentum'\]"):
        LayerwiseOptimizer([_sgd()], [0], momentum=0.9)


def test_a_model_changed_after_the_optimizer_was_made_is_refused_at_build():
    model = _model()
    opt = layerwise_optimizer(model, [("body", _sgd()), ("head", _sgd())])
    model.get_layer("body").trainable = False  # frozen after the groups were made
    model.compile(optimizer=opt, loss="mse")
    with pytest.raises(ValueError, match="made for 6 trainable variables, but is built with 2"):
        model.fit(X, Y, verbose=0)
    opt = layerwise_optimizer(_model(), [("body", _sgd()), ("head", _sgd())])
    with pytest.raises(ValueError, match="built with other variables than those of the model it was made for"):
        opt.build(_model().trainable_variables)


# ------------------------------------------------------------------------------------------
# discriminative_rates
# ------------------------------------------------------------------------------------------
def test_discriminative_rates():
    rates = discriminative_rates(1e-3, 4)
    assert rates[-1] == 1e-3 and all(isinstance(r, float) for r in rates)
    np.testing.assert_allclose(np.array(rates[1:]) / rates[:-1], 2.6)
    # fastai's slice(1e-5, 1e-3) over 3 groups
    np.testing.assert_allclose(discriminative_rates(1e-3, 3, factor=(1e-3 / 1e-5) ** 0.5), [1e-5, 1e-4, 1e-3])
    assert discriminative_rates(0.1, 3, factor=1) == [0.1] * 3
    with pytest.raises(ValueError, match="num_groups must be an integer >= 1, got num_groups=0"):
        discriminative_rates(1e-3, 0)
    with pytest.raises(ValueError, match="factor must be >= 1"):
        discriminative_rates(1e-3, 3, factor=0.5)
    with pytest.raises(TypeError, match="base_rate must be a real number"):
        discriminative_rates("1e-3", 3)


def test_the_range_test_refuses_it_and_says_what_to_do():
    from lrutils.lr_finder import find_lr

    model = _model()
    model.compile(optimizer=layerwise_optimizer(model, [("body", keras.optimizers.SGD(0.01)),
                                                        ("head", keras.optimizers.SGD(0.1))]), loss="mse")
    with pytest.raises(ValueError, match="single optimizer.*discriminative_rates"):
        find_lr(model, (X, Y), batch_size=4, num_steps=10)
