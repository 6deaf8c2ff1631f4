"""The run pages at agency size (issue J, deliver 6), without a 100k run (its speed is
`benchmarks/web_pages_bench.py`'s): the results page renders from the kept summary alone and
shows long tables a page at a time; the progress the page polls carries the running stage's
sub-step with its counts and the elapsed time."""

from __future__ import annotations

import json
import re
import sqlite3

from smartalloc.adapters.explain_file import _SCHEMA, FORMAT
from smartalloc.domain.run_results import Occupancy, RunResults, summary_document
from smartalloc.entrypoints.api.security import issue_token
from tests.web.conftest import Web


def _kept_summary_only(folder, mentors: int) -> None:
    """An ``explain.sqlite`` holding the run's summary and students whose decisions the page
    must not need (unreadable here: parsing one would fail the page)."""
    folder.mkdir(parents=True)
    results = RunResults(
        occupancy=[Occupancy(f"M{i:04d}", f"پشتیبان {i}", 10, 5, 0.1, 0.6) for i in range(mentors)],
        by_keys=[((1, 2, 3, 4, 5, i), 1, "CAPACITY_FULL") for i in range(3)])
    con = sqlite3.connect(folder / "explain.sqlite")
    con.executescript(_SCHEMA)
    con.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("format", FORMAT), ("results", json.dumps(summary_document(results)))])
    con.executemany("INSERT INTO students VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (f"{i:010d}", i, "نام", "1,2,3,4,5,6", "ALLOCATED", "M0001", "not json")
        for i in range(50)])
    con.commit()
    con.close()


def _succeeded_run(web: Web) -> str:
    state = web.client.app.state
    job, _ = state.jobs.create("allocation", {"files": {}}, user="admin", state="succeeded",
                               result={"counts": {"students": 50, "allocated": 50},
                                       "qa_status": "PASSED_QA", "files": {}})
    state.jobs.update(job.id, progress=1.0, stage="done")
    return job.id


def test_results_page_renders_from_the_kept_summary_a_page_at_a_time(web: Web) -> None:
    web.login("admin")
    job_id = _succeeded_run(web)
    _kept_summary_only(web.settings.runs / job_id, mentors=450)
    page = web.client.get(f"/ui/jobs/{job_id}")
    assert page.status_code == 200, page.text
    table = re.search(r'id="occupancy".*?</table>', page.text, re.S)[0]
    assert table.count("<tr data-mentor=") == 200            # 450 mentors: page 1 of 3
    assert 'href="?occ=2#occ-title"' in page.text and "صفحهٔ ۱ از ۳" in page.text
    by_keys = re.search(r'id="by-keys".*?<tbody>(.*?)</tbody>', page.text, re.S)[1]
    assert by_keys.count("<tr>") == 3
    last = web.client.get(f"/ui/jobs/{job_id}", params={"occ": "3"}).text
    rows = re.findall(r'<tr data-mentor="([^"]+)"', re.search(
        r'id="occupancy".*?</table>', last, re.S)[0])
    assert len(rows) == 50 and 'href="?occ=2#occ-title"' in last and "?occ=4" not in last
    assert re.search(r"<details open><summary>", last)       # the paged table stays open


def test_progress_json_carries_the_sub_step_with_its_counts(web: Web) -> None:
    web.login("viewer")
    state = web.client.app.state
    job, _ = state.jobs.create("allocation", {"files": {}}, user="admin", state="running")
    state.jobs.update(job.id, stage="read", progress=0.0)
    log = state.system.progress_log(web.settings.runs / job.id)   # as the job's processes do
    log.append({"stage": "read", "fraction": 0.0})
    log.append({"stage": "read", "step": "report", "done": 2, "total": 6, "item": "students"})
    log.append({"stage": "read", "step": "rows", "done": 40000, "item": "students"})
    body = web.client.get(f"/ui/api/jobs/{job.id}").json()
    assert body["stage"] == "read"
    assert body["step"] == {"name": "rows", "done": 40000, "item": "students"}
    assert body["step_text"] == "خواندن گزارش دانش‌آموزان: ۴۰٬۰۰۰ ردیف"
    assert body["elapsed_s"] >= 0 and re.fullmatch(r"[۰-۹]+:[۰-۹]{2}", body["elapsed_text"])
    page = web.client.get(f"/ui/jobs/{job.id}").text          # the first paint says it too
    assert "خواندن گزارش دانش‌آموزان: ۴۰٬۰۰۰ ردیف" in page

    state.jobs.update(job.id, stage="write", progress=0.7)
    log.append({"stage": "write", "fraction": 0.7})
    log.append({"stage": "write", "step": "files", "total": 6})
    for name in ("eligibility_matrix.xlsx", "import_to_sabt.xlsx", "qa.xlsx"):
        log.append({"stage": "write", "step": "file", "item": name})
    body = web.client.get(f"/ui/api/jobs/{job.id}", params={"lang": "en"}).json()
    assert body["files"] == {"done": 3, "total": 6}
    assert body["step_text"] == "writing files: 3 of 6 (last: qa.xlsx)"
    assert 70 < body["progress_percent"] < 100                 # the bar moves inside the stage
    rest = web.client.get(f"/api/v1/allocation/status/{job.id}", headers={
        "Authorization": f"Bearer {issue_token(web.settings, 'viewer')}"}).json()
    assert rest["files"] == {"done": 3, "total": 6} and rest["step"]["name"] == "file"
    assert rest["progress_percent"] == body["progress_percent"]   # the API says what the page does
