"""Execute notebooks top to bottom with the current lrutils; optionally store the outputs.

    python tools/execute_notebooks.py [--write] [--jobs N] [NOTEBOOK ...]
    python tools/execute_notebooks.py --list

With ``--write`` (what ``make execute`` runs) each notebook is rewritten in place with its fresh
outputs; without it nothing is written and only the timings are reported.
Static output mode (``LRUTILS_STATIC=1``) is switched on for the kernels, so explorers store
self-contained HTML and no progress bar is recorded. Prints one line per notebook as it ends,
then the sum of the notebooks' times and the wall-clock time of the whole run.

``--jobs N`` runs up to N notebooks at once, each in its own process and kernel (the book's
notebooks are independent). The outputs do not depend on it; on a 2-core machine ``--jobs 2``
shortens the wall-clock time, while each notebook's own time grows, since two kernels share the
cores.

``--list`` prints the book's notebooks, one a line, relative to the repository, and executes
nothing. :func:`find_notebooks` is the one definition of "the book's notebooks": the Makefile
takes its list from ``--list`` and the tests import it. That path imports no third-party
package, so any Python 3.10+ can run it (the Makefile's ``$(PYTHON)``, before ``.venv`` exists).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Environment of every kernel that executes the book's notebooks, here and under nbval
#: (conftest.py applies the same): static explorer output, and no TensorFlow C++ log lines
#: (CUDA probing, oneDNN notices) in the stored outputs.
NOTEBOOK_ENV = {"LRUTILS_STATIC": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}


def find_notebooks() -> list[Path]:
    """Every notebook of the book (under chapters/ and appendices/, checkpoints excluded), sorted."""
    return sorted(
        p for folder in ("chapters", "appendices") for p in (ROOT / folder).rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


def execute(path: Path, *, write: bool, timeout: int = 600) -> float:
    """Run one notebook in its own folder; return the wall-clock seconds it took."""
    # imported here, so that `--list` (and conftest.py) need no third-party package
    import nbformat
    from nbclient import NotebookClient

    os.environ.update(NOTEBOOK_ENV)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(path.parent)}},
        # no widget state in the notebooks: the site has no widget manager to render it, and
        # every explorer is self-contained HTML (nbclient's default would store it)
        store_widget_state=False,
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    if write:
        nbformat.write(nb, path)
    return elapsed


def _display(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be a positive integer, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook of the book")
    parser.add_argument("--write", action="store_true", help="store the outputs in the notebooks")
    parser.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                        help="notebooks to execute at once, each in its own process (default 1)")
    parser.add_argument("--list", action="store_true",
                        help="print the notebooks, one a line, and execute nothing")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or find_notebooks()
    if args.list:
        for path in paths:
            print(_display(path))
        return 0
    if not paths:
        print("no notebooks found")
        return 0
    total = 0.0
    failed: list[tuple[Path, str]] = []
    print(f"{'notebook':60s} {'seconds':>8s}")
    start = time.perf_counter()
    # Each notebook runs in a worker process (one at a time with --jobs 1); a failing notebook is
    # reported and not written, and the others still run. Workers are spawned, not forked: a
    # fork of a process that has loaded TensorFlow (a test run calling main(), say) can abort
    # on TensorFlow's locks.
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(execute, path, write=args.write): path for path in paths}
        for future in as_completed(futures):
            path = futures[future]
            try:
                seconds = future.result()
            except Exception as error:  # noqa: BLE001 - reported below, and the exit status is 1
                failed.append((path, f"{type(error).__name__}: {error}"))
                print(f"{_display(path):60s}   FAILED", flush=True)
                continue
            total += seconds
            print(f"{_display(path):60s} {seconds:8.1f}", flush=True)
    wall = time.perf_counter() - start
    print(f"{'sum of the notebooks':60s} {total:8.1f}")
    print(f"{f'wall clock ({args.jobs} at once)':60s} {wall:8.1f}")
    for path, message in failed:
        print(f"\n{_display(path)} failed (not written):\n{message}", file=sys.stderr)
    if failed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
