"""Use cases: run the whole pipeline, build only the matrix, explain one student.

Order of a run (spec pipeline): read → pool + matrix (+ pre-QA) → dedupe + allocate + codes →
Sabt + QA → stage workbooks → append history and publish the workbooks in one transaction.
If anything fails, no workbook is left in the output folder and history is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from smartalloc.domain.allocation_report import allocation_tables, capacity_plan_table, meta_table
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.capacity_plan import plan_capacity
from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.errors import HistoryError, OutputError, Problem, SmartAllocError
from smartalloc.domain.explain import Explanation, explain
from smartalloc.domain.gc_pause import gc_paused
from smartalloc.domain.matrix import build_matrix
from smartalloc.domain.policy import Policy
from smartalloc.domain.qa import run_all_invariants, run_pre_qa
from smartalloc.domain.records import HistoryEntry, Inputs
from smartalloc.domain.sabt import build_sabt
from smartalloc.domain.summary import mentor_summaries, outcome_counts
from smartalloc.service_layer.ports import (
    HistoryStore,
    InputPaths,
    InputReader,
    OutputWriter,
    ProgressFn,
    RunOutputs,
    RunRecord,
)
from smartalloc.service_layer.qa_context import qa_context

HISTORY_ATTEMPTS = 3


@dataclass(frozen=True)
class RunRequest:
    paths: InputPaths
    policy: Policy
    out_dir: Path
    year: int | None = None
    overrides: Mapping[str, bool] = field(default_factory=dict)
    now: str = ""                      # allocation date stamp (Jalali), set by the entrypoint


@dataclass(frozen=True)
class RunResult:
    run_id: str
    out_dir: Path
    files: list[Path]
    counts: dict[str, int]
    qa_status: str
    timings: dict[str, float]
    warnings: tuple[str, ...] = ()


def _noop(stage: str, fraction: float) -> None:
    return None


def run_id_for(inputs: Inputs, policy: Policy, year: int, overrides: Mapping[str, bool],
               history_size: int) -> str:
    """Content address of a run: same inputs, policy, year, overrides and history → same id."""
    material = json.dumps({
        "inputs": sorted((s.file.rsplit("/", 1)[-1], s.sha256) for s in inputs.sources),
        "policy": policy.content_hash, "year": year, "overrides": sorted(overrides.items()),
        "history": history_size,
    }, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()[:12]


def input_sha(inputs: Inputs, role: str) -> str:
    return next((s.sha256 for s in inputs.sources if s.file.startswith(f"{role}:")), "")


def seats_taken_since_report(inputs: Inputs, past: Sequence[HistoryEntry],
                             history: HistoryStore, exclude_runs: Sequence[str] = ()) -> dict[str, int]:
    """Students given to each mentor by earlier runs that read this very Inspactor report: its
    covered counts were taken before those runs, so their seats are already used."""
    runs = set(history.runs_with_input(input_sha(inputs, "inspactor"))) - set(exclude_runs)
    return dict(Counter(e.mentor_id for e in past if e.run_id in runs))


def build_matrix_for(inputs: Inputs, policy: Policy,
                     overrides: Mapping[str, bool] | None = None) -> EligibilityMatrix:
    keys = [s.keys for s in inputs.students.records if s.keys is not None] if inputs.students else []
    return build_matrix(inputs.mentors, inputs.schools, policy, crosswalk=inputs.crosswalk,
                        overrides=overrides or {}, student_keys=keys)


def _history_entries(decisions: list[Decision], inputs: Inputs, run_id: str, stamp: str,
                     now: str) -> list[HistoryEntry]:
    students = inputs.students.records
    return [HistoryEntry(d.national_id, d.mentor_id, d.code, students[d.index].keys, str(d.channel),
                         now, run_id, stamp)
            for d in decisions if d.outcome is Outcome.ALLOCATED]


def run_allocation(request: RunRequest, *, reader: InputReader, writer: OutputWriter,
                   history: HistoryStore, progress: ProgressFn = _noop) -> RunResult:
    """The weekly job, end to end."""
    with gc_paused():
        return _run(request, reader, writer, history, progress)


def _run(request: RunRequest, reader: InputReader, writer: OutputWriter, history: HistoryStore,
         progress: ProgressFn) -> RunResult:
    policy, timings = request.policy, {}
    year = request.year or policy.academic_year
    t = time.perf_counter()
    progress("read", 0.0)
    inputs = reader.read(request.paths, policy)
    timings["read"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("matrix", 0.3)
    matrix = build_matrix_for(inputs, policy, request.overrides)
    pre_qa = run_pre_qa(matrix)
    timings["matrix"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("allocate", 0.45)
    past = history.load()
    already = seats_taken_since_report(inputs, past, history)
    students = inputs.students.records
    batch = allocate_batch(students, matrix, policy, history=past, roster=inputs.roster, year=year,
                           already=already)
    decisions = list(batch.decisions)
    timings["allocate"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("reports", 0.6)
    run_id = run_id_for(inputs, policy, year, request.overrides, len(past))
    summaries = mentor_summaries(matrix.pool, batch.allocations, already)
    sabt = build_sabt(students, decisions, policy)
    tables = allocation_tables(students, decisions, summaries, policy.stamp)
    plan = plan_capacity(students, decisions, matrix, policy)
    counts = outcome_counts(decisions)
    meta = {"run_id": run_id, "policy_version": policy.version, "policy_stamp": policy.stamp,
            "ssot_version": policy.ssot_version, "academic_year": year, "allocated_at": request.now,
            "pre_qa_status": pre_qa.status, **{f"count_{k}": v for k, v in sorted(counts.items())},
            **{f"input_{s.file.rsplit('/', 1)[-1]}": s.sha256 for s in inputs.sources},
            "overrides": json.dumps(dict(request.overrides), ensure_ascii=False),
            "counter_warnings": "; ".join(batch.warnings)}
    tables = [*tables, capacity_plan_table(plan), meta_table(meta)]
    qa = run_all_invariants(qa_context(students, decisions, matrix, batch.allocations, tables,
                                       sabt, summaries))
    meta["qa_status"] = qa.status
    tables[-1] = meta_table(meta)
    timings["reports"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("write", 0.7)
    outputs = RunOutputs(matrix=matrix, meta=meta, allocation_tables=tables, sabt=sabt, qa=qa)
    staged = writer.stage(request.out_dir, outputs, policy)
    timings["write"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("history", 0.95)
    record = RunRecord(run_id, request.now, policy.stamp,
                       {s.file.rsplit("/", 1)[-1]: s.sha256 for s in inputs.sources}, counts,
                       qa.status, str(request.out_dir))
    entries = _history_entries(decisions, inputs, run_id, policy.stamp, request.now)
    published: list[Path] = []

    def publish() -> None:
        try:
            published.extend(staged.publish())
        except OSError as exc:
            raise OutputError(Problem(
                "OUTPUT_PUBLISH_FAILED", f"انتشار خروجی‌ها ناموفق بود؛ چیزی ثبت نشد: {exc}",
                f"publishing the workbooks failed; nothing was recorded: {exc}")) from exc

    last_error: Exception | None = None
    for attempt in range(HISTORY_ATTEMPTS):
        try:
            history.record(record, entries, before_commit=publish)
            last_error = None
            break
        except SmartAllocError:
            staged.discard()
            raise
        except Exception as exc:  # a locked or broken store: retry with backoff (FR-EXPORT-01)
            last_error = exc
            time.sleep(0.05 * (2 ** attempt))
    if last_error is not None:
        staged.discard()
        raise HistoryError(Problem(
            "HISTORY_WRITE_FAILED",
            f"ثبت سابقه پس از {HISTORY_ATTEMPTS} تلاش ناموفق بود؛ خروجی‌ها منتشر نشدند: {last_error}",
            f"history append failed after {HISTORY_ATTEMPTS} attempts; outputs withheld: {last_error}",
        )) from last_error
    timings["history"] = time.perf_counter() - t
    progress("done", 1.0)
    return RunResult(run_id, request.out_dir, published, counts, qa.status, timings, batch.warnings)


def run_matrix_only(paths: InputPaths, policy: Policy, out_dir: Path, *, reader: InputReader,
                    writer: OutputWriter, overrides: Mapping[str, bool] | None = None) -> list[Path]:
    """Build and write only the eligibility matrix workbook (+ CSV)."""
    inputs = reader.read(paths, policy)
    matrix = build_matrix_for(inputs, policy, overrides)
    meta = {"policy_stamp": policy.stamp, "pre_qa_status": run_pre_qa(matrix).status,
            **{f"input_{s.file.rsplit('/', 1)[-1]}": s.sha256 for s in inputs.sources}}
    return writer.stage(out_dir, RunOutputs(matrix=matrix, meta=meta), policy).publish()


def explain_student(paths: InputPaths, policy: Policy, national_id: str, *, reader: InputReader,
                    history: HistoryStore, year: int | None = None, mentors: tuple[str, ...] = (),
                    overrides: Mapping[str, bool] | None = None) -> Explanation | None:
    """The trace of one student as a run on these inputs would decide it (None if absent)."""
    inputs = reader.read(paths, policy)
    matrix = build_matrix_for(inputs, policy, overrides)
    students = inputs.students.records
    index = next((s.index for s in students if s.national_id == national_id), None)
    if index is None:
        return None
    # Replay the run as it was decided: ignore what earlier runs on this same file appended.
    same_file = history.runs_with_input(inputs.students.source.sha256)
    past = history.load(exclude_runs=same_file)
    already = seats_taken_since_report(inputs, past, history, exclude_runs=same_file)
    return explain(students, matrix, policy, index, history=past, roster=inputs.roster,
                   year=year, mentors=mentors, already=already)
