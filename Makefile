# safeshare: `make run` for the embedded demo service, `make test` for the whole suite.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= var

.PHONY: run demo test lint typecheck pytest bench services clean fuzz soak

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/safeshare --data $(DATA) init
	$(BIN)/safeshare --data $(DATA) demo

demo: run

services:
	@bash scripts/ensure-services.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) services
	$(BIN)/pytest -n 2 --durations=15

test: $(STAMP) services lint typecheck pytest

bench: $(STAMP) services
	$(BIN)/python -m bench

# The fuzzing harness for longer than `make test` runs it (tests/fuzz, Hypothesis profile "fuzz").
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -p no:randomly tests/fuzz

# The embedded relay and worker started at the same instant, 20 times on fresh data folders.
soak: $(STAMP) services
	SAFESHARE_SOAK_RUNS=20 $(BIN)/pytest -p no:randomly tests/integration/test_embedded_start_race.py

clean:
	rm -rf $(VENV) $(DATA) .mypy_cache .ruff_cache .pytest_cache
