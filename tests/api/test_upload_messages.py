"""Issue J, uploads: a file over the size limit is told the limit, its size and what to do (from
the upload handler, and from the body limit when the request is refused unread); a report in
another report's slot is recognised by its header and named, instead of a list of
missing-column codes. Data: the seeded synthetic agency."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.api.test_flow import upload_all

MB = 1024 * 1024


def _limit(api, size: int) -> None:
    api.client.app.state.settings = dataclasses.replace(api.settings, max_upload_bytes=size)


def _big(path: Path, size: int) -> Path:
    path.write_bytes(b"PK\x03\x04" + b"\0" * (size - 4))
    return path


def test_a_file_over_the_limit_is_told_the_limit_its_size_and_what_to_do(
        api, tmp_path: Path) -> None:
    _limit(api, 1 * MB)
    # over the per-file limit, within the request's framing: the upload handler refuses it
    answer = api.upload("students", _big(tmp_path / "StudentReport.xlsx", MB + 30_000),
                        "students")
    assert answer.status_code == 413, answer.text
    body = answer.json()
    assert body["type"] == "urn:smartalloc:problem:UPLOAD_TOO_LARGE"
    assert "1.03 MB" in body["title"] and "limit of 1 MB" in body["title"]
    assert "SMARTALLOC_MAX_UPLOAD_MB" in body["title"] and "split" in body["title"]
    assert "1.03 مگابایت" in body["detail"] and "(1 مگابایت)" in body["detail"]
    assert "SMARTALLOC_MAX_UPLOAD_MB" in body["detail"] and "حذف کنید" in body["detail"]
    assert body["errors"][0]["file"] == "StudentReport.xlsx"
    # far over it: the body limit answers unread, with the declared size
    answer = api.upload("students", _big(tmp_path / "huge.xlsx", 3 * MB), "students")
    assert answer.status_code == 413, answer.text
    item = answer.json()["errors"][0]
    assert item["code"] == "BODY_TOO_LARGE"
    assert "limit of 1 MB" in item["message_en"] and "SMARTALLOC_MAX_UPLOAD_MB" in item["message_en"]
    assert "is 3 MB" in item["message_en"] and "(1 مگابایت)" in item["message_fa"]


def test_a_report_in_the_wrong_slot_is_named(api, small_agency) -> None:
    answer = api.upload("mentors", small_agency.schools, "inspactor")
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["type"] == "urn:smartalloc:problem:UPLOAD_WRONG_REPORT"
    assert "این فایل شبیه گزارش مدارس (SchoolReport) است، نه گزارش پشتیبان‌ها" in body["detail"]
    assert "this looks like a SchoolReport, not the InspactorReport" in body["title"]
    assert [e["code"] for e in body["errors"]] == ["UPLOAD_WRONG_REPORT"]   # not four codes
    assert body["errors"][0]["file"] == small_agency.schools.name
    swapped = api.upload("students", small_agency.inspactor, "students").json()
    assert "InspactorReport, not the StudentReport" in swapped["title"]
    # the right files in the right slots are still accepted
    assert set(upload_all(api, small_agency)) >= {"inspactor", "schools", "students"}
