# Two entry points on a fresh machine: `make run` (the main job on built-in defaults)
# and `make test`. Each creates the virtual environment it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test system-deps schemas bench bench-cli bench-web bench-browser bench-platforms bench-reports bench-big clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/opsmaturity assess . --out assessment.json

# Real Prometheus, PostgreSQL, Chromium and poppler for the tests (installed when missing).
system-deps:
	scripts/system-deps

test: $(BIN)/.installed system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest

schemas: $(BIN)/.installed
	$(BIN)/python -m opsmaturity.scoring.schemas
	$(BIN)/python -m opsmaturity.reports.jsonreport

bench: $(BIN)/.installed
	$(BIN)/python -m bench.bench_git

bench-cli: $(BIN)/.installed
	$(BIN)/python -m bench.bench_cli

bench-web: $(BIN)/.installed
	$(BIN)/python -m bench.bench_web
	$(BIN)/python -m bench.bench_answer

bench-browser: $(BIN)/.installed system-deps
	$(BIN)/python -m bench.bench_browser

bench-platforms: $(BIN)/.installed
	$(BIN)/python -m bench.bench_platforms

bench-reports: $(BIN)/.installed system-deps
	$(BIN)/python -m bench.bench_reports

bench-big: $(BIN)/.installed
	$(BIN)/python -m bench.bench_big_inputs

clean:
	rm -rf $(VENV) assessment.json .pytest_cache .ruff_cache .hypothesis
