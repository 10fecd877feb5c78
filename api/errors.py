"""One error shape for every failure: ``{"detail": ..., "errors": [{"field", "message"}]}``.

Each ``SchedulerError`` class maps to one status code here; routes do not catch. Request
validation (pydantic) becomes a 422 whose errors name the field as a dotted path without
the ``body``/``query``/``path`` prefix; anything unexpected is logged and answered with the
same shape, never a traceback.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException

from scheduler.db.engine import SchemaOutOfDate
from scheduler.errors import (
    Conflict,
    InvalidRequest,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    SchedulerError,
    TooManyAttempts,
    TravelServiceUnavailable,
    Unavailable,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[SchedulerError], int], ...] = (
    (NotAuthenticated, 401),
    (NotPermitted, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidRequest, 422),
    (TooManyAttempts, 429),
    (SchemaOutOfDate, 503),
    (TravelServiceUnavailable, 503),
    (Unavailable, 503),
)
_REQUEST_PARTS = {"body", "query", "path", "header", "cookie"}
_UNREADABLE_JSON: dict[type[BaseException], str] = {
    RecursionError: "the JSON body is nested too deeply to read",
    UnicodeDecodeError: "the JSON body is not UTF-8 text",
}


class HTTPFault(HTTPException):
    """An ``HTTPException`` raised below the routes (in a middleware's ``receive``, say) that
    names its faults as ``(field, message)`` pairs, as the error shape does."""

    def __init__(self, status: int, detail: str, errors: Sequence[tuple[str, str]]) -> None:
        super().__init__(status, detail)
        self.errors = list(errors)


def error_response(
    status: int,
    detail: str,
    errors: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    content = {"detail": detail, "errors": [{"field": f, "message": m} for f, m in errors]}
    return JSONResponse(content, status_code=status, headers=dict(headers or {}))


def field_path(location: Sequence[Any]) -> str:
    """``("body", "visits", 3, "windows")`` → ``visits[3].windows``."""
    parts = list(location)
    if parts and parts[0] in _REQUEST_PARTS:
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _scheduler_error(_request: Request, error: Exception) -> JSONResponse:
    status = next(code for kind, code in STATUS_BY_ERROR if isinstance(error, kind))
    if isinstance(error, InvalidRequest):
        return error_response(status, error.detail, ((e.field, e.message) for e in error.errors))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, TooManyAttempts | Unavailable):
        headers = {"Retry-After": str(error.retry_after_s)}
    return error_response(status, str(error), headers=headers)


def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    faults = [(field_path(e["loc"]), str(e["msg"])) for e in error.errors()]
    return error_response(422, "invalid request", faults)


def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    # FastAPI answers 400 for a JSON body that json.loads refuses other than with a
    # JSONDecodeError (its 422): too deep for the parser's recursion, or bytes that are
    # not UTF-8. Both are bad JSON, so they get bad JSON's status.
    cause = error.__cause__
    unreadable = None if cause is None else _UNREADABLE_JSON.get(type(cause))
    if error.status_code == 400 and unreadable is not None:
        return error_response(422, "invalid request", [("", unreadable)])
    faults = error.errors if isinstance(error, HTTPFault) else ()
    return error_response(error.status_code, str(error.detail), faults, headers=error.headers)


def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, error)
    return error_response(503, "the database is unavailable; try again shortly")


def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    for kind, _status in STATUS_BY_ERROR:
        app.add_exception_handler(kind, _scheduler_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    # Lost connections, a full pool, a server refusing clients: not the request's fault.
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(SQLAlchemyTimeout, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected_error)
