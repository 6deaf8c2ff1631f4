"""``FlowSolver`` on OR-Tools' network solvers (C++): the maximum flow first, then the
cheapest flow of that size.

Two solves rather than one with a penalty per unplaced student: the penalty would have to
exceed every possible sum of seat costs to keep "most students" strictly first, which at 100k
students pushes costs toward the int64 edge; a fixed flow value keeps both problems exact.
Combinations with identical candidates are merged into one node (``classes``) and their
placements spread back (``spread``). Each class → mentor arc is two: the students the policy put there (free) and any more
(``MOVE``); each mentor's seats are unit arcs with rising cost (a convex cost). So the
cheapest largest flow keeps the policy's assignment where it can and fills mentors evenly. Arcs are added in a fixed order, so the same problem gives the same answer.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from smartalloc.domain.whatif import MOVE, Assignment, FlowClasses, FlowProblem, classes, spread


def _graph(problem: FlowProblem, merged: FlowClasses):
    """Node numbers and the source → class → mentor arcs (tails, heads, capacities, costs)."""
    count, mentors = len(merged.candidates), len(problem.seats)
    source, sink = 0, 1 + count + mentors
    tails, heads, caps = [source] * count, list(range(1, 1 + count)), list(merged.students)
    costs, pairs = [0] * count, []
    for k, candidates in enumerate(merged.candidates):
        for m in candidates:
            room = min(merged.students[k], problem.seats[m])
            kept = min(merged.policy.get((k, m), 0), room)
            for cap, cost in ((kept, 0), (room - kept, MOVE)):   # the policy's, then a move
                if cap:
                    tails.append(1 + k)
                    heads.append(1 + count + m)
                    caps.append(cap)
                    costs.append(cost)
                    pairs.append((k, m))
    return source, sink, count, tails, heads, caps, costs, pairs


class OrToolsFlowSolver:
    def solve(self, problem: FlowProblem) -> Assignment:
        from ortools.graph.python import max_flow, min_cost_flow

        merged = classes(problem)
        source, sink, count, tails, heads, caps, costs, pairs = _graph(problem, merged)
        if not pairs:
            return {}
        mentor_nodes = np.arange(1 + count, 1 + count + len(problem.seats), dtype=np.int32)
        seats = np.array(problem.seats, np.int64)

        most = max_flow.SimpleMaxFlow()
        most.add_arcs_with_capacity(
            np.concatenate([np.array(tails, np.int32), mentor_nodes]),
            np.concatenate([np.array(heads, np.int32),
                            np.full(len(mentor_nodes), sink, np.int32)]),
            np.concatenate([np.array(caps, np.int64), seats]))
        if most.solve(source, sink) != most.OPTIMAL:
            raise RuntimeError("the maximum flow solver did not finish")
        size = most.optimal_flow()

        seat_tails = np.repeat(mentor_nodes, seats)
        seat_costs = np.array([problem.seat_cost(m, k) for m, n in enumerate(problem.seats)
                               for k in range(n)], np.int64)
        cheapest = min_cost_flow.SimpleMinCostFlow()
        cheapest.add_arcs_with_capacity_and_unit_cost(
            np.concatenate([np.array(tails, np.int32), seat_tails.astype(np.int32)]),
            np.concatenate([np.array(heads, np.int32),
                            np.full(len(seat_tails), sink, np.int32)]),
            np.concatenate([np.array(caps, np.int64), np.ones(len(seat_tails), np.int64)]),
            np.concatenate([np.array(costs, np.int64), seat_costs]))
        cheapest.set_nodes_supplies(np.array([source, sink], np.int32),
                                    np.array([size, -size], np.int64))
        if cheapest.solve() != cheapest.OPTIMAL:
            raise RuntimeError("the minimum cost flow solver did not finish")
        first = count   # the class → mentor arcs follow the source's arcs
        flows = cheapest.flows(np.arange(first, first + len(pairs), dtype=np.int32))
        by_class: Counter[tuple[int, int]] = Counter()
        for pair, f in zip(pairs, flows.tolist(), strict=True):
            if f:
                by_class[pair] += f
        return spread(problem, merged, by_class)
