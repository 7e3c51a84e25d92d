"""The package as a reader imports it."""

import ast
import pathlib
import subprocess
import sys

import pytest

import lrutils as lu

PACKAGE = pathlib.Path(lu.__file__).parent


def test_every_exported_name_resolves():
    for name in lu.__all__:
        assert getattr(lu, name) is not None, name


# Names that stay with their module (see the package docstring): the optimizers and network
# pieces, and names that would be ambiguous at the top level.
MODULE_ONLY_MODULES = {"optimizers", "mlp", "batched"}
AMBIGUOUS = {"constant", "exponential", "triangular", "triangular2", "exp_range", "Path", "Node",
             "Op", "OPS", "Control", "ALIASES"}


def test_the_export_table_matches_the_modules():
    import importlib

    for name, module_name in lu._EXPORTS.items():
        module = importlib.import_module(f"lrutils.{module_name}")
        assert name in module.__all__, f"{name} is exported from {module_name}, which does not define it"
    for module_name in lu.PUBLIC_MODULES:
        module = importlib.import_module(f"lrutils.{module_name}")
        left_out = set(module.__all__) - set(lu._EXPORTS)
        if module_name not in MODULE_ONLY_MODULES:
            assert left_out <= AMBIGUOUS, f"lrutils.{module_name} names missing from the top level: {left_out}"
    assert not AMBIGUOUS & set(lu._EXPORTS)


def test_type_checkers_see_the_same_names():
    """The ``if TYPE_CHECKING`` imports (what pyright, mypy and IDEs read) and the imports at
    the top of ``__init__`` list exactly the names of the lazy table."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    static = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                assert alias.name not in static, f"{alias.name} imported twice"
                static[alias.name] = node.module
    assert static == lu._EXPORTS


def test_submodules_are_reachable():
    assert lu.optimizers.adam is not None and lu.mlp.forward is not None


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lu.nope  # noqa: B018 (the attribute access is the test)


def test_numpy_core_imports_without_tensorflow():
    """The one fresh-interpreter check that the NumPy core, the range-test maths and the
    explorers import (and run) without TensorFlow, Keras or ipywidgets."""
    code = (
        "import sys, lrutils as lu\n"
        "from lrutils import functions, descent, optimizers, schedules, mlp, gradcheck, graphs, plotting\n"
        "from lrutils import data, mode, lr_range, controls, explorer, widgets, animation\n"
        "optimizers.adam(0.1)\n"  # building an optimizer and evaluating a schedule import nothing more
        "schedules.cosine_decay(0.1, 10)(3)\n"
        "lr_range.suggest_lr([1e-3, 1e-2, 1e-1], [1.0, 0.5, 2.0], 'minimum')\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------
# Public ground: no private Keras/TensorFlow/matplotlib attribute outside one module
# ------------------------------------------------------------------------------------------
INTERNALS = "_keras_internals.py"
# The documented, underscore-named API of namedtuples.
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}


def _defined_names(trees):
    """Every name lrutils defines: functions, classes, variables, attributes it assigns,
    arguments, import aliases. A private name outside this set belongs to someone else."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store):
                names.add(node.id if isinstance(node, ast.Name) else node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[0])
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return names


def _foreign_private(name, ours):
    return (name.startswith("_") and not name.startswith("__") and name not in ours
            and name not in NAMEDTUPLE_API)


def private_touches(sources, undocumented):
    """``file:line: what`` for every touch of a private or undocumented attribute of another
    library in ``sources`` (a mapping of file name to source), the internals module excepted."""
    trees = {name: ast.parse(text) for name, text in sources.items()}
    ours = _defined_names(trees.values())
    found = []
    for name, tree in trees.items():
        if name == INTERNALS:
            continue
        for node in ast.walk(tree):
            where = f"{name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute):
                if node.attr in undocumented or _foreign_private(node.attr, ours):
                    found.append(f"{where}: .{node.attr}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                func = node.func
                if (isinstance(func.value, ast.Name) and func.value.id == "object"
                        and func.attr in ("__setattr__", "__delattr__")
                        and not (node.args and isinstance(node.args[0], ast.Name)
                                 and node.args[0].id == "self")):
                    found.append(f"{where}: object.{func.attr} on another object")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                args = node.args
                if node.func.id == "vars" and args and not (
                        isinstance(args[0], ast.Attribute) and isinstance(args[0].value, ast.Name)
                        and args[0].value.id == "keras"):  # a Keras module's namespace is public
                    found.append(f"{where}: vars() of an object")
                if (node.func.id in ("getattr", "hasattr", "setattr", "delattr") and len(args) >= 2
                        and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str)
                        and (args[1].value in undocumented or _foreign_private(args[1].value, ours))):
                    found.append(f"{where}: {node.func.id}(..., {args[1].value!r})")
    return found


def _package_sources():
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(PACKAGE.glob("*.py"))}


def test_no_private_attribute_of_another_library_outside_the_internals_module():
    from lrutils._keras_internals import UNDOCUMENTED

    assert private_touches(_package_sources(), set(UNDOCUMENTED)) == []


@pytest.mark.parametrize("line, caught", [
    ("rate = optimizer._learning_rate", ".\\_learning_rate"),
    ("model.train_function = None", ".train_function"),
    ("model.make_train_function(force=True)", ".make_train_function"),
    ("object.__setattr__(model, 'train_step', step)", "object.__setattr__"),
    ("state = vars(model)", "vars()"),
    ("x = getattr(writer, '_saved_frames', [])", "'_saved_frames'"),
])
def test_the_guard_catches_each_kind_of_touch(line, caught):
    from lrutils._keras_internals import UNDOCUMENTED

    sources = {**_package_sources(), "new.py": f"def f(model, optimizer, writer, step):\n    {line}\n"}
    found = private_touches(sources, set(UNDOCUMENTED))
    assert len(found) == 1 and found[0].startswith("new.py:2") and caught.replace("\\", "") in found[0]


def test_the_code_is_clean_under_the_linter():
    """ruff, with the configuration in pyproject.toml, over the package, tests, tools and
    benchmarks (the same command a contributor runs: ``ruff check .``)."""
    root = PACKAGE.parent
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                         cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_private_name_is_imported_from_a_public_module():
    """Modules share private helpers only through private modules (``_checks``, ``_tree``,
    ``_keras_internals``...); a public module's underscore names are its own."""
    found = []
    for name, text in _package_sources().items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                if node.module.startswith("_"):
                    continue
                found += [f"{name}: from .{node.module} import {a.name}" for a in node.names
                          if a.name.startswith("_")]
    assert found == []
