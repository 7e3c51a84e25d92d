"""The notebooks as a reader meets them in JupyterLab: MyST rendered, hidden checks collapsed.

The pages are written in MyST ({doc}, {cite}, {ref}, labels, admonitions, dropdowns). Plain
JupyterLab would show that markup as raw text; `jupyterlab-myst`, part of the book's environment,
renders it. This test starts the environment's JupyterLab on 127.0.0.1 (no token, a throwaway
settings folder), opens two notebooks in headless Chromium and checks, on the rendered page:

* every markdown cell is rendered by the MyST renderer, and none of the MyST markup that its
  source contains shows as text;
* each dropdown of the source is a `<details>` element;
* every hidden check cell (`metadata.jupyter.source_hidden`) shows collapsed, as a placeholder.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.lab

PAGES = [
    # doc, cite, ref, math, an admonition shown as a dropdown
    "chapters/01-gradient-descent/03-decaying-rate-and-nonconvex.ipynb",
    # a label, ref, doc, cite
    "chapters/01-gradient-descent/02-conditioning.ipynb",
    # a dropdown per exercise
    "chapters/01-gradient-descent/exercises.ipynb",
]

#: MyST markup that must not survive rendering, as it would show in plain JupyterLab.
RAW_MYST = {
    "role": re.compile(r"\{(doc|ref|cite|cite:p|cite:t|numref|eq|math)\}`"),
    "label": re.compile(r"^\([\w.:-]+\)=\s*$", re.M),
    "directive": re.compile(r"^(:::|```)\{[\w-]+\}", re.M),
    "directive option": re.compile(r"^:class: dropdown", re.M),
}

#: The rendered part of a markdown cell: what sits in its input area besides prompt, editor, toolbar.
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
RENDERED = f"{NOTEBOOK} .jp-MarkdownCell .jp-InputArea > :not(.jp-InputPrompt):not(.jp-Editor):not(.jp-Toolbar)"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The base URL of a JupyterLab server of this environment, serving the repository."""
    settings = tmp_path_factory.mktemp("lab-settings")
    # every cell rendered at once (no windowing), no news pop-up
    (settings / "overrides.json").write_text(json.dumps({
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
    }))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path_factory.mktemp("lab-workspaces"))}
    log = open(settings / "lab.log", "w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", "--allow-root",
         f"--port={port}", "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
         "--ServerApp.password=", f"--ServerApp.root_dir={ROOT}"],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within a minute")
        if server.poll() is not None:
            pytest.fail("JupyterLab exited:\n" + (settings / "lab.log").read_text()[-3000:])
        extensions = subprocess.run([str(Path(sys.executable).with_name("jupyter")), "labextension", "list"],
                                    capture_output=True, text=True)
        assert "jupyterlab-myst" in extensions.stdout + extensions.stderr, "jupyterlab-myst is not installed"
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.parametrize("page", PAGES)
def test_notebook_renders_myst_in_jupyterlab(lab, chromium, page):
    nb = nbformat.read(ROOT / page, as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    source = "\n".join(markdown)
    present = [name for name, pattern in RAW_MYST.items() if pattern.search(source)]
    assert present, f"{page} has no MyST markup to check"
    hidden = sum(1 for c in nb.cells if c.cell_type == "code" and c.metadata.get("jupyter", {}).get("source_hidden"))
    dropdowns = len(re.findall(r"^:class: dropdown|^:::\{dropdown\}|^```\{dropdown\}", source, re.M))

    tab = chromium.new_page(viewport={"width": 1280, "height": 1000})
    errors = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    # a workspace of its own, reset: only this notebook is open
    tab.goto(f"{lab}/lab/workspaces/{Path(page).stem}/tree/{page}?reset")
    tab.wait_for_function(
        f"document.querySelectorAll({json.dumps(RENDERED)}).length >= {len(markdown)}", timeout=90_000
    )
    rendered = tab.locator(RENDERED)
    classes = rendered.evaluate_all("els => els.map(e => e.className)")
    assert rendered.count() == len(markdown), classes
    classes = rendered.evaluate_all("els => els.map(e => e.className)")
    assert all("myst" in c.split() for c in classes), f"not rendered by jupyterlab-myst: {set(classes)}"
    text = "\n".join(rendered.all_inner_texts())
    for name in present:
        shown = RAW_MYST[name].findall(text)
        assert not shown, f"{page}: MyST {name} markup shown as raw text: {shown[:3]}"
    if dropdowns:  # MyST renders asynchronously: wait for the last dropdowns
        tab.wait_for_function(f"document.querySelectorAll('{NOTEBOOK} details').length >= {dropdowns}",
                              timeout=30_000)
    assert tab.locator(f"{NOTEBOOK} .jp-CodeCell .jp-InputPlaceholder").count() == hidden, "hidden checks not collapsed"
    assert not errors, errors
    tab.close()
