"""Per-mentor allocation summary (the ALLOC_01 columns) and run counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smartalloc.domain.decision import Decision, FailureClass, Outcome
from smartalloc.domain.eligibility import PoolMentor
from smartalloc.domain.records import HistoryEntry


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


ALLOCATED_EARLIER = "allocated_earlier"


def outcome_counts(decisions: Sequence[Decision]) -> dict[str, int]:
    """students, allocated, allocated_earlier (already in history: not a failure of this run)
    and one count per failure class; DUPLICATE counts repeats inside the student report."""
    counts: Counter[str] = Counter()
    for d in decisions:
        counts["students"] += 1
        if d.outcome is Outcome.ALLOCATED:
            counts["allocated"] += 1
            counts["codes_reused"] += d.code_reused
        elif d.allocated_before and d.failure is FailureClass.DUPLICATE:
            counts[ALLOCATED_EARLIER] += 1
        else:
            counts[str(d.failure)] += 1
    return dict(counts)


@dataclass(frozen=True, slots=True)
class EarlierRun:
    """Students of this report that an earlier run already allocated."""

    run_id: str
    allocated_at: str     # the Jalali date that run recorded
    students: int


def earlier_runs(decisions: Sequence[Decision],
                 history: Mapping[str, HistoryEntry]) -> list[EarlierRun]:
    """Who allocated the students this run skipped as already allocated, by run (oldest first)."""
    found: Counter[tuple[str, str]] = Counter()
    for d in decisions:
        if d.allocated_before and d.failure is FailureClass.DUPLICATE:
            entry = history.get(d.national_id)
            if entry is not None:
                found[(entry.allocated_at, entry.run_id)] += 1
    return [EarlierRun(run, at, n) for (at, run), n in sorted(found.items())]


def earlier_runs_text(runs: Sequence[EarlierRun]) -> list[str]:
    """The run summary's sentences: counted apart from failures, named by run and date."""
    return [f"{r.students} دانش‌آموز پیش‌تر در اجرای {r.run_id} ({r.allocated_at}) تخصیص یافته "
            f"بودند و دوباره تخصیص نیافتند / {r.students} student(s) were allocated by run "
            f"{r.run_id} on {r.allocated_at} and were not allocated again" for r in runs]
