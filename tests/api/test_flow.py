"""The whole flow through HTTP on SQLite and PostgreSQL: upload → run → status → export, and
the exported ImportToSabt equals the CLI's on the same inputs; then explain and history."""

from __future__ import annotations

import re
from pathlib import Path

from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from smartalloc.adapters.readers import read_students
from smartalloc.entrypoints.api.observability import hash_id
from smartalloc.entrypoints.cli import app as cli_app

UPLOADS = (("mentors", "inspactor"), ("students", "schools"), ("students", "students"),
           ("mentors", "managers"), ("students", "crosswalk"), ("students", "roster"))


def sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def upload_all(api, agency) -> dict[str, str]:
    files = {}
    for endpoint, role in UPLOADS:
        response = api.upload(endpoint, getattr(agency, role), role)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["state"] == "succeeded" and body["result"]["role"] == role
        files[role] = body["result"]["file_id"]
    return files


def test_upload_run_status_export_equals_cli(any_api, small_agency, policy, tmp_path: Path,
                                             capfd) -> None:
    api = any_api
    files = upload_all(api, small_agency)
    started = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    assert started.status_code == 202, started.text
    status = api.wait(started.json()["job_id"])
    assert status["state"] == "succeeded", status
    assert status["progress_percent"] == 100 and status["counts"]["students"] > 0
    assert status["result"]["qa_status"] == "PASSED_QA"

    job_id = status["job_id"]
    exported = api.client.get("/api/v1/reports/export", params={"job_id": job_id},
                              headers=api.auth("operator"))
    assert exported.status_code == 200 and exported.content.startswith(b"PK")
    run_id, day = status["result"]["run_id"], status["result"]["allocated_at"]
    assert exported.headers["content-disposition"] == (
        f'attachment; filename="import_to_sabt-{day}-{run_id}.xlsx"')     # issue J
    assert re.fullmatch(r"14\d\d-\d\d-\d\d", day)
    got = tmp_path / "api_sabt.xlsx"
    got.write_bytes(exported.content)

    cli_out = tmp_path / "cli-out"
    result = CliRunner().invoke(cli_app, [
        "run", "--agency", str(small_agency.out_dir), "--out", str(cli_out),
        "--policy", str(api.settings.policy_path),     # the service's policy
        "--database-url", f"sqlite:///{tmp_path / 'cli.sqlite'}"])
    assert result.exit_code == 0, result.output
    assert sheet(got, "Sheet2") == sheet(cli_out / "import_to_sabt.xlsx", "Sheet2")

    for kind in ("allocation", "qa", "matrix"):
        response = api.client.get("/api/v1/reports/export",
                                  params={"job_id": job_id, "kind": kind},
                                  headers=api.auth("operator"))
        assert response.status_code == 200 and response.content.startswith(b"PK"), kind

    nid = read_students(small_agency.students, policy).records[0].national_id
    explained = api.client.get(f"/api/v1/students/{nid}/explain", params={"job_id": job_id},
                               headers=api.auth("operator"))
    assert explained.status_code == 200, explained.text
    assert len(explained.json()["stages"]) == 8
    latest = api.client.get(f"/api/v1/students/{nid}/explain", headers=api.auth("operator"))
    assert latest.json()["decision"] == explained.json()["decision"]
    history = api.client.get("/api/v1/history", params={"national_id": nid},
                             headers=api.auth("operator"))
    assert history.status_code == 200
    [held] = history.json()         # the record as the API has always named its fields
    assert set(held) == {"national_id", "mentor_id", "code", "keys", "channel",
                         "allocated_at", "run_id", "policy_stamp"}
    assert held["national_id"] == nid and len(held["keys"]) == 6
    logged = capfd.readouterr().out
    assert hash_id(nid) in logged and nid not in logged   # hashed, never raw
