"""Scraped page text to segments with exact character offsets.

A segment is one sentence of the article, or one line where the page has no
sentence punctuation (menus, headlines, ad slots). Lines come first: a line
break always ends a segment. Inside a line, sentences are found by pysbd's
rule-based splitter (French, English, German, Spanish, Italian and more), then
a few merge rules mend the splits that pysbd gets wrong on news text (initials
such as ``J.-P.``, abbreviations such as ``p. 12``, a split before a lowercase
word). See ``benchmarks/segmentation.md`` for the comparison with blingfire and
spaCy that chose pysbd.

Invariants (tested, also property-based): ``text[s.start:s.end] == s.text``
for every segment, segments are in order and do not overlap, and nothing but
whitespace lies outside them.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import pysbd
from pysbd.languages import LANGUAGE_CODES

FALLBACK_LANGUAGE = "en"

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


@lru_cache(maxsize=16)
def _splitter(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=supported_language(language), clean=False)


def _sentence_spans(line: str, splitter: pysbd.Segmenter) -> Iterator[tuple[int, int]]:
    """Spans of the sentences in one line, stripped of surrounding whitespace."""
    if not line.strip():
        return
    starts = _merge_false_splits(line, _piece_starts(line, splitter.segment(line)))
    for start, end in zip(starts, [*starts[1:], len(line)], strict=True):
        yield from _strip(line, start, end)


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
