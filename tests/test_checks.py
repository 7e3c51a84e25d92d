"""Tests for lrutils._checks, the one home of the argument checks the modules share."""

from __future__ import annotations

import numpy as np
import pytest

from lrutils._checks import (
    check_choice,
    check_dataset,
    check_flag,
    check_learning_rate,
    check_rate_at,
    check_seeds,
    lookup,
)


def test_lookup_ignores_case_and_returns_the_registry_key():
    registry = {"sgd": 1, "adam": 2}
    assert lookup(registry, "ADAM", "optimizer") == "adam"
    assert lookup(("mnist5k", "digits"), "Digits", "dataset") == "digits"


@pytest.mark.parametrize("value, argument, error, match", [
    ("adamm", "name", ValueError, r"^unknown optimizer name='adamm'; valid names: 'adam', 'sgd'$"),
    ("adamm", "optimizer", ValueError, r"^unknown optimizer='adamm'; valid names: 'adam', 'sgd'$"),
    (3, "name", TypeError, r"^name must be a string naming an optimizer, got name=3 \(int\)$"),
    (None, "optimizer", TypeError, r"^optimizer must be a string naming an optimizer, got optimizer=None"),
])
def test_lookup_messages(value, argument, error, match):
    with pytest.raises(error, match=match):
        lookup({"sgd": 1, "adam": 2}, value, "optimizer", argument=argument)


def test_check_choice():
    assert check_choice("on", "X", ("loss", "x")) == "x"
    with pytest.raises(ValueError, match=r"^on must be 'loss' or 'x', got on='grad'$"):
        check_choice("on", "grad", ("loss", "x"))
    with pytest.raises(TypeError, match=r"^on must be 'loss' or 'x', got on=1$"):
        check_choice("on", 1, ("loss", "x"))


def test_check_flag_with_and_without_none():
    assert check_flag("shuffle", np.True_) is True
    assert check_flag("keras", None, allow_none=True) is None
    with pytest.raises(TypeError, match=r"^keras must be True, False or None, got keras=0$"):
        check_flag("keras", 0, allow_none=True)
    with pytest.raises(TypeError, match=r"^shuffle must be True or False, got shuffle=None$"):
        check_flag("shuffle", None)


def test_check_seeds():
    assert check_seeds("seeds", (np.int64(2), 0)) == [2, 0]
    assert check_seeds("seeds", range(3)) == [0, 1, 2]
    for bad, error in (([], ValueError), ([-1], ValueError), ([0, 1.0], TypeError), ([True], TypeError),
                       (3, TypeError), ("01", TypeError)):
        with pytest.raises(error, match=r"^seeds must be a non-empty list of non-negative integers, got seeds="):
            check_seeds("seeds", bad)
    with pytest.raises(ValueError, match=r"^seeds must be distinct, got seeds=\[1, 1\]$"):
        check_seeds("seeds", [1, 1], distinct=True)


def test_check_dataset():
    class Data:
        x_train, y_train, x_val, y_val = 1, 2, 3, 4

    assert check_dataset("data", Data()) == (1, 2, 3, 4)
    assert check_dataset("data", [1, 2, 3, 4]) == (1, 2, 3, 4)
    with pytest.raises(TypeError, match=r"^data must be an lrutils Dataset .*got data of type str$"):
        check_dataset("data", "abcd")
    with pytest.raises(ValueError, match=r"^data must be an lrutils Dataset .*got a tuple of length 2$"):
        check_dataset("data", (1, 2))


def test_check_learning_rate_and_rate_at():
    schedule = check_learning_rate("learning_rate", lambda step: 0.5**step)
    assert check_rate_at("learning_rate", schedule, 1) == 0.5
    assert check_learning_rate("learning_rate", np.float32(0.25)) == 0.25
    with pytest.raises(TypeError, match=r"^learning_rate must be a number >= 0 or a callable step -> rate, "
                                        r"got learning_rate=None"):
        check_learning_rate("learning_rate", None)
    with pytest.raises(ValueError, match=r"^learning_rate must be >= 0, got learning_rate=-1\.0$"):
        check_learning_rate("learning_rate", -1)
    for value in ("0.5", True, [0.5], None):
        with pytest.raises(TypeError, match=r"^learning_rate\(3\) must return a number, got learning_rate\(3\)="):
            check_rate_at("learning_rate", lambda step, value=value: value, 3)
    for value in (-0.1, np.inf, np.nan):
        with pytest.raises(ValueError, match=r"^learning_rate\(3\) must return a finite number >= 0"):
            check_rate_at("learning_rate", lambda step, value=value: value, 3)
