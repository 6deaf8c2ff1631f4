"""Explain caches a job's parsed inputs and matrix: a cached answer is exactly what a fresh,
uncached ``explain_student`` computes, for several students, after a mentor status change
(the governance-effective policy is in the key), and the cache stays bounded."""

from __future__ import annotations

import dataclasses

from fastapi.encoders import jsonable_encoder

from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.readers import read_students
from smartalloc.entrypoints.api.routes_runs import ExplainCache
from smartalloc.entrypoints.api.runner import input_paths
from smartalloc.service_layer.explain_student import explain_student
from tests.api.test_flow import upload_all


def _fresh(api, job_id: str, nid: str) -> dict:
    """The response body from an uncached explain_student."""
    state = api.client.app.state
    job = state.jobs.get(job_id)
    exp = explain_student(input_paths(state.settings, job.params["files"]), state.policy, nid,
                          reader=ExcelInputReader(), history=state.store,
                          year=job.params.get("year"),
                          overrides=job.params.get("overrides") or {})
    return jsonable_encoder({
        "national_id": nid, "decision": dataclasses.asdict(exp.decision),
        "stages": [dataclasses.asdict(s) for s in exp.stages],
        "candidates": [dataclasses.asdict(c) for c in exp.candidates],
        "why_not": [{"mentor_id": m, "reason_fa": r} for m, r in exp.why_not]})


def _explain(api, job_id: str, nid: str) -> dict:
    response = api.client.get(f"/api/v1/students/{nid}/explain", params={"job_id": job_id},
                              headers=api.auth("viewer"))
    assert response.status_code == 200, response.text
    return response.json()


def test_cached_explain_equals_fresh(api, small_agency, policy) -> None:
    files = upload_all(api, small_agency)
    started = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    job_id = api.wait(started.json()["job_id"])["job_id"]
    records = read_students(small_agency.students, policy).records
    nids = [records[i].national_id for i in (0, 1, 17, 60, 123, len(records) - 1)]
    cache = api.client.app.state.explain_cache if hasattr(api.client.app.state,
                                                          "explain_cache") else None
    assert cache is None or not cache.entries
    first = {nid: _explain(api, job_id, nid) for nid in nids}      # fills the cache
    assert len(api.client.app.state.explain_cache.entries) == 1
    for nid in nids:
        again = _explain(api, job_id, nid)                         # from the cache
        assert again == first[nid] == _fresh(api, job_id, nid), nid
    assert any(body["decision"]["mentor_id"] for body in first.values())

    # A mentor status change: a new effective policy, so a new entry, still equal to fresh.
    winner = next(b["decision"]["mentor_id"] for b in first.values() if b["decision"]["mentor_id"])
    frozen = api.client.post(f"/api/v1/mentors/{winner}/freeze", json={"reason": "test"},
                             headers=api.auth("admin"))
    assert frozen.status_code == 200, frozen.text
    for nid in nids:
        assert _explain(api, job_id, nid) == _fresh(api, job_id, nid), nid
    assert len(api.client.app.state.explain_cache.entries) == 2


def test_cache_is_a_bounded_lru() -> None:
    cache = ExplainCache(size=2)
    built: list[str] = []

    def build(name):
        return lambda: built.append(name) or (name, name)

    cache.get(("a", "p"), build("a"))
    cache.get(("b", "p"), build("b"))
    assert cache.get(("a", "p"), build("a2")) == ("a", "a")   # a hit, now most recent
    cache.get(("c", "p"), build("c"))                          # evicts b
    assert list(cache.entries) == [("a", "p"), ("c", "p")]
    cache.get(("b", "p"), build("b2"))
    assert built == ["a", "b", "c", "b2"]
