"""Properties over whole synthetic agencies: QA passes on every generated dataset, codes are
well-formed, unique and gender-consistent, and the run is reproducible."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.readers import read_history_seed
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.decision import Outcome
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import RunRequest, run_allocation
from smartalloc.service_layer.run_context import build_matrix_for
from smartalloc.synthetic import generate_agency

CODE = re.compile(r"^\d{2}(357|373)\d{4}$")


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), students=st.integers(100, 400), mentors=st.integers(20, 80))
def test_qa_passes_on_every_generated_dataset(policy, seed, students, mentors):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        agency = generate_agency(root / "agency", students=students, mentors=mentors, seed=seed,
                                 policy=policy)
        store = SqlStore(sqlite_url(root / "h.sqlite"))
        store.import_entries(read_history_seed(agency.history_seed))
        paths = resolve_inputs(agency.out_dir)
        result = run_allocation(RunRequest(paths, policy, root / "out", now="1404-08-27"),
                                reader=ExcelInputReader(), writer=ExcelOutputWriter(),
                                history=store)
        assert result.qa_status == "PASSED_QA", result
        assert result.counts["students"] == students
        assert result.counts.get("allocated", 0) >= 0.6 * students

        inputs = ExcelInputReader().read(paths, policy)
        records = inputs.students.records
        decisions = allocate_batch(records, build_matrix_for(inputs, policy), policy,
                                   roster=inputs.roster).decisions
        codes = [(d.code, records[d.index].gender) for d in decisions
                 if d.outcome is Outcome.ALLOCATED]
        assert len({c for c, _ in codes}) == len(codes)
        for code, gender in codes:
            assert CODE.match(code) and code[2:5] == ("357" if gender else "373")
        again = allocate_batch(records, build_matrix_for(inputs, policy), policy,
                               roster=inputs.roster).decisions
        assert again == decisions
