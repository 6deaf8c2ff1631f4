"""QA invariants (A.2, D10, FR-52): stable QA_RULE_* checks on the in-memory outputs.

A violation is a bug, never noise, so every rule reports each offending subject with a Persian
and an English detail. Matrix-level breaches (JOIN_01/SCHOOL_01 on the matrix itself) mean the
allocation ran on bad input and give FAILED_PRE_QA; everything else gives FAILED_QA.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain, filterfalse
from operator import attrgetter

from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.normalize import clean_text, parse_int
from smartalloc.domain.records import StudentRecord

STU_01, STU_02, JOIN_01 = "QA_RULE_STU_01", "QA_RULE_STU_02", "QA_RULE_JOIN_01"
SCHOOL_01, ALLOC_01, OUT_01 = "QA_RULE_SCHOOL_01", "QA_RULE_ALLOC_01", "QA_RULE_OUT_01"
REVIEW_01 = "QA_RULE_REVIEW_01"   # reviewed exports only (domain.review_qa)
DESCRIPTIONS_FA: dict[str, str] = {
    STU_01: "هر دانش‌آموز ورودی دقیقاً یک تصمیم دارد و ردیف‌های ثبت برابر تخصیص‌هاست",
    STU_02: "برای هر پشتیبان، تعداد خلاصه تخصیص برابر ردیف‌های تخصیص‌یافته به اوست",
    JOIN_01: "شش کلید اتصال در ماتریس و تخصیص‌ها عدد صحیح و غیرتهی‌اند",
    SCHOOL_01: "ردیف سراسری مدرسه ۰ دارد و در عیب‌یابی مدرسه نیست؛ ردیف مدرسه‌ای کد > ۰ دارد",
    ALLOC_01: "تخصیص هر پشتیبان ≤ ظرفیت باقی‌مانده آغاز و نسبت اشغال = تخصیص/باقی‌مانده آغاز",
    OUT_01: "هر برگه خروجی با ستون‌های قراردادی و به همان ترتیب وجود دارد",
    REVIEW_01: "هر تخصیص بیرون از ماتریس، استثنای ثبت‌شدهٔ یک مدیر سامانه است و فهرست می‌شود",
}
_KEY_NAMES = ("group", "gender", "status", "center", "finance", "school")
_INT_ONLY = {int}
# A 100k run checks 10⁵ decisions against 10⁵ matrix rows: the passes that find nothing wrong
# (every run that passes) are made by C-level getters and set operations (issue P); each
# rule's own loop, which names every offender, runs only where such a pass finds one.
_ROW_KEYS = attrgetter(*_KEY_NAMES)
_SCHOOL_ROW = attrgetter("mentor_id", *_KEY_NAMES)            # (mentor, six keys)
_GLOBAL_ROW = attrgetter("mentor_id", *_KEY_NAMES[:5])        # (mentor, five keys)
_IS_SCHOOL_ROW = attrgetter("is_school_row")
_INDEX, _NATIONAL_ID = attrgetter("index"), attrgetter("national_id")
_EPS = 1e-6


class QaStatus(StrEnum):
    PASSED_QA = "PASSED_QA"
    FAILED_QA = "FAILED_QA"
    FAILED_PRE_QA = "FAILED_PRE_QA"


@dataclass(frozen=True, slots=True)
class QaViolation:
    rule_id: str
    subject: str        # mentor id, national id, sheet name, "matrix row 12", …
    detail_fa: str
    detail_en: str


@dataclass(slots=True)
class QaRuleResult:
    rule_id: str
    description_fa: str
    passed: bool
    violations: list[QaViolation] = field(default_factory=list)
    listed: list[QaViolation] = field(default_factory=list)   # shown, not failing (exceptions)


@dataclass(slots=True)
class QaReport:
    status: QaStatus
    rules: list[QaRuleResult]

    @property
    def violations(self) -> list[QaViolation]:
        return [v for r in self.rules for v in r.violations]

    def rule(self, rule_id: str) -> QaRuleResult:
        return next(r for r in self.rules if r.rule_id == rule_id)


@dataclass(frozen=True, slots=True)
class QaContext:
    """What the rules look at. ``sabt_rows_count`` None = no Sabt export (not checked);
    ``occupancy_per_mentor`` (optional) = the occupancy ratios the summary reports."""

    students: Sequence[StudentRecord]
    decisions: Sequence[Decision]
    matrix: EligibilityMatrix
    allocations_per_mentor: Mapping[str, int]
    sheets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    expected_sheets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sabt_rows_count: int | None = None
    occupancy_per_mentor: Mapping[str, float] = field(default_factory=dict)
    earlier_per_mentor: Mapping[str, int] = field(default_factory=dict)  # earlier runs, same report
    # ``(matrix, run_pre_qa(matrix))`` when the caller checked its matrix before allocating:
    # used only while ``matrix`` is that very matrix, so a changed context is checked anew
    pre_qa: tuple[EligibilityMatrix, QaReport] | None = None


def _v(rule: str, subject: object, fa: str, en: str) -> QaViolation:
    return QaViolation(rule, str(subject), fa, en)


def _allocated(ctx: QaContext) -> list[tuple[Decision, StudentRecord]]:
    n, students, allocated = len(ctx.students), ctx.students, Outcome.ALLOCATED
    return [(d, students[d.index]) for d in ctx.decisions
            if d.outcome is allocated and 0 <= d.index < n]


# --- matrix-level checks (pre-QA) -----------------------------------------------------------
def _join_matrix(matrix: EligibilityMatrix) -> list[QaViolation]:
    if set(map(type, chain.from_iterable(map(_ROW_KEYS, matrix.rows)))) <= _INT_ONLY:
        return []   # every key of every row an int
    out = []
    for i, row in enumerate(matrix.rows, start=1):
        bad = [(name, v) for name, v in zip(_KEY_NAMES, row.keys, strict=True)
               if type(v) is not int]
        if bad:
            shown = ", ".join(f"{n}={v!r}" for n, v in bad)
            out.append(_v(JOIN_01, f"matrix row {i} ({row.mentor_id})",
                          f"کلید غیرصحیح یا تهی در ماتریس: {shown}",
                          f"non-int or null join key in the matrix: {shown}"))
    return out


def _is_empty_token(value: object) -> bool:
    return clean_text(value) in ("", "0")


def _school_matrix(matrix: EligibilityMatrix) -> list[QaViolation]:
    out = []
    school_rows = set()
    for i, row in enumerate(matrix.rows, start=1):
        if row.is_school_row:
            school_rows.add((row.mentor_id, row.school))
            if not (type(row.school) is int and row.school > 0):
                out.append(_v(SCHOOL_01, f"matrix row {i} ({row.mentor_id})",
                              f"ردیف مدرسه‌ای با کد مدرسه {row.school!r}",
                              f"school row with school code {row.school!r}"))
        elif row.school != 0:
            out.append(_v(SCHOOL_01, f"matrix row {i} ({row.mentor_id})",
                          f"ردیف سراسری با کد مدرسه {row.school!r}",
                          f"global row with school code {row.school!r}"))
    for side in matrix.unmatched_schools:
        if _is_empty_token(side.value):
            out.append(_v(SCHOOL_01, side.mentor_id, "توکن خالی/۰ در unmatched_schools آمده است",
                          "an empty/0 school token is listed in unmatched_schools"))
        elif (side.mentor_id, parse_int(side.value)) in school_rows:
            out.append(_v(SCHOOL_01, side.mentor_id,
                          f"مدرسه {side.value} هم نگاشت شده و هم در unmatched_schools است",
                          f"school {side.value} is both mapped and in unmatched_schools"))
    for side in matrix.invalid_mentors:
        if _is_school_reason(side.reason_fa) and _is_empty_token(side.value):
            out.append(_v(SCHOOL_01, side.mentor_id, "توکن مدرسه خالی/۰ در invalid_mentors آمده است",
                          "an empty/0 school token is listed in invalid_mentors"))
    return out


def _is_school_reason(reason: str) -> bool:
    return "مدرسه" in reason or "school" in reason.lower()


# --- run-level checks -----------------------------------------------------------------------
def _stu_01(ctx: QaContext) -> list[QaViolation]:
    out, n = [], len(ctx.students)
    if len(ctx.decisions) != n:
        out.append(_v(STU_01, "decisions", f"{len(ctx.decisions)} تصمیم برای {n} دانش‌آموز",
                      f"{len(ctx.decisions)} decisions for {n} students"))
    indices = list(map(_INDEX, ctx.decisions))
    in_order = indices == list(range(n))   # one each, in order: none missing, twice or outside
    if not in_order:
        seen = Counter(indices)
        for index in sorted(set(range(n)) - seen.keys()):
            out.append(_v(STU_01, ctx.students[index].national_id, "دانش‌آموز بدون تصمیم",
                          f"student at index {index} has no decision"))
        for index, count in sorted(seen.items()):
            if count > 1 or not 0 <= index < n:
                out.append(_v(STU_01, f"index {index}", f"{count} تصمیم برای اندیس {index}",
                              f"{count} decision(s) for index {index} (students: {n})"))
    if not (in_order and list(map(_NATIONAL_ID, ctx.decisions))
            == list(map(_NATIONAL_ID, ctx.students))):
        for d in ctx.decisions:
            if 0 <= d.index < n and d.national_id != ctx.students[d.index].national_id:
                out.append(_v(STU_01, d.national_id,
                              "کد ملی تصمیم با دانش‌آموز همان ردیف نمی‌خواند",
                              f"decision national id differs from student {d.index}"))
    allocated = sum(d.outcome is Outcome.ALLOCATED for d in ctx.decisions)
    if ctx.sabt_rows_count is not None and ctx.sabt_rows_count != allocated:
        out.append(_v(STU_01, "Sheet2", f"{ctx.sabt_rows_count} ردیف ثبت برای {allocated} تخصیص",
                      f"{ctx.sabt_rows_count} Sabt rows for {allocated} allocations"))
    return out


def _assigned(ctx: QaContext) -> Counter[str]:
    return Counter(d.mentor_id for d in ctx.decisions if d.outcome is Outcome.ALLOCATED)


def _stu_02(ctx: QaContext) -> list[QaViolation]:
    assigned, reported = _assigned(ctx), ctx.allocations_per_mentor
    out = []
    for mid in sorted(set(assigned) | set(reported)):
        a, r = assigned.get(mid, 0), reported.get(mid, 0)
        if a != r:
            out.append(_v(STU_02, mid, f"خلاصه {r} گزارش کرده ولی {a} ردیف تخصیص دارد",
                          f"summary reports {r} but {a} students are allocated"))
    return out


def _join_students(ctx: QaContext) -> list[QaViolation]:
    allocated = _allocated(ctx)
    if set(map(type, chain.from_iterable(_ROW_KEYS(s) for _, s in allocated))) <= _INT_ONLY:
        return []   # every key of every allocated student an int
    out = []
    for d, s in allocated:
        keys = _ROW_KEYS(s)
        if set(map(type, keys)) == _INT_ONLY:
            continue
        bad = [f"{n}={v!r}" for n, v in zip(_KEY_NAMES, keys, strict=True) if type(v) is not int]
        if bad:
            out.append(_v(JOIN_01, d.national_id,
                          f"دانش‌آموز تخصیص‌یافته با کلید نامعتبر: {', '.join(bad)}",
                          f"allocated student with non-int/null keys: {', '.join(bad)}"))
    return out


def _school_alloc(ctx: QaContext) -> list[QaViolation]:
    """D4: an allocation used a global row on the five keys or a row of the student's school."""
    rows = ctx.matrix.rows
    school_rows = set(map(_SCHOOL_ROW, filter(_IS_SCHOOL_ROW, rows)))
    global_rows = set(map(_GLOBAL_ROW, filterfalse(_IS_SCHOOL_ROW, rows)))
    out = []
    for d, s in _allocated(ctx):
        keys = s.keys
        if keys is None:
            continue  # reported by JOIN_01
        ok = ((d.mentor_id, *keys) in school_rows and keys[5] > 0 if d.is_school_row
              else (d.mentor_id, *keys[:5]) in global_rows)
        if not ok:
            kind = "مدرسه‌ای" if d.is_school_row else "سراسری"
            out.append(_v(SCHOOL_01, d.national_id,
                          f"پشتیبان {d.mentor_id} ردیف {kind} منطبق با کلیدهای {keys} ندارد",
                          f"mentor {d.mentor_id} has no {'school' if d.is_school_row else 'global'}"
                          f" row matching keys {keys}"))
    return out


