"""Manual review over the API (issue K): each action on a real run (SQLite, the app's own job
runner), the roles (a viewer may not act, an operator may not make an exception, an
administrator may), the refusals as problem+json — 409 naming who took the last seat, 404 for
an unknown mentor, 422 without a reason — and the audit with who, when, before → after, why."""

from __future__ import annotations

import pytest

from smartalloc.service_layer.ports import OUTPUT_FILES
from tests.api.test_flow import upload_all


@pytest.fixture
def run(api, small_agency):
    files = upload_all(api, small_agency)
    started = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    job_id = api.wait(started.json()["job_id"])["job_id"]
    state = api.client.app.state
    lines = state.system.kept_run(state.settings.runs / job_id / OUTPUT_FILES["explain"]) \
        .results().students
    allocated = [s for s in lines if s.status == "ALLOCATED"]
    return job_id, allocated


def post(api, action: str, body: dict, role: str = "operator"):
    return api.client.post(f"/api/v1/review/{action}", json=body, headers=api.auth(role))


def candidates(api, nid: str, job_id: str) -> list[dict]:
    found = api.client.get(f"/api/v1/students/{nid}/candidates", params={"job_id": job_id},
                           headers=api.auth("operator"))
    assert found.status_code == 200, found.text
    return found.json()["candidates"]


def test_move_release_assign_and_the_audit(api, run) -> None:
    job_id, allocated = run
    student = next(s for s in allocated
                   if any(c["mentor_id"] != s.mentor_id for c in candidates(api, s.national_id,
                                                                            job_id)))
    nid = student.national_id
    ranked = candidates(api, nid, job_id)
    assert [c["rank"] for c in ranked] == sorted(c["rank"] for c in ranked)
    assert all(c["seats_left"] > 0 for c in ranked)
    target = next(c["mentor_id"] for c in ranked if c["mentor_id"] != student.mentor_id)

    moved = post(api, "move", {"national_id": nid, "mentor_id": target,
                               "reason": "درخواست ولی", "job_id": job_id})
    assert moved.status_code == 200, moved.text
    change = moved.json()
    assert (change["from_mentor"], change["to_mentor"], change["by"]) == \
        (student.mentor_id, target, "operator")
    assert change["code"] == student.code and not change["exception"]

    released = post(api, "release", {"national_id": nid, "reason": "انصراف"})
    assert released.status_code == 200, released.text
    assert released.json()["to_mentor"] == "" and released.json()["code"] == student.code
    again = post(api, "move", {"national_id": nid, "mentor_id": target, "reason": "x"})
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "REVIEW_NOT_ALLOCATED"
    assigned = post(api, "assign", {"national_id": nid, "mentor_id": target,
                                    "reason": "بازگشت"})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["code"] == student.code           # D15: its own code came back

    log = api.client.get("/api/v1/review/log", params={"national_id": nid},
                         headers=api.auth("operator"))
    assert log.status_code == 200
    assert [(c["action"], c["reason"]) for c in log.json()] == [
        ("move", "درخواست ولی"), ("release", "انصراف"), ("assign", "بازگشت")]
    assert all(c["by"] == "operator" and c["at"].startswith("14") for c in log.json())
    everyone = api.client.get("/api/v1/review/log", headers=api.auth("admin")).json()
    assert len(everyone) == 3


def test_roles_reason_and_unknown_mentor(api, run) -> None:
    _, allocated = run
    student, other = allocated[0], allocated[1]
    body = {"national_id": student.national_id, "mentor_id": other.mentor_id,
            "reason": "آزمون", "exception": True}
    for action in ("assign", "move"):
        assert post(api, action, body, "viewer").status_code == 403
        assert post(api, action, body, "operator").status_code == 403    # exception: admin's
    assert post(api, "release", {"national_id": student.national_id, "reason": "x"},
                "viewer").status_code == 403
    assert api.client.get("/api/v1/review/log", headers=api.auth("viewer")).status_code == 403

    for reason in ("", "   ", "\u200c"):
        empty = post(api, "release", {"national_id": student.national_id, "reason": reason})
        assert empty.status_code == 422, reason
        assert empty.headers["content-type"] == "application/problem+json"
    unknown = post(api, "move", {"national_id": student.national_id, "mentor_id": "99999",
                                 "reason": "آزمون"})
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == "REVIEW_UNKNOWN_MENTOR"
    nobody = post(api, "release", {"national_id": "0000000000", "reason": "آزمون"})
    assert nobody.status_code == 404
    assert api.client.get("/api/v1/review/log", headers=api.auth("admin")).json() == []


