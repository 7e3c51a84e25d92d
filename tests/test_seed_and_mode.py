import os
import random
import re
import subprocess
import sys

import numpy as np
import pytest

import lrutils as lu
from lrutils import mode


def test_set_seed_repeats_python_and_numpy_streams():
    lu.set_seed(123)
    first = (random.random(), np.random.rand(3))
    lu.set_seed(123)
    second = (random.random(), np.random.rand(3))
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    lu.set_seed(124)
    assert random.random() != first[0]


def test_set_seed_repeats_keras_initialisation():
    import keras

    def weights():
        lu.set_seed(7)
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3), keras.layers.Dropout(0.5)])
        return model.get_weights()[0], np.asarray(model.layers[1](np.ones((1, 3)), training=True))

    (w1, d1), (w2, d2) = weights(), weights()
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(d1, d2)


def test_numpy_only_use_does_not_import_tensorflow():
    code = "import sys, lrutils as lu; lu.set_seed(0); lu.load_data('digits'); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("bad", [1.5, "0", True, None])
def test_set_seed_rejects_a_seed_of_the_wrong_type(bad):
    with pytest.raises(TypeError, match=rf"^seed must be an integer, got seed={re.escape(repr(bad))} "):
        lu.set_seed(bad)


def test_set_seed_rejects_a_negative_seed_and_accepts_numpy_integers():
    with pytest.raises(ValueError, match="^seed must be an integer >= 0, got seed=-1$"):
        lu.set_seed(-1)
    lu.set_seed(np.int64(3), keras=False)
    assert os.environ["PYTHONHASHSEED"] == "3"
    with pytest.raises(TypeError, match="^keras must be True, False or None, got keras=1$"):
        lu.set_seed(0, keras=1)
    with pytest.raises(TypeError, match="^deterministic must be True or False, got deterministic='yes'$"):
        lu.set_seed(0, deterministic="yes")


def test_static_mode_follows_environment_and_override(monkeypatch):
    monkeypatch.setenv("LRUTILS_STATIC", "1")
    assert mode.static_mode()
    monkeypatch.setenv("LRUTILS_STATIC", "0")
    assert not mode.static_mode()
    monkeypatch.delenv("LRUTILS_STATIC")
    assert not mode.static_mode()
    mode.set_static_mode(True)
    try:
        assert mode.static_mode()
    finally:
        mode.set_static_mode(None)
    with pytest.raises(TypeError, match="value must be True, False or None"):
        mode.set_static_mode("yes")
