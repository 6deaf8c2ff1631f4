"""A page middleware run only where it has work (issue L).

The pages' two middlewares (``ui_problems``: error pages; ``renew_cookie``: the session
cookie) are Starlette function middlewares, which cost every request they see a task group
and a pair of memory streams. Neither has anything to do on the API — it answers in JSON and
never reads the session cookie — so the API's requests (a live intake entry among them) go
straight past them.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.middleware.base import BaseHTTPMiddleware, DispatchFunction
from starlette.types import ASGIApp, Receive, Scope, Send


class PathScoped:
    def __init__(self, app: ASGIApp, dispatch: DispatchFunction,
                 applies: Callable[[str], bool]):
        self.app, self.applies = app, applies
        self.wrapped = BaseHTTPMiddleware(app, dispatch=dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.applies(scope["path"]):
            await self.wrapped(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def not_api(path: str) -> bool:
    return not path.startswith("/api/")
