"""A transaction's few small writes in one round trip (issue L).

A live entry writes its entry, its student, its allocation and its events: as four statements
that is four round trips to the server, and under load each is also a wait of the request's
thread for the interpreter lock when its answer comes back. On PostgreSQL they go as **one**
statement: data-modifying ``WITH`` queries, which PostgreSQL always runs to completion, all
in one snapshot — sound for writes of which none reads another's rows, as here. A failure of
any of them (a unique key another entry took first) fails the statement with its own error,
as it would have failed the transaction. SQLite runs in the process, with no trip to save:
one statement each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from sqlalchemy import Table

from smartalloc.adapters.db.upsert import statement


@dataclass(frozen=True)
class Write:
    """INSERT ``rows`` ({attribute: value}, the same attributes in each) into ``table``; with
    ``keys``: ON CONFLICT (keys) DO UPDATE SET ``update`` (DO NOTHING when empty). JSON
    columns take their text, as ``upsert`` does."""

    table: Table
    rows: Sequence[dict]
    keys: tuple[str, ...] = ()
    update: tuple[str, ...] = ()


def write_together(conn, writes: Sequence[Write]) -> None:
    parts = [_part(conn.dialect.paramstyle, w) for w in writes if w.rows]
    if conn.dialect.name == "postgresql" and len(parts) > 1:
        head = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(parts[:-1]))
        conn.exec_driver_sql(f"WITH {head} {parts[-1][0]}",
                             tuple(chain.from_iterable(params for _, params in parts)))
        return
    for sql, params in parts:
        conn.exec_driver_sql(sql, params)


def _part(paramstyle: str, w: Write) -> tuple[str, tuple]:
    attrs = tuple(w.rows[0])
    get = itemgetter(*attrs)
    values = (get(row) for row in w.rows)
    flat = tuple(chain.from_iterable(values)) if len(attrs) > 1 else tuple(values)
    return statement(paramstyle, w.table, attrs, w.keys, w.update, len(w.rows)), flat
