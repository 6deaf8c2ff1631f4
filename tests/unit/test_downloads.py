"""Issue J: a downloaded workbook is named by its kind, the run's Jalali date and its run id,
so ten downloads of ten runs are ten names; the files in the run's folder keep theirs."""

from __future__ import annotations

from types import SimpleNamespace

from smartalloc.entrypoints.api.downloads import download_name, workbook_download
from smartalloc.service_layer.ports import OUTPUT_FILES


def _job(result=None, created_at="2025-12-06T21:00:00+00:00"):
    return SimpleNamespace(id="0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9", result=result,
                           created_at=created_at)


def test_the_name_holds_the_runs_jalali_date_and_run_id():
    job = _job({"run_id": "21ffed3372a8", "allocated_at": "1404-09-15"})
    assert download_name("sabt", job) == "import_to_sabt-1404-09-15-21ffed3372a8.xlsx"
    assert download_name("allocation", job) == "allocation-1404-09-15-21ffed3372a8.xlsx"
    assert download_name("qa", job) == "qa-1404-09-15-21ffed3372a8.xlsx"
    assert download_name("matrix", job) == "eligibility_matrix-1404-09-15-21ffed3372a8.xlsx"
    assert OUTPUT_FILES["sabt"] == "import_to_sabt.xlsx"      # the folder's names stay


def test_a_job_recorded_before_the_date_was_kept_uses_its_tehran_creation_date():
    # 21:00 UTC on 6 Dec 2025 is 00:30 on 16 Azar 1404 in Tehran: the next day
    job = _job({"run_id": "abc"})
    assert download_name("qa", job) == "qa-1404-09-16-abc.xlsx"
    assert download_name("qa", _job(None)) == "qa-1404-09-16-0f1e2d3c.xlsx"


def test_the_header_is_ascii_and_names_the_attachment(tmp_path):
    path = tmp_path / "import_to_sabt.xlsx"
    path.write_bytes(b"PK")
    job = _job({"run_id": "21ffed3372a8", "allocated_at": "1404-09-15"})
    header = workbook_download(path, "sabt", job).headers["content-disposition"]
    assert header == 'attachment; filename="import_to_sabt-1404-09-15-21ffed3372a8.xlsx"'
    header.encode("ascii")
