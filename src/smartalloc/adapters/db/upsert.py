"""Bulk insert and insert-or-update by attribute name (columns carry Persian names).

The code speaks in English attribute names; rows are translated to the table's columns here.
Bulk writes go straight to the driver's ``executemany`` with one prepared statement (sqlite3,
psycopg 3 pipeline) — SQLAlchemy's per-row parameter processing cost more than the database
itself on 100k-row runs. Upserts use the dialect's own ``ON CONFLICT`` (SQLite, PostgreSQL).
On PostgreSQL, more than a handful of rows go by COPY instead (``pg_copy``: same rows, same
transaction, a fraction of the time); SQLite keeps ``executemany``, already fast in process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from smartalloc.adapters.db import pg_copy
from smartalloc.adapters.db.pg_copy import quote as _q

_BATCH = 5000


@dataclass(frozen=True)
class Rows:
    """Rows already as tuples in ``attrs`` order, as the driver binds them: a run's 100k
    allocations and students skip a dict per row and its ``itemgetter`` back to a tuple
    (0.10 → 0.035 s for the allocations, measured)."""

    attrs: tuple[str, ...]
    values: Sequence[tuple]

    def __len__(self) -> int:
        return len(self.values)


def _names(table, attrs: Sequence[str]) -> list[str]:
    columns = table.c
    return [columns[a].name for a in attrs]


@lru_cache(maxsize=256)
def statement(paramstyle: str, table, attrs: tuple[str, ...], keys: tuple[str, ...] = (),
              update: tuple[str, ...] = (), rows: int = 1) -> str:
    """The driver's SQL of one INSERT of ``rows`` rows (placeholders in ``attrs`` order) [ON
    CONFLICT (keys) DO UPDATE SET update | DO NOTHING]; built once per shape."""
    names = [_q(n) for n in _names(table, attrs)]
    mark = "?" if paramstyle == "qmark" else "%s"
    values = ", ".join([f"({', '.join([mark] * len(names))})"] * rows)
    sql = f"INSERT INTO {_q(table.name)} ({', '.join(names)}) VALUES {values}"
    if keys:
        conflict = f" ON CONFLICT ({', '.join(map(_q, _names(table, keys)))})"
        sets = ", ".join(f"{n} = excluded.{n}" for n in map(_q, _names(table, update)))
        sql += f"{conflict} DO UPDATE SET {sets}" if update else f"{conflict} DO NOTHING"
    return sql


def _tuples(attrs: Sequence[str], rows: Sequence[dict]) -> list[tuple]:
    """The rows as tuples in ``attrs`` order (``itemgetter``: a C call per row)."""
    if len(attrs) == 1:
        return [(row[attrs[0]],) for row in rows]
    get = itemgetter(*attrs)
    return [get(row) for row in rows]


def _shaped(rows: Sequence[dict] | Rows) -> tuple[list[str], Sequence[tuple]]:
    """(attributes, tuples) of rows given either way."""
    if isinstance(rows, Rows):
        return list(rows.attrs), rows.values
    attrs = list(rows[0])
    return attrs, _tuples(attrs, rows)


def _execute(conn, sql: str, values: Sequence[tuple]) -> None:
    for start in range(0, len(values), _BATCH):   # a list: SQLAlchemy's sign of executemany
        conn.exec_driver_sql(sql, list(values[start:start + _BATCH]))


def insert_rows(conn, table, rows: Sequence[dict] | Rows) -> None:
    """INSERT many rows given as {attribute: value} (all rows with the same attributes), or
    as ``Rows``."""
    if rows:
        attrs, values = _shaped(rows)
        if pg_copy.usable(conn, len(values)):
            pg_copy.copy_insert(conn, table.name, _names(table, attrs), values)
            return
        _execute(conn, statement(conn.dialect.paramstyle, table, tuple(attrs)), values)


def upsert(conn, table, rows: Sequence[dict] | Rows, keys: Sequence[str],
           update: Sequence[str]) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET update-columns (DO NOTHING when ``update`` is
    empty), rows as {attribute: value} or as ``Rows``."""
    if rows:
        attrs, values = _shaped(rows)
        if pg_copy.usable(conn, len(values)):
            pg_copy.copy_upsert(conn, table.name, _names(table, attrs), values,
                                _names(table, keys), _names(table, update))
            return
        _execute(conn, statement(conn.dialect.paramstyle, table, tuple(attrs), tuple(keys),
                                 tuple(update)), values)
