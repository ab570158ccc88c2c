"""The forward pass behind ``Predictor.score_windows``: torch or ONNX Runtime.

A scorer takes one padded batch of windows (int64 numpy arrays, named as the
tokenizer names them) and gives its logits, ``[windows, tokens, labels]``.
Windows, batching, pooling, thresholds and labels stay in ``Predictor``, shared
by both.

An ONNX export (``parley export MODEL --onnx [--int8]``, training/export.py)
lives in ``MODEL/onnx/``: ``model.int8.onnx`` or ``model.onnx``, with the
tokenizer, ``config.json`` and ``export_report.json`` beside it. The report
records a hash of the weights it was exported from, so that an export left
behind by a retrained model is not served by mistake.
"""

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

logger = logging.getLogger(__name__)

ONNX_DIR = "onnx"
INT8_FILE = "model.int8.onnx"
FP32_FILE = "model.onnx"
# Preferred first: int8 is the faster of the two on the CPU.
ONNX_FILES = (INT8_FILE, FP32_FILE)
EXPORT_REPORT = "export_report.json"
CONFIG_FILE = "config.json"
# The weights an export is made from, and whose hash its report records.
WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")


class ScorerError(RuntimeError):
    """A model file that the scorer cannot run, or that does not match the model."""


class Scorer(Protocol):
    backend: str  # "torch" or "onnx"
    device: torch.device

    def logits(self, batch: Mapping[str, np.ndarray]) -> np.ndarray:
        """Token logits (float32), ``[windows, tokens, labels]`` for a ``[windows, tokens]`` batch."""
        ...


class TorchScorer:
    backend = "torch"

    def __init__(self, model: torch.nn.Module, device: torch.device) -> None:
        self.model = model
        self.device = device

    def logits(self, batch: Mapping[str, np.ndarray]) -> np.ndarray:
        with torch.inference_mode():
            inputs = {name: torch.from_numpy(np.asarray(array)).to(self.device) for name, array in batch.items()}
            return self.model(**inputs).logits.float().cpu().numpy()


class OnnxScorer:
    """An ONNX Runtime session on the CPU, checked against the model it stands for.

    ``tokenizer_inputs`` are the names the model's tokenizer gives; the file must
    take ``input_ids`` and nothing the tokenizer does not give, and must give
    token logits with one column per label.
    """

    backend = "onnx"
    device = torch.device("cpu")

    def __init__(self, path: Path, *, tokenizer_inputs: Iterable[str], num_labels: int, threads: int = 0) -> None:
        import onnxruntime as ort

        self.path = Path(path)
        self.num_labels = num_labels
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only; ORT's warnings are about graph rewrites
        if threads > 0:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # ORT raises its own exception types for unreadable or invalid files
            raise ScorerError(
                f"cannot load the ONNX file {self.path}: it is corrupt, truncated or not an ONNX model "
                f"({type(error).__name__}: {str(error).strip()[:300]}). Export it again with "
                "`parley export MODEL --onnx [--int8]`."
            ) from error
        self.input_names = [node.name for node in self.session.get_inputs()]
        self._check_inputs(set(tokenizer_inputs))
        outputs = self.session.get_outputs()
        self.output_name = outputs[0].name
        self._check_output(outputs, num_labels)

    def logits(self, batch: Mapping[str, np.ndarray]) -> np.ndarray:
        feeds = {name: np.asarray(batch[name], dtype=np.int64) for name in self.input_names}
        (logits,) = self.session.run([self.output_name], feeds)
        if logits.shape != (*feeds["input_ids"].shape, self.num_labels):
            raise ScorerError(
                f"{self.path} gave logits of shape {logits.shape}, not (windows, tokens, {self.num_labels})"
            )
        return np.asarray(logits, dtype=np.float32)

    def _check_inputs(self, tokenizer_inputs: set[str]) -> None:
        unknown = [name for name in self.input_names if name not in tokenizer_inputs]
        if unknown or "input_ids" not in self.input_names:
            raise ScorerError(
                f"{self.path} takes inputs {self.input_names}, but the model's tokenizer gives "
                f"{sorted(tokenizer_inputs)}: it is not an export of this model. Export it again with "
                "`parley export MODEL --onnx [--int8]`."
            )
        for node in self.session.get_inputs():
            if node.type != "tensor(int64)" or len(node.shape) != 2:
                raise ScorerError(
                    f"{self.path}: input {node.name} is {node.type} of shape {node.shape}; "
                    "a Parley export takes int64 [batch, sequence]"
                )

    def _check_output(self, outputs, num_labels: int) -> None:
        shape = outputs[0].shape
        if len(shape) != 3 or (isinstance(shape[2], int) and shape[2] != num_labels):
            raise ScorerError(
                f"{self.path} gives {outputs[0].name} of shape {shape}; the model has {num_labels} labels, "
                f"so a matching export gives [windows, tokens, {num_labels}]. It is not an export of this "
                "page model (an export of a pair-format model gives [batch, labels]): export it again with "
                "`parley export MODEL --onnx [--int8]`."
            )


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Logits to scores, float32; the tanh form does not overflow for large negative logits."""
    return (0.5 * (1.0 + np.tanh(0.5 * logits))).astype(np.float32)


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
    if _read_json(onnx_file.parent / CONFIG_FILE) != _read_json(model_dir / CONFIG_FILE):
        return f"its {CONFIG_FILE} differs from {model_dir}'s (thresholds or settings changed since the export)"
    return None


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
