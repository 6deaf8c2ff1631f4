"""The composition root's part for backups: which engine adapter serves a database URL.

Beside ``bootstrap`` rather than in it so that the backup commands load no allocation
machinery; entry points reach the backup adapters only through here (the import contract).
"""

from __future__ import annotations

import os
from pathlib import Path

from smartalloc.adapters.db import backup_files
from smartalloc.adapters.db.backup_postgres import PostgresBackups
from smartalloc.adapters.db.backup_sqlite import SqliteBackups
from smartalloc.bootstrap import database_url
from smartalloc.domain.errors import DatabaseError, Problem
from smartalloc.service_layer.backups import BackupEngine

files = backup_files


def engine_for_url(url: str) -> BackupEngine:
    """The backup mechanics of the database at ``url`` (already resolved by
    ``database_url``)."""
    if url.startswith("sqlite"):
        return SqliteBackups(url)
    if url.startswith("postgresql"):
        return PostgresBackups(url)
    raise DatabaseError(Problem(
        "BACKUP_UNSUPPORTED", "پشتیبان‌گیری فقط برای SQLite و PostgreSQL پشتیبانی می‌شود",
        "backups support SQLite and PostgreSQL only"))


def scratch_engines(explicit_url: str | None):
    """For ``verify``: a SQLite backup needs no server; a PostgreSQL one is restored into a
    scratch database on the server of ``--database-url`` / ``DATABASE_URL``."""

    def engine_for(kind: str) -> BackupEngine:
        if kind == "sqlite":
            return SqliteBackups(None)
        url = database_url(explicit_url)
        if not url.startswith("postgresql"):
            raise DatabaseError(Problem(
                "VERIFY_NEEDS_SERVER",
                "بررسی پشتیبان PostgreSQL به یک سرور PostgreSQL نیاز دارد: --database-url",
                "verifying a PostgreSQL backup needs a PostgreSQL server: pass --database-url"))
        return PostgresBackups(url)

    return engine_for


def write_identity(out: Path) -> str:
    """Write a new age identity to ``out`` (0600, never over an existing file); returns the
    public key."""
    text, public = backup_files.new_identity()
    try:
        fd = backup_files.create_private(out)
    except FileExistsError as exc:
        raise DatabaseError(Problem(
            "KEY_EXISTS", f"فایل «{out}» از قبل وجود دارد؛ کلید موجود بازنویسی نمی‌شود",
            f"'{out}' already exists; an existing key is never overwritten")) from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return public
