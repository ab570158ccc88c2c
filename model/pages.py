"""The model's input: the segments of a page, packed into windows of tokens.

A window holds consecutive segments of one page, each introduced by a marker
piece, between the tokenizer's start and end tokens::

    <s> • seg 3 tokens • seg 4 tokens • seg 5 tokens … </s>

One forward pass gives every token five logits; a segment's logits are the
mean over its pooled tokens (``pooling``: its marker alone, or its whole span,
marker included), so one encoder pass labels every segment of the window and
every segment reads its neighbours in full (Cohan et al., 2019, "Pretrained
Language Models for Sequential Sentence Classification").

A page longer than one window slides: consecutive windows overlap by about
``context_tokens`` tokens, and each segment is answered for by exactly one
window, the one where it has at least that much context on each side (or all
the page has). Training reads the same windows and learns from every segment in
them.

The marker is an ordinary piece, not ``<s>`` or ``</s>``: in the e5 backbones
those two give the same hidden state wherever they stand, so a classifier read
at them could not tell segments apart.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator
from transformers import PreTrainedTokenizerBase

# Per token: the window-local index of the segment it is pooled into, or this for tokens that are pooled into none.
NOT_POOLED = -1


class PageSettings(BaseModel):
    """How segments are packed into windows and read back."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_length: int = Field(512, ge=16, le=8192)
    # A segment keeps at most this many tokens (its marker not counted); the tail of a longer one is not read.
    max_segment_tokens: int = Field(128, ge=1)
    # On a page longer than one window, a segment is answered for by a window that gives it this many tokens of
    # context on each side where the page has them.
    context_tokens: int = Field(64, ge=0)
    pooling: Literal["marker", "span"] = "span"
    marker: str = Field("•", min_length=1)

    @model_validator(mode="after")
    def _room_for_a_segment(self) -> "PageSettings":
        if 2 + 2 * self.context_tokens + self.max_segment_tokens + 1 > self.max_length:
            raise ValueError(
                f"max_length {self.max_length} leaves no room for a segment of max_segment_tokens "
                f"{self.max_segment_tokens} with context_tokens {self.context_tokens} on each side"
            )
        return self


@dataclass(frozen=True)
class Window:
    """One forward pass's worth of a page.

    ``first`` is the page index of the window's first segment, ``count`` how many
    segments it holds, and ``answers`` the page indices this window's scores
    stand for (a run within ``first .. first + count``).
    """

    input_ids: list[int]
    segment_ids: list[int]
    first: int
    count: int
    answers: range

    def answered_rows(self, rows: np.ndarray) -> np.ndarray:
        """The rows of this window's ``count`` segment rows that it answers for."""
        return rows[self.answers.start - self.first : self.answers.stop - self.first]


def marker_id(tokenizer: PreTrainedTokenizerBase, settings: PageSettings) -> int:
    """The piece that introduces each segment (the last piece of the marker text)."""
    ids = tokenizer(settings.marker, add_special_tokens=False)["input_ids"]
    return ids[-1] if ids else tokenizer.unk_token_id


def segment_pieces(
    tokenizer: PreTrainedTokenizerBase, segments: Sequence[str], settings: PageSettings
) -> list[list[int]]:
    """Each segment's token ids, cut to ``max_segment_tokens`` (an empty one reads as the unknown piece)."""
    if not segments:
        return []
    encoded = tokenizer(list(segments), add_special_tokens=False)["input_ids"]
    return [ids[: settings.max_segment_tokens] or [tokenizer.unk_token_id] for ids in encoded]


