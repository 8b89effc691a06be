# tft-trader: every target installs what it needs into .venv first (idempotent, seconds when warm).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export TFT_DATA_DIR ?= $(CURDIR)/data

.PHONY: install demo test bench dev lint clean chromium

# Set-up messages go to stderr, so `make bench` prints nothing but its JSON on stdout.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required)" >&2; exit 1; }
	@test -x $(PY) || { echo "creating $(VENV)" >&2; $(PYTHON) -m venv $(VENV); }
	@echo "installing into $(VENV): pip, torch (CPU build first, so nothing pulls a CUDA build), the project" >&2
	@$(PY) -m pip install -q --upgrade pip setuptools wheel >&2
	@$(PY) -m pip install -q torch==2.13.0 >&2
	@$(PY) -m pip install -q -e ".[dev]" >&2
	@touch $(STAMP)

install: $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	@cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/tft-trader demo

# Headless Chromium for the UI screenshot test (Debian); without it that test skips (fails under CI).
chromium:
	@command -v chromium >/dev/null || (apt-get install -y -q chromium >&2 || echo "chromium not installed: the UI screenshot test will skip" >&2)

test: $(STAMP) chromium
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	@$(PY) benchmarks/run.py

dev: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

lint: $(STAMP)
	$(VENV)/bin/ruff check tft_assets tft_assets_tests benchmarks
	$(VENV)/bin/ruff format --check tft_assets tft_assets_tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
