"""Allocate a whole batch: dedupe → keys → engine → registration codes → decisions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from smartalloc.domain.allocation import (
    AllocationEngine,
    Combo,
    Seating,
    failure_text,
)
from smartalloc.domain.candidates import Keys
from smartalloc.domain.compiled import kernel
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
        self.known: set[tuple] = set()    # keys found usable so far (a set lookup is cheaper)

    def __contains__(self, keys: tuple) -> bool:
        if keys in self.known:
            return True
        ok = (keys[0] in self.groups and keys[1] in (0, 1) and keys[2] in (0, 1)
              and keys[3] in self.centers and keys[4] in self.finance and keys[5] >= 0)
        if ok:
            self.known.add(keys)
        return ok


def known_codes(roster: Iterable[RosterEntry], history: Iterable[HistoryEntry]) -> list[RosterEntry]:
    """Codes already issued according to the agency's own records: roster and history."""
    return [*roster, *(RosterEntry(h.code, h.national_id) for h in history if h.code)]


STUDENT_REPORT = "student report"


def claimed_codes(students: Iterable[StudentRecord]) -> list[RosterEntry]:
    """Prior codes written in the student report's `کد ثبت نام` columns."""
    return [RosterEntry(code, s.national_id, s.row, STUDENT_REPORT) for s in students
            for code in s.prior_codes]


def rejected(student: StudentRecord, verdict: DedupeResult, policy: Policy,
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


def triage(students: Sequence[StudentRecord], verdicts: Sequence[DedupeResult],
           usable: UsableKeys, new: Verdict) -> tuple[list[int], list[Keys], list[int]]:
    """(positions and keys of the students the engine decides for — ``new`` verdict, usable
    keys —, positions of every other student). ``batch_kernel.triage`` is its compiled twin."""
    reaching: list[int] = []
    keys: list[Keys] = []
    others: list[int] = []
    for position, (student, verdict) in enumerate(zip(students, verdicts, strict=True)):
        if verdict.verdict is new:
            k = student.keys
            if k is not None and (k in usable.known or k in usable):
                reaching.append(position)
                keys.append(k)
                continue
        others.append(position)
    return reaching, keys, others


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
    pool_size = len(matrix.pool)
    reaching, keys, others = (triage if kernel is None else kernel.triage)(
        students, verdicts, UsableKeys(policy), Verdict.NEW)
    decisions: list[Decision | None] = [None] * len(students)
    for position in others:
        student, verdict = students[position], verdicts[position]
        decisions[position] = (rejected(student, verdict, policy, pool_size)
                               if verdict.verdict is not Verdict.NEW
                               else _data_missing(student, verdict, policy, pool_size))
    counters.check_headroom(Counter(map(itemgetter(1), keys)), lambda: (
        (students[p].national_id, k[1]) for p, k in zip(reaching, keys, strict=True)))
    before = None if observe is None else (lambda j: observe(students[reaching[j]]))
    seating = engine.seat_all(keys, before)
    _engine_decisions(decisions, students, verdicts, reaching, seating, engine, counters,
                      pool_size)
    return BatchResult(tuple(decisions), engine.allocations(), tuple(counters.warnings))


def seat_decision(student: StudentRecord, verdict: DedupeResult, engine: AllocationEngine,
                  combo: Combo, seat: tuple, counters: CounterBook) -> Decision:
    """One student's decision from one pick (``AllocationEngine.seat_one``, live intake):
    built by the batch's own code, so a live decision reads as the batch's would."""
    decisions: list[Decision | None] = [None]
    seating = Seating([combo.id], engine.combos, *([value] for value in seat))
    _engine_decisions(decisions, [student], [verdict], [0], seating, engine, counters,
                      len(engine.pool))
    decision = decisions[0]
    assert decision is not None
    return decision


def _engine_decisions(decisions: list, students: Sequence[StudentRecord],
                      verdicts: Sequence[DedupeResult], reaching: Sequence[int],
                      seating: Seating, engine: AllocationEngine, counters: CounterBook,
                      pool_size: int) -> None:
    """The decisions of the students the engine decided for (compiled when the picks were)."""

    def failed(j: int) -> Decision:
        student, combo = students[reaching[j]], seating.combos[seating.combo_ids[j]]
        failure, stage = combo.failure()
        reason, action = failure_text(failure, stage, student.keys)
        return Decision(
            student.index, student.national_id, Outcome.FAILED, combo.channel,
            failure=FailureClass(failure), reason_fa=reason, action_fa=action,
            dedupe_reason=verdicts[reaching[j]].reason_fa, pool_size=pool_size,
            stage_counts=(*combo.static_counts, seating.open_seats[j]))

    fill = kernel.engine_decisions if seating.compiled else engine_decisions
    fill(decisions, students, verdicts, list(reaching), seating.combo_ids, seating.combos,
         seating.winner, seating.runner_up, seating.rule, seating.occupancy, seating.allocated,
         seating.remaining, seating.open_seats, counters,
         [m.mentor_id for m in engine.pool], [m.name for m in engine.pool], engine.rule_names,
         pool_size, Decision, Outcome.ALLOCATED, failed)


def engine_decisions(decisions: list, students: Sequence[StudentRecord],
                     verdicts: Sequence[DedupeResult], reaching: Sequence[int],
                     combo_ids: Sequence[int], combos: Sequence[Combo], winner: Sequence[int],
                     runner: Sequence[int], rule: Sequence[int], occupancy: Sequence[float],
                     given: Sequence[int], left: Sequence[int], open_seats: Sequence[int],
                     counters: CounterBook, mentor_ids: Sequence[str],
                     mentor_names: Sequence[str], rule_names: Sequence[str], pool_size: int,
                     decision_type: type[Decision], allocated: Outcome,
                     failed: Callable[[int], Decision]) -> None:
    """Fill ``decisions[position]`` for every student the engine decided for (column j of the
    seating is batch position ``reaching[j]``), issuing registration codes in that order.
    Their national ids are distinct (dedupe keeps one row per id), so the codes need not be
    remembered. ``batch_kernel.engine_decisions`` is the compiled twin; a test holds them to
    the same decisions."""
    make = decision_type._make
    for j, position in enumerate(reaching):
        combo, m = combos[combo_ids[j]], winner[j]
        if m < 0:
            decisions[position] = failed(j)
            continue
        student, verdict = students[position], verdicts[position]
        code, reused = counters.issue(student.national_id, combo.keys[1], remember=False)
        alias = combo.school_aliases.get(m)
        on_school_row = alias is not None
        if not on_school_row:
            alias = combo.global_aliases[m]
        previous, r, k = verdict.previous, runner[j], rule[j]
        decisions[position] = make((
            student.index, student.national_id, allocated, combo.channel, mentor_ids[m],
            mentor_names[m], alias, on_school_row, code, reused, None, "", "",
            verdict.reason_fa, previous is not None,
            previous.mentor_id if previous is not None else "", pool_size,
            (*combo.static_counts, open_seats[j]), mentor_ids[r] if r >= 0 else "",
            rule_names[k] if k >= 0 else "", occupancy[j], given[j], left[j]))
