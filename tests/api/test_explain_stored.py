"""Explain serves what the run kept: for every student, the stored explanation equals a fresh
replay (``explain_student``) on the same inputs — decision, stages, ranked candidates and the
why-not of chosen, ranked, filtered, dropped and unknown mentors — and it keeps saying what
the run decided after a mentor is frozen."""

from __future__ import annotations

import dataclasses
import json

from fastapi.encoders import jsonable_encoder

from smartalloc.adapters.explain_file import ExplainFile
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.domain.decision import Outcome
from smartalloc.entrypoints.api.settings import input_paths
from smartalloc.service_layer.explain_student import explain_student
from smartalloc.service_layer.ports import OUTPUT_FILES
from smartalloc.service_layer.run_context import build_matrix_for
from tests.api.test_flow import upload_all


def _fresh_all(api, job, mentors_for):
    """Fresh replays of every student of the job (inputs read and matrix built once)."""
    state = api.client.app.state
    paths = input_paths(state.settings, job.params["files"])
    cached = {}

    def load(effective):
        if effective.content_hash not in cached:
            inputs = ExcelInputReader().read(paths, effective)
            cached[effective.content_hash] = (inputs, build_matrix_for(inputs, effective, {}))
        return cached[effective.content_hash]

    inputs, matrix = load(state.policy)
    for student in inputs.students.records:
        exp = explain_student(paths, state.policy, student.national_id,
                              reader=ExcelInputReader(), history=state.store,
                              year=job.params.get("year"), mentors=mentors_for(student),
                              load=load)
        yield student.national_id, jsonable_encoder({
            "national_id": student.national_id, "decision": exp.decision._asdict(),
            "stages": [dataclasses.asdict(s) for s in exp.stages],
            "candidates": [dataclasses.asdict(c) for c in exp.candidates],
            "why_not": [r.as_dict(m) for m, r in exp.why_not],
            "rows": [r.as_dict() for r in exp.rows],
            "code_origin": [o.as_dict() for o in exp.code_origin],
            "suggested_action": exp.suggested_action}), matrix


def _explain(api, job_id: str, nid: str, mentors=()) -> dict:
    response = api.client.get(f"/api/v1/students/{nid}/explain",
                              params={"job_id": job_id, "mentor": list(mentors)},
                              headers=api.auth("operator"))
    assert response.status_code == 200, response.text
    return response.json()


def test_stored_explanations_equal_a_fresh_replay_for_every_student(api, small_agency) -> None:
    files = upload_all(api, small_agency)
    started = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    job_id = api.wait(started.json()["job_id"])["job_id"]
    job = api.client.app.state.jobs.get(job_id)
    state = api.client.app.state
    matrix = build_matrix_for(ExcelInputReader().read(
        input_paths(state.settings, job.params["files"]), state.policy), state.policy, {})
    pool_ids = [m.mentor_id for m in matrix.pool]
    dropped = [p.mentor_id for p in matrix.pool_decisions][:1]
    assert dropped, "the synthetic agency has mentors left out of the pool"

    def mentors_for(student):
        # the first, a middle and the last pool mentor, a dropped one and an unknown id
        return (pool_ids[0], pool_ids[len(pool_ids) // 2], pool_ids[-1], *dropped, "no-such-id")

    kept = ExplainFile(state.settings.runs / job_id / OUTPUT_FILES["explain"])
    seen, reasons, outcomes = 0, set(), set()
    first_bodies = {}
    for nid, fresh, _ in _fresh_all(api, job, mentors_for):
        if nid in first_bodies:          # a repeated national id is explained by its first row
            continue
        mentors = tuple(w["mentor_id"] for w in fresh["why_not"])
        stored = jsonable_encoder(kept.find(nid, mentors).as_dict())
        assert stored == fresh, nid
        if seen % 20 == 0:           # through HTTP too (fewer calls: the rate limit is on)
            assert _explain(api, job_id, nid, mentors) == stored
        first_bodies[nid] = stored
        seen += 1
        outcomes.add(stored["decision"]["outcome"])
        reasons.update(w["reason_fa"].split("«")[0] for w in stored["why_not"])
    assert seen >= 100
    assert {Outcome.ALLOCATED, Outcome.FAILED} <= outcomes
    assert len(reasons) >= 4      # chosen, filtered at a stage, ranked lower/no seat, dropped…

    # Freezing the winner of a student afterwards does not rewrite what the run decided.
    nid, body = next((n, b) for n, b in first_bodies.items() if b["decision"]["mentor_id"])
    winner = body["decision"]["mentor_id"]
    frozen = api.client.post(f"/api/v1/mentors/{winner}/freeze", json={"reason": "test"},
                             headers=api.auth("admin"))
    assert frozen.status_code == 200, frozen.text
    assert _explain(api, job_id, nid) == {**body, "why_not": []}


def test_explain_refuses_unknown_students_and_unfinished_jobs(api, small_agency) -> None:
    files = upload_all(api, small_agency)
    started = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    job_id = api.wait(started.json()["job_id"])["job_id"]
    missing = api.client.get("/api/v1/students/0000000000/explain", params={"job_id": job_id},
                             headers=api.auth("operator"))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    import_job = files["students"]
    wrong = api.client.get("/api/v1/students/0000000000/explain", params={"job_id": import_job},
                           headers=api.auth("operator"))
    assert wrong.status_code == 404
    too_many = api.client.get("/api/v1/students/0000000000/explain",
                              params={"job_id": job_id, "mentor": [str(i) for i in range(51)]},
                              headers=api.auth("operator"))
    assert too_many.status_code == 422        # why-not is asked for at most 50 mentors


def test_a_stored_decision_reads_by_field_name_in_either_format():
    """Format 2 keeps decisions by field name (a field added later takes its default, one
    dropped is ignored); a format-1 file's positional lists still read."""
    from smartalloc.adapters.explain_file import _FORMAT_1_FIELDS, decision_from_stored
    from smartalloc.domain.decision import Decision, Outcome
    from smartalloc.domain.policy import Channel

    d = Decision(7, "0012345679", Outcome.ALLOCATED, Channel.GENERIC, mentor_id="42",
                 code="543570001", stage_counts=(9, 8, 7))
    named = json.loads(json.dumps(d._asdict()))
    assert decision_from_stored(named) == d
    older = {k: v for k, v in named.items() if k != "remaining_before"} | {"retired": 1}
    assert decision_from_stored(older) == d._replace(remaining_before=0)
    positional = json.loads(json.dumps([getattr(d, f) for f in _FORMAT_1_FIELDS]))
    assert decision_from_stored(positional) == d
