"""Corrections as training data: one document per source page, in the corpus format (training/data.py).

The latest correction of a sentence wins (by its text, wherever it was corrected). A page whose every segment
was corrected becomes a whole labelled document, read by training as the page it was. On a page corrected in
part, only the corrected segments carry labels, so each becomes a segment with a ``context``: the segment
before it on the page (training reads the two as a page of their own, and learns from the second alone). A
correction sent without context is a document of one segment.
"""

from collections.abc import Iterable

from feedback.tables import Correction
from training.data import Document, LabelledSegment

DOC_ID_PREFIX = "feedback-"
DOC_ID_HASH_CHARS = 16


def correction_documents(corrections: Iterable[Correction]) -> list[Document]:
    """The documents of every page with a correction, in the order the pages were first corrected."""
    latest: dict[str, Correction] = {}
    pages: dict[str, list[Correction]] = {}  # page (or sentence, without context) → its corrections
    for correction in corrections:
        latest[correction.text] = correction
        pages.setdefault(correction.page_hash or correction.text_hash, []).append(correction)
    return [_page_document(key, rows, latest) for key, rows in pages.items()]


def _page_document(key: str, rows: list[Correction], latest: dict[str, Correction]) -> Document:
    newest = rows[-1]
    doc_id = DOC_ID_PREFIX + key[:DOC_ID_HASH_CHARS]
    context = newest.context
    if not context:
        return Document(doc_id=doc_id, lang=newest.language, segments=(_labelled(latest[newest.text]),))
    if all(text in latest for text in context):
        segments = tuple(_labelled(latest[text]) for text in context)
    else:
        corrected = {row.text for row in rows}
        segments = tuple(
            _labelled(latest[text], context[index - 1] if index > 0 else None)
            for index, text in enumerate(context)
            if text in corrected
        )
    return Document(doc_id=doc_id, lang=newest.language, segments=segments)


def _labelled(correction: Correction, context: str | None = None) -> LabelledSegment:
    return LabelledSegment(
        text=correction.text, boilerplate=correction.boilerplate, acts=tuple(correction.acts), context=context
    )
