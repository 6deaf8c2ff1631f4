"""Crash recovery: a job left "running" by a process that died (its heartbeat, ``updated_at``,
stopped) is queued again at API start-up and by a worker, and completes; a job whose runner
still beats is not taken."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from smartalloc.adapters.db.auth_schema import Job
from smartalloc.adapters.db.jobs import JobStore
from smartalloc.entrypoints.api.runner import JobRunner
from smartalloc.entrypoints.cli import app as cli_app
from tests.api.conftest import make_api
from tests.api.test_flow import upload_all


def _running(jobs: JobStore, files: dict, beat_age: float) -> str:
    """A job a runner claimed, whose last heartbeat is ``beat_age`` seconds old."""
    job, _ = jobs.create("allocation", {"files": files, "year": None, "overrides": {}},
                         user="operator")
    assert jobs.claim(job.id)
    beat = (datetime.now(UTC) - timedelta(seconds=beat_age)).isoformat(timespec="microseconds")
    with jobs.engine.begin() as conn:
        conn.execute(update(Job).where(Job.c.id == job.id).values(updated_at=beat))
    return job.id


def test_stale_running_job_completes_after_restart(sqlite_url: str, tmp_path: Path,
                                                   small_agency,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTALLOC_JOB_STALE_SECONDS", "60")
    data = tmp_path / "data"
    first = make_api(sqlite_url, data)
    api = next(first)
    files = upload_all(api, small_agency)
    jobs = JobStore(api.client.app.state.engine)
    crashed = _running(jobs, files, beat_age=600)     # its process died 10 minutes ago
    alive = _running(jobs, files, beat_age=5)         # another process is running it now
    next(first, None)

    second = make_api(sqlite_url, data)
    api = next(second)
    done = api.wait(crashed)
    assert done["state"] == "succeeded", done
    assert done["result"]["qa_status"] == "PASSED_QA"
    fresh = api.client.app.state.jobs.get(alive)
    assert fresh.state == "running" and fresh.progress == 0.0   # not stolen
    next(second, None)


def test_requeue_is_conditional_and_heartbeat_keeps_a_job(sqlite_url: str, tmp_path: Path,
                                                         small_agency) -> None:
    apis = make_api(sqlite_url, tmp_path / "data")
    api = next(apis)
    files = upload_all(api, small_agency)
    jobs = api.client.app.state.jobs
    stale = _running(jobs, files, beat_age=300)
    beaten = _running(jobs, files, beat_age=300)
    assert jobs.heartbeat(beaten)                     # its runner is alive after all
    assert jobs.requeue_stale(120) == [stale]
    assert jobs.requeue_stale(120) == []              # a second sweeper finds nothing
    assert jobs.get(stale).state == "queued" and jobs.get(beaten).state == "running"
    assert not jobs.heartbeat(stale)                  # only running jobs beat
    next(apis, None)


def test_runner_beats_on_a_timer_while_running(sqlite_url: str, tmp_path: Path,
                                               small_agency, monkeypatch) -> None:
    import smartalloc.entrypoints.api.runner as runner_module

    apis = make_api(sqlite_url, tmp_path / "data")
    api = next(apis)
    files = upload_all(api, small_agency)
    state = api.client.app.state
    runner = JobRunner(state.settings, state.system, state.jobs, stale_after=0.2)
    job_id = _running(state.jobs, files, beat_age=600)
    with state.jobs.engine.begin() as conn:   # back to queued so this runner claims it
        conn.execute(update(Job).where(Job.c.id == job_id).values(state="queued"))
    beats: list[str] = []
    release = threading.Event()
    allocate = runner_module.run_in_job_process

    def slow(*args):   # a long stage that sends no progress
        release.wait(2)
        return allocate(*args)

    monkeypatch.setattr(runner_module, "run_in_job_process", slow)
    worker = threading.Thread(target=runner.execute, args=(job_id,))
    worker.start()
    for _ in range(20):
        release.wait(0.05)
        beats.append(state.jobs.get(job_id).updated_at)
    release.set()
    worker.join()
    runner.shutdown()
    assert len(set(beats)) >= 3, beats                # the timer beat while the stage ran
    assert state.jobs.requeue_stale(0.5) == []
    assert state.jobs.get(job_id).state == "succeeded"
    next(apis, None)


def test_worker_requeues_a_stale_job(pg_url: str, tmp_path: Path, small_agency,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("SMARTALLOC_DATA_DIR", str(data))
    monkeypatch.setenv("SMARTALLOC_JOB_STALE_SECONDS", "60")
    apis = make_api(pg_url, data, queue="postgres")
    api = next(apis)
    files = upload_all(api, small_agency)
    jobs = JobStore(api.client.app.state.engine)
    crashed = _running(jobs, files, beat_age=600)     # a worker died mid-run
    alive = _running(jobs, files, beat_age=5)
    next(apis, None)

    result = CliRunner().invoke(cli_app, ["worker", "--burst", "--database-url", pg_url])
    assert result.exit_code == 0, result.output
    job = jobs.get(crashed)
    assert job is not None and job.state == "succeeded", job
    assert jobs.get(alive).state == "running"
    jobs.engine.dispose()
