"""Capacity scaling: keep the spec's capacities where they suffice, raise them where not.

Each pooled mentor's *fair share* is what it would receive if every student combination were
split evenly over the mentors that serve it (D3/D4 keys). A mentor whose remaining seats are
below 1.15 × its share gets its capacity raised (rounded up to 10), so at the default ratio
almost nothing changes while at 50 students per mentor total remaining ≈ 1.15 × students.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from smartalloc.domain.contracts import MENTOR_TYPE_NORMAL, MENTOR_TYPE_SCHOOL
from smartalloc.domain.policy import MentorStatus, Policy
from smartalloc.synthetic.mentors import Mentor
from smartalloc.synthetic.schools import School

HEADROOM = 1.15
StudentKey = tuple[int, int, int, int, int]  # group, gender, status, centre, school


def in_pool(m: Mentor, policy: Policy) -> bool:
    """Would BuildMentorPool + R0 keep this mentor (D5, D7)?"""
    entry = policy.mentor_pool_governance.mentors.get(str(m.mid))
    if entry is not None and entry.status in (MentorStatus.FROZEN, MentorStatus.INACTIVE):
        return False
    return (m.mid is not None and not m.inactive and m.can_allocate
            and m.covered < m.capacity)


def school_lookup(schools: list[School]) -> tuple[set[int], dict[str, list[int]]]:
    by_name: dict[str, list[int]] = defaultdict(list)
    for s in schools:
        by_name[s.name].append(s.code)
    return {s.code for s in schools}, by_name


def school_codes(m: Mentor, lookup: tuple[set[int], dict[str, list[int]]]) -> list[int]:
    """Codes a mentor's slots resolve to: known codes, and names that map to one school."""
    known, by_name = lookup
    out = []
    for slot in m.slots:
        if isinstance(slot, int) and slot in known:
            out.append(slot)
        elif isinstance(slot, str) and len(by_name.get(slot, ())) == 1:
            out.append(by_name[slot][0])
    return out


def candidate_index(mentors: Iterable[Mentor], schools: list[School], policy: Policy):
    """(normal, school) maps from a serving key to the pooled mentors that serve it."""
    normal: dict[tuple, list[Mentor]] = defaultdict(list)
    school: dict[tuple, list[Mentor]] = defaultdict(list)
    lookup = school_lookup(schools)
    for m in mentors:
        if not in_pool(m, policy):
            continue
        codes = m.codes
        if m.mtype != MENTOR_TYPE_SCHOOL:
            for g in codes:
                normal[(g, m.gender, m.centre)].append(m)
        if m.mtype != MENTOR_TYPE_NORMAL:
            for sc in school_codes(m, lookup):
                for g in codes:
                    school[(g, m.gender, m.centre, sc)].append(m)
    return normal, school


def candidates(key: StudentKey, normal, school) -> list[Mentor]:
    g, s, status, c, sc = key
    found = list(normal.get((g, s, c), ()))
    if status == 1 and sc:
        found += school.get((g, s, c, sc), ())
    return found


def scale_capacities(mentors: list[Mentor], demand: Counter, schools: list[School],
                     policy: Policy) -> dict[str, int]:
    """Raise capacities where the fair share exceeds the remaining seats; return a summary."""
    normal, school = candidate_index(mentors, schools, policy)
    share: dict[int, float] = defaultdict(float)
    servable = 0
    for key, count in demand.items():
        found = candidates(key, normal, school)
        if not found:
            continue
        servable += count
        for m in found:
            share[id(m)] += count / len(found)
    raised = 0
    for m in mentors:
        if m.fixed or not in_pool(m, policy):
            continue
        want = math.ceil(HEADROOM * share.get(id(m), 0.0))
        if m.covered + want > m.capacity:
            m.capacity = int(math.ceil((m.covered + want) / 10) * 10)
            raised += 1
    remaining = sum(m.capacity - m.covered for m in mentors if in_pool(m, policy))
    return {"servable_students": servable, "raised_capacities": raised,
            "remaining_seats": remaining}
