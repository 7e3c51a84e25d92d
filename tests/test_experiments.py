import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import lrutils as lu


@pytest.fixture(scope="module")
def tiny():
    # a linearly separable 2-class problem: fast and certain to be learnable
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return x[:150], y[:150], x[150:], y[150:]


def build(learning_rate=0.1):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.SGD(learning_rate), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def table(tiny):
    configs = {"slow": {"learning_rate": 1e-4}, "fast": {"learning_rate": 0.5, "epochs": 4}}
    return lu.run_experiments(build, configs, data=tiny, seeds=[0, 1], epochs=3, batch_size=32)


def test_table_is_tidy(table):
    assert {"config", "seed", "epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "time_s"} <= set(table.columns)
    # 2 seeds x 3 epochs for "slow", 2 seeds x 4 epochs for "fast" (per-config override)
    assert len(table) == 2 * 3 + 2 * 4
    assert table.groupby("config")["epoch"].max().to_dict() == {"fast": 4, "slow": 3}
    assert table["learning_rate"].round(6).unique().tolist() == [1e-4, 0.5]


def test_seeds_make_runs_repeatable(tiny):
    configs = {"a": {"learning_rate": 0.1}}
    t1 = lu.run_experiments(build, configs, data=tiny, seeds=[3], epochs=2)
    t2 = lu.run_experiments(build, configs, data=tiny, seeds=[3], epochs=2)
    np.testing.assert_array_equal(t1["loss"].to_numpy(), t2["loss"].to_numpy())


def test_larger_rate_learns_this_easy_problem_faster(table):
    last = lu.summarize(table, "val_accuracy", epoch=3)
    assert last.loc["fast", "mean"] > last.loc["slow", "mean"]
    assert last.loc["fast", "count"] == 2


def test_summarize_last_and_best(table):
    last = lu.summarize(table, "loss")
    assert list(last.index) == ["slow", "fast"]
    fast = table[table.config == "fast"]
    expected = fast[fast.epoch == 4]["loss"].mean()
    assert last.loc["fast", "mean"] == pytest.approx(expected)
    best = lu.summarize(table, "loss", epoch="best")
    assert best.loc["fast", "mean"] == pytest.approx(fast.groupby("seed")["loss"].min().mean())
    with pytest.raises(ValueError, match="epoch must be 'last', 'best' or a positive epoch number, got epoch=0"):
        lu.summarize(table, "loss", epoch=0)
    with pytest.raises(ValueError, match="got epoch='first'"):
        lu.summarize(table, "loss", epoch="first")
    with pytest.raises(TypeError, match="got epoch=2.0"):
        lu.summarize(table, "loss", epoch=2.0)
    assert lu.summarize(table, "loss", epoch=np.int64(4)).equals(lu.summarize(table, "loss", epoch=4))
    with pytest.raises(ValueError, match="no row has epoch 9"):
        lu.summarize(table, "loss", epoch=9)
    with pytest.raises(ValueError, match="no column 'acc'"):
        lu.summarize(table, "acc")


def _runs(*metrics):
    """Two seeds of one configuration, three epochs; every metric column holds the same values,
    whose per-seed best is 0.9 and 0.7 when largest (mean 0.8), 0.2 and 0.1 when smallest (0.15)."""
    import pandas as pd

    values = [0.2, 0.9, 0.5, 0.4, 0.1, 0.7]
    return pd.DataFrame({"config": ["a"] * 6, "seed": [0, 0, 0, 1, 1, 1], "epoch": [1, 2, 3] * 2,
                         **{metric: values for metric in metrics}})


BEST_IS_LARGEST, BEST_IS_SMALLEST = 0.8, 0.15


@pytest.mark.parametrize("metric, best", [
    ("accuracy", BEST_IS_LARGEST), ("val_accuracy", BEST_IS_LARGEST), ("val_auc", BEST_IS_LARGEST),
    ("precision", BEST_IS_LARGEST), ("val_recall", BEST_IS_LARGEST),
    ("loss", BEST_IS_SMALLEST), ("val_loss", BEST_IS_SMALLEST),
    # "loss" is not in these names, yet they are errors, best when smallest (the old rule maximised them)
    ("mse", BEST_IS_SMALLEST), ("val_mae", BEST_IS_SMALLEST), ("val_mean_squared_error", BEST_IS_SMALLEST),
])
def test_summarize_best_follows_keras_direction(metric, best):
    assert lu.summarize(_runs(metric), metric, epoch="best").loc["a", "mean"] == pytest.approx(best)


def test_summarize_best_with_explicit_mode():
    table = _runs("val_accuracy", "loss", "learning_rate")
    assert lu.summarize(table, "val_accuracy", epoch="best", mode="min").loc["a", "mean"] == pytest.approx(0.15)
    assert lu.summarize(table, "loss", epoch="best", mode="max").loc["a", "mean"] == pytest.approx(0.8)
    assert lu.summarize(table, "loss", epoch="best", mode="MIN").loc["a", "mean"] == pytest.approx(0.15)
    # a column that is no Keras metric: Keras's EarlyStopping refuses to guess, and so does summarize
    with pytest.raises(ValueError, match=r"cannot tell whether the best 'learning_rate' .* pass mode='min' or mode='max'"):
        lu.summarize(table, "learning_rate", epoch="best")
    assert lu.summarize(table, "learning_rate", epoch="best", mode="max").loc["a", "mean"] == pytest.approx(0.8)
    # a Keras metric whose class needs arguments cannot be looked up by name: ask for the mode too
    other = _runs("specificity_at_sensitivity")
    with pytest.raises(ValueError, match="cannot tell whether the best 'specificity_at_sensitivity'"):
        lu.summarize(other, "specificity_at_sensitivity", epoch="best")
    assert lu.summarize(table, "learning_rate").loc["a", "mean"] == pytest.approx(0.6)  # mode only matters for "best"
    with pytest.raises(ValueError, match="mode must be 'auto', 'max' or 'min', got mode='minimum'"):
        lu.summarize(table, "loss", epoch="best", mode="minimum")
    with pytest.raises(TypeError, match="mode must be 'auto', 'max' or 'min', got mode=None"):
        lu.summarize(table, "loss", epoch="best", mode=None)


def test_summarize_auto_mode_agrees_with_keras_early_stopping():
    """The oracle: the direction EarlyStopping(mode="auto") takes for the metrics of a compiled model."""
    import keras

    names = ["accuracy", "acc", "mse", "mae", "auc", "precision", "recall", "binary_crossentropy", "hinge",
             "mean_absolute_percentage_error", "kl_divergence"]
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=names)
    rng = np.random.default_rng(0)
    model.evaluate(rng.normal(size=(8, 3)), rng.integers(0, 2, size=(8, 1)), verbose=0)  # builds the metrics
    for name in ["loss", *names]:
        for metric in (name, "val_" + name):
            stopping = keras.callbacks.EarlyStopping(monitor=metric)
            stopping.set_model(model)
            stopping._set_monitor_op()  # private, but it is the rule summarize copies
            assert stopping.monitor_op.__name__ in ("greater", "less")
            keras_best = BEST_IS_LARGEST if stopping.monitor_op.__name__ == "greater" else BEST_IS_SMALLEST
            mine = lu.summarize(_runs(metric), metric, epoch="best").loc["a", "mean"]
            assert mine == pytest.approx(keras_best), metric
    stopping = keras.callbacks.EarlyStopping(monitor="learning_rate")
    stopping.set_model(model)
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        stopping._set_monitor_op()


