"""Use case: run the whole pipeline (its request, result and reports: ``run_reports``).

Order of a run (spec pipeline): read → pool + matrix (+ pre-QA) → dedupe + allocate + codes →
Sabt + QA → start writing the workbooks into the run's own folder → in one unit of work:
record history, counters and outbox, await the workbooks (durable), commit → publish with one
atomic swap.
If anything fails before the commit, nothing is visible and history is unchanged; a kill after
the commit is published by the next run's recovery, so no visible workbook holds a code that
history lacks.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.centres import centre_warnings
from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.errors import HistoryError, Problem
from smartalloc.domain.events import run_events
from smartalloc.domain.gc_pause import gc_paused
from smartalloc.domain.matrix import MatrixDraft
from smartalloc.domain.notice import Notice
from smartalloc.domain.policy import Policy
from smartalloc.domain.qa import QaReport, run_pre_qa
from smartalloc.domain.records import HistoryEntry, Inputs
from smartalloc.domain.run_trace import run_trace
from smartalloc.domain.summary import earlier_runs, earlier_runs_text
from smartalloc.domain.teardown import keep_until_exit
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.ports import (
    HistoryStore,
    InputReader,
    OutputWriter,
    ProgressFn,
    RunOutputs,
    RunRecord,
    RunUnitOfWork,
    Snapshot,
    StagedOutputs,
)
from smartalloc.service_layer.progress import RunProgress, step, steps_to
from smartalloc.service_layer.retry import retrying
from smartalloc.service_layer.run_context import (
    build_matrix_for,
    checked_year,
    draft_matrix_for,
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
from smartalloc.service_layer.tracing import StageSpans, describe_run, span

HISTORY_ATTEMPTS = 3


def _noop(stage: str, fraction: float, detail: dict | None = None) -> None:
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
    with span("run") as run_span, gc_paused(), history.exclusive(), \
            StageSpans(RunProgress(progress)) as stages, steps_to(stages.detail):
        policy, version = policy_in_force(request.policy, history)
        request = replace(request, policy=policy, profile_version=version)
        result = _run(request, reader, writer, history, stages)
        describe_run(run_span, result.run_id, result.counts, result.qa_status)
        return result


def _run(request: RunRequest, reader: InputReader, writer: OutputWriter, history: HistoryStore,
         progress: ProgressFn) -> RunResult:
    timings: dict[str, float] = {}
    recovered = recovery_notes(writer.recover(request.out_dir, history.committed))
    inputs, matrix, pre_qa, staged, year_warnings = _read_and_start(
        request, reader, writer, progress, timings)
    try:
        result = _allocate_and_record(request, inputs, matrix, pre_qa, staged, writer,
                                      history, progress, timings,
                                      (*recovered, *year_warnings))
    except BaseException:
        staged.discard()   # not committed: nothing of this run may become visible
        raise
    # Committed: from here the folder is published now or, if this process dies, by the next
    # run's recovery; it is never discarded.
    t = time.perf_counter()
    with span("run.publish"):
        published = staged.publish()
    result.timings["publish"] = time.perf_counter() - t
    progress("done", 1.0)
    keep_until_exit(inputs, matrix, pre_qa)
    return replace(result, files=published)


def _read_and_start(request: RunRequest, reader: InputReader, writer: OutputWriter,
                    progress: ProgressFn, timings: dict[str, float]
                    ) -> tuple[Inputs, EligibilityMatrix, QaReport, StagedOutputs, list[str]]:
    """Read the inputs and build the matrix, and start its files on the way: before the
    student report is parsed (while its package is checked in a child) the mentors' side of
    the matrix is drafted here, and the writer may start its files from that draft."""
    policy = request.policy
    early: list[StagedOutputs] = []
    drafts: list[MatrixDraft] = []

    def meanwhile(side: Inputs) -> None:
        drafts.append(draft_matrix_for(side, policy, request.overrides))
        started = writer.start_matrix(request.out_dir, drafts[0].rows, policy)
        if started is not None:
            early.append(started)

    try:
        t = time.perf_counter()
        progress("read", 0.0)
        inputs = reader.read(request.paths, policy, meanwhile=meanwhile)
        timings["read"] = time.perf_counter() - t
        year_warnings = checked_year(inputs, policy, request.year)

        t = time.perf_counter()
        progress("matrix", 0.3)
        matrix = build_matrix_for(inputs, policy, request.overrides,
                                  draft=drafts[0] if drafts else None)
        pre_qa = run_pre_qa(matrix)
        staged = writer.start(request.out_dir, matrix,
                              matrix_meta(inputs, policy, pre_qa.status), policy,
                              early=early[0] if early else None)
        timings["matrix"] = time.perf_counter() - t
    except BaseException:
        for started in early:   # not committed: nothing of this run may become visible
            started.discard()
        raise
    return inputs, matrix, pre_qa, staged, year_warnings


def recovery_notes(actions: Sequence[str]) -> list[str]:
    """What the recovery of a killed run's folder did, in the run's warnings."""
    notes = []
    if "rolled_forward" in actions:
        notes.append(Notice("خروجی اجرای قبلی که پس از ثبت قطع شده بود اکنون منتشر شد",
                            "the workbooks of an earlier run, recorded but interrupted before "
                            "publication, were published now"))
    if "rolled_back" in actions:
        notes.append(Notice("فایل‌های ناتمام یک اجرای قطع‌شده حذف شد",
                            "the unfinished files of an interrupted run were removed"))
    return notes


def _allocate_and_record(request: RunRequest, inputs: Inputs, matrix: EligibilityMatrix,
                         pre_qa: QaReport, staged: StagedOutputs, writer: OutputWriter,
                         history: HistoryStore, progress: ProgressFn,
                         timings: dict[str, float], warnings: Sequence[str]) -> RunResult:
    policy = request.policy
    t = time.perf_counter()
    progress("allocate", 0.45)
    # A re-run of the same inputs and policy replays on the state it was first decided on, so
    # it reproduces the same decisions and codes.
    run_id = run_id_for(inputs, policy, request.year or policy.academic_year, request.overrides)
    if reviewed := history.reviewed(run_id):   # a replay would silently undo them
        raise HistoryError(Problem(
            "RUN_REVIEWED",
            f"پس از ثبت این اجرا، بازبینی دستی یا ثبت‌نام آنلاین تخصیص‌های آن را تغییر داده "
            f"است ({reviewed} تغییر)؛ اجرای دوبارهٔ همین فایل‌ها آن تغییرها را پاک می‌کرد و "
            "انجام نشد. فایل‌های اکسل اجرا در پوشهٔ آن است و «smartalloc review log» تغییرهای "
            "بازبینی را نشان می‌دهد؛ برای دانش‌آموزان تازه، گزارش دانش‌آموزان تازه را اجرا کنید",
            f"since this run was recorded, manual review or live intake changed its "
            f"allocations ({reviewed} changes); running the same files again would undo "
            "them, so nothing was run. Its workbooks are in its folder; `smartalloc review "
            "log` lists the review changes; run a new student report for new students"))
    past, already = replay_state(inputs, history, run_id)
    engine = AllocationEngine(matrix, policy, already)
    batch = allocate_batch(inputs.students.records, matrix, policy, history=past,
                           roster=(*inputs.roster, *history.kept_codes()), year=request.year,
                           engine=engine)
    timings["allocate"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("reports", 0.6)
    earlier = earlier_runs(batch.decisions, {e.national_id: e for e in past})
    outputs, counts, run_id = build_reports(
        request, inputs, matrix, pre_qa, batch, already, index=engine.index,
        earlier=earlier, sabt_ready=lambda sabt: writer.write_sabt(staged, sabt, policy),
        tables_ready=lambda tables, later: writer.start_allocation(staged, tables, later, policy))
    if request.explanations:
        outputs.trace = lambda: run_trace(inputs.students.records, batch.decisions, engine,
                                          matrix, roster=inputs.roster, history=past,
                                          done=lambda part, parts: step("trace", part, parts))
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
    events = functools.partial(
        run_events, inputs.students.records if entries else (),
        batch.decisions if entries else (), run_id=run_id, occurred_at=committed_at,
        key=request.event_key, counts=counts, qa_status=outputs.qa.status,
        policy_stamp=policy.stamp)

    t = time.perf_counter()
    progress("write", 0.7)
    # No stage change from here to the commit: a caller that records progress in the same
    # SQLite database would wait for this very transaction. Sub-steps (``step``) go on: a
    # caller never records those in the database.
    _write_and_commit(writer, staged, outputs, policy, history,
                      lambda uow: uow.record(record, entries, snapshot, events))
    timings["write"] = time.perf_counter() - t
    keep_until_exit(batch, engine, outputs, entries, snapshot, past, already)
    return RunResult(run_id, request.out_dir, [], counts, outputs.qa.status, timings,
                     (*warnings, *centre_warnings(matrix.centres), *batch.warnings),
                     tuple(earlier_runs_text(earlier)), tuple(earlier))


def _write_and_commit(writer: OutputWriter, staged: StagedOutputs, outputs: RunOutputs,
                      policy: Policy, history: HistoryStore,
                      record: Callable[[RunUnitOfWork], None]) -> None:
    """The run's unit of work: the workbooks start writing; in one transaction the run is
    recorded, then every workbook is awaited and made durable, then it commits. A store that
    fails (locked, unreachable) is tried again; publishing is the caller's, after this."""
    writer.write(staged, outputs, policy)     # in the background, beside the database work

    def attempt() -> None:
        with history.unit_of_work() as uow:
            step("history")
            with span("run.history"):
                record(uow)
            step("files")
            with span("run.files"):     # the workbooks awaited and made durable
                staged.finish()
            uow.commit()

    retrying(attempt, attempts=HISTORY_ATTEMPTS, gave_up=_history_failed)


def _mentor_bindings(matrix: EligibilityMatrix) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Allowed groups and bound schools of every mentor, as its matrix rows say."""
    groups: dict[str, set[int]] = {}
    schools: dict[str, set[int]] = {}
    for row in matrix.rows:
        groups.setdefault(row.mentor_id, set()).add(row.group)
        if row.is_school_row:
            schools.setdefault(row.mentor_id, set()).add(row.school)
    return groups, schools


def _history_failed(attempts: int, last: Exception) -> HistoryError:
    """A store that kept failing (locked, unreachable, full): FR-EXPORT-01's message."""
    return HistoryError(Problem(
        "HISTORY_WRITE_FAILED",
        f"ثبت سابقه پس از {attempts} تلاش ناموفق بود ({type(last).__name__})؛ "
        "خروجی‌ها منتشر نشدند؛ دسترسی به پایگاه داده را بررسی و دوباره اجرا کنید",
        f"history append failed after {attempts} attempts ({type(last).__name__}); "
        "outputs withheld; check the database and run again"))
