"""`parley suggest`: the segments most worth a user's labels (active learning by uncertainty).

A segment's uncertainty is how near one of its scores lies to that label's threshold: there the model is
least sure, and a correction moves it most. The pick is spread: labels take turns (the most uncertain segment
for boilerplate, then for proposal, …), and a document gives at most its share of the picks, so that one long
page or one label does not fill the queue. What is picked comes with its whole page as context, so that the
web page can show it in place and the correction is stored with its page (`POST /v1/feedback`).
"""

import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from model.labels import LABELS
from model.predictor import Predictor
from model.segment import segment_text
from parley.corpus.files import CorpusDocument

PAGES_PER_CALL = 16


@dataclass(frozen=True)
class Candidate:
    doc_id: str
    language: str
    segments: list[str]
    index: int
    scores: np.ndarray
    label: str  # the label whose threshold the segment is nearest
    margin: float  # |score - threshold| for that label

    def as_record(self, predictor: Predictor) -> dict:
        boilerplate, acts = predictor.labels_for(self.scores)
        metadata = predictor.metadata
        return {
            "doc_id": self.doc_id,
            "index": self.index,
            "text": self.segments[self.index],
            "context": self.segments,
            "lang": self.language,
            "label": self.label,
            "margin": round(self.margin, 4),
            "predicted": {"boilerplate": boilerplate, "acts": acts},
            "scores": {label: round(float(score), 4) for label, score in zip(LABELS, self.scores, strict=True)},
            "model": {"name": metadata.name, "version": metadata.version},
        }


def candidates(
    predictor: Predictor, documents: Iterable[CorpusDocument], default_language: str, progress: bool = True
) -> Iterator[Candidate]:
    """Every segment of every document, with the label it is least sure of."""
    thresholds = np.array([predictor.metadata.thresholds[label] for label in LABELS])
    pages = (_page(document, default_language) for document in documents)
    for chunk in _chunks(tqdm(pages, desc="scoring", unit="doc", disable=not progress), PAGES_PER_CALL):
        for (doc_id, language, segments), scores in zip(
            chunk, predictor.score_pages([segments for _, _, segments in chunk]), strict=True
        ):
            distances = np.abs(scores - thresholds)
            for index, row in enumerate(distances):
                nearest = int(row.argmin())
                yield Candidate(doc_id, language, segments, index, scores[index], LABELS[nearest], float(row[nearest]))


def pick(pool: list[Candidate], n: int) -> list[Candidate]:
    """``n`` candidates, the most uncertain first, labels taking turns, at most a fair share per document.

    The share is ``ceil(n / documents)``; when the turns run out of candidates under it, the rest of the pick
    goes to the most uncertain candidates left, wherever they are.
    """
    ranked = sorted(pool, key=lambda candidate: candidate.margin)
    share = math.ceil(n / max(1, len({candidate.doc_id for candidate in pool})))
    queues = {label: deque(c for c in ranked if c.label == label) for label in LABELS}
    picked: list[Candidate] = []
    taken: set[tuple[str, int]] = set()
    per_document: dict[str, int] = {}

    def take(candidate: Candidate) -> None:
        picked.append(candidate)
        taken.add((candidate.doc_id, candidate.index))
        per_document[candidate.doc_id] = per_document.get(candidate.doc_id, 0) + 1

    while len(picked) < n:
        progressed = False
        for label in LABELS:
            queue = queues[label]
            while queue and per_document.get(queue[0].doc_id, 0) >= share:
                queue.popleft()
            if queue and len(picked) < n:
                take(queue.popleft())
                progressed = True
        if not progressed:
            break
    for candidate in ranked:
        if len(picked) >= n:
            break
        if (candidate.doc_id, candidate.index) not in taken:
            take(candidate)
    return picked


def _page(document: CorpusDocument, default_language: str) -> tuple[str, str, list[str]]:
    language = document.language or default_language
    if document.segments is not None:
        segments = [segment for segment in document.segments if segment.strip()]
    else:
        segments = [segment.text for segment in segment_text(document.text or "", language)]
    return str(document.id), language, segments


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
