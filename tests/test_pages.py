import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from model.pages import NOT_POOLED, PageSettings, marker_id, pad_windows, page_windows, plan_windows, pool_segments

SEGMENTS = ["Accueil Monde", "Titre de l'article", "La direction propose une prime.", "Lire aussi", "Autre titre"]


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return AutoTokenizer.from_pretrained(tiny_model_dir)


def test_a_short_page_is_one_window_that_answers_for_every_segment():
    assert plan_windows([5, 5, 5], capacity=100, context_tokens=10) == [(range(0, 3), range(0, 3))]


def test_long_pages_slide_and_every_segment_is_answered_for_once_with_context():
    lengths = [7, 3, 12, 5, 9, 4, 8, 6, 11, 2, 10, 5] * 3
    capacity, context = 40, 8
    windows = plan_windows(lengths, capacity, context)
    answered = [index for _, answers in windows for index in answers]
    assert answered == list(range(len(lengths)))
    for held, answers in windows:
        assert sum(lengths[i] for i in held) <= capacity
        assert held.start <= answers.start < answers.stop <= held.stop
        if held.stop < len(lengths):  # a window that does not reach the end leaves context after its answers
            assert sum(lengths[i] for i in range(answers.stop, held.stop)) >= context
        if answers.start > 0:  # and one that does not start the page has read context before them
            assert held.start < answers.start
    assert len(windows) > 2


def test_windows_hold_a_marker_before_each_segment_and_pool_its_span(tokenizer):
    settings = PageSettings(max_length=64, max_segment_tokens=16, context_tokens=8)
    (window,) = page_windows(tokenizer, SEGMENTS[:2], settings)
    marker = marker_id(tokenizer, settings)
    first = tokenizer(SEGMENTS[0], add_special_tokens=False)["input_ids"]
    assert window.input_ids[:2] == [tokenizer.cls_token_id, marker]
    assert window.input_ids[2 : 2 + len(first)] == first
    assert window.input_ids[2 + len(first)] == marker and window.input_ids[-1] == tokenizer.sep_token_id
    assert window.segment_ids[0] == NOT_POOLED and window.segment_ids[-1] == NOT_POOLED
    assert window.segment_ids[1 : 2 + len(first)] == [0] * (1 + len(first))
    assert window.first == 0 and window.count == 2 and window.answers == range(0, 2)


def test_marker_pooling_reads_each_segment_at_its_marker_alone(tokenizer):
    settings = PageSettings(max_length=64, max_segment_tokens=16, context_tokens=8, pooling="marker")
    (window,) = page_windows(tokenizer, SEGMENTS[:2], settings)
    marker = marker_id(tokenizer, settings)
    pooled = [position for position, segment in enumerate(window.segment_ids) if segment != NOT_POOLED]
    assert [window.input_ids[position] for position in pooled] == [marker, marker]
    assert [window.segment_ids[position] for position in pooled] == [0, 1]


def test_long_segments_are_cut_and_a_long_page_slides(tokenizer):
    settings = PageSettings(max_length=40, max_segment_tokens=6, context_tokens=4)
    windows = page_windows(tokenizer, SEGMENTS * 4, settings)
    assert len(windows) > 1
    assert all(len(window.input_ids) <= 40 for window in windows)
    assert [index for window in windows for index in window.answers] == list(range(len(SEGMENTS) * 4))


def test_no_window_for_an_empty_page(tokenizer):
    assert page_windows(tokenizer, [], PageSettings()) == []


def test_settings_refuse_windows_with_no_room_for_a_segment():
    with pytest.raises(ValueError, match="no room"):
        PageSettings(max_length=64, max_segment_tokens=60, context_tokens=8)


def test_padding_and_pooling_average_each_segment_s_tokens():
    padded = pad_windows([[1, 2, 3, 4], [1, 2]], [[-1, 0, 0, 1], [-1, 0]], pad_id=9, multiple=4)
    assert padded["input_ids"].tolist() == [[1, 2, 3, 4], [1, 2, 9, 9]]
    assert padded["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]
    assert padded["segment_ids"].tolist() == [[-1, 0, 0, 1], [-1, 0, -1, -1]]
    logits = torch.arange(2 * 4 * 1, dtype=torch.float32).reshape(2, 4, 1)
    pooled = pool_segments(logits, torch.from_numpy(padded["segment_ids"]))
    np.testing.assert_allclose(pooled[..., 0].numpy(), [[1.5, 3.0], [5.0, 0.0]])


def test_padding_to_a_multiple_stops_at_the_maximum_length():
    padded = pad_windows([[1] * 50], [[0] * 50], pad_id=9, multiple=128, max_length=64)
    assert padded["input_ids"].shape == (1, 64)
    assert pad_windows([[1] * 50], [[0] * 50], pad_id=9, multiple=128)["input_ids"].shape == (1, 128)
