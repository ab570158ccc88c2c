"""The pages of labelled documents, as the model reads them.

Training, evaluation, threshold tuning and the export's parity check take their
pages from here, so that each reads exactly the windows that inference builds
(``model.pages``). A labelled segment may carry its own ``context``
(segment-per-line retraining data, where the page around it is unknown): it
then makes a page of its own, its context first as an unlabelled segment.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from training.data import Document


@dataclass(frozen=True)
class LabelledPage:
    """Segment texts in page order, and for each labelled segment of the document the index it has here."""

    segments: list[str]
    labelled: list[int]


def document_pages(document: Document) -> list[LabelledPage]:
    """The pages that hold ``document``'s segments; read in order, their labelled segments are the
    document's segments in order."""
    pages: list[LabelledPage] = []
    run: list[str] = []
    for segment in document.segments:
        if segment.context is None:
            run.append(segment.text)
            continue
        if run:
            pages.append(LabelledPage(run, list(range(len(run)))))
            run = []
        pages.append(LabelledPage([segment.context, segment.text], [1]))
    if run:
        pages.append(LabelledPage(run, list(range(len(run)))))
    return pages


def corpus_pages(documents: Sequence[Document]) -> list[LabelledPage]:
    """The pages of every document, documents in order."""
    return [page for document in documents for page in document_pages(document)]
