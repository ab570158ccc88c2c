"""Micro-batching: concurrent requests share the model's forward passes.

Each request puts its pages, already cut into windows
(``Predictor.encode_page``), on one asyncio queue. A single worker task takes
the oldest waiting request, then keeps adding requests for at most
``max_wait_ms`` or until ``max_batch_size`` windows are pooled, scores the pool
with one call of ``Predictor.score_encoded`` in a worker thread (the event loop
keeps accepting requests meanwhile), and hands each request back the scores of
its own pages. While one pool is being scored the next one fills up, so
throughput grows with concurrency.

A request is never split across pools: one larger than ``max_batch_size`` is
scored alone, and one that would overflow a pool waits for the next.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from model.pages import Window
from serve.logs import log_error

logger = logging.getLogger(__name__)

Page = Sequence[Window]
PageScorer = Callable[[Sequence[Page]], list[np.ndarray]]
BatchObserver = Callable[[int, int], None]


@dataclass
class _Job:
    pages: Sequence[Page]
    future: asyncio.Future = field(repr=False)

    @property
    def windows(self) -> int:
        return sum(len(page) for page in self.pages)


class MicroBatcher:
    """Pools the pages of concurrent requests into shared calls of ``score``.

    ``observe(windows, requests)`` is called after every pooled call, for metrics.
    """

    def __init__(
        self,
        score: PageScorer,
        *,
        max_batch_size: int,
        max_wait_ms: float,
        observe: BatchObserver | None = None,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be at least 1, got {max_batch_size}")
        self._score = score
        self._max_batch_size = max_batch_size
        self._max_wait = max_wait_ms / 1000
        self._observe = observe
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._carried: _Job | None = None
        self._worker: asyncio.Task | None = None

    def start(self) -> None:
        """Start scoring; requests submitted before this wait in the queue."""
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="parley-micro-batcher")

    async def stop(self) -> None:
        """Stop the worker; requests still waiting are cancelled."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        waiting = [self._carried] if self._carried else []
        while not self._queue.empty():
            waiting.append(self._queue.get_nowait())
        for job in waiting:
            job.future.cancel()
        self._carried = None

    async def score(self, pages: Sequence[Page]) -> list[np.ndarray]:
        """Scores for each of ``pages`` (one row per segment), scored together with other requests' windows."""
        job = _Job(pages, asyncio.get_running_loop().create_future())
        if not job.windows:
            return self._score(pages)
        self._queue.put_nowait(job)
        return await job.future

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            pages = [page for job in batch for page in job.pages]
            windows = sum(job.windows for job in batch)
            try:
                scores = await asyncio.to_thread(self._score, pages)
            except asyncio.CancelledError:
                for job in batch:
                    job.future.cancel()
                raise
            except Exception as error:
                log_error(logger, "scoring a batch of %d windows failed", windows, error=error)
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(error)
                continue
            if self._observe is not None:
                self._observe(windows, len(batch))
            offset = 0
            for job in batch:
                if not job.future.done():  # its request may have timed out
                    job.future.set_result(scores[offset : offset + len(job.pages)])
                offset += len(job.pages)

    async def _next_batch(self) -> list[_Job]:
        """Wait for a request, then pool the ones that come within ``max_wait``."""
        first = await self._next_job(None)
        batch, size = [first], first.windows
        deadline = asyncio.get_running_loop().time() + self._max_wait
        while size < self._max_batch_size:
            job = await self._next_job(deadline)
            if job is None:
                break
            if size + job.windows > self._max_batch_size:
                self._carried = job
                break
            batch.append(job)
            size += job.windows
        return batch

    async def _next_job(self, deadline: float | None) -> _Job | None:
        """The next request not yet given up on; None once ``deadline`` passes."""
        while True:
            if self._carried is not None:
                job, self._carried = self._carried, None
            elif deadline is None:
                job = await self._queue.get()
            else:
                try:
                    job = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    remaining = deadline - asyncio.get_running_loop().time()
                    if remaining <= 0:
                        return None
                    try:
                        job = await asyncio.wait_for(self._queue.get(), remaining)
                    except TimeoutError:
                        return None
            if not job.future.done():
                return job