def _eligible_for(api, nid: str, job_id: str) -> set[str]:
    found = api.client.get(f"/api/v1/students/{nid}/explain", params={"job_id": job_id},
                           headers=api.auth("operator"))
    return {c["mentor_id"] for c in found.json()["candidates"]}


def test_admin_exception_and_409_naming_who_took_the_last_seat(api, run) -> None:
    job_id, allocated = run
    seats = api.client.app.state.system.seats_now()
    # a mentor and a student it is eligible for, not its own: the operator's move would be fine
    late, target = next((s, m) for s in allocated[:60]
                        for m in sorted(_eligible_for(api, s.national_id, job_id))
                        if m != s.mentor_id)
    movers = [s for s in allocated if s.mentor_id != target and s is not late]
    # the administrator fills the mentor's seats by exceptions (outside the matrix or not)
    while seats.seats([target])[target].left > 0:
        student = movers.pop()
        done = post(api, "move", {"national_id": student.national_id, "mentor_id": target,
                                  "reason": "پر کردن ظرفیت", "exception": True}, "admin")
        assert done.status_code == 200, done.text
        assert done.json()["exception"] is True
    assert target not in {c["mentor_id"] for c in candidates(api, late.national_id, job_id)}
    refused = post(api, "move", {"national_id": late.national_id, "mentor_id": target,
                                 "reason": "درخواست ولی"}, "operator")
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["errors"][0]["code"] == "REVIEW_NO_SEAT"
    assert body["type"] == "urn:smartalloc:problem:REVIEW_NO_SEAT"
    assert "its last seat was taken by admin at 14" in body["title"]
    assert "آخرین ظرفیت را admin" in body["detail"]
    assert late.national_id not in refused.text               # the refusal names no student
    log = api.client.get("/api/v1/review/log", headers=api.auth("admin")).json()
    assert log and all(c["exception"] and c["by"] == "admin" for c in log)


def test_review_list_flag_and_unflag(api, run) -> None:
    job_id, allocated = run
    state = api.client.app.state
    lines = state.system.kept_run(state.settings.runs / job_id / OUTPUT_FILES["explain"]) \
        .results().students
    listed = api.client.get("/api/v1/review/list", params={"job_id": job_id},
                            headers=api.auth("operator"))
    assert listed.status_code == 200, listed.text
    unallocated = {i["national_id"] for i in listed.json() if i["kind"] == "unallocated"}
    assert unallocated == {s.national_id for s in lines if s.status != "ALLOCATED"}
    assert all(i["suggested_action"] for i in listed.json())

    nid = allocated[0].national_id
    flagged = post(api, "flag", {"national_id": nid, "reason": "تماس ولی؛ بررسی شود"})
    assert flagged.status_code == 200, flagged.text
    assert post(api, "flag", {"national_id": nid, "reason": "دوباره"}).status_code == 409
    items = api.client.get("/api/v1/review/list", params={"kind": "flagged"},
                           headers=api.auth("operator")).json()
    assert [(i["national_id"], i["flagged_by"]) for i in items] == [(nid, "operator")]
    assert post(api, "unflag", {"national_id": nid, "reason": "بررسی شد"}).status_code == 200
    assert api.client.get("/api/v1/review/list", params={"kind": "flagged"},
                          headers=api.auth("operator")).json() == []
    assert api.client.get("/api/v1/review/list", params={"kind": "other"},
                          headers=api.auth("operator")).status_code == 422
    assert api.client.get("/api/v1/review/list", headers=api.auth("viewer")).status_code == 403
