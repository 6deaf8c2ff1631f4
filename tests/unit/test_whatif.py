"""What-if (issue M): the flow's optimum is the true optimum (an LP by HiGHS agrees on random
instances), never below the policy, equal to it when seats are ample, and byte-for-byte
reproducible; a greedy order's lost seat is found and named."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from smartalloc.adapters.flow_solver import OrToolsFlowSolver
from smartalloc.domain.eligibility import PoolMentor
from smartalloc.domain.whatif import MOVE, FlowProblem, report_json, whatif_report
from smartalloc.service_layer.ports import InputPaths
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest
from smartalloc.service_layer.whatif import what_if
from tests.fakes import MemoryHistory, MemoryReader, RecordingWriter

SOLVER = OrToolsFlowSolver()


def _random_problem(rng: random.Random) -> FlowProblem:
    combos, mentors = rng.randint(1, 6), rng.randint(1, 5)
    students = tuple(rng.randint(1, 5) for _ in range(combos))
    candidates = tuple(tuple(sorted(rng.sample(range(mentors), rng.randint(1, mentors))))
                       for _ in range(combos))
    seats = tuple(rng.randint(0, 4) for _ in range(mentors))
    capacity = tuple(s + rng.randint(0, 3) for s in seats)
    policy = {(c, m): 1 for c in range(combos) for m in candidates[c][:1] if rng.random() < 0.5}
    return FlowProblem(tuple((c,) for c in range(combos)), students, candidates, seats,
                       tuple(c - s for c, s in zip(capacity, seats, strict=True)), capacity,
                       policy)


def _lp(problem: FlowProblem) -> tuple[int, int]:
    """(most placed, least cost at that size) by linear programming (HiGHS)."""
    arcs = [(c, m, part) for c, cands in enumerate(problem.candidates) for m in cands
            for part in (0, 1)]
    seat_vars = [(m, k) for m, n in enumerate(problem.seats) for k in range(n)]
    nx, ns = len(arcs), len(seat_vars)
    bounds = [(0, problem.policy.get((c, m), 0) if part == 0 else None) for c, m, part in arcs]
    bounds += [(0, 1)] * ns
    a_ub = np.zeros((len(problem.keys), nx + ns))
    for i, (c, _, _) in enumerate(arcs):
        a_ub[c, i] = 1
    a_eq = np.zeros((len(problem.seats), nx + ns))
    for i, (_, m, _) in enumerate(arcs):
        a_eq[m, i] = 1
    for j, (m, _) in enumerate(seat_vars):
        a_eq[m, nx + j] = -1
    b_ub, b_eq = np.array(problem.students), np.zeros(len(problem.seats))
    most = linprog(-np.r_[np.ones(nx), np.zeros(ns)], A_ub=a_ub, b_ub=b_ub, A_eq=a_eq,
                   b_eq=b_eq, bounds=bounds, method="highs")
    size = round(-most.fun)
    cost = np.r_[[0 if part == 0 else MOVE for _, _, part in arcs],
                 [problem.seat_cost(m, k) for m, k in seat_vars]]
    total = np.r_[np.ones(nx), np.zeros(ns)]
    cheapest = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=np.vstack([a_eq, total]),
                       b_eq=np.r_[b_eq, size], bounds=bounds, method="highs")
    return size, round(cheapest.fun)


def _cost(problem: FlowProblem, placed) -> int:
    per_mentor = [0] * len(problem.seats)
    moves = 0
    for (c, m), n in placed.items():
        per_mentor[m] += n
        moves += max(0, n - problem.policy.get((c, m), 0))
    return moves * MOVE + sum(problem.seat_cost(m, k) for m, n in enumerate(per_mentor)
                              for k in range(n))


@pytest.mark.parametrize("seed", range(60))
def test_the_flow_is_the_lp_optimum(seed):
    problem = _random_problem(random.Random(seed))
    placed = SOLVER.solve(problem)
    size, cost = _lp(problem)
    assert sum(placed.values()) == size
    assert _cost(problem, placed) == cost
    for (c, m), n in placed.items():                     # feasible: candidates and seats
        assert m in problem.candidates[c] and n > 0
    for m, seats in enumerate(problem.seats):
        assert sum(n for (_, mm), n in placed.items() if mm == m) <= seats


def _pool(*ids: str) -> tuple[PoolMentor, ...]:
    fields = {f.name: None for f in dataclasses.fields(PoolMentor)}
    return tuple(PoolMentor(**{**fields, "mentor_id": i, "name": f"mentor {i}"}) for i in ids)


def test_a_seat_the_order_gave_away_is_found_and_named():
    # combination 0 (first in the report) could go to A or B; combination 1 only to A; A and B
    # have one seat each. The greedy policy gave A to combination 0: one student unplaced.
    problem = FlowProblem(((1,), (2,)), (1, 1), ((0, 1), (0,)), (1, 1), (0, 0), (1, 1),
                          {(0, 0): 1})
    report = whatif_report(problem, SOLVER.solve(problem), _pool("A", "B"))
    assert (report.policy_placed, report.optimum_placed, report.gain) == (1, 2, 1)
    assert [(line.keys, line.policy, line.optimum) for line in report.combos] == [((2,), 0, 1)]
    assert [(r.keys, r.mentor_id, r.seats) for r in report.reservations] == [((2,), "A", 1)]
    assert [(m.mentor_id, m.policy_with_alternatives) for m in report.mentors] == [("A", 1)]


@pytest.fixture(scope="module")
def inputs(small_agency, agency_policy):
    from smartalloc.adapters.input_reader import ExcelInputReader
    from smartalloc.entrypoints.inputs import resolve_inputs

    return ExcelInputReader().read(resolve_inputs(small_agency.out_dir), agency_policy)


def _squeezed(inputs, share: int):
    """The agency with every mentor's free seats cut to 1/``share`` (at least one)."""
    mentors = tuple(dataclasses.replace(m, capacity=(m.covered or 0) + max(
        1, ((m.capacity or 0) - (m.covered or 0)) // share)) for m in inputs.mentors.records)
    return dataclasses.replace(inputs, mentors=dataclasses.replace(inputs.mentors,
                                                                   records=mentors))


PATHS = InputPaths(Path("i.xlsx"), Path("s.xlsx"), Path("st.xlsx"))


@pytest.mark.parametrize("share", [2, 4, 8, 1000])
def test_the_optimum_is_never_below_the_policy(inputs, agency_policy, share):
    reader = MemoryReader(_squeezed(inputs, share))
    report = what_if(PATHS, agency_policy, reader=reader, history=MemoryHistory(),
                     solver=SOLVER)
    run = run_allocation(RunRequest(PATHS, agency_policy, Path("/nowhere"), now="1404-09-15"),
                         reader=reader, writer=RecordingWriter([]), history=MemoryHistory())
    assert report.policy_placed == run.counts["allocated"] and report.fixed == 0
    assert report.optimum_placed >= report.policy_placed
    assert report.policy_placed < report.competing          # seats were short
    assert sum(r.seats for r in report.reservations) >= report.gain
    assert bool(report.combos) == bool(report.reservations) == (report.gain > 0)
    if share == 1000:    # one seat each: the report order gives one away, and it is named
        assert report.gain >= 1 and report.mentors


def test_with_ample_seats_the_policy_is_optimal_and_the_report_reproducible(inputs,
                                                                          agency_policy):
    mentors = tuple(dataclasses.replace(m, capacity=(m.covered or 0) + 10_000)
                    for m in inputs.mentors.records)
    reader = MemoryReader(dataclasses.replace(
        inputs, mentors=dataclasses.replace(inputs.mentors, records=mentors)))
    first = what_if(PATHS, agency_policy, reader=reader, history=MemoryHistory(), solver=SOLVER)
    again = what_if(PATHS, agency_policy, reader=reader, history=MemoryHistory(), solver=SOLVER)
    assert first.gain == 0 and first.combos == () and first.reservations == ()
    assert report_json(first) == report_json(again)
