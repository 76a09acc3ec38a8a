# The two commands a new user needs: `make report` (the main job on the bundled sample
# data) and `make test`. Each creates .venv with python3 -m venv if it is missing and
# installs the project into it first; nothing else needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dx-metrics-installed
PLAN ?= params/baclieu_dot_2023.yaml params/baclieu_dot_2024.yaml

.PHONY: report test lab install clean-outputs samples bench

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "dx_metrics needs Python 3.11 or newer; this is " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing dx_metrics and its dependencies into $(VENV) (first run only) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	@$(BIN)/python -c 'import dx_metrics, papermill, nbconvert, openpyxl, python_calamine, pyarrow, matplotlib, yaml, docx, duckdb, sqlglot, pytest, hypothesis, pyspark' \
		|| { echo "installation failed: see the pip messages above"; exit 1; }
	@$(BIN)/python -m ipykernel install --sys-prefix --name dx-metrics --display-name "Python (dx_metrics)" >/dev/null
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/dx-metrics run $(PLAN)

test: $(STAMP)
	$(BIN)/python -m pytest

# Jupyter refuses to start as root (a container, a server's admin account) unless told it may
LAB_ROOT = $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ROOT) notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/indicators.py
	$(BIN)/python benchmarks/sheets.py

samples: $(STAMP)
	$(BIN)/python data/make_samples.py

clean-outputs:
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +

# Mutation run (issue 14): killed / survived per module and the survivors, like a benchmark. Not in CI
# (about 40 min on 2 cores); it runs in temporary copies of the tree and never writes this one.
# make mutants MUTANTS_ARGS="--modules 'dx_metrics/*/*.py' --limit 25" for every module.
MUTANTS_ARGS ?= --limit 25 --out benchmarks/_work/mutants.md --out benchmarks/_work/mutants.json

.PHONY: mutants
mutants: $(STAMP)
	$(BIN)/python benchmarks/mutants.py $(MUTANTS_ARGS)

# Coverage of the suite and of the processes it starts (dx-metrics commands, notebook kernels),
# with the error-path modules of issue 14 first. Slow (about 15 min): not in CI.
COVERED := dx_metrics/cli.py,dx_metrics/runner.py,dx_metrics/plans/model.py,dx_metrics/ingest/workbook.py

.PHONY: coverage
coverage: $(STAMP)
	rm -rf .coverage-data && mkdir -p .coverage-data
	$(BIN)/python -m coverage run -m pytest -q -p no:cacheprovider
	$(BIN)/python -m coverage combine -q
	$(BIN)/python -m coverage report --include='$(COVERED)'
	$(BIN)/python -m coverage report | tail -1
