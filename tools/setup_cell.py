"""The setup cell that opens every notebook, so that a page runs where its launch button sends it.

    python tools/setup_cell.py            # report the notebooks whose setup cell is missing or stale
    python tools/setup_cell.py --write    # insert or refresh it (before the first code cell)

Colab opens one notebook with no repository around it: ``import lrutils`` fails there, and pages
that read the book's files (benchmark results) find nothing. The setup cell checks whether the
book's files are around the notebook (``lrutils/`` at the repository root, as in a clone, on
Binder, or when the book's tests run it). If they are, it does nothing. Otherwise it clones the
book, installs ``lrutils`` with the extras the page needs (``[keras]`` for pages that train with
Keras) and moves into the page's folder inside the clone, so relative paths such as
``../../benchmarks/results/...`` work. ``LRBOOK_SOURCE`` says where to clone from: anything
``git clone`` accepts (a URL or a local directory); the default is the repository URL of
``_config.yml``.

The cell is the same on every page except for two values (the page's path and the extras); this
script writes it and ``tests/test_notebooks.py`` checks that every notebook has it, up to date.
The cell is tagged ``remove-cell``: the website shows the stored outputs and has no use for it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml
from execute_notebooks import find_notebooks

ROOT = Path(__file__).resolve().parents[1]
CELL_ID = "lrbook-setup"
TAGS = ["remove-cell"]

# What makes a page a Keras page: it imports Keras or TensorFlow, or calls a part of lrutils that does.
_KERAS = re.compile(r"\bkeras\b|\btensorflow\b|\bload_data\(|\bfind_lr\b|\bLRFinder\b|\brun_experiment|\blr_finder_suite\b|\blr_finder_overhead\b")

TEMPLATE = '''\
# Setup. In Colab (or anywhere this notebook sits without the book around it), fetch the book
# and install `lrutils` for this page; in the book's own folder this cell does nothing.
# LRBOOK_SOURCE, if set, is where to fetch the book from (anything `git clone` accepts).
import os, pathlib, subprocess, sys

PAGE, EXTRAS = "{page}", "{extras}"
if not pathlib.Path("{up}lrutils/__init__.py").is_file():
    def run(*cmd):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(" ".join(cmd) + " failed:\\n" + done.stdout + done.stderr)

    source = os.environ.get("LRBOOK_SOURCE", "{url}")
    book = pathlib.Path("lrbook").resolve()
    print(f"Fetching the book from {{source}} into {{book}} and installing lrutils{{EXTRAS}}...")
    if not book.is_dir():
        run("git", "clone", "--quiet", "--depth=1", source, str(book))
    run(sys.executable, "-m", "pip", "install", "--quiet", str(book) + EXTRAS)
    os.chdir(book / pathlib.Path(PAGE).parent)
'''


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"]


def needs_keras(nb) -> bool:
    return any(_KERAS.search(c.source) for c in nb.cells if c.cell_type == "code" and c.id != CELL_ID)


def cell_source(path: Path, nb) -> str:
    page = path.resolve().relative_to(ROOT).as_posix()
    return TEMPLATE.format(
        page=page,
        extras="[keras]" if needs_keras(nb) else "",
        up="../" * page.count("/"),
        url=repository_url(),
    )


def setup_cell(path: Path, nb):
    cell = nbformat.v4.new_code_cell(cell_source(path, nb))
    cell.id = CELL_ID
    cell.metadata["tags"] = list(TAGS)
    return cell


def problem(path: Path, nb) -> str | None:
    """Why the notebook's setup cell is not as this script would write it (None if it is)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code or code[0].get("id") != CELL_ID:
        return "the first code cell is not the setup cell"
    cell = code[0]
    if cell.source != cell_source(path, nb):
        return "the setup cell differs from the one tools/setup_cell.py writes"
    if cell.metadata.get("tags") != TAGS:
        return f"the setup cell's tags are {cell.metadata.get('tags')}, not {TAGS}"
    return None


def write(path: Path) -> bool:
    """Insert or refresh the setup cell; return True when the file changed.

    A setup cell already in first place is updated in place (its execution count is kept, so a
    changed repository URL needs no re-execution); otherwise it is inserted before the first code
    cell, and the notebook must be executed again.
    """
    nb = nbformat.read(path, as_version=4)
    if problem(path, nb) is None:
        return False
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code and code[0].get("id") == CELL_ID:
        code[0].source = cell_source(path, nb)
        code[0].metadata["tags"] = list(TAGS)
    else:
        nb.cells = [c for c in nb.cells if c.get("id") != CELL_ID]
        first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells.insert(first_code, setup_cell(path, nb))
    nbformat.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="insert or refresh the setup cells")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or find_notebooks()
    stale = 0
    for path in paths:
        if args.write:
            if write(path):
                print(f"updated {path.resolve().relative_to(ROOT)}")
        else:
            why = problem(path, nbformat.read(path, as_version=4))
            if why:
                stale += 1
                print(f"{path.resolve().relative_to(ROOT)}: {why}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
