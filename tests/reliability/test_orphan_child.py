"""A forked writer child dies with its parent — even when only the parent's PID is killed.

An OOM kill or ``kill -9 <pid>`` takes one process, not its process group (which is what
test_crash_resume kills). The child must then neither live on (holding the parent's database
sockets) nor run the parent's code (a false "internal error", a crash log, a job marked failed).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from smartalloc.adapters.db import migrate
from smartalloc.adapters.db.jobs import JobStore
from smartalloc.adapters.policy_file import load_policy
from smartalloc.synthetic import generate_agency
from tests.integration.conftest import PG_SERVER
from tests.reliability.harness import (
    Databases,
    Watch,
    Worker,
    enqueue,
    prepare_template,
    stage_uploads,
)

DEATH_LIMIT = 1.0   # seconds an orphan may take to die (it takes milliseconds)
WATCH = 6.0         # seconds the tree and the database are watched after the kill

PARENT = """
import os, sys, time
from smartalloc.adapters.parallel import Background
try:
    child = Background([("slow.xlsx", 1, lambda: time.sleep(float(sys.argv[2])))], fork=True)
    print(child.pid, flush=True)
    child.wait()
finally:   # the parent is killed inside wait(): only an escaped child can get here
    with open(sys.argv[1], "a") as marker:
        marker.write(f"{os.getpid()}\\n")
"""


# --- processes ------------------------------------------------------------------------------
def alive(pid: int) -> bool:
    """Running or sleeping; a zombie (dead, not yet reaped by its new parent) is not alive."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = re.search(r"^State:\s+(\S)", status, re.M)
    return state is not None and state.group(1) not in "ZX"


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    found, todo = set(), [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            with suppress(OSError):
                for child in map(int, (task / "children").read_text().split()):
                    if child not in found:
                        found.add(child)
                        todo.append(child)
    return found


def watch_death(pids: set[int], seconds: float) -> float | None:
    """Seconds until none of ``pids`` is alive; None if not in time."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if not any(alive(p) for p in pids):
            return time.monotonic() - start
        time.sleep(0.005)
    return None


def kill_session(proc: subprocess.Popen) -> None:
    """Clean-up of whatever the test left running (its own session only)."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(10)


# --- a bare Background ----------------------------------------------------------------------
def test_killing_only_the_parent_kills_its_child(tmp_path):
    """The parent SIGKILLed in ``wait()``: its child, 3 s into a job, dies at once and never
    runs the parent's code (here: the ``finally`` that writes a marker)."""
    marker = tmp_path / "marker"
    env = {**os.environ, "SMARTALLOC_WRITE_PROCESSES": "2"}
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(marker), "3"], env=env,
                              stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert alive(child)
        os.kill(parent.pid, signal.SIGKILL)            # the PID only, not the group
        parent.wait(10)
        died = watch_death({child}, 3 + WATCH)
        escaped = marker.read_text() if marker.exists() else ""
    finally:
        kill_session(parent)
    assert died is not None and died < DEATH_LIMIT, f"the child lived on for {died} s"
    assert escaped == "", f"process {escaped.strip()} ran the parent's code after the job"


# --- a real run on PostgreSQL: the CLI, and a queue worker --------------------------------
@pytest.fixture(scope="module")
def agency(tmp_path_factory):
    """Big enough that the run forks its writer for about 2 s (the matrix workbook: 2000
    mentors), small otherwise."""
    return generate_agency(tmp_path_factory.mktemp("orphan") / "agency", students=2000,
                           mentors=2000, seed=3, policy=load_policy(None))


def connections(database: str) -> int:
    admin = create_engine(f"{PG_SERVER}/postgres", poolclass=NullPool)
    with admin.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d"),
                            {"d": database}).scalar_one()


