"""Metrics (one process-wide registry: prometheus-client refuses duplicates) and structlog
JSON logs. Log lines carry the correlation id and never a raw national id: ``hash_id``."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time

import structlog
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import Engine, event

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
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=True)


log = structlog.get_logger("smartalloc.api")
