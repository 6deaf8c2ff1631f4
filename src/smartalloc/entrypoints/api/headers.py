"""Browser security headers on every response (ASVS V14.4), and no caching of personal data.

* ``Content-Security-Policy``: only this origin's scripts, styles, fonts and fetches; no
  inline script or style (the pages have none: bar widths are data attributes ``app.js``
  applies), no plugins, no ``<base>``, forms post only here, and no framing.
* ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``; ``nosniff`` so a served
  file is never run as another type; ``Referrer-Policy: no-referrer`` so a page's address (a
  national id in /ui/students/<id>) never leaves in a Referer.
* ``Cache-Control: no-store`` on every dynamic answer — pages, API bodies, downloads and
  problems all may carry personal data — but not on /static (CSS, JS, the font: no data,
  cached by browsers with their ETag).

The interactive API docs (Swagger UI) load their script and style from a public CDN, so they
are off unless ``Settings.api_docs`` (``SMARTALLOC_API_DOCS=1``) is set; then /docs alone gets
a policy that admits that CDN. ``/openapi.json`` stays served.

A pure ASGI middleware, installed outermost (``entrypoints.service``) so the web UI's error
pages get the headers too; Starlette's 500 answer bypasses every middleware, so its handler
is wrapped as well.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (f"default-src 'self'; script-src 'self' 'unsafe-inline' {CDN}; "
            f"style-src 'self' 'unsafe-inline' {CDN}; img-src 'self' data: "
            "https://fastapi.tiangolo.com; font-src 'self' https://fonts.gstatic.com; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
COMMON = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
          "Referrer-Policy": "no-referrer"}


def secure(headers: MutableHeaders, path: str) -> None:
    headers["Content-Security-Policy"] = DOCS_CSP if path in DOCS_PATHS else CSP
    for name, value in COMMON.items():
        headers[name] = value
    if not path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                secure(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, with_headers)


def docs_urls(enabled: bool) -> dict[str, str | None]:
    """FastAPI's docs arguments: the pages only when enabled; the schema always."""
    return {"docs_url": "/docs" if enabled else None, "redoc_url": "/redoc" if enabled else None,
            "swagger_ui_oauth2_redirect_url": "/docs/oauth2-redirect" if enabled else None}


def install(app: FastAPI) -> None:
    """Last, so outermost of the app's middleware."""
    app.add_middleware(SecurityHeaders)
    crashed = app.exception_handlers.get(Exception)
    if crashed is None:
        return

    async def secured(request: Request, exc: Exception):
        response = await crashed(request, exc)
        secure(response.headers, request.url.path)
        return response

    app.exception_handlers[Exception] = secured
