"""Posted documents to model inputs, and model scores back to answers, within the service's limits.

A document is cut into segments (or arrives as sentences) and checked against
the limits; the model reads its segments as ``Predictor`` does. A segment
longer than ``max_chars_per_segment`` is cut for the model only, and its answer
says so.
"""

from dataclasses import asdict, dataclass

import numpy as np

from model.predictor import Predictor
from model.segment import segment_text
from parley.config import ServingSettings
from serve.errors import ApiError
from serve.schemas import ApiSentence


@dataclass(frozen=True)
class Document:
    """One document's segments, and their spans in the posted text when it was text."""

    name: str  # how error messages refer to it
    segments: list[str]
    spans: list[tuple[int, int]] | None = None


def document_from_text(name: str, text: str, language: str, limits: ServingSettings) -> Document:
    segments = segment_text(text, language)
    if not segments:
        raise ApiError(422, "empty_text", f"{name} holds no sentence to classify")
    _check_count(name, len(segments), limits)
    return Document(name, [s.text for s in segments], [(s.start, s.end) for s in segments])


def document_from_sentences(name: str, sentences: list[str], limits: ServingSettings) -> Document:
    if not sentences:
        raise ApiError(422, "empty_text", f"{name} is an empty list")
    for index, sentence in enumerate(sentences):
        if not sentence.strip():
            raise ApiError(422, "empty_text", f"{name}[{index}] is empty")
    _check_count(name, len(sentences), limits)
    return Document(name, list(sentences))


def model_segments(document: Document, max_chars: int) -> list[str]:
    """The document's segments as the model reads them: each cut to ``max_chars``."""
    return [segment[:max_chars] for segment in document.segments]


def answers(predictor: Predictor, document: Document, scores: np.ndarray, max_chars: int) -> list[ApiSentence]:
    """One answer per segment, labelled as ``Predictor`` labels them."""
    spans = document.spans or [(None, None)] * len(document.segments)
    return [
        ApiSentence(**asdict(predictor.prediction(index, segment, row, start, end)), truncated=len(segment) > max_chars)
        for index, (segment, (start, end), row) in enumerate(zip(document.segments, spans, scores, strict=True))
    ]


def _check_count(name: str, count: int, limits: ServingSettings) -> None:
    if count > limits.max_segments_per_document:
        raise ApiError(
            413,
            "too_many_segments",
            f"{name} has {count} segments; the limit is {limits.max_segments_per_document} per document",
        )
