"""Tests of the LR range test, in the style of fastai's own tests of ``LRFinder``.

Expected values come from formulas (the geometric sequence, the moving average by hand),
from an independent NumPy forward pass (the per-batch losses) or from curves built so that
the answer is known (suggestions).
"""

import math
import os
import pathlib
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from _messages import names_argument

import lrutils as lu
from lrutils import _keras_internals as internals
from lrutils import lr_finder
from lrutils.callbacks import LearningRateRecorder
from lrutils.lr_finder import (
    LRFinder,
    LRFinderResult,
    batch_losses_from_running_mean,
    find_lr,
    loss_drop,
    smooth_losses,
    suggest_lr,
    sweep_learning_rates,
    trial_candidates,
    trial_score,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 4)).astype("float32")
Y = ((X[:, 0] > 0).astype("int64") + (X[:, 1] > 0).astype("int64"))  # 3 classes
BATCH = 8  # 8 batches per epoch


def make_model(optimizer="adam", learning_rate=0.01, *, extra_layers=False, with_input=True):
    lu.set_seed(0, keras=True)
    layers = [keras.Input((4,))] if with_input else []
    if extra_layers:  # non-trainable statistics and a dropout seed state, to be restored too
        layers += [keras.layers.Dense(8, activation="relu"), keras.layers.BatchNormalization(),
                   keras.layers.Dropout(0.2)]
    layers += [keras.layers.Dense(3, activation="softmax")]
    model = keras.Sequential(layers)
    opt = {"adam": keras.optimizers.Adam, "sgd": lambda lr: keras.optimizers.SGD(lr, momentum=0.9)}
    model.compile(opt[optimizer](learning_rate), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def state(model):
    """Every variable of the model and its optimizer: path -> value."""
    out = {}
    for prefix, variables in (("model", model.variables), ("opt", model.optimizer.variables)):
        for v in variables:
            out[f"{prefix}/{v.path}"] = np.array(keras.ops.convert_to_numpy(v), copy=True)
    return out


def assert_same_state(before, after):
    assert list(before) == list(after)
    for key in before:
        assert before[key].dtype == after[key].dtype, key
        assert np.array_equal(before[key], after[key]), key  # bit for bit


def assert_restored(before, model):
    """As ``assert_same_state``; an optimizer that had made no step may since have been built:
    its new slot variables must then be Adam's fresh ones, zeros, as ``fit`` would build them."""
    after = state(model)
    assert_same_state(before, {k: after[k] for k in before})
    for key in set(after) - set(before):
        assert key.startswith("opt/") and not np.any(after[key]), key


@pytest.fixture(scope="module")
def _shared_model():
    return make_model()


@pytest.fixture
def untouched_model(_shared_model):
    """One compiled model for the tests whose arguments are refused before any training (a
    fresh model each would cost a build and a compile); each such test checks it was not
    touched, so a refusal that trained first would fail."""
    before = state(_shared_model)
    yield _shared_model
    assert_same_state(before, state(_shared_model))


@pytest.fixture(params=["folded", "per-batch"])
def step_kind(request, monkeypatch):
    """Run a test both ways the finder can work: inside the compiled training step (TensorFlow)
    and with a compiled call before every batch (the way on other backends)."""
    if request.param == "per-batch":
        monkeypatch.setattr(internals, "can_fold", lambda model: False)
    return request.param


# ------------------------------------------------------------------------------------
# The sweep, the smoothing, the running mean
# ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["exponential", "linear"])
def test_sweep_is_the_geometric_or_arithmetic_sequence(mode):
    start, end, n = 1e-7, 10.0, 100
    rates = sweep_learning_rates(start, end, n, mode)
    i = np.arange(n)
    expected = start * (end / start) ** (i / (n - 1)) if mode == "exponential" else start + (end - start) * i / (n - 1)
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert rates[0] == start and rates[-1] == end
    steps = rates[1:] / rates[:-1] if mode == "exponential" else np.diff(rates)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-9)


def test_smoothing_by_hand():
    # beta = 0.5: a = 0.5, 1.25, 2.125; divided by 1 - 0.5**t = 0.5, 0.75, 0.875
    np.testing.assert_allclose(smooth_losses([1.0, 2.0, 3.0], 0.5), [1.0, 1.25 / 0.75, 2.125 / 0.875])
    np.testing.assert_allclose(smooth_losses([2.5] * 50, 0.98), 2.5, rtol=1e-12)  # bias corrected
    np.testing.assert_array_equal(smooth_losses([3.0, 1.0, 2.0], 0.0), [3.0, 1.0, 2.0])
    assert np.isnan(smooth_losses([1.0, np.nan, 1.0], 0.9)[1:]).all()


@pytest.mark.parametrize("losses, sizes", [
    ([1.0, 2.0, 4.0], None),
    ([1.0, 2.0, 4.0], [2, 2, 1]),  # a last, smaller batch: Keras weights the mean by batch size
])
def test_batch_losses_from_running_mean(losses, sizes):
    w = np.ones(3) if sizes is None else np.asarray(sizes, float)
    means = np.cumsum(w * losses) / np.cumsum(w)
    np.testing.assert_allclose(batch_losses_from_running_mean(means, sizes), losses, rtol=1e-12)


