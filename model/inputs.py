"""The model's input: a (segment, context) text pair per segment.

The context names the segment's position in the document and quotes its
neighbours, nearest first, so that truncation (which cuts the end of the
context) drops the farthest neighbours first:

    "3/14 < previous segment > next segment << two before >> two after"

A teaser headline in a list of unrelated links and the article's own headline
read alike on their own; their neighbours and position tell them apart.

Truncation never cuts the segment before its context: the context (the second
sequence) is truncated first, and a segment only loses its tail when it alone
would take more than ``max_segment_fraction`` of ``max_length`` tokens.
"""

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from transformers import BatchEncoding, PreTrainedTokenizerBase

Pair = tuple[str, str]

ELLIPSIS = "…"


class ContextSettings(BaseModel):
    """How a segment's context is built and how long the pair may be."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window: int = Field(2, ge=0, le=16)
    max_chars_per_neighbour: int = Field(160, ge=1)
    max_length: int = Field(256, ge=16, le=8192)
    max_segment_fraction: float = Field(0.75, gt=0.0, le=1.0)


def build_context(segments: Sequence[str], index: int, settings: ContextSettings) -> str:
    """The context text of ``segments[index]``: its position, then its neighbours."""
    parts = [f"{index + 1}/{len(segments)}"]
    for distance in range(1, settings.window + 1):
        before, after = index - distance, index + distance
        if before >= 0:
            parts.append("<" * distance + " " + _clip(segments[before], settings))
        if after < len(segments):
            parts.append(">" * distance + " " + _clip(segments[after], settings))
    return " ".join(parts)


def document_pairs(segments: Sequence[str], settings: ContextSettings) -> list[Pair]:
    """One (segment, context) pair per segment of one document, in order."""
    return [(segment, build_context(segments, index, settings)) for index, segment in enumerate(segments)]


def encode_pairs(tokenizer: PreTrainedTokenizerBase, pairs: Sequence[Pair], settings: ContextSettings) -> BatchEncoding:
    """Tokenize pairs (no padding) with the segment kept whole wherever it fits."""
    segments = _cut_long_segments(tokenizer, [segment for segment, _ in pairs], settings)
    return tokenizer(
        segments,
        [context for _, context in pairs],
        truncation="only_second",
        max_length=settings.max_length,
    )


def segment_token_budget(tokenizer: PreTrainedTokenizerBase, settings: ContextSettings) -> int:
    """The most tokens a segment may keep, leaving room for special tokens and
    at least one context token."""
    room = settings.max_length - tokenizer.num_special_tokens_to_add(pair=True) - 1
    return max(1, min(int(settings.max_length * settings.max_segment_fraction), room))


def _cut_long_segments(tokenizer: PreTrainedTokenizerBase, segments: list[str], settings: ContextSettings) -> list[str]:
    budget = segment_token_budget(tokenizer, settings)
    encoded = tokenizer(segments, add_special_tokens=False, return_offsets_mapping=True)
    cut = []
    for segment, offsets in zip(segments, encoded["offset_mapping"], strict=True):
        cut.append(segment[: offsets[budget - 1][1]] if len(offsets) > budget else segment)
    return cut


def _clip(text: str, settings: ContextSettings) -> str:
    limit = settings.max_chars_per_neighbour
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
