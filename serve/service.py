"""The running service: the model, its micro-batcher and metrics, and how routes reach them."""

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from model.inputs import document_pairs
from model.predictor import Predictor
from parley.config import Settings
from serve.batching import MicroBatcher
from serve.documents import Document, answers, model_pairs
from serve.errors import ApiError
from serve.metrics import Metrics
from serve.schemas import ApiSentence

logger = logging.getLogger(__name__)

WARM_UP_SEGMENTS = ["Le gouvernement propose une réforme.", "Les syndicats la refusent."]


@dataclass
class Service:
    settings: Settings
    predictor: Predictor
    metrics: Metrics
    model_metrics: dict[str, Any] | None = None
    batcher: MicroBatcher = field(init=False)
    ready: bool = False

    def __post_init__(self) -> None:
        serving = self.settings.serving
        self.batcher = MicroBatcher(
            self.predictor.score_pairs,
            max_batch_size=serving.max_batch_size,
            max_wait_ms=serving.max_wait_ms,
            observe=self.metrics.observe_batch,
        )

    async def warm_up(self) -> None:
        """One forward pass (the first is slow: lazy allocations, kernel selection), then ready.

        The batcher starts only afterwards: requests that come earlier wait in its queue.
        A failed warm-up is logged and leaves the service not ready.
        """
        pairs = document_pairs(WARM_UP_SEGMENTS, self.predictor.metadata.context)
        try:
            await asyncio.to_thread(self.predictor.score_pairs, pairs)
        except Exception:
            logger.exception("the warm-up forward pass failed; /readyz stays 503")
        else:
            self.ready = True
            logger.info("model warmed up on %s with %s; ready", self.predictor.device, self.predictor.backend)
        self.batcher.start()

    async def classify(self, documents: list[Document]) -> list[list[ApiSentence]]:
        """Answers for each document, scored together with other requests' segments."""
        serving = self.settings.serving
        context = self.predictor.metadata.context
        per_document = await asyncio.to_thread(
            lambda: [model_pairs(document, context, serving.max_chars_per_segment) for document in documents]
        )
        try:
            async with asyncio.timeout(serving.request_timeout_s):
                scores = await self.batcher.score([pair for pairs in per_document for pair in pairs])
        except TimeoutError as error:
            raise ApiError(
                503, "timeout", f"the model did not answer within {serving.request_timeout_s:g} s; try again"
            ) from error
        results, offset = [], 0
        for document, pairs in zip(documents, per_document, strict=True):
            rows = scores[offset : offset + len(pairs)]
            offset += len(pairs)
            results.append(answers(self.predictor, document, rows, serving.max_chars_per_segment))
        self.metrics.segments.inc(offset)
        return results


def get_service(request: Request) -> Service:
    return request.app.state.service


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


ServiceDep = Annotated[Service, Depends(get_service)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
