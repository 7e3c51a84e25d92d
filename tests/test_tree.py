"""The one tree utility (lrutils._tree) shared by the optimizers and the gradient checker."""

from typing import NamedTuple

import numpy as np
import pytest

from lrutils._tree import flatten_with_paths, signature, tree_map, unflatten


class Pair(NamedTuple):
    w: np.ndarray
    b: np.ndarray


def test_dicts_are_read_in_sorted_key_order_whatever_their_insertion_order():
    a = {"W2": np.ones(2), "W1": np.zeros(3)}
    b = {"W1": np.zeros(3), "W2": np.ones(2)}
    assert [p for p, _ in flatten_with_paths(a)] == [p for p, _ in flatten_with_paths(b)] == ["W1", "W2"]
    assert signature(a) == signature(b)


def test_tree_map_keeps_containers_and_the_first_trees_key_order():
    tree = {"z": Pair(np.ones(2), np.zeros(1)), "a": [np.ones(3), (np.ones(1),)]}
    doubled = tree_map(lambda x, y: x + y, tree, tree)
    assert list(doubled) == ["z", "a"]
    assert isinstance(doubled["z"], Pair) and isinstance(doubled["a"], list) and isinstance(doubled["a"][1], tuple)
    np.testing.assert_array_equal(doubled["z"].w, 2 * np.ones(2))


def test_unflatten_inverts_flatten():
    tree = {"b": Pair(np.arange(2.0), np.arange(1.0)), "a": [np.arange(3.0)]}
    leaves = [leaf * 10 for _, leaf in flatten_with_paths(tree)]
    rebuilt = unflatten(tree, iter(leaves))
    assert signature(rebuilt) == signature(tree)
    np.testing.assert_array_equal(rebuilt["b"].w, [0.0, 10.0])
    assert [p for p, _ in flatten_with_paths(tree)] == ["a.0", "b.w", "b.b"]


@pytest.mark.parametrize("other, message", [
    ({"W1": np.ones(1)}, r"dict with keys \['W1', 'W2'\] vs dict with keys \['W1'\]"),
    ([np.ones(1)], r"dict with keys \['W1', 'W2'\] vs list of length 1"),
])
def test_structures_that_differ_are_named(other, message):
    with pytest.raises(ValueError, match=message):
        tree_map(lambda x, y: x, {"W1": np.ones(1), "W2": np.ones(1)}, other)
