# The two commands of the README:
#   make run   installs ketachart and starts it on its default database (SQLite, user data folder)
#   make test  installs everything and runs ruff, mypy --strict, import-linter and pytest
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint demo bench prove screenshots clean system-packages

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

system-packages:
	@scripts/install-system-packages $(SYSTEM_PACKAGES)

run: system-packages $(STAMP)
	$(BIN)/ketachart

lint: $(STAMP)
	$(BIN)/ruff check ketachart tests benchmarks scripts prove
	$(BIN)/ruff format --check ketachart tests benchmarks scripts prove
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest-xdist: one worker per core (at most 8), each with its own sound server, screen and
# temporary folders; a test run by hand (pytest tests/...) stays in one process.
test: SYSTEM_PACKAGES = test
test: system-packages $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -n auto --maxprocesses 8 --dist worksteal

demo: $(STAMP)
	$(BIN)/ketachart demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks.core
	$(BIN)/python -m benchmarks.startup
	$(BIN)/python -m benchmarks.open_cost
	$(BIN)/python -m benchmarks.pdf
	$(BIN)/python -m benchmarks.inputs

# With no KETACHART_TEST_POSTGRES_URL given, a throwaway PostgreSQL server is started for the
# PostgreSQL rows (as .ci/run does) and stopped at the end.
prove: $(STAMP)
	bash -c 'set -euo pipefail; if [ -z "$${KETACHART_TEST_POSTGRES_URL:-}" ]; then \
	    source .ci/postgres.sh; fi; $(BIN)/python -m prove --full'

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py docs/screenshots

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
