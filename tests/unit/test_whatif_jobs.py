"""What-if jobs through their handlers, on fakes: one beside a run reads the run's own uploads,
year and overrides; a second request reuses it unless it failed; its report is read only once
it finished."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartalloc.domain.errors import ConflictError, NotFoundError
from smartalloc.service_layer.allocation_jobs import StartAllocation
from smartalloc.service_layer.whatif_jobs import (
    kept_whatif,
    start_whatif,
    whatif_beside,
    whatif_of_run,
)
from tests.fakes import MemoryJobBook
from tests.unit.test_job_handlers import _uploads


class Kept:
    def __init__(self, reports: dict[str, dict]):
        self.reports, self.folder = reports, None

    def __call__(self, folder: Path) -> Kept:
        self.folder = folder
        return self

    def read(self) -> dict | None:
        return self.reports.get(self.folder.name)


def _run(book: MemoryJobBook, state: str = "succeeded") -> str:
    files = _uploads(book)
    job, _ = book.create("allocation", {"files": files, "year": 1404,
                                        "overrides": {"42": False}}, user="op", state=state)
    return job.id


def test_a_whatif_beside_a_run_reads_its_uploads_year_and_overrides():
    book = MemoryJobBook()
    run = _run(book)
    job, created = whatif_beside(run, "op2", book, book)
    assert created and job.kind == "whatif" and book.submitted == [job.id]
    assert job.params == {**book.get(run).params, "run": run}
    assert whatif_of_run(book, run) is job
    again, created = whatif_beside(run, "op3", book, book)
    assert again is job and not created and book.submitted == [job.id]
    job.state = "failed"            # a failed one is tried again
    retried, created = whatif_beside(run, "op3", book, book)
    assert created and retried.id != job.id and whatif_of_run(book, run) is retried


def test_a_whatif_needs_a_finished_run_and_a_finished_job():
    book = MemoryJobBook()
    with pytest.raises(ConflictError):
        whatif_beside(_run(book, state="running"), "op", book, book)
    with pytest.raises(NotFoundError):
        whatif_beside("no-such-run", "op", book, book)
    job, _ = start_whatif(StartAllocation(_uploads(book), "op"), book, book)
    kept = Kept({job.id: {"what_if": True}})
    with pytest.raises(ConflictError):
        kept_whatif(book, Path("/runs"), kept, job.id)
    job.state = "succeeded"
    assert kept_whatif(book, Path("/runs"), kept, job.id) == {"what_if": True}
    assert kept.folder == Path("/runs") / job.id
    with pytest.raises(NotFoundError):          # finished, but its report is gone
        kept_whatif(book, Path("/runs"), Kept({}), job.id)
    with pytest.raises(NotFoundError):          # a run is not a what-if job
        kept_whatif(book, Path("/runs"), kept, _run(book))