def plan_windows(lengths: Sequence[int], capacity: int, context_tokens: int) -> list[tuple[range, range]]:
    """(segments held, segments answered for) per window, for segments of these token ``lengths``.

    Windows are filled greedily up to ``capacity`` tokens. A window answers for
    its segments up to the last one that still has ``context_tokens`` tokens after
    it in the window (all of them when it reaches the end of the page); the next
    window starts with up to ``context_tokens`` tokens before the first segment it
    answers for.
    """
    windows: list[tuple[range, range]] = []
    start = answer_start = 0
    while answer_start < len(lengths):
        stop, used = start, 0
        while stop < len(lengths) and used + lengths[stop] <= capacity:
            used += lengths[stop]
            stop += 1
        stop = max(stop, answer_start + 1)
        answer_stop, after = stop, 0
        if stop < len(lengths):
            while answer_stop > answer_start + 1 and after < context_tokens:
                answer_stop -= 1
                after += lengths[answer_stop]
        windows.append((range(start, stop), range(answer_start, answer_stop)))
        answer_start = start = answer_stop
        before = 0
        while start > 0 and before + lengths[start - 1] <= context_tokens:
            start -= 1
            before += lengths[start]
    return windows


def page_windows(tokenizer: PreTrainedTokenizerBase, segments: Sequence[str], settings: PageSettings) -> list[Window]:
    """The windows that score one page, in order; none for a page without segments."""
    pieces = segment_pieces(tokenizer, segments, settings)
    marker = marker_id(tokenizer, settings)
    lengths = [len(ids) + 1 for ids in pieces]  # the marker, then the pieces
    windows = []
    for held, answers in plan_windows(lengths, settings.max_length - 2, settings.context_tokens):
        input_ids = [tokenizer.cls_token_id]
        segment_ids = [NOT_POOLED]
        for local, index in enumerate(held):
            input_ids += [marker, *pieces[index]]
            pooled = len(pieces[index]) if settings.pooling == "span" else 0
            segment_ids += [local] * (1 + pooled) + [NOT_POOLED] * (len(pieces[index]) - pooled)
        input_ids.append(tokenizer.sep_token_id)
        segment_ids.append(NOT_POOLED)
        windows.append(Window(input_ids, segment_ids, held.start, len(held), answers))
    return windows


def padded_length(length: int, multiple: int = 1, max_length: int | None = None) -> int:
    """The length a batch whose longest window has ``length`` tokens is padded to: rounded up to a
    ``multiple``, but not past ``max_length`` (nor below ``length``)."""
    rounded = -(-length // multiple) * multiple
    return rounded if max_length is None else max(length, min(rounded, max_length))


def pad_windows(
    input_ids: Sequence[Sequence[int]],
    segment_ids: Sequence[Sequence[int]],
    pad_id: int,
    multiple: int = 1,
    max_length: int | None = None,
) -> dict[str, np.ndarray]:
    """``input_ids``, ``attention_mask`` and ``segment_ids`` of windows (int64), padded to the longest,
    rounded up to a ``multiple`` but not past ``max_length``."""
    length = padded_length(max(len(ids) for ids in input_ids), multiple, max_length)
    padded = {
        "input_ids": np.full((len(input_ids), length), pad_id, dtype=np.int64),
        "attention_mask": np.zeros((len(input_ids), length), dtype=np.int64),
        "segment_ids": np.full((len(input_ids), length), NOT_POOLED, dtype=np.int64),
    }
    for row, (ids, segments) in enumerate(zip(input_ids, segment_ids, strict=True)):
        padded["input_ids"][row, : len(ids)] = ids
        padded["attention_mask"][row, : len(ids)] = 1
        padded["segment_ids"][row, : len(ids)] = segments
    return padded


def pool_segments(token_logits: torch.Tensor, segment_ids: torch.Tensor) -> torch.Tensor:
    """Per-segment logits ``[windows, segments, labels]``: the mean of each segment's pooled tokens.

    ``segment_ids`` is ``[windows, tokens]`` (``NOT_POOLED`` for the other tokens);
    a window with fewer segments than the widest gets zero rows after its own.
    """
    windows, _, labels = token_logits.shape
    segments = int(segment_ids.max().item()) + 1 if segment_ids.numel() else 0
    pooled = segment_ids >= 0
    index = segment_ids.clamp(min=0)
    weights = pooled.to(token_logits.dtype)
    sums = token_logits.new_zeros((windows, segments, labels)).scatter_add_(
        1, index.unsqueeze(-1).expand(-1, -1, labels), token_logits * weights.unsqueeze(-1)
    )
    counts = token_logits.new_zeros((windows, segments)).scatter_add_(1, index, weights)
    return sums / counts.clamp(min=1).unsqueeze(-1)
