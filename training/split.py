"""A fixed, reproducible split of documents into train, dev and test.

Split by document, never by segment, so that no page is seen in training and
scored in evaluation. Documents are ordered by language, domain and a seeded
hash of their id, then dealt out by a repeating 20-slot pattern (14 train, 3
dev, 3 test, interleaved): every language and domain is spread over the three
splits in about those proportions (systematic sampling). Documents that already
have a split (``keep``, when a corpus grows) stay in it, so that a model trained
on the old train split is never scored on its own training pages; only the new
documents are dealt.
"""

import hashlib
from collections.abc import Iterable

from model.labels import LABELS
from training.data import Document

SPLITS = ("train", "dev", "test")
# 14 train, 3 dev, 3 test, interleaved so that short runs are split too.
PATTERN = ("train", "train", "dev", "train", "train", "test", "train", "train", "train", "dev",
           "train", "train", "test", "train", "train", "train", "dev", "train", "test", "train")  # fmt: skip
DEFAULT_SEED = 13


def split_documents(
    documents: Iterable[Document], seed: int = DEFAULT_SEED, keep: dict[str, str] | None = None
) -> dict[str, list[Document]]:
    """Deal documents out to train/dev/test; the result depends only on the ids, the seed and ``keep``
    (doc_id -> the split it already belongs to). Kept documents come first in their split, in ``keep``'s order."""
    keep = keep or {}
    splits: dict[str, list[Document]] = {name: [] for name in SPLITS}
    by_id = {document.doc_id: document for document in documents}
    for doc_id, name in keep.items():
        if doc_id in by_id:
            splits[name].append(by_id[doc_id])
    new = [document for doc_id, document in by_id.items() if doc_id not in keep]
    ordered = sorted(new, key=lambda d: (d.lang, d.domain or "", _seeded_hash(d.doc_id, seed)))
    for position, document in enumerate(ordered):
        splits[PATTERN[position % len(PATTERN)]].append(document)
    return splits


def labels_missing(documents: Iterable[Document]) -> list[str]:
    """The labels that no segment of these documents carries."""
    present: set[str] = set()
    for document in documents:
        for segment in document.segments:
            present |= {"boilerplate"} if segment.boilerplate else set(segment.acts)
    return [label for label in LABELS if label not in present]


def _seeded_hash(doc_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{doc_id}".encode()).hexdigest()
