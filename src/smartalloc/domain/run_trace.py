"""What a run keeps to explain any of its students later without replaying (the service's
``explain.sqlite``): built once from the run's own engine, beside its decisions. Apart from
``explain`` because it is the run's, not one student's."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.candidates import Candidate, Keys
from smartalloc.domain.decision import Decision
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.explain import PoolState, PoolView, pool_view
from smartalloc.domain.explain_notes import (
    CodeOrigin,
    ReportRow,
    origins_by_student,
    rows_by_student,
)
from smartalloc.domain.records import HistoryEntry, RosterEntry, StudentRecord


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
    rows: Mapping[str, tuple[ReportRow, ...]] = field(default_factory=dict)
    origins: Mapping[str, tuple[CodeOrigin, ...]] = field(default_factory=dict)


def run_trace(students: Sequence[StudentRecord], decisions: Sequence[Decision],
              engine: AllocationEngine, matrix: EligibilityMatrix, *,
              roster: Sequence[RosterEntry] = (),
              history: Sequence[HistoryEntry] = (),
              done: Callable[[int, int], object] = lambda part, parts: None) -> RunTrace:
    """``roster`` and ``history``: what the run's registration codes were read from;
    ``done(part, parts)`` after each part (seconds in all at 100k: the run's page shows it)."""
    index = engine.index
    reached = list(dict.fromkeys(students[d.index].keys for d in decisions if d.stage_counts))
    view = pool_view(engine, matrix, {k: tuple(index.funnel(k)) for k in reached})
    chunks = range(0, len(reached), 5_000)
    parts = len(chunks) + 3
    done(1, parts)
    candidates = {}
    for n, start in enumerate(chunks, 2):
        candidates.update((k, tuple(index.candidates(k))) for k in reached[start:start + 5_000])
        done(n, parts)
    rows = rows_by_student(students, decisions)
    done(parts - 1, parts)
    return RunTrace(students, decisions, PoolState.of(engine), view, candidates, rows,
                    origins_by_student(decisions, students, roster, history))
