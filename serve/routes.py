"""The HTTP API v1 (docs/design.md): classify, batch, model info, health, readiness, metrics."""

import asyncio
import codecs
import email.message
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import ValidationError

from model.labels import LABELS
from model.sample_pages import EXAMPLE_PAGE
from serve.documents import document_from_sentences, document_from_text
from serve.errors import ApiError, validation_error
from serve.logs import request_id_var
from serve.metrics import Metrics
from serve.schemas import (
    BATCH_EXAMPLES,
    CLASSIFY_EXAMPLES,
    ApiClassifyResponse,
    BatchRequest,
    BatchResponse,
    ClassifyRequest,
    DocumentResult,
    ErrorResponse,
    Health,
    ModelDetails,
    model_info,
)
from serve.service import MetricsDep, ServiceDep

router = APIRouter()

JSON, TEXT = "application/json", "text/plain"
ERRORS = {status: {"model": ErrorResponse} for status in (400, 413, 415, 422, 503)}


def _content_type(request: Request) -> tuple[str, str | None]:
    """(media type, charset) of the request; 415 when it has none."""
    header = request.headers.get("content-type")
    if not header:
        raise ApiError(415, "unsupported_media_type", f"no Content-Type: send {JSON} or {TEXT}")
    message = email.message.Message()
    message["content-type"] = header
    return message.get_content_type(), message.get_param("charset")


def _is_json(media_type: str) -> bool:
    return media_type == JSON or media_type.endswith("+json")


def _decode(body: bytes, charset: str | None) -> str:
    """The body as text (UTF-8 unless a charset is given; a UTF-8 byte-order mark is dropped)."""
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError as error:
        raise ApiError(415, "unsupported_media_type", f"unknown charset {charset!r}") from error
    try:
        return body.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as error:
        raise ApiError(
            400, "undecodable_body", f"the body is not valid {codec} (byte {error.start}: {error.reason})"
        ) from error


async def _classify_request(request: Request) -> ClassifyRequest:
    """A JSON ClassifyRequest, or a text/plain body taken as its ``text``."""
    media_type, charset = _content_type(request)
    if media_type == TEXT:
        return ClassifyRequest(text=_decode(await request.body(), charset))
    if not _is_json(media_type):
        raise ApiError(415, "unsupported_media_type", f"Content-Type {media_type} is not {JSON} or {TEXT}")
    text = _decode(await request.body(), charset)
    try:
        return ClassifyRequest.model_validate_json(text)
    except ValidationError as error:
        raise validation_error(error) from error


def require_json(request: Request) -> None:
    media_type, _ = _content_type(request)
    if not _is_json(media_type):
        raise ApiError(415, "unsupported_media_type", f"Content-Type {media_type} is not {JSON}")


# /v1/classify parses its own body (JSON or plain text), so its body is described here for the docs.
_CLASSIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            JSON: {"schema": ClassifyRequest.model_json_schema(), "examples": CLASSIFY_EXAMPLES},
            TEXT: {"schema": {"type": "string"}, "example": EXAMPLE_PAGE},
        },
    }
}


@router.post(
    "/v1/classify",
    response_model=ApiClassifyResponse,
    responses=ERRORS,
    openapi_extra=_CLASSIFY_BODY,
    summary="Label every sentence of one page",
)
async def classify(request: Request, service: ServiceDep) -> ApiClassifyResponse:
    """JSON `{"text"}` or `{"sentences"}` (exactly one), or the page as a `text/plain` body.

    `start`/`end` are character offsets into `text` (null for `sentences`).
    """
    payload = await _classify_request(request)
    serving = service.settings.serving
    if payload.text is not None:
        language = payload.language or service.settings.segmentation.default_language
        document = await asyncio.to_thread(document_from_text, "text", payload.text, language, serving)
    else:
        document = document_from_sentences("sentences", payload.sentences, serving)
    predictor, [sentences] = await service.classify([document])
    return ApiClassifyResponse(model=model_info(predictor), request_id=request_id_var.get(), sentences=sentences)


@router.post(
    "/v1/classify/batch",
    response_model=BatchResponse,
    responses=ERRORS,
    dependencies=[Depends(require_json)],
    summary="Label every sentence of several pages",
)
async def classify_batch(
    payload: Annotated[BatchRequest, Body(openapi_examples=BATCH_EXAMPLES)], service: ServiceDep
) -> BatchResponse:
    """Each document is segmented and classified on its own; answers come in the order of `documents`."""
    serving = service.settings.serving
    if len(payload.documents) > serving.max_documents_per_batch:
        raise ApiError(
            413,
            "too_many_documents",
            f"{len(payload.documents)} documents; the limit is {serving.max_documents_per_batch} per request",
        )
    language = payload.language or service.settings.segmentation.default_language
    documents = await asyncio.to_thread(
        lambda: [
            document_from_text(f"documents[{index}] (id {doc.id!r})", doc.text, language, serving)
            for index, doc in enumerate(payload.documents)
        ]
    )
    predictor, results = await service.classify(documents)
    return BatchResponse(
        model=model_info(predictor),
        request_id=request_id_var.get(),
        documents=[
            DocumentResult(id=doc.id, sentences=sentences)
            for doc, sentences in zip(payload.documents, results, strict=True)
        ],
    )


@router.get("/v1/model", response_model=ModelDetails, summary="The model served: labels, thresholds, metrics")
def model(service: ServiceDep) -> ModelDetails:
    slot = service.slot  # one read: a reload may swap the model meanwhile
    predictor = slot.predictor
    metadata = predictor.metadata
    return ModelDetails(
        **model_info(predictor).model_dump(),
        labels=list(LABELS),
        thresholds=metadata.thresholds,
        metrics=slot.model_metrics,
        device=str(predictor.device),
        backend=predictor.backend,
    )


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "Still warming up"}},
    summary="The model is loaded and warmed up",
)
def readyz(service: ServiceDep, response: Response) -> Health:
    if not service.ready:
        response.status_code = 503
        return Health(status="warming up")
    return Health(status="ready")


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(metrics: MetricsDep) -> Response:
    return Response(metrics.render(), media_type=Metrics.content_type)
