"""`POST /api/v1/allocation/whatif`: the what-if on uploaded reports — labelled, computed by the
same handler as the CLI, refused on uploads of the wrong kind, and recording nothing."""

from __future__ import annotations

from tests.api.test_flow import upload_all


def test_whatif_on_uploads(api, small_agency) -> None:
    files = upload_all(api, small_agency)
    answer = api.client.post("/api/v1/allocation/whatif", json=files,
                             headers=api.auth("operator"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["what_if"] is True and body["competing"] > 0
    assert body["optimum_placed"] >= body["policy_placed"] > 0
    assert body["gain"] == body["optimum_placed"] - body["policy_placed"]
    assert api.client.app.state.jobs.recent("allocation") == []   # no run was started

    swapped = {**files, "schools": files["students"]}
    refused = api.client.post("/api/v1/allocation/whatif", json=swapped,
                              headers=api.auth("operator"))
    assert refused.status_code == 422
    assert [e["column"] for e in refused.json()["errors"]] == ["schools"]
    viewer = api.client.post("/api/v1/allocation/whatif", json=files,
                             headers=api.auth("viewer"))
    assert viewer.status_code == 403
