# The README's commands. `make test` and `make serve` set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test lint classify segmentation-report clean

setup: $(STAMP)

# torch 2.13.0 (CPU build) goes in first: a bare torch requirement would pull a
# multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

segmentation-report: setup
	$(BIN)/python benchmarks/segmentation.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
