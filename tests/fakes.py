"""In-memory stand-ins for the run's ports: the service layer tested without Excel or a
database, in milliseconds (issue Q). They keep the contracts the real adapters keep — a
national id and a code are allocated once, nothing is visible before ``commit``, a folder
is published only after it was finished — so a use case that breaks a rule fails here too.

``journal`` is shared by the store and the writer: the order of what happened (record,
finish, commit, publish, discard), which is the run's all-or-none story.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from smartalloc.domain.agency_profile import AgencyProfile
from smartalloc.domain.errors import HistoryError, OutputError, Problem
from smartalloc.domain.events import Event
from smartalloc.domain.policy import GovernanceEntry, Policy
from smartalloc.domain.records import HistoryEntry, Inputs, Source, StudentBatch
from smartalloc.service_layer.ports import (
    OUTPUT_FILES,
    EventsFactory,
    InputPaths,
    RunOutputs,
    RunRecord,
    Snapshot,
)


class TransientStoreError(Exception):
    """What a locked or unreachable database raises (not a SmartAllocError)."""


@dataclass
class MemoryReader:
    """``InputReader`` returning inputs read once (a session fixture), whatever the paths."""

    inputs: Inputs
    reads: int = 0

    def read(self, paths: InputPaths, policy: Policy,
             meanwhile: Callable[[Inputs], object] | None = None) -> Inputs:
        self.reads += 1
        if meanwhile is not None:    # as the Excel reader does: the inputs but the students
            meanwhile(replace(self.inputs, students=StudentBatch((), Source("", ""))))
        return self.inputs


@dataclass
class MemoryHistory:
    """``HistoryStore`` in memory. ``outbox``: keep domain events; ``failures``: how many
    ``record`` calls fail with a transient error before the store works again."""

    journal: list[str] = field(default_factory=list)
    outbox: bool = True
    failures: int = 0
    stored_governance: dict[str, GovernanceEntry] = field(default_factory=dict)
    profile: AgencyProfile | None = None
    runs: dict[str, RunRecord] = field(default_factory=dict)
    entries: dict[str, HistoryEntry] = field(default_factory=dict)   # national id → entry
    events: list[Event] = field(default_factory=list)
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    reviews: dict[str, int] = field(default_factory=dict)   # run id → review changes

    def exclusive(self):
        return nullcontext()

    def load(self, exclude_runs: Sequence[str] = ()) -> list[HistoryEntry]:
        return [e for nid, e in sorted(self.entries.items()) if e.run_id not in exclude_runs]

    def runs_with_input(self, sha256: str) -> list[str]:
        return [r.run_id for r in self._in_order() if sha256 in r.inputs.values()]

    def runs_since(self, run_id: str) -> list[str]:
        ordered = [r.run_id for r in self._in_order()]
        return ordered[ordered.index(run_id):] if run_id in ordered else []

    def reviewed(self, run_id: str) -> int:
        return self.reviews.get(run_id, 0)

    def kept_codes(self) -> list:
        return []

    def _in_order(self) -> list[RunRecord]:
        return sorted(self.runs.values(), key=lambda r: (r.started_at, r.run_id))

    def governance(self) -> dict[str, GovernanceEntry]:
        return dict(self.stored_governance)

    def agency_profile(self) -> AgencyProfile | None:
        return self.profile

    def committed(self, folders: Sequence[str]) -> dict[str, str]:
        return {Path(r.out_dir).name: r.started_at for r in self.runs.values()
                if Path(r.out_dir).name in folders}

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork:
    """A transaction on ``MemoryHistory``: staged writes, applied only by ``commit``."""

    def __init__(self, store: MemoryHistory):
        self.store, self.staged = store, None

    def __enter__(self) -> MemoryUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.staged = None   # not committed: rolled back

    def record(self, run: RunRecord, entries: Sequence[HistoryEntry],
               snapshot: Snapshot | None = None, events: EventsFactory | None = None) -> None:
        store = self.store
        store.journal.append("record")
        if store.failures:
            store.failures -= 1
            raise TransientStoreError("database is locked")
        kept = {nid: e for nid, e in store.entries.items() if e.run_id != run.run_id}
        codes = {e.code for e in kept.values()}
        for e in entries:
            if e.national_id in kept or e.code in codes:
                raise HistoryError(Problem("HISTORY_CONFLICT", "تعارض", "conflict"))
            kept[e.national_id] = e
            codes.add(e.code)
        built = list(events()) if (events and store.outbox) else []
        self.staged = (run, kept, snapshot, built)

    def commit(self) -> None:
        assert self.staged is not None, "commit without record"
        store = self.store
        run, kept, snapshot, events = self.staged
        first = store.runs.get(run.run_id)
        store.runs[run.run_id] = (run if first is None else
                                  RunRecord(**{**run.__dict__, "started_at": first.started_at}))
        store.entries = kept
        store.events = [e for e in store.events if getattr(e, "run_id", None) != run.run_id]
        store.events.extend(events)
        if snapshot is not None:
            store.snapshots.append(snapshot)
        for e in kept.values():
            key = (e.code[:2], e.code[2:5])
            store.counters[key] = max(store.counters.get(key, 0), int(e.code[5:]))
        store.journal.append("commit")
        self.staged = None


@dataclass
class RecordingStaged:
    """``StagedOutputs`` kept in memory: what would have been written, and when."""

    journal: list[str]
    out_dir: Path
    names: dict[str, str] = field(default_factory=lambda: dict(OUTPUT_FILES))
    outputs: RunOutputs | None = None
    fail_finish: bool = False
    finished: bool = False
    files: list[Path] = field(default_factory=list)

    @property
    def name(self) -> str:
        return "run-1"

    @property
    def location(self) -> str:
        return str(self.out_dir / ".smartalloc/runs" / self.name)

    def finish(self) -> None:
        self.journal.append("finish")
        if self.fail_finish:
            raise OutputError(Problem("OUTPUT_WRITE_FAILED", "نوشتن ناموفق", "write failed"))
        self.finished = True

    def publish(self) -> list[Path]:
        assert self.finished, "published before every workbook was written"
        self.journal.append("publish")
        return [self.out_dir / n for n in self.files_named()]

    def files_named(self) -> list[str]:
        present = {"matrix", "matrix_csv"}
        if self.outputs is not None:
            present |= {"allocation", "sabt", "qa"} | ({"explain"} if self.outputs.trace else set())
        return [self.names[k] for k in OUTPUT_FILES if k in present]

    def discard(self) -> None:
        self.journal.append("discard")


@dataclass
class RecordingWriter:
    """``OutputWriter`` that writes nothing and remembers everything."""

    journal: list[str]
    fail_finish: bool = False
    staged: list[RecordingStaged] = field(default_factory=list)
    early: bool = False      # start the matrix before the students are read, as on two cores

    def recover(self, out_dir: Path, committed=None) -> list[str]:
        return []

    def start_matrix(self, out_dir: Path, rows, policy: Policy) -> RecordingStaged | None:
        if not self.early:
            return None
        self.journal.append(f"start_matrix ({len(rows)} rows)")
        return self.start(out_dir, None, {}, policy)

    def start(self, out_dir: Path, matrix, meta: Mapping[str, object], policy: Policy, *,
              early: RecordingStaged | None = None) -> RecordingStaged:
        if early is not None:
            self.journal.append("start (early)")
            return early
        staged = RecordingStaged(self.journal, Path(out_dir), fail_finish=self.fail_finish)
        self.staged.append(staged)
        return staged

    def start_allocation(self, staged: RecordingStaged, tables, later, policy: Policy) -> None:
        self.journal.append(f"start_allocation (+{len(later)} sheets)")

    def write_sabt(self, staged: RecordingStaged, sabt, policy: Policy) -> None:
        self.journal.append("write_sabt")

    def write(self, staged: RecordingStaged, outputs: RunOutputs, policy: Policy) -> None:
        self.journal.append("write")
        staged.outputs = outputs


@dataclass
class MemoryJob:
    id: str
    kind: str
    state: str
    params: dict
    result: dict | None = None
    error: dict | None = None
    request_hash: str = ""
    user: str = ""
    key: str | None = None


@dataclass
class MemoryJobBook:
    """``JobBook`` and ``JobQueue`` in memory: ``submitted`` is what reached the queue."""

    jobs: dict[str, MemoryJob] = field(default_factory=dict)
    submitted: list[str] = field(default_factory=list)

    def get(self, job_id: str) -> MemoryJob | None:
        return self.jobs.get(job_id)

    def latest(self, kind: str, state: str = "succeeded") -> MemoryJob | None:
        found = [j for j in self.jobs.values() if j.kind == kind and j.state == state]
        return found[-1] if found else None

    def by_key(self, user: str, key: str) -> MemoryJob | None:
        return next((j for j in self.jobs.values() if j.user == user and j.key == key), None)

    def create(self, kind: str, params: dict, *, user: str, key: str | None = None,
               request_hash: str = "", state: str = "queued", result: dict | None = None,
               job_id: str | None = None) -> tuple[MemoryJob, bool]:
        if key and (found := self.by_key(user, key)):
            return found, False
        job = MemoryJob(job_id or f"job-{len(self.jobs) + 1}", kind, state, params, result,
                        None, request_hash, user, key)
        self.jobs[job.id] = job
        return job, True

    def recent(self, kind: str, limit: int = 30) -> list[MemoryJob]:
        return [j for j in reversed(self.jobs.values()) if j.kind == kind][:limit]

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)


@dataclass
class MemoryShelf:
    """``UploadShelf`` in memory: what was put, kept and thrown away."""

    kept: dict[str, bytes] = field(default_factory=dict)
    checking: dict[str, bytes] = field(default_factory=dict)
    discarded: list[str] = field(default_factory=list)

    def put(self, file_id: str, data: bytes, name: str) -> Path:
        self.checking[file_id] = data
        return Path("/memory") / file_id / name

    def accept(self, file_id: str, checked: Path) -> None:
        self.kept[file_id] = self.checking.pop(file_id)

    def discard(self, file_id: str) -> None:
        self.checking.pop(file_id, None)
        self.kept.pop(file_id, None)
        self.discarded.append(file_id)
