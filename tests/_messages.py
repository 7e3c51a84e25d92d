"""Helpers for tests of error messages (the style guide: a message names the argument and the value)."""

from __future__ import annotations

import re


def names_argument(match: str) -> str:
    """A ``pytest.raises(match=...)`` pattern for a bare argument name.

    The name must appear as the argument, not as any word (a short name such as ``a`` or ``on``
    would match nearly any message): ``name=value``, a message that starts with ``name must``,
    ``can``, ``has`` or ``is``, or Python's own ``'name'``. Any other pattern is returned as is.
    """
    if not re.fullmatch(r"\w+", match):
        return match
    name = re.escape(match)
    return rf"\b{name}=|^{name} (must|can|has|is)\b|'{name}'"
