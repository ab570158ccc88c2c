"""What wraps every request: its id, its log line, its metrics, the last-resort 500, and the body-size limit."""

import logging
import re
import time
import uuid

from fastapi import FastAPI, Request, Response
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serve.errors import error_response
from serve.logs import log_error, request_id_var

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is kept only if it is short and plain, so that it cannot forge log lines.
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def install_request_middleware(app: FastAPI, max_body_bytes: int) -> None:
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)  # added first: runs inside `observe`

    @app.middleware("http")
    async def observe(request: Request, call_next) -> Response:
        client_id = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = client_id if _CLIENT_REQUEST_ID.fullmatch(client_id) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception as error:
            log_error(logger, "unhandled error on %s %s", request.method, request.url.path, error=error)
            response = error_response(request, 500, "internal_error", "internal error; the server log has details")
        elapsed = time.perf_counter() - started
        # Label by route template, not raw path, so that unknown paths cannot explode the label set.
        route = request.scope.get("route")
        endpoint = getattr(route, "path", "unmatched")
        metrics = request.app.state.metrics
        metrics.requests.labels(endpoint, str(response.status_code)).inc()
        metrics.latency.labels(endpoint).observe(elapsed)
        logger.info("%s %s %d %.1f ms", request.method, endpoint, response.status_code, elapsed * 1000)
        request_id_var.reset(token)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes} bytes")


class BodySizeLimit:
    """A 413 for bodies over ``max_bytes``, declared or streamed.

    It is raised where the body is read, so that the JSON error handlers answer
    it (Starlette's own limit answers in plain text). The body is never read
    past the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)
