"""Training batches filled by tokens rather than by a count of windows.

A training set can mix whole-page windows (up to ``page.max_length`` tokens) with
windows of one segment (``training.alone_share``, about 40 tokens). A fixed
count of windows per step then spends most steps on a few short windows, each
step paying the same overhead. Here windows of the same padded length go
together, as many as fit the token budget, as fairseq's ``max_tokens`` does;
every batch costs about the same.
"""

from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler

from model.pages import padded_length


class TokenBudgetBatches(Sampler[list[int]]):
    """Batches of dataset indices, each at most ``budget`` padded tokens (one window at least).

    The batches are made once, from a shuffle by ``seed``: windows are grouped by
    padded length and cut into batches. Every epoch then visits the batches in a
    new order (``set_epoch``), so the number of steps per epoch stays fixed, as
    the Trainer's schedule expects.
    """

    def __init__(self, lengths: Sequence[int], budget: int, multiple: int, max_length: int, seed: int) -> None:
        if budget < 1:
            raise ValueError(f"budget must be at least 1 token, got {budget}")
        self.seed = seed
        self.epoch = 0
        order = np.random.default_rng(seed).permutation(len(lengths))
        groups: dict[int, list[int]] = {}
        for index in order.tolist():
            groups.setdefault(padded_length(lengths[index], multiple, max_length), []).append(index)
        self.batches = [
            members[start : start + max(1, budget // padded)]
            for padded, members in sorted(groups.items())
            for start in range(0, len(members), max(1, budget // padded))
        ]

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[list[int]]:
        order = np.random.default_rng((self.seed, self.epoch)).permutation(len(self.batches))
        return (self.batches[position] for position in order.tolist())
