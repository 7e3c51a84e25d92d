"""What every committed notebook must look like (nbval separately re-executes and compares them)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import setup_cell  # noqa: E402
from execute_notebooks import find_notebooks  # noqa: E402

NOTEBOOKS = find_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
# Keras's progress bar ("32/32 ━━━━ 0s 2ms/step"), tqdm ("50%|█████ | 5/10 [00:01<00:01, 4.2it/s]")
PROGRESS = re.compile(r"━|\d+/\d+ \[|it/s\]|s/it\]|\d+%\|")
# what a notebook holds once a Jupyter widget has been displayed and its state saved
WIDGET_MIMETYPES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=IDS)
def nb(request):
    return nbformat.read(request.param, as_version=4)


def test_executed_in_order_with_outputs(nb):
    cells = _code_cells(nb)
    counts = [c.execution_count for c in cells]
    assert None not in counts, "some code cells were never executed: run `make execute`"
    assert counts == list(range(1, len(cells) + 1)), f"execution counts out of order: {counts}"
    assert any(c.outputs for c in cells), "the notebook has no outputs"


def test_no_error_outputs(nb):
    for i, cell in enumerate(_code_cells(nb)):
        tags = cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" in tags:
            assert errors, f"code cell {i} is tagged raises-exception but raised nothing"
        else:
            assert not errors, f"code cell {i} has an error output: {errors[0].get('ename')}: {errors[0].get('evalue')}"


def test_no_progress_bars(nb):
    for i, cell in enumerate(_code_cells(nb)):
        for out in cell.outputs:
            text = out.get("text", "") if out.output_type == "stream" else "".join(
                out.get("data", {}).get("text/plain", "")
            )
            assert not PROGRESS.search(text), f"code cell {i} shows a progress bar: {text[:120]!r}"


def test_no_widgets(nb):
    # The website has no Jupyter widgets manager (_config.yml: nb_ipywidgets_js is empty): every
    # explorer is self-contained HTML, made in static mode (LRUTILS_STATIC=1). A widget view or
    # widget state in a notebook would show as nothing, or as its text/plain repr, on the site.
    # (A progress-bar widget, tqdm.auto's in JupyterLab, is caught here too.) JupyterLab saves
    # widget state when "Save Widget State Automatically" is on; `make execute` never does.
    assert "widgets" not in nb.metadata, "the notebook stores widget state (metadata.widgets): delete it"
    for i, cell in enumerate(_code_cells(nb)):
        for out in cell.outputs:
            found = [m for m in WIDGET_MIMETYPES if m in out.get("data", {})]
            assert not found, f"code cell {i} has a widget output ({found[0]}): explorers must be static HTML"


def test_kernelspec_exists_in_venv(nb):
    name = nb.metadata.get("kernelspec", {}).get("name")
    assert name, "the notebook names no kernelspec"
    assert name in KernelSpecManager().find_kernel_specs(), f"kernelspec {name!r} is not installed in this environment"


def test_setup_cell_then_imports_and_seed(request, nb):
    # The page opens with the setup cell (tools/setup_cell.py: it makes the page run in Colab),
    # then a cell that imports lrutils and seeds.
    path = NOTEBOOKS[IDS.index(request.node.callspec.id)]
    why = setup_cell.problem(path, nb)
    assert why is None, f"{why}: run `python tools/setup_cell.py --write`"
    assert not _code_cells(nb)[0].outputs, "the setup cell printed something in the book's own environment"
    second = _code_cells(nb)[1].source
    assert "import lrutils" in second and "set_seed(" in second, "the second code cell should import lrutils and seed"


def test_hidden_checks_are_collapsed_and_say_what_they_are(nb):
    # A cell hidden on the website (remove-cell) that asserts the page's claims is collapsed in
    # JupyterLab and opens with one line that says what it is.
    for i, cell in enumerate(_code_cells(nb)):
        if "remove-cell" not in cell.metadata.get("tags", []) or "assert" not in cell.source:
            continue
        assert cell.source.startswith("# Hidden check:"), f"code cell {i}: first line {cell.source.splitlines()[0]!r}"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, f"code cell {i} is not collapsed"
