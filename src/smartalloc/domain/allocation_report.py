"""The tables of ``allocation.xlsx`` (FR-40, FR-50): allocations, summary, trace, reasons,
unallocated, capacity plan and meta. Column names are the output contract checked by
QA_RULE_OUT_01.

The workbook is read by people (issue J): sheets and headers are Persian, and every coded
value is shown in the operator's words (``glossary``) with the code itself kept in a column of
its own, headed «… (کد)», so scripts and diffs still find ``ALLOCATED`` or ``SADRA``."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from operator import attrgetter, itemgetter

from smartalloc.domain import glossary
from smartalloc.domain.capacity_plan import CapacityPlanRow
from smartalloc.domain.contracts import REASONS_COLUMNS, REASONS_SHEET
from smartalloc.domain.decision import STAGES, Decision, Outcome
from smartalloc.domain.ranking import RULE_LABELS_FA
from smartalloc.domain.reasons import CHANNEL_LABELS_FA, selection_reason
from smartalloc.domain.records import STUDENT_INDEX, StudentRecord
from smartalloc.domain.summary import MentorSummary
from smartalloc.domain.tables import LazyRows, Table

KEY_COLUMNS = ("کدرشته", "جنسیت", "دانش آموز فارغ", "مرکز گلستان صدرا", "مالی حکمت بنیاد", "کد مدرسه")


def code_column(label: str) -> str:
    """The header of a column that keeps a machine code (``ALLOCATED``, ``SADRA``) beside the
    column that shows it in words: scripts and diffs read these, people read the others."""
    return f"{label} (کد)"


CHANNEL, OUTCOME, FAILURE = "کانال", "وضعیت", "علت عدم تخصیص"
CHANNEL_CODE, OUTCOME_CODE, FAILURE_CODE = map(code_column, ("کانال", "وضعیت", "علت"))
MENTOR_ID, MENTOR_NAME, NATIONAL_ID, ROW = "کد کارمندی پشتیبان", "نام پشتیبان", "کد ملی", "ردیف"
REGISTRATION_CODE, REASON, POLICY = "کد ثبت نام", "دلیل", "نسخه سیاست"
ALLOCATED_BEFORE, DEDUPE_REASON = "پیش‌تر تخصیص یافته", "دلیل تکرار"
ALLOCATIONS_SHEET, SUMMARY_SHEET, TRACE_SHEET = "تخصیص‌ها", "خلاصه پشتیبان‌ها", "مراحل تصمیم"
UNALLOCATED_SHEET, CAPACITY_PLAN_SHEET, META_SHEET = (
    "تخصیص‌نیافته‌ها", "برنامه ظرفیت", "مشخصات اجرا")

ALLOCATIONS_COLUMNS = (
    ROW, NATIONAL_ID, "نام", "نام خانوادگی", *KEY_COLUMNS, CHANNEL, OUTCOME, MENTOR_ID,
    MENTOR_NAME, "جایگزین", REGISTRATION_CODE, "کد ثبت نام قبلی حفظ شد", FAILURE, REASON,
    DEDUPE_REASON, ALLOCATED_BEFORE, POLICY, OUTCOME_CODE, CHANNEL_CODE, FAILURE_CODE,
)
SUMMARY_COLUMNS = (
    MENTOR_ID, MENTOR_NAME, "مدیر", "مرکز", "ظرفیت", "تحت پوشش", "باقی‌مانده آغاز اجرا",
    "تخصیص اجراهای پیشین", "تخصیص جدید", "باقی‌مانده پایان اجرا", "نسبت اشغال",
    "نسبت بار پس از اجرا", code_column("مرکز"),
)
RULE_CODE = code_column("معیار")
TRACE_COLUMNS = (
    ROW, NATIONAL_ID, CHANNEL, DEDUPE_REASON, ALLOCATED_BEFORE, "پشتیبان‌های فعال",
    *(f"پس از {glossary.STAGES[s].fa}" for s in STAGES), "پشتیبان انتخاب‌شده", "نفر دوم",
    "معیار تعیین‌کننده", "نسبت اشغال پیش از تخصیص", "تخصیص‌های پیش از این", POLICY,
    CHANNEL_CODE, RULE_CODE,
)
UNALLOCATED_COLUMNS = (
    ROW, NATIONAL_ID, "نام", "نام خانوادگی", *KEY_COLUMNS, CHANNEL, FAILURE, REASON,
    "اقدام پیشنهادی", CHANNEL_CODE, FAILURE_CODE,
)
META_COLUMNS = ("مورد", "مقدار", code_column("کلید"), code_column("مقدار"))
ALLOCATION_SHEETS: dict[str, tuple[str, ...]] = {
    ALLOCATIONS_SHEET: ALLOCATIONS_COLUMNS,
    SUMMARY_SHEET: SUMMARY_COLUMNS,
    TRACE_SHEET: TRACE_COLUMNS,
    REASONS_SHEET: REASONS_COLUMNS,
    UNALLOCATED_SHEET: UNALLOCATED_COLUMNS,
}
_FAILURE_FA = glossary.labels_fa(glossary.FAILURE_CLASSES)
_OUTCOME_FA = glossary.labels_fa(glossary.OUTCOMES)
_YES, _NO = glossary.yes_no(True), glossary.yes_no(False)


# C-level getters: the per-student rows are built for every student of the run (issue P)
_keys = attrgetter("group", "gender", "status", "center", "finance", "school")
_names = itemgetter(STUDENT_INDEX["نام"], STUDENT_INDEX["نام خانوادگی"])   # of ``values``


class _Texts(dict):
    """A code (a channel, an outcome, a failure class or None) → its (code, words) pair, made
    once per code met: the rows of a run name a handful of codes 100k times."""

    def __init__(self, labels: Mapping[str, str]):
        super().__init__()
        self.labels = labels

    def __missing__(self, code: object) -> tuple[str, str]:
        text = "" if code is None else str(code)
        self[code] = pair = (text, self.labels.get(text, text))
        return pair


def allocation_tables(students: Sequence[StudentRecord], decisions: Sequence[Decision],
                      summaries: Sequence[MentorSummary], policy_stamp: str, *,
                      trace_sheet: bool = False) -> list[Table]:
    """All per-student and per-mentor tables, one row per input student where per-student.
    Each coded value is written twice: in the operator's words, and as its code at the end
    of the row. ``trace_sheet``: also the per-student stage trace (``run --trace``); off by
    default because explain rebuilds any student's trace on demand, while the sheet is one of
    the workbook's two 100k-row sheets (issue P). The per-student rows are built when first
    read (``LazyRows``), so a writer forked first builds them beside the run."""
    built = functools.cache(functools.partial(_per_student, students, decisions, policy_stamp,
                                              trace_sheet))
    allocated = sum(d.outcome is Outcome.ALLOCATED for d in decisions)
    summary = [(m.mentor_id, m.name, m.manager, glossary.fa(glossary.CENTRES, m.center),
                m.capacity, m.covered, m.remaining_at_start, m.allocations_earlier_runs,
                m.allocations_new, m.remaining_after, round(m.occupancy_ratio, 6),
                round(m.load_ratio_after, 6), m.center) for m in summaries]
    return [
        Table(ALLOCATIONS_SHEET, ALLOCATIONS_COLUMNS,
              LazyRows(lambda: built()[0], len(decisions))),
        Table(SUMMARY_SHEET, SUMMARY_COLUMNS, summary),
        *([Table(TRACE_SHEET, TRACE_COLUMNS, LazyRows(lambda: built()[1], len(decisions)))]
          if trace_sheet else []),
        Table(REASONS_SHEET, REASONS_COLUMNS, LazyRows(lambda: built()[2], allocated)),
        Table(UNALLOCATED_SHEET, UNALLOCATED_COLUMNS,
              LazyRows(lambda: built()[3], len(decisions) - allocated)),
    ]


def _per_student(students: Sequence[StudentRecord], decisions: Sequence[Decision],
                 policy_stamp: str, trace_sheet: bool) -> tuple[list, list, list, list]:
    """The allocations, trace, reasons and unallocated rows, in one pass over the decisions."""
    allocations, trace, reasons, unallocated = [], [], [], []
    keep_trace = trace.append if trace_sheet else None
    channels, failures, outcomes = _Texts(CHANNEL_LABELS_FA), _Texts(_FAILURE_FA), _Texts(_OUTCOME_FA)
    for d in decisions:
        s = students[d.index]
        first, last = _names(s.values)
        ok = d.outcome is Outcome.ALLOCATED
        failure, failure_fa = failures[d.failure]
        channel, channel_fa = channels[d.channel]
        outcome, outcome_fa = outcomes[d.outcome]
        before = _YES if d.allocated_before else _NO
        allocations.append((
            s.row, d.national_id, first, last, *_keys(s), channel_fa, outcome_fa, d.mentor_id,
            d.mentor_name, d.alias, d.code if ok else "", _YES if d.code_reused else _NO,
            failure_fa, d.reason_fa, d.dedupe_reason, before, policy_stamp, outcome, channel,
            failure))
        if keep_trace is not None:
            counts = tuple(d.stage_counts) + ("",) * (len(STAGES) - len(d.stage_counts))
            keep_trace((
                s.row, d.national_id, channel_fa, d.dedupe_reason, before,
                d.pool_size, *counts, d.mentor_id, d.runner_up_id,
                RULE_LABELS_FA.get(d.decided_by, d.decided_by), round(d.occupancy_before, 6),
                d.allocations_before, policy_stamp, channel, d.decided_by))
        if ok:
            reasons.append((s.row, d.national_id, first, last, d.mentor_id, selection_reason(d)))
        else:
            unallocated.append((s.row, d.national_id, first, last, *_keys(s), channel_fa,
                                failure_fa, d.reason_fa, d.action_fa, channel, failure))
    return allocations, trace, reasons, unallocated


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
    """The run's facts: label and value for people, then the key and the value as codes."""
    return Table(META_SHEET, META_COLUMNS, glossary.meta_rows(meta, meta_value))


CAPACITY_PLAN_COLUMNS = (
    *KEY_COLUMNS, "نمایه", FAILURE, "دانش‌آموزان", "صندلی کم", "پشتیبان‌های پر",
    "صندلی اضافه هر پشتیبان پر", "صندلی از پشتیبان‌های موجود", "پشتیبان جدید لازم",
    "ظرفیت هر پشتیبان جدید", FAILURE_CODE,
)


def capacity_plan_table(plan: Sequence[CapacityPlanRow]) -> Table:
    """D12: one row per six-key combination left unallocated."""
    rows = [(*p.keys, p.profile_fa, glossary.fa(glossary.FAILURE_CLASSES, p.failure),
             p.students, p.seats_missing, "، ".join(p.full_mentors),
             "، ".join(map(str, p.extra_seats)), p.seats_from_existing, p.new_mentors_needed,
             p.new_mentor_capacity, str(p.failure)) for p in plan]
    return Table(CAPACITY_PLAN_SHEET, CAPACITY_PLAN_COLUMNS, rows)
