"""Per-mentor allocation summary (the ALLOC_01 columns) and run counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.eligibility import PoolMentor


@dataclass(frozen=True, slots=True)
class MentorSummary:
    mentor_id: str
    name: str
    manager: str
    center: int
    capacity: int
    covered: int
    remaining_at_start: int
    allocations_earlier_runs: int   # seats this report already gave in earlier runs
    allocations_new: int
    remaining_after: int
    occupancy_ratio: float          # allocations_new / remaining_at_start (D6)
    load_ratio_after: float         # (covered + allocations_new) / capacity


def mentor_summaries(pool: Sequence[PoolMentor], allocations: Mapping[str, int],
                     already: Mapping[str, int] | None = None) -> list[MentorSummary]:
    """One row per pool mentor; the occupancy ratio counts every allocation since the report."""
    rows, already = [], already or {}
    for m in pool:
        new, before = allocations.get(m.mentor_id, 0), already.get(m.mentor_id, 0)
        rem0, used = m.remaining_at_start, before + new
        rows.append(MentorSummary(
            m.mentor_id, m.name, m.manager, m.center, m.capacity, m.covered, rem0, before, new,
            rem0 - used, used / rem0 if rem0 else 0.0, (m.covered + used) / (m.capacity or 1)))
    return rows


def outcome_counts(decisions: Sequence[Decision]) -> dict[str, int]:
    """students, allocated, and one count per failure class."""
    counts: Counter[str] = Counter()
    for d in decisions:
        counts["students"] += 1
        if d.outcome is Outcome.ALLOCATED:
            counts["allocated"] += 1
            counts["codes_reused"] += d.code_reused
        else:
            counts[str(d.failure)] += 1
    return dict(counts)
