"""Run serialisation: one run at a time per database (the equivalent of a per-agency lock).

PostgreSQL: a session advisory lock held on a dedicated connection, so it spans every
transaction of the run and is released even if the process dies (the connection closes).
SQLite: an exclusive ``flock`` on a file beside the database, released by the kernel likewise.

One-student writers (a review action, a live entry) take the same lock for one transaction
(``run_locked_transaction``); live entries take it **shared** on PostgreSQL — they exclude
runs and reviews, not each other (their rows are locked instead) — and wait for it only so
long: during a run an entry is queued rather than kept waiting for the run's seconds.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

ADVISORY_KEY = 0x5A11_0C  # "SmartAlloc" runs
LOCK_NOT_AVAILABLE = "55P03"   # PostgreSQL's SQLSTATE when lock_timeout expires

_memory_lock = threading.Lock()


class LockBusy(Exception):
    """The run lock stayed taken for the whole wait allowed (a run is in progress)."""


@contextmanager
def run_lock(engine: Engine, wait: float | None = None) -> Iterator[None]:
    """The run lock for as long as the block runs; ``wait``: give up (``LockBusy``) after
    that many seconds (PostgreSQL waits without limit here: runs and CLI writers queue)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        if not _memory_lock.acquire(timeout=-1 if wait is None else wait):
            raise LockBusy()
        try:
            yield
        finally:
            _memory_lock.release()
        return
    lock_path = Path(database + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        _flock(handle, wait)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _flock(handle, wait: float | None) -> None:
    if wait is None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockBusy() from None
            time.sleep(0.005)


@contextmanager
def run_locked_transaction(engine: Engine, *, shared: bool = False,
                           wait: float | None = None) -> Iterator[Connection]:
    """One transaction that holds the run lock until it ends, on **one** connection: a
    one-student writer waiting for the lock holds one pooled connection, not two, so writers
    queueing behind each other cannot take every connection of the pool from the one holding
    the lock. PostgreSQL: a transaction-level advisory lock on the runs' key (a run's session
    lock and it block each other), ``shared`` for writers that lock their rows themselves;
    SQLite: the file lock (always exclusive), taken before the connection. ``wait``: seconds
    before ``LockBusy`` — on PostgreSQL for every lock of the transaction (a row another
    one-student writer holds is held for milliseconds)."""
    if engine.dialect.name != "postgresql":
        with run_lock(engine, wait), engine.connect() as conn:
            transaction = conn.begin()
            try:
                yield conn
            finally:
                if transaction.is_active:
                    transaction.rollback()
        return
    kind = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            # One trip to the server: with no parameters the driver sends the text as one
            # simple query, both statements in order (both numbers are ours, not a caller's).
            timeout = f"SET LOCAL lock_timeout = {int(wait * 1000)}; " if wait is not None else ""
            try:
                conn.exec_driver_sql(f"{timeout}SELECT {kind}({int(ADVISORY_KEY)})")
            except OperationalError as error:
                if getattr(error.orig, "sqlstate", "") == LOCK_NOT_AVAILABLE:
                    raise LockBusy() from None
                raise
            yield conn
        finally:
            if transaction.is_active:
                transaction.rollback()
