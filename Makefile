# The two commands a new user needs: `make report` (the main job on the bundled sample
# data) and `make test`. Each creates .venv with python3 -m venv if it is missing and
# installs into it what it needs first; nothing else needs installing by hand.
# Three installs, each marked done by a stamp in .venv: `make report` installs the project
# with its runtime dependencies only (no test, Spark or JupyterLab package: a test checks
# it); `make lab` adds JupyterLab ([lab]); `make test`, bench, coverage and mutants install
# [dev] (test tools, JupyterLab and Spark: the suite exercises them all).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REPORT_STAMP := $(VENV)/.dx-metrics-report
LAB_STAMP := $(VENV)/.dx-metrics-lab
DEV_STAMP := $(VENV)/.dx-metrics-dev
PLAN ?= params/baclieu_dot_2023.yaml params/baclieu_dot_2024.yaml
PIP_LOG := $(VENV)/pip-install.log
comma := ,

# what a report run imports (the stamp is only written when they all import)
REPORT_IMPORTS := dx_metrics papermill nbconvert ipykernel openpyxl python_calamine pyarrow matplotlib yaml jsonschema charset_normalizer docx duckdb

.PHONY: report test lint lab install install-lab install-dev clean-outputs samples bench

install: $(REPORT_STAMP)
install-lab: $(LAB_STAMP)
install-dev: $(DEV_STAMP)

# $(call install_venv,pip target,what it is,modules that must import then): the venv created if missing,
# the target installed editable, pip's own failure or a module that does not import stop the
# command (exit 1), the project's Jupyter kernel registered, the stamp written last
define install_venv
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "dx_metrics needs Python 3.11 or newer; this is " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing $(2) into $(VENV) (first run only) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '$(1)' >$(PIP_LOG) 2>&1; status=$$?; \
		grep -v "is ignored: it is neither a file nor a directory" $(PIP_LOG); \
		test $$status -eq 0 || { echo "installation failed (pip exit $$status): see the pip messages above"; exit 1; }
	@$(BIN)/python -c 'import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]' $(3) \
		|| { echo "installation failed: see the pip messages above"; exit 1; }
	@$(BIN)/python -m ipykernel install --sys-prefix --name dx-metrics --display-name "Python (dx_metrics)" >/dev/null
	@touch $@
endef

$(REPORT_STAMP): pyproject.toml
	$(call install_venv,.,dx_metrics and its dependencies,$(REPORT_IMPORTS))

$(LAB_STAMP): pyproject.toml
	$(call install_venv,.[lab],dx_metrics with JupyterLab,$(REPORT_IMPORTS) jupyterlab)

$(DEV_STAMP): pyproject.toml
	$(call install_venv,.[dev],dx_metrics with its test tools$(comma) JupyterLab and PySpark,$(REPORT_IMPORTS) jupyterlab pyspark sqlglot pytest hypothesis coverage ruff mypy)

report: $(REPORT_STAMP)
	$(BIN)/dx-metrics run $(PLAN)

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

# ruff (ruff.toml: pyflakes, pycodestyle's errors, bugbear, pyupgrade); CI runs it after the tests
lint: $(DEV_STAMP)
	$(BIN)/ruff check dx_metrics tests benchmarks data

# mypy on the modules pyproject.toml's [tool.mypy] lists (the bottom layer); CI runs it after the linter
.PHONY: typecheck
typecheck: $(DEV_STAMP)
	$(BIN)/python -m mypy

# Jupyter refuses to start as root (a container, a server's admin account) unless told it may
LAB_ROOT = $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab $(LAB_ROOT) notebooks/

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/indicators.py
	$(BIN)/python benchmarks/sheets.py

samples: $(REPORT_STAMP)
	$(BIN)/python data/make_samples.py

clean-outputs:
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +

# Mutation run (issues 14, 27): killed / survived per module and the survivors, like a benchmark, over
# every module of the package (dx_metrics/**/*.py, 25 mutants each). Not in CI (many hours on 2 cores);
# it runs in temporary copies of the tree and never writes this one.
# make mutants MUTANTS_ARGS="--modules 'dx_metrics/plans/*.py' --limit 25" for some modules.
MUTANTS_ARGS ?= --limit 25 --out benchmarks/_work/mutants.md --out benchmarks/_work/mutants.json

.PHONY: mutants
mutants: $(DEV_STAMP)
	$(BIN)/python benchmarks/mutants.py $(MUTANTS_ARGS)

# Coverage of the suite and of the processes it starts (dx-metrics commands, notebook kernels),
# with the error-path modules of issue 14 first. Slow (about 15 min): not in CI.
COVERED := dx_metrics/cli.py,dx_metrics/runner.py,dx_metrics/plans/model.py,dx_metrics/ingest/workbook.py

.PHONY: coverage
coverage: $(DEV_STAMP)
	rm -rf .coverage-data && mkdir -p .coverage-data
	$(BIN)/python -m coverage run -m pytest -q -p no:cacheprovider
	$(BIN)/python -m coverage combine -q
	$(BIN)/python -m coverage report --include='$(COVERED)'
	$(BIN)/python -m coverage report | tail -1
