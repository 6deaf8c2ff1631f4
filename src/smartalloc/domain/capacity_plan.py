"""Capacity plan for the students a run could not place (D12).

Turns "N students unallocated" into an action: per six-key combination, how many seats are
missing, which eligible mentors are full and how far raising each would go, and how many new
mentors of which profile cover the rest.

Rule (documented in docs/decisions.md): an eligible-but-full mentor can be raised at most to
``max(its capacity, policy.capacity.default_capacity)``; seats go one by one to the mentor with
the lowest projected occupancy ``(covered + allocations_new + extra) / ceiling`` (ties: natural
mentor id), the ranking's "least occupied first" spirit. Headroom is shared across groups and
consumed in the plan's order (largest shortfall first), so no seat is promised twice. What
remains needs ``ceil(rest / default_capacity)`` new mentors.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from smartalloc.domain.candidates import CandidateIndex
from smartalloc.domain.decision import Decision, FailureClass, Outcome
from smartalloc.domain.eligibility import EligibilityMatrix, PoolMentor
from smartalloc.domain.key_words import describe_keys
from smartalloc.domain.normalize import natural_key
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import StudentRecord

PLANNED_FAILURES = (FailureClass.CAPACITY_FULL, FailureClass.ELIGIBILITY_NO_MATCH)
Keys = tuple[int, int, int, int, int, int]


@dataclass(frozen=True, slots=True)
class CapacityPlanRow:
    group: int
    gender: int
    status: int
    center: int
    finance: int
    school: int                       # 0 = global profile
    failure: FailureClass
    students: int
    seats_missing: int
    full_mentors: tuple[str, ...]     # eligible for these keys but without a free seat
    extra_seats: tuple[int, ...]      # parallel to full_mentors: seats to add to each
    seats_from_existing: int
    new_mentors_needed: int
    new_mentor_capacity: int          # policy.capacity.default_capacity

    @property
    def keys(self) -> Keys:
        return (self.group, self.gender, self.status, self.center, self.finance, self.school)

    @property
    def profile(self) -> str:
        school = "global" if self.school == 0 else str(self.school)
        return (f"group={self.group} gender={self.gender} status={self.status} "
                f"center={self.center} finance={self.finance} school={school}")

    @property
    def profile_fa(self) -> str:
        """The six keys in the operator's words, as the pages say them (``describe_keys``)."""
        return describe_keys(self.keys, "fa")


class _Headroom:
    """Seats each mentor could still take if raised to its ceiling, shared by all groups."""

    def __init__(self, pool: Sequence[PoolMentor], allocated: Counter[str], default: int):
        self.load = {m.mentor_id: m.covered + allocated.get(m.mentor_id, 0) for m in pool}
        self.ceiling = {m.mentor_id: max(m.capacity, default) for m in pool}

    def spread(self, mentors: Sequence[PoolMentor], seats: int) -> Counter[str]:
        heap = []
        for m in mentors:
            ceiling = self.ceiling[m.mentor_id]
            if ceiling > self.load[m.mentor_id]:
                heap.append((self.load[m.mentor_id] / ceiling, natural_key(m.mentor_id),
                             m.mentor_id))
        heapq.heapify(heap)
        extra: Counter[str] = Counter()
        while seats and heap:
            _, order, mid = heapq.heappop(heap)
            extra[mid] += 1
            self.load[mid] += 1
            seats -= 1
            if self.load[mid] < self.ceiling[mid]:
                heapq.heappush(heap, (self.load[mid] / self.ceiling[mid], order, mid))
        return extra


def plan_capacity(students: Sequence[StudentRecord], decisions: Sequence[Decision],
                  matrix: EligibilityMatrix, policy: Policy,
                  index: CandidateIndex | None = None) -> list[CapacityPlanRow]:
    """One row per (six keys, failure) of the CAPACITY_FULL / ELIGIBILITY_NO_MATCH students.
    ``index``: the run engine's candidate index of this matrix (built here when absent)."""
    groups: Counter[tuple[Keys, FailureClass]] = Counter()
    allocated: Counter[str] = Counter()
    for d in decisions:
        if d.outcome is Outcome.ALLOCATED:
            allocated[d.mentor_id] += 1
        elif d.failure in PLANNED_FAILURES:
            keys = students[d.index].keys
            if keys is not None:
                groups[(keys, d.failure)] += 1
    if not groups:
        return []
    default = policy.capacity.default_capacity
    index = index or CandidateIndex(matrix, policy)
    headroom = _Headroom(matrix.pool, allocated, default)
    order = sorted(groups.items(), key=lambda item: (-item[1], item[0][0], str(item[0][1])))
    plan = []
    for (keys, failure), count in order:
        eligible = [matrix.pool[c.mentor] for c in index.candidates(keys)]
        full = sorted((m for m in eligible
                       if m.covered + allocated.get(m.mentor_id, 0) >= m.capacity),
                      key=lambda m: natural_key(m.mentor_id))
        extra = headroom.spread(full, count)
        raised = sum(extra.values())
        rest = count - raised
        plan.append(CapacityPlanRow(
            *keys, failure=failure, students=count, seats_missing=count,
            full_mentors=tuple(m.mentor_id for m in full),
            extra_seats=tuple(extra.get(m.mentor_id, 0) for m in full),
            seats_from_existing=raised,
            new_mentors_needed=math.ceil(rest / max(default, 1)) if rest else 0,
            new_mentor_capacity=default))
    return plan
