"""Trees of arrays (private): the one structure utility of :mod:`lrutils`.

A *tree* is an array (a leaf), or a dict, list, tuple or NamedTuple of trees: how the optimizers
hold parameters and state, and what the gradient checker compares. One rule everywhere:

* dicts are read in the order of their sorted keys (as ``keras.tree`` and JAX do), so that two
  dicts with the same keys give the same leaves in the same order whatever their insertion
  order; :func:`tree_map` keeps the key order of its first tree in what it returns;
* a NamedTuple is rebuilt as its own type, a list as a list, a tuple as a tuple;
* anything else is a leaf.

NumPy alone: the core must not import Keras (``keras.tree`` does the same for Keras tensors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__: list[str] = []


def is_namedtuple(tree: Any) -> bool:
    return isinstance(tree, tuple) and hasattr(type(tree), "_fields")


def is_container(tree: Any) -> bool:
    return isinstance(tree, (list, tuple, Mapping))


def _children(tree: Any) -> list[tuple[str, Any]]:
    """``(key, child)`` pairs of a container, in the tree order."""
    if is_namedtuple(tree):
        return list(zip(tree._fields, tree))
    if isinstance(tree, (list, tuple)):
        return [(str(i), child) for i, child in enumerate(tree)]
    return [(str(key), tree[key]) for key in sorted(tree, key=str)]


def _rebuild(tree: Any, children: list[Any]) -> Any:
    if is_namedtuple(tree):
        return type(tree)(*children)
    if isinstance(tree, (list, tuple)):
        return type(tree)(children)
    by_key = dict(zip(sorted(tree, key=str), children))
    return {key: by_key[key] for key in tree}  # the first tree's key order


def _describe(tree: Any) -> str:
    if isinstance(tree, Mapping):
        return f"dict with keys {sorted(tree, key=str)}"
    if isinstance(tree, (list, tuple)):
        return f"{type(tree).__name__} of length {len(tree)}"
    return "array"


def _same_node(tree: Any, other: Any) -> bool:
    if isinstance(tree, Mapping):
        return isinstance(other, Mapping) and set(other) == set(tree)
    if isinstance(tree, (list, tuple)):
        return isinstance(other, (list, tuple)) and not isinstance(other, Mapping) and len(other) == len(tree)
    return not is_container(other)


def tree_map(fn: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leaf by leaf to trees of the same structure (``ValueError`` if they differ)."""
    for other in rest:
        if not _same_node(tree, other):
            raise ValueError(f"structures differ: {_describe(tree)} vs {_describe(other)}")
    if not is_container(tree):
        return fn(tree, *rest)
    keys = [key for key, _ in _children(tree)]
    children = [child for _, child in _children(tree)]
    others = [[dict(_children(other))[key] for key in keys] for other in rest]
    mapped = [tree_map(fn, child, *(o[i] for o in others)) for i, child in enumerate(children)]
    return _rebuild(tree, mapped)


def flatten_with_paths(tree: Any, path: str = "") -> list[tuple[str, Any]]:
    """``[(path, leaf), ...]`` in the tree order; a path joins keys with dots (``"W1"``, ``"0.b"``)."""
    if not is_container(tree):
        return [(path, tree)]
    out = []
    for key, child in _children(tree):
        out.extend(flatten_with_paths(child, f"{path}.{key}" if path else key))
    return out


def unflatten(tree: Any, leaves: Iterator[Any]) -> Any:
    """``tree``'s structure with its leaves replaced, in the tree order, by ``leaves``."""
    if not is_container(tree):
        return next(leaves)
    return _rebuild(tree, [unflatten(child, leaves) for _, child in _children(tree)])


def signature(tree: Any) -> Any:
    """The structure without the values: container types, field names, keys and leaf shapes."""
    if not is_container(tree):
        return ("array", getattr(tree, "shape", ()))
    if is_namedtuple(tree):
        kind = (type(tree).__name__, tuple(tree._fields))
    elif isinstance(tree, (list, tuple)):
        kind = ("sequence", len(tree))
    else:
        kind = ("dict",)
    return (*kind, tuple((key, signature(child)) for key, child in _children(tree)))