def _alloc_01(ctx: QaContext) -> list[QaViolation]:
    assigned, out = _assigned(ctx), []
    pool = {m.mentor_id: m for m in ctx.matrix.pool}
    for mid in sorted(set(assigned) - pool.keys()):
        out.append(_v(ALLOC_01, mid, "تخصیص به پشتیبانی که در فهرست پشتیبان‌های این اجرا نیست",
                      "students allocated to a mentor outside the pool"))
    for mid, m in pool.items():
        new = assigned.get(mid, 0) + ctx.earlier_per_mentor.get(mid, 0)
        rem0 = m.remaining_at_start
        if new > rem0:
            out.append(_v(ALLOC_01, mid, f"{new} تخصیص بیش از ظرفیت باقی‌مانده آغاز {rem0}",
                          f"{new} allocations exceed remaining_at_start {rem0}"))
        # D6; equals A.2's new / (remaining_after + new) since remaining_after = rem0 - new.
        ratio = new / rem0 if rem0 else 0.0
        reported = ctx.occupancy_per_mentor.get(mid)
        if not 0.0 <= ratio <= 1.0 or (reported is not None and abs(reported - ratio) > _EPS):
            shown = "-" if reported is None else f"{reported:.6f}"
            out.append(_v(ALLOC_01, mid, f"نسبت اشغال {shown} ≠ {ratio:.6f} یا خارج از [۰،۱]",
                          f"occupancy ratio reported {shown}, expected {ratio:.6f} in [0, 1]"))
    return out


