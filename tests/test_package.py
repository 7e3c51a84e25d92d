"""The package as a reader imports it."""

import subprocess
import sys

import pytest

import lrutils as lu


def test_every_exported_name_resolves():
    for name in lu.__all__:
        assert getattr(lu, name) is not None, name


def test_no_exported_name_is_defined_twice():
    # a name exported from two modules would silently shadow one of them
    from lrutils import _FULL, _PARTIAL, _public_names

    seen = {}
    for module in (*_FULL, *_PARTIAL):
        names = _public_names(module) if module in _FULL else _PARTIAL[module]
        for name in names:
            assert name not in seen, f"{name} is exported by both {seen[name]} and {module}"
            seen[name] = module


def test_submodules_are_reachable():
    assert lu.optimizers.adam is not None and lu.mlp.forward is not None


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lu.nope


def test_numpy_core_imports_without_tensorflow():
    code = (
        "import sys, lrutils as lu\n"
        "from lrutils import functions, descent, optimizers, schedules, mlp, gradcheck, plotting, data, mode\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
