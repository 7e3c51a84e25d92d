"""Tests for lrutils.batched: a grid trained in one step must equal model.fit run by run."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from lrutils.batched import CNN, MLP, keras_model, run_grid  # noqa: E402
from lrutils.keras_optimizers import make_optimizer  # noqa: E402
from lrutils.seed import set_seed  # noqa: E402

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


@pytest.fixture(scope="module")
def tiny():
    """Random 12x12 'images' with labels that depend on them (learnable, 3 classes)."""
    rng = np.random.default_rng(0)
    x = rng.random((300, 12, 12, 1), dtype=np.float32)
    y = (x[:, :6].mean(axis=(1, 2, 3)) * 3 + rng.random(300) * 0.5).astype(np.int64) % 3
    return x[:200], y[:200], x[200:], y[200:]


def _fit(arch, optimizer, kwargs, data, seed, epochs, batch_size):
    """The reference: an ordinary Keras model trained with model.fit (no shuffling)."""
    x, y, xv, yv = data
    set_seed(seed, keras=True)
    net = keras_model(arch, x.shape[1:], 3)
    net.compile(make_optimizer(optimizer, **kwargs),
                keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return net.fit(x, y, validation_data=(xv, yv), epochs=epochs, batch_size=batch_size,
                   shuffle=False, verbose=0).history


# One table: architecture, optimizer, arguments. Adam and momentum share one flat variable
# per configuration; Lamb (a trust ratio per layer) and clipnorm need per-layer variables.
CASES = [
    (MLP((16,)), "adam", {"learning_rate": 0.01}),
    (MLP((8, 8), activation="tanh"), "momentum", {"learning_rate": 0.1}),
    (MLP((16,)), "lamb", {"learning_rate": 0.01}),
    (CNN((4, 6)), "rmsprop", {"learning_rate": 0.003, "clipnorm": 0.5}),
    (CNN((4,), kernel_size=5, strides=1), "nadam", {"learning_rate": 0.01}),
]


@pytest.mark.parametrize("arch,optimizer,kwargs", CASES, ids=[f"{type(c[0]).__name__}-{c[1]}" for c in CASES])
def test_matches_model_fit(tiny, arch, optimizer, kwargs):
    table = run_grid({"run": {"optimizer": optimizer, **kwargs}}, data=tiny, model=arch,
                     seeds=[0, 5], epochs=2, batch_size=48, shuffle=False)  # 200 = 4 * 48 + 8
    assert len(table) == 4
    for seed in (0, 5):
        history = _fit(arch, optimizer, kwargs, tiny, seed, 2, 48)
        mine = table[table.seed == seed].sort_values("epoch")
        for metric in METRICS:
            np.testing.assert_allclose(mine[metric], history[metric], rtol=2e-5, atol=1e-6, err_msg=metric)


def _fit_in_orders(arch, optimizer, kwargs, data, seed, epochs, batch_size):
    """The reference for shuffle=True: model.fit, one epoch at a time, on the training set in the
    order of the next permutation from numpy.random.default_rng(seed), as run_grid documents."""
    x, y, xv, yv = data
    rng = np.random.default_rng(seed)
    set_seed(seed, keras=True)
    net = keras_model(arch, x.shape[1:], 3)
    net.compile(make_optimizer(optimizer, **kwargs),
                keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = {metric: [] for metric in METRICS}
    for _ in range(epochs):
        order = rng.permutation(len(x))
        epoch = net.fit(x[order], y[order], validation_data=(xv, yv), epochs=1, batch_size=batch_size,
                        shuffle=False, verbose=0).history
        for metric in METRICS:
            history[metric] += epoch[metric]
    return history


def test_shuffle_gives_every_configuration_of_a_seed_the_same_batches(tiny):
    """Common random numbers: with shuffle=True, each configuration of a seed is trained on the
    batches of that seed's permutations, whatever the other configurations of the grid."""
    configs = {"adam": {"optimizer": "adam", "learning_rate": 0.01},  # one flat variable
               "lamb": {"optimizer": "lamb", "learning_rate": 0.01}}  # per-layer variables
    table = run_grid(configs, data=tiny, model=MLP((16,)), seeds=[0, 5], epochs=2, batch_size=48)
    for name, params in configs.items():
        params = dict(params)
        optimizer = params.pop("optimizer")
        for seed in (0, 5):
            history = _fit_in_orders(MLP((16,)), optimizer, params, tiny, seed, 2, 48)
            mine = table[(table.config == name) & (table.seed == seed)].sort_values("epoch")
            for metric in METRICS:
                np.testing.assert_allclose(mine[metric], history[metric], rtol=2e-5, atol=1e-6,
                                           err_msg=f"{name}, seed {seed}, {metric}")


def test_shuffle_same_configuration_twice_gives_the_same_runs(tiny):
    """Two configurations that differ only in their name see the same batches, so they train to
    the same numbers; shuffling does change the batches (the result differs from shuffle=False)."""
    same = {"optimizer": "sgd", "learning_rate": 0.3}
    table = run_grid({"a": same, "b": same}, data=tiny, model=MLP((8,)), seeds=[0, 1], epochs=2, batch_size=32)
    a, b = (table[table.config == name][list(METRICS)].to_numpy() for name in ("a", "b"))
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=0)
    in_order = run_grid({"a": same}, data=tiny, model=MLP((8,)), seeds=[0, 1], epochs=2, batch_size=32,
                        shuffle=False)
    assert np.abs(in_order[["loss", "val_loss"]].to_numpy() - a[:, [0, 2]]).max() > 1e-4


