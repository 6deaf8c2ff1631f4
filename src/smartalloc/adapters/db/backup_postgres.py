"""Backups of a PostgreSQL system of record with ``pg_dump --format=custom`` and restores with
``pg_restore`` piped into one ``psql`` transaction.

*Consistency.* The manifest's row counts and counter heads must describe the dump, not the
live database a second later. So one REPEATABLE READ transaction exports its snapshot
(``pg_export_snapshot``), reads the facts in it, and ``pg_dump --snapshot`` dumps exactly that
snapshot while the transaction stays open.

*Atomic restore.* ``pg_restore --clean`` only drops what the dump holds and, without
``--single-transaction``, leaves a half-restored database when it fails. Here the restore is
one psql transaction: drop every table, view and sequence of schema ``public`` (so a table a
newer migration added does not survive next to an older backup), then the dump's SQL — all of
it commits or none. Owners and grants are not restored (``--no-owner --no-privileges``): the
objects belong to the account that restores, as after ``smartalloc db upgrade``.

The password never appears on a command line (``ps`` shows those): it goes in ``PGPASSWORD``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import URL, create_engine, make_url, text

from smartalloc.adapters.db.backup_facts import facts_of, read_facts
from smartalloc.adapters.db.backup_files import BackupFailed
from smartalloc.adapters.db.locks import run_lock
from smartalloc.service_layer.backup_manifest import DatabaseFacts

_OBJECTS = text("""
    SELECT c.relkind, quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    ORDER BY 2""")
_DROP = {"v": "VIEW", "m": "MATERIALIZED VIEW", "r": "TABLE", "p": "TABLE", "S": "SEQUENCE"}


def _tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists()
                                   else None)
    if not found:
        raise BackupFailed(f"{name} is not installed (Debian/Ubuntu: postgresql-client)")
    return found


def _first_line(stderr: bytes) -> str:
    """The error line of a tool's stderr (not a NOTICE, not a DETAIL/CONTEXT line, which can
    quote a row's values)."""
    lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "ERROR" in ln or "FATAL" in ln or "error" in ln]
    return (errors or lines or ["no message"])[0][:300]


class PostgresBackups:
    """Backup, restore and scratch restore of the PostgreSQL database at ``url``."""

    kind = "postgresql"

    def __init__(self, url: str):
        self.url: URL = make_url(url)

    def describe(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def _engine(self, database: str | None = None, **kwargs):
        url = self.url.set(database=database) if database else self.url
        return create_engine(url, **kwargs)

    def _libpq(self, database: str | None = None) -> tuple[str, dict[str, str]]:
        """A libpq URI without the password, and the environment carrying it."""
        url = self.url.set(drivername="postgresql", password=None,
                           database=database or self.url.database)
        env = dict(os.environ)
        if self.url.password is not None:
            env["PGPASSWORD"] = str(self.url.password)
        env["PGOPTIONS"] = "-c client_min_messages=warning"   # no NOTICE per dropped table
        return url.render_as_string(hide_password=False), env

    def facts(self) -> DatabaseFacts:
        return facts_of(self._engine())

    def dump(self, into: Path) -> DatabaseFacts:
        """``pg_dump --format=custom`` of one exported snapshot into ``into`` (an existing
        private file, written through our descriptor so it is never created with another
        mode); returns the facts of that same snapshot."""
        uri, env = self._libpq()
        engine = self._engine()
        try:
            with engine.connect() as conn, conn.begin():
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                facts = read_facts(conn)
                with open(into, "r+b") as sink:
                    done = subprocess.run(
                        [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                         "--no-password", f"--dbname={uri}"],
                        stdout=sink, stderr=subprocess.PIPE, env=env, check=False)
                    if done.returncode:
                        raise BackupFailed(f"pg_dump: {_first_line(done.stderr)}")
                    os.fsync(sink.fileno())
        finally:
            engine.dispose()
        return facts

    def _drops(self, database: str | None = None) -> str:
        engine = self._engine(database)
        try:
            with engine.connect() as conn:
                objects = conn.execute(_OBJECTS).all()
        finally:
            engine.dispose()
        order = ("v", "m", "r", "p", "S")
        return "".join(f"DROP {_DROP[kind]} IF EXISTS {name} CASCADE;\n"
                       for k in order for kind, name in objects if kind == k)

    def _load(self, plain: Path, database: str | None = None) -> None:
        """Replace schema ``public`` of ``database`` by the dump, in one transaction."""
        uri, env = self._libpq(database)
        script = subprocess.Popen(
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(plain)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        drops = self._drops(database)
        command = [_tool("psql"), "--no-psqlrc", "--quiet", "--no-password",
                   "--single-transaction", "--set=ON_ERROR_STOP=1", f"--dbname={uri}"]
        if drops:
            command.append(f"--command={drops}")
        psql = subprocess.run([*command, "--file=-"], stdin=script.stdout,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                              check=False)
        script.stdout.close()
        script_err = script.stderr.read()
        script.stderr.close()
        if psql.returncode:   # first: a psql that stopped makes pg_restore's pipe break
            raise BackupFailed(f"psql: {_first_line(psql.stderr)} (nothing was changed)")
        if script.wait():
            raise BackupFailed(f"pg_restore: {_first_line(script_err)} (nothing was changed)")

    def restore(self, plain: Path) -> DatabaseFacts:
        """Replace the database by the dump under the run lock; the restored facts."""
        engine = self._engine()
        try:
            with run_lock(engine):
                self._load(plain)
        finally:
            engine.dispose()
        return self.facts()

    def scratch_facts(self, plain: Path, scratch: Path) -> DatabaseFacts:
        """Restore into a new database on the same server, read it, drop it."""
        name = f"smartalloc_verify_{secrets.token_hex(6)}"
        admin = self._engine(isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                self._load(plain, name)
                return facts_of(self._engine(name))
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
