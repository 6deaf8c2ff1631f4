"""Exports after review (issue K): a run's ImportToSabt as the database holds it now.

After review actions the run's own ImportToSabt no longer says what the agency should upload,
and editing it by hand is what review exists to end. A **version** of the run's export is
rebuilt from the database's allocations of that run (with their current mentors and codes) and
the run's own student report, through the same ``build_sabt`` the run used — so with no review
a version is the run's workbook again, byte for byte, and after review it differs only in the
rows review changed. With it come a **delta** (only the students changed since the previous
version: their new rows, and the released, for the correction upload) and QA on the reviewed
set.

This module decides what goes in; it reads and writes nothing (``service_layer.review_export``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.policy import Channel
from smartalloc.domain.records import StudentRecord
from smartalloc.domain.review import ReviewAction, ReviewChange

FIRST_VERSION = 1        # the run's own workbooks; review versions count on from 2
# A version's workbooks by kind: the whole ImportToSabt, the correction upload, QA.
VERSION_FILES = {"full": "import_to_sabt.xlsx", "changes": "import_to_sabt_changes.xlsx",
                 "qa": "qa.xlsx"}


@dataclass(frozen=True)
class Placed:
    """A student's allocation in the database now: its mentor and code."""

    mentor_id: str
    code: str


@dataclass(frozen=True)
class AuditedChange:
    """A review change with its audit number (which orders changes and bounds a version)."""

    number: int
    change: ReviewChange


@dataclass(frozen=True)
class ExportVersion:
    """One version of a run's export, as recorded (version 1 is the run's own)."""

    run_id: str
    version: int
    audit_head: int           # the last audit number the version includes
    made_at: str
    made_by: str
    rows: int                 # Sheet2 rows (allocated students)
    changed: int              # students in the delta (rows changed or released)
    exceptions: int
    qa_status: str
    folder: str


@dataclass(frozen=True)
class Delta:
    """What changed since the previous version: students whose row is new or different, those
    released (no row now), and the audited changes that did it, oldest first."""

    changed: tuple[str, ...]
    released: tuple[str, ...]
    changes: tuple[AuditedChange, ...]


# alias and whether it is a school row, for a student placed with a mentor
AliasOf = Callable[[StudentRecord, str], tuple[str, bool]]


def reviewed_decisions(students: Sequence[StudentRecord], placed: Mapping[str, Placed],
                       alias_of: AliasOf, channel_of: Callable[[StudentRecord], Channel]
                       ) -> list[Decision]:
    """One decision per student record of the run's report, in report order (D18): the first
    record of a national id (the one dedupe keeps) is allocated when the database holds an
    allocation of this run for it; every other record is not. Sheet2 is built from these."""
    decisions, seen = [], set()
    for index, student in enumerate(students):
        nid = student.national_id
        where = placed.get(nid) if nid not in seen else None
        seen.add(nid)
        if where is None:
            decisions.append(Decision(index, nid, Outcome.FAILED, channel_of(student)))
            continue
        alias, school_row = alias_of(student, where.mentor_id)
        decisions.append(Decision(index, nid, Outcome.ALLOCATED, channel_of(student),
                                  where.mentor_id, alias=alias, is_school_row=school_row,
                                  code=where.code))
    return decisions


def delta(changes: Sequence[AuditedChange], placed: Mapping[str, Placed]) -> Delta:
    """The students ``changes`` touched, split by where they stand now: with a row (assigned or
    moved, possibly released and assigned again) or released. Flags change no row."""
    moving = (ReviewAction.ASSIGN, ReviewAction.MOVE, ReviewAction.RELEASE)
    touched = sorted({c.change.national_id for c in changes if c.change.action in moving})
    return Delta(tuple(n for n in touched if n in placed),
                 tuple(n for n in touched if n not in placed),
                 tuple(c for c in changes if c.change.action in moving))
