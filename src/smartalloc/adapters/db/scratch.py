"""Throw-away PostgreSQL databases (for the tests and the benchmarks): made on a server, and
dropped — their sessions ended first — when done. One mechanism for every caller."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


class ScratchDatabases:
    """Databases ``<prefix>_<hex>_<suffix>`` on ``server``; ``drop_all`` removes every one made
    here. Creating the first one fails with SQLAlchemy's ``OperationalError`` when the server
    cannot be reached."""

    def __init__(self, prefix: str, server: str = LOCAL_SERVER):
        self.server = server
        self.prefix = f"{prefix}_{secrets.token_hex(4)}"
        self.admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def url(self, name: str) -> str:
        return f"{self.server}/{name}"

    def create(self, suffix: str = "db", template: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); returns its name."""
        name = f"{self.prefix}_{suffix}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as conn:
            if template:   # CREATE … TEMPLATE needs the template without sessions
                self._end_sessions(conn, template)
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.made.append(name)
        return name

    @staticmethod
    def _end_sessions(conn, name: str) -> None:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})

    def drop_all(self) -> None:
        try:
            if self.made:
                with self.admin.connect() as conn:
                    for name in reversed(self.made):
                        self._end_sessions(conn, name)
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            self.made.clear()
        finally:
            self.admin.dispose()


@contextmanager
def scratch_database(prefix: str, server: str = LOCAL_SERVER) -> Iterator[str]:
    """The URL of one fresh database, dropped afterwards."""
    dbs = ScratchDatabases(prefix, server)
    try:
        yield dbs.url(dbs.create())
    finally:
        dbs.drop_all()
