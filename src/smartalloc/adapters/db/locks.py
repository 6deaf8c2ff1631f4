"""Run serialisation: one run at a time per database (the equivalent of a per-agency lock).

PostgreSQL: a session advisory lock held on a dedicated connection, so it spans every
transaction of the run and is released even if the process dies (the connection closes).
SQLite: an exclusive ``flock`` on a file beside the database, released by the kernel likewise.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

ADVISORY_KEY = 0x5A11_0C  # "SmartAlloc" runs

_memory_lock = threading.Lock()


@contextmanager
def run_lock(engine: Engine) -> Iterator[None]:
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
        with _memory_lock:
            yield
        return
    lock_path = Path(database + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
