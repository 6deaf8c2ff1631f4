"""Ports: what the use cases need from the outside world, as protocols.

Adapters implement them (Excel readers/writers, the SQLite history store); tests may pass
real adapters or in-memory ones without the use cases knowing which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Protocol

from smartalloc.domain.agency_profile import AgencyProfile
from smartalloc.domain.eligibility import EligibilityMatrix, MatrixRow, PoolMentor
from smartalloc.domain.events import Event
from smartalloc.domain.governance import GovernanceChange, StatusChange
from smartalloc.domain.policy import GovernanceEntry, Policy
from smartalloc.domain.qa import QaReport
from smartalloc.domain.records import (
    HistoryEntry,
    Inputs,
    MentorReport,
    RosterEntry,
    StudentRecord,
)
from smartalloc.domain.run_results import RunResults
from smartalloc.domain.run_trace import RunTrace
from smartalloc.domain.sabt import SabtExport
from smartalloc.domain.tables import Table
from smartalloc.domain.whatif import Assignment, FlowProblem


@dataclass(frozen=True)
class InputPaths:
    """The Kanoon reports of a run, one per role; the fields are the roles, in reading order."""

    inspactor: Path
    schools: Path
    students: Path | None = None
    managers: Path | None = None
    crosswalk: Path | None = None
    roster: Path | None = None

    def items(self) -> list[tuple[str, Path]]:
        """(role, path) of every report given."""
        return [(role, getattr(self, role)) for role in INPUT_ROLES
                if getattr(self, role) is not None]


# The input roles, defined once: every list of them (CLI, API, web, reader) derives from these.
INPUT_ROLES: tuple[str, ...] = tuple(f.name for f in fields(InputPaths))
RUN_REQUIRED_ROLES = ("inspactor", "schools", "students")   # a whole run needs these three
MENTOR_REPORT_ROLES = ("inspactor", "managers")            # uploaded as mentor reports


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    started_at: str
    policy_stamp: str
    inputs: dict[str, str]            # role → sha256
    counts: dict[str, int]
    qa_status: str
    out_dir: str                      # the run's own output folder (publication's run folder)


@dataclass
class RunOutputs:
    """What a run writes after allocation (the matrix workbook is started earlier)."""

    meta: dict[str, object]
    allocation_tables: Sequence[Table] = ()
    sabt: SabtExport | None = None
    qa: QaReport | None = None
    # Every student's explanation, kept when asked for; built by the writer where it writes it
    # (a forked child on a large run), so the rest of the run does not wait for it.
    trace: Callable[[], RunTrace] | None = None
    # The results page's view (occupancy, unallocated by keys, plan), kept with the trace.
    results: RunResults | None = None
    files: dict[str, str] = field(default_factory=lambda: dict(OUTPUT_FILES))


OUTPUT_FILES = {
    "matrix": "eligibility_matrix.xlsx",
    "matrix_csv": "eligibility_matrix.csv",
    "allocation": "allocation.xlsx",
    "sabt": "import_to_sabt.xlsx",
    "qa": "qa.xlsx",
    "explain": "explain.sqlite",
}


class InputReader(Protocol):
    def read(self, paths: InputPaths, policy: Policy,
             meanwhile: Callable[[Inputs], object] | None = None) -> Inputs:
        """Every input. ``meanwhile``, if given, is called once on this thread with the inputs
        but the students (``Inputs.students`` empty), before the student report is parsed and
        while no other thread of the reader runs (a fork there is safe). Work that needs no
        student goes there: it runs while the student report's package is still being
        checked in a child."""
        ...


class SetupReader(Protocol):
    """What agency set-up reads: the mentors' report and, if there is one, the roster."""

    def mentors(self, path: Path, policy: Policy) -> MentorReport: ...

    def roster(self, path: Path) -> tuple[RosterEntry, ...]: ...


class ProfileStore(Protocol):
    """Where the agency's profile versions are kept (the newest applies)."""

    def save(self, profile: AgencyProfile) -> AgencyProfile: ...

    def versions(self, limit: int = 50) -> list[AgencyProfile]: ...


