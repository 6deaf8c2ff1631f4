"""Make sure the schema is current before a store is used.

The embedded SQLite default upgrades itself (an operator never has to run a migration); a
shared PostgreSQL database is upgraded deliberately with `smartalloc db upgrade`, and a store
on an outdated one stops with that instruction instead of guessing.
"""

from __future__ import annotations

from sqlalchemy import Engine

from smartalloc.domain.errors import HistoryError, Problem

_checked: set[str] = set()


def ensure_schema(url: str, engine: Engine) -> None:
    if url in _checked:
        return
    from smartalloc.adapters.db.migrate import is_up_to_date, upgrade

    try:
        current = is_up_to_date(url)
    except Exception as exc:
        raise HistoryError(Problem(
            "DATABASE_UNAVAILABLE", f"پایگاه داده در دسترس نیست: {exc}",
            f"the database cannot be reached: {exc}")) from exc
    if not current:
        if engine.dialect.name != "sqlite":
            raise HistoryError(Problem(
                "DATABASE_OUTDATED",
                "طرح پایگاه داده به‌روز نیست؛ ابتدا «smartalloc db upgrade» را اجرا کنید",
                "the database schema is not current; run `smartalloc db upgrade` first"))
        upgrade(url)
    _checked.add(url)
