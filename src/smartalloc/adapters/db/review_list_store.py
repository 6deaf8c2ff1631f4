"""``ReviewListStore`` on SQLAlchemy (issue K): the database's side of the review list.

The runs (each with the folder it recorded, where its kept explanation file is when it kept
one), the mentors' names, where students stand now, the open flags and the students review
moved. A run that kept no explanation file — a command-line run — is read from the database
instead (``_DbDecisions``): its students (those whose last run it is) and its allocations, the
audit telling what the run itself decided for a student review changed since. That account has
no failure class or reason (the run kept none); the list says so and where to look.

Reads only: no lock (the list is advice; every action re-checks under the run lock).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, func, select

from smartalloc.adapters.db.schema import Allocation, Mentor, ReviewRow, Run, Student
from smartalloc.domain.review import FLAGS, MOVING, ReviewAction
from smartalloc.domain.review_list import Decided, Flag
from smartalloc.domain.run_results import PlanLine
from smartalloc.service_layer.ports import OUTPUT_FILES
from smartalloc.service_layer.review_list import RunDecisions, RunOnRecord

PASSED = "PASSED_QA"
_CHUNK = 500
_MOVING = [str(a) for a in MOVING]
_FLAGS = [str(a) for a in FLAGS]



class KeptRunDecisions(RunDecisions, Protocol):
    def exists(self) -> bool: ...


# (kept file's path, run id) → the run's kept decisions (``adapters.kept_decisions``)
OpenKept = Callable[[Path, str], KeptRunDecisions]


class SqlReviewList:
    def __init__(self, engine: Engine, open_kept: OpenKept):
        self.engine, self.open_kept = engine, open_kept

    def runs(self) -> list[RunOnRecord]:
        query = select(Run.c.run_id, Run.c.started_at, Run.c.qa_status, Run.c.out_dir).order_by(
            Run.c.started_at, Run.c.run_id)
        with self.engine.connect() as conn:
            return [RunOnRecord(run_id, at, status == PASSED, folder or "")
                    for run_id, at, status, folder in conn.execute(query)]

    def open_run(self, run: RunOnRecord) -> RunDecisions:
        """The run's kept file when it has one, else the database's account of it."""
        if run.folder:
            kept = self.open_kept(Path(run.folder) / OUTPUT_FILES["explain"], run.run_id)
            if kept.exists():
                return kept
        return _DbDecisions(self.engine, run.run_id)

    def mentor_names(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(Mentor.c.mentor_id, Mentor.c.name)).all())

    def holdings(self, national_ids: Collection[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(national_ids):
                found.update(conn.execute(select(Allocation.c.national_id, Allocation.c.mentor_id)
                                          .where(Allocation.c.national_id.in_(chunk))).all())
        return found

    def on_mentors(self, mentor_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(mentor_ids):
                found.update((nid, (mentor, run)) for nid, mentor, run in conn.execute(
                    select(Allocation.c.national_id, Allocation.c.mentor_id, Allocation.c.run_id)
                    .where(Allocation.c.mentor_id.in_(chunk))))
        return found

    def open_flags(self) -> dict[str, Flag]:
        """The students whose latest flag row is a flag (no unflag after it)."""
        latest = (select(func.max(ReviewRow.c.id)).where(ReviewRow.c.action.in_(_FLAGS))
                  .group_by(ReviewRow.c.national_id))
        query = (select(ReviewRow.c.national_id, ReviewRow.c.reason, ReviewRow.c.changed_by,
                        ReviewRow.c.changed_at, ReviewRow.c.run_id)
                 .where(ReviewRow.c.id.in_(latest), ReviewRow.c.action == str(ReviewAction.FLAG)))
        with self.engine.connect() as conn:
            return {row[0]: Flag(*row) for row in conn.execute(query)}

    def reviewed(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(ReviewRow.c.national_id).distinct()
                                    .where(ReviewRow.c.action.in_(_MOVING))).scalars())


class _DbDecisions:
    """A run that kept no explanation file, as the database tells it: its students are those
    whose last run it is, plus those it allocated; what the run gave a student review has
    changed since is the ``from`` of the student's first change in that run."""

    def __init__(self, engine: Engine, run_id: str):
        self.engine, self.run_id = engine, run_id
        self._read: dict[str, Decided] | None = None

    def mentors(self) -> dict[str, tuple[str, str]]:
        return {}                  # names are the database's; no alias is kept

    def _students(self) -> dict[str, Decided]:
        if self._read is None:
            self._read = self._load()
        return self._read

    def _load(self) -> dict[str, Decided]:
        run = self.run_id
        with self.engine.connect() as conn:
            keys = {r[0]: tuple(r[1:]) for r in conn.execute(select(
                Student.c.national_id, Student.c.group_code, Student.c.gender,
                Student.c.graduation_status, Student.c.center, Student.c.finance,
                Student.c.school_code).where(Student.c.last_run_id == run))}
            held = dict(conn.execute(select(Allocation.c.national_id, Allocation.c.mentor_id)
                                     .where(Allocation.c.run_id == run)).all())
            first: dict[str, str] = {}
            for nid, before in conn.execute(
                    select(ReviewRow.c.national_id, ReviewRow.c.from_mentor)
                    .where(ReviewRow.c.run_id == run, ReviewRow.c.action.in_(_MOVING))
                    .order_by(ReviewRow.c.id)):
                first.setdefault(nid, before)     # the run's own mentor, before review
        return {nid: Decided(nid, run, first[nid] if nid in first else held.get(nid, ""),
                             keys=None if None in keys.get(nid, (None,)) else keys[nid],
                             kept=False)
                for nid in sorted({*keys, *held})}

    def decided(self, *, mentors: Collection[str],
                national_ids: Collection[str]) -> list[Decided]:
        wanted_mentors, wanted = set(mentors), set(national_ids)
        return [d for nid, d in self._students().items()
                if not d.mentor_id or d.mentor_id in wanted_mentors or nid in wanted]

    def contains(self, national_ids: Collection[str]) -> set[str]:
        return set(national_ids) & set(self._students())

    def plan(self) -> list[PlanLine]:
        return []


def _chunks(values: Collection[str]):
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start:start + _CHUNK]
