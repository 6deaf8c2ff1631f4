"""Bulk insert and insert-or-update by attribute name (columns carry Persian names).

Core statements take column names, the code speaks in English attribute names: rows are
translated once here. Upserts use the dialect's own ON CONFLICT (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite

_BATCH = 5000


def _names(model) -> dict[str, str]:
    return {attr: col.name for attr, col in model.__mapper__.columns.items()}


def _translated(model, rows: Sequence[dict]) -> list[dict]:
    names = _names(model)
    return [{names[k]: v for k, v in row.items()} for row in rows]


def insert_rows(conn, model, rows: Sequence[dict]) -> None:
    """INSERT many rows given as {attribute: value}."""
    table = model.__table__
    for start in range(0, len(rows), _BATCH):
        conn.execute(insert(table), _translated(model, rows[start:start + _BATCH]))


def upsert(conn, model, rows: Sequence[dict], keys: Sequence[str], update: Sequence[str]) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET update-columns, rows as {attribute: value}."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    names = _names(model)
    for start in range(0, len(rows), _BATCH):
        stmt = dialect.insert(model.__table__).values(_translated(model, rows[start:start + _BATCH]))
        stmt = stmt.on_conflict_do_update(
            index_elements=[names[k] for k in keys],
            set_={names[c]: stmt.excluded[names[c]] for c in update})
        conn.execute(stmt)