class StagedOutputs(Protocol):
    """A run's workbooks in a folder of their own, invisible until published."""

    files: list[Path]

    @property
    def name(self) -> str:
        """The run folder's name (see ``HistoryStore.committed``)."""
        ...

    @property
    def location(self) -> str:
        """The run folder's path, ending in its name: recorded with the run."""
        ...

    def finish(self) -> None:
        """Write what is left to this process, wait for every other writer, and make the
        folder durable and complete (sealed). Idempotent; raises ``OutputError``."""
        ...

    def publish(self) -> list[Path]:
        """Make the run's workbooks the visible set, in one atomic step."""
        ...

    def discard(self) -> None: ...


class OutputWriter(Protocol):
    def recover(self, out_dir: Path,
                committed: Callable[[Sequence[str]], Mapping[str, str]] | None = None
                ) -> list[str]:
        """Finish what a killed run left in ``out_dir``: publish a committed run folder that
        was not yet visible, remove the others; return what was done."""
        ...

    def start_matrix(self, out_dir: Path, rows: Sequence[MatrixRow],
                     policy: Policy) -> StagedOutputs | None:
        """Begin staging before the students are read, if that pays off: the matrix CSV and
        workbook from ``rows`` (the mentors' side, drafted), the workbook's side sheets to come at
        ``start(..., early=...)``. None: nothing started. ``discard`` stops it."""
        ...

    def start(self, out_dir: Path, matrix: EligibilityMatrix, meta: Mapping[str, object],
              policy: Policy, *, early: StagedOutputs | None = None) -> StagedOutputs:
        """Begin staging: the matrix workbook and CSV (possibly in the background); with
        ``early``, complete what ``start_matrix`` began instead."""
        ...

    def start_allocation(self, staged: StagedOutputs, tables: Sequence[Table],
                         later: Sequence[str], policy: Policy) -> None:
        """Begin the allocation workbook now with its first sheets (``tables``), if that pays
        off; the sheets named ``later`` follow at ``write`` (the last of
        ``RunOutputs.allocation_tables``), which otherwise writes the workbook whole."""
        ...

    def write_sabt(self, staged: StagedOutputs, sabt: SabtExport, policy: Policy) -> None:
        """Begin writing the ImportToSabt workbook now (possibly in the background), while
        the other reports are built; ``write`` leaves it out then."""
        ...

    def write(self, staged: StagedOutputs, outputs: RunOutputs, policy: Policy) -> None:
        """Begin writing the remaining workbooks (possibly in the background, so that the
        caller's database work overlaps them); ``staged.finish()`` completes them."""
        ...


@dataclass(frozen=True)
class Snapshot:
    """What a run learnt about mentors and students, stored with its allocations."""

    mentors: Sequence[PoolMentor] = ()
    mentor_groups: Mapping[str, Sequence[int]] = field(default_factory=dict)
    mentor_schools: Mapping[str, Sequence[int]] = field(default_factory=dict)
    students: Sequence[StudentRecord] = ()
    report_sha: str = ""


