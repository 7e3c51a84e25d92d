# Two commands set everything up on a fresh machine:
#   make book   -> .venv with the book's packages, then the website in _build/html
#   make test   -> .venv, then every test (package, notebooks with nbval, site build, browser)
# Re-runs are fast: .venv is reinstalled only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The book's notebooks, as tools/execute_notebooks.py finds them (its --list needs no package,
# so the system Python will do); expanded only where used. `make execute NOTEBOOKS=...` narrows it.
NOTEBOOKS = $(shell $(PYTHON) tools/execute_notebooks.py --list)

.PHONY: help venv book test test-portable test-oldest unit lab execute benchmarks clean

help:
	@echo "make book      build the website into _build/html"
	@echo "make test      run every test (package, notebooks, site build, browser)"
	@echo "make test-portable  re-run the notebook checks as two other CPUs would compute them"
	@echo "make test-oldest    run the package tests with the oldest versions pyproject.toml allows"
	@echo "make lab       start JupyterLab with the book's environment"
	@echo "make execute   re-execute every notebook in place and store its outputs"
	@echo "make benchmarks  time every notebook, one at a time (no files changed)"
	@echo "make clean     remove _build (keeps .venv)"

venv: $(STAMP)

$(STAMP): pyproject.toml tools/ipython_kernel_config.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@mkdir -p $(VENV)/etc/ipython
	cp tools/ipython_kernel_config.py $(VENV)/etc/ipython/ipython_kernel_config.py
	@touch $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build --quiet . 
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

# Test files run in JOBS processes at once (pytest-xdist); a notebook stays in one process, as
# its cells depend on each other. On 2 cores, 2 jobs cut the suite from about 15 to 10 minutes;
# each kernel takes 1 to 2 GB of memory, so raise JOBS with care. JOBS=1 runs everything in one
# process.
JOBS ?= 2
XDIST = $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadfile)

test: $(STAMP)
	LRUTILS_STATIC=1 $(PY) -m pytest $(XDIST)

# The notebook checks again, twice, with TensorFlow's CPU kernels computing as on other machines:
# oneDNN limited to AVX2 (an older or different CPU), then oneDNN switched off (TensorFlow's own
# kernels). Float training then drifts in the last digits, as it does between readers' machines;
# the cells tagged nbval-approx must absorb it and every check must still hold. The summary at
# the end of each run lists the cells whose numbers changed.
PORTABLE_ENVS := ONEDNN_MAX_CPU_ISA=AVX2 TF_ENABLE_ONEDNN_OPTS=0

test-portable: $(STAMP)
	@status=0; for env in $(PORTABLE_ENVS); do \
	  echo "== notebooks with $$env"; \
	  env $$env LRUTILS_STATIC=1 $(PY) -m pytest $(XDIST) -p no:cacheprovider chapters appendices || status=1; \
	done; exit $$status

# The package tests (not the notebooks, whose outputs were made with the newest versions) in a
# second environment, .venv-oldest, with the lowest versions pyproject.toml allows: TensorFlow
# 2.16, Keras 3.5, NumPy 1.26, matplotlib 3.8... (tools/oldest-requirements.txt).
OLDEST := .venv-oldest
OLDEST_STAMP := $(OLDEST)/.installed

$(OLDEST_STAMP): tools/oldest-requirements.txt pyproject.toml
	@test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST)/bin/python -m pip install --quiet -r tools/oldest-requirements.txt
	$(OLDEST)/bin/python -m pip install --quiet --no-deps -e .
	@touch $(OLDEST_STAMP)

test-oldest: $(OLDEST_STAMP)
	$(OLDEST)/bin/python -c "import keras, tensorflow, numpy; print('Keras', keras.__version__, '/ TensorFlow', tensorflow.__version__, '/ NumPy', numpy.__version__)"
	LRUTILS_STATIC=1 $(OLDEST)/bin/python -m pytest $(XDIST) -p no:cacheprovider -o addopts="-ra --doctest-modules" \
	  lrutils tests -m "not site and not lab and not launch" \
	  --ignore=tests/test_notebooks.py --ignore=tests/test_nbval_approx.py --ignore=tests/test_execute_notebooks.py

unit: $(STAMP)
	LRUTILS_STATIC=1 $(PY) -m pytest $(XDIST) lrutils tests -m "not site and not lab and not launch"

lab: $(STAMP)
	$(VENV)/bin/jupyter lab

execute: $(STAMP)
	LRUTILS_STATIC=1 $(PY) tools/execute_notebooks.py --write --jobs $(JOBS) $(NOTEBOOKS)

benchmarks: $(STAMP)
	LRUTILS_STATIC=1 $(PY) benchmarks/notebook_times.py

clean:
	rm -rf _build
