"""One student allocated on arrival (issue L, ``intake.mode = "now"``): the batch's engine,
ranking, codes and decision builder, one student at a time.

A live entry is decided against a **basis**: the matrix of the latest run (its own reports,
the mentor governance in force), held in one ``AllocationEngine`` that every entry shares. The
seats are not the engine's: they are counted in the database, under lock, for the student's
candidates only — the students each was given since the mentor report, by runs, reviews and
earlier live entries alike (``already``). On that state ``seat_one`` makes the pick ``_seat``
would make for a batch starting now, so a live entry gets the mentor a batch of the same
students in arrival order would give it (the equivalence test holds the two to it).

This module decides; it reads and writes nothing (``service_layer.live_intake`` does).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from smartalloc.domain.allocation import AllocationEngine, Combo
from smartalloc.domain.batch import rejected, seat_decision
from smartalloc.domain.candidates import Keys, members
from smartalloc.domain.decision import Decision, FailureClass, Outcome
from smartalloc.domain.dedupe import Verdict, dedupe
from smartalloc.domain.glossary import FAILURE_CLASSES, en
from smartalloc.domain.records import HistoryEntry, StudentRecord
from smartalloc.domain.review import CodeFamily

# (national id, gender) → (registration code, whether it is the student's own code kept, D15)
Issue = Callable[[str, int], tuple[str, bool]]


@dataclass(frozen=True)
class LiveBasis:
    """What every live entry is decided against until the next run is recorded."""

    run_id: str             # the run whose reports these are; live allocations count in it
    runs: frozenset[str]    # every run that read its InspactorReport: their allocations, and
    policy_stamp: str       # the live ones counted in the basis run, took seats since the report
    engine: AllocationEngine
    codes: CodeFamily       # this year's codes, floored by the codes the run's files know

    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def combo(self, keys: Keys) -> Combo:
        """The engine's combination of ``keys`` — made on first use, which entries decided at
        the same time must not do twice (everything else an entry asks of the engine only
        reads it)."""
        with self._lock:
            return self.engine.combo(keys)

    def candidates(self, keys: Keys) -> list[str]:
        """The mentor ids a student of these six keys may be given (its matrix rows)."""
        pool = self.engine.pool
        return [pool[m].mentor_id for m in members(self.combo(keys).mask)]


class _Issuer:
    """``CounterBook``'s one method a decision uses, on codes drawn live."""

    def __init__(self, issue: Issue):
        self._issue = issue

    def issue(self, national_id: str, gender: int, remember: bool = False) -> tuple[str, bool]:
        return self._issue(national_id, gender)


def decide(basis: LiveBasis, student: StudentRecord, previous: HistoryEntry | None,
           already: Mapping[str, int], issue: Issue) -> Decision:
    """The decision for one student whose keys are usable (``intake.judge`` let it through):
    DUPLICATE when it holds an allocation (one per national id, ever), else the engine's pick
    on ``already`` (mentor id → students given since the report) — a code is drawn only for
    an allocation."""
    engine = basis.engine
    verdict = dedupe([student], {previous.national_id: previous} if previous else {})[0]
    if verdict.verdict is not Verdict.NEW:
        return rejected(student, verdict, engine.policy, len(engine.pool))
    assert student.keys is not None
    combo = basis.combo(student.keys)
    position = {engine.pool[m].mentor_id: m for m in members(combo.mask)}
    seat = engine.seat_one(combo, {position[mid]: n for mid, n in already.items()
                                   if mid in position})
    return seat_decision(student, verdict, engine, combo, seat, _Issuer(issue))


def reason_en(decision: Decision) -> str:
    """The English of a live failure (the decision carries the Persian reason)."""
    if decision.outcome is Outcome.ALLOCATED or decision.failure is None:
        return ""
    if decision.failure is FailureClass.DUPLICATE:
        return f"already allocated to mentor {decision.previous_mentor_id}"
    return en(FAILURE_CLASSES, str(decision.failure))
