"""Registration codes drawn one student at a time (manual review, issue K; live intake, issue
L): the (year, mid) counter row taken under a row lock, and the code a review left a student.

A batch does not draw here: it derives its sequences from history and the roster
(``CounterBook``) and moves the counter past them at commit (``SqlStore``). A one-student
writer holds the run lock as well, so the two never interleave.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, case, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from smartalloc.adapters.db.schema import Counter, ReviewRow
from smartalloc.domain.review import MOVING

_MOVING = [str(a) for a in MOVING]


def take_sequence(conn, yy: int, mid: str, floor: int = 0) -> int:
    """The next sequence of the (year, mid) counter, above ``floor`` too (codes known outside
    the database); the transaction advances the counter to it. One statement — an upsert that
    returns the new value — so the row is locked from its first touch to the commit (and two
    writers creating the first row of a year do not collide)."""
    return conn.execute(_take(conn.dialect.name),
                        {"t_year": yy, "t_mid": mid, "t_first": floor + 1}).scalar_one()


@cache
def _take(dialect: str):
    """``take_sequence``'s statement, built once per dialect (a live entry runs it each time)."""
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(Counter)
    given = insert.excluded.last_sequence
    return insert.values(year=bindparam("t_year"), mid=bindparam("t_mid"),
                         last_sequence=bindparam("t_first")).on_conflict_do_update(
        index_elements=[Counter.c.year, Counter.c.mid],
        set_={Counter.c.last_sequence: case((Counter.c.last_sequence + 1 > given,
                                             Counter.c.last_sequence + 1), else_=given)},
    ).returning(Counter.c.last_sequence)


def kept_code(conn, national_id: str) -> str:
    """The code the student last held by a review (a release keeps it, D15); "" if none. A
    flag row is no holding: its code (often "") is never the answer."""
    return conn.execute(kept_code_query(national_id)).scalar() or ""


def kept_code_query(national_id: str | ColumnElement) -> Select:
    """``kept_code`` as a query (a live entry reads it with the rest in one statement)."""
    return (select(ReviewRow.c.code).where(ReviewRow.c.national_id == national_id,
                                           ReviewRow.c.action.in_(_MOVING))
            .order_by(ReviewRow.c.id.desc()).limit(1))
