"""``LiveAllocations`` on SQLAlchemy (issue L, mode "now"): one live entry, one transaction.

The transaction holds the run lock **shared** (``locks.run_locked_transaction``): a run counts
the seats history has taken when it starts and commits its own at the end, so an entry
allocated in between could fill a seat twice, and runs and review actions take the lock
exclusively. Live entries on PostgreSQL do not exclude each other (SQLite's file lock is
always exclusive): the candidate mentors' rows are read ``FOR UPDATE`` (in id order: no two
entries wait for each other in a cycle) before their seats are counted, and the counter row
is locked by its upsert — that is what keeps the last seat single between entries. The wait
for the run lock is bounded (``LOCK_WAIT``): during a run the entry is queued for the batch.

The entry, the student, the allocation, the counter and the events commit together (the
transactional outbox of issue D): a rolled-back entry leaves no seat taken, no code drawn and
nothing to publish.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Engine, and_, bindparam, func, literal, select
from sqlalchemy.exc import DBAPIError

from smartalloc.adapters.db.code_counter import kept_code_query, take_sequence
from smartalloc.adapters.db.intake_store import TABLE, entry_of, entry_writes
from smartalloc.adapters.db.intake_store import C as ENTRY
from smartalloc.adapters.db.locks import LockBusy, run_locked_transaction
from smartalloc.adapters.db.outbox import outbox_write
from smartalloc.adapters.db.pg_copy import quote
from smartalloc.adapters.db.pg_driver import results_of
from smartalloc.adapters.db.schema import (
    AgencyProfileVersion,
    Allocation,
    Mentor,
    MentorStatusChange,
    Run,
    Student,
)
from smartalloc.adapters.db.store import (
    ALLOCATION_COLUMNS,
    STUDENT_UPDATE,
    advance_counters,
    allocation_row,
    history_entry,
    student_row,
)
from smartalloc.adapters.db.together import Write, write_together
from smartalloc.domain.events import Event
from smartalloc.domain.intake import EntryKey
from smartalloc.domain.records import HistoryEntry, StudentRecord
from smartalloc.service_layer.intake import StoredEntry
from smartalloc.service_layer.live_intake import BatchRunning, Look, RaceLost

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


# Built once: an entry's statements differ only in their parameters, so each is compiled and
# keyed for the cache once per process, not once per entry (a third of an entry's CPU before).
_ENTRY = list(TABLE.c)
_LOOK = (select(select(Run.c.run_id).order_by(Run.c.started_at.desc(), Run.c.run_id.desc())
                .limit(1).scalar_subquery(),
                select(func.max(MentorStatusChange.c.id)).scalar_subquery(),
                select(func.max(AgencyProfileVersion.c.version)).scalar_subquery(),
                kept_code_query(bindparam("nid")).scalar_subquery(),
                *_ENTRY, *ALLOCATION_COLUMNS)
         .select_from(select(literal(1).label("one")).subquery())
         .outerjoin(TABLE, and_(ENTRY["source"] == bindparam("source"),
                                ENTRY["form_id"] == bindparam("form_id"),
                                ENTRY["entry_id"] == bindparam("entry_id")))
         .outerjoin(Allocation, Allocation.c.national_id == bindparam("nid")))
_IDS = bindparam("ids", expanding=True)
_SEATS = (select(Allocation.c.mentor_id, func.count())
          .where(Allocation.c.mentor_id.in_(_IDS),
                 Allocation.c.run_id.in_(bindparam("runs", expanding=True)))
          .group_by(Allocation.c.mentor_id))
# PostgreSQL: the candidates' rows locked and their seats counted in **one** trip — two
# statements of one simple query (``pg_driver.results_of``); the count, a statement of its
# own, takes its snapshot once the locks are granted. ``_SEATS`` in PostgreSQL's own words
# (arrays, where the portable form expands a list): the time between an entry's locks and
# its commit is the time other entries with those candidates wait.
_M, _A = Mentor.c, Allocation.c
_LOCK_AND_COUNT = (
    f"SELECT 1 FROM {quote(Mentor.name)} WHERE {quote(_M['mentor_id'].name)} "
    f"= ANY(%(ids)s) ORDER BY {quote(_M['mentor_id'].name)} FOR UPDATE; "
    f"SELECT {quote(_A['mentor_id'].name)}, count(*) FROM {quote(Allocation.name)} "
    f"WHERE {quote(_A['mentor_id'].name)} = ANY(%(ids)s) "
    f"AND {quote(_A['run_id'].name)} = ANY(%(runs)s) GROUP BY {quote(_A['mentor_id'].name)}")
_HOLDER = select(Allocation.c.national_id).where(Allocation.c.code == bindparam("code"))


class _Transaction:
    def __init__(self, conn, outbox: bool):
        self.conn, self.outbox = conn, outbox
        self.locking = conn.dialect.name == "postgresql"

    def look(self, key: EntryKey, national_id: str) -> Look:
        row = self.conn.execute(_LOOK, {"nid": national_id, "source": key.source,
                                        "form_id": key.form_id, "entry_id": key.entry_id}).one()
        stored, held = row[4:4 + len(_ENTRY)], row[4 + len(_ENTRY):]
        return Look(tuple(row[:3]),
                    entry_of(dict(zip(_ENTRY, stored, strict=True))) if stored[0] else None,
                    history_entry(held) if held[0] else None, row[3] or "")

    def already(self, mentor_ids: Sequence[str], runs: Collection[str]) -> dict[str, int]:
        wanted = sorted(set(mentor_ids))
        if not wanted:
            return {}
        if self.locking:   # in id order: two entries never wait for each other in a cycle
            # The count after the locks: under READ COMMITTED it sees every allocation
            # committed by the entry that held them.
            return dict(results_of(self.conn, _LOCK_AND_COUNT,
                                   {"ids": wanted, "runs": sorted(runs)})[1])
        if not runs:
            return {}
        return dict(self.conn.execute(_SEATS, {"ids": wanted, "runs": sorted(runs)}).all())

    def code_holder(self, code: str) -> str:
        if not code:
            return ""
        return self.conn.execute(_HOLDER, {"code": code}).scalar() or ""

    def take_sequence(self, yy: int, mid: str, floor: int = 0) -> int:
        return take_sequence(self.conn, yy, mid, floor)

    def save(self, entry: StoredEntry, student: StudentRecord, allocation: HistoryEntry | None,
             events: Sequence[Event], *, replace_rejected: bool, kept_code: bool) -> None:
        """The entry's writes in one round trip (``together``); a rejected entry sent again
        is replaced in place (rare: a statement of its own)."""
        writes, _ = entry_writes(self.conn, entry, replace_rejected=replace_rejected)
        if allocation is not None:
            if kept_code:     # the counter moves past a kept code above it
                advance_counters(self.conn, [allocation])
            writes += [Write(Student, [student_row(student, allocation.run_id)],
                             ("national_id",), STUDENT_UPDATE),
                       Write(Allocation, [allocation_row(allocation)])]
        if self.outbox:
            writes.append(outbox_write(events))
        write_together(self.conn, writes)

    def commit(self) -> None:
        self.conn.commit()
