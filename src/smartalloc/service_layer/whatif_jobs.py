"""Use cases of what-if jobs (issue M): start one on uploads, or beside a finished run on that
run's own uploads, and read the report it kept.

A what-if of 100k students takes about 10 s of CPU, so it is a job like a run — queued, run in
the job process, watched by its status — never work on a request thread. It records nothing:
its report is kept in the job's folder and labelled a what-if wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smartalloc.domain.errors import ConflictError, NotFoundError, Problem
from smartalloc.service_layer.allocation_jobs import (
    StartAllocation,
    finished_run,
    job_of_kind,
    start_job,
)
from smartalloc.service_layer.service_ports import JobBook, JobQueue, JobRecord, KeptWhatIf

WHATIF = "whatif"
SCANNED = 200   # what-if jobs looked through for a run's own (newest first)


def start_whatif(command: StartAllocation, jobs: JobBook,
                 queue: JobQueue) -> tuple[JobRecord, bool]:
    """(job, created): a what-if of these uploads, idempotent by the command's key."""
    return start_job(WHATIF, {}, command, jobs, queue)


def whatif_beside(run_id: str, user: str, jobs: JobBook,
                  queue: JobQueue) -> tuple[JobRecord, bool]:
    """The what-if of a finished run's inputs: the one already started for it (unless it
    failed, when it is tried again), or a new one on the run's uploads, year and overrides."""
    run = finished_run(jobs, run_id)
    found = whatif_of_run(jobs, run.id)
    if found is not None and found.state != "failed":
        return found, False
    command = StartAllocation(run.params["files"], user, run.params.get("year"),
                              run.params.get("overrides") or {})
    return start_job(WHATIF, {"run": run.id}, command, jobs, queue)


def whatif_of_run(jobs: JobBook, run_id: str) -> JobRecord | None:
    """The newest what-if started beside this run, if any."""
    return next((j for j in jobs.recent(WHATIF, SCANNED) if j.params.get("run") == run_id),
                None)


def whatif_job(jobs: JobBook, job_id: str) -> JobRecord:
    return job_of_kind(jobs, job_id, WHATIF, ("چنین محاسبهٔ فرضی‌ای وجود ندارد",
                                              "no such what-if job"))


def kept_whatif(jobs: JobBook, runs: Path, open_kept: Callable[[Path], KeptWhatIf],
                job_id: str) -> dict:
    """The report a finished what-if job kept."""
    job = whatif_job(jobs, job_id)
    if job.state != "succeeded":
        raise ConflictError(Problem(
            "JOB_NOT_FINISHED", f"این محاسبه هنوز به پایان موفق نرسیده است ({job.state})",
            f"the what-if job is {job.state}; it has no report yet"))
    report = open_kept(Path(runs) / job.id).read()
    if report is None:
        raise NotFoundError(Problem("WHATIF_MISSING", "گزارش این محاسبهٔ فرضی پیدا نشد",
                                    "this what-if job kept no report"))
    return report
