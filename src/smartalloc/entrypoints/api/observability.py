"""Metrics (one process-wide registry: prometheus-client refuses duplicates) and structlog
JSON logs. Log lines carry the correlation id and never a raw national id: ``hash_id``."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Sequence

import structlog
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import Engine, event

from smartalloc.domain.decision import FailureClass
from smartalloc.domain.qa import QaStatus
from smartalloc.domain.summary import ALLOCATED_EARLIER
from smartalloc.service_layer.tracing import add_trace_ids

ALLOCATION_DURATION = Histogram("allocation_duration_seconds", "Duration of allocation jobs",
                                buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600))
ALLOCATION_SUCCESS = Counter("allocation_success_total", "Allocation jobs that succeeded")
ALLOCATION_FAILED = Counter("allocation_failed_total", "Allocation jobs that failed", ["reason"])
CAPACITY_UTILIZATION = Gauge("mentor_capacity_utilization",
                             "Allocated seats over total mentor capacity after the last run")
DB_QUERY_DURATION = Histogram("db_query_duration_seconds", "Database statement duration",
                              ["operation"],
                              buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30))
HTTP_DURATION = Histogram("http_request_duration_seconds", "HTTP request duration",
                          ["method", "route", "status"])

# What a finished run decided, for the dashboards and alerts (ops/): recorded by the process
# that settles the job, from the run's result, since the job's own process dies with its
# registry. Every label has a closed set of values (below); no student and no mentor is ever
# a label (a mentor label would add series with every new mentor and name a person).
OUTCOMES = ("allocated", ALLOCATED_EARLIER, *(str(c) for c in FailureClass))
STAGES = ("read", "matrix", "allocate", "reports", "write", "publish")
OCCUPANCY_BANDS = ("under_90", "90_to_99", "full", "over")
ALLOCATION_STUDENTS = Counter("allocation_students_total",
                              "Students of finished allocation runs, by outcome (allocated, "
                              "allocated_earlier or the failure class)", ["outcome"])
ALLOCATION_QA = Counter("allocation_qa_total", "Finished allocation runs by QA status",
                        ["status"])
ALLOCATION_WARNINGS = Counter("allocation_warnings_total",
                              "Warnings of finished allocation runs (year, centres, counters, "
                              "recovery)")
ALLOCATION_STAGE_DURATION = Histogram(
    "allocation_stage_duration_seconds", "Duration of each stage of an allocation run",
    ["stage"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300))
MENTOR_OCCUPANCY = Histogram(
    "mentor_occupancy_ratio", "Each pool mentor's share of capacity used after a run "
    "(one observation per mentor per run)", buckets=(0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.5, 2.0))
MENTORS_BY_OCCUPANCY = Gauge("mentors_by_occupancy",
                             "Pool mentors of the last run by their share of capacity used "
                             "after it: under_90, 90_to_99, full (100%), over (above 100%)",
                             ["band"])


def occupancy_band(ratio: float) -> str:
    if ratio > 1.0:
        return "over"
    if ratio == 1.0:
        return "full"
    return "90_to_99" if ratio >= 0.9 else "under_90"


def observe_run(result: dict, occupancy: Sequence[float]) -> None:
    """Record a succeeded allocation job's result (``job_process.run_result``) and its mentors'
    occupancy after the run. Keys outside the closed label sets are skipped, not labelled."""
    counts = result.get("counts", {})
    for outcome in OUTCOMES:
        if counts.get(outcome):
            ALLOCATION_STUDENTS.labels(outcome).inc(counts[outcome])
    status = result.get("qa_status", "")
    if status in {str(s) for s in QaStatus}:
        ALLOCATION_QA.labels(status).inc()
    ALLOCATION_WARNINGS.inc(len(result.get("warnings", ())))
    for stage, seconds in result.get("timings", {}).items():
        if stage in STAGES:
            ALLOCATION_STAGE_DURATION.labels(stage).observe(seconds)
    bands = dict.fromkeys(OCCUPANCY_BANDS, 0)
    for ratio in occupancy:
        MENTOR_OCCUPANCY.observe(ratio)
        bands[occupancy_band(ratio)] += 1
    if occupancy:   # a run that kept no summary leaves the last run's bands standing
        for band, mentors in bands.items():
            MENTORS_BY_OCCUPANCY.labels(band).set(mentors)


def _declare_labels() -> None:
    """Every labelled series of the closed sets from the start, at zero, so that rates and
    alerts see a 0 before the first event (a series that appears at 1 shows no increase)."""
    for outcome in OUTCOMES:
        ALLOCATION_STUDENTS.labels(outcome)
    for status in QaStatus:
        ALLOCATION_QA.labels(str(status))
    for stage in STAGES:
        ALLOCATION_STAGE_DURATION.labels(stage)
    for band in OCCUPANCY_BANDS:
        MENTORS_BY_OCCUPANCY.labels(band)


_declare_labels()


# Until the process names the agency's key (``use_pseudonym_key``), a key of its own: lines
# about one student join within the process and are never read back.
_PSEUDONYM_KEY = secrets.token_bytes(32)


def use_pseudonym_key(event_key: bytes) -> None:
    """Name students in log lines under a key derived from the agency's pseudonym key (one
    secret to keep; the log's pseudonyms differ from the events', so neither names the other)."""
    global _PSEUDONYM_KEY
    _PSEUDONYM_KEY = hmac.new(event_key, b"smartalloc log pseudonyms", hashlib.sha256).digest()


def hash_id(national_id: str) -> str:
    """A stable short pseudonym, HMAC-SHA256 under a secret key: lines about one student can be
    joined, never read back (a plain hash of a national id falls to trying the ~10⁷ ids)."""
    return hmac.new(_PSEUDONYM_KEY, national_id.encode(), hashlib.sha256).hexdigest()[:16]


def instrument(engine: Engine) -> None:
    """Time every statement on ``engine``, labelled by its verb (SELECT, INSERT, …)."""
    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, params, context, executemany) -> None:
        if context is not None:
            context.smartalloc_started = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _end(conn, cursor, statement, params, context, executemany) -> None:
        started = getattr(context, "smartalloc_started", None)
        if started is not None:
            verb = (statement.lstrip().split(None, 1) or ["?"])[0].upper()[:12]
            DB_QUERY_DURATION.labels(verb).observe(time.perf_counter() - started)


def configure_logging() -> None:
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, add_trace_ids,
                    structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=True)


log = structlog.get_logger("smartalloc.api")
