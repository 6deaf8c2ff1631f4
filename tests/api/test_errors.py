"""One error format (problem+json with a correlation id), upload limits, idempotency replay
and conflict, a failing job's errors, and the metric names at /metrics."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from tests.api.test_flow import upload_all


def bad_workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    sheet = wb.add_worksheet("Sheet1")
    sheet.write_row(0, 0, ["foo", "bar"])
    sheet.write_row(1, 0, [1, 2])
    wb.close()
    return path


def test_bad_workbook_is_422_naming_file_sheet_column(api, tmp_path: Path) -> None:
    path = bad_workbook(tmp_path / "InspactorReport_bad.xlsx")
    response = api.upload("mentors", path, "inspactor", headers={"X-Correlation-ID": "corr-1"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["X-Correlation-ID"] == "corr-1"
    body = response.json()
    assert body["status"] == 422 and body["correlation_id"] == "corr-1"
    first = body["errors"][0]
    assert first["code"] == "INPUT_MISSING_COLUMN"
    assert (first["file"], first["sheet"], first["column"]) == (
        "InspactorReport_bad.xlsx", "Sheet1", "کد کارمندی پشتیبان")
    assert first["message_fa"] and first["message_en"]
    assert str(api.settings.data_dir) not in response.text


def test_upload_limits_and_validation(api, tmp_path: Path, small_agency) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with text.open("rb") as fh:
        wrong_type = api.client.post("/api/v1/students/import", files={"file": (
            "notes.txt", fh, "text/plain")}, headers=api.auth("operator"))
    assert wrong_type.status_code == 415
    api.client.app.state.settings = type(api.settings)(**{**api.settings.__dict__,
                                                          "max_upload_bytes": 100})
    too_big = api.upload("students", small_agency.students, "students")
    assert too_big.status_code == 413
    api.client.app.state.settings = type(api.settings)(**{**api.settings.__dict__,
                                                          "max_upload_rows": 10})
    too_many = api.upload("students", small_agency.students, "students")
    assert too_many.status_code == 413 and "rows" in too_many.json()["title"]
    api.client.app.state.settings = api.settings
    wrong_role = api.upload("students", small_agency.students, "inspactor")
    assert wrong_role.status_code == 422
    invalid = api.client.post("/api/v1/allocation/run", json={"inspactor": "x"},
                              headers=api.auth("operator"))
    assert invalid.status_code == 422 and invalid.json()["errors"]
    unknown_ids = api.client.post("/api/v1/allocation/run", json={
        "inspactor": "a", "schools": "b", "students": "c"}, headers=api.auth("operator"))
    assert unknown_ids.status_code == 422


def test_idempotency_replay_and_conflict(api, small_agency) -> None:
    files = upload_all(api, small_agency)
    key = {"Idempotency-Key": "run-1", **api.auth("operator")}
    first = api.client.post("/api/v1/allocation/run", json=files, headers=key)
    again = api.client.post("/api/v1/allocation/run", json=files, headers=key)
    assert first.status_code == 202 and again.status_code == 200
    assert first.json()["job_id"] == again.json()["job_id"]
    other = api.client.post("/api/v1/allocation/run", json={**files, "year": 1404}, headers=key)
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert api.wait(first.json()["job_id"])["state"] == "succeeded"

    upload_key = {"Idempotency-Key": "up-1"}
    one = api.upload("students", small_agency.students, "students", headers=upload_key)
    two = api.upload("students", small_agency.students, "students", headers=upload_key)
    assert one.json()["job_id"] == two.json()["job_id"] and two.status_code == 200
    clash = api.upload("students", small_agency.schools, "schools", headers=upload_key)
    assert clash.status_code == 409


def test_failed_job_reports_its_errors(api, small_agency, tmp_path: Path) -> None:
    files = upload_all(api, small_agency)
    (api.settings.uploads / files["schools"] / "upload.xlsx").write_bytes(b"PK broken")
    started = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    status = api.wait(started.json()["job_id"])
    assert status["state"] == "failed" and status["errors"][0]["code"]
    export = api.client.get("/api/v1/reports/export", params={"job_id": status["job_id"]},
                            headers=api.auth("operator"))
    assert export.status_code == 409
    metrics = api.client.get("/metrics").text
    assert 'allocation_failed_total{reason="' in metrics


def test_unknown_error_is_500_without_internals(api) -> None:
    def boom() -> None:
        raise RuntimeError("secret internals /var/lib/x")

    api.client.app.add_api_route("/boom", boom)
    response = api.client.get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.text and response.json()["correlation_id"]


def test_health_and_metrics_are_open(api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz").json()
    assert ready["database"] == "ok" and "redis" in ready
    api.client.get("/api/v1/mentors", headers=api.auth("viewer"))
    text = api.client.get("/metrics").text
    for name in ("allocation_duration_seconds", "allocation_success_total",
                 "allocation_failed_total", "mentor_capacity_utilization",
                 "http_request_duration_seconds_bucket", "db_query_duration_seconds"):
        assert name in text, name
    assert "/api/v1/mentors" in text
