"""The running service: the model, its micro-batcher and metrics, and how routes reach them.

The model in use is one :class:`ModelSlot` (a predictor and the micro-batcher that pools forward passes for
it). A request takes the slot current when it starts and keeps it to the end, so that a model reload
(``Service.swap``) is atomic for every request: those in flight finish on the old model, and new ones use the
new one. The old slot's batcher is stopped only once the last request holding it is done.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request

from model.predictor import Predictor
from model.sample_pages import EXAMPLE_PAGE
from model.segment import segment_text
from parley.config import Settings
from serve.batching import MicroBatcher
from serve.documents import Document, answers, model_segments
from serve.errors import ApiError
from serve.metrics import Metrics
from serve.schemas import ApiSentence

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class ModelSlot:
    """One loaded model, its micro-batcher, and the requests that are using it."""

    predictor: Predictor
    batcher: MicroBatcher
    path: Path | None = None
    model_metrics: dict[str, Any] | None = None
    users: int = 0
    _idle: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def __post_init__(self) -> None:
        self._idle.set()

    def acquire(self) -> None:
        self.users += 1
        self._idle.clear()

    def release(self) -> None:
        self.users -= 1
        if self.users == 0:
            self._idle.set()

    async def retire(self, timeout: float) -> None:
        """Wait (at most ``timeout``) for the requests still using this model, then stop its batcher."""
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            logger.warning("stopping the previous model with %d request(s) still on it", self.users)
        await self.batcher.stop()


class Service:
    def __init__(
        self,
        settings: Settings,
        predictor: Predictor,
        metrics: Metrics,
        model_metrics: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.ready = False
        self.slot = self.new_slot(predictor, settings.model.path, model_metrics)
        self._retiring: set[asyncio.Task] = set()

    # The current model, as the routes that do not score (model info) see it.
    @property
    def predictor(self) -> Predictor:
        return self.slot.predictor

    @property
    def batcher(self) -> MicroBatcher:
        return self.slot.batcher

    @property
    def model_metrics(self) -> dict[str, Any] | None:
        return self.slot.model_metrics

    def new_slot(self, predictor: Predictor, path: Path | None, model_metrics: dict[str, Any] | None) -> ModelSlot:
        serving = self.settings.serving
        batcher = MicroBatcher(
            predictor.score_encoded,
            max_batch_size=serving.max_batch_size,
            max_wait_ms=serving.max_wait_ms,
            observe=self.metrics.observe_batch,
        )
        return ModelSlot(predictor, batcher, path, model_metrics)

    async def warm_up(self) -> None:
        """One forward pass (the first is slow: lazy allocations, kernel selection), then ready.

        The batcher starts only afterwards: requests that come earlier wait in its queue.
        A failed warm-up is logged and leaves the service not ready.
        """
        slot = self.slot
        predictor = slot.predictor
        segments = [segment.text for segment in segment_text(EXAMPLE_PAGE, "fr")]
        try:  # through the calls that requests make: windows, then the batcher's scoring call
            await asyncio.to_thread(lambda: predictor.score_encoded([predictor.encode_page(segments)]))
        except Exception:
            logger.exception("the warm-up forward pass failed; /readyz stays 503")
        else:
            self.ready = True
            logger.info("model warmed up on %s with %s; ready", slot.predictor.device, slot.predictor.backend)
        if self.slot is slot:  # not replaced by a reload meanwhile (that one started and retired it)
            slot.batcher.start()

    async def swap(self, slot: ModelSlot) -> ModelSlot:
        """Serve ``slot``'s model from now on (its batcher is started); the old one is retired in the background
        once the requests still on it are done. Returns the old slot."""
        slot.batcher.start()
        old, self.slot = self.slot, slot  # one assignment on the event loop: atomic for every request
        old.batcher.start()  # (a reload during the warm-up) the requests queued on the old model are still served
        self.ready = True
        task = asyncio.create_task(old.retire(self.settings.serving.request_timeout_s + 5))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)
        return old

    async def stop(self) -> None:
        """Stop every batcher (at shutdown, once uvicorn has let the requests in flight finish)."""
        await asyncio.gather(*self._retiring, return_exceptions=True)
        await self.slot.batcher.stop()

    async def classify(self, documents: list[Document]) -> tuple[Predictor, list[list[ApiSentence]]]:
        """(the predictor that scored them, answers for each document), scored together with other requests'
        segments. The whole request runs on the model that was current when it started."""
        slot = self.slot
        slot.acquire()
        try:
            return slot.predictor, await self._classify(slot, documents)
        finally:
            slot.release()

    async def _classify(self, slot: ModelSlot, documents: list[Document]) -> list[list[ApiSentence]]:
        serving = self.settings.serving
        predictor = slot.predictor
        if logger.isEnabledFor(logging.DEBUG):  # article text is logged at debug level only
            for document in documents:
                logger.debug("%s: %d segments: %r", document.name, len(document.segments), document.segments)
        pages = await asyncio.to_thread(
            lambda: [
                predictor.encode_page(model_segments(document, serving.max_chars_per_segment)) for document in documents
            ]
        )
        try:
            async with asyncio.timeout(serving.request_timeout_s):
                scores = await slot.batcher.score(pages)
        except TimeoutError as error:
            raise ApiError(
                503, "timeout", f"the model did not answer within {serving.request_timeout_s:g} s; try again"
            ) from error
        self.metrics.segments.inc(sum(len(document.segments) for document in documents))
        return [
            answers(predictor, document, rows, serving.max_chars_per_segment)
            for document, rows in zip(documents, scores, strict=True)
        ]


def get_service(request: Request) -> Service:
    return request.app.state.service


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


ServiceDep = Annotated[Service, Depends(get_service)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