def test_runs_are_independent(tiny):
    """A diverging run beside a good one leaves the good one's numbers unchanged."""
    good = {"optimizer": "adam", "learning_rate": 0.01}
    alone = run_grid({"good": good}, data=tiny, model=MLP((8,)), seeds=[1], epochs=2, batch_size=50)
    both = run_grid({"bad": {"optimizer": "sgd", "learning_rate": 1e4}, "good": good},
                    data=tiny, model=MLP((8,)), seeds=[1], epochs=2, batch_size=50)
    bad = both[both.config == "bad"]
    good_loss = both[both.config == "good"]["loss"]
    assert not np.all(np.isfinite(bad["loss"])) or bad["loss"].min() > 100 * good_loss.max()
    # equal up to float32 rounding (a grid of two may use other matmul kernels than a grid of one)
    np.testing.assert_allclose(both[both.config == "good"][list(METRICS)].to_numpy(),
                               alone[list(METRICS)].to_numpy(), rtol=1e-6)


def test_table_columns_and_learning_rate(tiny):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=5, decay_rate=0.5)
    table = run_grid({"s": {"optimizer": "sgd", "learning_rate": schedule}}, data=tiny,
                     model=MLP((4,)), seeds=[0], epochs=2, batch_size=100)
    assert list(table.columns) == ["config", "optimizer", "seed", "epoch", "loss", "accuracy",
                                   "val_loss", "val_accuracy", "learning_rate", "time_s"]
    assert table.optimizer.tolist() == ["SGD", "SGD"]
    # two steps per epoch: the rate after 2 and 4 steps, from the schedule's formula
    np.testing.assert_allclose(table.learning_rate, [0.1 * 0.5 ** (2 / 5), 0.1 * 0.5 ** (4 / 5)], rtol=1e-6)


def test_make_optimizer_names():
    assert type(make_optimizer("nesterov")).__name__ == "SGD"
    assert make_optimizer("nesterov").nesterov is True
    assert type(make_optimizer("Lamb", learning_rate=0.1)).__name__ == "Lamb"
    assert type(make_optimizer(keras.optimizers.Ftrl)).__name__ == "Ftrl"
    assert type(make_optimizer("ADAMW")).__name__ == "AdamW"  # any case, as in Keras
    with pytest.raises(ValueError, match=r"unknown optimizer='adamm'; valid names: .*'adam', .*'nesterov'"):
        make_optimizer("adamm")
    with pytest.raises(TypeError, match="optimizer must be a name"):
        make_optimizer(3)


@pytest.mark.parametrize("kwargs,error,match", [
    ({"configs": {}}, ValueError, "configs must be a non-empty"),
    ({"configs": ["a"]}, TypeError, "configs must be a non-empty mapping"),
    ({"configs": {"a": {"learning_rate": 0.1}}}, ValueError, r"configs\['a'\] must be a mapping with an 'optimizer' key"),
    ({"configs": {"a": "sgd"}}, TypeError, r"configs\['a'\] must be a mapping with an 'optimizer' key"),
    ({"seeds": []}, ValueError, r"seeds must be a non-empty list of non-negative integers, got seeds=\[\]"),
    ({"seeds": [0, "1"]}, TypeError, r"seeds must be a non-empty list .*got seeds=\[0, '1'\]"),
    ({"seeds": [1, 1]}, ValueError, r"seeds must be distinct, got seeds=\[1, 1\]"),
    ({"epochs": 0}, ValueError, "epochs must be an integer >= 1, got epochs=0"),
    ({"batch_size": 2.5}, TypeError, "batch_size must be an integer, got batch_size=2.5"),
    ({"model": "mlp"}, TypeError, "model must be an lrutils.batched.MLP or CNN"),
    ({"model": MLP((0,))}, ValueError, r"hidden\[0\] must be an integer >= 1, got hidden\[0\]=0"),
    ({"model": MLP([4])}, TypeError, r"hidden must be a tuple of positive integers, got hidden=\[4\]"),
    ({"model": CNN((4,), kernel_size=2.0)}, TypeError, "kernel_size must be an integer, got kernel_size=2.0"),
    ({"model": CNN((4,), activation="gelu")}, ValueError,
     "activation must be 'linear', 'relu', 'sigmoid' or 'tanh', got activation='gelu'"),
    ({"shuffle": 1}, TypeError, "shuffle must be True or False, got shuffle=1"),
    ({"data": (1, 2)}, ValueError, "data must be an lrutils Dataset .* length 2"),
])
def test_validation(tiny, kwargs, error, match):
    args = {"configs": {"a": {"optimizer": "sgd"}}, "data": tiny, "model": MLP((4,)), "epochs": 1}
    args.update(kwargs)
    configs = args.pop("configs")
    with pytest.raises(error, match=match):
        run_grid(configs, **args)


def test_cnn_needs_images(tiny):
    x, y, xv, yv = tiny
    flat = (x.reshape(len(x), -1), y, xv.reshape(len(xv), -1), yv)
    with pytest.raises(ValueError, match="a CNN needs images"):
        run_grid({"a": {"optimizer": "sgd"}}, data=flat, model=CNN())
