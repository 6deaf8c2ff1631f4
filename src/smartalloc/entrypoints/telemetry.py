"""Traces at the edges of the system (issue N, part 2): the SDK switched on when an OTLP
endpoint is set, the request's span, and a trace handed from a request to the job it queued.

Off by default: with no ``otlp_endpoint`` nothing is installed, the OpenTelemetry API stays a
no-op and the SDK is not even imported. ``configure`` is called once per process by each entry
point (the API, a job process, a worker, the relay, ``smartalloc run``); the first provider
installed wins, so a test that installs an in-memory one (``install``) keeps it.

A job runs in another process (and with PostgreSQL on another machine), so its trace context
travels as a *carrier* — the W3C ``traceparent`` plus the request's correlation id — in the
queue's message: the job's spans join the request that queued it, and its log lines carry the
request's correlation id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from smartalloc.bootstrap import configured
from smartalloc.service_layer.tracing import CORRELATION_ID, span, tracer

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

ENDPOINT_ENV, SERVICE_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME"  # as in OPTIONS
_installed: list[TracerProvider] = []
# FastAPI's own telemetry (on by default since 0.16x) puts the raw path and query — a national
# id in /ui/students/<id> — on its spans and may install exporters of its own from the
# environment: off, the request span is ours (``server_span``).
FASTAPI_NATIVE_OFF = {"tracing": False, "metrics": False, "logs": False,
                      "operation_spans": False, "auto_configure": False}   # the SDK provider this process installed, if any


def configure(endpoint: str, service_name: str = "smartalloc",
              role: str = "") -> TracerProvider | None:
    """Export this process's spans to the OTLP/HTTP collector at ``endpoint`` (its base URL,
    e.g. ``http://collector:4318``; ``/v1/traces`` is added as the standard says); empty:
    tracing stays off and None is returned. ``role`` names the process (api, job, worker,
    relay, cli) in the spans' resource."""
    if _installed:
        return _installed[0]
    if not endpoint:
        return None
    from smartalloc.entrypoints.telemetry_sdk import otlp_provider

    return install(otlp_provider(endpoint, service_name, role))


def configure_from_settings(role: str) -> TracerProvider | None:
    """``configure`` from the settings ``otlp_endpoint`` and ``otel_service_name`` (their
    variables, else ``smartalloc.toml``), for the processes without the service's
    ``Settings``: the relay and ``smartalloc run`` (which should not import the web stack)."""
    endpoint = configured(ENDPOINT_ENV, "otlp_endpoint") or ""
    return configure(endpoint, configured(SERVICE_ENV, "otel_service_name") or "smartalloc",
                     role)


def install(provider: TracerProvider) -> TracerProvider:
    """Make ``provider`` this process's (once: OpenTelemetry's global cannot be replaced)."""
    if not _installed:
        trace.set_tracer_provider(provider)
        _installed.append(provider)
    return _installed[0]


def flush(timeout_ms: int = 2000) -> None:
    """Export what is buffered now: a job process ends by ``os._exit`` (no exit handlers),
    and waits at most ``timeout_ms`` for a collector that does not answer."""
    if _installed:
        _installed[0].force_flush(timeout_ms)


def carrier() -> dict[str, str]:
    """The current trace context and correlation id, JSON-safe, for a job to join (empty
    when there is neither)."""
    import structlog  # ~0.1 s: the service has it loaded, `smartalloc run` never needs it

    found: dict[str, str] = {}
    propagate.inject(found)
    cid = structlog.contextvars.get_contextvars().get(CORRELATION_ID)
    if cid:
        found[CORRELATION_ID] = str(cid)
    return found


@contextmanager
def joined(found: Mapping[str, str] | None, name: str,
           **attributes: str | int | float | bool) -> Iterator[Span]:
    """A span ``name`` continuing the trace of ``found`` (a ``carrier``), with the carrier's
    correlation id bound for the block's log lines and spans."""
    import structlog

    found = dict(found or {})
    cid = found.get(CORRELATION_ID)
    with structlog.contextvars.bound_contextvars(**({CORRELATION_ID: cid} if cid else {})):
        token = context.attach(propagate.extract(found))
        try:
            with span(name, **attributes) as current:
                yield current
        finally:
            context.detach(token)


def server_span(method: str, headers: Mapping[str, str]):
    """A request's span, continuing a caller's ``traceparent``; named by ``name_request``
    once the route is known."""
    return tracer.start_as_current_span(method, context=propagate.extract(headers),
                                        kind=SpanKind.SERVER,
                                        attributes={"http.request.method": method})


def name_request(current: Span, method: str, route: str | None, status: int) -> None:
    """Name the request's span by its route *template* (``/ui/students/{national_id}``):
    the raw path may hold a national id, the template never does."""
    if route:
        current.update_name(f"{method} {route}")
        current.set_attribute("http.route", route)
    current.set_attribute("http.response.status_code", status)
    if status >= 500:
        current.set_status(Status(StatusCode.ERROR))
