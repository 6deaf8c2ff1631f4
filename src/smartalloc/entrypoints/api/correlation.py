"""Every request's correlation id, span, duration metric and log line (issues C and N).

A pure ASGI middleware, not ``@app.middleware("http")``: Starlette runs such a function
through a task group and a pair of memory streams per request, a cost every request paid
(most visibly a live intake entry, whose whole answer takes a few milliseconds of CPU).
The id is echoed (or minted), put on the request's state for the problem answers, bound to
the log context, and set on the response's headers; the request is timed, traced and logged
by its route *template* — a path may hold a national id, the template never does.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartalloc.entrypoints import telemetry
from smartalloc.entrypoints.api import observability as obs
from smartalloc.entrypoints.api import problems

Limiter = Callable[[Request], Awaitable[Response | None]]


class Correlation:
    def __init__(self, app: ASGIApp, limited: Limiter, quiet: tuple[str, ...]):
        """``limited``: the rate limiter's answer (429/503) or None; ``quiet``: routes not
        logged line by line (probes, metrics)."""
        self.app, self.limited, self.quiet = app, limited, quiet

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        cid = request.headers.get(problems.CORRELATION, "")[:100] or str(uuid.uuid4())
        request.state.correlation_id = cid
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=cid)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[problems.CORRELATION] = cid
            await send(message)

        with telemetry.server_span(request.method, request.headers) as span:
            await (await self.limited(request) or self.app)(scope, receive, send_with_id)
            route = getattr(scope.get("route"), "path", None)
            telemetry.name_request(span, request.method, route, status)
            route = route or "unmatched"
            elapsed = time.perf_counter() - started
            obs.HTTP_DURATION.labels(request.method, route, str(status)).observe(elapsed)
            if route not in self.quiet:   # the line carries the request's trace_id
                obs.log.info("request", method=request.method, route=route, status=status,
                             ms=round(elapsed * 1000, 1),
                             user=getattr(request.state, "user", None))
