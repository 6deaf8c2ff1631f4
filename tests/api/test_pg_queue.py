"""On PostgreSQL the API only enqueues (procrastinate); `smartalloc worker` runs the job —
after the API that accepted it is gone — and a job delivered twice runs once."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartalloc.adapters.db.jobs import JobStore
from smartalloc.entrypoints.cli import app as cli_app
from tests.api.conftest import make_api
from tests.api.test_flow import upload_all


def test_worker_runs_jobs_the_api_queued(pg_url: str, tmp_path: Path, small_agency,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("SMARTALLOC_DATA_DIR", str(data))
    apis = make_api(pg_url, data, queue="postgres")
    api = next(apis)
    files = upload_all(api, small_agency)
    started = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert api.client.get(f"/api/v1/allocation/status/{job_id}",
                          headers=api.auth("viewer")).json()["state"] == "queued"
    api.client.app.state.runner.submit(job_id)      # a duplicate delivery
    jobs = JobStore(api.client.app.state.engine)
    next(apis, None)                                # the API process goes away

    result = CliRunner().invoke(cli_app, ["worker", "--burst", "--database-url", pg_url])
    assert result.exit_code == 0, result.output
    job = jobs.get(job_id)
    assert job is not None and job.state == "succeeded", job
    assert job.result["qa_status"] == "PASSED_QA"
    assert (data / "runs" / job_id / "import_to_sabt.xlsx").is_file()
    jobs.engine.dispose()


def test_worker_refuses_sqlite(sqlite_url: str) -> None:
    result = CliRunner().invoke(cli_app, ["worker", "--burst", "--database-url", sqlite_url])
    assert result.exit_code != 0
