"""Reproducible runs: one call seeds every random number generator the book uses."""

from __future__ import annotations

import os
import random
import sys

import numpy as np

from ._checks import check_flag, check_int

__all__ = ["set_seed"]


def set_seed(seed: int = 0, *, keras: bool | None = None, deterministic: bool = True) -> None:
    """Seed Python, NumPy and (when in use) Keras/TensorFlow.

    Parameters
    ----------
    seed : int
        A non-negative integer.
    keras : bool or None
        Whether to seed Keras as well, with :func:`keras.utils.set_random_seed`, and (with
        ``deterministic``) turn on TensorFlow's op determinism. ``None`` (the default) seeds
        Keras only when it has already been imported, so NumPy-only notebooks never pay for
        importing TensorFlow: import Keras *before* calling ``set_seed`` in notebooks that train
        networks. ``True`` imports Keras if needed.
    deterministic : bool
        With Keras, also call ``tf.config.experimental.enable_op_determinism()`` so that repeated
        runs give bit-identical results on the CPU (and deterministic kernels, slower, on a GPU).

    Notes
    -----
    ``PYTHONHASHSEED`` is set for child processes only; the running interpreter's hash seed
    cannot be changed after start-up.
    """
    seed = check_int("seed", seed, minimum=0)
    keras = check_flag("keras", keras, allow_none=True)
    deterministic = check_flag("deterministic", deterministic)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    use_keras = keras if keras is not None else ("keras" in sys.modules or "tensorflow" in sys.modules)
    if not use_keras:
        return
    import keras as _keras

    _keras.utils.set_random_seed(seed)
    if deterministic and _keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
