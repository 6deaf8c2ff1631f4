"""Issue J, the operator's experience on the pages: upload errors give the limit, the size and
what to do; the files a slot accepted are kept when another slot fails (the operator re-chooses
only the refused one); a report put in another's slot is named inline; the explain page shows
the suggested action of an unallocated student and every row of a repeated national id. In
Chromium at 390 and 1366 px with axe-core (0 violations), and through TestClient in Persian and
English. Data: the seeded synthetic agency."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from smartalloc.adapters.readers import read_students
from tests.web.conftest import UPLOAD_ROLES, Web
from tests.web.test_e2e_browser import browser, login_by_keyboard, server, start_run  # noqa: F401
from tests.web.test_pages import run_files
from tests.web.test_screens import _violations, _width

MB = 1024 * 1024


def _block(html: str, role: str) -> str:
    found = re.search(rf'id="err-{role}".*?</div>', html, re.S)
    assert found, f"no inline error for {role}"
    return found[0]


def test_a_file_over_the_limit_names_limit_size_and_next_step(make_web, small_agency,
                                                               tmp_path: Path) -> None:
    web: Web = make_web(max_upload_bytes=MB)
    web.login("operator")
    big = tmp_path / "StudentReport.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"\0" * (MB + 30_000))
    answer = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")},
                             files=run_files(small_agency, students=big))
    assert answer.status_code == 422
    block = _block(answer.text, "students")
    assert "HTTP_413" not in answer.text
    assert "1.03 مگابایت" in block and "(1 مگابایت)" in block
    assert "SMARTALLOC_MAX_UPLOAD_MB" in block and "چند بخش" in block
    english = web.client.post("/ui/run?lang=en", data={"csrf_token": web.csrf("/ui/run")},
                              files=run_files(small_agency, students=big))
    block = _block(english.text, "students")
    assert "is 1.03 MB, over the limit of 1 MB per file" in block
    assert "split the file" in block and "SMARTALLOC_MAX_UPLOAD_MB" in block


def test_accepted_files_are_kept_when_another_slot_fails(web: Web, small_agency) -> None:
    web.login("operator")
    answer = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")},
                             files=run_files(small_agency, inspactor=small_agency.schools))
    assert answer.status_code == 422
    block = _block(answer.text, "inspactor")
    assert "این فایل شبیه گزارش مدارس (SchoolReport) است، نه گزارش پشتیبان‌ها" in block
    assert "INPUT_MISSING_COLUMN" not in block
    kept = dict(re.findall(r'name="kept_(\w+)" value="([0-9a-f-]+)"', answer.text))
    assert set(kept) == set(UPLOAD_ROLES) - {"inspactor"}
    for role in kept:
        assert getattr(small_agency, role).name in re.search(
            rf'id="kept-{role}".*?</div>', answer.text, re.S)[0]
    # Only the refused slot is chosen again; the kept uploads go with it.
    again = web.client.post(
        "/ui/run", data={"csrf_token": web.csrf("/ui/run"),
                         **{f"kept_{r}": v for r, v in kept.items()}},
        files={"inspactor": run_files(small_agency)["inspactor"]}, follow_redirects=False)
    assert again.status_code == 303, again.text
    job = web.client.app.state.jobs.get(again.headers["location"].rsplit("/", 1)[-1])
    assert {r: job.params["files"][r] for r in kept} == kept
    # A kept id of another slot's report, or an unknown one, is not taken.
    wrong = web.client.post(
        "/ui/run", data={"csrf_token": web.csrf("/ui/run"), "kept_students": kept["schools"],
                         "kept_inspactor": "no-such-upload", "kept_schools": kept["schools"]})
    assert wrong.status_code == 422
    assert "این فایل الزامی است" in _block(wrong.text, "students")
    assert "این فایل الزامی است" in _block(wrong.text, "inspactor")
    assert 'id="kept-schools"' in wrong.text


@pytest.mark.parametrize("width", [390, 1366])
def test_wrong_slot_and_kept_files_in_chromium(server, browser: Browser,  # noqa: F811
                                               width: int) -> None:
    base, agency = server["base"], server["agency"]
    # bypass_csp: axe is injected as an inline script, which the pages' CSP rightly refuses
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fa-IR",
                                  bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    login_by_keyboard(page, base, "operator")
    page.goto(f"{base}/ui/run")
    page.set_input_files("#file-inspactor", str(agency.schools))
    for role in UPLOAD_ROLES[1:]:
        page.set_input_files(f"#file-{role}", str(getattr(agency, role)))
    page.locator("#run-submit").click()
    expect(page.locator("#run-errors")).to_be_visible()
    expect(page.locator("#err-inspactor")).to_contain_text(
        "این فایل شبیه گزارش مدارس (SchoolReport) است، نه گزارش پشتیبان‌ها")
    for role in UPLOAD_ROLES[1:]:
        expect(page.locator(f"#kept-{role}")).to_contain_text(getattr(agency, role).name)
    assert page.locator("#file-inspactor").get_attribute("aria-invalid") == "true"
    assert _violations(page) == [] and _width(page) <= width
    # Only the refused slot again: the run starts with the kept files.
    page.set_input_files("#file-inspactor", str(agency.inspactor))
    page.locator("#run-submit").click()
    page.wait_for_url("**/ui/jobs/*")
    context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_explain_shows_rows_and_suggested_action_in_chromium(server, browser: Browser,  # noqa: F811
                                                             policy, width: int) -> None:
    base, agency, app = server["base"], server["agency"], server["app"]
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fa-IR",
                                  bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    login_by_keyboard(page, base, "operator")
    job = start_run(page, base, agency)
    students = read_students(agency.students, policy).records
    nid = next(n for n, k in Counter(s.national_id for s in students).items() if k > 1 and n)
    rows = [s.row for s in students if s.national_id == nid]
    page.goto(f"{base}/ui/students/{nid}?job_id={job}")
    expect(page.locator("#report-rows tbody tr")).to_have_count(len(rows))
    expect(page.locator(f'#report-rows tr[data-row="{rows[1]}"]')).to_contain_text(
        f"تکرار ردیف {rows[0]}")
    assert _violations(page) == [] and _width(page) <= width
    # an unallocated student (not a repeat): its suggested action, in Persian and English
    lines = app.state.system.kept_run(app.state.settings.runs / job / "explain.sqlite"
                                      ).results().students
    failed = next(line for line in lines if line.status != "ALLOCATED"
                  and line.failure_class in ("ELIGIBILITY_NO_MATCH", "CAPACITY_FULL"))
    page.goto(f"{base}/ui/students/{failed.national_id}?job_id={job}")
    expect(page.locator("#suggested-action")).to_have_attribute("lang", "fa")
    expect(page.locator("#suggested-action")).not_to_be_empty()
    assert _violations(page) == [] and _width(page) <= width
    page.goto(f"{base}/ui/students/{failed.national_id}?job_id={job}&lang=en")
    expect(page.locator("#suggested-action")).not_to_have_attribute("lang", "fa")
    expect(page.locator("#suggested-action")).to_contain_text("mentor")
    assert _violations(page) == []
    context.close()
