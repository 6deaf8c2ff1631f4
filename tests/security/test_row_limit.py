"""Finding 5 of issue I: work before limits. The upload's row limit was checked after reading
and checking every row (a 0.7 MB file: 57 s and +750 MB before the 413). Now the package guard
stops inflating the sheet at the limit — calamine never opens the file — and a file at the
limit is still accepted. Finding 7 (the upload Idempotency-Key race) is here too: the loser of
the race with another file gets 409, not the winner's job."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartalloc.adapters import excel_reader
from smartalloc.adapters.uploads import ExcelReportChecker
from smartalloc.domain.errors import ConflictError, LimitError
from smartalloc.service_layer.uploads import ImportUpload, import_upload
from tests.api.conftest import make_api
from tests.fakes import MemoryJobBook, MemoryShelf
from tests.fuzz.builders import workbook


def _tall(path: Path, rows: int) -> Path:
    body = [["کد ملی", "نام", "جنسیت"]] + [["0012345679", "الف", 1]] * rows
    path.write_bytes(workbook([("Sheet1", body)]))
    return path


def test_reading_stops_at_the_limit_before_calamine(tmp_path, policy, monkeypatch):
    opened = []
    real = excel_reader.python_calamine.load_workbook
    monkeypatch.setattr(excel_reader.python_calamine, "load_workbook",
                        lambda *a, **k: opened.append(a) or real(*a, **k))
    with pytest.raises(LimitError) as refused:
        ExcelReportChecker().rows("students", _tall(tmp_path / "big.xlsx", 5_000), policy,
                                  max_rows=1_000)
    problem = refused.value.problems[0]
    assert problem.code == "UPLOAD_TOO_MANY_ROWS" and problem.location.file == "big.xlsx"
    assert "1,000" in problem.message_en and "۱" not in problem.message_en
    assert opened == []                              # never handed to calamine


def test_a_report_at_the_limit_is_read(small_agency, policy):
    rows = ExcelReportChecker().rows("students", small_agency.students, policy)
    assert ExcelReportChecker().rows("students", small_agency.students, policy,
                                     max_rows=rows) == rows
    with pytest.raises(LimitError):
        ExcelReportChecker().rows("students", small_agency.students, policy,
                                  max_rows=rows - 20)


def test_an_upload_over_the_limit_is_413_and_not_kept(tmp_path):
    from dataclasses import replace

    service = make_api(f"sqlite:///{tmp_path / 'api.sqlite'}", tmp_path / "data")
    api = next(service)
    try:
        state = api.client.app.state
        state.settings = replace(state.settings, max_upload_rows=100)
        big = _tall(tmp_path / "big.xlsx", 2_000)
        answer = api.client.post("/api/v1/students/import", data={"role": "students"},
                                 files={"file": (big.name, big.read_bytes())},
                                 headers=api.auth("operator"))
        assert answer.status_code == 413, answer.text
        assert answer.json()["errors"][0]["code"] == "UPLOAD_TOO_MANY_ROWS"
        uploads = state.settings.uploads
        assert not uploads.exists() or not any(uploads.iterdir())
    finally:
        service.close()


class RacingJobBook(MemoryJobBook):
    """The window of the race: the key is not yet visible when the loser looks it up, and its
    create finds the winner's job."""

    def by_key(self, user, key):
        return None


def test_the_loser_of_an_idempotency_race_with_another_file_gets_409():
    book, shelf = RacingJobBook(), MemoryShelf()

    class Checker:
        def rows(self, role, path, policy, max_rows=None):
            return 1

    def upload(data: bytes):
        return import_upload(ImportUpload("students", "students", "a.xlsx", data, "op", "k"),
                             book, shelf, Checker(), policy=None, max_rows=10)

    first, created = upload(b"PK first")
    assert created
    book.create = lambda *a, **k: (first, False)     # the winner's job, found by its key
    again, created = upload(b"PK first")
    assert again is first and not created            # the same file: the same job
    with pytest.raises(ConflictError):
        upload(b"PK another file")
    assert list(shelf.kept) == [first.id]            # the loser's copy is not kept
