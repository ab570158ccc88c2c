"""Training batches by tokens, and training pages read one segment per window."""

import numpy as np
import pytest
from transformers import AutoTokenizer

from model.pages import padded_length
from tests.test_train import settings_for, write_pages
from training.data import read_documents
from training.evaluate import gold_matrix
from training.token_batches import TokenBudgetBatches
from training.train import UNLABELLED, build_dataset

LENGTHS = [30, 40, 500, 70, 130, 512, 20, 64, 65, 300, 10, 45]


def test_padded_length_follows_the_collator():
    assert padded_length(30, 64, 512) == 64
    assert padded_length(64, 64, 512) == 64
    assert padded_length(65, 64, 512) == 128
    assert padded_length(500, 64, 512) == 512
    assert padded_length(600, 64, 512) == 600  # never shorter than the window


def test_every_window_is_in_one_batch_within_the_budget():
    batches = TokenBudgetBatches(LENGTHS, budget=256, multiple=64, max_length=512, seed=3)
    indices = [index for batch in batches for index in batch]
    assert sorted(indices) == list(range(len(LENGTHS)))
    for batch in batches:
        padded = {padded_length(LENGTHS[index], 64, 512) for index in batch}
        assert len(padded) == 1  # one shape per batch: no window padded beyond its group
        assert len(batch) == 1 or len(batch) * padded.pop() <= 256
    # Six windows of 64 padded tokens make a batch of four and one of two; a window longer than the budget goes alone.
    assert sorted(len(batch) for batch in batches if LENGTHS[batch[0]] <= 64) == [2, 4]
    assert [batch for batch in batches if LENGTHS[batch[0]] == 512] == [[LENGTHS.index(512)]]


def test_epochs_visit_the_same_batches_in_a_new_order():
    batches = TokenBudgetBatches(LENGTHS, budget=256, multiple=64, max_length=512, seed=3)
    first = list(batches)
    batches.set_epoch(1)
    second = list(batches)
    assert len(first) == len(second) == len(batches)
    assert sorted(map(tuple, first)) == sorted(map(tuple, second))
    assert first != second
    again = TokenBudgetBatches(LENGTHS, budget=256, multiple=64, max_length=512, seed=3)
    assert list(again) == first  # the seed decides everything


def test_budget_must_be_positive():
    with pytest.raises(ValueError, match="budget"):
        TokenBudgetBatches(LENGTHS, budget=0, multiple=64, max_length=512, seed=0)


@pytest.fixture(scope="module")
def corpus(tiny_model_dir, tmp_path_factory):
    path = write_pages(tmp_path_factory.mktemp("alone") / "train.jsonl", "train", copies=4)
    return AutoTokenizer.from_pretrained(tiny_model_dir), read_documents([path])


def labelled_rows(dataset) -> np.ndarray:
    rows = np.array([row for labels in dataset["labels"] for row in labels])
    return rows[rows[:, 0] != UNLABELLED]


def test_pages_read_alone_give_one_segment_per_window_with_its_own_labels(tiny_model_dir, corpus, tmp_path):
    tokenizer, documents = corpus
    page = settings_for(tiny_model_dir, tmp_path).page
    alone = build_dataset(tokenizer, documents, page, alone_share=1.0)
    assert len(alone) == sum(len(document.segments) for document in documents)
    assert all(len(labels) == 1 for labels in alone["labels"])
    assert (labelled_rows(alone) == gold_matrix(documents)).all()


def test_a_share_of_pages_is_read_alone_drawn_by_the_seed(tiny_model_dir, corpus, tmp_path):
    tokenizer, documents = corpus
    page = settings_for(tiny_model_dir, tmp_path).page
    whole = build_dataset(tokenizer, documents, page)
    mixed = build_dataset(tokenizer, documents, page, alone_share=0.5, seed=1)
    assert len(whole) < len(mixed) < sum(len(document.segments) for document in documents)
    # Whole-page windows repeat their context segments' labels; every segment is labelled at least once.
    assert len(labelled_rows(mixed)) >= len(gold_matrix(documents))
    assert build_dataset(tokenizer, documents, page, alone_share=0.5, seed=1)["input_ids"] == mixed["input_ids"]
