"""tools/execute_notebooks.py: what `make execute` and `make benchmarks` run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import execute_notebooks  # noqa: E402


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_two_at_once_writes_the_good_one_and_reports_the_failure(tmp_path, capsys):
    good = _notebook(tmp_path / "good.ipynb", "print(6 * 7)")
    bad = _notebook(tmp_path / "bad.ipynb", "raise ValueError('on purpose')")
    status = execute_notebooks.main(["--write", "--jobs", "2", str(good), str(bad)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "FAILED" in out and "wall clock (2 at once)" in out
    assert "bad.ipynb failed (not written)" in err and "on purpose" in err
    assert nbformat.read(good, as_version=4).cells[0].outputs[0]["text"] == "42\n"
    assert nbformat.read(bad, as_version=4).cells[0].outputs == []


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_integer(jobs, capsys):
    with pytest.raises(SystemExit):
        execute_notebooks.main(["--jobs", jobs])
    assert "--jobs must be a positive integer" in capsys.readouterr().err


def test_list_prints_the_books_notebooks_without_any_package():
    # what the Makefile's NOTEBOOKS runs, possibly with a Python that has no site-packages (-S)
    result = subprocess.run(
        [sys.executable, "-I", "-S", str(execute_notebooks.ROOT / "tools" / "execute_notebooks.py"), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = result.stdout.splitlines()
    found = execute_notebooks.find_notebooks()
    assert listed == [str(p.relative_to(execute_notebooks.ROOT)) for p in found]
    assert listed and not any(".ipynb_checkpoints" in line for line in listed)
