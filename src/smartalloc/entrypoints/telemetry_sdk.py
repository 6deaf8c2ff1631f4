"""The OpenTelemetry SDK's set-up, imported only when traces are switched on (the SDK and the
exporter cost ~0.3 s of start-up a command without traces should not pay).

Every span carries ``correlation_id``: the one the process's log lines carry (structlog's
context: a request's, or the request's that queued a job), else its parent's, else — in a
process no request started (the relay, ``smartalloc run``) — its trace id, which those
processes' log lines carry as ``trace_id``.
"""

from __future__ import annotations

import structlog
from opentelemetry import context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from smartalloc.service_layer.tracing import CORRELATION_ID


class CorrelationIds(SpanProcessor):
    """Stamps ``correlation_id`` on each span as it starts."""

    def on_start(self, span: Span, parent_context: context.Context | None = None) -> None:
        cid = structlog.contextvars.get_contextvars().get(CORRELATION_ID)
        if not cid:
            parent = trace.get_current_span(parent_context)
            cid = (getattr(parent, "attributes", None) or {}).get(CORRELATION_ID)
        span.set_attribute(CORRELATION_ID, str(cid or format(span.context.trace_id, "032x")))


def provider(*processors: SpanProcessor, service_name: str = "smartalloc",
             role: str = "") -> TracerProvider:
    """A provider stamping correlation ids, then handing spans to ``processors``."""
    attributes = {"service.name": service_name}
    if role:
        attributes["smartalloc.process"] = role
    built = TracerProvider(resource=Resource.create(attributes))
    built.add_span_processor(CorrelationIds())
    for processor in processors:
        built.add_span_processor(processor)
    return built


def traces_url(endpoint: str) -> str:
    """The collector's traces URL from its base (``OTEL_EXPORTER_OTLP_ENDPOINT``'s rule)."""
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else f"{base}/v1/traces"


def otlp_provider(endpoint: str, service_name: str, role: str) -> TracerProvider:
    """Spans batched (a background thread, never on the request's or the run's path) to the
    OTLP/HTTP collector; headers, timeout and compression come from the standard
    ``OTEL_EXPORTER_OTLP_*`` variables, which the exporter reads itself."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exporter = OTLPSpanExporter(endpoint=traces_url(endpoint))
    return provider(BatchSpanProcessor(exporter), service_name=service_name, role=role)
