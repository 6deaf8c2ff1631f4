"""The request body is bounded before anything parses it (ASVS V13: a request is refused
before its body costs memory, disk or CPU).

A multipart body used to be parsed — and spooled to the temp folder — before authentication
and before the 20 MB check of the upload handler, so an anonymous 500 MB POST grew /tmp by
500 MB. ``BodyLimit`` is a pure ASGI middleware (a ``BaseHTTPMiddleware`` would hide the
receive channel it must watch): a declared ``Content-Length`` over the route's limit is
answered 413 without reading a byte; a body without one (chunked) is counted as the app pulls
it and stopped at the limit, so no parser ever holds more than the limit.

The limits, decided per route:

* an upload route (``app.state.upload_routes``: path → how many files one request carries)
  may carry that many reports of ``Settings.max_upload_bytes`` each, plus ``FRAMING`` for the
  multipart boundaries, part headers and the small text fields beside the files (the upload
  handler still checks each file against ``max_upload_bytes`` exactly);
* every other request — JSON bodies, the sign-in and other forms — ``DEFAULT_LIMIT`` (1 MB):
  the largest of them, a run's per-mentor overrides or the governance form, is a few tens of
  kilobytes.

The limit is read per request from ``app.state`` so settings changed at run time apply.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartalloc.entrypoints.api import problems
from smartalloc.entrypoints.api.problems import problem_items
from smartalloc.service_layer import uploads

MB = 1024 * 1024
DEFAULT_LIMIT = 1 * MB
FRAMING = 64 * 1024
#: The API's own upload routes; the web UI adds its run form (``web.install``).
API_UPLOAD_ROUTES = {"/api/v1/students/import": 1, "/api/v1/mentors/import": 1}


class BodyTooLarge(HTTPException):
    """Raised into the app from ``receive`` when a streamed body passes the limit; the app's
    exception handling turns it into the 413 problem (and a UI page into its error page)."""

    def __init__(self, limit: int):
        super().__init__(413, "request body too large")
        self.limit = limit


def limit_for(scope: Scope) -> int:
    app = scope.get("app")
    state = getattr(app, "state", None)
    files = getattr(state, "upload_routes", {}).get(scope.get("path", ""))
    settings = getattr(state, "settings", None)
    if files and settings is not None:
        return files * settings.max_upload_bytes + FRAMING
    return DEFAULT_LIMIT


def too_large(request: Request, limit: int, size: int | None = None):
    """The 413 problem, in Persian and English; it names the limit, never the content. On a
    one-file upload route it is the upload handler's own refusal: the per-file limit, the
    declared size and what to do."""
    state = getattr(request.app, "state", None) if "app" in request.scope else None
    files = getattr(state, "upload_routes", {}).get(request.url.path)
    settings = getattr(state, "settings", None)
    if files == 1 and settings is not None:
        error = uploads.too_large("", size, settings.max_upload_bytes, code="BODY_TOO_LARGE")
        first = error.problems[0]
        return problems.problem(request, 413, first.message_en, first.message_fa,
                                errors=problem_items(error))
    return problems.problem(
        request, 413, "request body too large",
        f"حجم درخواست از {limit} بایت بیشتر است / the request body exceeds {limit} bytes",
        errors=[{"code": "BODY_TOO_LARGE",
                 "message_fa": f"حجم درخواست از حد مجاز ({limit} بایت) بیشتر است",
                 "message_en": f"the request body exceeds the limit of {limit} bytes"}])


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """Pure ASGI: refuse an over-long declared body, count and stop a streamed one."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await too_large(Request(scope), limit, declared)(scope, receive, send)
            return
        received, started = 0, False

        async def counted() -> Message:
            nonlocal received
            if received > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # Normally the app's handler answered already; this covers a body read where no
            # handler is installed. After a response started, nothing more can be said.
            if started:
                raise
            await too_large(Request(scope), limit)(scope, receive, send)


def install(app) -> None:
    """The middleware and the handler for a limit passed mid-stream. Installed before the
    correlation middleware, so the 413 carries the request's correlation id and is logged."""
    app.state.upload_routes = dict(API_UPLOAD_ROUTES)
    app.add_middleware(BodyLimit)

    async def _too_large(request: Request, exc: BodyTooLarge):
        return too_large(request, exc.limit)

    app.add_exception_handler(BodyTooLarge, _too_large)
