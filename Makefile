# `make test` builds .venv when missing (or when pyproject.toml changed), then runs the linters and
# the whole test suite. CI runs it from a fresh clone through .ci/run.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: test lint unit tools demo benchmark clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(INSTALLED)

test: lint unit

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy --strict airflow_gt

unit: $(INSTALLED) tools
	$(BIN)/pytest

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

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache demo-output
