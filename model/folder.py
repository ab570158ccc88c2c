"""What a Parley model folder holds, how it is written, and the checks that refuse a broken one.

::

    MODEL/
      config.json             the encoder's config, with Parley's metadata under "parley" (model/metadata.py)
      model.safetensors       the weights
      tokenizer.json …        the tokenizer
      training.json           the training record (`parley train`)
      metrics.json, …         the evaluation on the test split (`parley evaluate --update-card`)
      realdev/metrics.json    the evaluation on real-like pages (`make model`)
      README.md               the model card (training/model_card.py)
      onnx/                   the ONNX export (`parley export`): model.int8.onnx or model.onnx,
                              export_report.json (with a hash of the weights it was made from),
                              the tokenizer and config.json

Every folder (a model, an export) is written into a hidden staging sibling and
renamed into place, so that nothing half-written is ever at the model's path;
a staging folder left by an interrupted run is refused by name.
"""

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
# What a loadable model folder holds besides config.json: weights (torch backend) and a tokenizer.
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
# The weights an export is made from, and whose hash its report records.
WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")
TOKENIZER_FILES = ("tokenizer.json", "sentencepiece.bpe.model", "spiece.model", "tokenizer.model", "vocab.txt")
TRAINING_RECORD = "training.json"
METRICS_FILE = "metrics.json"
# `make model` scores the model on ../shared/realdev (pages rewritten from real ones) into this subfolder.
REALDEV_REPORT = "realdev"
MODEL_CARD = "README.md"

ONNX_DIR = "onnx"
INT8_FILE = "model.int8.onnx"
FP32_FILE = "model.onnx"
# Preferred first: int8 is the faster of the two on the CPU.
ONNX_FILES = (INT8_FILE, FP32_FILE)
EXPORT_REPORT = "export_report.json"

# A folder being written is `.NAME.XXXX.partial` beside its destination.
STAGING_SUFFIX = ".partial"


class ModelLoadError(RuntimeError):
    """A model folder that is missing, unreadable, corrupt, half-written or not a Parley model."""


@contextmanager
def staged_folder(destination: Path) -> Iterator[Path]:
    """A temporary sibling of ``destination`` to write into.

    When the block ends without error it replaces ``destination`` (the old
    folder goes only once the new one is in place); on an error it is removed
    and ``destination`` is left as it was.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=STAGING_SUFFIX, dir=destination.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide the folder from a server running as another user
    try:
        yield staging
        old = destination.with_name(f".{destination.name}.old") if destination.exists() else None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
            destination.rename(old)
        staging.rename(destination)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def model_source(path: str | os.PathLike) -> str:
    """The folder to load, or a hub-style name to look up in the local HF cache."""
    candidate = Path(path)
    if candidate.is_dir():
        if candidate.name.startswith(".") and candidate.name.endswith(STAGING_SUFFIX):
            raise ModelLoadError(
                f"{candidate} is a half-written staging folder (a training run or an export was interrupted "
                "while writing it): load the model folder it was meant to replace, or write it again"
            )
        if not (candidate / CONFIG_FILE).is_file():
            raise ModelLoadError(f"{candidate} is a folder but holds no {CONFIG_FILE}: not a model folder")
        return str(candidate)
    if candidate.exists():
        raise ModelLoadError(f"{candidate} is a file; give the model's folder")
    return str(path)


def check_model_files(folder: Path, *, weights: bool = True) -> None:
    """Refuse a model folder that lacks its tokenizer or (``weights``) its weights: a half-written or
    incomplete copy, before any loader gives a less clear error (or, for weights, starts from random ones)."""
    missing = []
    if weights and not any((folder / name).is_file() for name in WEIGHT_FILES):
        missing.append(f"weights ({' or '.join(WEIGHT_FILES[:1] + WEIGHT_FILES[2:3])})")
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        missing.append(f"tokenizer ({TOKENIZER_FILES[0]})")
    if missing:
        raise ModelLoadError(
            f"{folder} is not a complete model folder: it has no {' and no '.join(missing)}. It may be "
            "half-written or copied in part; write it again (`parley train`) or copy the whole folder."
        )


def find_onnx_export(folder: Path) -> Path | None:
    """The ONNX file to serve for a model folder: ``onnx/model.int8.onnx``, else ``onnx/model.onnx``.

    ``folder`` may also be an export folder itself (it holds the file directly).
    """
    for directory in (folder / ONNX_DIR, folder):
        for name in ONNX_FILES:
            if (directory / name).is_file():
                return directory / name
    return None


def weights_digest(model_dir: Path) -> dict[str, str]:
    """sha256 of each weights file of a model folder, by file name."""
    files = sorted({path for pattern in WEIGHT_PATTERNS for path in model_dir.glob(pattern) if path.is_file()})
    return {path.name: _sha256(path) for path in files}


def stale_export_reason(onnx_file: Path, model_dir: Path) -> str | None:
    """Why the export at ``onnx_file`` is not one of ``model_dir``'s current weights and config, or None.

    The export carries a copy of the model's config.json (thresholds, page settings), which is
    what a predictor loaded from the export folder alone reads: a model whose thresholds were
    tuned again after the export has a stale export too. None also when nothing can be compared
    (no report, or ``model_dir`` holds no weights, as when the export folder is loaded by itself).
    """
    report_path = onnx_file.parent / EXPORT_REPORT
    current = weights_digest(model_dir)
    if not current or not report_path.is_file():
        return None
    try:
        recorded = json.loads(report_path.read_text(encoding="utf-8"))["source"]["weights_sha256"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"its {EXPORT_REPORT} is unreadable ({error})"
    if recorded != current:
        return f"it was exported from other weights than those now in {model_dir} (the model changed since)"
    if read_record(onnx_file.parent / CONFIG_FILE) != read_record(model_dir / CONFIG_FILE):
        return f"its {CONFIG_FILE} differs from {model_dir}'s (thresholds or settings changed since the export)"
    return None


def read_record(path: Path) -> dict[str, Any] | None:
    """A JSON record of a model folder (training.json, metrics.json…), or None when it is absent or unreadable."""
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning("ignoring %s: %s", path, error)
        return None
    return record if isinstance(record, dict) else None


def read_model_metrics(model_dir: Path) -> dict[str, Any] | None:
    """The evaluation metrics stored in the model folder, or None when it has none (or they are unreadable)."""
    return read_record(model_dir / METRICS_FILE)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
