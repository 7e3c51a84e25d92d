"""Execute notebooks top to bottom with the current lrutils; optionally store the outputs.

    python tools/execute_notebooks.py [--write] [NOTEBOOK ...]

With ``--write`` (what ``make execute`` runs) each notebook is rewritten in place with its fresh
outputs and widget state; without it nothing is written and only the timings are reported.
Static output mode (``LRUTILS_STATIC=1``) is switched on for the kernels, so explorers store
self-contained HTML and no progress bar is recorded. Prints one line per notebook and a total.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

#: Environment of every kernel that executes the book's notebooks, here and under nbval
#: (conftest.py applies the same): static explorer output, and no TensorFlow C++ log lines
#: (CUDA probing, oneDNN notices) in the stored outputs.
NOTEBOOK_ENV = {"LRUTILS_STATIC": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}


def find_notebooks() -> list[Path]:
    return sorted(
        p for folder in ("chapters", "appendices") for p in (ROOT / folder).rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


def execute(path: Path, *, write: bool, timeout: int = 600) -> float:
    """Run one notebook in its own folder; return the wall-clock seconds it took."""
    os.environ.update(NOTEBOOK_ENV)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    if write:
        nbformat.write(nb, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook of the book")
    parser.add_argument("--write", action="store_true", help="store the outputs in the notebooks")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or find_notebooks()
    if not paths:
        print("no notebooks found")
        return 0
    total = 0.0
    print(f"{'notebook':60s} {'seconds':>8s}")
    for path in paths:
        seconds = execute(path, write=args.write)
        total += seconds
        print(f"{str(path.relative_to(ROOT)):60s} {seconds:8.1f}", flush=True)
    print(f"{'total':60s} {total:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
