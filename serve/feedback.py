"""`POST /v1/feedback`: a user's corrections, stored with what the model said (feedback/ holds the store).

Who may send them: a server bound to loopback (`make serve`) takes them from anyone who can reach it. Bound
to any other address, it needs the token in the variable named by ``feedback.token_env`` as a bearer token,
and answers 404 while none is set; once a token is set it is required on loopback too. Nothing reads the
corrections back over HTTP: `parley feedback export` and `stats` read the database.

A correction is acknowledged (201) only once it is committed; a request is stored whole or not at all.
"""

import asyncio
import logging
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from feedback.store import FeedbackStore, FeedbackStoreError
from feedback.tables import Correction, page_hash, text_hash
from parley.config import Settings
from serve.auth import bearer, check_bearer, is_loopback
from serve.documents import document_from_sentences
from serve.errors import ApiError
from serve.routes import require_json
from serve.schemas import (
    FEEDBACK_EXAMPLES,
    ErrorResponse,
    FeedbackBatch,
    FeedbackBatchCreated,
    FeedbackCreated,
    FeedbackItem,
    FeedbackRequest,
)
from serve.service import Service, ServiceDep

logger = logging.getLogger(__name__)

router = APIRouter(tags=["feedback"])
CLIENT_HEADER = "X-Parley-Client"
_CLIENT = re.compile(r"[\w .@:/+-]{1,200}")


def require_feedback_access(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """The token when one is set; else open on loopback, 404 elsewhere."""
    token: str | None = request.app.state.feedback_token
    settings: Settings = request.app.state.settings
    if token is not None:
        check_bearer(credentials, token)
    elif not is_loopback(settings.serving.host):
        raise ApiError(
            404,
            "feedback_disabled",
            f"feedback is disabled on a server bound to {settings.serving.host}: "
            f"set a token in ${settings.feedback.token_env} to enable it",
        )


@router.post(
    "/v1/feedback",
    status_code=201,
    response_model=FeedbackCreated | FeedbackBatchCreated,
    responses={status: {"model": ErrorResponse} for status in (400, 401, 404, 413, 415, 422, 503)},
    dependencies=[Depends(require_json), Depends(require_feedback_access)],
    summary="Correct the labels of one sentence or several",
)
async def post_feedback(
    payload: Annotated[FeedbackRequest, Body(openapi_examples=FEEDBACK_EXAMPLES)],
    request: Request,
    service: ServiceDep,
) -> FeedbackCreated | FeedbackBatchCreated:
    """One correction (`{"text", "boilerplate", "acts", …}`) or several (`{"items": [...]}`), stored with the
    model's name, version and scores (computed now when not given), the time, the client's name (header
    `X-Parley-Client`) and a hash of the text. The same sentence corrected twice keeps both rows; the latest wins
    on export. Loopback servers take feedback without a token; others need `Authorization: Bearer TOKEN` (the
    token in the variable named by `feedback.token_env`), and answer 404 while none is set."""
    items = payload.items if isinstance(payload, FeedbackBatch) else [payload]
    _check_limits(items, service.settings)
    client = _client_name(request)
    corrections = await _corrections(service, items, client)
    store: FeedbackStore = request.app.state.feedback_store
    try:
        ids = await asyncio.to_thread(store.add, corrections)
    except FeedbackStoreError as error:
        logger.error("feedback not stored: %s", error)
        raise ApiError(
            503, "feedback_unavailable", "the feedback database is unavailable, nothing was stored; try again later"
        ) from error
    request.app.state.metrics.corrections.inc(len(ids))
    return FeedbackBatchCreated(ids=ids) if isinstance(payload, FeedbackBatch) else FeedbackCreated(id=ids[0])


def _check_limits(items: list[FeedbackItem], settings: Settings) -> None:
    limit = settings.feedback.max_items_per_request
    if len(items) > limit:
        raise ApiError(413, "too_many_items", f"{len(items)} corrections; the limit is {limit} per request")
    serving = settings.serving
    for index, item in enumerate(items):
        if len(item.text) > serving.max_chars_per_segment:
            raise ApiError(
                413,
                "text_too_long",
                f"items[{index}].text has {len(item.text)} characters; the limit is {serving.max_chars_per_segment}",
            )
        if item.context and len(item.context) > serving.max_segments_per_document:
            raise ApiError(
                413,
                "too_many_segments",
                f"items[{index}].context has {len(item.context)} segments; "
                f"the limit is {serving.max_segments_per_document}",
            )


def _client_name(request: Request) -> str | None:
    client = request.headers.get(CLIENT_HEADER)
    if client is not None and not _CLIENT.fullmatch(client):
        raise ApiError(400, "invalid_client", f"{CLIENT_HEADER} is 1 to 200 letters, digits, spaces or . @ : / + - _")
    return client


async def _corrections(service: Service, items: list[FeedbackItem], client: str | None) -> list[Correction]:
    """The rows to store; the served model scores the pages of the items that came without scores."""
    served = service.predictor.metadata  # the model of items that give scores but do not name their model
    scorer, answers = served, {}
    pages = list({tuple(item.context or [item.text]) for item in items if item.scores is None})
    if pages:
        name = "the page of a correction"
        documents = [document_from_sentences(name, list(page), service.settings.serving) for page in pages]
        predictor, results = await service.classify(documents)
        scorer, answers = predictor.metadata, dict(zip(pages, results, strict=True))
    now = datetime.now(UTC)
    default_language = service.settings.segmentation.default_language
    rows = []
    for item in items:
        if item.scores is not None:
            scores = item.scores
            model_name, model_version = (
                (item.model.name, item.model.version) if item.model else (served.name, served.version)
            )
        else:
            page = item.context or [item.text]
            scores = answers[tuple(page)][page.index(item.text)].scores
            model_name, model_version = scorer.name, scorer.version
        rows.append(
            Correction(
                created_at=now,
                text=item.text,
                text_hash=text_hash(item.text),
                context=item.context,
                page_hash=page_hash(item.context) if item.context else None,
                language=item.language or default_language,
                boilerplate=item.boilerplate,
                acts=item.acts,
                scores=scores,
                model_name=model_name,
                model_version=model_version,
                client=client,
                request_id=item.request_id,
            )
        )
    return rows
