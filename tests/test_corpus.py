"""The shipped corpus (data/) meets the bar the default model is built on."""

from pathlib import Path

import pytest

from training.corpus_stats import CORPUS_TARGETS, compute_stats
from training.data import check_files, read_documents
from training.split import SPLITS, labels_missing

DATA = Path(__file__).resolve().parent.parent / "data"
FILES = [DATA / f"{split}.jsonl" for split in SPLITS]


@pytest.fixture(scope="module")
def by_split():
    return {split: read_documents([DATA / f"{split}.jsonl"]) for split in SPLITS}


@pytest.fixture(scope="module")
def stats(by_split):
    return compute_stats(by_split)


def test_corpus_passes_the_checker():
    loaded, problems = check_files(FILES)
    assert problems == []
    assert len(loaded) >= 1400


def test_corpus_meets_the_counts(stats):
    assert len(stats.domains) >= 25
    assert 0.70 <= stats.languages["fr"] / stats.documents <= 0.80
    assert set(stats.languages) == {"fr", "en", "de", "es", "it"}
    assert stats.exact_duplicates == 0
    assert stats.near_duplicate_rate_content < 0.05


@pytest.mark.parametrize("target", CORPUS_TARGETS, ids=lambda target: target.name)
def test_corpus_meets_the_v2_target(stats, target):
    assert target.met(stats), f"{target.name}: {target.measure(stats)} (wanted {target.wanted})"


def test_every_label_is_in_every_split(by_split):
    for split, documents in by_split.items():
        assert labels_missing(documents) == [], split


def test_no_document_is_in_two_splits(by_split):
    ids = [document.doc_id for documents in by_split.values() for document in documents]
    assert len(ids) == len(set(ids))
