# `make test` builds .venv when missing (or when pyproject.toml changed), then runs the linters and
# the whole test suite. CI runs it from a fresh clone through .ci/run.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: test lint unit benchmark clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(INSTALLED)

test: lint unit

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict airflow_gt

unit: $(INSTALLED)
	$(BIN)/pytest

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/read_manifest.py
	$(BIN)/python benchmarks/local_workforce.py
	$(BIN)/python benchmarks/validate.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
