"""Allocate a whole batch: dedupe → keys → engine → registration codes → decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from smartalloc.domain.allocation import AllocationEngine, failure_text
from smartalloc.domain.counters import CounterBook
from smartalloc.domain.decision import Decision, FailureClass, Outcome
from smartalloc.domain.dedupe import DedupeResult, Verdict, dedupe
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.gc_pause import gc_paused
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import HistoryEntry, RosterEntry, StudentRecord

_KEY_COLUMNS_FA = ("گروه آزمایشی", "جنسیت", "وضعیت تحصیلی", "مرکز", "وضعیت مالی", "مدرسه")


@dataclass(frozen=True, slots=True)
class BatchResult:
    decisions: tuple[Decision, ...]
    allocations: dict[str, int]        # mentor id → students allocated in this run
    warnings: tuple[str, ...] = ()


def key_problem(student: StudentRecord, policy: Policy) -> str:
    """Persian description of unreadable or out-of-domain keys ("" when the keys are usable)."""
    if student.key_problems or student.keys is None:
        shown = "، ".join(f"«{col}»={raw or 'خالی'}" for col, raw in student.key_problems)
        return f"کلید نامعتبر یا خالی: {shown or 'نامشخص'}"
    group, gender, status, center, finance, school = student.keys
    domains = (
        (group in policy.official_group_codes, group), (gender in (0, 1), gender),
        (status in (0, 1), status), (center in policy.center_ids, center),
        (finance in policy.finance_variants, finance), (school >= 0, school),
    )
    bad = [f"«{name}»={value}" for name, (ok, value) in zip(_KEY_COLUMNS_FA, domains, strict=True)
           if not ok]
    return f"مقدار خارج از دامنه: {'، '.join(bad)}" if bad else ""


class UsableKeys:
    """Membership test ``keys in usable``: every key inside its policy domain (cached)."""

    def __init__(self, policy: Policy):
        self.groups = frozenset(policy.official_group_codes)
        self.centers = frozenset(policy.center_ids)
        self.finance = frozenset(policy.finance_variants)
        self._seen: set[tuple] = set()

    def __contains__(self, keys: tuple) -> bool:
        if keys in self._seen:
            return True
        ok = (keys[0] in self.groups and keys[1] in (0, 1) and keys[2] in (0, 1)
              and keys[3] in self.centers and keys[4] in self.finance and keys[5] >= 0)
        if ok:
            self._seen.add(keys)
        return ok


def known_codes(roster: Iterable[RosterEntry], history: Iterable[HistoryEntry]) -> list[RosterEntry]:
    """Codes already issued according to the agency's own records: roster and history."""
    return [*roster, *(RosterEntry(h.code, h.national_id) for h in history if h.code)]


def claimed_codes(students: Iterable[StudentRecord]) -> list[RosterEntry]:
    """Prior codes written in the student report's `کد ثبت نام` columns."""
    return [RosterEntry(code, s.national_id) for s in students for code in s.prior_codes]


def _rejected(student: StudentRecord, verdict: DedupeResult, policy: Policy,
              pool_size: int) -> Decision:
    """Invalid national id (DATA_MISSING) or already allocated / repeated (DUPLICATE)."""
    prev = verdict.previous
    invalid = verdict.verdict is Verdict.INVALID_ID
    return Decision(
        student.index, student.national_id, Outcome.FAILED, policy.channels.default,
        failure=FailureClass.DATA_MISSING if invalid else FailureClass.DUPLICATE,
        reason_fa=verdict.reason_fa,
        action_fa=("اصلاح کد ملی در گزارش دانش‌آموزان" if invalid
                   else "نیازی به تخصیص دوباره نیست؛ سابقه را بررسی کنید"),
        dedupe_reason=verdict.reason_fa, allocated_before=prev is not None,
        previous_mentor_id=prev.mentor_id if prev else "", code=prev.code if prev else "",
        pool_size=pool_size)


def _data_missing(student: StudentRecord, verdict: DedupeResult, policy: Policy,
                  pool_size: int) -> Decision:
    return Decision(
        student.index, student.national_id, Outcome.FAILED, policy.channels.default,
        failure=FailureClass.DATA_MISSING, reason_fa=key_problem(student, policy),
        action_fa="تکمیل یا اصلاح ستون‌های کلیدی در گزارش دانش‌آموزان",
        dedupe_reason=verdict.reason_fa, pool_size=pool_size)


def allocate_batch(students: Sequence[StudentRecord], matrix: EligibilityMatrix, policy: Policy,
                   *, history: Sequence[HistoryEntry] = (), roster: Sequence[RosterEntry] = (),
                   year: int | None = None, engine: AllocationEngine | None = None,
                   already: Mapping[str, int] | None = None,
                   observe: Callable[[StudentRecord], None] | None = None) -> BatchResult:
    """Decide for every student. Deterministic: same inputs and policy → same decisions.

    ``already`` = seats each mentor gave in earlier runs on the same mentor report.
    ``observe`` is called with each student the engine is about to pick a mentor for (an
    explanation records the engine's state there)."""
    with gc_paused():
        return _allocate(students, matrix, policy, history, roster, year, engine, already,
                         observe)


def _allocate(students: Sequence[StudentRecord], matrix: EligibilityMatrix, policy: Policy,
              history: Sequence[HistoryEntry], roster: Sequence[RosterEntry], year: int | None,
              engine: AllocationEngine | None, already: Mapping[str, int] | None,
              observe: Callable[[StudentRecord], None] | None) -> BatchResult:
    engine = engine or AllocationEngine(matrix, policy, already)
    counters = CounterBook(policy, year or policy.academic_year, known_codes(roster, history),
                           claimed_codes(students))
    by_nid = {h.national_id: h for h in history}
    verdicts = dedupe(students, by_nid,
                      skip_previously_allocated=policy.dedupe.skip_previously_allocated)
    pool_size, pool = len(matrix.pool), engine.pool
    usable = UsableKeys(policy)
    decisions: list[Decision] = []
    for student, verdict in zip(students, verdicts, strict=True):
        keys = student.keys
        if verdict.verdict is not Verdict.NEW:
            decisions.append(_rejected(student, verdict, policy, pool_size))
        elif keys is None or keys not in usable:
            decisions.append(_data_missing(student, verdict, policy, pool_size))
        else:
            if observe is not None:
                observe(student)
            pick = engine.pick(keys)
            if pick.candidate is None:
                reason, action = failure_text(pick.failure, pick.empty_stage, keys)
                decisions.append(Decision(
                    student.index, student.national_id, Outcome.FAILED, pick.channel,
                    failure=FailureClass(pick.failure), reason_fa=reason, action_fa=action,
                    dedupe_reason=verdict.reason_fa, pool_size=pool_size,
                    stage_counts=pick.stage_counts))
                continue
            mentor = pool[pick.candidate.mentor]
            code, reused = counters.issue(student.national_id, keys[1])
            prev = verdict.previous
            decisions.append(Decision(
                student.index, student.national_id, Outcome.ALLOCATED, pick.channel,
                mentor.mentor_id, mentor.name, pick.candidate.alias, pick.candidate.is_school_row,
                code, reused, None, "", "", verdict.reason_fa, prev is not None,
                prev.mentor_id if prev else "", pool_size, pick.stage_counts,
                "" if pick.runner_up is None else pool[pick.runner_up].mentor_id,
                pick.decided_by, pick.occupancy_before, pick.allocations_before,
                pick.remaining_before))
    return BatchResult(tuple(decisions), engine.allocations(), tuple(counters.warnings))
