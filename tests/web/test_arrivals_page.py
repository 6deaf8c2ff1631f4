"""Live registrations on the pages (issue L): after a run, an entry allocated on arrival and
one that waits for the batch are listed on the history page and on the run's review page — in
the operator's words (no status or failure code in the text), with the mentor and the code —
and a viewer, who may not see students, sees neither them nor the section."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from smartalloc.adapters.db.schema import Student
from smartalloc.domain.contracts import SABT_SHEET
from smartalloc.service_layer.ports import OUTPUT_FILES
from tests.api.test_intake_now import entry_like, placed_keys
from tests.intake_payloads import SECRET, SECRET_ENV, entry, now_policy_file
from tests.unit.factories import valid_national_id
from tests.web.conftest import Web
from tests.web.test_pages import run_files, wait

URL = "/api/v1/intake/gravity-forms"
HEADERS = {"X-SmartAlloc-Intake-Key": SECRET, "Content-Type": "application/json"}


@pytest.fixture
def live_web(make_web, tmp_path: Path, monkeypatch) -> Web:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    path = now_policy_file(tmp_path)
    return make_web(policy_path=path)


def visible(html: str) -> str:
    return re.sub(r'data-[a-z]+="[^"]*"', "", html)


def test_allocated_and_waiting_registrations_are_listed_in_the_operators_words(
        live_web: Web, small_agency) -> None:
    web = live_web
    web.login("operator")
    run = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")},
                          files=run_files(small_agency), follow_redirects=False)
    job_url = run.headers["location"]
    assert wait(web, job_url)["state"] == "succeeded"
    keys = placed_keys(web)
    placed = web.client.post(URL, content=json.dumps(entry_like(6001, keys)), headers=HEADERS)
    assert placed.status_code == 200, placed.text
    state = web.client.app.state                 # the keys of a student the run found no row for
    lines = state.system.kept_run(state.settings.runs / job_url.rsplit("/", 1)[-1]
                                  / OUTPUT_FILES["explain"]).results().students
    lost = next(s.national_id for s in lines if s.failure_class == "ELIGIBILITY_NO_MATCH")
    with state.engine.connect() as conn:
        nowhere = tuple(conn.execute(select(
            Student.c.group_code, Student.c.gender, Student.c.graduation_status, Student.c.center,
            Student.c.finance, Student.c.school_code).where(Student.c.national_id == lost)).one())
    waiting = web.client.post(URL, content=json.dumps(entry_like(6002, nowhere)),
                              headers=HEADERS)
    assert waiting.status_code == 202 and waiting.json()["failure"] == "ELIGIBILITY_NO_MATCH"

    history = web.client.get("/ui/history").text
    table = re.search(r'<table id="arrivals-table">.*?</table>', history, re.S)[0]
    assert 'data-status="allocated"' in table and 'data-status="queued"' in table
    assert placed.json()["registration_code"] in table and placed.json()["mentor"]["id"] in table
    assert valid_national_id(6001) in table and valid_national_id(6002) in table
    assert "تخصیص داده شد (آنلاین)" in table and "در صف اجرای هفتگی" in table
    assert "بدون پشتیبان واجد شرایط" in table
    for code in ("ELIGIBILITY_NO_MATCH", "allocated", "queued"):
        assert code not in visible(table)
    english = web.client.get("/ui/history?lang=en").text
    assert "allocated on arrival" in english and "waiting for the weekly run" in english

    mine = web.client.get(f"/ui/history?national_id={valid_national_id(6002)}").text
    assert mine.count("<tr data-status=") == 1 and 'data-status="queued"' in mine

    job_id = job_url.rsplit("/", 1)[-1]
    review = web.client.get(f"/ui/jobs/{job_id}/review?lang=fa").text
    assert 'id="arrivals-table"' in review and valid_national_id(6002) in review

    made = web.client.post("/ui/intake/sabt", data={"csrf_token": web.csrf("/ui/history")})
    assert made.status_code == 200 and made.content[:2] == b"PK"      # an xlsx download
    rows = CalamineWorkbook.from_filelike(io.BytesIO(made.content)) \
        .get_sheet_by_name(SABT_SHEET).to_python()[1:]
    assert [str(r[1]) for r in rows] == [placed.json()["registration_code"]]
    none = web.client.post("/ui/intake/sabt", data={"csrf_token": web.csrf("/ui/history")},
                           follow_redirects=True)
    assert 'id="arrivals-sabt-none"' in none.text                # nothing new: said so
    assert "در فایل ImportToSabt نوشته شد" in none.text
    assert web.client.post("/ui/intake/sabt", data={}).status_code == 403   # no CSRF

    web.client.post("/ui/logout", data={"csrf_token": web.csrf()})
    web.login("viewer")
    seen = web.client.get("/ui/history").text
    assert 'id="arrivals"' not in seen and valid_national_id(6001) not in seen
    assert web.client.post("/ui/intake/sabt", data={"csrf_token": web.csrf()}
                           ).status_code == 403


def test_older_registrations_are_a_page_away(live_web: Web) -> None:
    """The history page lists the latest 50 registrations and links to the older ones, which
    link back to the newest: none is out of the operator's reach."""
    web = live_web
    web.login("operator")
    for n in range(51):                       # no run yet: each is queued for the batch
        sent = web.client.post(URL, content=json.dumps(entry(7000 + n)), headers=HEADERS)
        assert sent.status_code == 202, sent.text
    first = web.client.get("/ui/history").text
    assert first.count("<tr data-status=") == 50
    assert valid_national_id(7050) in first and valid_national_id(7000) not in first
    older = re.search(r'<a href="(/ui/history\?arrivals_before=\d+#arrivals)" rel="next"',
                      first)[1]
    second = web.client.get(older.replace("#arrivals", "")).text
    assert second.count("<tr data-status=") == 1 and valid_national_id(7000) in second
    assert 'id="arrivals-older"' not in second and 'href="/ui/history#arrivals"' in second
    assert "ثبت‌نام‌های قدیمی‌تر" in first and "تازه‌ترین ثبت‌نام‌ها" in second
    assert web.client.get("/ui/history?arrivals_before=x").status_code >= 400
