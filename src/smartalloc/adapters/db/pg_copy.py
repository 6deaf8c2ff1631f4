"""Bulk writes on PostgreSQL by ``COPY … FROM STDIN`` (issue P): the same rows as ``executemany``
in a fraction of the time, inside the caller's transaction.

A 10k-student run writes ~60k rows (allocations, the mentor/student snapshot, outbox events);
``executemany`` — even pipelined — parses, plans and executes every row and made the database
part of the run ~2 s. COPY streams them as one statement.

- **Same transaction.** The rows go through the psycopg connection under the caller's
  SQLAlchemy ``Connection``, so they commit or roll back with everything else the run wrote:
  a kill at any point still leaves all or nothing.
- **Text format, not binary.** ``write_row`` in text format hands PostgreSQL the values as
  literals, which it parses with each column's own input function — the same coercion an
  ``executemany`` parameter gets (a ``str`` lands in a JSON or integer column as it did before).
  Binary COPY needs every value already in the column's exact wire type (``int4`` not
  ``int8``, ``json`` not ``text``), a second type map to keep in step with the schema, for no
  measurable gain at these sizes. psycopg escapes tabs, newlines and backslashes and writes
  ``None`` as ``\\N``, so Persian text, NULLs and a literal ``\\.`` survive unchanged (tested).
- **Plain inserts** COPY straight into the table: its keys, unique indexes and foreign keys are
  checked row by row as for an INSERT.
- **Upserts whose keys are all new** (a run's events, a first run's students) are plain
  inserts: COPY straight into the table, after one indexed check (``copy_new``).
- **Other upserts** COPY into a ``TEMP TABLE … ON COMMIT DROP`` of the target's own column
  types and then run one ``INSERT … SELECT … ORDER BY ordinal ON CONFLICT …``, through
  SQLAlchemy so the statement is traced like any other. ``ORDER BY`` keeps the callers' order, so serial ids (the
  outbox's, which the relay publishes in) come out as ``executemany`` gave them. A key given
  twice is merged first — one ``DO UPDATE`` may not touch a row twice — as ``executemany``
  would have left it: the first row's inserted columns, the last row's updated ones.
- **Errors** from the driver are raised as SQLAlchemy's (``IntegrityError`` …), so a second
  allocation of a student is still the operator's ``HISTORY_CONFLICT`` naming the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy.exc import IntegrityError

from smartalloc.adapters.db.pg_driver import as_sqlalchemy_error

#: Fewer rows than this keep ``executemany``: a temp table's create and drop cost more than a
#: handful of pipelined inserts (a governance change's single outbox event). Tests set it to 1
#: (COPY for everything) or to a huge number (COPY off) to compare the two paths.
MIN_ROWS = 64

_TEMP = "smartalloc_copy"
_ORDINAL = "smartalloc_ordinal"
_SEPARATOR = "\x1f"         # ASCII unit separator: chr(31) on the server


def quote(name: str) -> str:
    """A Persian (or any) identifier as a quoted SQL name."""
    return '"' + name.replace('"', '""') + '"'


def usable(conn, count: int) -> bool:
    """COPY for ``count`` rows on this connection: PostgreSQL, enough rows, and inside a
    transaction (``ON COMMIT DROP`` would drop the temp table of an autocommit session at once)."""
    if conn.dialect.name != "postgresql" or count < MIN_ROWS:
        return False
    import psycopg  # here, not at import: a SQLite run never loads the driver

    raw = conn.connection.driver_connection
    return isinstance(raw, psycopg.Connection) and not raw.autocommit


def _copy(conn, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with as_sqlalchemy_error(sql), conn.connection.driver_connection.cursor() as cur, \
            cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def copy_insert(conn, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order; names unquoted) by one COPY."""
    _copy(conn, quote(table), [quote(c) for c in columns], rows)


def copy_upsert(conn, table: str, columns: Sequence[str], rows: Sequence[Sequence],
                keys: Sequence[str], update: Sequence[str]) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET ``update`` (DO NOTHING when empty) of
    ``rows`` (tuples in ``columns`` order; names unquoted): straight into the table when every
    key is new (``copy_new``), else through a temp table."""
    if len(keys) == 1:
        at = columns.index(keys[0])
        if copy_new(conn, table, keys[0], [row[at] for row in rows], columns, lambda: rows):
            return
    if update:
        rows = _merged(columns, rows, keys, update)
    cols = ", ".join(quote(c) for c in columns)
    conn.exec_driver_sql(f"CREATE TEMP TABLE {_TEMP} ON COMMIT DROP AS SELECT {cols}, "
                         f"0::bigint AS {_ORDINAL} FROM {quote(table)} WITH NO DATA")
    _copy(conn, _TEMP, [*(quote(c) for c in columns), _ORDINAL],
          ((*row, i) for i, row in enumerate(rows)))
    conflict = f"ON CONFLICT ({', '.join(quote(k) for k in keys)})"
    action = ("DO UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
              if update else "DO NOTHING")
    conn.exec_driver_sql(f"INSERT INTO {quote(table)} ({cols}) SELECT {cols} FROM {_TEMP} "
                         f"ORDER BY {_ORDINAL} {conflict} {action}")
    conn.exec_driver_sql(f"DROP TABLE {_TEMP}")


def copy_new(conn, table: str, key: str, values: Sequence, columns: Sequence[str],
             rows: Callable[[], Iterable[Sequence]]) -> bool:
    """COPY ``rows()`` straight into ``table`` when its text ``key`` column holds none of
    ``values`` (distinct) yet — a run's events, a first run's students: the upsert is then a
    plain insert. ``INSERT … SELECT`` from a temp table inserts row by row and took longer
    than the COPY before it (30k events: ~0.4 s against ~0.25 s). False, with nothing
    written, when a key is there; the caller then upserts.

    The check reads committed rows only: a key another writer commits after it (a governance
    change adding a mentor the run's snapshot also adds) breaks the COPY, which then rolls
    back to its savepoint and reports False, so the upsert does what ``ON CONFLICT`` did."""
    if not _absent(conn, table, key, values):
        return False
    import psycopg

    try:
        with conn.begin_nested():
            copy_insert(conn, table, columns, rows())
    except IntegrityError as exc:
        if not isinstance(exc.orig, psycopg.errors.UniqueViolation):
            raise
        return False
    return True


def _absent(conn, table: str, key: str, values: Sequence) -> bool:
    if not all(type(v) is str and v for v in values) or len(set(values)) != len(values):
        return False
    # The keys as one string split by the server: a 30k-element array parameter cost twice
    # as much to send. A key holding the separator takes the temp table instead.
    joined = _SEPARATOR.join(values)
    if joined.count(_SEPARATOR) != len(values) - 1:
        return False
    return not conn.exec_driver_sql(
        f"SELECT EXISTS (SELECT 1 FROM {quote(table)} WHERE {quote(key)} = "
        "ANY(string_to_array(%s, chr(31))))", (joined,)).scalar()


def _merged(columns: Sequence[str], rows: Sequence[Sequence], keys: Sequence[str],
            update: Sequence[str]) -> list[Sequence]:
    """One row per key, where the key first came, as row-by-row upserts leave it: the first
    row's values, then each later row's ``update`` columns over them."""
    at = [columns.index(k) for k in keys]
    changed = [columns.index(c) for c in update]
    first: dict[tuple, int] = {}
    out: list[Sequence] = []
    for row in rows:
        key = tuple(row[i] for i in at)
        if key not in first:
            first[key] = len(out)
            out.append(row)
            continue
        merged = list(out[first[key]])
        for i in changed:
            merged[i] = row[i]
        out[first[key]] = merged
    return out
