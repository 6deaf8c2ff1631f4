"""The agency's profile over HTTP (issue G): a service on the built-in policy refuses runs on
unmapped managers; the administrator reads the managers of the uploaded InspactorReport, stores
a profile (audited, versioned), and the next run allocates every centre."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smartalloc.adapters.policy_file import load_policy
from tests.policies import REAL_NAMES, shipped_policy

from .conftest import Api, make_api
from .test_flow import upload_all


@pytest.fixture
def shipped_api(sqlite_url, tmp_path) -> Iterator[Api]:
    path = tmp_path / "shipped.json"
    path.write_text(shipped_policy().model_dump_json(), "utf-8")
    yield from make_api(sqlite_url, tmp_path / "data", policy_path=path)


def _run(api: Api, files: dict) -> dict:
    started = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    assert started.status_code == 202, started.text
    return api.wait(started.json()["job_id"])


def test_set_up_through_http_then_the_run_allocates(shipped_api, real_agency):
    api = shipped_api
    files = upload_all(api, real_agency)
    refused = _run(api, files)
    assert refused["state"] == "failed"
    assert [e["code"] for e in refused["errors"]] == ["CENTRE_UNMAPPED"]
    assert "smartalloc setup" in refused["errors"][0]["message_en"]

    assert api.client.get("/api/v1/agency/profile", headers=api.auth("viewer")).status_code == 404
    listed = api.client.get("/api/v1/agency/managers", params={"file_id": files["inspactor"]},
                            headers=api.auth("viewer"))
    assert listed.status_code == 200, listed.text
    managers = listed.json()["managers"]
    assert {m["resolved_by"] for m in managers} == {"unresolved"}
    assert listed.json()["year"]["agreed"] == 1404

    centres = {m["manager"]: REAL_NAMES.get(m["manager"], 0) for m in managers}
    body = {"centres": centres, "academic_year": 1404, "reason": "هفته اول"}
    denied = api.client.put("/api/v1/agency/profile", json=body, headers=api.auth("operator"))
    assert denied.status_code == 403
    bad = api.client.put("/api/v1/agency/profile", json={**body, "centres": {"x": 7}},
                         headers=api.auth("admin"))
    assert bad.status_code == 422
    saved = api.client.put("/api/v1/agency/profile", json=body, headers=api.auth("admin"))
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["changed_by"]) == (1, "admin")

    done = _run(api, files)
    assert done["state"] == "succeeded", done
    assert done["result"]["qa_status"] == "PASSED_QA"
    again = api.client.get("/api/v1/agency/managers", params={"file_id": files["inspactor"]},
                           headers=api.auth("viewer")).json()["managers"]
    assert {m["resolved_by"] for m in again} == {"map"}
    versions = api.client.get("/api/v1/agency/profile/versions", headers=api.auth("viewer"))
    assert [v["version"] for v in versions.json()] == [1]
    assert load_policy(real_agency.policy).center_manager_map == centres   # what setup writes