def kill_main_pid(proc: subprocess.Popen, database: str, timeout: float = 120,
                  depth: int = 1) -> dict:
    """Wait for ``proc`` to have ``depth`` descendants (1: a CLI's writer; 3: a worker's
    forkserver, job process and writer), SIGKILL ``proc`` alone, and measure from that moment
    how long its orphans and its database connections take to go."""
    deadline = time.monotonic() + timeout
    while len(children := descendants(proc.pid)) < depth:
        assert proc.poll() is None, "the run ended without forking a writer"
        assert time.monotonic() < deadline, "the run never forked a writer"
        time.sleep(0.002)
    before = connections(database)
    killed = time.monotonic()
    os.kill(proc.pid, signal.SIGKILL)                  # the PID only, not the group
    proc.wait(10)
    died = closed = None
    each: dict[int, float] = {}
    while time.monotonic() - killed < WATCH and (died is None or closed is None):
        for p in children:
            if p not in each and not alive(p):
                each[p] = round(time.monotonic() - killed, 3)
        if died is None and len(each) == len(children):
            died = time.monotonic() - killed
        if closed is None and connections(database) == 0:
            closed = time.monotonic() - killed
        time.sleep(0.005)
    survivors = sorted(p for p in children | descendants(proc.pid) if alive(p))
    facts = {"children": sorted(children), "died_after_s": each,
             "connections_before": before,
             "connections_after": connections(database), "orphans_died_s": died,
             "connections_closed_s": closed, "survivors": survivors}
    print(facts)
    return facts


def assert_clean(facts: dict) -> None:
    died = facts["orphans_died_s"]
    assert died is not None and died < DEATH_LIMIT, f"orphans lived on: {facts}"
    assert facts["connections_after"] == 0, f"connections left: {facts}"


def test_killing_the_cli_leaves_no_process_connection_or_false_crash(agency, pg_url, tmp_path):
    """`smartalloc run` killed while its child writes the matrix: no orphan, no connection (the
    run lock's among them), and no message or crash log from a child unwinding the CLI."""
    migrate.upgrade(pg_url)
    state, log = tmp_path / "state", tmp_path / "cli.log"
    env = {**os.environ, "SMARTALLOC_WRITE_PROCESSES": "2", "XDG_STATE_HOME": str(state)}
    env.pop("DATABASE_URL", None)
    with log.open("wb") as out:
        cli = subprocess.Popen(
            [sys.executable, "-m", "smartalloc.entrypoints.cli", "run", "--agency",
             str(agency.out_dir), "--out", str(tmp_path / "out"), "--database-url", pg_url],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        facts = kill_main_pid(cli, make_url(pg_url).database or "")
    finally:
        kill_session(cli)
    assert_clean(facts)
    output = log.read_text(errors="replace")
    assert "internal error" not in output, output[-2000:]
    assert not list(state.rglob("crash.log")), output[-2000:]


def test_killing_a_worker_leaves_no_process_connection_or_failed_job(agency, tmp_path,
                                                                   monkeypatch):
    """The worker runs the job in a process of its own (forked by its forkserver), which
    forks the writer; killing the worker ends all three at once, and the job it was running
    stays `running`, for a stale sweep to requeue — an orphan must not mark it failed."""
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")
    monkeypatch.setenv("SMARTALLOC_POLICY", str(agency.policy))   # the agency's centres
    dbs = Databases()
    try:
        url = dbs.url(dbs.create())
        prepare_template(url)
        uploads, data = tmp_path / "data" / "uploads", tmp_path / "data"
        files = stage_uploads(uploads, agency, [agency.students])[0]
        engine = create_engine(url, poolclass=NullPool)
        job = enqueue(url, engine, 1, files)
        worker = Worker(url, data, tmp_path / "logs", stale=3600)
        try:
            Watch(engine).until(job, ("running", "succeeded", "failed"), 60, worker.tail())
            facts = kill_main_pid(worker.proc, make_url(url).database or "", depth=3)
            time.sleep(0.5)       # an escaped child would be marking the job failed by now
            view = JobStore(engine).get(job)
            facts["job"] = view and (view.state, view.error)
        finally:
            worker.kill()
        assert_clean(facts)
        assert view is not None and view.state == "running", (facts, worker.tail())
    finally:
        dbs.drop_all()
