"""``ReviewStore`` on SQLAlchemy (issue K): one review action, one transaction.

An action holds the run lock (``locks.run_locked_transaction``) for its transaction, as a run
does: a run counts the seats history has taken when it starts and commits its own at the end,
so a review slipping in between could fill a seat twice. Holding it (exclusively) also
serialises two operators, and an operator with live entries: the second reads the first's
change and is refused with its name. Inside, PostgreSQL rows are read ``FOR UPDATE`` as well,
for any writer that does not take the lock.

A mentor's seats are counted as a run counts them: the students its InspactorReport already
covers, plus every allocation made by a run that read that same report
(``seats_taken_since_report``) — so a review's allocation, which keeps the run it belongs to,
is counted by the next batch on that report too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Engine, delete, insert, select, update

from smartalloc.adapters.db.code_counter import kept_code, take_sequence
from smartalloc.adapters.db.locks import run_locked_transaction
from smartalloc.adapters.db.outbox import write_outbox
from smartalloc.adapters.db.run_unit_of_work import conflicts_named
from smartalloc.adapters.db.schema import Allocation, Mentor, ReviewRow, Run, Student
from smartalloc.adapters.db.seats_view import seats_of
from smartalloc.domain.events import Event
from smartalloc.domain.review import FLAGS, Holding, ReviewAction, ReviewChange, Seats
from smartalloc.service_layer.review import ReviewStudent

CHANNEL = "MANUAL"   # an allocation an operator made, not the engine


class SqlReviewStore:
    def __init__(self, engine: Engine, *, outbox: bool):
        self.engine, self.outbox = engine, outbox

    @contextmanager
    def review(self) -> Iterator[_Transaction]:
        with run_locked_transaction(self.engine) as conn:
            yield _Transaction(conn, self.outbox)

    def changes(self, national_id: str | None = None) -> list[ReviewChange]:
        """Every change, oldest first (of one student when ``national_id`` is given)."""
        query = select(*_AUDIT).order_by(ReviewRow.c.id)
        if national_id is not None:
            query = query.where(ReviewRow.c.national_id == national_id)
        with self.engine.connect() as conn:
            return [ReviewChange(nid, ReviewAction(action), *rest[:6], bool(rest[6]), rest[7])
                    for nid, action, *rest in conn.execute(query)]


_FLAGS = [str(a) for a in FLAGS]
_AUDIT = (ReviewRow.c.national_id, ReviewRow.c.action, ReviewRow.c.from_mentor, ReviewRow.c.to_mentor,
          ReviewRow.c.code, ReviewRow.c.reason, ReviewRow.c.changed_by, ReviewRow.c.changed_at,
          ReviewRow.c.exception, ReviewRow.c.run_id)


class _Transaction:
    def __init__(self, conn, outbox: bool):
        self.conn, self.outbox = conn, outbox
        self.locking = conn.dialect.name == "postgresql"

    def _one(self, query):
        return self.conn.execute(query.with_for_update() if self.locking else query).first()

    def student(self, national_id: str) -> ReviewStudent | None:
        row = self._one(select(Student.c.group_code, Student.c.gender, Student.c.graduation_status,
                               Student.c.center, Student.c.finance, Student.c.school_code,
                               Student.c.last_run_id).where(Student.c.national_id == national_id))
        if row is None:
            return None
        keys = tuple(row[:6])
        return ReviewStudent(national_id, keys, row[1], row[6])  # type: ignore[arg-type]

    def holding(self, national_id: str) -> Holding | None:
        row = self._one(select(Allocation.c.mentor_id, Allocation.c.code, Allocation.c.run_id)
                        .where(Allocation.c.national_id == national_id))
        return Holding(national_id, row[0], row[1], row[2]) if row else None

    def seats(self, mentor_id: str) -> Seats | None:
        if self._one(select(Mentor.c.mentor_id).where(Mentor.c.mentor_id == mentor_id)) is None:
            return None                             # (the mentor's row is locked from here)
        return seats_of(self.conn, [mentor_id]).get(mentor_id)

    def kept_code(self, national_id: str) -> str:
        return kept_code(self.conn, national_id)

    def flagged(self, national_id: str) -> bool:
        latest = self.conn.execute(
            select(ReviewRow.c.action).where(ReviewRow.c.national_id == national_id,
                                             ReviewRow.c.action.in_(_FLAGS))
            .order_by(ReviewRow.c.id.desc()).limit(1)).scalar()
        return latest == ReviewAction.FLAG

    def take_sequence(self, yy: int, mid: str, floor: int = 0) -> int:
        return take_sequence(self.conn, yy, mid, floor)

    def apply(self, change: ReviewChange, events: Callable[[int], Sequence[Event]]) -> int:
        with conflicts_named():
            if change.action in FLAGS:
                pass                      # a note: the audit row below is all it writes
            elif change.action is ReviewAction.RELEASE:
                self.conn.execute(delete(Allocation)
                                  .where(Allocation.c.national_id == change.national_id))
            elif change.from_mentor:
                self.conn.execute(update(Allocation)
                                  .where(Allocation.c.national_id == change.national_id)
                                  .values(mentor_id=change.to_mentor))
            else:
                self._allocate(change)
            sequence = self.conn.execute(insert(ReviewRow).values(
                national_id=change.national_id, action=str(change.action),
                from_mentor=change.from_mentor, to_mentor=change.to_mentor, code=change.code,
                reason=change.reason, changed_by=change.by, changed_at=change.at,
                exception=change.exception, run_id=change.run_id)).inserted_primary_key[0]
            if self.outbox:
                write_outbox(self.conn, list(events(sequence)))
        return sequence

    def _allocate(self, change: ReviewChange) -> None:
        keys = self.conn.execute(select(
            Student.c.group_code, Student.c.gender, Student.c.graduation_status, Student.c.center,
            Student.c.finance, Student.c.school_code).where(
                Student.c.national_id == change.national_id)).one()
        stamp = self.conn.execute(select(Run.c.policy_stamp).where(
            Run.c.run_id == change.run_id)).scalar() or ""
        self.conn.execute(insert(Allocation).values(
            national_id=change.national_id, mentor_id=change.to_mentor, code=change.code,
            group_code=keys[0], gender=keys[1], graduation_status=keys[2], center=keys[3],
            finance=keys[4], school_code=keys[5], channel=CHANNEL,
            allocated_at=change.at[:10], run_id=change.run_id, policy_stamp=stamp))

    def commit(self) -> None:
        with conflicts_named():
            self.conn.commit()
