"""Jobs outlive the API process: a job accepted (queued) but never started is picked up by the
next API process on the same database."""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.db.jobs import JobStore
from tests.api.conftest import make_api
from tests.api.test_flow import upload_all


def test_queued_job_runs_after_restart(sqlite_url: str, tmp_path: Path, small_agency) -> None:
    data = tmp_path / "data"
    first = make_api(sqlite_url, data)
    api = next(first)
    files = upload_all(api, small_agency)
    jobs = JobStore(api.client.app.state.engine)
    job, created = jobs.create("allocation", {"files": files, "year": None, "overrides": {}},
                               user="operator")   # accepted, never handed to a runner
    assert created and job.state == "queued"
    next(first, None)

    second = make_api(sqlite_url, data)
    api = next(second)
    assert api.wait(job.id)["state"] == "succeeded"
    next(second, None)
