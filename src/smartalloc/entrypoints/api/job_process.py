"""A job (an allocation or a what-if) runs in a process of its own, forked from a
single-threaded forkserver.

The API and the queue worker are multi-threaded (request threads, heartbeats, the stale sweep)
and a run forks its workbook writer. A fork copies only the forking thread: a lock another
thread held at that instant (SQLite's, the allocator's, a logging handler's) stays locked for
ever in the child, which then hangs while the job's heartbeat says it is alive. So the service
never forks itself: the forkserver (started by exec, single-threaded, the job code preloaded)
forks a fresh process per job, which is a batch process like the CLI — it may fork its writer
and pause the collector. It sees this process's environment as it is when the job starts,
dies with the forkserver (``PR_SET_PDEATHSIG``), which exits when this process dies, and
reports back a plain outcome (never a pickled exception).
"""

from __future__ import annotations

import dataclasses
import fcntl
import multiprocessing
import os
import select
import signal
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from pathlib import Path

from smartalloc.bootstrap import System, bind_to_parent, bootstrap, load_policy
from smartalloc.domain.errors import SmartAllocError
from smartalloc.domain.gc_pause import allow_in_this_process
from smartalloc.domain.notice import notice_words
from smartalloc.domain.teardown import exiting_without_teardown
from smartalloc.domain.whatif import report_json
from smartalloc.entrypoints import telemetry
from smartalloc.entrypoints.api.problems import problem_items, status_of
from smartalloc.entrypoints.api.settings import Settings, input_paths
from smartalloc.entrypoints.clock import jalali_today
from smartalloc.service_layer.allocation_jobs import ALLOCATION
from smartalloc.service_layer.ports import OUTPUT_FILES
from smartalloc.service_layer.run_reports import RunRequest, RunResult
from smartalloc.service_layer.whatif_jobs import WHATIF

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["smartalloc.entrypoints.api.forkserver_preload"])


@dataclass(frozen=True)
class JobOutcome:
    """What a job process reports: a result, a failure the operator can act on, or a crash
    (named by its exception type only: no internals, no personal data)."""

    result: dict | None = None
    status: int = 0
    errors: tuple[dict, ...] = ()
    crashed: str = ""

    @property
    def code(self) -> str:
        return self.errors[0]["code"] if self.errors else "INTERNAL_ERROR"


def run_in_job_process(settings: Settings, job_id: str, params: dict,
                       event_key: bytes, kind: str = ALLOCATION,
                       trace: dict[str, str] | None = None) -> JobOutcome:
    """Run the job (an allocation or a what-if) in a fresh process and wait for its outcome;
    its spans join ``trace`` (``telemetry.carrier``)."""
    receive, send = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_main, name=f"smartalloc-job-{job_id[:8]}",
                               args=(settings, kind, job_id, params, event_key,
                                     dict(os.environ), send, trace or {}))
    process.start()
    send.close()
    try:
        outcome = receive.recv()
    except EOFError:   # it died without a word: killed (the OOM killer) or crashed hard
        outcome = None
    finally:
        receive.close()
        process.join()
    if outcome is None:
        return JobOutcome(crashed=_death(process.exitcode))
    return outcome


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"killed by {signal.Signals(-exitcode).name}"
    return f"exited with status {exitcode}"


def _release_forkserver() -> None:
    """The forkserver hands each process it forks its liveness pipe (so that it could ask for
    processes of its own) and exits only when every holder has closed it. A job process that
    kept it would keep the forkserver — and so itself — alive after the service died; closed,
    the service's death ends the forkserver and ``PR_SET_PDEATHSIG`` ends the job."""
    server = forkserver._forkserver
    if server._forkserver_alive_fd is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None


def _die_with_service(send: Connection) -> None:
    """End this process the instant the service dies (not when the forkserver, which is not
    our parent in the service's sense, gets round to exiting): the kernel signals SIGIO to the
    owner of a pipe's write end when its last reader closes, and SIGIO's default action ends
    the process. Only the service holds the read end of ``send``."""
    signal.signal(signal.SIGIO, signal.SIG_DFL)
    fcntl.fcntl(send.fileno(), fcntl.F_SETOWN, os.getpid())
    _async(send, True)
    if service_gone(send):   # it died before the line above: no SIGIO will ever come
        os._exit(1)


def service_gone(send: Connection) -> bool:
    """Whether the read end of ``send`` is closed (the service is dead): a pipe's write end
    polls as an error once it has no reader."""
    poller = select.poll()
    poller.register(send.fileno(), 0)   # errors and hang-ups are reported whatever is asked
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


def _async(connection: Connection, on: bool) -> None:
    flags = fcntl.fcntl(connection.fileno(), fcntl.F_GETFL)
    flags = flags | os.O_ASYNC if on else flags & ~os.O_ASYNC
    fcntl.fcntl(connection.fileno(), fcntl.F_SETFL, flags)


