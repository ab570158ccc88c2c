"""Labelled segments from page text, with any Parley model folder: the one labelling pipeline.

Page text → segments (model/segment.py) → windows (model/pages.py) → one
forward pass per window → each segment's five scores → labels. The HTTP
service, ``parley classify``, ``parley evaluate``, training's threshold tuning,
the export's parity check and the benchmarks all score pages through
:meth:`Predictor.score_pages` (or its two halves, :meth:`Predictor.encode_page`
and :meth:`Predictor.score_encoded`, which the service's micro-batcher calls
apart so that the windows of concurrent requests share forward passes).

The model is a plain ``AutoModelForTokenClassification`` with one output per
label (``model.labels.LABELS``); a segment's logits are pooled from its tokens
and its scores are their sigmoids. A label is on when its score reaches the
model's threshold for it; a segment judged boilerplate gets no act labels
(docs/design.md).

The forward pass is a scorer (model/scorers.py): torch, or ONNX Runtime on an
export made by ``parley export MODEL --onnx [--int8]``.
"""

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer, PreTrainedTokenizerBase

from model.folder import (
    ONNX_DIR,
    ONNX_FILES,
    ModelLoadError,
    check_model_files,
    find_onnx_export,
    model_source,
    stale_export_reason,
)
from model.labels import ACTS, BOILERPLATE, LABELS
from model.metadata import MetadataError, ModelMetadata, read_metadata
from model.pages import Window, pad_windows, page_windows, pool_segments
from model.scorers import OnnxScorer, Scorer, ScorerError, TorchScorer, sigmoid
from model.segment import segment_text

logger = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "onnx")
# Batches on the CPU: at most this many tokens once padded, and at most this share of them padding.
CPU_MAX_BATCH_TOKENS = 512
CPU_MAX_PADDING = 0.10


class ModelMetadataError(ModelLoadError, MetadataError):
    """A model whose ``parley`` metadata in config.json is malformed (also a ``ValueError``)."""


@dataclass(frozen=True)
class SegmentPrediction:
    index: int
    text: str
    start: int | None
    end: int | None
    boilerplate: bool
    acts: list[str]
    scores: dict[str, float] = field(repr=False)


def length_batches(
    lengths: Sequence[int], batch_size: int, max_tokens: int | None = None, max_padding: float | None = None
) -> list[list[int]]:
    """Indices of ``lengths`` in batches: sorted by length, at most ``batch_size`` each.

    With ``max_tokens``, a batch also holds at most that many tokens once padded
    to its longest row; with ``max_padding``, a batch ends before the row that
    would make padding more than that share of its tokens. A row longer than
    ``max_tokens`` makes a batch of its own.
    """
    order = sorted(range(len(lengths)), key=lambda index: lengths[index])
    batches: list[list[int]] = []
    batch: list[int] = []
    tokens = 0
    for index in order:
        length = lengths[index]
        if batch:
            padded = (len(batch) + 1) * length  # the rows are sorted: this one is the longest
            if (
                len(batch) == batch_size
                or (max_tokens is not None and padded > max_tokens)
                or (max_padding is not None and padded - tokens - length > max_padding * padded)
            ):
                batches.append(batch)
                batch, tokens = [], 0
        batch.append(index)
        tokens += length
    if batch:
        batches.append(batch)
    return batches


