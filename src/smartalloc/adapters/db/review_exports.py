"""``ReviewExportStore`` on SQLAlchemy (issue K): what a version of a run's export is made of.

The snapshot is read under the run lock (``locks.run_lock``), the lock review actions and runs
hold, so no change slips in between reading the allocations and recording which audit rows the
version includes; the version row is written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, func, insert, select

from smartalloc.adapters.db.locks import run_lock
from smartalloc.adapters.db.run_unit_of_work import conflicts_named
from smartalloc.adapters.db.schema import Allocation, ExportVersionRow, ReviewRow, Run
from smartalloc.adapters.db.store import runs_with_input
from smartalloc.domain.review import ReviewAction, ReviewChange
from smartalloc.domain.review_export import AuditedChange, ExportVersion, Placed
from smartalloc.service_layer.review_export import ExportSnapshot, no_run

_AUDIT = (ReviewRow.c.id, ReviewRow.c.national_id, ReviewRow.c.action, ReviewRow.c.from_mentor,
          ReviewRow.c.to_mentor, ReviewRow.c.code, ReviewRow.c.reason, ReviewRow.c.changed_by,
          ReviewRow.c.changed_at, ReviewRow.c.exception, ReviewRow.c.run_id)
_VERSION = (ExportVersionRow.c.run_id, ExportVersionRow.c.version, ExportVersionRow.c.audit_head,
            ExportVersionRow.c.made_at, ExportVersionRow.c.made_by, ExportVersionRow.c.rows,
            ExportVersionRow.c.changed, ExportVersionRow.c.exceptions, ExportVersionRow.c.qa_status,
            ExportVersionRow.c.folder)
_PLACING = (str(ReviewAction.ASSIGN), str(ReviewAction.MOVE))


class SqlReviewExportStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    @contextmanager
    def exporting(self, run_id: str) -> Iterator[_Transaction]:
        with run_lock(self.engine), self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                yield _Transaction(conn, _snapshot(conn, run_id))
            finally:
                if transaction.is_active:
                    transaction.rollback()

    def versions(self, run_id: str) -> list[ExportVersion]:
        """The run's recorded versions after review, oldest first (``NotFoundError`` if no
        such run)."""
        with self.engine.connect() as conn:
            if conn.execute(select(Run.c.run_id).where(Run.c.run_id == run_id)).first() is None:
                raise no_run()
            return [ExportVersion(*row) for row in conn.execute(
                select(*_VERSION).where(ExportVersionRow.c.run_id == run_id)
                .order_by(ExportVersionRow.c.version))]


class _Transaction:
    def __init__(self, conn, snapshot: ExportSnapshot):
        self.conn, self.snapshot = conn, snapshot

    def record(self, version: ExportVersion) -> None:
        with conflicts_named():
            self.conn.execute(insert(ExportVersionRow).values(
                run_id=version.run_id, version=version.version, audit_head=version.audit_head,
                made_at=version.made_at, made_by=version.made_by, rows=version.rows,
                changed=version.changed, exceptions=version.exceptions,
                qa_status=version.qa_status, folder=version.folder))

    def commit(self) -> None:
        with conflicts_named():
            self.conn.commit()


def _change(row) -> AuditedChange:
    number, nid, action, *rest = row
    return AuditedChange(number, ReviewChange(nid, ReviewAction(action), *rest[:6],
                                              bool(rest[6]), rest[7]))


def _snapshot(conn, run_id: str) -> ExportSnapshot:
    run = conn.execute(select(Run.c.inputs, Run.c.out_dir, Run.c.policy_stamp)
                       .where(Run.c.run_id == run_id)).first()
    if run is None:
        raise no_run()
    inputs, out_dir, stamp = run
    placed = {nid: Placed(mentor, code) for nid, mentor, code in conn.execute(
        select(Allocation.c.national_id, Allocation.c.mentor_id, Allocation.c.code)
        .where(Allocation.c.run_id == run_id))}
    last_row = conn.execute(select(*_VERSION).where(ExportVersionRow.c.run_id == run_id)
                            .order_by(ExportVersionRow.c.version.desc()).limit(1)).first()
    last = ExportVersion(*last_row) if last_row else None
    audit = [_change(r) for r in conn.execute(
        select(*_AUDIT).where(ReviewRow.c.run_id == run_id).order_by(ReviewRow.c.id))]
    # the exception in force: the latest placing change of a student, if it placed the
    # student where the student is now and went outside the matrix
    latest = {a.change.national_id: a.change for a in audit
              if str(a.change.action) in _PLACING}
    exceptions = {nid: c for nid, c in latest.items()
                  if c.exception and nid in placed and placed[nid].mentor_id == c.to_mentor}
    head = last.audit_head if last else 0
    return ExportSnapshot(run_id, inputs, stamp, out_dir,
                          placed,
                          _held_elsewhere(conn, run_id, inputs),
                          [a for a in audit if a.number > head], exceptions, last)


def _held_elsewhere(conn, run_id: str, inputs: dict) -> dict[str, int]:
    """Students other runs that read this run's InspactorReport hold, per mentor: the report's
    covered counts were taken before them, so they use the same seats."""
    report = next((sha for name, sha in inputs.items() if name.startswith("inspactor:")), "")
    runs = set(runs_with_input(conn, report)) - {run_id} if report else set()
    if not runs:
        return {}
    return dict(conn.execute(select(Allocation.c.mentor_id, func.count())
                             .where(Allocation.c.run_id.in_(sorted(runs)))
                             .group_by(Allocation.c.mentor_id)).all())
