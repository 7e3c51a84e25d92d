"""Sphinx extension: resolve ``lrutils.name`` to where ``name`` is documented.

Readers write ``lrutils.load_data``; the reference documents it as ``lrutils.data.load_data``.
Cross-references in docstrings and pages may use either spelling.
"""

from __future__ import annotations

import importlib


def _resolve(app, env, node, contnode):
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("lrutils."):
        return None
    name = target.split(".", 1)[1]
    lrutils = importlib.import_module("lrutils")
    module = lrutils._EXPORTS.get(name)
    if module is None:
        return None
    node["reftarget"] = f"lrutils.{module}.{name}"
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], node["reftarget"], node, contnode)


def setup(app):
    app.connect("missing-reference", _resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