def test_callbacks_are_fresh_per_run(tiny):
    import keras

    made = []

    def callbacks():
        made.append(keras.callbacks.History())
        return [made[-1]]

    lu.run_experiments(build, {"a": {"callbacks": callbacks}}, data=tiny, seeds=[0, 1], epochs=1)
    assert len(made) == 2 and made[0] is not made[1]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"configs": {}}, ValueError, "configs must be a non-empty mapping"),
        ({"configs": [("a", {})]}, TypeError, "configs must be a non-empty mapping"),
        ({"configs": {"a": 1}}, TypeError, r"configs\['a'\] must be a mapping"),
        ({"configs": {"a": {"callbacks": [1]}}}, TypeError, r"configs\['a'\]\['callbacks'\] must be a function"),
        ({"configs": {"a": {"epochs": 1.5}}}, TypeError, r"configs\['a'\]\['epochs'\] must be an integer"),
        ({"seeds": []}, ValueError, r"seeds must be a non-empty list of non-negative integers, got seeds=\[\]"),
        ({"seeds": [0, 1.5]}, TypeError, r"seeds must be a non-empty list .*got seeds=\[0, 1.5\]"),
        ({"seeds": [-1]}, ValueError, r"seeds must be a non-empty list .*got seeds=\[-1\]"),
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1, got epochs=0"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an integer, got batch_size=2.5"),
        ({"progress": "yes"}, TypeError, "progress must be True or False, got progress='yes'"),
        ({"data": "mnist"}, TypeError, "data must be an lrutils Dataset"),
        ({"data": (1, 2, 3)}, ValueError, "data must be an lrutils Dataset .* length 3"),
    ],
)
def test_bad_arguments(tiny, kwargs, error, message):
    args = {"configs": {"a": {}}, "data": tiny, "seeds": [0], "epochs": 1}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        lu.run_experiments(build, **args)


def test_numpy_integers_are_accepted_as_epochs_and_batch_size(tiny):
    # run_experiments used to test isinstance(value, int), which np.int64 fails
    fits = []

    class Model:
        def fit(self, *args, epochs, batch_size, **kwargs):
            fits.append((epochs, batch_size))
            history = type("History", (), {})()
            history.history = {"loss": [1.0] * epochs}
            return history

    table = lu.run_experiments(lambda: Model(), {"a": {}, "b": {"epochs": np.int64(1)}}, data=tiny,
                               seeds=[np.int64(0)], epochs=np.int64(2), batch_size=np.int32(16))
    assert fits == [(2, 16), (1, 16)]
    assert all(type(value) is int for fit in fits for value in fit)
    assert table["epoch"].tolist() == [1, 2, 1]


def test_no_progress_bar_in_static_mode(tiny, capsys):
    lu.set_static_mode(True)
    try:
        lu.run_experiments(build, {"a": {}}, data=tiny, seeds=[0], epochs=1, progress=True)
    finally:
        lu.set_static_mode(None)
    captured = capsys.readouterr()
    assert "runs" not in captured.err and "it/s" not in captured.err


def test_plot_runs_draws_mean_and_band(table):
    ax = lu.plot_runs(table, "val_accuracy")
    assert [line.get_label() for line in ax.get_lines()] == ["slow", "fast"]
    assert len(ax.collections) == 2  # one band per configuration
    assert ax.get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="band must be"):
        lu.plot_runs(table, "val_accuracy", band="iqr")
    with pytest.raises(ValueError, match="no column"):
        lu.plot_runs(table, "nope")


def test_log_lr_axis():
    ax = lu.log_lr_axis(axis="y")
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "learning rate"
    with pytest.raises(ValueError, match="axis must be"):
        lu.log_lr_axis(axis="z")
