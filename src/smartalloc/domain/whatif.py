"""What-if (issue M): how many more students an optimal assignment would place than the
policy's greedy one, under the same eligibility and seats — and where the order cost them.

The policy takes students in report order, each to the best-ranked mentor with a seat, so an
early student can take the last seat of the only mentor a later student had. Students with the
same six keys have the same candidates, so the question is a flow on a small graph: six-key
combinations (supply: the students of the batch who competed for a seat) → their candidate
mentors → seats (each mentor's free seats when the batch started). The most students placed is
the maximum flow; among those assignments the one kept fills mentors evenly, like the
ranking's occupancy rule, by a cost per seat that grows with the mentor's load.

Never a decision: the report sits beside the run's result and is labelled a what-if everywhere.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from smartalloc.domain.candidates import CandidateIndex, members
from smartalloc.domain.decision import Decision, FailureClass, Outcome
from smartalloc.domain.eligibility import PoolMentor
from smartalloc.domain.records import StudentRecord

Keys = tuple[int, ...]
SCALE = 1000          # seat cost = load ratio after the seat, in thousandths
# The cost of placing a student elsewhere than the policy did. Above what one move can save in
# seat costs (two seats of at most SCALE each), so among the largest assignments the one kept
# is the policy's own as far as it goes, then the evenest: what differs is what the order cost.
MOVE = 2 * SCALE + 1


@dataclass(frozen=True)
class FlowProblem:
    keys: tuple[Keys, ...]                    # the combinations, in key order
    students: tuple[int, ...]                 # per combination: students competing for a seat
    candidates: tuple[tuple[int, ...], ...]   # per combination: mentor positions
    seats: tuple[int, ...]                    # per mentor position: free seats at the start
    used: tuple[int, ...]                     # per mentor: seats taken before (report, runs)
    capacity: tuple[int, ...]
    policy: Mapping[tuple[int, int], int] = field(default_factory=dict)  # its own assignment

    def seat_cost(self, mentor: int, k: int) -> int:
        """The cost of the mentor's ``k``-th free seat (0-based): its load ratio once taken."""
        return (self.used[mentor] + k + 1) * SCALE // max(self.capacity[mentor], 1)


Assignment = Mapping[tuple[int, int], int]    # (combination, mentor) → students


@dataclass(frozen=True)
class FlowClasses:
    """The problem with combinations of identical candidates merged (at 100k students, 22k
    combinations share 1k candidate sets: a tenth of the arcs)."""

    candidates: tuple[tuple[int, ...], ...]        # per class
    members: tuple[tuple[int, ...], ...]           # per class: its combinations, in key order
    students: tuple[int, ...]                      # per class
    policy: Mapping[tuple[int, int], int]          # (class, mentor) → the policy's students


def classes(problem: FlowProblem) -> FlowClasses:
    of: dict[tuple[int, ...], list[int]] = {}
    for c, candidates in enumerate(problem.candidates):
        of.setdefault(candidates, []).append(c)
    sets = sorted(of, key=lambda s: of[s][0])
    number = {c: k for k, s in enumerate(sets) for c in of[s]}
    policy: Counter[tuple[int, int]] = Counter()
    for (c, m), n in problem.policy.items():
        policy[(number[c], m)] += n
    return FlowClasses(tuple(sets), tuple(tuple(of[s]) for s in sets),
                       tuple(sum(problem.students[c] for c in of[s]) for s in sets),
                       dict(policy))


def spread(problem: FlowProblem, merged: FlowClasses,
           flows: Mapping[tuple[int, int], int]) -> Assignment:
    """A class's placements back onto its combinations: each first where the policy had its
    students, then to those it left without a seat, in key order (so what the optimum places
    more shows on the combinations that lost out)."""
    placed: Counter[tuple[int, int]] = Counter()
    left = list(problem.students)
    klass = {c: k for k, cs in enumerate(merged.members) for c in cs}
    had: dict[tuple[int, int], list[int]] = {}
    for c, m in sorted(problem.policy):
        had.setdefault((klass[c], m), []).append(c)
    pending = dict(sorted(flows.items()))
    for (k, m), n in pending.items():            # first where the policy had its students
        for c in had.get((k, m), ()):
            take = min(n, left[c], problem.policy[(c, m)])
            if take:
                placed[(c, m)] += take
                left[c] -= take
                n -= take
        pending[(k, m)] = n
    cursor = [0] * len(merged.members)          # then in key order, to whoever still waits
    for (k, m), n in pending.items():
        members_k = merged.members[k]
        while n and cursor[k] < len(members_k):
            c = members_k[cursor[k]]
            take = min(n, left[c])
            if take:
                placed[(c, m)] += take
                left[c] -= take
                n -= take
            if not left[c]:
                cursor[k] += 1
    return dict(placed)


