import keras
import numpy as np
import pytest

import lrutils as lu


def _model(learning_rate):
    lu.set_seed(0, keras=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate), "mse")
    return model


X = np.linspace(-1, 1, 60, dtype="float32").reshape(20, 3)
Y = X.sum(axis=1, keepdims=True)


def test_records_schedule_per_batch_and_per_epoch():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    recorder = lu.LearningRateRecorder()
    history = _model(schedule).fit(X, Y, batch_size=5, epochs=2, verbose=0, callbacks=[recorder])
    # 4 batches per epoch, 8 updates: the rate of update k is 0.1 * 0.5**k (independent formula)
    assert recorder.steps == list(range(8))
    np.testing.assert_allclose(recorder.batch_rates, 0.1 * 0.5 ** np.arange(8), rtol=1e-6)
    # at the end of epoch e the next update is number 4 * (e + 1)
    np.testing.assert_allclose(history.history["learning_rate"], [0.1 * 0.5**4, 0.1 * 0.5**8], rtol=1e-6)
    steps, rates = recorder.as_arrays()
    assert steps.shape == rates.shape == (8,)


def test_sees_a_rate_changed_between_epochs():
    class Halve(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                self.model.optimizer.learning_rate = 0.05

    recorder = lu.LearningRateRecorder()
    history = _model(0.1).fit(X, Y, batch_size=10, epochs=2, verbose=0, callbacks=[Halve(), recorder])
    np.testing.assert_allclose(recorder.batch_rates, [0.1, 0.1, 0.05, 0.05], rtol=1e-7)
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05], rtol=1e-7)


def test_does_not_overwrite_reduce_lr_on_plateau_entry():
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)
    recorder = lu.LearningRateRecorder(per_batch=False)
    history = _model(0.1).fit(X, Y, batch_size=10, epochs=3, verbose=0, callbacks=[plateau, recorder])
    # epoch 0 improves on the initial best (inf); with min_delta=1e9 no later epoch does, so with
    # patience 0 it halves the rate at the end of epochs 1 and 2, logging the rate *before* halving
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.1, 0.05], rtol=1e-6)
    assert recorder.batch_rates == []
    # the recorder runs after it and sees the halved rate, but leaves the logged entry alone
    np.testing.assert_allclose(recorder.epoch_rates, [0.1, 0.05, 0.025], rtol=1e-6)


def test_current_learning_rate_constant_and_schedule():
    assert lu.current_learning_rate(keras.optimizers.Adam(0.003)) == pytest.approx(0.003)
    sched = keras.optimizers.schedules.InverseTimeDecay(0.2, decay_steps=1, decay_rate=1.0)
    assert lu.current_learning_rate(keras.optimizers.SGD(sched)) == pytest.approx(0.2)


def test_bad_arguments():
    with pytest.raises(TypeError, match="^per_batch must be True or False, got per_batch='yes'$"):
        lu.LearningRateRecorder(per_batch="yes")
    with pytest.raises(ValueError, match="^key must be a non-empty string, got key=''$"):
        lu.LearningRateRecorder(key="")
    with pytest.raises(TypeError, match=r"^key must be a non-empty string, got key=3 \(int\)$"):
        lu.LearningRateRecorder(key=3)
