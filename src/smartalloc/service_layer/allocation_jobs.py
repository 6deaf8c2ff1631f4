"""Use cases of allocation jobs: start one (idempotently), look one up, and reach what its
run kept — the same for the API and the pages, which only translate requests and answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from smartalloc.domain.errors import ConflictError, InputError, Location, NotFoundError, Problem
from smartalloc.service_layer.idempotency import key_reused, replayed
from smartalloc.service_layer.ports import OUTPUT_FILES
from smartalloc.service_layer.service_ports import JobBook, JobQueue, JobRecord, KeptRun

ALLOCATION = "allocation"


@dataclass(frozen=True)
class StartAllocation:
    """Run the allocation on these uploaded reports (role → upload id)."""

    files: Mapping[str, str]
    user: str
    year: int | None = None
    overrides: Mapping[str, bool] = field(default_factory=dict)
    key: str | None = None
    fingerprint: str = ""


def start_allocation(command: StartAllocation, jobs: JobBook,
                     queue: JobQueue) -> tuple[JobRecord, bool]:
    """(job, created): a new job handed to the queue, or the one this key already started."""
    return start_job(ALLOCATION, {}, command, jobs, queue)


def start_job(kind: str, extra: Mapping[str, object], command: StartAllocation, jobs: JobBook,
              queue: JobQueue) -> tuple[JobRecord, bool]:
    """A job of ``kind`` on the command's uploads (an allocation or a what-if), idempotent by
    the command's key."""
    if (found := replayed(jobs, command.user, command.key, command.fingerprint)) is not None:
        return found, False
    check_uploads(jobs, command.files)
    job, created = jobs.create(
        kind, {"files": dict(command.files), "year": command.year,
               "overrides": dict(command.overrides), **extra},
        user=command.user, key=command.key, request_hash=command.fingerprint)
    if created:
        queue.submit(job.id)
    elif job.request_hash != command.fingerprint:
        raise key_reused()
    return job, created


def check_uploads(jobs: JobBook, files: Mapping[str, str]) -> None:
    """Each role names a finished upload of that role; every one that does not is named."""
    wrong = [role for role, upload in files.items() if not _is_upload(jobs.get(upload), role)]
    if wrong:
        raise InputError([Problem(
            "RUN_UPLOAD_UNKNOWN", f"شناسهٔ «{role}» شناسهٔ یک فایل اکسل بارگذاری‌شده از این نوع نیست",
            f"'{role}' is not the id of an uploaded {role} workbook", Location(column=role))
            for role in wrong])


def _is_upload(job: JobRecord | None, role: str) -> bool:
    return job is not None and job.kind == f"import:{role}" and job.state == "succeeded"


def job_of(jobs: JobBook, job_id: str) -> JobRecord:
    """Any job of this id (an upload or a run)."""
    job = jobs.get(job_id)
    if job is None:
        raise NotFoundError(Problem("JOB_NOT_FOUND", "چنین کاری وجود ندارد", "no such job"))
    return job


def allocation_job(jobs: JobBook, job_id: str) -> JobRecord:
    """The allocation job of this id."""
    return job_of_kind(jobs, job_id, ALLOCATION, ("چنین کار تخصیصی وجود ندارد",
                                                  "no such allocation job"))


def job_of_kind(jobs: JobBook, job_id: str, kind: str, missing: tuple[str, str]) -> JobRecord:
    """The job of this id if it is of ``kind``; else 404 with ``missing`` (Persian, English)."""
    job = jobs.get(job_id)
    if job is None or job.kind != kind:
        raise NotFoundError(Problem("JOB_NOT_FOUND", *missing))
    return job


def recent_runs(jobs: JobBook, limit: int = 30) -> list[JobRecord]:
    """The newest allocation jobs, newest first (the runs list)."""
    return jobs.recent(ALLOCATION, limit)


def finished_run(jobs: JobBook, job_id: str | None) -> JobRecord:
    """A succeeded allocation job: this one, or the latest."""
    if not job_id:
        latest = jobs.latest(ALLOCATION)
        if latest is None:
            raise NotFoundError(Problem("NO_RUN_YET", "هنوز هیچ تخصیص موفقی انجام نشده است",
                                        "no successful allocation job yet"))
        return latest
    job = allocation_job(jobs, job_id)
    if job.state != "succeeded":
        raise ConflictError(Problem(
            "JOB_NOT_FINISHED", f"این کار هنوز به پایان موفق نرسیده است ({job.state})",
            f"the job is {job.state}; its run has no results yet"))
    return job


def run_workbook(jobs: JobBook, runs: Path, job_id: str, kind: str) -> Path:
    """The published workbook ``kind`` (sabt, allocation, qa, matrix) of a finished run."""
    job = finished_run(jobs, job_id)
    path = Path(runs) / job.id / OUTPUT_FILES[kind]
    if not path.is_file():
        raise NotFoundError(Problem("WORKBOOK_MISSING", "این اجرا چنین فایل اکسلی ننوشته است",
                                    f"the run wrote no {kind} workbook"))
    return path


def kept_explanation(jobs: JobBook, runs: Path, open_kept: Callable[[Path], KeptRun],
                     job_id: str | None, national_id: str,
                     mentors: tuple[str, ...] = ()) -> tuple[JobRecord, object]:
    """A student's explanation as the run decided it (default: the latest run), with why
    each of ``mentors`` was not chosen."""
    job = finished_run(jobs, job_id)
    kept = open_kept(Path(runs) / job.id / OUTPUT_FILES["explain"])
    if not kept.exists():
        raise NotFoundError(Problem("NO_EXPLANATIONS", "این اجرا توضیحی نگه نداشته است",
                                    "this run kept no explanations"))
    found = kept.find(national_id, mentors)
    if found is None:
        raise NotFoundError(Problem(
            "STUDENT_NOT_IN_RUN", "این کد ملی در گزارش دانش‌آموزان این اجرا نیست",
            "this national id is not in the job's student report"))
    return job, found
