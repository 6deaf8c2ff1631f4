"""Use case: a new version of a run's ImportToSabt after review (issue K), with its delta and QA.

The operator names a run and gives the same reports it read (as for explain and review: the
student report holds the names and phones Sheet2 needs; the database keeps only allocations).
The store reads, in one transaction under the run lock, the run's allocations now, the audited
changes since the previous version and the seats other runs hold; the rows are built by the
run's own ``build_sabt``; the files are sealed before the version is recorded and published
before it commits, so a version in the history always has its files (see
``adapters.review_export_files``).

Reports other than the ones the run read are refused: the rows of students nobody reviewed
would change with them, and a correction upload must change only what review changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Protocol

from smartalloc.domain.agency_profile import with_profile
from smartalloc.domain.candidates import CandidateIndex
from smartalloc.domain.decision import Outcome
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.errors import InputError, NotFoundError, Problem
from smartalloc.domain.policy import Policy
from smartalloc.domain.qa import QaContext, QaReport
from smartalloc.domain.records import StudentRecord
from smartalloc.domain.review import ReviewChange, ReviewRefused
from smartalloc.domain.review_export import (
    FIRST_VERSION,
    AuditedChange,
    Delta,
    ExportVersion,
    Placed,
    delta,
    reviewed_decisions,
)
from smartalloc.domain.review_qa import reviewed_qa
from smartalloc.domain.sabt import SABT_SHEETS, SabtExport, build_sabt
from smartalloc.service_layer.ports import HistoryStore, InputPaths, InputReader
from smartalloc.service_layer.run_context import build_matrix_for, input_sha


@dataclass(frozen=True)
class ExportSnapshot:
    """What a version is made of, read in one transaction."""

    run_id: str
    inputs: Mapping[str, str]                  # the run's inputs: role:file → sha256
    policy_stamp: str                          # the run's (its Summary sheet names it)
    out_dir: str
    placed: Mapping[str, Placed]               # this run's allocations now
    held_elsewhere: Mapping[str, int]          # mentor → students other runs of its report hold
    changes: Sequence[AuditedChange]           # this run's audited changes since `last`
    exceptions: Mapping[str, ReviewChange]     # exceptions in force, by national id
    last: ExportVersion | None = None


class ExportTransaction(Protocol):
    snapshot: ExportSnapshot

    def record(self, version: ExportVersion) -> None: ...

    def commit(self) -> None: ...


class ReviewExportStore(Protocol):
    def exporting(self, run_id: str) -> AbstractContextManager[ExportTransaction]:
        """The run's snapshot, locked until the transaction ends (``NotFoundError`` if no such
        run)."""
        ...

    def versions(self, run_id: str) -> list[ExportVersion]: ...


@dataclass
class VersionFiles:
    """What a version writes: the full ImportToSabt, the delta and the QA workbook."""

    version: ExportVersion
    sabt: SabtExport
    delta_sabt: SabtExport
    delta: Delta
    qa: QaReport
    meta: dict[str, object] = field(default_factory=dict)


class ExportPublisher(Protocol):
    def publish(self, files: VersionFiles, policy: Policy, commit: Callable[[str], None],
                run_out_dir: str = "") -> str:
        """Write and seal the files, publish them, run ``commit(folder)`` (the version's
        record); the folder. Nothing is left if ``commit`` raises."""
        ...


def export_version(run_id: str, paths: InputPaths, policy: Policy, *, reader: InputReader,
                   history: HistoryStore, store: ReviewExportStore, publisher: ExportPublisher,
                   by: str, at: str, overrides: Mapping[str, bool] | None = None
                   ) -> ExportVersion:
    """Make, record and publish the next version of ``run_id``'s export.

    The matrix (aliases, rows, pool for QA) is built under the agency profile but without the
    mentor governance in force now: a mentor frozen since the run keeps the students the run
    gave it, and its rows and alias still describe them."""
    effective = with_profile(policy, history.agency_profile())[0]
    inputs = reader.read(paths, effective)
    matrix = build_matrix_for(inputs, effective, overrides)
    students = inputs.students.records if inputs.students else ()
    with store.exporting(run_id) as tx:
        snap = tx.snapshot
        _same_reports(snap, {role: input_sha(inputs, role) for role in ("students", "inspactor")})
        if snap.last is not None and not snap.changes:
            raise ReviewRefused(Problem(
                "REVIEW_EXPORT_NOTHING_NEW",
                f"از نسخه {snap.last.version} تاکنون تغییری ثبت نشده است",
                f"nothing has changed since version {snap.last.version}"))
        files = build_version(snap, students, matrix, effective, by=by, at=at)
        folder = publisher.publish(files, effective, lambda at: _record(tx, files, at),
                                   snap.out_dir)
    return replace(files.version, folder=folder)


def _record(tx: ExportTransaction, files: VersionFiles, folder: str) -> None:
    tx.record(replace(files.version, folder=folder))
    tx.commit()


_REPORTS = {"students": ("گزارش دانش‌آموزان", "student report"),
            "inspactor": ("گزارش پشتیبان‌ها (InspactorReport)", "InspactorReport")}


def _same_reports(snap: ExportSnapshot, read: Mapping[str, str]) -> None:
    ran = set(snap.inputs.values())
    for role, sha in read.items():
        if sha not in ran:
            fa, en = _REPORTS[role]
            raise InputError(Problem(
                "REVIEW_EXPORT_OTHER_REPORTS",
                f"فایل اکسل {fa} همان فایلی نیست که اجرای {snap.run_id} خوانده است؛ "
                "فایل‌های همان اجرا را بدهید",
                f"the {en} is not the file run {snap.run_id} read; give that run's Excel files"))


def build_version(snap: ExportSnapshot, students: Sequence[StudentRecord],
                  matrix: EligibilityMatrix, policy: Policy, *, by: str, at: str) -> VersionFiles:
    """The version's contents (pure apart from the clock the caller gives)."""
    index = CandidateIndex(matrix, policy)
    decisions = reviewed_decisions(
        students, snap.placed, _alias_of(index, matrix),
        lambda s: index.channel(s.keys) if s.keys is not None else policy.channels.default)
    sabt = build_sabt(students, decisions, policy, stamp=snap.policy_stamp)
    change = delta(snap.changes, snap.placed)
    wanted = set(change.changed)
    delta_sabt = build_sabt(students, [d for d in decisions if d.national_id in wanted
                                       and d.outcome is Outcome.ALLOCATED], policy,
                            stamp=snap.policy_stamp)
    per_mentor = Counter(where.mentor_id for where in snap.placed.values())
    # the sheets written are the export's own (adapters.review_export_files.sabt_sheets)
    qa = reviewed_qa(QaContext(students, decisions, matrix, per_mentor, SABT_SHEETS, SABT_SHEETS,
                               len(sabt.rows), {}, dict(snap.held_elsewhere)),
                     snap.exceptions)
    number = (snap.last.version if snap.last else FIRST_VERSION) + 1
    head = max((c.number for c in snap.changes), default=snap.last.audit_head if snap.last else 0)
    version = ExportVersion(snap.run_id, number, head, at, by, len(sabt.rows),
                            len(change.changed) + len(change.released), len(snap.exceptions),
                            str(qa.status), "")
    meta = {"run_id": snap.run_id, "version": number, "audit_head": head, "made_at": at,
            "made_by": by, "qa_status": str(qa.status), "policy_stamp": snap.policy_stamp}
    return VersionFiles(version, sabt, delta_sabt, change, qa, meta)


def _alias_of(index: CandidateIndex, matrix: EligibilityMatrix):
    """The alias a student's row carries with a mentor: of the candidate row the engine would
    use (its school's row first), else — an exception outside the matrix — the mentor's first
    global row, else any row of it; "" if the mentor has none (Sabt's Errors sheet lists it)."""
    fallback: dict[str, str] = {}
    for row in sorted(matrix.rows, key=lambda r: r.is_school_row):   # stable: global rows first
        fallback.setdefault(row.mentor_id, row.alias)

    def alias_of(student: StudentRecord, mentor_id: str) -> tuple[str, bool]:
        if student.keys is not None:
            for c in index.candidates(student.keys):
                if index.pool[c.mentor].mentor_id == mentor_id:
                    return c.alias, c.is_school_row
        return fallback.get(mentor_id, ""), False

    return alias_of


NO_RUN = Problem("REVIEW_EXPORT_NO_RUN", "چنین اجرایی ثبت نشده است", "no such run is recorded")


def no_run() -> NotFoundError:
    return NotFoundError(NO_RUN)
