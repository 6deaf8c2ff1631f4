"""``HistoryStore`` on SQLAlchemy: the same code on the SQLite default and on PostgreSQL.

A run's allocations, its record, the registration counters and the snapshot of mentors and
students are written in one transaction; the workbooks are published right after it commits,
and a run killed in between is published at the next start (``committed`` tells which).
The national id is the primary key of تخصیص_ها: a second allocation of
a student is refused by the database itself, whatever the code above it does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import Engine, delete, func, insert, or_, select, update

from smartalloc.adapters.db.agency_profiles import AgencyProfiles
from smartalloc.adapters.db.engine import make_engine
from smartalloc.adapters.db.locks import run_lock
from smartalloc.adapters.db.outbox import outbox_enabled, write_outbox
from smartalloc.adapters.db.run_unit_of_work import SqlRunUnitOfWork
from smartalloc.adapters.db.schema import (
    Allocation,
    Counter,
    IntakeEntry,
    Mentor,
    MentorGroup,
    MentorSchool,
    MentorStatusChange,
    ReviewRow,
    Run,
    Student,
)
from smartalloc.adapters.db.upsert import Rows, insert_rows, upsert
from smartalloc.domain.agency_profile import AgencyProfile
from smartalloc.domain.counters import CODE_PATTERN
from smartalloc.domain.events import Event
from smartalloc.domain.intake import ALLOCATED as LIVE_ALLOCATED
from smartalloc.domain.policy import GovernanceEntry, MentorStatus
from smartalloc.domain.records import STUDENT_INDEX, HistoryEntry, RosterEntry, StudentRecord
from smartalloc.domain.review import MOVING
from smartalloc.service_layer.ports import EventsFactory, RunRecord, Snapshot
from smartalloc.service_layer.progress import step

ALLOCATION_COLUMNS = (Allocation.c.national_id, Allocation.c.mentor_id, Allocation.c.code,
                       Allocation.c.group_code, Allocation.c.gender, Allocation.c.graduation_status,
                       Allocation.c.center, Allocation.c.finance, Allocation.c.school_code,
                       Allocation.c.channel, Allocation.c.allocated_at, Allocation.c.run_id,
                       Allocation.c.policy_stamp)


def history_entry(row) -> HistoryEntry:
    return HistoryEntry(row[0], row[1], row[2], tuple(row[3:9]), row[9], row[10] or "", row[11],
                        row[12])


ALLOCATION_ATTRS = tuple(c.key for c in ALLOCATION_COLUMNS)


def allocation_values(e: HistoryEntry) -> tuple:
    """The allocation's row in ``ALLOCATION_ATTRS`` order (a run's bulk insert)."""
    return (e.national_id, e.mentor_id, e.code, *e.keys, e.channel, e.allocated_at, e.run_id,
            e.policy_stamp)


def allocation_row(e: HistoryEntry) -> dict:
    """The allocation's row as {attribute: value} (one entry's write)."""
    return dict(zip(ALLOCATION_ATTRS, allocation_values(e), strict=True))


def allocation_rows(entries: Sequence[HistoryEntry]) -> Rows:
    return Rows(ALLOCATION_ATTRS, [allocation_values(e) for e in entries])


def advance_counters(conn, entries: Sequence[HistoryEntry]) -> None:
    """Lock the (year, mid) counter rows and move them past every code issued (a run's, or
    a live entry's kept code)."""
    highest: dict[tuple[int, str], int] = {}
    for e in entries:
        m = CODE_PATTERN.match(e.code)
        if m:
            key = (int(m.group(1)), m.group(2))
            highest[key] = max(highest.get(key, 0), int(m.group(3)))
    for (year, mid), seq in sorted(highest.items()):
        query = select(Counter.c.last_sequence).where(Counter.c.year == year, Counter.c.mid == mid)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        current = conn.execute(query).scalar()
        if current is None:
            conn.execute(insert(Counter).values(year=year, mid=mid, last_sequence=seq))
        elif seq > current:
            conn.execute(update(Counter).where(Counter.c.year == year, Counter.c.mid == mid)
                         .values(last_sequence=seq))


class SqlStore:
    """The system of record on any SQLAlchemy URL (schema kept current by Alembic)."""

    def __init__(self, url: str, engine: Engine | None = None, *, outbox: bool | None = None):
        """``outbox``: write domain events for the relay (default: on for PostgreSQL, off for
        the embedded SQLite file, which has no broker; ``$SMARTALLOC_OUTBOX`` on/off wins)."""
        self.url = url
        self.engine = engine or make_engine(url)
        self.outbox = outbox_enabled(self.engine) if outbox is None else outbox
        from smartalloc.adapters.db.bootstrap import ensure_schema

        ensure_schema(self.url, self.engine)

    # --- reading ---------------------------------------------------------------------------
    def exclusive(self) -> AbstractContextManager[None]:
        return run_lock(self.engine)

    def load(self, exclude_runs: Sequence[str] = ()) -> list[HistoryEntry]:
        query = select(*ALLOCATION_COLUMNS).order_by(Allocation.c.national_id)
        if exclude_runs:
            query = query.where(Allocation.c.run_id.not_in(list(exclude_runs)))
        with self.engine.connect() as conn:
            return [history_entry(r) for r in conn.execute(query)]

    def search(self, national_id: str) -> list[HistoryEntry]:
        with self.engine.connect() as conn:
            found = history_of(conn, national_id)
        return [found] if found else []

    def of_mentor(self, mentor_id: str, limit: int = 1000) -> list[HistoryEntry]:
        query = (select(*ALLOCATION_COLUMNS).where(Allocation.c.mentor_id == mentor_id)
                 .order_by(Allocation.c.code).limit(limit))
        with self.engine.connect() as conn:
            return [history_entry(r) for r in conn.execute(query)]

    def runs_with_input(self, sha256: str) -> list[str]:
        with self.engine.connect() as conn:
            return runs_with_input(conn, sha256)

    def runs_since(self, run_id: str) -> list[str]:
        with self.engine.connect() as conn:
            first = conn.execute(select(Run.c.started_at).where(Run.c.run_id == run_id)).scalar()
            if first is None:
                return []
            return list(conn.execute(select(Run.c.run_id).where(Run.c.started_at >= first)
                                     .order_by(Run.c.started_at, Run.c.run_id)).scalars())

    def reviewed(self, run_id: str) -> int:
        with self.engine.connect() as conn:
            # a flag is a note, which a replay would not undo: only allocation changes count
            changes = conn.execute(select(func.count()).select_from(ReviewRow).where(
                ReviewRow.c.run_id == run_id,
                ReviewRow.c.action.in_([str(a) for a in MOVING]))).scalar() or 0
            live = conn.execute(  # live entries allocated on this run's reports (issue L)
                select(func.count()).select_from(Allocation)
                .join(IntakeEntry, IntakeEntry.c.national_id == Allocation.c.national_id)
                .where(Allocation.c.run_id == run_id, IntakeEntry.c.status == LIVE_ALLOCATED)
            ).scalar() or 0
            return changes + live

    def kept_codes(self) -> list[RosterEntry]:
        with self.engine.connect() as conn:
            return [RosterEntry(code, nid, None, "review") for code, nid in conn.execute(
                select(ReviewRow.c.code, ReviewRow.c.national_id).distinct()
                .where(ReviewRow.c.action.in_([str(a) for a in MOVING]))   # not a flag's note
                .order_by(ReviewRow.c.code))]

    def committed(self, folders: Sequence[str]) -> dict[str, str]:
        """A run records its own output folder (``…/<name>``); these names were committed."""
        if not folders:
            return {}
        query = select(Run.c.out_dir, Run.c.started_at).where(
            or_(*(Run.c.out_dir.endswith(f"/{name}", autoescape=True) for name in folders)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {name: at for out_dir, at in rows for name in folders
                if out_dir.endswith(f"/{name}")}

    def governance(self) -> dict[str, GovernanceEntry]:
        latest = (select(MentorStatusChange.c.mentor_id, func.max(MentorStatusChange.c.id).label("id"))
                  .group_by(MentorStatusChange.c.mentor_id).subquery())
        query = (select(Mentor.c.mentor_id, Mentor.c.status, Mentor.c.allowed_schools,
                        Mentor.c.allowed_channels, MentorStatusChange.c.reason,
                        MentorStatusChange.c.changed_by, MentorStatusChange.c.changed_at)
                 .join(latest, latest.c.mentor_id == Mentor.c.mentor_id)
                 .join(MentorStatusChange, MentorStatusChange.c.id == latest.c.id))
        with self.engine.connect() as conn:
            return {mid: GovernanceEntry(status=MentorStatus(status), reason=reason,
                                         allowed_schools=schools or [],
                                         allowed_channels=channels or [], changed_by=by,
                                         changed_at=at)
                    for mid, status, schools, channels, reason, by, at in conn.execute(query)}

    def agency_profile(self) -> AgencyProfile | None:
        return AgencyProfiles(self.engine).latest()

    # --- writing ---------------------------------------------------------------------------
    def unit_of_work(self) -> SqlRunUnitOfWork:
        return SqlRunUnitOfWork(self)

    def record(self, run: RunRecord, entries: Sequence[HistoryEntry],
               before_commit: Callable[[], object] | None = None,
               snapshot: Snapshot | None = None,
               events: Sequence[Event] = ()) -> None:
        """A run's unit of work in one call (imports and tests); ``before_commit`` runs
        inside the transaction, and a failure there rolls everything back."""
        with self.unit_of_work() as uow:
            uow.record(run, entries, snapshot, lambda: events)
            if before_commit is not None:
                before_commit()
            uow.commit()

    def _write_run(self, conn, run: RunRecord, entries: Sequence[HistoryEntry],
                   snapshot: Snapshot | None, events: EventsFactory | None) -> None:
        # A replay of the same run replaces its own earlier rows (idempotent re-runs) and
        # keeps its place in the commit order, which later replays rely on.
        first = conn.execute(select(Run.c.started_at).where(Run.c.run_id == run.run_id)).scalar()
        conn.execute(delete(Allocation).where(Allocation.c.run_id == run.run_id))
        conn.execute(delete(Run).where(Run.c.run_id == run.run_id))
        conn.execute(insert(Run).values(
            run_id=run.run_id, started_at=first or run.started_at,
            policy_stamp=run.policy_stamp, inputs=run.inputs, counts=run.counts,
            qa_status=run.qa_status, out_dir=run.out_dir))
        if snapshot is not None:
            self._store_snapshot(conn, snapshot, run.run_id)
        step("history", 1, 3)       # seconds each at 100k: the run's page shows the part
        insert_rows(conn, Allocation, allocation_rows(entries))
        self._advance_counters(conn, entries)
        step("history", 2, 3)
        if self.outbox:   # built only here: a store without an outbox never pays for them
            write_outbox(conn, list(events()) if events else [], replace_run=run.run_id)

    # Tests wrap it to fail inside the run's transaction (atomicity).
    _advance_counters = staticmethod(advance_counters)

    @staticmethod
    def _store_snapshot(conn, snap: Snapshot, run_id: str) -> None:
        # New mentors start active with no restriction; an existing row keeps its governance.
        mentors = [{"mentor_id": m.mentor_id, "name": m.name, "manager": m.manager,
                    "gender": m.gender, "center": m.center, "capacity": m.capacity,
                    "covered": m.covered, "report_sha": snap.report_sha, "alias": "",
                    "status": "active", "allowed_channels": "[]", "allowed_schools": "[]"}
                   for m in snap.mentors]
        upsert(conn, Mentor, mentors, ["mentor_id"],
               ["name", "manager", "gender", "center", "capacity", "covered", "report_sha"])
        ids = [m["mentor_id"] for m in mentors]
        for table, column, values in ((MentorGroup, "group_code", snap.mentor_groups),
                                      (MentorSchool, "school_code", snap.mentor_schools)):
            if ids:
                conn.execute(delete(table).where(table.c.mentor_id.in_(ids)))
            insert_rows(conn, table, [{"mentor_id": mid, column: v} for mid in ids
                                      for v in sorted(set(values.get(mid, ())))])
        upsert_students(conn, _unique_students(snap.students), run_id)

    def import_entries(self, entries: Sequence[HistoryEntry]) -> int:
        """Load a history seed (allocations made elsewhere); ids already present are kept."""
        with self.engine.begin() as conn:
            known = set(conn.execute(select(Allocation.c.national_id)).scalars())
            known_codes = set(conn.execute(select(Allocation.c.code)).scalars())
            fresh = [e for e in entries if e.national_id not in known and e.code not in known_codes]
            unique: dict[str, HistoryEntry] = {}
            for e in fresh:
                unique.setdefault(e.national_id, e)
            seeded = list(unique.values())
            if seeded:
                insert_rows(conn, Allocation, allocation_rows(seeded))
                self._advance_counters(conn, seeded)
            return len(seeded)


STUDENT_UPDATE = ("first_name", "last_name", "group_code", "gender", "graduation_status",
                  "center", "finance", "school_code", "last_run_id")
STUDENT_ATTRS = ("national_id", *STUDENT_UPDATE)
_FIRST, _LAST = STUDENT_INDEX["نام"], STUDENT_INDEX["نام خانوادگی"]


def student_values(s: StudentRecord, run_id: str) -> tuple:
    """The student as the students table keeps it, last decided in ``run_id``, in
    ``STUDENT_ATTRS`` order."""
    return (s.national_id, s.values[_FIRST], s.values[_LAST], s.group, s.gender, s.status,
            s.center, s.finance, s.school, run_id)


def student_row(s: StudentRecord, run_id: str) -> dict:
    """``student_values`` as {attribute: value} (one entry's write)."""
    return dict(zip(STUDENT_ATTRS, student_values(s, run_id), strict=True))


def upsert_students(conn, students: Iterable[StudentRecord], run_id: str) -> None:
    rows = Rows(STUDENT_ATTRS, [student_values(s, run_id) for s in students])
    upsert(conn, Student, rows, ["national_id"], STUDENT_UPDATE)


def history_of(conn, national_id: str) -> HistoryEntry | None:
    """The student's allocation, if it holds one (one per national id, ever)."""
    row = conn.execute(select(*ALLOCATION_COLUMNS)
                       .where(Allocation.c.national_id == national_id)).first()
    return history_entry(row) if row else None


def runs_with_input(conn, sha256: str) -> list[str]:
    """The runs that read an input file with this content, in commit order (the runs whose
    allocations used the seats of an InspactorReport: ``seats_taken_since_report``)."""
    rows = conn.execute(select(Run.c.run_id, Run.c.inputs).order_by(Run.c.started_at)).all()
    return [run_id for run_id, inputs in rows if sha256 in (inputs or {}).values()]


def _unique_students(students) -> Iterator:
    seen: set[str] = set()
    for s in students:
        if s.national_id and len(s.national_id) == 10 and s.national_id not in seen:
            seen.add(s.national_id)
            yield s
