"""Explain a student's decision: every stage, the ranked candidates, the tie-breakers, and
why any named mentor was not chosen.

Two paths give the same answer. ``explain`` replays the batch up to the student, with a
``TraceRecorder`` called just before the engine decides it, so what it sees is exactly the
state the run decided on. A run can instead keep a ``RunTrace`` (module ``run_trace``: the
pool's starting state, its decisions, and per key combination the stage funnel and
candidates): the number of students each candidate had been given before the student then
lets ``PoolState.ranked_at`` rank them as the engine did, without replaying. ``why_not``
needs only what both keep; the notes beside the funnel (restriction, code origin, repeated
rows, suggested action) come from
``explain_notes``, the same for both paths."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from smartalloc.domain import glossary
from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.candidates import Candidate, Keys
from smartalloc.domain.decision import STAGE_LABELS_FA, STAGES, Decision
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.explain_notes import (
    CodeOrigin,
    Reason,
    ReportRow,
    Restriction,
    code_origins,
    report_rows,
    restriction_reason,
    suggested_action,
)
from smartalloc.domain.normalize import clean_text
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
    why_not: tuple[tuple[str, Reason], ...]  # (mentor id, reason: Persian, .en, .code)
    rows: tuple[ReportRow, ...] = ()         # every row of a national id repeated in the report
    code_origin: tuple[CodeOrigin, ...] = ()  # where a reused registration code came from

    @property
    def suggested_action(self) -> dict[str, str] | None:
        return suggested_action(self.decision)


@dataclass(frozen=True)
class PoolView:
    """What ``why_not`` needs to know of a run's pool besides the student's candidates."""

    positions: Mapping[str, int]              # mentor id → natural-order position in the pool
    dropped: Mapping[str, tuple[str, str]]    # mentor id → (status, Persian reason) left out
    rules: tuple[RankingRule, ...]            # ranking rules, closed by MIN_MENTOR_ID
    funnels: Mapping[Keys, tuple[int, ...]]   # keys → mentor bitmask after each of 7 stages
    restricted: Mapping[str, Restriction] = field(default_factory=dict)  # allowed schools, channels


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
                    closed_rules(engine.policy.ranking), funnels,
                    {m.mentor_id: (tuple(m.allowed_schools), tuple(map(str, m.allowed_channels)))
                     for m in engine.pool if m.allowed_schools or m.allowed_channels})


def stage_steps(pool_size: int, counts: Sequence[int]) -> tuple[StageStep, ...]:
    steps, before = [], pool_size
    for stage, after in zip(STAGES, counts, strict=False):
        steps.append(StageStep(stage, STAGE_LABELS_FA[stage], before, after))
        before = after
    return tuple(steps)


def why_not(mentor_id: str, decision: Decision, keys: Keys | None,
            candidates: Sequence[RankedCandidate], view: PoolView) -> Reason:
    """Why ``mentor_id`` was not chosen for this student: Persian (the reason itself), English
    (``.en``) and a stable ``.code``."""
    if decision.mentor_id and mentor_id == decision.mentor_id:
        return Reason("CHOSEN", "همین پشتیبان انتخاب شد", "this mentor was chosen")
    position = view.positions.get(mentor_id)
    if position is None:
        dropped = view.dropped.get(mentor_id)
        if dropped is None:
            return Reason("NOT_IN_REPORT", "این شناسه در گزارش پشتیبان‌ها نیست",
                          "this id is not in the InspactorReport")
        status = dropped[0]
        return Reason("NOT_IN_POOL",
                      f"در فهرست پشتیبان‌های این اجرا نیست "
                      f"({glossary.fa(glossary.MENTOR_STATUSES, status)}): {dropped[1]}",
                      f"not in this run's mentor list "
                      f"({glossary.en(glossary.MENTOR_STATUSES, status)}): {dropped[1]}")
    funnel = view.funnels.get(keys) if keys is not None else None
    if funnel is None:
        return Reason("NOT_REACHED",
                      f"دانش‌آموز به مرحله انتخاب پشتیبان نرسید: {decision.reason_fa}",
                      f"the student never reached mentor selection ({decision.failure or ''})")
    for stage, members in zip(STAGES, funnel, strict=False):
        if not (members >> position) & 1:
            # The school stage is where a restriction takes a restricted mentor out.
            restricted = restriction_reason(
                view.restricted.get(mentor_id), keys[5], str(decision.channel),
                view.dropped.get(mentor_id, ("", ""))[1]) if stage == "school" else None
            return restricted or Reason(
                "NO_MATRIX_ROW",
                f"در مرحله «{STAGE_LABELS_FA[stage]}» حذف شد (ردیفی از ماتریس با این کلید ندارد)",
                f"left out at the '{stage}' stage (no matrix row with this key)")
    ranked = {c.mentor_id: c for c in candidates}
    cand = ranked.get(mentor_id)
    if cand is None or not cand.has_seat:
        return Reason("NO_SEAT", "ظرفیت باقی‌مانده ندارد (مرحله ظرفیت)",
                      "no seat left (capacity stage)")
    winner = ranked.get(decision.mentor_id)
    if winner is None:
        return Reason("ELIGIBLE", "واجد شرایط بود", "was eligible")
    for rule, a, b in zip(view.rules, cand.key, winner.key, strict=False):
        if a != b:
            mine, theirs = _shown(rule, cand, a), _shown(rule, winner, b)
            term = glossary.RANKING_RULES.get(str(rule))
            return Reason("RANKED_LOWER",
                          f"رتبه {cand.rank}؛ با معیار «{RULE_LABELS_FA[rule]}» از برنده عقب‌تر بود: "
                          f"این پشتیبان {mine}، برنده (پشتیبان {winner.mentor_id}) {theirs}",
                          f"rank {cand.rank}: behind the winner on "
                          f"'{term.en if term else rule}': this mentor {mine}, the winner "
                          f"(mentor {winner.mentor_id}) {theirs}")
    return Reason("RANKED", f"رتبه {cand.rank}", f"rank {cand.rank}")


def _shown(rule: str, candidate: RankedCandidate, value: object) -> str:
    """The value a ranking rule compared, as the operator knows it — the mentor's id, a ratio
    in percent, a count — never the engine's sort key (the mentor's position in natural order,
    a raw float, a negated count)."""
    if rule == "min_mentor_id":
        return candidate.mentor_id
    if rule == "max_remaining_capacity":
        return str(candidate.remaining)
    if isinstance(value, float):
        return f"{value * 100:.1f}".removesuffix(".0") + "%"
    return str(value)


def typed_mentor_ids(mentors: Sequence[str]) -> list[str]:
    """Mentor ids as an operator types them — «۱۷۶» on a Persian keyboard, «١٧٦», « 176 » —
    read as the reports' readers keep them (issue J: "why not ۱۷۶" said "not in the report")."""
    return [clean_text(m) for m in mentors]


