"""Scraped page text to segments with exact character offsets.

A segment is one sentence of the article, or one line where the page has no
sentence punctuation (menus, headlines, ad slots). Lines come first: a line
break always ends a segment. Inside a line, sentences are found by pysbd's
rule-based splitter (French, English, German, Spanish, Italian and more), then
a few merge rules mend the splits that pysbd gets wrong on news text (initials
such as ``J.-P.``, abbreviations such as ``p. 12``, a split before a lowercase
word). See ``bench/segmentation.md`` for the comparison with blingfire and
spaCy that chose pysbd.

Invariants (tested, also property-based): ``text[s.start:s.end] == s.text``
for every segment, segments are in order and do not overlap, and nothing but
whitespace lies outside them.
"""

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pysbd
from pysbd.languages import LANGUAGE_CODES

FALLBACK_LANGUAGE = "en"

# The most characters handed to pysbd at once (see _sentence_starts).
PYSBD_WINDOW = 2000
# Any Unicode line break, as str.splitlines() knows them.
_LINE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")

# A piece that ends with an initial ("J.", "J.-P.", "U.S.") is not a sentence end.
_ENDS_WITH_INITIAL = re.compile(r"(?:^|[\s(«“\"'-])(?:[A-ZÀ-ÖØ-Þ]\.-?)+\s*$")
# Abbreviations after which pysbd splits but a sentence almost never ends.
_ABBREVIATIONS = frozenset(
    """
    p pp art al chap cf env ex fig vol éd hab av apr tél
    mm mme mmes mlle dr pr prof me mgr st ste
    mr mrs ms jr sr gen gov sen rep rev capt col lt sgt jan feb aug sept oct nov dec
    hr fr frau nr bzw ca vgl inkl evtl ggf sog abs dt
    sra srta dña ud uds sig dott ing avv
    """.split()
)
_LAST_WORD = re.compile(r"(\w+)\.\s*$")
# A piece that opens with one of these continues the previous sentence.
_CONTINUATION_MARKS = frozenset("-–),;:»”")


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment and its character span in the text it came from."""

    text: str
    start: int
    end: int


def segment_text(text: str, language: str = "fr") -> list[Segment]:
    """Split page text into segments: lines first, then sentences inside a line."""
    splitter = _splitter(language)
    segments: list[Segment] = []
    for line in _LINE.finditer(text):
        for start, end in _sentence_spans(line.group(), splitter):
            segments.append(
                Segment(text[line.start() + start : line.start() + end], line.start() + start, line.start() + end)
            )
    return segments


def supported_language(language: str) -> str:
    """The pysbd language code used for ``language`` (English rules when unknown)."""
    code = language.lower().split("-")[0].split("_")[0]
    return code if code in LANGUAGE_CODES else FALLBACK_LANGUAGE


# One pysbd segmenter per thread and language: a Segmenter keeps the text it is splitting in an attribute
# (``original_text``), so two threads sharing one (the service segments requests in a thread pool) get each
# other's sentences; the load test saw a 10-segment page come back with 9.
_splitters = threading.local()


def _splitter(language: str) -> pysbd.Segmenter:
    code = supported_language(language)
    cache: dict[str, pysbd.Segmenter] = _splitters.__dict__.setdefault("by_language", {})
    if code not in cache:
        cache[code] = pysbd.Segmenter(language=code, clean=False)
    return cache[code]


def _sentence_spans(line: str, splitter: pysbd.Segmenter) -> Iterator[tuple[int, int]]:
    """Spans of the sentences in one line, stripped of surrounding whitespace."""
    if not line.strip():
        return
    starts = _merge_false_splits(line, _sentence_starts(line, splitter))
    for start, end in zip(starts, [*starts[1:], len(line)], strict=True):
        yield from _strip(line, start, end)


def _sentence_starts(line: str, splitter: pysbd.Segmenter) -> list[int]:
    """Where pysbd starts a sentence in ``line``, handing it at most ``PYSBD_WINDOW`` characters at a time.

    pysbd's time grows with the square of the text it is given (a 44,000-character line of 4,000 short
    sentences took 3.4 s, a 1 MB one would take half an hour): a long line is read window by window, each
    window starting at the last sentence start found in the one before (that last piece may be cut by the
    window's end, so it is read again in full). A window with no sentence start in it is one long sentence.
    """
    if len(line) <= PYSBD_WINDOW:
        return _piece_starts(line, splitter.segment(line))
    starts, offset = [0], 0
    while len(line) - offset > PYSBD_WINDOW:
        window = line[offset : offset + PYSBD_WINDOW]
        local = _piece_starts(window, splitter.segment(window))
        starts += [offset + start for start in local[1:]]
        offset += local[-1] if len(local) > 1 else PYSBD_WINDOW
    window = line[offset:]
    starts += [offset + start for start in _piece_starts(window, splitter.segment(window))[1:]]
    return starts


def _piece_starts(line: str, pieces: list[str]) -> list[int]:
    """Where each of pysbd's pieces starts in ``line``.

    pysbd returns substrings in order; should it ever alter one, the piece is
    skipped and its text stays with the previous piece, so nothing is lost.
    """
    starts = [0]
    cursor = 0
    for piece in pieces:
        stripped = piece.strip()
        if not stripped:
            continue
        found = line.find(stripped, cursor)
        if found < 0:
            continue
        if found > starts[-1] and line[starts[-1] : found].strip():
            starts.append(found)
        cursor = found + len(stripped)
    return starts


def _merge_false_splits(line: str, starts: list[int]) -> list[int]:
    """Drop the split points that follow an initial or an abbreviation, or precede
    a lowercase continuation."""
    kept = [starts[0]]
    for start in starts[1:]:
        before, after = line[kept[-1] : start], line[start:]
        if not _is_false_split(before, after):
            kept.append(start)
    return kept


def _is_false_split(before: str, after: str) -> bool:
    first = after.lstrip()[:1]
    if first.islower() or first in _CONTINUATION_MARKS:
        return True
    if not before.rstrip().endswith("."):
        return False
    if _ENDS_WITH_INITIAL.search(before):
        return True
    last_word = _LAST_WORD.search(before)
    return bool(last_word) and last_word.group(1).lower() in _ABBREVIATIONS


def _strip(line: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end
