"""Spans of a run, a transaction and a relay batch (issue N, part 2), on the OpenTelemetry
*API* alone.

The API is a no-op until a process installs an SDK provider (``entrypoints.telemetry``, only
when an OTLP endpoint is set), so the use cases and adapters open spans unconditionally and an
installation without a collector pays a few hundred nanoseconds per span. Spans are opened by
hand at the few places that matter (a run's stages, the run's transaction, a relay batch, a
request, a job) rather than by the contrib auto-instrumentation, which would trace every
SQLAlchemy statement of a 100k run's bulk inserts and know nothing of stages.

Span names and attributes carry counts, stage names, run and job ids — never a national id,
a name or a phone (a span leaves the agency for whatever collector is configured).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from opentelemetry import context, trace
from opentelemetry.trace import Span, Status, StatusCode

from smartalloc.service_layer.progress import RunProgress

tracer = trace.get_tracer("smartalloc")
CORRELATION_ID = "correlation_id"   # on every span (``entrypoints.telemetry``); logs carry it too


def span(name: str, **attributes: str | int | float | bool) -> AbstractContextManager[Span]:
    """A span, current while the block runs; an exception ends it with an error status."""
    return tracer.start_as_current_span(name, attributes=attributes)


def batch_span(started_ns: int, destination: str,
               messages: int) -> AbstractContextManager[Span]:
    """A relay batch's span from ``started_ns`` (before its connect and claim), current while
    the block runs — none (a non-recording span) for an empty poll."""
    if not messages:
        return nullcontext(trace.INVALID_SPAN)
    return tracer.start_as_current_span("relay.batch", start_time=started_ns, attributes={
        "messaging.system": "rabbitmq", "messaging.destination.name": destination,
        "messaging.batch.message_count": messages})


def add_trace_ids(_logger: object, _method: str, event: dict) -> dict:
    """structlog processor: a line logged inside a span names its trace and span, so a log
    line leads to its trace and a trace's lines are found by ``trace_id``."""
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event.setdefault("trace_id", format(ctx.trace_id, "032x"))
        event.setdefault("span_id", format(ctx.span_id, "016x"))
    return event


class OpenSpan:
    """A span made current by one call and ended by another: for a unit of work's
    ``__enter__``/``__exit__`` and the stages' hook, where no ``with`` block fits."""

    def __init__(self, name: str, **attributes: str | int | float | bool):
        self.span = tracer.start_span(name, attributes=attributes)
        self._token = context.attach(trace.set_span_in_context(self.span))

    def end(self, error: BaseException | None = None) -> None:
        context.detach(self._token)
        if error is not None:
            self.span.record_exception(error)
            self.span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        self.span.end()


class StageSpans:
    """A run's progress reports, each stage also a span (``run.read``, ``run.matrix``, …).

    The run already reports every stage change at a safe point (``RunProgress``), so the spans
    hang off that one hook instead of re-nesting the pipeline: a stage's span starts when the
    stage is reported, is current (a transaction opened in it is its child) and ends at the next
    stage, at ``done`` or when the run leaves. Sub-steps (``step``) become events of the stage's
    span — instants with counts, not intervals (the history and the files awaited inside the
    transaction are spans of their own: ``run_allocation``)."""

    def __init__(self, progress: RunProgress):
        self.progress = progress
        self._open: OpenSpan | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        self._end()
        if stage != "done":
            self._open = OpenSpan(f"run.{stage}", stage=stage)
        self.progress(stage, fraction)

    def detail(self, detail: dict) -> None:
        if self._open is not None:
            self._open.span.add_event(str(detail.get("step", "step")),
                                      {k: v for k, v in detail.items() if k != "step"})
        self.progress.detail(detail)

    def _end(self, error: BaseException | None = None) -> None:
        if self._open is not None:
            self._open.end(error)
            self._open = None

    def __enter__(self) -> StageSpans:
        return self

    def __exit__(self, _type: object, error: BaseException | None, _tb: object) -> None:
        self._end(error)


def describe_run(current: Span, run_id: str, counts: dict[str, int], qa_status: str) -> None:
    """What a finished run's span says: its id, its counts, its QA status."""
    current.set_attribute("run_id", run_id)
    current.set_attribute("qa_status", qa_status)
    for key, value in counts.items():
        if isinstance(value, int):
            current.set_attribute(f"count.{key}", value)