def explanation(student: StudentRecord, decision: Decision,
                candidates: tuple[RankedCandidate, ...], view: PoolView,
                mentors: Sequence[str] = (), rows: tuple[ReportRow, ...] = (),
                origin: tuple[CodeOrigin, ...] = ()) -> Explanation:
    return Explanation(
        student, decision, stage_steps(decision.pool_size, decision.stage_counts), candidates,
        tuple((m, why_not(m, decision, student.keys, candidates, view))
              for m in typed_mentor_ids(mentors)),
        rows, origin)


def explain(students: Sequence[StudentRecord], matrix: EligibilityMatrix, policy: Policy,
            index: int, *, history: Sequence[HistoryEntry] = (),
            roster: Sequence[RosterEntry] = (), year: int | None = None,
            mentors: Sequence[str] = (), already: Mapping[str, int] | None = None) -> Explanation:
    """Explanation of ``students[index]`` as decided in a run over ``students``: the batch
    is replayed up to the last row of the student's national id (its repeats are decided too,
    so every row of the id can be shown)."""
    engine = AllocationEngine(matrix, policy, already)
    recorder = TraceRecorder(engine, index)
    nid = students[index].national_id
    last = max(s.index for s in students if s.national_id == nid)
    decisions = allocate_batch(students[: max(index, last) + 1], matrix, policy,
                               history=history, roster=roster, year=year, engine=engine,
                               observe=recorder).decisions
    decision = decisions[index]
    return explanation(students[index], decision, recorder.ranked, recorder.pool_view(matrix),
                       mentors, report_rows(nid, students, decisions),
                       code_origins(decision, roster, history, students[index]))
