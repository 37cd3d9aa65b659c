# ticketlake: `make demo` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
BENCHSTAMP := $(VENV)/.installed-bench
SCALE  ?= full
# Test processes (pytest-xdist); each test file runs whole in one, so its fixtures are shared,
# and the files that start Spark share one (tests/conftest.py), so one JVM runs.
WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help demo test lint format docs bench bench-serve bench-online bench-report clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[report,text]'
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@command -v java >/dev/null || { echo "installing a Java runtime for the Spark tests"; \
		apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the report tests"; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@command -v redis-server >/dev/null || { echo "installing Debian's redis-server for the online tests"; \
		apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
	touch $(STAMP) $@

demo: $(STAMP) ## Create .venv, install, run the demo on generated data (in ./demo) and write its report
	$(BIN)/ticketlake demo --out demo

lint: $(DEVSTAMP) ## Run ruff (lint + format check) and mypy on src/
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src

test: lint ## Install dev extras, lint, type-check and run the test suite
	$(BIN)/pytest -n $(WORKERS) --dist loadfile

format: $(DEVSTAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

docs: $(STAMP) ## Regenerate docs/cli.md from --help
	$(BIN)/python -m ticketlake.cli.docgen > docs/cli.md

$(BENCHSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[pandas,serve,online]'
	touch $@

bench: $(BENCHSTAMP) ## Benchmark vs DuckDB and pandas baselines (SCALE=full|small|smoke; full: 30-45 min), then the serve load
	$(BIN)/python -m bench.run --scale $(SCALE)
	$(BIN)/python -m bench.serve_load

bench-serve: $(BENCHSTAMP) ## Only the load on `ticketlake serve` while builds publish (a few minutes)
	$(BIN)/python -m bench.serve_load

bench-online: $(BENCHSTAMP) ## Only the pipelined push of 100k tickets to a redis-server on loopback
	@command -v redis-server >/dev/null || { echo "installing Debian's redis-server"; \
		apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
	$(BIN)/python -m bench.online_push

bench-report: $(BENCHSTAMP) ## Print the newest benchmark results as the README table
	$(BIN)/python -m bench.report

clean: ## Remove the virtual environment, caches and the demo project
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
