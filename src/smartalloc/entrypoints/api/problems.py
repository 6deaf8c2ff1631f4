"""One error format, RFC 9457 problem+json, with the correlation id of the request.

A bad workbook keeps the CLI's detail (file, sheet, row, column, Persian and English); an
unexpected failure says only that it happened and under which correlation id it was logged.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from smartalloc.domain.errors import (
    ConfigurationError,
    ConflictError,
    CounterError,
    DatabaseError,
    HistoryError,
    InputError,
    LimitError,
    NotFoundError,
    PolicyError,
    SmartAllocError,
)
from smartalloc.entrypoints.api.observability import log

MEDIA = "application/problem+json"
CORRELATION = "X-Correlation-ID"


def correlation_id(request: Request) -> str:
    return getattr(request.state, "correlation_id", "") or str(uuid.uuid4())


def problem(request: Request, status: int, title: str, detail: str = "", *,
            type_: str = "about:blank", headers: dict | None = None, **extra) -> JSONResponse:
    cid = correlation_id(request)
    body = {"type": type_, "title": title, "status": status, "detail": detail,
            "instance": f"urn:uuid:{cid}", "correlation_id": cid, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA,
                        headers={CORRELATION: cid, **(headers or {})})


def status_of(error: SmartAllocError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, LimitError):
        return 413
    if isinstance(error, ConflictError):
        return 409
    if isinstance(error, InputError | PolicyError | ConfigurationError):
        return 422
    if isinstance(error, CounterError) or any(p.code == "HISTORY_CONFLICT" for p in error.problems):
        return 409
    if isinstance(error, DatabaseError) or any(p.code == "DATABASE_UNAVAILABLE"
                                               for p in error.problems):
        return 503
    return 409 if isinstance(error, HistoryError) else 400


def problem_items(error: SmartAllocError) -> list[dict]:
    """The problems as the CLI names them; a file is named, never the server's folder."""
    return [{"code": p.code, "message_fa": p.message_fa, "message_en": p.message_en,
             "file": PurePath(p.location.file).name if p.location.file else "",
             "sheet": p.location.sheet, "row": p.location.row, "column": p.location.column}
            for p in error.problems]


def install(app: FastAPI) -> None:
    @app.exception_handler(SmartAllocError)
    async def _smartalloc(request: Request, exc: SmartAllocError) -> JSONResponse:
        first = exc.problems[0]
        return problem(request, status_of(exc), first.message_en, first.message_fa,
                       type_=f"urn:smartalloc:problem:{first.code}", errors=problem_items(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"location": [str(x) for x in e.get("loc", ())], "message_en": e.get("msg", ""),
                   "code": e.get("type", "")} for e in exc.errors()]
        return problem(request, 422, "request validation failed",
                       "درخواست معتبر نیست / the request is not valid", errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return problem(request, exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unknown(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled_error", error_type=type(exc).__name__)
        return problem(request, 500, "internal error",
                       "خطای داخلی؛ شناسه پیگیری را گزارش کنید / internal error; report the "
                       "correlation id")
