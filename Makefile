# safeshare: `make run` for the embedded demo service, `make test` for the whole suite.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= var

.PHONY: run demo test lint typecheck pytest bench services clean assets chromium promtool serve fuzz soak load

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The embedded service on http://localhost:8000 with its worker, relay, projection runner, the
# DSL alerts and a demo agency inbox (scripts/run.sh); Ctrl-C stops them all.
run: $(STAMP) assets
	DATA=$(DATA) bash scripts/run.sh

# The demo's cases printed on the terminal (no web), as before the web service.
demo: $(STAMP)
	$(BIN)/safeshare --data $(DATA) init
	$(BIN)/safeshare --data $(DATA) demo

# The web service's styles: govuk-frontend and sass from npm (package-lock.json), built into
# the ignored static folder.
WEB_CSS := safeshare/entrypoints/web/static/app.css
assets: $(WEB_CSS)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(WEB_CSS): node_modules/.package-lock.json safeshare/entrypoints/web/assets/app.scss
	npm run --silent build

# The browser journeys run Debian's chromium; Playwright never downloads a browser here.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

serve: $(STAMP) assets
	$(BIN)/safeshare --data $(DATA) serve

services:
	@bash scripts/ensure-services.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# The alert rules in deploy/prometheus are checked by Prometheus's own promtool (Debian's
# prometheus package; its server is not started here).
promtool:
	@command -v promtool >/dev/null || (apt-get update -q && apt-get install -y -q --no-install-recommends prometheus)

pytest: $(STAMP) services assets chromium promtool
	$(BIN)/pytest -n 2 --dist worksteal --durations=15

test: $(STAMP) services lint typecheck pytest

# The benchmarks (bench/): each ends with a `BENCH <name> ratio=... target=...` line.
bench: $(STAMP) services
	$(BIN)/python -m bench

# The load test (load/, issue 15 part 5): three schools on the real stack, 50 API clients for
# 5 minutes over a 10,000-referral routine backlog, a worker SIGKILLed and RabbitMQ restarted;
# ends with `LOAD <name> value=... target=...` lines, non-zero if anything was lost or crossed.
# SAFESHARE_LOAD_SECONDS, _CLIENTS, _BACKLOG, _MAX_FLOWS, _DRAIN_SECONDS shrink it.
load: $(STAMP) services
	PYTHONPATH=. $(BIN)/python -m load

# Random testing, longer and with fresh seeds: the service layer and the CLI (tests/fuzz), and
# schemathesis over the JSON API's OpenAPI.
fuzz: $(STAMP) services
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -p no:randomly tests/fuzz
	SAFESHARE_FUZZ_EXAMPLES=500 HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -p no:randomly tests/web/test_api_fuzz.py

# The embedded relay, worker and web started at the same instant, 20 times on fresh data folders.
soak: $(STAMP) services
	SAFESHARE_SOAK_RUNS=20 $(BIN)/pytest -p no:randomly tests/integration/test_embedded_start_race.py

clean:
	rm -rf $(VENV) $(DATA) .mypy_cache .ruff_cache .pytest_cache
