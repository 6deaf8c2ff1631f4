"""In-process job execution (the embedded default): one worker thread runs jobs (allocations and
what-ifs) in order; state lives in the کارها table, so a restarted API picks up what was still queued.

A running job's runner beats (``updated_at``) on every progress step and on a timer; a job still
"running" whose heartbeat is older than ``SMARTALLOC_JOB_STALE_SECONDS`` (default 120) was left
by a process that died, and is queued again at API start-up and by workers (``recover``).

Runs against one store are serialised anyway (the store's run lock), so one thread loses
nothing and keeps a small machine responsive for the status and export endpoints.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import structlog

from smartalloc.bootstrap import System, bootstrap
from smartalloc.entrypoints import telemetry
from smartalloc.entrypoints.api import observability as obs
from smartalloc.entrypoints.api.job_process import JobOutcome, run_in_job_process
from smartalloc.entrypoints.api.settings import Settings
from smartalloc.service_layer import run_views
from smartalloc.service_layer.allocation_jobs import ALLOCATION
from smartalloc.service_layer.ports import INPUT_ROLES
from smartalloc.service_layer.service_ports import JobBook

ROLES = INPUT_ROLES
STALE_SECONDS = 120.0


def stale_seconds() -> float:
    """How old a running job's heartbeat may be before its process is taken for dead."""
    return float(os.environ.get("SMARTALLOC_JOB_STALE_SECONDS") or STALE_SECONDS)


def worker_runner(url: str) -> JobRunner:
    """The runner of a `smartalloc worker` process (settings from its environment); built
    once by the worker and kept for every job it runs."""
    settings = replace(Settings.from_env(require_secret=False), database_url=url)
    telemetry.configure(settings.otlp_endpoint, settings.otel_service_name, "worker")
    system = bootstrap(url, key=settings.event_key)
    return JobRunner(settings, system, system.jobs(), queue=None)


class JobRunner:
    def __init__(self, settings: Settings, system: System, jobs: JobBook, queue=None,
                 stale_after: float | None = None):
        """``system``: the process's wiring (``bootstrap``); ``queue``: a PostgreSQL queue to
        defer to, None runs jobs on a thread here. ``stale_after``: seconds without a
        heartbeat before a running job is taken for dead (default:
        ``SMARTALLOC_JOB_STALE_SECONDS``, 120); beats come 4 times as often."""
        self.settings, self.system, self.jobs, self.queue = settings, system, jobs, queue
        self.stale_after = stale_seconds() if stale_after is None else stale_after
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smartalloc-job")

    def submit(self, job_id: str) -> None:
        """Hand the job on with the trace and correlation id of whoever queued it (the
        request), so the job's spans and log lines join the request's."""
        trace = telemetry.carrier()
        if self.queue is not None:
            self.queue.defer(job_id, trace)
        else:
            self.pool.submit(self.execute, job_id, trace)

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

    def execute(self, job_id: str, trace: dict[str, str] | None = None) -> None:
        """Run a queued job (once: whoever claims it), in a span joining ``trace``."""
        if not self.jobs.claim(job_id):
            return
        job = self.jobs.get(job_id)
        assert job is not None
        with telemetry.joined(trace, "job", job_id=job_id, kind=job.kind):
            self._execute(job_id, job.kind, job.params)

    def _execute(self, job_id: str, kind: str, params: dict) -> None:
        structlog.contextvars.bind_contextvars(job_id=job_id)
        started = time.perf_counter()
        stop = threading.Event()
        beating = threading.Thread(target=self._beat, args=(job_id, stop), daemon=True,
                                   name=f"smartalloc-heartbeat-{job_id[:8]}")
        beating.start()
        try:
            outcome = run_in_job_process(self.settings, job_id, params,
                                         self.system.event_key, kind, telemetry.carrier())
        except Exception as exc:  # the process could not be started (resources): a failure
            outcome = JobOutcome(crashed=type(exc).__name__)
        try:
            self._settle(job_id, outcome, allocation=kind == ALLOCATION)
        finally:
            stop.set()
            beating.join()
            if kind == ALLOCATION:
                obs.ALLOCATION_DURATION.observe(time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("job_id")

    def _beat(self, job_id: str, stop: threading.Event) -> None:
        """The heartbeat of a running job, on a timer (a long stage sends no progress)."""
        while not stop.wait(self.stale_after / 4):
            try:
                self.jobs.heartbeat(job_id)
            except Exception as exc:   # a missed beat is retried; the job goes on
                obs.log.warning("job_heartbeat_failed", error_type=type(exc).__name__)

    def _settle(self, job_id: str, outcome: JobOutcome, *, allocation: bool = True) -> None:
        """Record the job's end as its process reported it (the allocation metrics count
        allocation jobs only: a what-if allocates nothing)."""
        if outcome.result is not None:
            if allocation:
                obs.ALLOCATION_SUCCESS.inc()
                self._utilization(outcome.result["counts"])
            self.jobs.update(job_id, state="succeeded", progress=1.0, stage="done",
                             result=outcome.result)
            obs.log.info("job_succeeded", counts=outcome.result.get("counts", {}))
            if allocation:
                self._observe(job_id, outcome.result)
        elif outcome.errors:
            if allocation:
                obs.ALLOCATION_FAILED.labels(reason=outcome.code).inc()
            self.jobs.update(job_id, state="failed", error={"status": outcome.status,
                                                            "errors": list(outcome.errors)})
            obs.log.warning("job_failed", code=outcome.code)
        else:   # a bug or a killed process: recorded without internals, logged by type
            if allocation:
                obs.ALLOCATION_FAILED.labels(reason="INTERNAL_ERROR").inc()
            self.jobs.update(job_id, state="failed", error={"status": 500, "errors": [
                {"code": "INTERNAL_ERROR", "message_fa": "خطای داخلی",
                 "message_en": "internal error"}]})
            obs.log.error("job_crashed", error_type=outcome.crashed)

    def _observe(self, job_id: str, result: dict) -> None:
        """The run's numbers for the dashboards, its mentors' occupancy from what the run kept
        (``run_views``). After the job is recorded, and never failing it: a metric lost is
        logged, a job left "running" would be run again."""
        try:
            kept = run_views.run_results(self.settings.runs / job_id, self.system.kept_run)
            obs.observe_run(result, [o.after for o in kept.occupancy] if kept else [])
        except Exception as exc:
            obs.log.warning("job_metrics_failed", error_type=type(exc).__name__)

    def _utilization(self, counts: dict[str, int]) -> None:
        mentors = self.system.mentors().list()
        capacity = sum(m.capacity for m in mentors if m.status != "frozen")
        if capacity:
            used = sum(m.covered for m in mentors) + counts.get("allocated", 0)
            obs.CAPACITY_UTILIZATION.set(used / capacity)
