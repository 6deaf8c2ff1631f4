"""Manual review on a service run (issue K): the one way the API and the pages act, list a
student's candidates and read the audit — so the rules, the refusals and the audit are the
CLI's (``service_layer.review``), and the two entry points only translate.

**Which inputs.** An action needs the student's eligible mentors: the matrix rows its six keys
meet, built from the reports (``review.act_on_inputs``). A service run keeps its uploaded
reports (``uploads/<file id>/``, named in the job's parameters), so the action reads the very
files of the run it is taken from, under the governance in force now, as explain does; if a
report is no longer kept the action is refused (409) rather than guessed from elsewhere.

**Candidates now.** The list an operator chooses from is the run's kept explanation (the same
engine, ranked as it ranked them) with each mentor's seats *now* — a release or a later run may
have freed or taken seats since. Only assignable mentors with a seat left are offered; the
action re-checks all of it under the lock, so a seat taken meanwhile is a clear 409.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from smartalloc.domain.errors import ConflictError, Problem
from smartalloc.domain.review import ASSIGNABLE, ReviewChange, ReviewRequest, Seats
from smartalloc.domain.review_export import VERSION_FILES, ExportVersion
from smartalloc.service_layer.allocation_jobs import finished_run
from smartalloc.service_layer.ports import InputPaths
from smartalloc.service_layer.review import ReviewStore
from smartalloc.service_layer.service_ports import JobBook, JobRecord


class SeatsNow(Protocol):
    def seats(self, mentor_ids: Collection[str]) -> Mapping[str, Seats]:
        """Each known mentor → its seats now (read without the run lock: advice only)."""
        ...


@dataclass(frozen=True)
class CandidateNow:
    """One mentor a student may be given now: the run's rank, and its seats today."""

    rank: int                 # as the run's engine ranked the student's candidates
    mentor_id: str
    name: str
    is_school_row: bool
    capacity: int
    seats_left: int
    status: str


# (request, the run's reports, year, overrides) → the change as audited
Act = Callable[[ReviewRequest, InputPaths, int | None, Mapping[str, bool]], ReviewChange]


def act_on_run(jobs: JobBook, job_id: str | None, request: ReviewRequest, *,
               paths_of: Callable[[Mapping[str, str]], InputPaths], act: Act
               ) -> tuple[JobRecord, ReviewChange]:
    """Carry out ``request`` with the eligibility of the run ``job_id`` (default: the latest
    successful one): its own uploaded reports, year and overrides."""
    job, paths = run_reports(jobs, job_id, paths_of)
    params = job.params or {}
    return job, act(request, paths, params.get("year"), params.get("overrides") or {})


def run_reports(jobs: JobBook, job_id: str | None,
                paths_of: Callable[[Mapping[str, str]], InputPaths]
                ) -> tuple[JobRecord, InputPaths]:
    """The succeeded run ``job_id`` (default: the latest) and its own uploaded reports —
    refused (409) when they are no longer kept, never guessed from elsewhere."""
    job = finished_run(jobs, job_id)
    paths = paths_of((job.params or {}).get("files") or {})
    if not all(Path(path).is_file() for _, path in paths.items()):
        raise ConflictError(Problem(
            "REVIEW_INPUTS_GONE",
            "فایل‌های بارگذاری‌شدهٔ این اجرا دیگر نگه داشته نشده‌اند؛ اجرای تازه‌تری را بازبینی "
            "کنید یا از خط فرمان (smartalloc review) با همان فایل‌ها استفاده کنید",
            "this run's uploaded reports are no longer kept; review a later run, or use the "
            "command line (smartalloc review) with the same files"))
    return job, paths


# (run id, the run's reports, overrides) → the version made
Export = Callable[[str, InputPaths, Mapping[str, bool]], ExportVersion]


def export_run(jobs: JobBook, job_id: str | None, *,
               paths_of: Callable[[Mapping[str, str]], InputPaths], export: Export
               ) -> tuple[JobRecord, ExportVersion]:
    """The next version of the run's ImportToSabt after review, from its own reports."""
    job, paths = run_reports(jobs, job_id, paths_of)
    return job, export(run_id_of(job), paths, (job.params or {}).get("overrides") or {})


def run_id_of(job: JobRecord) -> str:
    """The run a succeeded job recorded (its id in history, the versions and the pages)."""
    run_id = (job.result or {}).get("run_id")
    if not run_id:
        raise ConflictError(Problem("REVIEW_NO_RUN_RECORDED",
                                    "این اجرا در سابقه ثبت نشده است",
                                    "this job recorded no run in history"))
    return str(run_id)


def candidates_now(ranked: Sequence[Mapping], seats: SeatsNow) -> list[CandidateNow]:
    """The kept explanation's candidates (``ranked``: its ``candidates``, in the engine's
    order) that could take the student now: known, assignable, with a seat left."""
    now = seats.seats([str(c["mentor_id"]) for c in ranked])
    found = []
    for c in ranked:
        seat = now.get(str(c["mentor_id"]))
        if seat is not None and seat.status in ASSIGNABLE and seat.left > 0:
            found.append(CandidateNow(int(c["rank"]), seat.mentor_id, seat.name or
                                      str(c.get("name", "")), bool(c.get("is_school_row")),
                                      seat.capacity, seat.left, seat.status))
    return found


def audit(store: ReviewStore, national_id: str | None = None) -> list[ReviewChange]:
    """Every review change, oldest first (of one student when ``national_id`` is given)."""
    return store.changes(national_id)




def version_file(versions: Sequence[ExportVersion], runs: Path, job: JobRecord, version: int,
                 kind: str) -> Path | None:
    """One workbook of a version after review (``kind``: full, changes, qa), from the folder
    its record names and only inside the job's own folder; None if there is no such file."""
    chosen = next((v for v in versions if v.version == version), None)
    if chosen is None or kind not in VERSION_FILES:
        return None
    path = (Path(chosen.folder) / VERSION_FILES[kind]).resolve()
    inside = path.is_relative_to(runs.resolve() / job.id)
    return path if inside and path.is_file() else None


def version_download_name(kind: str, run_id: str, version: int) -> str:
    return f"{Path(VERSION_FILES[kind]).stem}-{run_id[:12]}-v{version}.xlsx"