class HistoryStore(Protocol):
    """The system of record: allocations, runs, mentor governance, counters."""

    def exclusive(self) -> AbstractContextManager[None]:
        """Serialise runs against this store: the state a run decides on is the state it
        commits on top of (concurrent runs equal a serial run in commit order)."""
        ...

    def load(self, exclude_runs: Sequence[str] = ()) -> list[HistoryEntry]: ...

    def runs_with_input(self, sha256: str) -> list[str]: ...

    def runs_since(self, run_id: str) -> list[str]:
        """This run and every run committed after it, in commit order; [] if it is not
        recorded. A replay keeps the run's place in that order."""
        ...

    def reviewed(self, run_id: str) -> int:
        """How many changes since the run touched its allocations: manual-review changes
        (issue K) and students allocated on arrival against its reports (issue L) — a replay
        of the run would remove them."""
        ...

    def kept_codes(self) -> list[RosterEntry]:
        """The codes manual review kept for students it released (D15: a code stays its
        student's), for a run's counter book to learn like the roster's."""
        ...

    def governance(self) -> dict[str, GovernanceEntry]:
        """Mentor statuses set through governance commands (frozen, restricted, …)."""
        ...

    def agency_profile(self) -> AgencyProfile | None:
        """The newest stored agency profile (managers → centres, academic year), if any."""
        ...

    def unit_of_work(self) -> RunUnitOfWork:
        """A transaction for one run: ``with store.unit_of_work() as uow: uow.record(…);
        …; uow.commit()``. Leaving the block without ``commit`` rolls everything back."""
        ...

    def committed(self, folders: Sequence[str]) -> dict[str, str]:
        """Which of these run folder names belong to a committed run → its commit time."""
        ...


EventsFactory = Callable[[], Iterable[Event]]


class RunUnitOfWork(Protocol):
    """One run's writes to the system of record, all committed together or not at all."""

    def __enter__(self) -> RunUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def record(self, run: RunRecord, entries: Sequence[HistoryEntry],
               snapshot: Snapshot | None = None, events: EventsFactory | None = None) -> None:
        """Write the run, its allocations, the registration counters, the snapshot and (if
        the store has an outbox) the domain events ``events()`` builds; nothing is visible
        to others before ``commit``. A conflict with earlier history raises HistoryError."""
        ...

    def commit(self) -> None: ...


# ``(stage, fraction)`` at a stage change, at safe points only (no transaction of the run is
# open); ``(stage, fraction, detail)`` for a sub-step with counts (``service_layer.progress``):
# from anywhere — a forked writer, inside the run's transaction — so never recorded in the
# database.
ProgressFn = Callable[..., None]


# --- Mentor governance --------------------------------------------------------------------------


@dataclass(frozen=True)
class MentorView:
    """A mentor as the system of record knows it, with its governance status."""

    mentor_id: str
    name: str
    manager: str
    status: str
    capacity: int
    covered: int
    allowed_schools: tuple[int, ...]
    allowed_channels: tuple[str, ...]


StatusEvent = Callable[[StatusChange, int], Event]
"""Builds the event of a recorded change from it and its audit row id (the store allocates
the id, the domain decides the event: `smartalloc.domain.governance.status_event`)."""


class MentorGovernanceStore(Protocol):
    """Where mentor statuses and their audit trail are kept. It records; it does not judge:
    the handler passes it only changes the domain rules accepted."""

    def list(self, status: str | None = None) -> list[MentorView]:
        """Every known mentor (natural id order), or those with this status."""
        ...

    def get(self, mentor_id: str) -> MentorView | None: ...

    def audit(self, mentor_id: str | None = None) -> list[StatusChange]:
        """The audit trail, oldest first (of one mentor, or of all)."""
        ...

    def change(self, change: GovernanceChange, event: StatusEvent) -> StatusChange:
        """Set the status, append the audit row and, if the store has an outbox, the event
        ``event(recorded, audit_id)`` — all in one transaction. A mentor never seen before is
        created (from-status ``unknown``), so a freeze can precede its first report."""
        ...


class HistoryRecords(Protocol):
    """The recorded allocations as the operator looks them up or seeds them."""

    def search(self, national_id: str) -> list[HistoryEntry]: ...

    def of_mentor(self, mentor_id: str, limit: int = 1000) -> list[HistoryEntry]:
        """A mentor's recorded students, by code."""
        ...

    def import_entries(self, entries: Sequence[HistoryEntry]) -> int:
        """Add allocations made elsewhere; ids or codes already present are kept as they
        are; returns how many were added."""
        ...


class FlowSolver(Protocol):
    def solve(self, problem: FlowProblem) -> Assignment:
        """The most students placed (each combination to its candidates, each mentor within
        its seats); among those, the least total seat cost. Deterministic."""
        ...
