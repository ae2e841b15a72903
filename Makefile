# `make test` runs the linters, the whole suite in the dev environment (the newest set, Python
# 3.11), then the compatibility matrix: the lowest set (Airflow 3.0 on Python 3.12, under Airflow's
# own constraints) and the newest set on Python 3.13. CI runs it from a fresh clone through .ci/run.
# Every venv is built when missing and rebuilt when pyproject.toml or its constraints file changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NEWEST := constraints/newest-python-3.11.txt

.PHONY: test lint unit matrix test-lowest test-py313 cluster-test constraints tools demo benchmark clean

# The dev environment: the package editable with its dev, local and plots extras, at the versions
# of the committed constraints file, so pip never backtracks and every run gets the same set.
$(INSTALLED): pyproject.toml $(NEWEST)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' -c $(NEWEST)
	touch $(INSTALLED)

test: lint unit matrix

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict airflow_gt

unit: $(INSTALLED) tools
	$(BIN)/pytest

matrix: test-lowest test-py313

# The wheel beside apache-airflow 3.0 on Python 3.12 under constraints/airflow-3.0-python-3.12.txt:
# the Airflow-facing, validation and package tests, and both example DAGs under `airflow dags test`.
test-lowest: $(INSTALLED)
	$(BIN)/python scripts/matrix.py lowest

# The wheel on Python 3.13 with the newest set: install, `airflow providers list`, DAG parsing and
# one example DAG.
test-py313: $(INSTALLED)
	$(BIN)/python scripts/matrix.py py313

# docker-compose.yml's cluster as processes on this machine (CeleryExecutor, the machine's
# PostgreSQL and Redis), both example DAGs run on it while the triggerer, the worker and the
# scheduler are SIGKILLed and restarted; logs and the timeline in build/cluster-test/.
cluster-test: $(INSTALLED)
	$(BIN)/python scripts/cluster_test.py

# Resolve the newest sets afresh (after raising a version in pyproject.toml) and rewrite their
# constraints files; commit them with the change.
constraints: $(INSTALLED)
	$(BIN)/python scripts/matrix.py constraints

# tests/test_docker_compose.py checks docker-compose.yml with `docker-compose config`, which needs
# no Docker engine: Debian's docker-compose, installed when missing (as root, as CI runs). Without
# its recommends, so no engine comes with it.
tools:
	command -v docker-compose >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose; }

# Both example DAGs on the local stand-in, with a summary; files left in demo-output/.
demo: $(INSTALLED)
	$(BIN)/python scripts/demo.py

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/read_manifest.py
	$(BIN)/python benchmarks/local_workforce.py
	$(BIN)/python benchmarks/validate.py
	$(BIN)/python benchmarks/workers.py

clean:
	rm -rf $(VENV) .venv-lowest .venv-py313 build .mypy_cache .pytest_cache .ruff_cache demo-output
