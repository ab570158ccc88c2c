# syntax=docker/dockerfile:1
# Parley's HTTP API (`parley serve`) with the default model baked in.
#
#   docker build -t parley:cpu .                              # CPU: torch CPU wheel, ONNX Runtime int8 (make image)
#   docker build --build-arg VARIANT=gpu -t parley:gpu .      # GPU: CUDA runtime image, torch CUDA wheel (make image-gpu)
#   docker run --rm -p 8000:8000 parley:cpu                   # add --workers N, --config FILE… after the image
#   docker run --rm --gpus all -p 8000:8000 parley:gpu
#
# The build runs the Makefile's own `make setup` and `make export` (the ONNX int8
# export and its parity check), the commands that `make test` and `make serve`
# run on our machines; the image keeps only what serving needs (no [train] extra).
# CI lints this file with hadolint (tests/test_packaging.py).

# cpu or gpu.
ARG VARIANT=cpu
# The GPU variant: a CUDA runtime image, and PyTorch's wheel index for the same CUDA.
ARG CUDA_IMAGE=nvidia/cuda:13.0.2-runtime-ubuntu24.04
ARG TORCH_CUDA=cu130

FROM python:3.11-slim-bookworm AS base-cpu
ENV TORCH_INDEX=https://download.pytorch.org/whl/cpu

FROM ${CUDA_IMAGE} AS base-gpu
ARG TORCH_CUDA
ENV TORCH_INDEX=https://download.pytorch.org/whl/${TORCH_CUDA}
# Ubuntu's Python (3.12): the venv below is made from it, in the build and the final image alike.
# Unpinned (DL3008), as make below.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*

# base-cpu or base-gpu, the two stages above (their images are pinned there).
# hadolint ignore=DL3006
FROM base-${VARIANT} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# What both build stages start from: make, and the project's sources.
FROM base AS sources
# make, to run the Makefile's targets. Unpinned (DL3008): Debian's stable suite changes a package's
# version only for security fixes, and a pin would break the build at the next one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md Makefile ./
COPY model/ model/
COPY parley/ parley/
COPY serve/ serve/
COPY training/ training/
COPY feedback/ feedback/

# The export: it needs the [train] extra (onnx, onnxscript), which the image does not carry. The parity
# check of the export reads data/dev.jsonl, as `make export` does here.
FROM sources AS export
RUN --mount=type=cache,target=/root/.cache/pip make setup EXTRAS=train
COPY models/default/ models/default/
COPY data/dev.jsonl data/dev.jsonl
RUN make export \
    && test -f models/default/onnx/model.int8.onnx

# The serving environment: .venv (torch from TORCH_INDEX, the project without its extras), then the model
# with its export.
FROM sources AS build
RUN --mount=type=cache,target=/root/.cache/pip make setup EXTRAS=
COPY --from=export /app/models/default/ models/default/

FROM base AS runtime
RUN useradd --no-log-init --uid 10001 --create-home --shell /usr/sbin/nologin parley \
    && mkdir -p /var/lib/parley \
    && chown 10001 /var/lib/parley
COPY --from=build /app /app
# The corrections of POST /v1/feedback (a SQLite file the user can write; mount a volume to keep them, or
# set a postgresql:// URL). Bound to 0.0.0.0, the server takes them only with $PARLEY_FEEDBACK_TOKEN set.
ENV PATH=/app/.venv/bin:$PATH \
    PARLEY_FEEDBACK__DATABASE_URL=sqlite:////var/lib/parley/feedback.sqlite3
VOLUME ["/var/lib/parley"]
USER 10001
EXPOSE 8000
# 200 once the model is loaded and warmed up. No curl in the slim image: Python's urllib.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
# 0.0.0.0: reachable from outside the container (the config's 127.0.0.1 is not).
ENTRYPOINT ["parley", "serve", "--host", "0.0.0.0", "--port", "8000"]
CMD []
