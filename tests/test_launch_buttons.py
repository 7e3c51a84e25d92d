"""A page runs where the Colab button sends it: alone, in a fresh environment, with no book around it.

Colab opens one notebook in an empty folder, in an environment that has TensorFlow, Keras and the
scientific stack but neither `lrutils` nor the book's files. The setup cell that opens every page
(`tools/setup_cell.py`) must then fetch the book, install `lrutils` with what the page needs and
make the book's files reachable. This test does exactly that, for a NumPy page and two Keras
pages, one of which reads stored benchmark results:

* a fresh virtual environment gets only the packages Colab preinstalls (at the versions of this
  environment, so that pip's cache serves them);
* the book as it is in this working tree (tracked and untracked files that git does not ignore)
  is committed to a scratch git repository, and `LRBOOK_SOURCE` points to it;
* each notebook is copied alone into an empty folder and executed top to bottom with a kernel of
  that environment; one cell is appended to report where `lrutils` was imported from and the
  working directory, which must both be inside the clone the setup cell made.

Binder builds from `binder/` (repo2docker reads that folder instead of the root): an
`environment.yml` with Python only, since repo2docker installs it before copying the repository
in, and a `postBuild` that installs `lrutils[book]`. The Binder test runs that `postBuild` in a
fresh virtual environment on the same working-tree snapshot and checks that what the notebooks
import is there, jupyterlab-myst included, and nothing of the test tools.

It needs pip to reach its package index (or a warm cache) and takes a few minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.launch

#: What Colab preinstalls among the book's dependencies (it has many more packages, but none
#: that the book needs beyond these).
COLAB_PACKAGES = ("tensorflow", "keras", "numpy", "pandas", "matplotlib", "scikit-learn", "ipykernel",
                  "ipywidgets")

PAGES = {
    "numpy": "chapters/01-gradient-descent/01-update-rule.ipynb",
    "keras": "chapters/03-learning-rate-in-keras/01-setting-the-optimizer.ipynb",
    "keras-reads-benchmarks": "chapters/06-finding-the-learning-rate/03-does-it-work.ipynb",
}

_REPORT = "import json, os, lrutils\nprint(json.dumps({'lrutils': lrutils.__file__, 'cwd': os.getcwd()}))"


def _run(*cmd, cwd=None, env=None):
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _fresh_env(where: Path) -> Path:
    """A new virtual environment with nothing but pip; returns its python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / "bin" / "python"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """The working tree (tracked files and untracked ones git does not ignore), committed to a
    scratch repository that `git clone` accepts."""
    source = tmp_path_factory.mktemp("snapshot") / "book"
    files = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "init.defaultBranch=main"]
    _run(*git, "init", "--quiet", cwd=source)
    _run(*git, "add", "--all", cwd=source)
    _run(*git, "commit", "--quiet", "-m", "snapshot of the working tree", cwd=source)
    return source


@pytest.fixture(scope="module")
def colab(tmp_path_factory, snapshot):
    """(kernel name, kernelspec folder, book source) for a Colab-like environment."""
    base = tmp_path_factory.mktemp("colab")
    python = _fresh_env(base / "env")
    pins = [f"{name}=={version(name)}" for name in COLAB_PACKAGES]
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins)
    present = _run(python, "-c", "import importlib.util as u; print([m for m in ('lrutils', 'mlxtend') if u.find_spec(m)])",
                   cwd=base)
    assert present.strip() == "[]", f"the fresh environment already has {present}"
    # a kernel of that environment, in a kernelspec folder of its own
    spec = base / "kernels" / "kernels" / "colab-like"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python",
    }))
    return "colab-like", base / "kernels", snapshot


@pytest.mark.parametrize("kind", list(PAGES))
def test_page_runs_alone_in_a_colab_like_environment(colab, kind, tmp_path, monkeypatch):
    kernel_name, kernel_dir, source = colab
    page = PAGES[kind]
    folder = tmp_path / "content"  # Colab's working folder, empty but for the notebook
    folder.mkdir()
    shutil.copy2(ROOT / page, folder / Path(page).name)
    nb = nbformat.read(folder / Path(page).name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_REPORT))
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("LRBOOK_SOURCE", str(source))
    for name in ("LRUTILS_STATIC", "PYTHONPATH", "VIRTUAL_ENV"):  # nothing of the book's environment
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=600,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    report = json.loads(nb.cells[-1].outputs[-1]["text"].strip().splitlines()[-1])
    clone = (folder / "lrbook").resolve()
    assert Path(report["cwd"]).resolve() == clone / Path(page).parent, report
    lrutils_from = Path(report["lrutils"]).resolve()
    assert lrutils_from.is_relative_to(kernel_dir.parent / "env"), report  # installed by the setup cell
    setup = next(c for c in nb.cells if c.get("id") == "lrbook-setup")
    assert "Fetching the book from" in "".join(o.get("text", "") for o in setup.outputs)


def test_binder_builds_what_the_notebooks_need(snapshot, tmp_path):
    binder = ROOT / "binder"
    env = yaml.safe_load((binder / "environment.yml").read_text())
    # repo2docker installs this file before the repository is copied in: no pip section, which
    # could only name the repository itself
    assert all(isinstance(d, str) for d in env["dependencies"]), env["dependencies"]
    python_pin = next(d for d in env["dependencies"] if d.startswith("python="))
    assert python_pin.split("=")[1] in {"3.10", "3.11", "3.12", "3.13"}, python_pin
    post_build = binder / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    script = "\n".join(line for line in post_build.read_text().splitlines() if not line.lstrip().startswith("#"))
    assert "[test]" not in script and "playwright" not in script

    # postBuild, run as repo2docker runs it: in the repository, with the environment's python first
    python = _fresh_env(tmp_path / "env")
    path = f"{python.parent}{os.pathsep}{os.environ['PATH']}"
    _run("bash", snapshot / "binder" / "postBuild", cwd=snapshot,
         env={**os.environ, "PATH": path, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    found = _run(python, "-c", (
        "import importlib.util as u, json, sys; "
        "mods = ['lrutils', 'tensorflow', 'keras', 'mlxtend', 'sklearn', 'tqdm', 'ipywidgets', "
        "'ipykernel', 'jupyterlab', 'jupyterlab_myst', 'pandas', 'matplotlib', 'playwright', 'nbval']; "
        "print(json.dumps({m: bool(u.find_spec(m)) for m in mods}))"), cwd=tmp_path)
    found = json.loads(found)
    missing = [m for m, ok in found.items() if not ok and m not in ("playwright", "nbval")]
    assert not missing, f"Binder's environment lacks {missing}"
    assert not found["playwright"] and not found["nbval"], "Binder installs the test tools"
    assert (tmp_path / "env" / "etc" / "ipython" / "ipython_kernel_config.py").is_file()
