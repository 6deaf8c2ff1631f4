"""Explain a student's decision: every stage, the ranked candidates, the tie-breakers, and
why any named mentor was not chosen.

Two paths give the same answer. ``explain`` replays the batch up to the student, with a
``TraceRecorder`` called just before the engine decides it, so what it sees is exactly the
state the run decided on. A run can instead keep a ``RunTrace`` (the pool's starting state,
its decisions, and per key combination the stage funnel and candidates): the number of
students each candidate had been given before the student then lets ``PoolState.ranked_at``
rank them as the engine did, without replaying. ``why_not`` needs only what both keep."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.candidates import Candidate, Keys
from smartalloc.domain.decision import STAGE_LABELS_FA, STAGES, Decision
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.policy import Policy, RankingRule
from smartalloc.domain.ranking import RULE_LABELS_FA, MentorLoad, key_function
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
    key: tuple = ()            # the ranking key the engine compared (rules in policy order)


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


@dataclass(frozen=True)
class PoolView:
    """What ``why_not`` needs to know of a run's pool besides the student's candidates."""

    positions: Mapping[str, int]              # mentor id → natural-order position in the pool
    dropped: Mapping[str, tuple[str, str]]    # mentor id → (status, Persian reason) left out
    rules: tuple[RankingRule, ...]            # ranking rules, closed by MIN_MENTOR_ID
    funnels: Mapping[Keys, tuple[int, ...]]   # keys → mentor bitmask after each of 7 stages


def closed_rules(rules: Sequence[RankingRule]) -> tuple[RankingRule, ...]:
    """The rules as the engine compares them: MIN_MENTOR_ID always closes the key."""
    rules = list(rules)
    if RankingRule.MIN_MENTOR_ID not in rules:
        rules.append(RankingRule.MIN_MENTOR_ID)
    return tuple(rules)


def _ranked(candidates: Sequence[Candidate], load: MentorLoad, key: Callable[[int], tuple],
            ids: Sequence[str], names: Sequence[str]) -> tuple[RankedCandidate, ...]:
    order = sorted(candidates, key=lambda c: (not load.has_seat(c.mentor), key(c.mentor)))
    return tuple(
        RankedCandidate(rank, ids[c.mentor], names[c.mentor], c.alias, c.is_school_row,
                        load.occupancy_ratio(c.mentor), load.allocated[c.mentor],
                        load.remaining_at_start[c.mentor] - load.allocated[c.mentor],
                        load.has_seat(c.mentor), key(c.mentor))
        for rank, c in enumerate(order, start=1))


def ranked_candidates(engine: AllocationEngine, keys: Keys) -> tuple[RankedCandidate, ...]:
    """The student's candidates in the order the engine ranks them now (seated ones first)."""
    pool = engine.pool
    return _ranked(engine.index.candidates(keys), engine.load, engine.key,
                   [m.mentor_id for m in pool], [m.name for m in pool])


@dataclass(frozen=True)
class PoolState:
    """The pool as a run's engine started it (by natural-order position): with the number of
    students each mentor was given before a student, it ranks that student's candidates
    exactly as the engine did, without replaying the run."""

    mentor_ids: tuple[str, ...]
    names: tuple[str, ...]
    capacity: tuple[int, ...]
    covered: tuple[int, ...]
    already: tuple[int, ...]
    ranking: tuple[RankingRule, ...]

    @classmethod
    def of(cls, engine: AllocationEngine) -> PoolState:
        pool = engine.pool
        return cls(tuple(m.mentor_id for m in pool), tuple(m.name for m in pool),
                   tuple(m.capacity for m in pool), tuple(m.covered for m in pool),
                   tuple(engine.already), tuple(engine.policy.ranking))

    def ranked_at(self, candidates: Sequence[Candidate],
                  given_before: Mapping[int, int]) -> tuple[RankedCandidate, ...]:
        """``given_before``: position → students this run gave the mentor before the student."""
        load = MentorLoad(self.capacity, self.covered, self.already)
        for m, n in given_before.items():
            load.allocated[m] += n
        return _ranked(candidates, load, key_function(self.ranking, load), self.mentor_ids,
                       self.names)


@dataclass
class TraceRecorder:
    """The batch's ``observe`` hook: when the engine is about to decide the student at batch
    position ``index``, keeps its ranked candidates and its keys' stage funnel."""

    engine: AllocationEngine
    index: int
    ranked: tuple[RankedCandidate, ...] = ()
    funnels: dict[Keys, tuple[int, ...]] = field(default_factory=dict)

    def __call__(self, student: StudentRecord) -> None:
        if student.index == self.index:
            self.ranked = ranked_candidates(self.engine, student.keys)
            self.funnels[student.keys] = tuple(self.engine.index.funnel(student.keys))

    def pool_view(self, matrix: EligibilityMatrix) -> PoolView:
        return pool_view(self.engine, matrix, self.funnels)


