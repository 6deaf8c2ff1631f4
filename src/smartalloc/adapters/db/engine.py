"""Which database: ``DATABASE_URL`` (PostgreSQL for several operators and workers) or, by
default, a SQLite file in the installation's data folder (the embedded default of `make demo`),
beside the uploads, runs and settings file, so ``SMARTALLOC_DATA_DIR`` moves them all."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import weakref
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event

from smartalloc.adapters.config_file import data_dir

ENV = "DATABASE_URL"
# A run's transaction changes ~30 MB of table and index pages on SQLite at 100k students; in
# SQLite's default 2 MB page cache they spill to the WAL and are read back. The run's
# connection gets this much for its transaction (issue P: 2.13 → 1.86 s at 100k).
RUN_CACHE_KIB = 64 * 1024
_OPEN: weakref.WeakSet[Engine] = weakref.WeakSet()   # every engine made here, for close_all


def default_sqlite_path() -> Path:
    return data_dir() / "smartalloc.sqlite"


def database_url(explicit: str | None = None) -> str:
    """``explicit`` → ``$DATABASE_URL`` → the SQLite default. A bare ``postgresql://`` URL uses
    psycopg 3."""
    url = explicit or os.environ.get(ENV) or f"sqlite:///{default_sqlite_path()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path)}"


def make_read_engine(url: str, engine: Engine) -> Engine:
    """For reads that must not queue behind writers: on SQLite a plain WAL reader (no
    ``BEGIN IMMEDIATE``); elsewhere the engine itself."""
    if not url.startswith("sqlite"):
        return engine
    reader = create_engine(url, connect_args={"timeout": 30}, future=True)
    _OPEN.add(reader)

    @event.listens_for(reader, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA query_only=ON")
        cur.close()

    return reader


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs for correctness under concurrency."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, future=True)
        _OPEN.add(engine)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None       # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before it returns. The workbooks are published right
            # after the commit, so a commit that power loss could undo (WAL + NORMAL) would
            # leave visible codes the database lacks (docs/reliability.md).
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # one writer at a time: serialised runs

        return engine
    engine = create_engine(url, pool_pre_ping=True, future=True)
    _OPEN.add(engine)
    return engine


def close_all() -> None:
    """Close the pooled connections of every engine made here: SQLite checkpoints its WAL
    into the database file when its last connection closes (so the file alone holds every
    commit) and PostgreSQL is told goodbye. A process leaving without the interpreter's
    teardown (``cli.console``) calls this first; the engines stay usable."""
    for engine in list(_OPEN):
        engine.dispose()


def widen_page_cache(conn: Connection) -> Callable[[], None]:
    """On SQLite, a page cache of ``RUN_CACHE_KIB`` for this connection; returns what puts
    its former size back (before the connection goes back to the pool). Set through the
    driver: SQLAlchemy would begin a transaction first. Elsewhere nothing."""
    if conn.dialect.name != "sqlite":
        return lambda: None
    raw = conn.connection.driver_connection
    before = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute(f"PRAGMA cache_size=-{RUN_CACHE_KIB}")

    def narrow() -> None:
        with contextlib.suppress(sqlite3.Error):   # a broken connection is closed anyway
            raw.execute(f"PRAGMA cache_size={before}")

    return narrow
