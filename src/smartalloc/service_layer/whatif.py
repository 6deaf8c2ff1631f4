"""Use case: the what-if of a run's inputs — the policy's result beside the most students an
optimal assignment under the same eligibility and seats would place (issue M).

It decides the batch exactly as a run would (same replay rule, same governance), records
nothing and writes nothing: the report is a what-if, beside the policy's result, never
instead of it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.policy import Policy
from smartalloc.domain.whatif import WhatIfReport, flow_problem, whatif_report
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.ports import FlowSolver, HistoryStore, InputPaths, InputReader
from smartalloc.service_layer.run_context import build_matrix_for, replay_state, run_id_for


def what_if(paths: InputPaths, policy: Policy, *, reader: InputReader, history: HistoryStore,
            solver: FlowSolver, year: int | None = None,
            overrides: Mapping[str, bool] | None = None,
            timings: dict[str, float] | None = None) -> WhatIfReport:
    timings = {} if timings is None else timings
    t = time.perf_counter()
    policy = policy_in_force(policy, history)[0]
    inputs = reader.read(paths, policy)
    matrix = build_matrix_for(inputs, policy, overrides)
    timings["read"] = time.perf_counter() - t

    t = time.perf_counter()
    run_id = run_id_for(inputs, policy, year or policy.academic_year, overrides or {})
    past, already = replay_state(inputs, history, run_id)
    engine = AllocationEngine(matrix, policy, already)
    start = list(engine.load.remaining_at_start), list(engine.already)
    batch = allocate_batch(inputs.students.records, matrix, policy, history=past,
                           roster=inputs.roster, year=year, engine=engine)
    timings["policy"] = time.perf_counter() - t

    t = time.perf_counter()
    problem, fixed = flow_problem(
        inputs.students.records, batch.decisions, engine.index, *start,
        [m.capacity for m in matrix.pool], [m.covered for m in matrix.pool])
    optimum = solver.solve(problem)
    timings["optimum"] = time.perf_counter() - t
    return whatif_report(problem, optimum, matrix.pool, fixed)
