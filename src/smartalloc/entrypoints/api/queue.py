"""The PostgreSQL job queue (procrastinate) used when DATABASE_URL is PostgreSQL: the API only
enqueues, `smartalloc worker` processes on any number of machines run the jobs. A job is
claimed in the کارها table (queued → running, once), so a job delivered twice runs once.
A worker also sweeps, at start and then on a timer, for jobs left "running" by a process that
died (heartbeat older than ``SMARTALLOC_JOB_STALE_SECONDS``): queued again and deferred anew;
and for jobs still "queued" that long with no pending task — their delivery died with a process
(fetched but never claimed; or never deferred): deferred anew (a claim is once, so a spare
delivery is harmless).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import procrastinate
import psycopg
from sqlalchemy import Engine, text

if TYPE_CHECKING:
    from smartalloc.entrypoints.api.runner import JobRunner
    from smartalloc.service_layer.service_ports import JobBook

QUEUE = "smartalloc"


def conninfo(url: str) -> str:
    """A libpq URL from the SQLAlchemy one."""
    return "postgresql://" + url.split("://", 1)[1]


def queue_app(url: str,
              execute: Callable[[str, dict | None], None] | None = None) -> procrastinate.App:
    """The queue's app; ``execute`` runs a job (a worker's runner). Without it the app only
    defers (the API) and never runs a task."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))

    @app.task(name="smartalloc.run_job", queue=QUEUE, pass_context=False)
    def run_job(job_id: str, trace: dict | None = None) -> None:
        """``trace``: the queuing request's trace carrier (``telemetry.carrier``)."""
        if execute is None:
            raise RuntimeError("this process only queues jobs; `smartalloc worker` runs them")
        execute(job_id, trace)

    return app


def ensure_queue_schema(engine: Engine, url: str) -> None:
    """Install procrastinate's tables once (its own schema file, outside Alembic)."""
    with engine.connect() as conn:
        present = conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar()
    if present is None:
        with psycopg.connect(conninfo(url)) as conn:   # raw: the schema file holds '%'
            conn.execute("SELECT pg_advisory_xact_lock(734201)")
            if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
                conn.execute(queue_app(url).schema_manager.get_schema())


class PgQueue:
    """Deferring from the API process (a synchronous connection)."""

    def __init__(self, engine: Engine, url: str):
        ensure_queue_schema(engine, url)
        self.app = queue_app(url)
        self.app.open()

    def defer(self, job_id: str, trace: dict[str, str] | None = None) -> None:
        self.app.tasks["smartalloc.run_job"].defer(job_id=job_id, trace=trace or {})

    def close(self) -> None:
        self.app.close()


def undelivered(jobs: JobBook, older_than: float) -> list[str]:
    """Allocation jobs queued for more than ``older_than`` seconds with no task waiting in the
    queue: procrastinate never retries the task of a worker killed between fetching it and
    claiming the job, and a process may die between queuing a job and deferring its task."""
    queued = jobs.queued_before(older_than)
    with jobs.engine.connect() as conn:
        waiting = set(conn.execute(text(
            "SELECT args->>'job_id' FROM procrastinate_jobs WHERE status = 'todo' "
            "AND task_name = 'smartalloc.run_job'")).scalars())
    return [job_id for job_id in queued if job_id not in waiting]


def recover_stale(url: str, runner: JobRunner) -> list[str]:
    """Queue again the jobs a dead process left running, and defer them with the queued jobs
    whose delivery was lost (on a connection of its own, apart from the worker's)."""
    stale = runner.jobs.requeue_stale(runner.stale_after)
    stale += [j for j in undelivered(runner.jobs, runner.stale_after) if j not in stale]
    if stale:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))
        app.open()
        try:
            for job_id in stale:
                app.configure_task("smartalloc.run_job", queue=QUEUE).defer(job_id=job_id)
        finally:
            app.close()
    return stale


def _sweep(url: str, runner: JobRunner, every: float, stop: threading.Event) -> None:
    from smartalloc.entrypoints.api.observability import log

    while not stop.wait(every):
        try:
            if stale := recover_stale(url, runner):
                log.warning("jobs_requeued_stale", count=len(stale))
        except Exception as exc:   # the database may be away for a while: try again later
            log.warning("stale_sweep_failed", error_type=type(exc).__name__)


def run_worker(url: str, *, wait: bool = True, concurrency: int = 1) -> None:
    """Process jobs until stopped (``wait=False``: until the queue is empty); stale running jobs
    are queued again first, then (``wait``) every quarter of the stale timeout."""
    from smartalloc.entrypoints.api.runner import stale_seconds, worker_runner

    runner = worker_runner(url)   # this process's wiring, for every job it runs
    ensure_queue_schema(runner.system.engine, url)
    recover_stale(url, runner)
    stop = threading.Event()
    if wait:
        threading.Thread(target=_sweep, args=(url, runner, stale_seconds() / 4, stop),
                         daemon=True, name="smartalloc-stale-sweep").start()
    try:
        queue_app(url, runner.execute).run_worker(queues=[QUEUE], wait=wait, concurrency=concurrency,
                                  install_signal_handlers=wait)
    finally:
        stop.set()