def flow_problem(students: Sequence[StudentRecord], decisions: Sequence[Decision],
                 index: CandidateIndex, remaining_at_start: Sequence[int],
                 already: Sequence[int], capacity: Sequence[int], covered: Sequence[int]
                 ) -> tuple[FlowProblem, int]:
    """The flow problem of a decided batch (with the policy's own assignment on it), and how
    many policy placements lie outside it (a mentor not among the keys' candidates: fixed)."""
    wanting: Counter[Keys] = Counter()
    chosen: Counter[tuple[Keys, int]] = Counter()
    fixed: Counter[int] = Counter()
    masks: dict[Keys, int] = {}
    for d in decisions:
        keys = students[d.index].keys
        placed = d.outcome == Outcome.ALLOCATED
        if keys is None or not (placed or d.failure == FailureClass.CAPACITY_FULL):
            continue
        mask = masks.get(keys)
        if mask is None:
            mask = masks[keys] = index.candidate_mask(keys)
        if placed:
            mentor = index.position.get(d.mentor_id)
            if mentor is None or not mask >> mentor & 1:
                if mentor is not None:
                    fixed[mentor] += 1
                continue
            chosen[(keys, mentor)] += 1
        wanting[keys] += 1
    combos = sorted(wanting)
    positions: dict[int, tuple[int, ...]] = {}   # 22k combinations share ~1k candidate sets
    for k in combos:
        if masks[k] not in positions:
            positions[masks[k]] = tuple(members(masks[k]))
    seats = tuple(max(r - a - fixed[m], 0) for m, (r, a) in
                  enumerate(zip(remaining_at_start, already, strict=True)))
    problem = FlowProblem(
        tuple(combos), tuple(wanting[k] for k in combos),
        tuple(positions[masks[k]] for k in combos), seats,
        tuple(v + (r0 - s) for v, r0, s in zip(covered, remaining_at_start, seats, strict=True)),
        tuple(capacity))
    where = {k: i for i, k in enumerate(combos)}
    policy = Counter({(where[k], m): n for (k, m), n in chosen.items()})
    return dataclasses.replace(problem, policy=dict(policy)), sum(fixed.values())


@dataclass(frozen=True)
class ComboLine:
    keys: Keys
    students: int
    policy: int
    optimum: int


@dataclass(frozen=True)
class MentorLine:
    mentor_id: str
    name: str
    seats: int
    policy_with_alternatives: int   # seats the policy gave students who had other candidates
    optimum_for_gain: int           # seats the optimum gives the combinations it places more of


@dataclass(frozen=True)
class Reservation:
    keys: Keys
    mentor_id: str
    seats: int


@dataclass(frozen=True)
class WhatIfReport:
    competing: int                  # students of the batch who competed for a seat
    policy_placed: int
    optimum_placed: int
    fixed: int                      # placed by the policy outside the flow (kept as they are)
    combos: tuple[ComboLine, ...]   # the combinations the optimum places more of
    mentors: tuple[MentorLine, ...]
    reservations: tuple[Reservation, ...]

    @property
    def gain(self) -> int:
        return self.optimum_placed - self.policy_placed


def whatif_report(problem: FlowProblem, optimum: Assignment, pool: Sequence[PoolMentor],
                  fixed: int = 0) -> WhatIfReport:
    """The optimum against the policy's own assignment (``problem.policy``)."""
    policy = problem.policy
    by_combo_policy, by_combo_optimum = Counter(), Counter()
    for (c, _), n in policy.items():
        by_combo_policy[c] += n
    for (c, _), n in optimum.items():
        by_combo_optimum[c] += n
    more = sum(optimum.values()) > sum(policy.values())
    gaining = sorted((c for c in range(len(problem.keys))
                      if more and by_combo_optimum[c] > by_combo_policy[c]),
                     key=lambda c: (by_combo_policy[c] - by_combo_optimum[c], problem.keys[c]))
    gaining_set = set(gaining)
    spent, given = Counter(), Counter()
    for (c, m), n in policy.items():
        if len(problem.candidates[c]) > 1:
            spent[m] += n
    for (c, m), n in optimum.items():
        if c in gaining_set:
            given[m] += n
    mentors = tuple(MentorLine(pool[m].mentor_id, pool[m].name, problem.seats[m], spent[m],
                               given[m]) for m in sorted(given))
    reservations = tuple(
        Reservation(problem.keys[c], pool[m].mentor_id, optimum[(c, m)] - policy.get((c, m), 0))
        for c in gaining for m in problem.candidates[c]
        if optimum.get((c, m), 0) > policy.get((c, m), 0))
    return WhatIfReport(
        sum(problem.students) + fixed, sum(policy.values()) + fixed, sum(optimum.values()) + fixed,
        fixed, tuple(ComboLine(problem.keys[c], problem.students[c], by_combo_policy[c],
                               by_combo_optimum[c]) for c in gaining),
        mentors, reservations)


def report_dict(report: WhatIfReport) -> dict:
    """The report as plain data, labelled a what-if (the API's and the kept file's body)."""
    return {"what_if": True, **dataclasses.asdict(report), "gain": report.gain}


def report_json(report: WhatIfReport) -> str:
    """The report as JSON: the same inputs give the same bytes."""
    return json.dumps(report_dict(report), ensure_ascii=False, sort_keys=True, indent=1) + "\n"