def resolve_device(device: str) -> torch.device:
    """``auto`` is CUDA when a GPU is visible, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("device 'cuda' was asked for, but torch sees no CUDA GPU")
    return torch.device(device)


def decide_labels(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """0/1 labels for one row of scores or a matrix of rows (labels in ``LABELS`` order).

    A label is on when its score reaches its threshold, except that a segment
    whose boilerplate label is on gets no act label (docs/design.md).
    """
    decided = (np.asarray(scores) >= thresholds).astype(np.int8)
    boilerplate = decided[..., LABELS.index(BOILERPLATE)].astype(bool)
    decided[..., [LABELS.index(act) for act in ACTS]] *= ~boilerplate[..., np.newaxis]
    return decided


class Predictor:
    """Scores and labels segments. Build it with :meth:`from_pretrained`."""

    def __init__(
        self,
        scorer: Scorer | torch.nn.Module,
        tokenizer: PreTrainedTokenizerBase,
        metadata: ModelMetadata,
        *,
        device: torch.device | None = None,
        batch_size: int = 32,
    ) -> None:
        """``scorer`` runs the forward pass; a torch model is wrapped in a torch scorer on ``device``."""
        if isinstance(scorer, torch.nn.Module):
            scorer = TorchScorer(scorer, device or torch.device("cpu"))
        self.scorer = scorer
        self.tokenizer = tokenizer
        self.metadata = metadata
        self.batch_size = batch_size
        # On the CPU a forward pass is cheapest per token when its activations stay in cache and it
        # computes little padding (bench/RESULTS.md, section 7); a GPU wants full batches.
        on_cpu = self.scorer.device.type == "cpu"
        self.max_batch_tokens: int | None = CPU_MAX_BATCH_TOKENS if on_cpu else None
        self.max_padding: float | None = CPU_MAX_PADDING if on_cpu else None
        self._thresholds = np.array([metadata.thresholds[label] for label in LABELS])

    @property
    def backend(self) -> str:
        """``torch`` or ``onnx``."""
        return self.scorer.backend

    @property
    def device(self) -> torch.device:
        return self.scorer.device

    @property
    def model(self) -> torch.nn.Module | None:
        """The torch model; None on the ONNX Runtime backend."""
        return getattr(self.scorer, "model", None)

    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike,
        device: str = "auto",
        *,
        batch_size: int = 32,
        threads: int = 0,
        backend: str = "auto",
    ) -> "Predictor":
        """Load a model folder (or a name in the local Hugging Face cache).

        ``backend``: ``torch``; ``onnx``, ONNX Runtime on the CPU with the export
        in ``path/onnx/`` (``model.int8.onnx`` preferred, else ``model.onnx``;
        ``path`` may also be the export folder itself); ``auto``, ONNX Runtime
        when the device is the CPU and an export of the current weights sits
        beside the model, torch otherwise (and always on CUDA).

        ``threads`` sets torch's CPU threads and ONNX Runtime's intra-op threads
        when positive. On CUDA the torch model runs in fp16.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
        if threads > 0:
            torch.set_num_threads(threads)
        if backend == "onnx" and device == "cuda":
            raise ModelLoadError("the ONNX backend runs on the CPU (onnxruntime CPU build); use backend torch on CUDA")
        torch_device = torch.device("cpu") if backend == "onnx" else resolve_device(device)
        source = model_source(path)
        onnx_file = _onnx_file(path, backend, torch_device)
        if Path(path).is_dir():
            check_model_files(Path(path), weights=onnx_file is None)
        try:
            tokenizer = AutoTokenizer.from_pretrained(source)
            config = AutoConfig.from_pretrained(source)
        except OSError as error:
            raise ModelLoadError(_not_found_message(path, error)) from error
        except Exception as error:  # tokenizers and json raise their own types for damaged files
            raise ModelLoadError(_corrupt_message(path, error)) from error
        check_labels(config, path)
        try:
            metadata = read_metadata(config)
        except MetadataError as error:
            raise ModelMetadataError(f"{path}: {error}") from error
        if metadata is None:
            logger.warning("%s has no Parley metadata: every threshold is 0.5", path)
            metadata = ModelMetadata(name=Path(path).name, backbone=config.model_type)
        if onnx_file is not None:
            return cls._onnx(onnx_file, tokenizer, metadata, batch_size=batch_size, threads=threads)
        try:
            model, loading = AutoModelForTokenClassification.from_pretrained(
                source, dtype=torch.float32, output_loading_info=True
            )
        except Exception as error:  # safetensors raises its own types for damaged files
            raise ModelLoadError(_corrupt_message(path, error)) from error
        _check_loading_info(path, loading)
        if torch_device.type == "cuda":
            model = model.half()
        model.to(torch_device).eval()
        return cls(model, tokenizer, metadata, device=torch_device, batch_size=batch_size)

    @classmethod
    def _onnx(
        cls,
        onnx_file: Path,
        tokenizer: PreTrainedTokenizerBase,
        metadata: ModelMetadata,
        *,
        batch_size: int,
        threads: int,
    ) -> "Predictor":
        try:
            scorer = OnnxScorer(
                onnx_file, tokenizer_inputs=tokenizer.model_input_names, num_labels=len(LABELS), threads=threads
            )
        except ScorerError as error:
            raise ModelLoadError(str(error)) from error
        predictor = cls(scorer, tokenizer, metadata, batch_size=batch_size)
        try:  # one page through the session: a file that loads may still not run with this tokenizer's ids
            predictor.score_pages([["Bonjour."]])
        except Exception as error:
            raise ModelLoadError(
                f"the ONNX file {onnx_file} does not run with this model's inputs ({type(error).__name__}: "
                f"{str(error).strip()[:300]}); export it again with `parley export MODEL --onnx [--int8]`"
            ) from error
        logger.info("ONNX Runtime backend: %s", onnx_file)
        return predictor

    def predict_document(self, text: str, language: str = "fr") -> list[SegmentPrediction]:
        """Segment page text and label every segment; offsets point into ``text``."""
        segments = segment_text(text, language)
        (scores,) = self.score_pages([[segment.text for segment in segments]])
        return [
            self.prediction(index, segment.text, row, segment.start, segment.end)
            for index, (segment, row) in enumerate(zip(segments, scores, strict=True))
        ]

    def predict_segments(self, segments: Sequence[str]) -> list[SegmentPrediction]:
        """Label segments taken as one page, in order (no offsets)."""
        (scores,) = self.score_pages([list(segments)])
        return [
            self.prediction(index, text, row) for index, (text, row) in enumerate(zip(segments, scores, strict=True))
        ]

    def score_pages(self, pages: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Sigmoid scores for the segments of each page: one array per page, one row per segment and one
        column per label. The windows of all the pages are batched together."""
        return self.score_encoded([self.encode_page(segments) for segments in pages])

    def encode_page(self, segments: Sequence[str]) -> list[Window]:
        """The windows that score one page (tokenization only: no forward pass)."""
        return page_windows(self.tokenizer, segments, self.metadata.page)

    def score_encoded(self, pages: Sequence[Sequence[Window]]) -> list[np.ndarray]:
        """:meth:`score_pages` for pages already cut into windows by :meth:`encode_page`."""
        windows = [window for page in pages for window in page]
        rows = iter(self.score_windows(windows))
        empty = np.zeros((0, len(LABELS)), dtype=np.float32)
        return [
            np.concatenate([window.answered_rows(next(rows)) for window in page]) if page else empty for page in pages
        ]

    def score_windows(self, windows: Sequence[Window]) -> list[np.ndarray]:
        """Sigmoid scores of every segment each window holds (``count`` rows per window), in order.

        Windows are batched by token length (:func:`length_batches`) so that little
        padding is computed.
        """
        scores: list[np.ndarray] = [np.zeros((0, len(LABELS)), dtype=np.float32)] * len(windows)
        lengths = [len(window.input_ids) for window in windows]
        for rows in length_batches(lengths, self.batch_size, self.max_batch_tokens, self.max_padding):
            batch = pad_windows(
                [windows[row].input_ids for row in rows],
                [windows[row].segment_ids for row in rows],
                self.tokenizer.pad_token_id,
            )
            segment_ids = torch.from_numpy(batch.pop("segment_ids"))
            inputs = {name: batch[name] for name in self.tokenizer.model_input_names if name in batch}
            logits = torch.from_numpy(self.scorer.logits(inputs))
            pooled = sigmoid(pool_segments(logits, segment_ids).numpy())
            for position, row in enumerate(rows):
                scores[row] = pooled[position, : windows[row].count]
        return scores

    def labels_for(self, scores: np.ndarray) -> tuple[bool, list[str]]:
        """(boilerplate, acts) for one row of scores."""
        decided = decide_labels(scores, self._thresholds)
        boilerplate = bool(decided[LABELS.index(BOILERPLATE)])
        acts = [act for act in ACTS if decided[LABELS.index(act)]]
        return boilerplate, acts

    def prediction(
        self, index: int, text: str, scores: np.ndarray, start: int | None = None, end: int | None = None
    ) -> SegmentPrediction:
        """One segment's labelled prediction from its row of scores."""
        boilerplate, acts = self.labels_for(scores)
        return SegmentPrediction(
            index=index,
            text=text,
            start=start,
            end=end,
            boilerplate=boilerplate,
            acts=acts,
            scores={label: round(float(score), 4) for label, score in zip(LABELS, scores, strict=True)},
        )


def _onnx_file(path: str | os.PathLike, backend: str, device: torch.device) -> Path | None:
    """The ONNX file the predictor runs, or None for torch (see ``Predictor.from_pretrained``)."""
    if backend == "torch" or (backend == "auto" and device.type != "cpu"):
        return None
    folder = Path(path)
    onnx_file = find_onnx_export(folder) if folder.is_dir() else None
    if onnx_file is None:
        if backend == "onnx":
            raise ModelLoadError(
                f"no ONNX export of {path}: {folder / ONNX_DIR} holds neither {' nor '.join(ONNX_FILES)}. "
                f"Make one with `parley export {path} --onnx --int8`, or use backend torch."
            )
        return None
    stale = stale_export_reason(onnx_file, folder)
    if stale is not None:
        if backend == "onnx":
            raise ModelLoadError(
                f"the ONNX export {onnx_file} is out of date: {stale}. Export it again with "
                f"`parley export {path} --onnx --int8`."
            )
        logger.warning("not using the ONNX export %s: %s; running torch instead", onnx_file, stale)
        return None
    return onnx_file


def _check_loading_info(path: str | os.PathLike, loading: dict) -> None:
    """Refuse weights that do not cover the model: the missing ones would be random."""
    missing = list(loading.get("missing_keys") or [])
    mismatched = list(loading.get("mismatched_keys") or [])
    if missing or mismatched:
        names = [str(name) for name in (missing + mismatched)[:3]]
        raise ModelLoadError(
            f"the weights in {path} do not match its config.json: {len(missing)} missing and {len(mismatched)} "
            f"of the wrong shape (e.g. {', '.join(names)}). The folder is corrupt or mixes two models."
        )


def _corrupt_message(path: str | os.PathLike, error: Exception) -> str:
    detail = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    return (
        f"cannot load the model in {path}: a file is corrupt or truncated ({type(error).__name__}: {detail}). "
        "Write the folder again (`parley train`) or copy it again."
    )


def _not_found_message(path: str | os.PathLike, error: OSError) -> str:
    if Path(path).is_dir():
        return f"cannot load the model in {path}: {error}"
    return (
        f"model folder not found: '{path}'. It is no local folder, and Parley cannot fetch it "
        "from the Hugging Face Hub (this machine is offline, or the name is not in the local "
        "cache). Pass the folder of a Parley model: models/default, or one written by "
        "`parley train`."
    )


def check_labels(config, path: str | os.PathLike) -> None:
    """Refuse a model whose outputs are not Parley's five labels in order."""
    labels = [config.id2label[index] for index in sorted(config.id2label)]
    if labels != list(LABELS):
        raise ModelLoadError(f"{path} predicts labels {labels}; a Parley model predicts {list(LABELS)} in that order")
