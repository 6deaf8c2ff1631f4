"""One in-memory span exporter for the whole test process: OpenTelemetry's global provider
can be set once per process, so every tracing test shares this provider (built like the
service's: ``telemetry_sdk.provider``, which stamps correlation ids) and clears the exporter."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from smartalloc.entrypoints import telemetry
from smartalloc.entrypoints.telemetry_sdk import provider

EXPORTER = InMemorySpanExporter()
_PROVIDER = provider(SimpleSpanProcessor(EXPORTER), role="test")


def recorded() -> InMemorySpanExporter:
    """The exporter, emptied, with this process's provider installed (once)."""
    assert telemetry.install(_PROVIDER) is _PROVIDER, "another provider was installed first"
    EXPORTER.clear()
    return EXPORTER


def named(spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def one(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    found = named(spans, name)
    assert len(found) == 1, (name, [s.name for s in spans])
    return found[0]


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None
