"""Make sure the schema is current before a store is used — cheaply.

The embedded SQLite default upgrades itself (an operator never runs a migration); a shared
PostgreSQL database is upgraded deliberately with `smartalloc db upgrade`, and a store on an
outdated one stops with that instruction instead of guessing. The check reads the version
table directly and compares it with ``HEAD``: importing Alembic costs ~0.8 s, so it is loaded
only when a migration must actually run.
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from smartalloc.domain.errors import HistoryError, Problem

HEAD = "0011"   # the newest shipped revision; a test keeps it equal to Alembic's head
_checked: set[str] = set()


def stored_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_schema(url: str, engine: Engine) -> None:
    if url in _checked:
        return
    try:
        revision = stored_revision(engine)
    except Exception as exc:
        raise HistoryError(Problem(
            "DATABASE_UNAVAILABLE", f"پایگاه داده در دسترس نیست: {exc}",
            f"the database cannot be reached: {exc}")) from exc
    if revision != HEAD:
        if engine.dialect.name != "sqlite":
            raise HistoryError(Problem(
                "DATABASE_OUTDATED",
                "طرح پایگاه داده به‌روز نیست؛ ابتدا «smartalloc db upgrade» را اجرا کنید",
                "the database schema is not current; run `smartalloc db upgrade` first"))
        if revision is None and _is_empty(engine):
            _create_at_head(engine)
        else:
            from smartalloc.adapters.db.migrate import upgrade

            upgrade(url)
    _checked.add(url)


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not inspect(conn).get_table_names()


def _create_at_head(engine: Engine) -> None:
    """A brand-new embedded database: build it from the tables and stamp it at HEAD (Alembic's
    "create from scratch" recipe, without importing Alembic). A test proves that the tables
    and the migrations describe the same schema."""
    from smartalloc.adapters.db.metadata import metadata

    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                          "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": HEAD})
