"""``LiveAllocations`` on SQLAlchemy (issue L, mode "now"): one live entry, one transaction.

The transaction holds the run lock (``locks.run_locked_transaction``), as a review action
does: a run counts the seats history has taken when it starts and commits its own at the end,
so an entry allocated in between could fill a seat twice. Two live entries are serialised by it too, which
is what keeps the last seat single; inside, PostgreSQL rows are read ``FOR UPDATE`` as well —
the candidate mentors in id order (no deadlock between two writers), the student's allocation
and the counter row — for any writer that does not take the lock.

The entry, the student, the allocation, the counter and the events commit together (the
transactional outbox of issue D): a rolled-back entry leaves no seat taken, no code drawn and
nothing to publish.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from smartalloc.adapters.db.code_counter import kept_code, take_sequence
from smartalloc.adapters.db.intake_store import TABLE, entry_of, key_is, values_of
from smartalloc.adapters.db.intake_store import C as ENTRY
from smartalloc.adapters.db.locks import LockBusy, run_locked_transaction
from smartalloc.adapters.db.outbox import write_outbox
from smartalloc.adapters.db.schema import (
    AgencyProfileVersion,
    Allocation,
    Mentor,
    MentorStatusChange,
    Run,
)
from smartalloc.adapters.db.store import (
    advance_counters,
    allocation_row,
    history_of,
    student_row,
    upsert_students,
)
from smartalloc.domain.events import Event
from smartalloc.domain.intake import REJECTED, EntryKey
from smartalloc.domain.records import HistoryEntry, StudentRecord
from smartalloc.service_layer.intake import StoredEntry
from smartalloc.service_layer.live_intake import BatchRunning, RaceLost

# How long an entry waits for a run holding the lock before it is queued for the batch: the
# site's request must be answered well inside the Webhooks add-on's timeout.
LOCK_WAIT = 2.0
RACES = ("23505", "40P01")   # unique violation, deadlock detected: decide the entry again


class SqlLiveAllocations:
    def __init__(self, engine: Engine, *, outbox: bool, wait: float = LOCK_WAIT):
        self.engine, self.outbox, self.wait = engine, outbox, wait

    @contextmanager
    def allocating(self) -> Iterator[_Transaction]:
        try:
            with run_locked_transaction(self.engine, shared=True, wait=self.wait) as conn:
                yield _Transaction(conn, self.outbox)
        except LockBusy:
            raise BatchRunning() from None
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) in RACES:
                raise RaceLost() from None
            raise


class _Transaction:
    def __init__(self, conn, outbox: bool):
        self.conn, self.outbox = conn, outbox
        self.locking = conn.dialect.name == "postgresql"

    def basis_mark(self) -> tuple:
        latest = (select(Run.run_id).order_by(Run.started_at.desc(), Run.run_id.desc())
                  .limit(1).scalar_subquery())
        change = select(func.max(MentorStatusChange.id)).scalar_subquery()
        profile = select(func.max(AgencyProfileVersion.version)).scalar_subquery()
        return tuple(self.conn.execute(select(latest, change, profile)).one())

    def find(self, key: EntryKey) -> StoredEntry | None:
        row = self.conn.execute(select(TABLE).where(*key_is(key))).mappings().first()
        return None if row is None else entry_of(row)

    def holding(self, national_id: str) -> HistoryEntry | None:
        return history_of(self.conn, national_id)

    def already(self, mentor_ids: Sequence[str], runs: Collection[str]) -> dict[str, int]:
        wanted = sorted(set(mentor_ids))
        if not wanted:
            return {}
        if self.locking:   # in id order: two entries never wait for each other in a cycle
            self.conn.execute(select(Mentor.mentor_id).where(Mentor.mentor_id.in_(wanted))
                              .order_by(Mentor.mentor_id).with_for_update()).all()
        if not runs:
            return {}
        # A statement of its own, after the locks: under READ COMMITTED it sees every
        # allocation committed by the entry that held them.
        return dict(self.conn.execute(
            select(Allocation.mentor_id, func.count())
            .where(Allocation.mentor_id.in_(wanted), Allocation.run_id.in_(sorted(runs)))
            .group_by(Allocation.mentor_id)).all())

    def kept_code(self, national_id: str) -> str:
        return kept_code(self.conn, national_id)

    def code_holder(self, code: str) -> str:
        if not code:
            return ""
        return self.conn.execute(select(Allocation.national_id)
                                 .where(Allocation.code == code)).scalar() or ""

    def take_sequence(self, yy: int, mid: str, floor: int = 0) -> int:
        return take_sequence(self.conn, yy, mid, floor)

    def save(self, entry: StoredEntry, student: StudentRecord, allocation: HistoryEntry | None,
             events: Sequence[Event], *, replace_rejected: bool, kept_code: bool) -> None:
        if replace_rejected:
            self.conn.execute(update(TABLE).where(*key_is(entry.key),
                                                  ENTRY["status"] == REJECTED)
                              .values(values_of(entry)))
        else:
            self.conn.execute(insert(TABLE).values(values_of(entry)))
        if allocation is not None:
            upsert_students(self.conn, [student_row(student, allocation.run_id)])
            self.conn.execute(insert(Allocation).values(allocation_row(allocation)))
            if kept_code:     # the counter moves past a kept code above it
                advance_counters(self.conn, [allocation])
        if self.outbox:
            write_outbox(self.conn, list(events))

    def commit(self) -> None:
        self.conn.commit()