# ------------------------------------------------------------------------------------
# Suggestions on curves with a known answer
# ------------------------------------------------------------------------------------
LRS = np.geomspace(1e-6, 1.0, 61)  # 10 points per decade: 1e-3 is LRS[30], 1e-2 is LRS[40]


def test_minimum_is_a_tenth_of_the_lowest_point():
    losses = (np.log10(LRS) + 2.0) ** 2  # lowest at 1e-2
    found = suggest_lr(LRS, losses, "minimum")
    assert found.index == 40
    assert found.learning_rate == pytest.approx(1e-3)


def test_steepest_is_the_left_end_of_the_steepest_segment():
    slopes = np.full(60, -0.1)
    slopes[30] = -0.5  # the segment from 1e-3 to 10**-2.9 falls fastest
    losses = np.concatenate([[10.0], 10.0 + np.cumsum(slopes)])
    found = suggest_lr(LRS, losses, "steepest")
    assert found.index == 30
    assert found.learning_rate == pytest.approx(1e-3)


def test_valley_is_about_halfway_down_the_longest_decreasing_stretch():
    # flat at 5 for indices 0..9, down by 0.1 per step for 10..29, then up again
    losses = np.concatenate([np.full(10, 5.0), 5.0 - 0.1 * np.arange(1, 21), 3.0 + 0.2 * np.arange(1, 32)])
    # longest strictly decreasing run: index 9 (the last 5.0) to 29, 21 points; fastai places
    # its start one before (8), sections = 21 / 3 = 7, index = 8 + 7 + int(3.5) = 18
    found = suggest_lr(LRS, losses, "valley")
    assert found.index == 18
    assert 9 < found.index < 29
    # a bump inside the stretch does not break it (a subsequence, not a contiguous run)
    bumped = losses.copy()
    bumped[20] = 4.5
    assert suggest_lr(LRS, bumped, "valley").index == 18


def test_valley_of_a_two_point_curve_is_its_first_point():
    assert suggest_lr([1e-3, 1e-2], [2.0, 1.0], "valley").index == 0


def _result(losses, num_steps=None, stop_reason="completed"):
    losses = np.asarray(losses, float)
    return LRFinderResult.from_losses(np.geomspace(1e-5, 1.0, len(losses)), losses, smoothing=0.0,
                                      stop_reason=stop_reason, num_steps=num_steps)


def test_result_suggest_skips_the_ends_and_non_finite_values():
    losses = np.linspace(3.0, 1.0, 40)
    losses[:4] = 0.1  # lower than anything, but in the skipped first tenth
    losses[-5:] = 0.0  # likewise in the skipped last five
    found = _result(losses).suggest("minimum")
    assert found.index == 34  # the last point kept
    nan_tail = losses.copy()
    nan_tail[20:] = np.nan
    assert _result(nan_tail).suggest("minimum").index == 19
    with pytest.raises(ValueError, match="too few"):
        _result(np.linspace(3.0, 1.0, 12), num_steps=100, stop_reason="diverged").suggest()
    assert _result(np.linspace(3.0, 1.0, 12), num_steps=100).suggestions == {}


def test_with_smoothing_recomputes_from_the_raw_losses():
    result = _result(RNG.uniform(1, 2, 30))
    again = result.with_smoothing(0.5)
    np.testing.assert_allclose(again.smoothed_losses, smooth_losses(result.losses, 0.5))
    assert again.smoothing == 0.5


