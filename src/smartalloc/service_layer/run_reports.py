"""A run's request and result, and the reports of a decided batch: the Sabt export, the
allocation tables, the capacity plan, meta and QA (spec steps 7–9)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from smartalloc.domain.allocation_report import (
    CAPACITY_PLAN_SHEET,
    META_SHEET,
    allocation_tables,
    capacity_plan_table,
    meta_table,
)
from smartalloc.domain.batch import BatchResult
from smartalloc.domain.candidates import CandidateIndex
from smartalloc.domain.capacity_plan import plan_capacity
from smartalloc.domain.centres import centre_counters
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.policy import Policy
from smartalloc.domain.qa import QaReport, run_all_invariants
from smartalloc.domain.records import Inputs
from smartalloc.domain.run_results import run_summary
from smartalloc.domain.sabt import SabtExport, sabt_later
from smartalloc.domain.summary import (
    EarlierRun,
    earlier_runs_text,
    mentor_summaries,
    outcome_counts,
)
from smartalloc.domain.tables import Table
from smartalloc.service_layer.ports import InputPaths, RunOutputs
from smartalloc.service_layer.qa_context import qa_context
from smartalloc.service_layer.run_context import run_id_for

# A caller that names no key (a library user, a test) gets one that lives as long as this
# process: its pseudonyms join within the process and cannot be reversed. Entry points always
# pass the agency's key (``bootstrap.event_key``).
PROCESS_EVENT_KEY = secrets.token_bytes(32)


@dataclass(frozen=True)
class RunRequest:
    paths: InputPaths
    policy: Policy
    out_dir: Path
    year: int | None = None
    overrides: Mapping[str, bool] = field(default_factory=dict)
    now: str = ""                      # allocation date stamp (Jalali), set by the entrypoint
    event_key: bytes = PROCESS_EVENT_KEY   # HMAC key naming students in events
    explanations: bool = False         # keep every student's explanation (explain.sqlite)
    trace_sheet: bool = False          # allocation.xlsx also gets the per-student stage trace
    profile_version: int | None = None  # the stored agency profile applied (set by the run)


@dataclass(frozen=True)
class RunResult:
    run_id: str
    out_dir: Path
    files: list[Path]
    counts: dict[str, int]
    qa_status: str
    timings: dict[str, float]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()        # what the operator should know that is not a warning
    earlier: tuple[EarlierRun, ...] = ()  # students of this report earlier runs allocated



def build_reports(request: RunRequest, inputs: Inputs, matrix: EligibilityMatrix,
                  pre_qa: QaReport, batch: BatchResult, already: Mapping[str, int], *,
                  index: CandidateIndex | None = None, earlier: Sequence[EarlierRun] = (),
                  sabt_ready: Callable[[SabtExport], object] | None = None,
                  tables_ready: Callable[[list[Table], tuple[str, ...]], object] | None = None,
                  ) -> tuple[RunOutputs, dict[str, int], str]:
    """Sabt export, allocation tables, capacity plan, meta and QA of a decided batch:
    (outputs, counts, run id). ``index``: the engine's candidate index of this matrix.
    ``tables_ready``, then ``sabt_ready``: given the allocation tables (with the names of the
    sheets that follow them, made after QA) and the Sabt export as soon as each is built, so
    their workbooks can be written while the rest is built."""
    policy, students, decisions = request.policy, inputs.students.records, batch.decisions
    year = request.year or policy.academic_year
    run_id = run_id_for(inputs, policy, year, request.overrides)
    summaries = mentor_summaries(matrix.pool, batch.allocations, already)
    tables = allocation_tables(students, decisions, summaries, policy.stamp,
                               trace_sheet=request.trace_sheet)
    if tables_ready is not None:
        tables_ready(tables, (CAPACITY_PLAN_SHEET, META_SHEET))
    sabt = sabt_later(students, decisions, policy)   # built by its writer, beside the run
    if sabt_ready is not None:
        sabt_ready(sabt)
    plan = plan_capacity(students, decisions, matrix, policy, index)
    counts = outcome_counts(decisions)
    meta = {"run_id": run_id, "policy_version": policy.version, "policy_stamp": policy.stamp,
            "ssot_version": policy.ssot_version, "academic_year": year, "allocated_at": request.now,
            "pre_qa_status": pre_qa.status, **{f"count_{k}": v for k, v in sorted(counts.items())},
            **{f"input_{s.file}": s.sha256 for s in inputs.sources},
            "overrides": json.dumps(dict(request.overrides), ensure_ascii=False),
            "counter_warnings": "; ".join(batch.warnings), **centre_counters(matrix.centres),
            "allocated_earlier_runs": "; ".join(earlier_runs_text(earlier)),
            "agency_profile_version": request.profile_version or ""}
    tables = [*tables, capacity_plan_table(plan), meta_table(meta)]
    qa = run_all_invariants(qa_context(students, decisions, matrix, batch.allocations, tables,
                                       sabt, summaries, trace_sheet=request.trace_sheet,
                                       pre_qa=pre_qa))
    meta["qa_status"] = qa.status
    tables[-1] = meta_table(meta)
    return RunOutputs(meta=meta, allocation_tables=tables, sabt=sabt, qa=qa,
                      results=run_summary(students, decisions, summaries, plan)), counts, run_id
