"""pytest plugin: numbers within a tolerance, for notebook cells whose output comes from float training.

nbval compares a re-executed cell's text output with the stored one character for character (after
the sanitize file). That is right for NumPy code, which computes the same bits on every machine, but
not for Keras training: TensorFlow's CPU kernels (oneDNN) choose code paths by instruction set, and
a GPU sums in yet another order, so the third decimal of an accuracy can change from one machine to
the next although nothing is wrong.

A cell opts in with the tag ``nbval-approx``. Its outputs are then split into numbers and the text
between them:

* the text between numbers must be the same (runs of spaces count as one space, so a table whose
  column widths change with a number's width still matches);
* integers (no decimal point, no exponent: counts, epochs, sizes) must be equal;
* every other number ``new`` must satisfy ``|new - stored| <= atol + rtol * |stored|``.

The tolerance is the cell's own, from its metadata, or the defaults below::

    "metadata": {"tags": ["nbval-approx"], "nbval-approx": {"atol": 0.02, "rtol": 0.05}}

Keys of ``"nbval-approx"``: ``atol`` and ``rtol`` (non-negative numbers) and ``integers``
(``"exact"``, the default, or ``"approx"`` to compare integers with the tolerance too).

Everything else stays exact. A cell with a ``nbval-*`` tag that neither nbval nor this plugin
knows, ``nbval-approx`` metadata without the tag, an unknown key or a bad value is an error that
names the cell, not a silent exact comparison. A mismatch shows the cell, each differing number
stored and new, and the tolerance used.

Loaded from the root ``conftest.py`` (``pytest_plugins``); it only acts where nbval collects
notebooks (``--nbval``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pytest

TAG = "nbval-approx"
METADATA_KEY = "nbval-approx"
DEFAULT_ATOL = 0.005
DEFAULT_RTOL = 0.02
INTEGER_MODES = ("exact", "approx")

# Tags nbval itself reads (nbval.plugin.metadata_tags) and the one added here. Any other tag that
# starts with "nbval-" is a typo or a feature that does not exist: an error.
NBVAL_TAGS = frozenset({
    "nbval-ignore-output", "nbval-check-output", "nbval-raises-exception", "nbval-skip",
})
KNOWN_TAGS = NBVAL_TAGS | {TAG}
# The nbval tags an approximate comparison cannot be combined with: they switch comparing off.
EXCLUSIVE_WITH_APPROX = frozenset({"nbval-ignore-output", "nbval-skip"})

# A number: optional sign (not glued to a preceding word or number, so "0-4" is 0, "-", 4), digits
# with an optional fraction, optional exponent; "nan" and "inf" as words.
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])"
    r"|(?<![\w.])[-+]?(?:nan|inf)(?![\w.])"
)
_SPACES = re.compile(r"\s+")
# Output fields that are not compared, when nbval does not pass its own list (IPyNbFile.skip_compare,
# which the plugin uses): bookkeeping fields, images and widget views.
_SKIP_KEYS = frozenset({
    "metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
    "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg",
})
# Name of the user property that carries a cell's used share of its tolerance to the summary.
_PROPERTY = "nbval_approx_used"


class ApproxConfigError(Exception):
    """A cell's comparison tags or metadata are not ones this plugin accepts."""


@dataclass(frozen=True)
class Tolerance:
    atol: float = DEFAULT_ATOL
    rtol: float = DEFAULT_RTOL
    integers: str = "exact"

    def __str__(self) -> str:
        return f"|new - stored| <= {self.atol:g} + {self.rtol:g} * |stored|, integers {self.integers}"

    def accepts(self, stored: float, new: float, is_integer: bool) -> bool:
        if math.isnan(stored) or math.isnan(new):
            return math.isnan(stored) and math.isnan(new)
        if math.isinf(stored) or math.isinf(new):
            return stored == new
        if is_integer and self.integers == "exact":
            return stored == new
        return abs(new - stored) <= self.atol + self.rtol * abs(stored)


