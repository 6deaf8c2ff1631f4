"""In-process job execution (the embedded default): one worker thread runs allocation jobs in
order; state lives in the کارها table, so a restarted API picks up what was still queued.

A running job's runner beats (``updated_at``) on every progress step and on a timer; a job still
"running" whose heartbeat is older than ``SMARTALLOC_JOB_STALE_SECONDS`` (default 120) was left
by a process that died, and is queued again at API start-up and by workers (``recover``).

Runs against one store are serialised anyway (the store's run lock), so one thread loses
nothing and keeps a small machine responsive for the status and export endpoints.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import structlog

from smartalloc.adapters.db.jobs import JobStore, JobView
from smartalloc.adapters.db.mentor_registry import MentorRegistry
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.policy_file import load_policy
from smartalloc.domain.errors import SmartAllocError
from smartalloc.entrypoints.api import observability as obs
from smartalloc.entrypoints.api.problems import problem_items, status_of
from smartalloc.entrypoints.api.settings import Settings
from smartalloc.entrypoints.clock import jalali_today
from smartalloc.service_layer.ports import INPUT_ROLES, OUTPUT_FILES, InputPaths
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import DEV_EVENT_KEY, RunRequest

ROLES = INPUT_ROLES
STALE_SECONDS = 120.0


def stale_seconds() -> float:
    """How old a running job's heartbeat may be before its process is taken for dead."""
    return float(os.environ.get("SMARTALLOC_JOB_STALE_SECONDS") or STALE_SECONDS)


def upload_path(settings: Settings, file_id: str) -> Path:
    return settings.uploads / file_id / "upload.xlsx"


def input_paths(settings: Settings, files: dict[str, str]) -> InputPaths:
    return InputPaths(**{role: upload_path(settings, fid) for role, fid in files.items()})


@functools.cache
def worker_runner(url: str) -> JobRunner:
    """The runner of a `smartalloc worker` process (settings from its environment)."""
    settings = replace(Settings.from_env(require_secret=False), database_url=url)
    store = SqlStore(url)
    return JobRunner(settings, store, JobStore(store.engine), queue=None)


class JobRunner:
    def __init__(self, settings: Settings, store: SqlStore, jobs: JobStore, queue=None,
                 stale_after: float | None = None):
        """``queue``: a PostgreSQL queue to defer to; None runs jobs on a thread here.
        ``stale_after``: seconds without a heartbeat before a running job is taken for dead
        (default: ``SMARTALLOC_JOB_STALE_SECONDS``, 120); beats come 4 times as often."""
        self.settings, self.store, self.jobs, self.queue = settings, store, jobs, queue
        self.stale_after = stale_seconds() if stale_after is None else stale_after
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smartalloc-job")

    def submit(self, job_id: str) -> None:
        if self.queue is not None:
            self.queue.defer(job_id)
        else:
            self.pool.submit(self.execute, job_id)

    def recover(self) -> list[str]:
        """Queue again the running jobs whose runner stopped beating (its process died), and
        hand them to this runner (or the PostgreSQL queue)."""
        stale = self.jobs.requeue_stale(self.stale_after)
        for job_id in stale:
            obs.log.warning("job_requeued_stale", job_id=job_id)
            self.submit(job_id)
        return stale

    def resume(self) -> int:
        """At start-up: queue again what a dead process left running, and what a previous
        in-process runner accepted but never started (the PostgreSQL queue keeps its own
        queued jobs)."""
        recovered = self.recover()
        if self.queue is not None:
            return len(recovered)
        waiting = [j for j in self.jobs.queued() if j not in recovered]
        for job_id in waiting:
            self.submit(job_id)
        return len(recovered) + len(waiting)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)
        if self.queue is not None:
            self.queue.close()

    def execute(self, job_id: str) -> None:
        if not self.jobs.claim(job_id):
            return
        job = self.jobs.get(job_id)
        assert job is not None
        structlog.contextvars.bind_contextvars(job_id=job_id)
        started = time.perf_counter()
        stop = threading.Event()
        beating = threading.Thread(target=self._beat, args=(job_id, stop), daemon=True,
                                   name=f"smartalloc-heartbeat-{job_id[:8]}")
        beating.start()
        try:
            result = self._allocate(job)
        except SmartAllocError as exc:
            obs.ALLOCATION_FAILED.labels(reason=exc.problems[0].code).inc()
            self.jobs.update(job_id, state="failed", error={"status": status_of(exc),
                                                            "errors": problem_items(exc)})
            obs.log.warning("job_failed", code=exc.problems[0].code)
        except Exception as exc:  # a bug: recorded without internals, logged by type
            obs.ALLOCATION_FAILED.labels(reason="INTERNAL_ERROR").inc()
            self.jobs.update(job_id, state="failed", error={"status": 500, "errors": [
                {"code": "INTERNAL_ERROR", "message_fa": "خطای داخلی",
                 "message_en": "internal error"}]})
            obs.log.error("job_crashed", error_type=type(exc).__name__)
        else:
            obs.ALLOCATION_SUCCESS.inc()
            self.jobs.update(job_id, state="succeeded", progress=1.0, stage="done", result=result)
            obs.log.info("job_succeeded", counts=result["counts"])
        finally:
            stop.set()
            beating.join()
            obs.ALLOCATION_DURATION.observe(time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("job_id")

    def _beat(self, job_id: str, stop: threading.Event) -> None:
        """The heartbeat of a running job, on a timer (a long stage sends no progress)."""
        while not stop.wait(self.stale_after / 4):
            try:
                self.jobs.heartbeat(job_id)
            except Exception as exc:   # a missed beat is retried; the job goes on
                obs.log.warning("job_heartbeat_failed", error_type=type(exc).__name__)

    def _allocate(self, job: JobView) -> dict:
        params, settings = job.params, self.settings
        stage_seen: list[str] = []

        def progress(stage: str, fraction: float) -> None:
            if not stage_seen or stage_seen[-1] != stage:
                stage_seen.append(stage)
                self.jobs.update(job.id, stage=stage, progress=round(fraction, 3))
            else:
                self.jobs.heartbeat(job.id)   # update() above beats too (updated_at)

        key = os.environ.get("SMARTALLOC_EVENT_KEY", "").encode() or DEV_EVENT_KEY
        request = RunRequest(input_paths(settings, params["files"]),
                             load_policy(settings.policy_path), settings.runs / job.id,
                             year=params.get("year"), overrides=params.get("overrides") or {},
                             now=jalali_today(), event_key=key,
                             explanations=True)
        result = run_allocation(request, reader=ExcelInputReader(), writer=ExcelOutputWriter(),
                                history=self.store, progress=progress)
        self._utilization(result.counts)
        names = {p.name for p in result.files}
        return {"run_id": result.run_id, "counts": result.counts, "qa_status": result.qa_status,
                "files": {k: v for k, v in OUTPUT_FILES.items() if v in names},
                "warnings": list(result.warnings),
                "earlier_runs": [dataclasses.asdict(r) for r in result.earlier],
                "timings": {k: round(v, 3) for k, v in result.timings.items()}}

    def _utilization(self, counts: dict[str, int]) -> None:
        mentors = MentorRegistry(self.store.engine).list()
        capacity = sum(m.capacity for m in mentors if m.status != "frozen")
        if capacity:
            used = sum(m.covered for m in mentors) + counts.get("allocated", 0)
            obs.CAPACITY_UTILIZATION.set(used / capacity)
