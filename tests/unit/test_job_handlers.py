"""Allocation jobs and uploads through their handlers, on fakes (no web framework, no
database): the rules the API and the run page now share."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartalloc.domain.errors import ConflictError, InputError, LimitError, NotFoundError, Problem
from smartalloc.service_layer.allocation_jobs import (
    StartAllocation,
    finished_run,
    kept_explanation,
    run_workbook,
    start_allocation,
)
from smartalloc.service_layer.uploads import ImportUpload, import_upload
from tests.fakes import MemoryJobBook, MemoryShelf


class Checker:
    def __init__(self, rows: int | None = 5, fails: Exception | None = None):
        self.rows_, self.fails, self.seen = rows, fails, []

    def rows(self, role, path, policy, max_rows=None):
        self.seen.append((role, path.name))
        if self.fails:
            raise self.fails
        return self.rows_


def _upload(book, shelf, role="students", kind="students", key=None, data=b"PK..", rows=5,
            checker=None):
    return import_upload(ImportUpload(kind, role, "گزارش.xlsx", data, "op", key), book, shelf,
                         checker or Checker(rows), policy=None, max_rows=100)


def _uploads(book) -> dict[str, str]:
    shelf = MemoryShelf()
    return {role: _upload(book, shelf, role, kind)[0].id for role, kind in
            (("inspactor", "mentors"), ("schools", "students"), ("students", "students"))}


def test_an_upload_is_checked_under_its_own_name_then_kept():
    book, shelf, checker = MemoryJobBook(), MemoryShelf(), Checker(rows=7)
    job, created = _upload(book, shelf, checker=checker)
    assert created and job.state == "succeeded" and job.kind == "import:students"
    assert job.result["rows"] == 7 and job.id in shelf.kept
    assert checker.seen == [("students", "گزارش.xlsx")]


def test_an_upload_in_the_wrong_slot_or_too_long_or_unreadable_is_not_kept():
    book, shelf = MemoryJobBook(), MemoryShelf()
    with pytest.raises(InputError) as wrong:
        _upload(book, shelf, role="inspactor", kind="students")
    assert wrong.value.problems[0].code == "UPLOAD_ROLE"
    with pytest.raises(LimitError):
        _upload(book, shelf, rows=101)
    with pytest.raises(InputError):
        _upload(book, shelf, checker=Checker(fails=InputError(Problem("BAD", "خراب", "broken"))))
    assert shelf.kept == {} and shelf.checking == {} and len(shelf.discarded) == 2
    assert book.jobs == {}


def test_a_retried_upload_gets_its_first_job_and_another_file_under_the_key_is_refused():
    book, shelf = MemoryJobBook(), MemoryShelf()
    first, _ = _upload(book, shelf, key="k")
    again, created = _upload(book, shelf, key="k")
    assert again.id == first.id and not created and len(shelf.kept) == 1
    with pytest.raises(ConflictError):
        _upload(book, shelf, key="k", data=b"PK other")


def test_a_run_starts_once_per_key_and_only_on_uploads_of_the_right_kind():
    book = MemoryJobBook()
    files = _uploads(book)
    command = StartAllocation(files, "op", key="run", fingerprint="f1")
    job, created = start_allocation(command, book, book)
    again, created_again = start_allocation(command, book, book)
    assert created and not created_again and again.id == job.id
    assert book.submitted == [job.id]                      # queued once
    with pytest.raises(ConflictError):
        start_allocation(StartAllocation(files, "op", key="run", fingerprint="f2"), book, book)
    swapped = {**files, "schools": files["students"]}
    with pytest.raises(InputError) as err:
        start_allocation(StartAllocation(swapped, "op"), book, book)
    assert [p.location.column for p in err.value.problems] == ["schools"]


def test_a_run_has_results_only_once_it_succeeded(tmp_path):
    book = MemoryJobBook()
    with pytest.raises(NotFoundError):
        finished_run(book, None)                          # no run yet
    job, _ = start_allocation(StartAllocation(_uploads(book), "op"), book, book)
    with pytest.raises(ConflictError):
        run_workbook(book, tmp_path, job.id, "sabt")       # still queued
    job.state = "succeeded"
    with pytest.raises(NotFoundError):
        run_workbook(book, tmp_path, job.id, "sabt")       # wrote no such workbook
    (tmp_path / job.id).mkdir()
    (tmp_path / job.id / "import_to_sabt.xlsx").write_bytes(b"PK")
    assert run_workbook(book, tmp_path, job.id, "sabt").name == "import_to_sabt.xlsx"
    assert finished_run(book, None) is job

    class Kept:
        def __init__(self, path: Path):
            self.path = path

        def exists(self):
            return True

        def find(self, national_id, mentors=()):
            return {"nid": national_id} if national_id == "0012345678" else None

    assert kept_explanation(book, tmp_path, Kept, None, "0012345678")[1] == {
        "nid": "0012345678"}
    with pytest.raises(NotFoundError):
        kept_explanation(book, tmp_path, Kept, job.id, "1111111111")
