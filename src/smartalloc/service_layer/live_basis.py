"""What live entries are allocated against (issue L, mode "now"): the latest run's basis.

A live entry is decided on the matrix of the latest succeeded run — its own uploaded reports,
read again under the mentor governance in force now, as review reads them — so that a live
student is placed by the rows the operator last checked, never by a report no run has read.
Reading the reports and building the matrix takes seconds for a large agency, so the basis is
built once and kept until the database's **mark** of it changes: the latest recorded run, the latest
mentor-governance change, the latest agency-profile version — one small read inside each
entry's transaction, so a run that commits between two entries is always seen by the second.
Its ``AllocationEngine`` is shared by every entry (``LiveBasis.combo`` guards the one thing an
entry may add to it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import claimed_codes
from smartalloc.domain.errors import NotFoundError, SmartAllocError
from smartalloc.domain.live_allocation import LiveBasis
from smartalloc.domain.policy import Policy
from smartalloc.domain.review import CodeFamily
from smartalloc.service_layer.allocation_jobs import finished_run
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.job_review import run_id_of
from smartalloc.service_layer.ports import HistoryStore, InputPaths, InputReader
from smartalloc.service_layer.run_context import build_matrix_for, input_sha
from smartalloc.service_layer.service_ports import JobBook


def build_basis(run_id: str, paths: InputPaths, policy: Policy, *, reader: InputReader,
                history: HistoryStore, year: int | None = None,
                overrides: Mapping[str, bool] | None = None) -> LiveBasis:
    """The basis of run ``run_id`` from its reports, under the governance in force now."""
    effective = policy_in_force(policy, history)[0]
    inputs = reader.read(paths, effective)
    matrix = build_matrix_for(inputs, effective, overrides)
    students = inputs.students.records if inputs.students else ()
    known = [e.code for e in (*inputs.roster, *claimed_codes(students))]   # as the batch learns
    runs = frozenset(history.runs_with_input(input_sha(inputs, "inspactor")))
    return LiveBasis(run_id, runs, effective.stamp, AllocationEngine(matrix, effective),
                     CodeFamily.of(effective, year or effective.academic_year, known))


class LiveBases:
    """The current basis, rebuilt when the database's mark of it changes."""

    def __init__(self, policy: Policy, *, jobs: JobBook, reader: InputReader,
                 history: HistoryStore, paths_of: Callable[[Mapping[str, str]], InputPaths]):
        self.policy, self.jobs, self.reader, self.history = policy, jobs, reader, history
        self.paths_of = paths_of
        self._lock = threading.Lock()
        self._mark: tuple | None = None
        self._basis: LiveBasis | None = None
        self._refused: tuple | None = None

    def ready(self, mark: tuple) -> LiveBasis | None:
        """The basis kept for ``mark`` (the latest recorded run first), or None."""
        with self._lock:
            return self._basis if mark == self._mark else None

    def build(self, mark: tuple) -> LiveBasis | None:
        """The basis of ``mark``, kept for the entries after: None before the first run, or
        when the latest recorded run is not the latest service job's (a command-line run, or
        one whose reports are no longer kept) — the entry is then queued for the next batch.
        None is not kept: a run's job is marked succeeded just after the run commits."""
        with self._lock:
            if mark == self._refused:
                return None
            if mark != self._mark:
                try:
                    basis = self._build(mark[0])
                except SmartAllocError:
                    # The run's own reports make no matrix now (a governance change since, a
                    # file no longer readable…): its entries are queued — refused, the site
                    # would not send them again — and the next batch says why, by file and
                    # row. Remembered for this mark: the reports are not read per entry.
                    self._refused = mark
                    return None
                if basis is None:
                    return None
                self._basis, self._mark = basis, mark
            return self._basis

    def _build(self, run_id: str | None) -> LiveBasis | None:
        try:
            job = finished_run(self.jobs, None)
        except NotFoundError:
            return None
        params = job.params or {}
        paths = self.paths_of(params.get("files") or {})
        if run_id is None or run_id_of(job) != run_id or not all(
                Path(path).is_file() for _, path in paths.items()):
            return None
        return build_basis(run_id, paths, self.policy, reader=self.reader,
                           history=self.history, year=params.get("year"),
                           overrides=params.get("overrides") or {})
