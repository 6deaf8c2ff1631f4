"""The psycopg connection under a SQLAlchemy ``Connection``, for what SQLAlchemy does not do:
COPY (``pg_copy``) and several statements in one trip (``results_of``). Both run in the
caller's transaction, and a driver error is raised as SQLAlchemy would have raised it
(``IntegrityError`` for a broken key, ``OperationalError`` for a lock timeout …), so callers
handle one kind of error whichever path a statement took.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError


@contextmanager
def as_sqlalchemy_error(statement: str) -> Iterator[None]:
    import psycopg  # here, not at import: a SQLite run never loads the driver

    try:
        yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def results_of(conn, sql: str, params: Mapping[str, object]) -> list[list[tuple]]:
    """The rows of each statement of ``sql`` (several, ``;``-separated), sent in **one** trip
    to the server: the values are bound on the client by psycopg (``ClientCursor``: quoted by
    the driver, never by string formatting here) and the text goes as one simple query, whose
    statements run in order, each with its own snapshot — so one can count what another
    waited for."""
    import psycopg

    with as_sqlalchemy_error(sql), \
            psycopg.ClientCursor(conn.connection.driver_connection) as cur:
        cur.execute(sql, params)
        results = [cur.fetchall() if cur.description else []]
        while cur.nextset():
            results.append(cur.fetchall() if cur.description else [])
    return results
