"""Explain one student's decision: every stage, the ranked candidates, the tie-breakers, and
why any named mentor was not chosen. Replays the batch up to the student, so the state it
shows is exactly the state the engine decided on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.decision import STAGE_LABELS_FA, STAGES, Decision
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.policy import Policy, RankingRule
from smartalloc.domain.ranking import RULE_LABELS_FA
from smartalloc.domain.records import HistoryEntry, RosterEntry, StudentRecord


@dataclass(frozen=True, slots=True)
class RankedCandidate:
    rank: int
    mentor_id: str
    name: str
    alias: str
    is_school_row: bool
    occupancy_ratio: float
    allocations_new: int
    remaining: int
    has_seat: bool


@dataclass(frozen=True, slots=True)
class StageStep:
    stage: str
    label_fa: str
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class Explanation:
    student: StudentRecord
    decision: Decision
    stages: tuple[StageStep, ...]
    candidates: tuple[RankedCandidate, ...]
    why_not: tuple[tuple[str, str], ...]     # (mentor id, Persian reason)


def _stage_steps(pool_size: int, counts: Sequence[int]) -> tuple[StageStep, ...]:
    steps, before = [], pool_size
    for stage, after in zip(STAGES, counts, strict=False):
        steps.append(StageStep(stage, STAGE_LABELS_FA[stage], before, after))
        before = after
    return tuple(steps)


def _why_not(mentor_id: str, engine: AllocationEngine, matrix: EligibilityMatrix,
             keys: tuple, decision: Decision, ranked: dict[str, RankedCandidate]) -> str:
    if mentor_id == decision.mentor_id:
        return "همین پشتیبان انتخاب شد"
    position = engine.index.position.get(mentor_id)
    if position is None:
        dropped = next((p for p in matrix.pool_decisions if p.mentor_id == mentor_id), None)
        if dropped is None:
            return "این شناسه در گزارش پشتیبان‌ها نیست"
        return f"در استخر پشتیبان‌ها نیست: {dropped.status} — {dropped.reason_fa}"
    for stage, members in zip(STAGES, engine.index.funnel(keys), strict=False):
        if not (members >> position) & 1:
            return f"در مرحله «{STAGE_LABELS_FA[stage]}» حذف شد (ردیفی از ماتریس با این کلید ندارد)"
    cand = ranked.get(mentor_id)
    if cand is None or not cand.has_seat:
        return "ظرفیت باقی‌مانده ندارد (مرحله ظرفیت)"
    winner = ranked.get(decision.mentor_id)
    if winner is None:
        return "واجد شرایط بود"
    mine = engine.key(position)
    best = engine.key(engine.index.position[decision.mentor_id])
    rules = list(engine.policy.ranking)
    if RankingRule.MIN_MENTOR_ID not in rules:
        rules.append(RankingRule.MIN_MENTOR_ID)
    for rule, a, b in zip(rules, mine, best, strict=False):
        if a != b:
            return (f"رتبه {cand.rank}؛ با معیار «{RULE_LABELS_FA[rule]}» از برنده عقب‌تر بود "
                    f"({a} در برابر {b})")
    return f"رتبه {cand.rank}"


def explain(students: Sequence[StudentRecord], matrix: EligibilityMatrix, policy: Policy,
            index: int, *, history: Sequence[HistoryEntry] = (),
            roster: Sequence[RosterEntry] = (), year: int | None = None,
            mentors: Sequence[str] = (), already: Mapping[str, int] | None = None) -> Explanation:
    """Explanation of ``students[index]`` as decided in a run over ``students``."""
    engine = AllocationEngine(matrix, policy, already)
    allocate_batch(students[:index], matrix, policy, history=history, roster=roster, year=year,
                   engine=engine)
    student = students[index]
    ranked: dict[str, RankedCandidate] = {}
    keys = student.keys
    if keys is not None:
        cands = engine.index.candidates(keys)
        order = sorted(cands, key=lambda c: (not engine.load.has_seat(c.mentor), engine.key(c.mentor)))
        load = engine.load
        for rank, c in enumerate(order, start=1):
            m = engine.pool[c.mentor]
            ranked[m.mentor_id] = RankedCandidate(
                rank, m.mentor_id, m.name, c.alias, c.is_school_row, load.occupancy_ratio(c.mentor),
                load.allocated[c.mentor], load.remaining_at_start[c.mentor] - load.allocated[c.mentor],
                load.has_seat(c.mentor))
    decision = allocate_batch(students[: index + 1], matrix, policy, history=history,
                              roster=roster, year=year, already=already).decisions[-1]
    why = tuple((mid, _why_not(mid, engine, matrix, keys, decision, ranked))
                for mid in mentors) if keys is not None else ()
    return Explanation(student, decision, _stage_steps(len(matrix.pool), decision.stage_counts),
                       tuple(ranked.values()), why)