def tolerance_for(metadata: dict[str, Any]) -> Tolerance | None:
    """The cell's tolerance, or None when the cell does not opt in. Raises ApproxConfigError."""
    tags = metadata.get("tags", []) or []
    if not isinstance(tags, list):
        raise ApproxConfigError(f"cell tags must be a list, got {type(tags).__name__}")
    unknown = sorted(t for t in tags if isinstance(t, str) and t.startswith("nbval-") and t not in KNOWN_TAGS)
    if unknown:
        raise ApproxConfigError(
            f"unknown comparison tag(s) {unknown}; accepted: {sorted(KNOWN_TAGS)}"
        )
    settings = metadata.get(METADATA_KEY)
    if TAG not in tags:
        if settings is not None:
            raise ApproxConfigError(f"metadata {METADATA_KEY!r} is set but the cell lacks the tag {TAG!r}")
        return None
    clash = sorted(EXCLUSIVE_WITH_APPROX & set(tags))
    if clash:
        raise ApproxConfigError(f"tag {TAG!r} cannot be combined with {clash}: they switch comparing off")
    if settings is None:
        return Tolerance()
    if not isinstance(settings, dict):
        raise ApproxConfigError(
            f"metadata {METADATA_KEY!r} must be an object with keys atol, rtol, integers; got {settings!r}"
        )
    extra = sorted(set(settings) - {"atol", "rtol", "integers"})
    if extra:
        raise ApproxConfigError(
            f"metadata {METADATA_KEY!r} has unknown key(s) {extra}; accepted: ['atol', 'integers', 'rtol']"
        )
    values = {}
    for key in ("atol", "rtol"):
        if key in settings:
            v = settings[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ApproxConfigError(
                    f"metadata {METADATA_KEY!r}: {key} must be a finite number >= 0, got {v!r}"
                )
            values[key] = float(v)
    if "integers" in settings:
        if settings["integers"] not in INTEGER_MODES:
            raise ApproxConfigError(
                f"metadata {METADATA_KEY!r}: integers must be one of {list(INTEGER_MODES)}, "
                f"got {settings['integers']!r}"
            )
        values["integers"] = settings["integers"]
    return Tolerance(**values)


def _split(text: str) -> tuple[list[str], list[str]]:
    """Text pieces (whitespace runs collapsed) and the number tokens between them."""
    pieces, numbers, last = [], [], 0
    for m in _NUMBER.finditer(text):
        pieces.append(_SPACES.sub(" ", text[last:m.start()]))
        numbers.append(m.group())
        last = m.end()
    pieces.append(_SPACES.sub(" ", text[last:]))
    return pieces, numbers


def _is_integer(token: str) -> bool:
    return not any(c in token for c in ".eEnN")  # nan / inf are not integers


def compare_text(stored: str, new: str, tol: Tolerance) -> list[str]:
    """Differences between two texts under `tol`; an empty list when they match."""
    return _compare_text(stored, new, tol)[0]


def _compare_text(stored: str, new: str, tol: Tolerance) -> tuple[list[str], float]:
    """(differences, largest share of the tolerance used by a number: 0 when all are equal)."""
    s_pieces, s_numbers = _split(stored)
    n_pieces, n_numbers = _split(new)
    if len(s_numbers) != len(n_numbers):
        return [f"the stored output has {len(s_numbers)} numbers, the new one {len(n_numbers)}"], math.inf
    for i, (a, b) in enumerate(zip(s_pieces, n_pieces)):
        if a != b:
            return [f"text differs at the {_ordinal(i + 1)} text piece: stored {a!r}, new {b!r}"], math.inf
    problems, used = [], 0.0
    for i, (a, b) in enumerate(zip(s_numbers, n_numbers)):
        integer = _is_integer(a) and _is_integer(b)
        x, y = float(a), float(b)
        if not tol.accepts(x, y, integer):
            context = s_pieces[i][-40:].lstrip()
            kind = "integer" if integer and tol.integers == "exact" else "number"
            problems.append(f"{kind} {i + 1} (after {context!r}): stored {a}, new {b}")
            used = math.inf
        elif x != y and math.isfinite(x):
            allowed = tol.atol + tol.rtol * abs(x)
            used = max(used, abs(y - x) / allowed if allowed > 0 else math.inf)
    return problems, used


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _flatten(outputs, sanitize, skip=_SKIP_KEYS) -> dict[str, list]:
    """nbval's view of a cell's outputs: {field or MIME type: [sanitized values, ...]}."""
    flat: dict[str, list] = {}
    for out in outputs:
        if out.get("output_type") == "stream":
            flat.setdefault(out["name"], []).append(sanitize(out["text"]))
            continue
        for key, value in out.items():
            if key in skip:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in skip:
                        flat.setdefault(mime, []).append(sanitize(data))
            else:
                flat.setdefault(key, []).append(sanitize(value))
    return flat


def compare_outputs(test_outputs, stored_outputs, tol: Tolerance, sanitize=lambda s: s,
                    skip=_SKIP_KEYS) -> list[str]:
    """Every difference between a cell's new and stored outputs under `tol` (empty: they match)."""
    return _compare_outputs(test_outputs, stored_outputs, tol, sanitize, skip)[0]


def _compare_outputs(test_outputs, stored_outputs, tol, sanitize, skip) -> tuple[list[str], float]:
    new, stored = _flatten(test_outputs, sanitize, skip), _flatten(stored_outputs, sanitize, skip)
    if set(new) != set(stored):
        return [f"output fields differ: stored {sorted(stored)}, new {sorted(new)}"], math.inf
    problems, used = [], 0.0
    for key in stored:
        if len(stored[key]) != len(new[key]):
            problems.append(f"{key}: {len(stored[key])} stored outputs, {len(new[key])} new")
            used = math.inf
            continue
        for s, n in zip(stored[key], new[key]):
            if isinstance(s, str) and isinstance(n, str):
                found, share = _compare_text(s, n, tol)
                problems += [f"{key}: {p}" for p in found]
                used = max(used, share)
            elif s != n:
                problems.append(f"{key}: stored {s!r}, new {n!r}")
                used = math.inf
    return problems, used


def _approx_compare(item, tol: Tolerance):
    def compare(test, ref, skip_compare=None):
        skip = skip_compare or item.parent.skip_compare  # nbval's own list, as its comparison uses
        problems, used = _compare_outputs(test, ref, tol, item.sanitize, skip)
        # reported through the test report, so that the summary also works across xdist workers
        item.user_properties.append((_PROPERTY, used))
        item.comparison_traceback = [
            f"outputs differ beyond the tolerance of this {TAG} cell ({tol}):",
            *(f"  {p}" for p in problems),
            "stored output:", *_texts(ref, item.sanitize, skip),
            "new output:", *_texts(test, item.sanitize, skip),
        ]
        return not problems
    return compare


def _texts(outputs, sanitize, skip) -> list[str]:
    lines = []
    for key, values in _flatten(outputs, sanitize, skip).items():
        for v in values:
            text = v if isinstance(v, str) else repr(v)
            if len(text) > 2000:
                text = text[:2000] + " ..."
            lines.append(f"  [{key}]\n" + "\n".join("    " + line for line in text.splitlines()))
    return lines


def _config_error(item, message: str):
    original = item.runtest

    def runtest():
        try:
            original()  # still execute the cell, so that the cells after it have its variables
        finally:
            raise ApproxConfigError(f"{item.nodeid}: {message}")
    return runtest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to do
        return
    for item in items:
        if not isinstance(item, IPyNbCell):
            continue
        try:
            tol = tolerance_for(item.cell.metadata)
        except ApproxConfigError as error:
            item.runtest = _config_error(item, str(error))
            continue
        if tol is not None:
            item.compare_outputs = _approx_compare(item, tol)


class _Summary:
    """Collects, from each cell's report, how much of its tolerance an nbval-approx cell used."""

    def __init__(self):
        self.cells: list[tuple[str, float]] = []

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.cells += [(report.nodeid, v) for k, v in report.user_properties if k == _PROPERTY]

    def pytest_terminal_summary(self, terminalreporter):
        """One line per nbval-approx cell whose numbers changed: proof that the tolerance was needed."""
        if not self.cells:
            return
        changed = [(nodeid, used) for nodeid, used in self.cells if used > 0]
        terminalreporter.section("nbval-approx")
        terminalreporter.write_line(
            f"{len(self.cells)} cells compared within a tolerance; the numbers of {len(changed)} differ "
            "from the stored output"
        )
        for nodeid, used in changed:
            share = "beyond the tolerance" if math.isinf(used) else f"largest change {used:.0%} of the tolerance"
            terminalreporter.write_line(f"  {nodeid}: {share}")


def pytest_configure(config):
    config.pluginmanager.register(_Summary(), "nbval-approx-summary")
