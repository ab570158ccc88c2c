"""The forward pass behind ``Predictor.score_windows``: torch or ONNX Runtime.

A scorer takes one padded batch of windows (int64 numpy arrays, named as the
tokenizer names them) and gives its logits, ``[windows, tokens, labels]``.
Windows, batching, pooling, thresholds and labels stay in ``Predictor``, shared
by both.

An ONNX export (``parley export MODEL --onnx [--int8]``, training/export.py)
lives in ``MODEL/onnx/`` (model/folder.py says what it holds and when it is
out of date).
"""

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

logger = logging.getLogger(__name__)


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
