"""The service never forks itself: a job's run happens in a process of its own, forked from a
single-threaded forkserver (``job_process``); that process dies with the service, and its
death fails the job loudly instead of hanging it."""

from __future__ import annotations

import multiprocessing.forkserver
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from smartalloc.entrypoints.api.runner import JobRunner
from tests.api.conftest import make_api
from tests.api.test_flow import upload_all


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(c) for c in text.split()]


def _gone(pid: int) -> bool:
    """Exited (a zombie nobody reaps in a container counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def _wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_the_run_happens_outside_the_service_process(sqlite_url, tmp_path, small_agency,
                                                     monkeypatch):
    import smartalloc.bootstrap

    def not_here(*args, **kwargs):
        raise AssertionError("a run in the service's own (multi-threaded) process")

    monkeypatch.setattr(smartalloc.bootstrap, "run_allocation", not_here)
    apis = make_api(sqlite_url, tmp_path / "data")
    api = next(apis)
    files = upload_all(api, small_agency)
    started = api.client.post("/api/v1/allocation/run", json=files, headers=api.auth("operator"))
    assert started.status_code == 202, started.text
    job = api.wait(started.json()["job_id"])
    assert job["state"] == "succeeded", job
    assert job["result"]["counts"]["allocated"] > 0
    next(apis, None)


def test_a_killed_job_process_fails_its_job_loudly(sqlite_url, tmp_path, small_agency, capfd):
    apis = make_api(sqlite_url, tmp_path / "data")
    api = next(apis)
    files = upload_all(api, small_agency)
    state = api.client.app.state
    blocked = tmp_path / "policy.fifo"
    os.mkfifo(blocked)            # the job process waits here until killed: no race
    runner = JobRunner(replace(state.settings, policy_path=blocked), state.system, state.jobs)
    job, _ = state.jobs.create("allocation", {"files": files, "year": None, "overrides": {}},
                               user="operator")
    worker = threading.Thread(target=runner.execute, args=(job.id,))
    worker.start()
    server = _wait_for(lambda: multiprocessing.forkserver._forkserver._forkserver_pid)
    victim = _wait_for(lambda: _children(server) and _children(server)[0])
    os.kill(victim, signal.SIGKILL)
    worker.join(30)
    runner.shutdown()
    failed = state.jobs.get(job.id)
    assert failed.state == "failed" and failed.error["status"] == 500
    assert failed.error["errors"][0]["code"] == "INTERNAL_ERROR"
    assert "killed by SIGKILL" in capfd.readouterr().out   # the log says what happened
    next(apis, None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_job_process_dies_with_the_service(tmp_path):
    """SIGKILL to the service's main PID alone: its job process must not live on (holding
    database connections and committing a run nobody watches)."""
    blocked = tmp_path / "policy.fifo"
    os.mkfifo(blocked)
    service = textwrap.dedent(f"""
        import multiprocessing.forkserver, threading, time
        from pathlib import Path
        from smartalloc.entrypoints.api.job_process import run_in_job_process
        from smartalloc.entrypoints.api.settings import Settings
        settings = Settings(database_url="sqlite:///{tmp_path}/h.sqlite",
                            data_dir=Path("{tmp_path}"), jwt_secret="s" * 32,
                            policy_path=Path("{blocked}"))
        threading.Thread(target=run_in_job_process, daemon=True,
                         args=(settings, "job-1", {{"files": {{"inspactor": "a",
                                                               "schools": "b"}}}}, b"k")).start()
        while not multiprocessing.forkserver._forkserver._forkserver_pid:
            time.sleep(0.01)
        print(multiprocessing.forkserver._forkserver._forkserver_pid, flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", service], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        server = int(proc.stdout.readline())
        job = _wait_for(lambda: _children(server) and _children(server)[0])
        os.kill(proc.pid, signal.SIGKILL)            # the main PID, not the group
        proc.wait(10)
        _wait_for(lambda: _gone(job))
        _wait_for(lambda: _gone(server))
    finally:
        proc.kill()
