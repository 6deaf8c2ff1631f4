"""The tables of ``allocation.xlsx`` (FR-40, FR-50): allocations, summary, trace, reasons,
unallocated and meta. Column names are the output contract checked by QA_RULE_OUT_01."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from smartalloc.domain.capacity_plan import CapacityPlanRow
from smartalloc.domain.contracts import REASONS_COLUMNS, REASONS_SHEET
from smartalloc.domain.decision import STAGES, Decision, Outcome
from smartalloc.domain.reasons import selection_reason
from smartalloc.domain.records import StudentRecord
from smartalloc.domain.summary import MentorSummary
from smartalloc.domain.tables import Table

KEY_COLUMNS = ("کدرشته", "جنسیت", "دانش آموز فارغ", "مرکز گلستان صدرا", "مالی حکمت بنیاد", "کد مدرسه")
ALLOCATIONS_COLUMNS = (
    "row", "national_id", "first_name", "last_name", *KEY_COLUMNS, "allocation_channel",
    "status", "mentor_id", "mentor_name", "alias", "registration_code", "code_reused",
    "failure_class", "reason", "dedupe_reason", "allocated_before", "policy_version",
)
SUMMARY_COLUMNS = (
    "mentor_id", "mentor_name", "manager", "center", "capacity", "covered", "remaining_at_start",
    "allocations_earlier_runs", "allocations_new", "remaining_after", "occupancy_ratio", "load_ratio_after",
)
TRACE_COLUMNS = (
    "row", "national_id", "allocation_channel", "dedupe_reason", "allocated_before", "pool_size",
    *(f"after_{s}" for s in STAGES), "winner", "runner_up", "decided_by", "occupancy_before",
    "allocations_before", "policy_version",
)
UNALLOCATED_COLUMNS = (
    "row", "national_id", "first_name", "last_name", *KEY_COLUMNS, "allocation_channel",
    "failure_class", "reason", "suggested_action",
)
ALLOCATION_SHEETS: dict[str, tuple[str, ...]] = {
    "allocations": ALLOCATIONS_COLUMNS,
    "allocation_summary": SUMMARY_COLUMNS,
    "trace": TRACE_COLUMNS,
    REASONS_SHEET: REASONS_COLUMNS,
    "unallocated": UNALLOCATED_COLUMNS,
}


def _keys(s: StudentRecord) -> tuple:
    return (s.group, s.gender, s.status, s.center, s.finance, s.school)


def _names(s: StudentRecord) -> tuple[str, str]:
    return s.value("نام"), s.value("نام خانوادگی")


def allocation_tables(students: Sequence[StudentRecord], decisions: Sequence[Decision],
                      summaries: Sequence[MentorSummary], policy_stamp: str) -> list[Table]:
    """All per-student and per-mentor tables, one row per input student where per-student."""
    allocations, trace, reasons, unallocated = [], [], [], []
    for d in decisions:
        s = students[d.index]
        first, last = _names(s)
        ok = d.outcome is Outcome.ALLOCATED
        failure = "" if d.failure is None else str(d.failure)
        allocations.append((
            s.row, d.national_id, first, last, *_keys(s), str(d.channel), str(d.outcome),
            d.mentor_id, d.mentor_name, d.alias, d.code if ok else "", d.code_reused, failure,
            d.reason_fa, d.dedupe_reason, d.allocated_before, policy_stamp))
        counts = tuple(d.stage_counts) + ("",) * (len(STAGES) - len(d.stage_counts))
        trace.append((
            s.row, d.national_id, str(d.channel), d.dedupe_reason, d.allocated_before,
            d.pool_size, *counts, d.mentor_id, d.runner_up_id, d.decided_by,
            round(d.occupancy_before, 6), d.allocations_before, policy_stamp))
        if ok:
            reasons.append((s.row, d.national_id, first, last, d.mentor_id, selection_reason(d)))
        else:
            unallocated.append((s.row, d.national_id, first, last, *_keys(s), str(d.channel),
                                failure, d.reason_fa, d.action_fa))
    summary = [(m.mentor_id, m.name, m.manager, m.center, m.capacity, m.covered,
                m.remaining_at_start, m.allocations_earlier_runs, m.allocations_new, m.remaining_after,
                round(m.occupancy_ratio, 6), round(m.load_ratio_after, 6)) for m in summaries]
    return [
        Table("allocations", ALLOCATIONS_COLUMNS, allocations),
        Table("allocation_summary", SUMMARY_COLUMNS, summary),
        Table("trace", TRACE_COLUMNS, trace),
        Table(REASONS_SHEET, REASONS_COLUMNS, reasons),
        Table("unallocated", UNALLOCATED_COLUMNS, unallocated),
    ]


EXCEL_CELL_LIMIT = 32_767   # characters a spreadsheet cell holds; longer text "needs repair"


def meta_value(value: object) -> str:
    """A meta cell: a long list (every row of thousands of unused codes) is cut at the cell's
    limit with a note, so the workbook still opens; the run's warnings keep the whole list."""
    text = "" if value is None else str(value)
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    note = f" … (+{len(text) - 32_000:,} characters: the full list is in the run's warnings)"
    return text[:32_000] + note


def meta_table(meta: Mapping[str, object]) -> Table:
    return Table("meta", ("key", "value"), [(k, meta_value(v)) for k, v in meta.items()])


CAPACITY_PLAN_COLUMNS = (
    *KEY_COLUMNS, "profile", "failure_class", "students", "seats_missing", "full_mentors",
    "extra_seats", "seats_from_existing", "new_mentors_needed", "new_mentor_capacity",
)


def capacity_plan_table(plan: Sequence[CapacityPlanRow]) -> Table:
    """D12: one row per six-key combination left unallocated."""
    rows = [(*p.keys, p.profile_fa, str(p.failure), p.students, p.seats_missing,
             "، ".join(p.full_mentors), "، ".join(map(str, p.extra_seats)),
             p.seats_from_existing, p.new_mentors_needed, p.new_mentor_capacity) for p in plan]
    return Table("capacity_plan", CAPACITY_PLAN_COLUMNS, rows)
