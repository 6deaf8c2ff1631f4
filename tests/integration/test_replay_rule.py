"""One rule for the state a replay decides on, shared by a re-run and an explanation: two runs
on one student file (different overrides) are each explained as they decided — the second
saw the first's allocations — and a re-run keeps its place in the commit order."""

from __future__ import annotations

from collections import Counter

import pytest

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.domain.decision import Outcome
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.explain_student import explain_student
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.run_allocation import RunRequest, run_allocation
from smartalloc.service_layer.run_context import build_matrix_for


def _run(agency, policy, store, out, overrides):
    return run_allocation(RunRequest(resolve_inputs(agency.out_dir), policy, out, now="1404-09-01",
                                     overrides=overrides),
                          reader=ExcelInputReader(), writer=ExcelOutputWriter(), history=store)


@pytest.fixture
def two_runs(small_agency, agency_policy, tmp_path):
    """Run A with the busiest half of the mentors switched off (it leaves students without a
    mentor), then run B with every mentor, on the same files: B allocates those students."""
    scratch = SqlStore(sqlite_url(tmp_path / "scratch.sqlite"))
    _run(small_agency, agency_policy, scratch, tmp_path / "scratch", {})
    given = Counter(e.mentor_id for e in scratch.load()).most_common()
    off = {mentor: False for mentor, _ in given[:len(given) // 2]}
    store = SqlStore(sqlite_url(tmp_path / "h.sqlite"))
    a = _run(small_agency, agency_policy, store, tmp_path / "a", off)
    b = _run(small_agency, agency_policy, store, tmp_path / "b", {})
    return store, a, b, off


def _explainer(agency, policy, store, overrides):
    paths = resolve_inputs(agency.out_dir)
    effective = policy_in_force(policy, store)[0]
    inputs = ExcelInputReader().read(paths, effective)
    matrix = build_matrix_for(inputs, effective, overrides)

    def why(national_id):
        return explain_student(paths, policy, national_id, reader=ExcelInputReader(),
                               history=store, overrides=overrides,
                               load=lambda _: (inputs, matrix)).decision
    return why


def _by_run(store, run_id):
    return {e.national_id: e for e in store.load() if e.run_id == run_id}


def test_each_of_two_runs_on_one_file_is_explained_as_it_decided(two_runs, small_agency,
                                                                 agency_policy):
    store, a, b, off = two_runs
    by_a, by_b = _by_run(store, a.run_id), _by_run(store, b.run_id)
    assert by_a and by_b and a.run_id != b.run_id
    explain_a = _explainer(small_agency, agency_policy, store, off)
    explain_b = _explainer(small_agency, agency_policy, store, {})
    for nid, entry in by_b.items():           # B's own allocations
        d = explain_b(nid)
        assert (d.outcome, d.mentor_id, d.code) == (Outcome.ALLOCATED, entry.mentor_id,
                                                    entry.code), nid
    for nid, entry in by_a.items():
        # B found these students allocated by A: it did not allocate them again
        assert explain_b(nid).outcome is not Outcome.ALLOCATED, nid
        d = explain_a(nid)                    # and A is explained without B's rows
        assert (d.outcome, d.mentor_id, d.code) == (Outcome.ALLOCATED, entry.mentor_id,
                                                    entry.code), nid


def test_a_rerun_keeps_its_place_and_its_decisions(two_runs, small_agency, agency_policy,
                                                   tmp_path):
    store, a, b, off = two_runs
    before = store.load()
    assert store.runs_since(a.run_id) == [a.run_id, b.run_id]
    again = _run(small_agency, agency_policy, store, tmp_path / "a2", off)   # A after B
    assert again.run_id == a.run_id and again.counts == a.counts
    assert store.runs_since(a.run_id) == [a.run_id, b.run_id]   # still before B
    assert store.load() == before
    explain_b = _explainer(small_agency, agency_policy, store, {})
    for nid, entry in _by_run(store, b.run_id).items():
        assert explain_b(nid).mentor_id == entry.mentor_id, nid
    assert store.runs_since("never-run") == []
