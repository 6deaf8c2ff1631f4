"""Helpers of the crash-resume tests: PostgreSQL databases cloned from a prepared template,
real `smartalloc worker` processes (each in its own process group, killed with SIGKILL), and a
comparable dump of the system of record and of the published workbooks."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, create_engine, select, text

from smartalloc.adapters.db import migrate
from smartalloc.adapters.db.jobs import JobStore
from smartalloc.adapters.db.metadata import metadata
from smartalloc.adapters.db.schema import Run
from smartalloc.adapters.db.scratch import ScratchDatabases
from smartalloc.adapters.xlsx_stream import write_xlsx
from smartalloc.entrypoints.api.queue import PgQueue, ensure_queue_schema
from smartalloc.service_layer.run_allocation import recovery_notes
from tests.integration.conftest import PG_SERVER
from tests.reliability.publish_kills import leftovers

ROLES = ("inspactor", "schools", "students", "managers", "crosswalk", "roster")
TASK = "smartalloc.run_job"


# --- databases ------------------------------------------------------------------------------
class Databases(ScratchDatabases):
    """Throw-away databases on the local server; every one made here is dropped at the end."""

    def __init__(self) -> None:
        super().__init__("smartalloc_test", PG_SERVER)


def prepare_template(url: str) -> None:
    """Schema at head and procrastinate's tables: what `smartalloc db upgrade` + a first worker
    leave behind."""
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        ensure_queue_schema(engine, url)
    finally:
        engine.dispose()


# --- inputs ---------------------------------------------------------------------------------
def write_student_subsets(students: Path, out: Path, sizes: list[int]) -> list[Path]:
    """Weekly student reports: the first ``n`` rows of the report's `Sabt (5)` sheet for each
    ``n`` of ``sizes`` (every other sheet kept), as separate workbooks."""
    wb = CalamineWorkbook.from_path(str(students))
    sheets = {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}
    paths = []
    for n in sizes:
        path = out / f"students-{n}.xlsx"
        write_xlsx(path, [(name, rows[0], rows[1:n + 1] if name == "Sabt (5)" else rows[1:])
                          for name, rows in sheets.items()])
        paths.append(path)
    return paths


def stage_uploads(uploads: Path, agency, students: list[Path]) -> list[dict[str, str]]:
    """Files as the import endpoint stores them (``uploads/<file id>/upload.xlsx``); one set of
    job files per students workbook (the other five inputs shared)."""
    shared = {}
    for role in ROLES:
        if role != "students":
            shared[role] = f"fixed-{role}"
            (uploads / shared[role]).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(getattr(agency, role), uploads / shared[role] / "upload.xlsx")
    sets = []
    for i, path in enumerate(students):
        fid = f"students-{i:02d}"
        (uploads / fid).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, uploads / fid / "upload.xlsx")
        sets.append({**shared, "students": fid})
    return sets


def job_id(k: int) -> str:
    return f"00000000-0000-4000-8000-{k:012d}"


def enqueue(url: str, engine: Engine, k: int, files: dict[str, str]) -> str:
    """What POST /allocation/run does on PostgreSQL: a queued job row, then a deferred task."""
    job, created = JobStore(engine).create(
        "allocation", {"files": files, "year": None, "overrides": {}}, user="operator",
        job_id=job_id(k))
    assert created
    queue = PgQueue(engine, url)
    try:
        queue.defer(job.id)
    finally:
        queue.close()
    return job.id


# --- workers --------------------------------------------------------------------------------
class Worker:
    """`smartalloc worker` in a process group of its own (its forked writer children too, so
    a survivor can be found)."""

    def __init__(self, url: str, data_dir: Path, logs: Path, stale: float):
        logs.mkdir(parents=True, exist_ok=True)
        self.log = logs / f"worker-{time.monotonic_ns()}.log"
        env = {**os.environ, "SMARTALLOC_DATA_DIR": str(data_dir),
               "SMARTALLOC_JOB_STALE_SECONDS": str(stale)}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "smartalloc.entrypoints.cli", "worker",
                 "--database-url", url], env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.started = time.monotonic()

    def kill(self) -> None:
        """SIGKILL to the main process only, as an OOM kill or ``kill -9 <pid>`` does: its
        forked writer children must die with it (issue H), or this fails."""
        with suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        raise AssertionError("a child of the killed worker outlived it by 5 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:]


@dataclass
class Watch:
    """Polls one job's row (every ``every`` seconds)."""

    engine: Engine
    every: float = 0.002
    jobs: JobStore = field(init=False)

    def __post_init__(self) -> None:
        self.jobs = JobStore(self.engine)

    def until(self, job: str, states: tuple[str, ...], timeout: float, why: str = ""):
        deadline = time.monotonic() + timeout
        while True:
            view = self.jobs.get(job)
            if view is not None and view.state in states:
                return view
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job} not in {states} after {timeout} s "
                                     f"(now {view and (view.state, view.stage)}); {why}")
            time.sleep(self.every)


