"""The (segment, context) pairs of labelled documents, built as the model reads them.

Training, evaluation and the baselines all take their inputs from here, so that
each sees exactly the pairs that inference builds (``model.inputs``). A
labelled segment may carry its own ``context`` (segment-per-line retraining
data, where the neighbours are unknown); it is used instead of the one built
from the document's segments.
"""

from collections.abc import Sequence

from model.inputs import ContextSettings, Pair, document_pairs
from training.data import Document


def labelled_pairs(document: Document, context_settings: ContextSettings) -> list[Pair]:
    """One pair per segment of ``document``, in order."""
    built = document_pairs([segment.text for segment in document.segments], context_settings)
    return [
        (text, context if segment.context is None else segment.context)
        for segment, (text, context) in zip(document.segments, built, strict=True)
    ]


def corpus_pairs(documents: Sequence[Document], context_settings: ContextSettings) -> list[Pair]:
    """The pairs of every document, documents in order and segments in order."""
    return [pair for document in documents for pair in labelled_pairs(document, context_settings)]
