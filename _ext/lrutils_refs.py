"""Sphinx extension: resolve ``lrutils.name`` (and a bare ``name``) to where ``name`` is documented.

Readers write ``lrutils.load_data``; the reference documents it as ``lrutils.data.load_data``.
Docstrings refer to a name of another module by its bare name (``:func:`find_lr``` in the
callbacks' module). Cross-references may use any of these spellings; the top-level table of
``lrutils`` (``_EXPORTS``: name -> home module) says where each public name lives.
"""

from __future__ import annotations

import importlib


def _resolve(app, env, node, contnode):
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py":
        return None
    name = target.split(".", 1)[1] if target.startswith("lrutils.") else target
    head = name.split(".", 1)[0]
    lrutils = importlib.import_module("lrutils")
    module = lrutils._EXPORTS.get(head)
    if module is None:
        return None
    node["reftarget"] = f"lrutils.{module}.{name}"
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], node["reftarget"], node, contnode)


def setup(app):
    app.connect("missing-reference", _resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
