"""Finding 9 of issue I: every role read everything — a viewer downloaded the full
ImportToSabt (national ids, phones) of any job. Now students' data is for the roles that work
with it (``personal:read``: operator, admin); a viewer sees how a run went, the mentors and
their audit trail, and the matrix — never a student."""

from __future__ import annotations

import re

from tests.api.conftest import api  # noqa: F401  (fixture)
from tests.api.test_flow import upload_all
from tests.integration.conftest import sqlite_url  # noqa: F401  (fixture)
from tests.web.conftest import make_web, web  # noqa: F401  (fixtures)
from tests.web.test_pages import run_files, wait


def test_a_viewer_gets_no_students_through_the_api(api, small_agency) -> None:  # noqa: F811
    files = upload_all(api, small_agency)
    job = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    job_id = api.wait(job.json()["job_id"])["job_id"]
    nid = "0012345679"
    for role, allowed in (("viewer", False), ("operator", True), ("admin", True)):
        headers = api.auth(role)
        for kind in ("sabt", "allocation", "qa"):
            got = api.client.get("/api/v1/reports/export", headers=headers,
                                 params={"job_id": job_id, "kind": kind})
            assert (got.status_code == 200) is allowed, (role, kind, got.status_code)
            if not allowed:
                assert got.status_code == 403 and b"PK" not in got.content
        matrix = api.client.get("/api/v1/reports/export", headers=headers,
                                params={"job_id": job_id, "kind": "matrix"})
        assert matrix.status_code == 200 and matrix.content.startswith(b"PK")
        explain = api.client.get(f"/api/v1/students/{nid}/explain", headers=headers)
        history = api.client.get("/api/v1/history", params={"national_id": nid},
                                 headers=headers)
        assert (explain.status_code == 403) is not allowed
        assert (history.status_code == 403) is not allowed
        status = api.client.get(f"/api/v1/allocation/status/{job_id}", headers=headers)
        assert status.status_code == 200 and status.json()["counts"]["students"] > 0


def test_a_viewer_sees_the_run_but_no_student_on_the_pages(web, small_agency) -> None:  # noqa: F811
    web.login("operator")
    run = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")},
                          files=run_files(small_agency), follow_redirects=False)
    job_url = run.headers["location"]
    wait(web, job_url)
    mentor = re.search(r'data-mentor="([^"]+)"', web.client.get(job_url).text)[1]
    web.client.cookies.clear()
    web.login("viewer")
    page = web.client.get(job_url).text
    assert 'id="summary"' in page and 'id="download-matrix"' in page
    assert not re.search(r'id="download-(sabt|allocation|qa)"', page)
    for kind in ("sabt", "allocation", "qa"):
        assert web.client.get(f"{job_url}/download/{kind}").status_code == 403
    assert web.client.get(f"{job_url}/download/matrix").status_code == 200
    assert web.client.get("/ui/students").status_code == 403
    assert web.client.get("/ui/students/0012345679").status_code == 403
    assert web.client.get("/ui/history", params={"national_id": "0012345679"}).status_code == 403
    menu = web.client.get("/ui/jobs").text
    assert 'href="/ui/students"' not in menu and 'href="/ui/history"' in menu
    mentor_page = web.client.get("/ui/history", params={"mentor_id": mentor}).text
    assert 'id="hist-allocations"' not in mentor_page and 'id="hist-student"' not in mentor_page
    web.client.cookies.clear()
    web.login("operator")
    mentor_page = web.client.get("/ui/history", params={"mentor_id": mentor}).text
    assert 'id="hist-allocations"' in mentor_page
