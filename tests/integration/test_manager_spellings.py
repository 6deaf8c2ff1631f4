"""D16 step 1 over generated agencies: however the InspactorReport spells its managers (ZWNJ
dropped or spaced, Arabic ي/ك, bidi marks, trailing spaces), every decision is the same as with
the plain names the agency's policy maps."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.policy_file import load_policy
from smartalloc.domain.batch import allocate_batch
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_context import build_matrix_for
from smartalloc.synthetic import generate_agency
from tests.policies import shipped_policy

_RUN = itertools.count()


def _decide(folder):
    policy = load_policy(folder / "policy.json")
    inputs = ExcelInputReader().read(resolve_inputs(folder), policy)
    matrix = build_matrix_for(inputs, policy)          # refuses any unresolved manager
    batch = allocate_batch(inputs.students.records, matrix, policy, roster=inputs.roster)
    return ([(r.mentor_id, r.alias, r.keys) for r in matrix.rows],
            [(d.national_id, d.mentor_id, d.code, d.failure) for d in batch.decisions],
            matrix.centres)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(1, 100_000))
def test_manager_spellings_never_change_a_decision(seed, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"spellings{next(_RUN)}")
    plain = generate_agency(root / "plain", students=150, mentors=30, seed=seed,
                            policy=shipped_policy())
    varied = generate_agency(root / "varied", students=150, mentors=30, seed=seed,
                             policy=shipped_policy(), name_variants=True)
    assert plain.policy.read_bytes() == varied.policy.read_bytes()
    assert plain.inspactor.read_bytes() != varied.inspactor.read_bytes()
    rows, decisions, centres = _decide(plain.out_dir)
    rows_v, decisions_v, centres_v = _decide(varied.out_dir)
    assert rows_v == rows and decisions_v == decisions
    assert [(m.centre, m.resolved_by, m.mentors) for m in centres_v.managers] == \
        [(m.centre, m.resolved_by, m.mentors) for m in centres.managers]
