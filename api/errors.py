"""The one place where errors become HTTP responses.

Every error leaves the API as JSON `{"error": code, "message": text, "detail": any}` with the
status below; a client never sees a stack trace.

API:
- `ApiError(status, code, message, detail=None, headers=None)`: raise it from a route for an
  HTTP-level refusal that is not a domain error (401, 403, 406, 413, 415, ...).
- `DOMAIN_ERRORS`: graph_builder.errors class -> (status, code); the most specific class wins.
- `error_response(status, code, message, detail=None, headers=None) -> JSONResponse`.
- `ErrorBody`: the pydantic model of the body, for OpenAPI `responses=`.
- `error_responses(*statuses)`: an OpenAPI `responses=` mapping documenting those statuses.
- `install(app)`: registers the handlers on a FastAPI app.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph_builder.errors import (
    AtmpKgError,
    EndpointUnavailable,
    InputError,
    NotFound,
    ParameterError,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
    ValidationFailed,
)

log = logging.getLogger("atmp_kg.api")

# Checked in order: subclasses before their bases.
DOMAIN_ERRORS: tuple[tuple[type[AtmpKgError], int, str], ...] = (
    (QuerySyntaxError, 400, "bad_query"),
    (ParameterError, 400, "bad_parameter"),
    (InputError, 400, "bad_input"),
    (QueryRefused, 400, "query_refused"),
    (NotFound, 404, "not_found"),
    (ValidationFailed, 422, "validation_failed"),
    (QueryTimeout, 504, "query_timeout"),
    (EndpointUnavailable, 503, "endpoint_unavailable"),
    (StoreError, 500, "store_error"),
    (AtmpKgError, 500, "internal_error"),
)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "content_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}


class ErrorBody(BaseModel):
    error: str
    message: str
    detail: Any = None


class ApiError(StarletteHTTPException):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers)
        self.code = code
        self.message = message
        self.extra = detail


def error_response(
    status: int,
    code: str,
    message: str,
    detail: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=code, message=message, detail=jsonable_encoder(detail))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {"model": ErrorBody, "description": _HTTP_CODES.get(s, "error").replace("_", " ")}
        for s in statuses
    }


def status_of(exc: AtmpKgError) -> tuple[int, str]:
    for cls, status, code in DOMAIN_ERRORS:
        if isinstance(exc, cls):
            return status, code
    return 500, "internal_error"  # pragma: no cover - AtmpKgError is in the table


def _domain_detail(exc: AtmpKgError) -> dict[str, Any] | None:
    if isinstance(exc, InputError):
        return {
            "source_id": exc.source_id,
            "file": exc.file,
            "record": exc.record,
            "field": exc.field,
        }
    if isinstance(exc, ValidationFailed) and exc.report:
        return {"report": exc.report}
    return None


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AtmpKgError)
    status, code = status_of(exc)
    if status >= 500:
        # Server-side faults may carry paths of the server; the client gets the category only.
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
        message = {
            503: "the SPARQL endpoint behind this service is unavailable",
        }.get(status, "the store failed to answer; the error has been logged")
        if isinstance(exc, QueryTimeout):
            message = str(exc)
        return error_response(status, code, message)
    return error_response(status, code, str(exc), _domain_detail(exc))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, exc.message, exc.extra, exc.headers)
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    return error_response(exc.status_code, code, str(exc.detail), None, exc.headers)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
        for e in exc.errors()
    ]
    return error_response(422, "bad_parameter", "invalid request parameters", errors)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s: unexpected error", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "unexpected server error; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(AtmpKgError, _on_domain_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
