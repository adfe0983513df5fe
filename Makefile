# Two commands do all the set-up on a fresh machine (Python 3.11, pip, make):
#   make demo   every playbook rendered for the sample dealership into reports/demo/
#   make test   the whole test suite
# and one more before a commit:
#   make lint   ruff (lint and format check), mypy on toolkit/, the layer contract (import-linter)
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: demo test lint format sample benchmark clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lint,dask]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/playbook demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Apply ruff's fixes and formatting (what `make lint` checks).
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the committed sample dealership (data/sample) from its seed.
sample: $(STAMP)
	$(BIN)/playbook sample --out data/sample --persona mixed --seed 7

# Timings, not tests: rendering against bare papermill and cold kernels, the 200,000-customer
# group against DuckDB, the import against validation, workshop apps in Chromium. Results go to
# benchmarks/results/.
benchmark: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python benchmarks/render_bench.py
	$(BIN)/python benchmarks/group_bench.py
	$(BIN)/python benchmarks/import_bench.py
	$(BIN)/python benchmarks/app_bench.py

clean:
	rm -rf reports .pytest_cache
