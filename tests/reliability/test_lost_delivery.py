"""The narrow crash windows of the PostgreSQL queue, made deterministic: a job whose delivery
died with a process is delivered again by the next worker and completes.

- a worker fetched the task (procrastinate: ``doing``) and died before claiming the job
  (still ``queued``): procrastinate never retries a task of a dead worker by itself;
- a job accepted (``queued``) with no task at all: the API died between inserting the job and
  deferring it, or a sweeper between re-queuing a stale job and deferring it.

A queued job whose task is pending, or that was queued only moments ago, is left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text, update
from typer.testing import CliRunner

from smartalloc.adapters.db.auth_schema import Job
from smartalloc.adapters.db.jobs import JobStore
from smartalloc.entrypoints.cli import app as cli_app
from tests.reliability.harness import enqueue, prepare_template, queue_rows, stage_uploads


def _age(engine, job: str, seconds: float) -> None:
    beat = (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="microseconds")
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.c.id == job).values(updated_at=beat))


def _fetched_by_a_dead_worker(engine, job: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing' "
                          "WHERE args->>'job_id' = :j"), {"j": job})


def test_a_delivery_lost_with_its_process_is_made_again(pg_url: str, tmp_path: Path,
                                                       small_agency,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("SMARTALLOC_DATA_DIR", str(data))
    monkeypatch.setenv("SMARTALLOC_JOB_STALE_SECONDS", "60")
    prepare_template(pg_url)
    [files] = stage_uploads(data / "uploads", small_agency, [small_agency.students])
    engine = create_engine(pg_url)
    jobs = JobStore(engine)

    fetched = enqueue(pg_url, engine, 1, files)      # fetched, then the worker died
    _fetched_by_a_dead_worker(engine, fetched)
    _age(engine, fetched, 600)
    never_deferred, _ = jobs.create("allocation", {"files": files, "year": None,
                                                   "overrides": {}}, user="operator")
    _age(engine, never_deferred.id, 600)             # the API died before deferring it
    just_fetched = enqueue(pg_url, engine, 2, files)  # a live worker is about to claim it
    _fetched_by_a_dead_worker(engine, just_fetched)

    result = CliRunner().invoke(cli_app, ["worker", "--burst", "--database-url", pg_url])
    assert result.exit_code == 0, result.output
    for job in (fetched, never_deferred.id):
        view = jobs.get(job)
        assert view is not None and view.state == "succeeded", (view, queue_rows(engine))
    assert jobs.get(just_fetched).state == "queued"   # not taken from its worker
    assert [r for r in queue_rows(engine) if r[2] == just_fetched] == [
        (r[0], "doing", just_fetched) for r in queue_rows(engine) if r[2] == just_fetched]
    assert len([r for r in queue_rows(engine) if r[2] == just_fetched]) == 1
    engine.dispose()