def pool_view(engine: AllocationEngine, matrix: EligibilityMatrix,
              funnels: Mapping[Keys, tuple[int, ...]]) -> PoolView:
    return PoolView(dict(engine.index.position),
                    {p.mentor_id: (str(p.status), p.reason_fa) for p in matrix.pool_decisions},
                    closed_rules(engine.policy.ranking), funnels)


def stage_steps(pool_size: int, counts: Sequence[int]) -> tuple[StageStep, ...]:
    steps, before = [], pool_size
    for stage, after in zip(STAGES, counts, strict=False):
        steps.append(StageStep(stage, STAGE_LABELS_FA[stage], before, after))
        before = after
    return tuple(steps)


def why_not(mentor_id: str, decision: Decision, keys: Keys | None,
            candidates: Sequence[RankedCandidate], view: PoolView) -> str:
    """Persian reason why ``mentor_id`` was not chosen for this student."""
    if decision.mentor_id and mentor_id == decision.mentor_id:
        return "همین پشتیبان انتخاب شد"
    position = view.positions.get(mentor_id)
    if position is None:
        dropped = view.dropped.get(mentor_id)
        if dropped is None:
            return "این شناسه در گزارش پشتیبان‌ها نیست"
        return f"در فهرست پشتیبان‌های این اجرا نیست: {dropped[0]} — {dropped[1]}"
    funnel = view.funnels.get(keys) if keys is not None else None
    if funnel is None:
        return f"دانش‌آموز به مرحله انتخاب پشتیبان نرسید: {decision.reason_fa}"
    for stage, members in zip(STAGES, funnel, strict=False):
        if not (members >> position) & 1:
            return f"در مرحله «{STAGE_LABELS_FA[stage]}» حذف شد (ردیفی از ماتریس با این کلید ندارد)"
    ranked = {c.mentor_id: c for c in candidates}
    cand = ranked.get(mentor_id)
    if cand is None or not cand.has_seat:
        return "ظرفیت باقی‌مانده ندارد (مرحله ظرفیت)"
    winner = ranked.get(decision.mentor_id)
    if winner is None:
        return "واجد شرایط بود"
    for rule, a, b in zip(view.rules, cand.key, winner.key, strict=False):
        if a != b:
            return (f"رتبه {cand.rank}؛ با معیار «{RULE_LABELS_FA[rule]}» از برنده عقب‌تر بود "
                    f"({a} در برابر {b})")
    return f"رتبه {cand.rank}"


def explanation(student: StudentRecord, decision: Decision,
                candidates: tuple[RankedCandidate, ...], view: PoolView,
                mentors: Sequence[str] = ()) -> Explanation:
    return Explanation(
        student, decision, stage_steps(decision.pool_size, decision.stage_counts), candidates,
        tuple((m, why_not(m, decision, student.keys, candidates, view)) for m in mentors))


def explain(students: Sequence[StudentRecord], matrix: EligibilityMatrix, policy: Policy,
            index: int, *, history: Sequence[HistoryEntry] = (),
            roster: Sequence[RosterEntry] = (), year: int | None = None,
            mentors: Sequence[str] = (), already: Mapping[str, int] | None = None) -> Explanation:
    """Explanation of ``students[index]`` as decided in a run over ``students``."""
    engine = AllocationEngine(matrix, policy, already)
    recorder = TraceRecorder(engine, index)
    decision = allocate_batch(students[: index + 1], matrix, policy, history=history,
                              roster=roster, year=year, engine=engine,
                              observe=recorder).decisions[-1]
    return explanation(students[index], decision, recorder.ranked, recorder.pool_view(matrix),
                       mentors)


@dataclass(frozen=True)
class RunTrace:
    """What a run keeps to explain any of its students later without replaying: decisions in
    batch order, the pool's starting state, and per key combination that reached the engine
    its stage funnel and candidates."""

    students: Sequence[StudentRecord]
    decisions: Sequence[Decision]
    state: PoolState
    view: PoolView
    candidates: Mapping[Keys, tuple[Candidate, ...]]


def run_trace(students: Sequence[StudentRecord], decisions: Sequence[Decision],
              engine: AllocationEngine, matrix: EligibilityMatrix) -> RunTrace:
    index = engine.index
    reached = {students[d.index].keys for d in decisions if d.stage_counts}
    view = pool_view(engine, matrix, {k: tuple(index.funnel(k)) for k in reached})
    return RunTrace(students, decisions, PoolState.of(engine), view,
                    {k: tuple(index.candidates(k)) for k in reached})
