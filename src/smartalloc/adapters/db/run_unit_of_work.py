"""A run's unit of work on one SQLAlchemy connection (``RunUnitOfWork``).

Apart from ``store`` because it is its own concept — the one transaction a run's rows, counters,
snapshot and outbox events are written in, visible to others only at ``commit`` — and because
it is where a broken uniqueness rule becomes the operator's error (naming the rule, never the
row) and where the transaction is traced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from smartalloc.adapters.db.engine import widen_page_cache
from smartalloc.domain.errors import HistoryError, Problem
from smartalloc.domain.records import HistoryEntry
from smartalloc.service_layer.ports import EventsFactory, RunRecord, Snapshot
from smartalloc.service_layer.tracing import OpenSpan, span


class RunWriter(Protocol):
    """What the unit of work needs of the store: its engine and how a run's rows are written."""

    engine: Engine

    def _write_run(self, conn, run: RunRecord, entries: Sequence[HistoryEntry],
                   snapshot: Snapshot | None, events: EventsFactory | None) -> None: ...


class SqlRunUnitOfWork:
    """``RunUnitOfWork`` on one connection: the run's rows are written by ``record`` and
    become visible to others only at ``commit``; leaving without it rolls back.

    The transaction is a span (``db.transaction``: the rows it wrote, counted from what was
    handed in, and whether it committed), and so is the commit itself (``db.commit``: on
    SQLite the fsync, on PostgreSQL the WAL flush)."""

    def __init__(self, store: RunWriter):
        self._store, self._conn, self._transaction, self._open = store, None, None, None
        self._narrow: Callable[[], None] = lambda: None

    def __enter__(self) -> SqlRunUnitOfWork:
        self._open = OpenSpan("db.transaction", **{"db.system": self._store.engine.dialect.name})
        try:
            self._conn = self._store.engine.connect()
            self._narrow = widen_page_cache(self._conn)   # SQLite: the run's pages stay in memory
            self._transaction = self._conn.begin()
        except BaseException as exc:
            if self._conn is not None:
                self._close()
            self._open.end(exc)
            raise
        return self

    def record(self, run: RunRecord, entries: Sequence[HistoryEntry],
               snapshot: Snapshot | None = None, events: EventsFactory | None = None) -> None:
        rows = {"rows.mentors": len(snapshot.mentors),
                "rows.students": len(snapshot.students)} if snapshot else {}
        self._open.span.set_attributes({"run_id": run.run_id,
                                        "rows.allocations": len(entries), **rows})
        with conflicts_named():
            self._store._write_run(self._conn, run, entries, snapshot, events)

    def commit(self) -> None:
        with conflicts_named(), span("db.commit"):
            self._transaction.commit()

    def __exit__(self, _type: object, error: BaseException | None, _tb: object) -> None:
        try:
            self._open.span.set_attribute("db.outcome", "rollback" if self._transaction.is_active
                                          else "commit")
            if self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self._close()
            self._open.end(error)

    def _close(self) -> None:
        try:
            self._narrow()
        finally:
            self._conn.close()


@contextmanager
def conflicts_named() -> Iterator[None]:
    """A broken uniqueness rule (a student or a code allocated twice) as the operator's
    error, naming the rule and never its values."""
    try:
        yield
    except IntegrityError as exc:
        rule = constraint_of(exc)
        raise HistoryError(Problem(
            "HISTORY_CONFLICT", f"سابقه با تخصیص‌های قبلی تعارض دارد (قاعدهٔ {rule})؛ "
            "چیزی ثبت یا منتشر نشد",
            f"history conflicts with earlier allocations (rule {rule}); nothing was "
            "recorded or published")) from exc


def constraint_of(exc: IntegrityError) -> str:
    """The name of the rule a write broke, never its values: the driver's message holds the
    SQL and the row (national ids, codes), which must not reach an operator or a log."""
    diag = getattr(exc.orig, "diag", None)          # psycopg
    name = getattr(diag, "constraint_name", None)
    if name:
        return name
    text = str(exc.orig)                            # sqlite3: "UNIQUE constraint failed: t.c"
    return text.split(":", 1)[-1].strip() if "constraint failed" in text else \
        type(exc.orig).__name__
