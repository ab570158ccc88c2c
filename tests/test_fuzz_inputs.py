"""Hypothesis on what reads untrusted input outside HTTP: the segmenter (page text of any shape, long lines,
every language) and the data checker (`parley data check`: arbitrary bytes, JSON lines and CSV).

The segmenter must keep its offsets exact and finish quickly on any text; the data checker must report
problems (``DataProblem``/``DataError``) and never raise anything else. Bounded so that this runs in
`make test`; the cases tried are counted (tests/fuzzing.py).
"""

import json
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from model.labels import ACTS
from model.segment import segment_text
from tests import fuzzing
from training.data import DataError, check_files, read_documents

pytestmark = pytest.mark.fuzz

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# A generous bound per call on a loaded 2-core machine; a super-linear case takes far longer (before pysbd was
# given bounded windows, the 44,000-character line below took 3.4 s, and 1 MB of it would have taken ~30 min).
SECONDS_PER_PAGE = 5.0
LONG_LINE = "M. Dupont. " * 4000

# Pieces of scraped news pages: chrome, abbreviations, quotes, numbers, odd spaces and controls.
PIECES = [
    "Accueil  Monde  Économie",
    "Publicité",
    "Lire aussi",
    "M. Dupont",
    "J.-P. Morel",
    "p. 12",
    "« Le compte n'y est pas »,",
    "a répondu le syndicat.",
    "La direction propose une prime",
    "à condition que",
    "U.S.A.",
    "3,5 %",
    "14/02 à 08h12",
    "...",
    "…",
    "?!",
    "Dr.",
    "etc.",
    "https://example.org/a.b?c=d.",
    "\u00a0",
    "\u200b",
    "\t",
    "\r\n",
    "\n",
    "\n\n\n",
    " ",
    "\x00",
    "\u2028",
    "🙂",
    "ﬁ",
    "İ",
]
page_texts = st.one_of(
    st.lists(st.sampled_from(PIECES) | st.text(max_size=20), max_size=200).map(" ".join),
    st.text(max_size=2000),
    st.builds(
        lambda piece, n: piece * n, st.sampled_from(PIECES) | st.text(min_size=1, max_size=5), st.integers(1, 400)
    ),
)


@FUZZ
@given(text=page_texts, language=st.sampled_from(["fr", "en", "de", "es", "it", "xx", "zz-long"]))
@example(text=LONG_LINE, language="fr")
@example(text="M. Dupont" * 2000, language="fr")
def test_the_segmenter_keeps_exact_offsets_and_finishes_quickly_on_any_text(text, language):
    fuzzing.tried("hypothesis segment_text")
    started = time.perf_counter()
    segments = segment_text(text, language)
    assert time.perf_counter() - started < SECONDS_PER_PAGE
    previous_end = 0
    for segment in segments:
        assert text[segment.start : segment.end] == segment.text
        assert segment.text and segment.text == segment.text.strip()
        assert segment.start >= previous_end
        assert not text[previous_end : segment.start].strip()
        previous_end = segment.end
    assert not text[previous_end:].strip()


# Values shaped like the data format, and wrong in every way a hand-edited file can be.
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
acts = st.lists(st.sampled_from([*ACTS, "boilerplate", "Proposal", "", " proposal"]) | st.text(max_size=8), max_size=5)
segment_objects = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text(max_size=60) | json_scalars,
        "boilerplate": st.booleans() | json_scalars,
        "acts": acts | json_scalars,
        "context": st.text(max_size=30) | json_scalars,
        "doc_id": st.text(max_size=10) | json_scalars,
        "lang": st.sampled_from(["fr", "en", "", "x"]) | json_scalars,
        "extra": json_scalars,
    },
)
document_objects = st.fixed_dictionaries(
    {},
    optional={
        "doc_id": st.text(max_size=10) | json_scalars,
        "lang": st.sampled_from(["fr", "de"]) | json_scalars,
        "domain": st.text(max_size=10) | json_scalars,
        "segments": st.lists(segment_objects, max_size=4) | json_scalars,
        "other": json_scalars,
    },
)
json_lines = st.lists(
    document_objects.map(json.dumps)
    | segment_objects.map(json.dumps)
    | st.recursive(json_scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(max_size=5), inner)).map(
        json.dumps
    )
    | st.text(max_size=40),
    max_size=8,
).map("\n".join)
csv_texts = st.lists(
    st.lists(
        st.text(max_size=15) | st.sampled_from(["true", "false", "1", "yes", "proposal|condition", '"', ","]),
        max_size=5,
    ).map(",".join),
    max_size=8,
).map(lambda rows: "\n".join(["text,boilerplate,acts,doc_id", *rows]))
files = st.one_of(
    st.tuples(st.just(".jsonl"), json_lines.map(lambda text: text.encode("utf-8", "surrogatepass"))),
    st.tuples(st.just(".csv"), csv_texts.map(lambda text: text.encode("utf-8", "surrogatepass"))),
    st.tuples(st.sampled_from([".jsonl", ".csv"]), st.binary(max_size=300)),
)


@FUZZ
@given(file=files)
@example(file=(".csv", b"text,boilerplate,acts,doc_id\nhello\n"))  # a short row: it crashed the checker
def test_the_data_checker_reports_problems_and_never_crashes(file, tmp_path):
    fuzzing.tried("hypothesis data check")
    suffix, content = file
    path = tmp_path / f"data{suffix}"
    path.write_bytes(content)
    loaded, problems = check_files([path])
    for problem in problems:
        assert str(problem).startswith(str(path))
    try:
        documents = read_documents([path])
    except DataError as error:
        assert str(error)
    else:
        assert len(documents) == len(loaded)
