"""Backups of the embedded SQLite file with SQLite's online backup API.

Copying the file (``cp``) while a run commits can copy half a transaction, and in WAL mode the
newest commits are not even in the main file. ``sqlite3.Connection.backup`` with ``pages=-1``
copies every page in one step inside one read transaction: the copy is the database as of one
commit, whatever other processes commit meanwhile (WAL readers do not block writers, so a run
is not held up). The copy is then switched to rollback-journal mode so the backup is a single
self-contained file.

Restore goes the same way in reverse — the backup API writes the backup's pages into the live
file as one write transaction — instead of renaming a file over it: a rename under a process
that has the database open (the service) leaves it writing to the old inode, and a stale
``-wal`` beside a new main file corrupts it. Restore holds the run lock, so no run is halfway.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, make_url

from smartalloc.adapters.db.backup_facts import facts_of
from smartalloc.adapters.db.backup_files import BackupFailed, touch_private
from smartalloc.adapters.db.engine import make_engine, sqlite_url
from smartalloc.adapters.db.locks import run_lock
from smartalloc.service_layer.backup_manifest import DatabaseFacts

BUSY_MS = 30_000


def _open(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:   # a backup file: never locked, journaled or changed by reading it
        return sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
    conn = sqlite3.connect(path, timeout=BUSY_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    return conn


def file_facts(path: Path) -> DatabaseFacts:
    return facts_of(
        create_engine(f"sqlite:///file:{quote(str(path))}?mode=ro&immutable=1&uri=true"))


def _integrity(path: Path) -> None:
    conn = _open(path, read_only=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"not a SQLite database ({exc})") from exc
    finally:
        conn.close()
    if result != "ok":
        raise BackupFailed(f"integrity check failed ({result.splitlines()[0]})")


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    try:
        source.backup(target, pages=-1, sleep=0.05)   # one step: one consistent snapshot
    except sqlite3.Error as exc:
        raise BackupFailed(str(exc).splitlines()[0]) from exc


def _copy_file(backup: Path, target: Path) -> None:
    """The backup file's pages into the database at ``target``, in one write transaction."""
    source, live = _open(backup, read_only=True), _open(target)
    try:
        _copy(source, live)
    finally:
        live.close()
        source.close()


class SqliteBackups:
    """Backup, restore and scratch restore of the SQLite file at ``url`` (None: verify only)."""

    kind = "sqlite"

    def __init__(self, url: str | None):
        self.path = Path(make_url(url).database) if url else None

    def describe(self) -> str:
        return str(self.path)

    def _target(self) -> Path:
        if self.path is None or str(self.path) in ("", ":memory:"):
            raise BackupFailed("no SQLite file to back up or restore")
        return self.path

    def facts(self) -> DatabaseFacts:
        """The live database's facts; a missing file is an empty database."""
        target = self._target()
        if not target.exists():
            return DatabaseFacts(None, {}, ())
        return facts_of(create_engine(sqlite_url(target),
                                      connect_args={"timeout": BUSY_MS / 1000}))

    def dump(self, into: Path) -> DatabaseFacts:
        """Copy the live database into ``into`` (an existing, empty private file) and return
        the copy's facts — the snapshot's, not the live database's."""
        target = self._target()
        if not target.exists():
            raise BackupFailed(f"the database file does not exist: {target}")
        source, copy = _open(target), _open(into)
        try:
            _copy(source, copy)
            copy.execute("PRAGMA journal_mode=DELETE")   # one file, no -wal beside it
        finally:
            copy.close()
            source.close()
        _integrity(into)
        return file_facts(into)

    def restore(self, plain: Path) -> DatabaseFacts:
        """Replace the live database by the backup ``plain`` in one write transaction, under
        the run lock; returns the restored database's facts."""
        target = self._target()
        _integrity(plain)
        engine = make_engine(sqlite_url(target))   # creates the folder; the lock's engine
        try:
            with run_lock(engine):
                if not target.exists():
                    touch_private(target)
                _copy_file(plain, target)
        finally:
            engine.dispose()
        return self.facts()

    def scratch_facts(self, plain: Path, scratch: Path) -> DatabaseFacts:
        """Restore ``plain`` into a new file in the private folder ``scratch`` and read it."""
        _integrity(plain)
        copy_path = scratch / "verify.sqlite"
        touch_private(copy_path)
        _copy_file(plain, copy_path)
        _integrity(copy_path)
        return file_facts(copy_path)