def committed(engine: Engine, run_id: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(Run.c.run_id).where(Run.c.run_id == run_id)).first() is not None


def queue_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT id, status, args->>'job_id' FROM procrastinate_jobs ORDER BY id"))]


# --- comparable state -----------------------------------------------------------------------
VOLATILE = {   # columns that hold a wall-clock time or a surrogate key, per table
    "اجراها": {"زمان_شروع"},
    "کارها": {"زمان_ایجاد", "زمان_به_روزرسانی"},
    "صندوق_خروجی": {"شناسه", "زمان_رخداد"},
}


def _normal(table: str, row: dict, data_dir: Path) -> dict:
    row = {k: v for k, v in row.items() if k not in VOLATILE.get(table, ())}
    if table == "اجراها":
        # the run's own folder: a fresh name per attempt (its process id and a random part)
        row["پوشه_خروجی"] = re.sub(r"/\.smartalloc/runs/[^/]+$", "/.smartalloc/runs/<run>",
                                   row["پوشه_خروجی"].replace(str(data_dir), "<data>"))
    if table == "کارها" and isinstance(row.get("نتیجه"), dict):
        row["نتیجه"] = {k: v for k, v in row["نتیجه"].items() if k != "timings"}
        # a recovered job says what its recovery did; nothing else may differ
        recovery = set(recovery_notes(["rolled_forward", "rolled_back"]))
        if "warnings" in row["نتیجه"]:
            row["نتیجه"]["warnings"] = [w for w in row["نتیجه"]["warnings"] if w not in recovery]
        if "warning_words" in row["نتیجه"]:   # the same warnings, by language
            row["نتیجه"]["warning_words"] = [w for w in row["نتیجه"]["warning_words"]
                                             if f"{w['fa']} / {w['en']}" not in recovery]
    if table == "صندوق_خروجی":
        payload = row["محتوا"]
        payload = json.loads(payload) if isinstance(payload, str) else dict(payload)
        payload.pop("occurred_at", None)
        row["محتوا"] = payload
    return row


def dump_database(engine: Engine, data_dir: Path) -> dict[str, list[str]]:
    """Every table of the system of record (history, runs, counters, snapshot, outbox, jobs),
    rows sorted, wall-clock times and surrogate keys left out."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = [_normal(table.name, dict(r._mapping), data_dir)
                    for r in conn.execute(select(table))]
            out[table.name] = sorted(json.dumps(r, ensure_ascii=False, sort_keys=True,
                                                default=str) for r in rows)
    return out


def dump_outputs(runs: Path) -> tuple[dict[str, object], list[str]]:
    """(published, hidden): every visible file under ``runs`` by relative path — the bytes of
    workbooks and CSVs (they are byte-deterministic), the rows of a SQLite file — and the
    hidden leftovers beside each job's published run (a run folder a killed writer left, not
    yet recovered)."""
    published: dict[str, object] = {}
    for path in sorted(runs.rglob("*")):
        rel = path.relative_to(runs)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix == ".sqlite":
            with _sqlite(path) as conn:
                published[str(rel)] = list(conn.iterdump())
        else:
            published[str(rel)] = path.read_bytes()
    hidden = [f"{job.name}/{name}" for job in sorted(runs.iterdir()) if job.is_dir()
              for name in leftovers(job)]
    return published, hidden


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def first_difference(a: dict, b: dict) -> str:
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            left, right = a.get(key), b.get(key)
            if isinstance(left, list) and isinstance(right, list):
                only_a = [x for x in left if x not in right][:3]
                only_b = [x for x in right if x not in left][:3]
                at = next((i for i, (x, y) in enumerate(zip(left, right, strict=False)) if x != y), None)
                order = "" if at is None else (f"; first difference at row {at}: "
                                               f"{left[at][:160]!r} vs {right[at][:160]!r}")
                return (f"{key}: {len(left)} vs {len(right)} rows; only uninterrupted: "
                        f"{only_a}; only crashed: {only_b}{order}")
            return f"{key}: differs ({type(left).__name__} vs {type(right).__name__})"
    return ""
