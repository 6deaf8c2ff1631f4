"""Crash-resume on the multi-machine path: real `smartalloc worker` processes on PostgreSQL are
killed with SIGKILL at random (seeded, recorded) points of allocation jobs, 20 times; after a
restart every job completes, and the system of record (allocation history, runs, counters,
student/mentor snapshot, outbox events, job rows) and every published workbook equal those of
an uninterrupted run of the same jobs — no assignment, code or event lost, doubled or
half-written.

Ten weekly jobs run one after another (the student report grows by 30 students a week, to 300;
each job builds on the history the previous ones committed). Each job is killed twice:

1. in the process running it, at a uniform point of its uninterrupted duration after the
   claim: reading, matrix, allocation, reports, the workbook + history transaction,
   publication, the "succeeded" update — or just after it finished;
2. in the process started to recover it, at a uniform point between its start and the moment
   an uninterrupted process would have finished the job: start-up, the stale sweep (running →
   queued), delivery, the claim, the re-run — a second crash of the same job;

then a third process must finish it, and becomes the process the next job's first kill hits.
Heartbeats go stale after ``STALE`` seconds, so a restarted worker re-queues a killed job.
``SMARTALLOC_CRASH_SEED`` replays another schedule; the schedule and what each kill hit are
printed (``pytest -s``) and kept in ``crash_report.json`` in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from smartalloc.adapters.policy_file import load_policy
from smartalloc.synthetic import generate_agency
from tests.reliability.harness import (
    Databases,
    Watch,
    Worker,
    committed,
    dump_database,
    dump_outputs,
    enqueue,
    first_difference,
    job_id,
    prepare_template,
    queue_rows,
    stage_uploads,
    write_student_subsets,
)

SEED = int(os.environ.get("SMARTALLOC_CRASH_SEED", "20250607"))
JOBS = 10
STUDENTS = 1000
STALE = 1.0          # seconds without a heartbeat before a running job counts as dead
FINISH_TIMEOUT = 60  # a restarted worker must finish the job within this


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """A template database (schema, queue tables), the agency and ten weekly job file sets."""
    root = tmp_path_factory.mktemp("crash")
    agency = generate_agency(root / "agency", students=STUDENTS, mentors=40, seed=11,
                             policy=load_policy(None))
    sizes = [STUDENTS * (k + 1) // JOBS for k in range(JOBS)]
    students = write_student_subsets(agency.students, root / "students", sizes)
    uploads = root / "uploads"
    files = stage_uploads(uploads, agency, students)
    dbs = Databases()
    try:
        template = dbs.create("template")
        prepare_template(dbs.url(template))
        yield dbs, template, uploads, files, root
    finally:
        dbs.drop_all()


def _data_dir(root: Path, name: str, uploads: Path) -> Path:
    data = root / name
    data.mkdir()
    (data / "uploads").symlink_to(uploads, target_is_directory=True)
    return data


def _uninterrupted(dbs: Databases, template: str, uploads: Path, files: list, root: Path):
    """One worker, the ten jobs in turn; per-job timings for the kill schedule."""
    url = dbs.url(dbs.create("uninterrupted", template))
    data = _data_dir(root, "uninterrupted", uploads)
    engine = create_engine(url)
    watch = Watch(engine)
    timings, run_ids = [], []
    enqueue(url, engine, 0, files[0])
    worker = Worker(url, data, root / "logs", STALE)
    try:
        for k in range(JOBS):
            if k:
                enqueue(url, engine, k, files[k])
            t0 = time.monotonic()
            running = watch.until(job_id(k), ("running", "succeeded", "failed"), 60,
                                  worker.tail())
            claimed = time.monotonic()
            done = watch.until(running.id, ("succeeded", "failed"), 60, worker.tail())
            assert done.state == "succeeded", (done.error, worker.tail())
            timings.append({"start_to_claim" if k == 0 else "defer_to_claim":
                            round(claimed - (worker.started if k == 0 else t0), 3),
                            "claim_to_done": round(time.monotonic() - claimed, 3)})
            run_ids.append(done.result["run_id"])
    finally:
        worker.stop()
    state, (outputs, hidden) = dump_database(engine, data), dump_outputs(data / "runs")
    engine.dispose()
    assert not hidden, hidden
    return state, outputs, timings, run_ids


def _describe(engine, watch: Watch, job: str, run_id: str, victim: Worker) -> str:
    """What a kill hit, read from the database after the process died."""
    view = watch.jobs.get(job)
    assert view is not None
    if view.state == "succeeded":
        return "after-success"
    beat = time.monotonic() - victim.started
    ran_here = view.state == "running" and _beat_after(view.updated_at, beat)
    where = f"running:{view.stage or 'claimed'}" if ran_here else f"before-claim:{view.state}"
    return where + (":history-committed" if committed(engine, run_id) else "")


def _beat_after(updated_at: str, age: float) -> bool:
    """Did the job row change after the victim started (``age`` seconds ago)?"""
    from datetime import UTC, datetime, timedelta

    started = datetime.now(UTC) - timedelta(seconds=age)
    return datetime.fromisoformat(updated_at) >= started


def test_twenty_sigkills_change_nothing(setting) -> None:
    dbs, template, uploads, files, root = setting
    t_begin = time.monotonic()
    expected_db, expected_files, timings, run_ids = _uninterrupted(dbs, template, uploads, files,
                                                                   root)
    t_baseline = time.monotonic() - t_begin
    start_up = timings[0]["start_to_claim"]

    rng = random.Random(SEED)
    url = dbs.url(dbs.create("crashed", template))
    data = _data_dir(root, "crashed", uploads)
    engine = create_engine(url)
    watch = Watch(engine)
    kills: list[dict] = []
    workers: list[Worker] = []

    def start() -> Worker:
        workers.append(Worker(url, data, root / "logs", STALE))
        return workers[-1]

    def kill(victim: Worker, k: int, job: str, n: int, delay: float) -> None:
        victim.kill()
        kills.append({"job": k, "kill": n, "delay_s": round(delay, 3),
                      "hit": _describe(engine, watch, job, run_ids[k], victim)})

    try:
        victim: Worker | None = None
        for k in range(JOBS):
            job = enqueue(url, engine, k, files[k])
            if victim is None:
                victim = start()
            # 1: the process running the job, somewhere in its uninterrupted duration
            watch.until(job, ("running", "succeeded", "failed"), 60, victim.tail())
            delay = rng.uniform(0, timings[k]["claim_to_done"])
            time.sleep(delay)
            kill(victim, k, job, 1, delay)
            # 2: the process restarted to recover it, from its start-up to its finish
            recovering = start()
            delay = rng.uniform(0, start_up + timings[k]["claim_to_done"])
            time.sleep(max(0.0, delay - (time.monotonic() - recovering.started)))
            kill(recovering, k, job, 2, delay)
            # a third process must finish it
            victim = start()
            done = watch.until(job, ("succeeded", "failed"), FINISH_TIMEOUT,
                               f"kills {kills[-2:]}; queue {queue_rows(engine)}; "
                               f"log {victim.tail()}")
            assert done.state == "succeeded", (done.error, victim.tail())
        victim.stop()
    finally:
        for w in workers:
            w.kill()
    t_total = time.monotonic() - t_begin

    got_db = dump_database(engine, data)
    got_files, hidden = dump_outputs(data / "runs")
    engine.dispose()
    report = {"seed": SEED, "kills": kills, "uninterrupted_timings": timings,
              "uninterrupted_s": round(t_baseline, 1), "total_s": round(t_total, 1),
              "worker_processes": len(workers) + 1,
              "kills_hitting_a_running_job": sum(k["hit"].startswith("running") for k in kills),
              "hidden_leftovers": hidden}
    (root / "crash_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps(report, ensure_ascii=False))

    assert len(kills) == 2 * JOBS == 20
    assert got_db == expected_db, first_difference(expected_db, got_db)
    # each killed job was finished in its own folder, so its recovery removed what the kill left
    assert not hidden, hidden
    assert got_files.keys() == expected_files.keys(), (sorted(expected_files), sorted(got_files))
    assert got_files == expected_files, first_difference(expected_files, got_files)
