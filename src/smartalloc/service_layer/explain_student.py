"""Use case: explain one student's decision as a run on these inputs makes it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.explain import Explanation, explain
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import Inputs
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.ports import HistoryStore, InputPaths, InputReader
from smartalloc.service_layer.run_context import build_matrix_for, replay_state, run_id_for

Loader = Callable[[Policy], tuple[Inputs, EligibilityMatrix]]


def explain_student(paths: InputPaths, policy: Policy, national_id: str, *, reader: InputReader,
                    history: HistoryStore, year: int | None = None, mentors: tuple[str, ...] = (),
                    overrides: Mapping[str, bool] | None = None,
                    load: Loader | None = None) -> Explanation | None:
    """The trace of one student as a run on these inputs would decide it (None if absent),
    under the mentor governance stored now. ``load`` (inputs and matrix for a policy) lets a
    caller cache them; by default they are read and built here."""
    policy = policy_in_force(policy, history)[0]
    if load is None:
        def load(effective: Policy) -> tuple[Inputs, EligibilityMatrix]:
            inputs = reader.read(paths, effective)
            return inputs, build_matrix_for(inputs, effective, overrides)
    inputs, matrix = load(policy)
    students = inputs.students.records
    index = next((s.index for s in students if s.national_id == national_id), None)
    if index is None:
        return None
    # The run these inputs make, as it decided (the same rule as the run itself).
    run_id = run_id_for(inputs, policy, year or policy.academic_year, overrides or {})
    past, already = replay_state(inputs, history, run_id)
    return explain(students, matrix, policy, index, history=past, roster=inputs.roster,
                   year=year, mentors=mentors, already=already)
