import pytest
from transformers import AutoTokenizer

from model.inputs import ContextSettings, build_context, document_pairs, encode_pairs, segment_token_budget

SEGMENTS = ["Accueil Monde", "Titre de l'article", "La direction propose une prime.", "Lire aussi", "Autre titre"]


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return AutoTokenizer.from_pretrained(tiny_model_dir)


def test_context_gives_position_then_nearest_neighbours_first():
    context = build_context(SEGMENTS, 2, ContextSettings(window=2))
    assert context == ("3/5 < Titre de l'article > Lire aussi << Accueil Monde >> Autre titre")


def test_context_at_the_edges_and_with_no_window():
    assert build_context(SEGMENTS, 0, ContextSettings(window=1)) == "1/5 > Titre de l'article"
    assert build_context(SEGMENTS, 4, ContextSettings(window=1)) == "5/5 < Lire aussi"
    assert build_context(SEGMENTS, 1, ContextSettings(window=0)) == "2/5"


def test_long_neighbours_are_clipped():
    context = build_context(["x" * 50, "segment"], 1, ContextSettings(window=1, max_chars_per_neighbour=10))
    assert context == "2/2 < xxxxxxxxx…"


def test_document_pairs_keep_the_segments_as_first_text():
    pairs = document_pairs(SEGMENTS, ContextSettings())
    assert [segment for segment, _ in pairs] == SEGMENTS
    assert all(context.startswith(f"{i + 1}/5") for i, (_, context) in enumerate(pairs))


def test_context_is_truncated_before_the_segment(tokenizer):
    settings = ContextSettings(max_length=32)
    segment = "La direction propose une prime."
    pairs = [(segment, "1/1 " + "Lire aussi " * 50)]
    encoded = encode_pairs(tokenizer, pairs, settings)
    ids = encoded["input_ids"][0]
    assert len(ids) == 32
    segment_ids = tokenizer(segment, add_special_tokens=False)["input_ids"]
    assert ids[1 : 1 + len(segment_ids)] == segment_ids


def test_a_too_long_segment_is_cut_but_keeps_room_for_context(tokenizer):
    settings = ContextSettings(max_length=32, max_segment_fraction=0.5)
    segment = "La direction propose une prime aux contrôleurs. " * 10
    encoded = encode_pairs(tokenizer, [(segment, "1/1 > Lire aussi")], settings)
    ids = encoded["input_ids"][0]
    assert len(ids) <= 32
    budget = segment_token_budget(tokenizer, settings)
    assert budget == 16
    segment_ids = tokenizer(segment, add_special_tokens=False)["input_ids"]
    assert ids[1 : 1 + budget] == segment_ids[:budget]
    # the context still has tokens after the segment's separators
    assert len(ids) > budget + 3


def test_short_pairs_are_not_truncated(tokenizer):
    pairs = document_pairs(SEGMENTS, ContextSettings())
    encoded = encode_pairs(tokenizer, pairs, ContextSettings(max_length=256))
    for (segment, context), ids in zip(pairs, encoded["input_ids"], strict=True):
        assert tokenizer.decode(ids, skip_special_tokens=True).replace(" ", "") == (segment + context).replace(" ", "")
