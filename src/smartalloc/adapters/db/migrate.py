"""Schema migrations without an ``alembic.ini``: the scripts ship inside the package, so
``smartalloc db upgrade`` works from an installed wheel against any URL.

Each command runs in one transaction on a connection from ``make_engine`` (SQLite pragmas and
``BEGIN IMMEDIATE``; PostgreSQL DDL is transactional too), so a failed migration leaves the
database as it was. Driver and Alembic failures become a bilingual ``DatabaseError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, make_url
from sqlalchemy import exc as sa_exc

from smartalloc.adapters.db.engine import make_engine
from smartalloc.domain.errors import DatabaseError, Problem

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def shown_url(url: str) -> str:
    """The URL without its password, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return url


@contextmanager
def _connection(url: str) -> Iterator[Connection]:
    """A connection inside one committed-or-rolled-back transaction; errors translated."""
    where = shown_url(url)
    try:
        engine = make_engine(url)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseError(Problem(
            "DB_BAD_URL", f"نشانی پایگاه داده قابل استفاده نیست: «{where}» ({exc})",
            f"unusable database URL '{where}': {exc}")) from exc
    try:
        try:
            conn = engine.connect()
        except (sa_exc.DBAPIError, OSError) as exc:
            raise DatabaseError(Problem(
                "DB_UNREACHABLE",
                f"اتصال به پایگاه داده «{where}» برقرار نشد ({_reason(exc)})؛ روشن بودن سرور، "
                "نشانی و دسترسی را بررسی کنید",
                f"cannot connect to the database '{where}' ({_reason(exc)}); check that the "
                "server is running, the URL and the permissions")) from exc
        with conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # outside the transaction, where the pragma takes effect
                _raw_sqlite(conn, "PRAGMA foreign_keys=OFF")
            with conn.begin():
                yield conn
                if sqlite:
                    _check_foreign_keys(conn)
            if sqlite:
                _raw_sqlite(conn, "PRAGMA foreign_keys=ON")
    except (CommandError, sa_exc.DBAPIError) as exc:
        raise DatabaseError(Problem(
            "DB_MIGRATION", f"مهاجرت پایگاه داده «{where}» انجام نشد و چیزی تغییر نکرد: "
            f"{_reason(exc)}",
            f"database migration on '{where}' failed, nothing was changed: {_reason(exc)}",
        )) from exc
    finally:
        engine.dispose()


def _raw_sqlite(conn: Connection, pragma: str) -> None:
    """SQLite batch migrations copy and drop tables; with foreign keys on, dropping منتورها would
    cascade-delete its groups and schools. SQLAlchemy would BEGIN first, so use the driver."""
    conn.connection.driver_connection.execute(pragma)


def _check_foreign_keys(conn: Connection) -> None:
    """Foreign keys were off during the migration: refuse to commit one that broke them."""
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise DatabaseError(Problem(
            "DB_MIGRATION", f"مهاجرت کلیدهای خارجی را می‌شکند و اعمال نشد: {broken[:5]}",
            f"the migration breaks foreign keys and was not applied: {broken[:5]}"))


def _reason(exc: BaseException) -> str:
    """The driver's first line, without SQLAlchemy's statement dump and background link."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _run(url: str, action: Callable[[Config], None]) -> None:
    with _connection(url) as conn:
        config = _config()
        config.attributes["connection"] = conn
        action(config)


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest)."""
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str = "base") -> None:
    """Take the schema down to ``revision``; ``base`` drops every table of SmartAlloc."""
    _run(url, lambda config: command.downgrade(config, revision))


def head() -> str:
    """The newest revision shipped with this version of SmartAlloc."""
    heads = ScriptDirectory.from_config(_config()).get_heads()
    if len(heads) != 1:
        raise DatabaseError(Problem(
            "DB_MIGRATION", f"شاخه‌های مهاجرت ادغام نشده‌اند: {heads}",
            f"the migration scripts have several heads: {heads}"))
    return heads[0]


def current(url: str) -> str | None:
    """The revision the database is at, ``None`` for an empty (never migrated) database."""
    with _connection(url) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_up_to_date(url: str) -> bool:
    """True when the database is at the newest shipped revision."""
    return current(url) == head()
