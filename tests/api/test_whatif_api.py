"""What-if jobs through the API: `POST /api/v1/allocation/whatif` starts a job (never ~10 s on a
request thread), `GET /api/v1/allocation/whatif/{id}` reads its report — labelled, the same
bytes the handler gives, kept readable by this account only, and recording nothing."""

from __future__ import annotations

import json
import stat

from smartalloc.domain.whatif import report_json
from smartalloc.entrypoints.api import observability as obs
from smartalloc.entrypoints.api.settings import input_paths
from tests.api.test_flow import upload_all


def test_whatif_job_on_uploads(api, small_agency) -> None:
    files = upload_all(api, small_agency)
    state = api.client.app.state
    succeeded = obs.ALLOCATION_SUCCESS._value.get()
    started = api.client.post("/api/v1/allocation/whatif", json=files,
                              headers={**api.auth("operator"), "Idempotency-Key": "w1"})
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert started.headers["Location"] == f"/api/v1/allocation/whatif/{job_id}"
    assert started.json()["kind"] == "whatif"
    again = api.client.post("/api/v1/allocation/whatif", json=files,
                            headers={**api.auth("operator"), "Idempotency-Key": "w1"})
    assert again.status_code == 200 and again.json()["job_id"] == job_id

    status = api.wait(job_id)
    assert status["state"] == "succeeded", status
    summary = status["result"]
    assert summary["what_if"] is True and summary["competing"] > 0
    assert summary["gain"] == summary["optimum_placed"] - summary["policy_placed"] >= 0

    answer = api.client.get(f"/api/v1/allocation/whatif/{job_id}", headers=api.auth("viewer"))
    assert answer.status_code == 200, answer.text
    direct = report_json(state.system.what_if(input_paths(state.settings, files), state.policy))
    assert answer.json() == json.loads(direct)
    kept = state.settings.runs / job_id / "whatif.json"
    assert kept.read_text("utf-8") == direct
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    assert state.jobs.recent("allocation") == []            # no run was started
    assert state.system.history.load() == []                 # nothing recorded
    assert obs.ALLOCATION_SUCCESS._value.get() == succeeded  # not counted as an allocation


def test_whatif_refusals(api, small_agency) -> None:
    files = upload_all(api, small_agency)
    swapped = {**files, "schools": files["students"]}
    refused = api.client.post("/api/v1/allocation/whatif", json=swapped,
                              headers=api.auth("operator"))
    assert refused.status_code == 422
    assert [e["column"] for e in refused.json()["errors"]] == ["schools"]
    viewer = api.client.post("/api/v1/allocation/whatif", json=files,
                             headers=api.auth("viewer"))
    assert viewer.status_code == 403
    # an upload's id is not a what-if job's
    missing = api.client.get(f"/api/v1/allocation/whatif/{files['students']}",
                             headers=api.auth("viewer"))
    assert missing.status_code == 404
