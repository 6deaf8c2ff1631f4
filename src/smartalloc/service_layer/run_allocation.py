"""Use case: run the whole pipeline (its request, result and reports: ``run_reports``).

Order of a run (spec pipeline): read → pool + matrix (+ pre-QA) → dedupe + allocate + codes →
Sabt + QA → write the workbooks into the run's own folder while history is appended in one
transaction → seal the folder (durable) → commit → publish with one atomic swap.
If anything fails before the commit, nothing is visible and history is unchanged; a kill after
the commit is published by the next run's recovery, so no visible workbook holds a code that
history lacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime

from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.centres import centre_warnings
from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.errors import HistoryError, Problem, SmartAllocError
from smartalloc.domain.events import Event, run_events
from smartalloc.domain.explain import run_trace
from smartalloc.domain.gc_pause import gc_paused
from smartalloc.domain.qa import run_pre_qa
from smartalloc.domain.records import HistoryEntry, Inputs
from smartalloc.domain.summary import earlier_runs, earlier_runs_text
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.ports import (
    HistoryStore,
    InputReader,
    OutputWriter,
    ProgressFn,
    RunRecord,
    Snapshot,
    StagedOutputs,
)
from smartalloc.service_layer.run_context import (
    build_matrix_for,
    checked_year,
    input_sha,
    matrix_meta,
    replay_state,
    run_id_for,
)
from smartalloc.service_layer.run_reports import (
    RunRequest,
    RunResult,
    build_reports,
)

HISTORY_ATTEMPTS = 3


def _noop(stage: str, fraction: float) -> None:
    return None


def _history_entries(decisions: Sequence[Decision], inputs: Inputs, run_id: str, stamp: str,
                     now: str) -> list[HistoryEntry]:
    students = inputs.students.records
    return [HistoryEntry(d.national_id, d.mentor_id, d.code, students[d.index].keys, str(d.channel),
                         now, run_id, stamp)
            for d in decisions if d.outcome is Outcome.ALLOCATED]


def run_allocation(request: RunRequest, *, reader: InputReader, writer: OutputWriter,
                   history: HistoryStore, progress: ProgressFn = _noop) -> RunResult:
    """The weekly job, end to end. Runs against one store are serialised: each decides on the
    state it then commits on top of, so concurrent runs equal a serial run in commit order."""
    with gc_paused(), history.exclusive():
        policy, version = policy_in_force(request.policy, history)
        request = replace(request, policy=policy, profile_version=version)
        return _run(request, reader, writer, history, progress)


def _run(request: RunRequest, reader: InputReader, writer: OutputWriter, history: HistoryStore,
         progress: ProgressFn) -> RunResult:
    policy, timings = request.policy, {}
    recovered = recovery_notes(writer.recover(request.out_dir, history.committed))
    t = time.perf_counter()
    progress("read", 0.0)
    inputs = reader.read(request.paths, policy)
    timings["read"] = time.perf_counter() - t
    year_warnings = checked_year(inputs, policy, request.year)

    t = time.perf_counter()
    progress("matrix", 0.3)
    matrix = build_matrix_for(inputs, policy, request.overrides)
    pre_qa = run_pre_qa(matrix)
    staged = writer.start(request.out_dir, matrix, matrix_meta(inputs, policy, pre_qa.status),
                          policy)
    timings["matrix"] = time.perf_counter() - t
    try:
        result = _allocate_and_record(request, inputs, matrix, pre_qa.status, staged, writer,
                                      history, progress, timings,
                                      (*recovered, *year_warnings))
    except BaseException:
        staged.discard()   # not committed: nothing of this run may become visible
        raise
    # Committed: from here the folder is published now or, if this process dies, by the next
    # run's recovery; it is never discarded.
    t = time.perf_counter()
    published = staged.publish()
    result.timings["publish"] = time.perf_counter() - t
    progress("done", 1.0)
    return replace(result, files=published)


def recovery_notes(actions: Sequence[str]) -> list[str]:
    """What the recovery of a killed run's folder did, in the run's warnings."""
    notes = []
    if "rolled_forward" in actions:
        notes.append("خروجی اجرای قبلی که پس از ثبت قطع شده بود اکنون منتشر شد / the workbooks "
                     "of an earlier run, recorded but interrupted before publication, were "
                     "published now")
    if "rolled_back" in actions:
        notes.append("فایل‌های ناتمام یک اجرای قطع‌شده حذف شد / the unfinished files of an "
                     "interrupted run were removed")
    return notes


def _allocate_and_record(request: RunRequest, inputs: Inputs, matrix: EligibilityMatrix,
                         pre_qa_status: str, staged: StagedOutputs, writer: OutputWriter,
                         history: HistoryStore, progress: ProgressFn,
                         timings: dict[str, float], warnings: Sequence[str]) -> RunResult:
    policy = request.policy
    t = time.perf_counter()
    progress("allocate", 0.45)
    # A re-run of the same inputs and policy replays on the state it was first decided on, so
    # it reproduces the same decisions and codes.
    run_id = run_id_for(inputs, policy, request.year or policy.academic_year, request.overrides)
    past, already = replay_state(inputs, history, run_id)
    engine = AllocationEngine(matrix, policy, already)
    batch = allocate_batch(inputs.students.records, matrix, policy, history=past,
                           roster=inputs.roster, year=request.year, engine=engine)
    timings["allocate"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("reports", 0.6)
    earlier = earlier_runs(batch.decisions, {e.national_id: e for e in past})
    outputs, counts, run_id = build_reports(
        request, inputs, matrix, pre_qa_status, batch, already, index=engine.index,
        earlier=earlier)
    if request.explanations:
        outputs.trace = lambda: run_trace(inputs.students.records, batch.decisions, engine,
                                          matrix)
    timings["reports"] = time.perf_counter() - t

    # Taken under the run lock, so the order of these timestamps is the commit order.
    committed_at = datetime.now(UTC).isoformat(timespec="microseconds")
    record = RunRecord(run_id, committed_at, policy.stamp,
                       {s.file: s.sha256 for s in inputs.sources}, counts,
                       outputs.qa.status, staged.location)
    # A QA violation is a bug (v2.0 core document): the workbooks are published for diagnosis,
    # the run is recorded with its status, but no allocation enters history.
    entries = (_history_entries(batch.decisions, inputs, run_id, policy.stamp, request.now)
               if outputs.qa.status == "PASSED_QA" else [])
    snapshot = Snapshot(matrix.pool, *_mentor_bindings(matrix), inputs.students.records,
                        input_sha(inputs, "inspactor"))
    events = _Lazy(lambda: list(run_events(
        inputs.students.records if entries else (), batch.decisions if entries else (),
        run_id=run_id, occurred_at=committed_at, key=request.event_key, counts=counts,
        qa_status=outputs.qa.status, policy_stamp=policy.stamp)))

    t = time.perf_counter()
    progress("write", 0.7)
    failures: list[Exception] = []
    with ExitStack() as transaction:
        def write_history_alongside() -> None:
            """The database work runs in this process while the writer's child process
            writes workbooks; the transaction commits once they are written and durable."""
            try:
                transaction.enter_context(history.recording(record, entries, snapshot, events))
            except SmartAllocError:
                raise
            except Exception as exc:  # a locked or broken store: retried below
                failures.append(exc)

        # No progress report while the transaction is open: a caller that records progress
        # in the same SQLite database would wait for this very transaction.
        staged = writer.finish(staged, outputs, policy, alongside=write_history_alongside)
        timings["write"] = time.perf_counter() - t
        t = time.perf_counter()
    if failures:
        progress("history", 0.95)
        _record(history, record, entries, snapshot, events, attempts=HISTORY_ATTEMPTS - 1,
                last_error=failures[0])
    timings["history"] = time.perf_counter() - t
    return RunResult(run_id, request.out_dir, [], counts, outputs.qa.status, timings,
                     (*warnings, *centre_warnings(matrix.centres), *batch.warnings),
                     tuple(earlier_runs_text(earlier)), tuple(earlier))


class _Lazy(Sequence):
    """Built on first use: a store without an outbox never pays for ~3 events per student."""

    def __init__(self, build: Callable[[], list]):
        self._build, self._items = build, None

    def _get(self) -> list:
        if self._items is None:
            self._items = self._build()
        return self._items

    def __getitem__(self, i):
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._get())

    def __iter__(self):
        return iter(self._get())


def _mentor_bindings(matrix: EligibilityMatrix) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Allowed groups and bound schools of every mentor, as its matrix rows say."""
    groups: dict[str, set[int]] = {}
    schools: dict[str, set[int]] = {}
    for row in matrix.rows:
        groups.setdefault(row.mentor_id, set()).add(row.group)
        if row.is_school_row:
            schools.setdefault(row.mentor_id, set()).add(row.school)
    return groups, schools


def _record(history: HistoryStore, record: RunRecord, entries: list[HistoryEntry],
            snapshot: Snapshot, events: Sequence[Event], *, attempts: int = HISTORY_ATTEMPTS,
            last_error: Exception | None = None) -> None:
    """Append history in one transaction; retry a failing store with backoff (FR-EXPORT-01)."""
    for attempt in range(attempts):
        if last_error is not None:  # back off after a failed attempt
            time.sleep(0.05 * (2 ** attempt))
        try:
            history.record(record, entries, snapshot=snapshot, events=events)
            return
        except SmartAllocError:
            raise
        except Exception as exc:  # a locked or broken store
            last_error = exc
    raise HistoryError(Problem(
        "HISTORY_WRITE_FAILED",
        f"ثبت سابقه پس از {HISTORY_ATTEMPTS} تلاش ناموفق بود ({type(last_error).__name__})؛ "
        "خروجی‌ها منتشر نشدند؛ دسترسی به پایگاه داده را بررسی و دوباره اجرا کنید",
        f"history append failed after {HISTORY_ATTEMPTS} attempts ({type(last_error).__name__}); "
        "outputs withheld; check the database and run again",
    )) from last_error