def _out_01(ctx: QaContext) -> list[QaViolation]:
    out = []
    for name, expected in ctx.expected_sheets.items():
        if len(name) > 31:
            out.append(_v(OUT_01, name, "نام برگه بیش از ۳۱ نویسه", "sheet name over 31 chars"))
        if name not in ctx.sheets:
            out.append(_v(OUT_01, name, "برگه قراردادی ساخته نشده است", "contracted sheet missing"))
            continue
        got, want = tuple(ctx.sheets[name]), tuple(expected)
        if got != want:
            at = next((i for i, (g, w) in enumerate(zip(got, want, strict=False))
                       if g != w),
                      min(len(got), len(want)))
            g = got[at] if at < len(got) else "—"
            w = want[at] if at < len(want) else "—"
            out.append(_v(OUT_01, name, f"ستون {at + 1}: «{g}» به جای «{w}»",
                          f"column {at + 1}: '{g}' instead of '{w}' "
                          f"({len(got)} columns, {len(want)} expected)"))
    return out


def _result(rule_id: str, violations: list[QaViolation]) -> QaRuleResult:
    return QaRuleResult(rule_id, DESCRIPTIONS_FA[rule_id], not violations, violations)


def run_pre_qa(matrix: EligibilityMatrix) -> QaReport:
    """JOIN_01 and SCHOOL_01 on the matrix alone, before any allocation (FR-52)."""
    rules = [_result(JOIN_01, _join_matrix(matrix)), _result(SCHOOL_01, _school_matrix(matrix))]
    failed = any(not r.passed for r in rules)
    return QaReport(QaStatus.FAILED_PRE_QA if failed else QaStatus.PASSED_QA, rules)


def run_all_invariants(ctx: QaContext) -> QaReport:
    """All six rules, in a fixed order; the status says whether the matrix was already bad.
    The matrix's own part is the caller's pre-QA report of it, if it has one (``pre_qa``)."""
    pre = (ctx.pre_qa[1] if ctx.pre_qa is not None and ctx.pre_qa[0] is ctx.matrix
           else run_pre_qa(ctx.matrix))
    checks: list[tuple[str, Callable[[QaContext], list[QaViolation]]]] = [
        (STU_01, _stu_01), (STU_02, _stu_02), (JOIN_01, _join_students),
        (SCHOOL_01, _school_alloc), (ALLOC_01, _alloc_01), (OUT_01, _out_01),
    ]
    rules = []
    for rule_id, check in checks:
        matrix_part = pre.rule(rule_id).violations if rule_id in (JOIN_01, SCHOOL_01) else []
        rules.append(_result(rule_id, [*matrix_part, *check(ctx)]))
    if pre.status is QaStatus.FAILED_PRE_QA:
        status = QaStatus.FAILED_PRE_QA
    elif any(not r.passed for r in rules):
        status = QaStatus.FAILED_QA
    else:
        status = QaStatus.PASSED_QA
    return QaReport(status, rules)