def _main(settings: Settings, kind: str, job_id: str, params: dict, event_key: bytes,
          environment: dict[str, str], send: Connection, trace: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(environment)
    _release_forkserver()
    bind_to_parent(os.getppid())
    _die_with_service(send)
    allow_in_this_process()   # a process there to run one batch
    exiting_without_teardown()   # multiprocessing ends it with os._exit once _main returns
    telemetry.configure(settings.otlp_endpoint, settings.otel_service_name, "job")
    with telemetry.joined(trace, "job.process", job_id=job_id, kind=kind) as span:
        outcome = _outcome(settings, kind, job_id, params, event_key)
        if outcome.result is None:
            span.set_attribute("job.error", outcome.code if outcome.errors else outcome.crashed)
    telemetry.flush()   # before the outcome: the service may end us once it has read it
    _async(send, False)   # the service reading our outcome must not end us
    send.send(outcome)
    send.close()


def _outcome(settings: Settings, kind: str, job_id: str, params: dict,
             event_key: bytes) -> JobOutcome:
    try:
        system = bootstrap(settings.database_url)
        return JobOutcome(result=JOBS[kind](settings, system, job_id, params, event_key))
    except SmartAllocError as exc:
        return JobOutcome(status=status_of(exc), errors=tuple(problem_items(exc)))
    except Exception as exc:  # a bug: reported by type only
        return JobOutcome(crashed=type(exc).__name__)


def job_progress(system: System, job_id: str, folder: Path) -> Callable[..., None]:
    """Progress as the job goes: a new stage to the jobs table (the run reports stages only
    where no transaction of its own is open) and to the job's progress log; a sub-step, which
    may come from inside the run's transaction or from its forked writer, to the log only."""
    jobs, stage_seen, log = system.jobs(), [], system.progress_log(folder)

    def progress(stage: str, fraction: float, detail: dict | None = None) -> None:
        if detail is not None:
            log.append({"stage": stage, **detail})
            return
        if not stage_seen or stage_seen[-1] != stage:
            stage_seen.append(stage)
            jobs.update(job_id, stage=stage, progress=round(fraction, 3))
            log.append({"stage": stage, "fraction": round(fraction, 3)})
        else:
            jobs.heartbeat(job_id)   # update() above beats too (updated_at)

    return progress


def allocate(settings: Settings, system: System, job_id: str, params: dict,
             event_key: bytes) -> dict:
    """The job's run, with its progress written to the jobs table as it goes."""
    progress = job_progress(system, job_id, settings.runs / job_id)
    request = RunRequest(input_paths(settings, params["files"]),
                         load_policy(settings.policy_path), settings.runs / job_id,
                         year=params.get("year"), overrides=params.get("overrides") or {},
                         now=jalali_today(), event_key=event_key, explanations=True)
    try:
        return run_result(request, system.run(request, progress))
    finally:
        system.progress_log(settings.runs / job_id).clear()


def run_result(request: RunRequest, result: RunResult) -> dict:
    """What the jobs table keeps of a finished run (its page's cards, the downloads)."""
    names = {p.name for p in result.files}
    return {"run_id": result.run_id, "allocated_at": request.now,   # names the downloads
            "counts": result.counts, "qa_status": result.qa_status,
            "files": {k: v for k, v in OUTPUT_FILES.items() if v in names},
            "warnings": list(result.warnings),   # «fa / en», as the CLI prints them
            "warning_words": [notice_words(w) for w in result.warnings],   # the page's half
            "earlier_runs": [dataclasses.asdict(r) for r in result.earlier],
            "timings": {k: round(v, 3) for k, v in result.timings.items()}}


def what_if(settings: Settings, system: System, job_id: str, params: dict,
            event_key: bytes) -> dict:
    """The what-if of the job's uploads: the report kept in the job's folder, its numbers in
    the job's result. Nothing is recorded."""
    progress = job_progress(system, job_id, settings.runs / job_id)
    progress("whatif", 0.1)
    try:
        report = system.what_if(input_paths(settings, params["files"]),
                                load_policy(settings.policy_path), year=params.get("year"),
                                overrides=params.get("overrides") or {})
    finally:
        system.progress_log(settings.runs / job_id).clear()
    system.kept_whatif(settings.runs / job_id).keep(report_json(report))
    return {"what_if": True, "run": params.get("run"), "competing": report.competing,
            "policy_placed": report.policy_placed, "optimum_placed": report.optimum_placed,
            "gain": report.gain}


JOBS: dict[str, Callable[[Settings, System, str, dict, bytes], dict]] = {
    ALLOCATION: allocate, WHATIF: what_if}
