"""Scoring a segmenter against hand-marked gold documents.

A gold document is its text with the sentence boundaries inside a line marked
by ``¦`` (a line break is always a boundary). Boundary F1 compares the sets of
segment end offsets; "in-line" F1 keeps only the ends that fall inside a line,
the hard cases, since line breaks are found by every segmenter.
"""

import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from model.segment import Segment, segment_text

BOUNDARY_MARK = "¦"
GOLD_PATH = Path(__file__).resolve().parent / "data" / "segmentation_gold.jsonl"

Span = tuple[int, int]
Segmenter = Callable[[str, str], list[Span]]


@dataclass(frozen=True)
class GoldDocument:
    doc_id: str
    language: str
    text: str
    spans: list[Span]


@dataclass(frozen=True)
class BoundaryScores:
    precision: float
    recall: float
    f1: float
    inline_f1: float


def parse_marked(marked: str) -> tuple[str, list[Span]]:
    """The plain text of a marked document and its gold segment spans."""
    text = marked.replace(BOUNDARY_MARK, "")
    boundaries: list[int] = []
    offset = 0
    for index, char in enumerate(marked):
        if char == BOUNDARY_MARK:
            boundaries.append(index - offset)
            offset += 1
    spans = [
        (segment.start, segment.end)
        for piece_start, piece_end in _pieces(text, boundaries)
        for segment in _line_segments(text, piece_start, piece_end)
    ]
    return text, spans


def load_gold(path: Path = GOLD_PATH) -> list[GoldDocument]:
    documents = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text, spans = parse_marked(record["marked"])
        documents.append(GoldDocument(record["id"], record["lang"], text, spans))
    return documents


def parley_segmenter(text: str, language: str) -> list[Span]:
    return [(segment.start, segment.end) for segment in segment_text(text, language)]


def score(segmenter: Segmenter, documents: Iterable[GoldDocument]) -> BoundaryScores:
    """Micro-averaged boundary precision, recall and F1 over all documents."""
    true_positives = predicted = gold = inline_tp = inline_predicted = inline_gold = 0
    for document in documents:
        predicted_ends = {end for _, end in segmenter(document.text, document.language)}
        gold_ends = {end for _, end in document.spans}
        true_positives += len(predicted_ends & gold_ends)
        predicted += len(predicted_ends)
        gold += len(gold_ends)
        predicted_inline = {end for end in predicted_ends if _inside_line(document.text, end)}
        gold_inline = {end for end in gold_ends if _inside_line(document.text, end)}
        inline_tp += len(predicted_inline & gold_inline)
        inline_predicted += len(predicted_inline)
        inline_gold += len(gold_inline)
    precision, recall, f1 = _prf(true_positives, predicted, gold)
    return BoundaryScores(precision, recall, f1, _prf(inline_tp, inline_predicted, inline_gold)[2])


def _pieces(text: str, boundaries: list[int]) -> list[Span]:
    edges = [0, *boundaries, len(text)]
    return list(itertools.pairwise(edges))


def _line_segments(text: str, start: int, end: int) -> list[Segment]:
    """The non-blank lines of ``text[start:end]``, stripped, as segments."""
    segments = []
    for line in text[start:end].splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            line_start = start + line.index(stripped)
            segments.append(Segment(stripped, line_start, line_start + len(stripped)))
        start += len(line)
    return segments


def _inside_line(text: str, end: int) -> bool:
    rest = text[end:]
    return bool(rest.strip()) and rest.splitlines()[0].strip() != ""


def _prf(true_positives: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = true_positives / predicted if predicted else 1.0
    recall = true_positives / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