# ------------------------------------------------------------------------------------
# The range test on a Keras model
# ------------------------------------------------------------------------------------
def test_at_most_num_steps_with_the_scheduled_rates(step_kind):
    recorder = LearningRateRecorder()
    result = find_lr(make_model(), (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH,
                     callbacks=[recorder])
    assert len(result.losses) == len(result.learning_rates) == len(result.smoothed_losses) == 20
    assert result.stop_reason == "completed"
    np.testing.assert_allclose(result.learning_rates, 1e-7 * (1e-2 / 1e-7) ** (np.arange(20) / 19), rtol=1e-12)
    # the optimizer really used those rates (float32)
    np.testing.assert_allclose(recorder.batch_rates, result.learning_rates, rtol=1e-6)
    np.testing.assert_allclose(result.smoothed_losses, smooth_losses(result.losses, 0.98), rtol=1e-12)
    assert set(result.metrics) == {"accuracy"} and result.metrics["accuracy"].shape == (20,)


def test_linear_mode(step_kind):
    recorder = LearningRateRecorder()
    result = find_lr(make_model(), (X, Y), start_lr=1e-4, end_lr=1e-2, num_steps=12, mode="linear",
                     batch_size=BATCH, callbacks=[recorder])
    np.testing.assert_allclose(recorder.batch_rates, np.linspace(1e-4, 1e-2, 12), rtol=1e-6)
    assert result.mode == "linear"


def test_stops_early_when_the_loss_diverges(step_kind):
    result = find_lr(make_model("sgd"), (X, Y), end_lr=1e6, num_steps=100, batch_size=BATCH)
    n = len(result.losses)
    assert n < 100
    assert result.stop_reason in ("diverged", "non_finite")
    last = result.smoothed_losses[-1]
    # as fastai's test: if it stopped early, the last loss is more than 4 times the best
    assert not np.isfinite(last) or last > 4 * np.nanmin(result.smoothed_losses[:-1])
    assert np.all(np.isfinite(result.smoothed_losses[:-1]))  # it stopped at the first offence


class _Raise(keras.callbacks.Callback):
    def __init__(self, error, at):
        super().__init__()
        self.error, self.at, self.seen = error, at, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1  # batch counts from 0 in every epoch
        if self.seen == self.at:
            raise self.error


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("case", ["completed", "diverged", "exception", "interrupt", "exception in a trial"])
def test_state_restored_bit_for_bit(case, optimizer, step_kind, monkeypatch):
    model = make_model(optimizer, 0.003, extra_layers=True)
    model.fit(X, Y, batch_size=BATCH, epochs=1, verbose=0)  # non-zero slots, iterations 8
    before = state(model)
    assert before["opt/" + model.optimizer.iterations.path] == 8
    keras_function = model.train_function
    kwargs = dict(batch_size=BATCH, num_steps=30)
    if case == "completed":
        result = find_lr(model, (X, Y), end_lr=1e-2, **kwargs)
        assert result.stop_reason == "completed"
    elif case == "diverged":
        result = find_lr(model, (X, Y), end_lr=1e8, **kwargs)
        assert result.stop_reason in ("diverged", "non_finite")
    else:
        error = KeyboardInterrupt() if case == "interrupt" else RuntimeError("boom")
        raiser = _Raise(error, at=12)
        if case == "exception in a trial":  # 7 batches into the second trial
            raiser.at = 7 + lr_finder.DEFAULT_TRIAL_STEPS
            hook = lr_finder._TrialRun.on_train_batch_end

            def on_train_batch_end(self, batch, logs=None):
                hook(self, batch, logs)
                raiser.on_train_batch_end(batch, logs)

            monkeypatch.setattr(lr_finder._TrialRun, "on_train_batch_end", on_train_batch_end)
        with pytest.raises(type(error)):
            find_lr(model, (X, Y), end_lr=1e-2, callbacks=[] if "trial" in case else [raiser], **kwargs)
    assert_same_state(before, state(model))
    assert float(model.optimizer.learning_rate) == pytest.approx(0.003)
    assert model.stop_training is False
    assert model.train_function is keras_function  # Keras's own training function is back
    assert "train_step" not in vars(model)


def test_unbuilt_model_behaves_as_if_the_test_never_ran():
    tested, twin = make_model(with_input=False), make_model(with_input=False)
    assert not tested.built
    find_lr(tested, (X, Y), num_steps=20, batch_size=BATCH)
    twin(X[:1])  # what find_lr did to build it
    assert tested.optimizer.iterations.numpy() == 0
    for a, b in zip(tested.variables, twin.variables, strict=True):  # names differ, values not
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    histories = [model.fit(X, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0).history
                 for model in (tested, twin)]
    assert histories[0]["loss"] == histories[1]["loss"]  # trained the same, epoch by epoch
    for a, b in zip(tested.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


class _Batches(keras.utils.PyDataset):
    def __init__(self, infinite=False):
        super().__init__()
        self.infinite = infinite

    @property
    def num_batches(self):
        return None if self.infinite else len(X) // BATCH

    def __getitem__(self, i):
        i %= len(X) // BATCH
        return X[i * BATCH:(i + 1) * BATCH], Y[i * BATCH:(i + 1) * BATCH]


def _generator():
    while True:
        for i in range(0, len(X), BATCH):
            yield X[i:i + BATCH], Y[i:i + BATCH]


INPUTS = {
    "arrays": lambda: (X, Y),
    "arrays with sample weights": lambda: (X, Y, np.ones(len(X), "float32")),
    "finite dataset": lambda: tf.data.Dataset.from_tensor_slices((X, Y)).batch(BATCH),
    "infinite dataset": lambda: tf.data.Dataset.from_tensor_slices((X, Y)).batch(BATCH).repeat(),
    "dataset of unknown length": lambda: tf.data.Dataset.from_tensor_slices((X, Y)).filter(lambda x, y: True).batch(BATCH),
    "generator": _generator,
    "iterator": lambda: iter(_generator()),
    "PyDataset": _Batches,
    "infinite PyDataset": lambda: _Batches(infinite=True),
}


@pytest.mark.parametrize("kind", list(INPUTS))
def test_every_input_type(kind):
    model = make_model()
    before = state(model)
    data = INPUTS[kind]()
    one_shot = kind in ("generator", "iterator")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # only a generator warns (no trials)
        if one_shot:
            warnings.filterwarnings("ignore", message="a generator can be read only once")
        result = find_lr(model, data, end_lr=1e-2, num_steps=20, trial_steps=12,
                         batch_size=BATCH if "arrays" in kind else None)
    assert len(result.losses) == 20  # 2.5 epochs of a finite input: it is repeated
    if one_shot:
        assert result.trials is None and result.method == "valley"
    else:  # the trials re-read the data from its start
        assert [len(v) for v in result.trials.losses] == [12, 12, 12]
        assert np.all(np.isfinite(result.trials.scores))
    assert result.stop_reason == "completed"
    assert np.all(np.isfinite(result.losses))
    assert_restored(before, model)


def test_a_generator_that_runs_out_ends_the_test_with_a_warning():
    model = make_model()
    before = state(model)
    short = (b for _, b in zip(range(12), _generator()))
    with pytest.warns(UserWarning, match="ran out after 12 of 20"):
        result = find_lr(model, short, end_lr=1e-2, num_steps=20, suggestion="valley")
    assert result.stop_reason == "data_exhausted" and len(result.losses) == 12
    assert_restored(before, model)


class _WeightsBeforeEachBatch(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        self.weights = getattr(self, "weights", []) + [self.model.get_weights()]


class _Logs(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.losses = getattr(self, "losses", []) + [logs["loss"]]


def _numpy_batch_losses(weights, batches):
    """Cross-entropy and accuracy of the softmax layer, in float64, for each (weights, batch)."""
    losses, accuracies = [], []
    for (kernel, bias), (x, y) in zip(weights, batches):
        logits = x.astype(np.float64) @ kernel + bias
        log_p = logits - logits.max(axis=1, keepdims=True)
        log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
        losses.append(-log_p[np.arange(len(y)), y].mean())
        accuracies.append((log_p.argmax(axis=1) == y).mean())
    return np.array(losses), np.array(accuracies)


def test_recorded_losses_are_the_true_batch_losses(step_kind):
    batches = [(X[i:i + BATCH], Y[i:i + BATCH]) for i in range(0, len(X), BATCH)]
    spy = _WeightsBeforeEachBatch()
    result = find_lr(make_model(), tf.data.Dataset.from_tensor_slices((X, Y)).batch(BATCH),
                     start_lr=1e-3, end_lr=1.0, num_steps=16, callbacks=[spy])
    expected, accuracy = _numpy_batch_losses(spy.weights, batches * 2)
    np.testing.assert_allclose(result.losses, expected, rtol=1e-5)
    np.testing.assert_allclose(result.metrics["accuracy"], accuracy, atol=1e-6)
    # the rate changes the weights: later losses differ from those at the initial weights
    at_start, _ = _numpy_batch_losses([spy.weights[0]] * 16, batches * 2)
    assert np.max(np.abs(at_start - expected)) > 1e-3


def test_keras_logs_a_running_mean_that_can_be_undone():
    # Keras 3 logs the mean over the epoch so far at each batch end (tensorflow#58098);
    # 60 samples in batches of 8: seven of 8 and a last one of 4, weighted by size
    x, y = X[:60], Y[:60]
    model, spy, logs = make_model(), _WeightsBeforeEachBatch(), _Logs()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[spy, logs])
    batches = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, 60, BATCH)]
    sizes = [len(b[1]) for b in batches]
    true, _ = _numpy_batch_losses(spy.weights, batches)
    np.testing.assert_allclose(logs.losses, np.cumsum(true * sizes) / np.cumsum(sizes), rtol=1e-5)
    assert np.max(np.abs(np.asarray(logs.losses) - true)) > 1e-3  # not the batch losses
    np.testing.assert_allclose(batch_losses_from_running_mean(logs.losses, sizes), true, rtol=1e-4)


def test_callback_in_a_users_fit_stops_and_restores(step_kind):
    model = make_model()
    before = state(model)
    finder = LRFinder(end_lr=1e-2, num_steps=12)
    history = model.fit(X, Y, batch_size=BATCH, epochs=5, verbose=0, callbacks=[finder])
    assert len(history.history["loss"]) == 2  # 12 steps: stopped in the second epoch
    assert finder.stop_reason == "completed" and len(finder.result.losses) == 12
    assert_restored(before, model)
    finder.restore()  # nothing left to restore: a no-op
    assert_restored(before, model)
    # the epoch logs of that fit are those of the last batch (the metrics restart every batch)
    assert history.history["loss"][-1] == pytest.approx(finder.result.losses[-1], rel=1e-6)
    assert history.history["accuracy"][-1] == pytest.approx(finder.result.metrics["accuracy"][-1])


def test_the_folded_step_is_traced_once_per_compiled_model():
    model = make_model()
    first = find_lr(model, (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH, shuffle=False)
    folded = vars(model)[internals.FoldedStep.ATTRIBUTE]
    function = folded.function
    second = find_lr(model, (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH, shuffle=False)
    assert vars(model)[internals.FoldedStep.ATTRIBUTE] is folded and folded.function is function
    np.testing.assert_array_equal(first.losses, second.losses)  # the model was left as found
    longer = find_lr(model, (X, Y), end_lr=1e-2, num_steps=200, batch_size=BATCH)
    assert len(longer.losses) == 200  # a longer sweep than the table held: a new table
    assert vars(model)[internals.FoldedStep.ATTRIBUTE].capacity >= 200
    # the table and the counter are not the model's: nothing new to save or restore
    assert all("lr_finder" not in v.path for v in model.variables)


def test_a_fold_that_does_not_take_falls_back_to_the_per_batch_path(monkeypatch):
    """If a Keras release traced its own step instead of the folded one (simulated: the folded
    step is never swapped in), the test warns and finishes on the public path, with the curve
    that path records and the model left as found."""
    model = make_model()
    before = state(model)
    reference = find_lr(model, (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH,
                        shuffle=False, suggestion="valley")
    with monkeypatch.context() as patch:
        patch.setattr(internals, "can_fold", lambda model: False)
        per_batch = find_lr(model, (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH,
                            shuffle=False, suggestion="valley")

    def install_nothing(self, model, rates):  # everything but the swap: Keras keeps its own step
        self.counter.assign(0)
        self.rate.assign(np.asarray(rates[0], dtype=self.table.dtype.as_numpy_dtype))

    monkeypatch.setattr(internals.FoldedStep, "install", install_nothing)
    with pytest.warns(RuntimeWarning, match="could not run inside"):
        fallen_back = find_lr(model, (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH,
                              shuffle=False, suggestion="valley")
    np.testing.assert_array_equal(fallen_back.losses, per_batch.losses)
    np.testing.assert_allclose(fallen_back.losses, reference.losses, rtol=1e-5)
    assert_restored(before, model)


def test_a_test_left_unrestored_does_not_stick():
    model = make_model()
    model.fit(X, Y, batch_size=BATCH, epochs=1, verbose=0)
    keras_function = model.train_function
    with pytest.raises(RuntimeError):  # the user's fit raises and nobody calls finder.restore()
        model.fit(X, Y, batch_size=BATCH, epochs=1, verbose=0,
                  callbacks=[LRFinder(num_steps=20), _Raise(RuntimeError("boom"), at=3)])
    assert model.train_function is not keras_function
    before = state(model)
    recorder = LearningRateRecorder()
    result = find_lr(model, (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH, callbacks=[recorder])
    np.testing.assert_allclose(recorder.batch_rates, result.learning_rates, rtol=1e-6)
    assert_same_state(before, state(model))
    assert model.train_function is keras_function and "train_step" not in vars(model)


def test_a_recompiled_model_gets_a_new_step():
    model = make_model()
    find_lr(model, (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH)
    old = vars(model)[internals.FoldedStep.ATTRIBUTE]
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    recorder = LearningRateRecorder()
    result = find_lr(model, (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH, callbacks=[recorder])
    assert vars(model)[internals.FoldedStep.ATTRIBUTE] is not old
    np.testing.assert_allclose(recorder.batch_rates, result.learning_rates, rtol=1e-6)  # the new SGD's rate
    assert float(model.optimizer.learning_rate) == pytest.approx(0.1)


class CustomStepModel(keras.Sequential):
    def train_step(self, data):
        logs = super().train_step(data)
        return {**logs, "custom": keras.ops.convert_to_tensor(7.0)}


def test_a_custom_train_step_is_used():
    lu.set_seed(0, keras=True)
    model = CustomStepModel([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    result = find_lr(model, (X, Y), end_lr=1e-2, num_steps=12, batch_size=BATCH)
    np.testing.assert_array_equal(result.metrics["custom"], np.full(12, 7.0))
    assert "train_step" not in vars(model)


def test_a_train_step_set_on_the_instance_is_used_and_kept():
    model = make_model()
    calls = []

    def my_step(data):
        calls.append(1)  # runs while the step is traced
        return keras.Sequential.train_step(model, data)

    model.train_step = my_step
    result = find_lr(model, (X, Y), end_lr=1e-2, num_steps=12, batch_size=BATCH)
    assert calls and result.stop_reason == "completed"
    assert vars(model)["train_step"] is my_step


def test_the_model_saves_and_loads_after_a_test(tmp_path):
    model = make_model()
    find_lr(model, (X, Y), end_lr=1e-2, num_steps=20, batch_size=BATCH)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_callback_needs_a_built_model():
    with pytest.raises(ValueError, match="built model"):
        make_model(with_input=False).fit(X, Y, epochs=1, verbose=0, callbacks=[LRFinder()])


def test_plot_marks_the_suggestions():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = find_lr(make_model(), (X, Y), end_lr=10.0, num_steps=40, batch_size=BATCH)
    fig, ax = plt.subplots()
    assert result.plot(ax=ax) is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["batch loss", "smoothed (smoothing 0.98)"]
    for rule, found in result.suggestions.items():
        assert f"{rule}: {found.learning_rate:.2g}" in labels
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate"
    plt.close(fig)


# ------------------------------------------------------------------------------------
# Clear errors
# ------------------------------------------------------------------------------------
BAD_SWEEPS = [
    (dict(start_lr=1.0, end_lr=1.0), ValueError, "smaller than end_lr"),
    (dict(start_lr=0.1, end_lr=0.01), ValueError, "smaller than end_lr"),
    (dict(start_lr=0.0), ValueError, "start_lr must be a positive"),
    (dict(start_lr=-1e-3), ValueError, "start_lr must be a positive"),
    (dict(end_lr=math.inf), ValueError, "end_lr must be a positive finite"),
    (dict(end_lr="10"), TypeError, "end_lr must be a real"),
    (dict(num_steps=9), ValueError, "at least 10"),
    (dict(num_steps=50.0), TypeError, "num_steps must be an integer"),
    (dict(mode="log"), ValueError, "mode must be .exponential. or .linear., got mode=.log."),
    (dict(smoothing=1.0), ValueError, r"smoothing must be in \[0, 1\)"),
    (dict(smoothing=-0.1), ValueError, r"smoothing must be in \[0, 1\)"),
    (dict(stop_factor=1.0), ValueError, "stop_factor must be greater than 1"),
]


@pytest.mark.parametrize("kwargs, error, match", BAD_SWEEPS)
def test_bad_arguments(kwargs, error, match, untouched_model):
    with pytest.raises(error, match=match):
        LRFinder(**kwargs)
    with pytest.raises(error, match=match):
        find_lr(untouched_model, (X, Y), **kwargs)


def _compiled_with(learning_rate):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.SGD(learning_rate), "sparse_categorical_crossentropy")
    return model


BAD_MODELS = [
    (lambda: _compiled_with(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)), ValueError, "schedule"),
    (lambda: _compiled_with(lambda: 0.01), ValueError, "schedule or a callable"),
    (lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]), ValueError, "must be compiled"),
    (lambda: "model", TypeError, "keras.Model"),
]


@pytest.mark.parametrize("build, error, match", BAD_MODELS)
def test_models_that_cannot_be_tested(build, error, match):
    with pytest.raises(error, match=match):
        find_lr(build(), (X, Y))


def test_steps_per_execution_above_one_is_refused():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", steps_per_execution=2)
    with pytest.raises(ValueError, match="steps_per_execution=1"):
        find_lr(model, (X, Y))


@pytest.mark.parametrize("data, kwargs, error, match", [
    (tf.data.Dataset.from_tensor_slices((X, Y)).batch(8), dict(batch_size=8), ValueError, "NumPy inputs only"),
    ((X, Y), dict(batch_size=0), ValueError, "batch_size must be an integer >= 1, got batch_size=0"),
    ((X,), {}, ValueError, r"\(x, y\)"),
    ([(X, Y)], {}, ValueError, r"\(x, y\)"),
    ({"x": X}, {}, TypeError, "data must be"),
])
def test_bad_data(data, kwargs, error, match, untouched_model):
    with pytest.raises(error, match=match):
        find_lr(untouched_model, data, **kwargs)


@pytest.mark.parametrize("call, match", [
    (lambda: suggest_lr([1e-3, 1e-2], [1.0, 0.5], "slide"), "rule must be .minimum., .steepest. or .valley., got rule=.slide."),
    (lambda: suggest_lr([1e-3], [1.0]), "at least 2 points"),
    (lambda: suggest_lr([1e-3, 1e-2], [1.0, np.nan]), "finite"),
    (lambda: suggest_lr([1e-3, 1e-2, 1e-1], [1.0, 0.5]), "same length"),
    (lambda: batch_losses_from_running_mean([1.0, 2.0], [1.0]), "one entry per"),
    (lambda: batch_losses_from_running_mean([1.0, 2.0], [1.0, 0.0]), "positive"),
])
def test_bad_curves(call, match):
    with pytest.raises(ValueError, match=match):
        call()


_XLA_SCRIPT = """
import sys
import numpy as np, keras
sys.path.insert(0, {root!r})
import lrutils as lu
from lrutils.callbacks import LearningRateRecorder
from lrutils.lr_finder import find_lr
lu.set_seed(0, keras=True, deterministic=False)  # op determinism turns XLA off
x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int64")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"],
              jit_compile=True)
model.fit(x, y, batch_size=8, epochs=1, verbose=0)
assert model.jit_compile is True
before = [v.numpy().copy() for v in [*model.variables, *model.optimizer.variables]]
recorder = LearningRateRecorder()
result = find_lr(model, (x, y), end_lr=1e-2, num_steps=20, batch_size=8, callbacks=[recorder])
np.testing.assert_allclose(recorder.batch_rates, result.learning_rates, rtol=1e-6)
accuracy = result.metrics["accuracy"] * 8
assert np.allclose(accuracy, np.round(accuracy)), accuracy  # one batch of 8, not a running mean
after = [v.numpy() for v in [*model.variables, *model.optimizer.variables]]
assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
print("ok")
"""


def _run_in_a_fresh_process(script, cwd):
    """Run one of the scripts above in a new Python process; it must print "ok" last."""
    root = pathlib.Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", script.format(root=str(root))],
                            capture_output=True, text=True, cwd=cwd,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]


def test_the_folded_step_under_xla(tmp_path):
    # jit_compile=True in a fresh process: this module turns on op determinism, which disables XLA
    _run_in_a_fresh_process(_XLA_SCRIPT, tmp_path)


# ------------------------------------------------------------------------------------
# The default suggestion: short trials of candidate rates
# ------------------------------------------------------------------------------------
def test_a_trial_blows_up_above_stop_factor_times_its_first_loss():
    calm = np.r_[1.0, np.linspace(0.9, 0.1, 19)]
    assert not lr_finder.trial_diverged(calm, 0.98, 4.0)
    assert not lr_finder.trial_diverged(np.r_[0.05, np.full(19, 0.15)], 0.98, 4.0)  # 3x the start: noise
    assert lr_finder.trial_diverged(np.r_[1.0, np.full(19, 9.0)], 0.0, 4.0)
    assert lr_finder.trial_diverged(np.r_[1.0, np.nan, np.ones(18)], 0.98, 4.0)
    assert lr_finder.trial_diverged(np.array([]), 0.98, 4.0)


def test_loss_drop():
    assert loss_drop(np.linspace(2.0, 1.0, 50), start=10) == pytest.approx(1 - 1.02 / 1.9, abs=0.01)
    flat = 2.0 + 0.02 * RNG.standard_normal(100)
    assert loss_drop(flat) < 0.05
    lucky = flat.copy()
    lucky[60] = 0.1  # one lucky batch is not a fall: the running median ignores it
    assert loss_drop(lucky) < 0.05
    blown = np.r_[np.linspace(2.0, 1.0, 30), np.nan, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert loss_drop(blown) == pytest.approx(loss_drop(np.linspace(2.0, 1.0, 30)))  # ends at the NaN
    assert loss_drop([1.0, 0.5, 0.1]) == 0.0  # too short for a window


def test_trial_candidates_are_the_valley_and_two_half_decades_above():
    losses = np.r_[np.full(30, 2.0), np.linspace(2.0, 0.5, 50), np.linspace(0.5, 3.0, 20)]
    result = _result(losses)
    valley, candidates = trial_candidates(result)
    assert valley == result.suggest("valley")
    np.testing.assert_allclose(candidates, valley.learning_rate * np.array([1.0, 10 ** 0.5, 10.0]))


def test_trial_candidates_of_a_flat_curve_are_below_the_last_rate_read():
    losses = 2.3 + 0.01 * RNG.standard_normal(100)  # the model never started learning
    result = _result(losses)
    top = result.learning_rates[100 - 5 - 1]  # the last point the rules read (skip_end=5)
    _, candidates = trial_candidates(result)
    np.testing.assert_allclose(candidates, top * np.array([1e-2, 10 ** -1.5, 1e-1]))


def test_trial_score_is_the_mean_of_the_second_half():
    assert trial_score([4.0, 3.0, 2.0, 1.0]) == 1.5
    assert trial_score([4.0, 3.0, 2.0]) == 2.5  # the middle batch counts in the second half
    assert trial_score([1.0, np.nan, 0.5, 0.5]) == math.inf
    assert trial_score([]) == math.inf


def test_trials_are_the_default_and_leave_the_model_as_found(step_kind):
    model = make_model("sgd", 0.003)
    before = state(model)
    result = find_lr(model, (X, Y), num_steps=40, batch_size=BATCH, trial_steps=12)
    assert_restored(before, model)
    assert result.method == "trials" and result.trials is not None
    trials = result.trials
    assert trials.steps == 12 and len(trials.learning_rates) == 3
    assert trials.source == trial_candidates(result)[0]
    np.testing.assert_allclose(trials.learning_rates, trial_candidates(result)[1])
    for losses, score in zip(trials.losses, trials.scores, strict=True):
        assert len(losses) == 12
        blew_up = lr_finder.trial_diverged(losses, result.smoothing, result.stop_factor)
        assert score == (math.inf if blew_up else trial_score(losses))
    assert np.isfinite(trials.scores).any()
    assert trials.chosen == int(np.argmin(trials.scores))
    assert result.suggested_lr == trials.learning_rate
    assert result.total_steps == len(result.losses) + sum(len(v) for v in trials.losses)
    assert f"kept {trials.learning_rate:.3g}" in result.explain()
    assert "3 trials of 12 steps" in repr(result) and "method='trials'" in repr(result)


def test_each_trial_is_a_plain_run_from_the_starting_weights(step_kind):
    """The trial losses equal those of an ordinary fit, at the candidate rate, of a twin model."""
    result = find_lr(make_model("sgd", 0.003), (X, Y), num_steps=40, batch_size=BATCH,
                     trial_steps=16, shuffle=False)
    for rate, losses in zip(result.trials.learning_rates, result.trials.losses, strict=True):
        twin = make_model("sgd", float(rate))
        logs = _Logs()
        twin.fit(X, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0, callbacks=[logs])
        expected = np.concatenate([batch_losses_from_running_mean(logs.losses[i:i + 8])
                                   for i in (0, 8)])
        np.testing.assert_allclose(losses, expected[:len(losses)], rtol=2e-4, atol=1e-6)


_SAME_BATCHES_SCRIPT = """
import sys
import numpy as np, keras
sys.path.insert(0, {root!r})
from lrutils import lr_finder
# no seed and no op determinism, as in a reader's session: every fit would shuffle anew
lr_finder.trial_candidates = lambda result: (result.suggest("valley"), np.array([3e-3, 3e-3, 3e-3]))
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int64")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
model.compile(keras.optimizers.SGD(3e-3, momentum=0.9), "sparse_categorical_crossentropy")
result = lr_finder.find_lr(model, (x, y), num_steps=30, batch_size=8, trial_steps=20)
first, *others = result.trials.losses
assert len(first) == 20 and len(set(first.tolist())) > 10  # not a constant
for other in others:
    assert np.array_equal(other, first), (first, other)
print("ok")
"""


def test_the_trials_see_the_same_batches(tmp_path):
    """Three trials at one rate on shuffled arrays: the same batches, so the same losses."""
    _run_in_a_fresh_process(_SAME_BATCHES_SCRIPT, tmp_path)


def test_a_diverging_trial_is_never_kept(monkeypatch, step_kind):
    monkeypatch.setattr(lr_finder, "trial_candidates",
                        lambda result: (result.suggest("valley"), np.array([1e-2, 1e4, 1e8])))
    model = make_model("sgd", 0.003, extra_layers=True)
    before = state(model)
    result = find_lr(model, (X, Y), num_steps=30, batch_size=BATCH, trial_steps=20)
    assert_restored(before, model)
    assert np.isfinite(result.trials.scores[0]) and np.all(np.isinf(result.trials.scores[1:]))
    assert result.suggested_lr == pytest.approx(1e-2)
    assert "diverged" in result.explain()


@pytest.mark.parametrize("rule", ["valley", "steepest", "minimum"])
def test_a_curve_rule_instead_of_trials(rule):
    result = find_lr(make_model(), (X, Y), num_steps=40, batch_size=BATCH, suggestion=rule)
    assert result.method == rule and result.trials is None
    assert result.suggested_lr == result.suggest(rule).learning_rate
    assert result.total_steps == len(result.losses)
    assert rule in result.explain()


def test_a_generator_gets_the_valley_rule_with_a_warning():
    with pytest.warns(UserWarning, match="read only once"):
        result = find_lr(make_model(), _generator(), end_lr=10.0, num_steps=40)
    assert result.method == "valley" and result.trials is None


def test_plot_range_ignores_a_lucky_start():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    losses = np.r_[0.2, np.full(29, 1.0), np.linspace(1.0, 0.5, 50), np.linspace(0.5, 5.0, 20)]
    ax = _result(losses).plot()  # smoothing 0: the curve is the losses
    low, high = ax.get_ylim()
    assert high > 1.0 and low < 0.5  # the flat start and the valley are in view
    assert high < 2.0  # the blow-up is not
    plt.close(ax.figure)


def test_plot_marks_the_kept_trial():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = find_lr(make_model(), (X, Y), num_steps=40, batch_size=BATCH, trial_steps=10)
    ax = result.plot()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"trials (default): {result.suggested_lr:.2g}" in labels
    plt.close(ax.figure)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(suggestion="best"), ValueError, names_argument("suggestion")),
    (dict(suggestion=None), TypeError, names_argument("suggestion")),
    (dict(trial_steps=5), ValueError, names_argument("trial_steps")),
    (dict(trial_steps=20.0), TypeError, names_argument("trial_steps")),
    (dict(trial_steps=True), TypeError, names_argument("trial_steps")),
])
def test_bad_trial_options(kwargs, error, match):
    model = make_model()
    before = state(model)
    with pytest.raises(error, match=match) as raised:
        find_lr(model, (X, Y), **kwargs)
    value = str(next(iter(kwargs.values())))
    assert value in str(raised.value)
    assert_same_state(before, state(model))


def test_a_result_from_a_curve_recorded_elsewhere():
    rates, losses = np.geomspace(1e-5, 1.0, 30), np.linspace(2.0, 1.0, 30)
    result = LRFinderResult.from_losses(rates, losses, stop_reason="diverged", num_steps=100)
    np.testing.assert_array_equal(result.smoothed_losses, smooth_losses(losses, 0.98))
    assert (result.stop_reason, result.num_steps, result.smoothing, result.mode) == ("diverged", 100, 0.98, "exponential")
    with pytest.raises(ValueError, match="learning_rates and losses must have the same length, got 30 and 29"):
        LRFinderResult.from_losses(rates, losses[1:])
    with pytest.raises(ValueError, match="num_steps must be an integer >= 30, got num_steps=10"):
        LRFinderResult.from_losses(rates, losses, num_steps=10)
    with pytest.raises(ValueError, match="stop_reason must be"):
        LRFinderResult.from_losses(rates, losses, stop_reason="tired")
    with pytest.raises(ValueError, match="learning_rates must be positive and increasing"):
        LRFinderResult.from_losses(rates[::-1], losses)
    with pytest.raises(ValueError, match=r"metrics\['accuracy'\] must have one value per loss \(30\), got 3"):
        LRFinderResult.from_losses(rates, losses, metrics={"accuracy": [0.1, 0.2, 0.3]})
