"""Exports after review over the API (issue K): an operator makes a version of a real run's
ImportToSabt after a release, lists the versions and downloads the three workbooks (the
changes-only one holds exactly the released student); a viewer may not make or read them, a
version with nothing new is a 409, an unknown version or kind a 404."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from tests.api.test_review_api import post, run  # noqa: F401


def _sheet(content: bytes, name: str) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(name) \
        .to_python()[1:]


def test_make_list_and_download_a_version(api, run) -> None:  # noqa: F811
    job_id, allocated = run
    nid = allocated[0].national_id
    assert post(api, "release", {"national_id": nid, "reason": "انصراف"}).status_code == 200

    viewer = api.client.post("/api/v1/review/exports", json={"job_id": job_id},
                             headers=api.auth("viewer"))
    assert viewer.status_code == 403
    made = api.client.post("/api/v1/review/exports", json={"job_id": job_id},
                           headers=api.auth("operator"))
    assert made.status_code == 201, made.text
    version = made.json()
    assert (version["version"], version["changed"], version["qa_status"]) == (2, 1, "PASSED_QA")
    assert version["rows"] == len(allocated) - 1 and "folder" not in version

    again = api.client.post("/api/v1/review/exports", json={"job_id": job_id},
                            headers=api.auth("operator"))
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "REVIEW_EXPORT_NOTHING_NEW"

    listed = api.client.get("/api/v1/review/exports", params={"job_id": job_id},
                            headers=api.auth("operator"))
    assert [v["version"] for v in listed.json()] == [2]
    assert api.client.get("/api/v1/review/exports", params={"job_id": job_id},
                          headers=api.auth("viewer")).status_code == 403

    base = f"/api/v1/review/exports/{job_id}/2"
    full = api.client.get(f"{base}/full", headers=api.auth("operator"))
    assert full.status_code == 200 and "-v2.xlsx" in full.headers["content-disposition"]
    rows = _sheet(full.content, "Sheet2")
    assert len(rows) == len(allocated) - 1 and nid not in {r[6] for r in rows}
    changes = api.client.get(f"{base}/changes", headers=api.auth("operator")).content
    assert _sheet(changes, "Sheet2") == []
    assert [r[0] for r in _sheet(changes, "آزادشده‌ها | Released")] == [nid]
    assert api.client.get(f"{base}/qa", headers=api.auth("operator")).status_code == 200
    assert api.client.get(f"/api/v1/review/exports/{job_id}/3/full",
                          headers=api.auth("operator")).status_code == 404
    assert api.client.get(f"{base}/matrix", headers=api.auth("operator")).status_code == 422
