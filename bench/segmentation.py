"""Boundary F1 of Parley's segmenter on the hand-marked gold set, beside the
libraries it was chosen from (each scored when it is installed).

    python -m bench.segmentation

Every segmenter gets the same line splitting (a line break always ends a
segment), so the comparison is about sentence splitting inside a line. spaCy is
scored with its French pipeline (fr_core_news_sm) on every language, since no
other pipeline is installed here; its English and German figures are a lower
bound.
"""

import importlib.util
import re
import time

from bench.segmentation_eval import Span, load_gold, parley_segmenter, score

_LINE = re.compile(r"[^\n\r]+")


def _per_line(split_line):
    """A segmenter from a function that returns the sentence spans of one line."""

    def segmenter(text: str, language: str) -> list[Span]:
        spans = []
        for line in _LINE.finditer(text):
            for start, end in split_line(line.group(), language):
                piece = line.group()[start:end]
                if piece.strip():
                    left = start + len(piece) - len(piece.lstrip())
                    right = end - (len(piece) - len(piece.rstrip()))
                    spans.append((line.start() + left, line.start() + right))
        return spans

    return segmenter


def _pysbd_alone():
    import pysbd

    def split_line(line, language):
        spans, cursor = [], 0
        for piece in pysbd.Segmenter(language=language, clean=False).segment(line):
            start = line.find(piece.strip(), cursor)
            spans.append((start, start + len(piece.strip())))
            cursor = start + len(piece.strip())
        return spans

    return _per_line(split_line)


def _blingfire():
    import blingfire

    def split_line(line, language):
        _, offsets = blingfire.text_to_sentences_and_offsets(line)
        return offsets

    return _per_line(split_line)


def _spacy():
    import spacy

    nlp = spacy.load("fr_core_news_sm", exclude=["ner", "lemmatizer"])

    def split_line(line, language):
        return [(sent.start_char, sent.end_char) for sent in nlp(line).sents]

    return _per_line(split_line)


CANDIDATES = {
    "pysbd alone": ("pysbd", _pysbd_alone),
    "blingfire": ("blingfire", _blingfire),
    "spaCy fr_core_news_sm": ("fr_core_news_sm", _spacy),
}


def main() -> None:
    documents = load_gold()
    gold_segments = sum(len(document.spans) for document in documents)
    print(f"gold set: {len(documents)} documents, {gold_segments} segments")
    print("| segmenter | precision | recall | boundary F1 | in-line F1 | ms / document |")
    print("|---|---|---|---|---|---|")
    segmenters = {"parley (pysbd + merge rules)": parley_segmenter}
    for name, (module, build) in CANDIDATES.items():
        if importlib.util.find_spec(module) is None:
            print(f"| {name} | not installed | | | | |")
            continue
        segmenters[name] = build()
    for name, segmenter in segmenters.items():
        segmenter(documents[0].text, documents[0].language)  # load models, fill caches
        started = time.perf_counter()
        result = score(segmenter, documents)
        elapsed_ms = (time.perf_counter() - started) * 1000 / len(documents)
        print(
            f"| {name} | {result.precision:.3f} | {result.recall:.3f} | {result.f1:.3f} "
            f"| {result.inline_f1:.3f} | {elapsed_ms:.2f} |"
        )


if __name__ == "__main__":
    main()
