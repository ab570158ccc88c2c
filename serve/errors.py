"""Every error answer is JSON ``{"error": {"code", "message"}, "request_id"}``.

Bad input gets a 4xx with a stable ``code``; FastAPI's own errors (validation,
404, 405, the body-size limit) are reshaped to match. Only a bug answers 500
(see ``serve.middleware``).
"""

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from serve.logs import request_id_var
from serve.schemas import ErrorDetail, ErrorResponse

logger = logging.getLogger(__name__)

# Codes for the HTTP errors that Starlette and FastAPI raise themselves.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
_MAX_LISTED_PROBLEMS = 5


class ApiError(Exception):
    """An error answer: HTTP status, stable code, human message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(request: Request, status: int, code: str, message: str) -> JSONResponse:
    """The error answer, counted in the app's metrics by code."""
    request.app.state.metrics.errors.labels(code).inc()
    body = ErrorResponse(error=ErrorDetail(code=code, message=message), request_id=request_id_var.get())
    return JSONResponse(body.model_dump(), status_code=status)


def describe_validation(errors: list) -> str:
    """'documents.0.text: Input should be a valid string; …' (never the input itself)."""
    problems = []
    for error in errors[:_MAX_LISTED_PROBLEMS]:
        location = ".".join(str(part) for part in error["loc"] if part != "body")
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{location}: {message}" if location else message)
    if len(errors) > _MAX_LISTED_PROBLEMS:
        problems.append(f"and {len(errors) - _MAX_LISTED_PROBLEMS} more")
    return "; ".join(problems)


def validation_error(error: ValidationError | RequestValidationError) -> ApiError:
    """400 for a body that is not JSON at all, 422 for JSON of the wrong shape."""
    errors = error.errors()
    if any(problem["type"] == "json_invalid" for problem in errors):
        return ApiError(400, "invalid_json", "the body is not valid JSON")
    return ApiError(422, "invalid_request", describe_validation(errors))


async def _api_error(request: Request, error: ApiError) -> JSONResponse:
    response = error_response(request, error.status, error.code, error.message)
    if error.headers:
        response.headers.update(error.headers)
    return response


async def _request_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    return await _api_error(request, validation_error(error))


async def _http_exception(request: Request, error: HTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(error.status_code, HTTPStatus(error.status_code).phrase.lower().replace(" ", "_"))
    message = str(error.detail)
    if isinstance(error.__cause__, UnicodeDecodeError):  # FastAPI's "error parsing the body" of a JSON body
        code, message = "undecodable_body", f"the body is not valid UTF-8 ({error.__cause__.reason})"
    response = error_response(request, error.status_code, code, message)
    if error.headers:
        response.headers.update(error.headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(HTTPException, _http_exception)
