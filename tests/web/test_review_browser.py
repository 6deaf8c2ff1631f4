"""Manual review in a real browser (issue K): Debian's Chromium (never a downloaded one), at
390 px and 1366 px, axe-core finding no violation on any review page and nothing wider than
the screen.

The journey: an operator opens a run's results → the review tab → a student of the list →
releases an allocated student with a reason → assigns it again with a reason (confirmed first)
→ sees both in the student's history, newest first, in Persian with Jalali dates. Then a
refusal: while the operator confirms a move, an administrator takes the mentor's last seat;
the page says the action was not carried out and who took the seat and when (Persian digits).

``SMARTALLOC_REVIEW_SHOTS=<folder>`` also saves the pages as PNGs there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from smartalloc.entrypoints.api.security import issue_token
from smartalloc.service_layer.ports import OUTPUT_FILES
from tests.web.test_e2e_browser import browser, login_by_keyboard, server, start_run  # noqa: F401
from tests.web.test_screens import AXE, _violations


def shot(page: Page, name: str) -> None:
    if folder := os.environ.get("SMARTALLOC_REVIEW_SHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def checked(page: Page, width: int, name: str) -> None:
    """No axe-core violation and nothing wider than the screen (and a picture, if asked)."""
    assert _violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    shot(page, f"{name}-{width}")


@pytest.fixture(scope="module")
def run(server, browser: Browser) -> dict:  # noqa: F811
    """One run for the module: a reviewed run is not run again (RUN_REVIEWED)."""
    assert AXE.is_file(), "axe-core is missing: run `npm ci --prefix tools/axe`"
    context = browser.new_context(locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    login_by_keyboard(page, server["base"], "operator")
    job = start_run(page, server["base"], server["agency"])
    context.close()
    state = server["app"].state
    lines = state.system.kept_run(state.settings.runs / job / OUTPUT_FILES["explain"]) \
        .results().students
    return {"job": job, "allocated": [s for s in lines if s.status == "ALLOCATED"]}


def operator_page(server, browser: Browser, width: int) -> Page:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fa-IR",
                                  bypass_csp=True)    # axe is injected as an inline script
    page = context.new_page()
    page.set_default_timeout(20_000)
    login_by_keyboard(page, server["base"], "operator")
    return page


@pytest.mark.parametrize("width", [390, 1366])
def test_operator_reviews_a_student_from_the_results(server, browser: Browser, run,  # noqa: F811
                                                     width: int) -> None:
    base, job = server["base"], run["job"]
    student = run["allocated"][0 if width == 390 else 1]
    page = operator_page(server, browser, width)
    page.goto(f"{base}/ui/jobs/{job}")
    page.locator("#tab-review").click()
    page.wait_for_url(f"**/ui/jobs/{job}/review")
    expect(page.locator("#tab-review")).to_have_attribute("aria-current", "page")
    checked(page, width, "review-list")
    if page.locator("#review-list tbody tr").count():          # a student of the list
        page.locator("#review-list tbody tr a.button").first.click()
        expect(page.locator("#review-student")).to_be_visible()
        checked(page, width, "review-unallocated")
        page.go_back()

    page.fill("#rv-q", student.national_id)                     # any student of the run
    page.locator("#review-open button").click()
    expect(page.locator("#mentor-now a")).to_have_text(student.mentor_id)
    checked(page, width, "review-student")
    page.fill("#rl-reason", "انصراف موقت به درخواست ولی")
    page.locator("#release-submit").click()
    expect(page.locator("#review-confirm")).to_be_visible()
    expect(page.locator("#rc-reason")).to_have_text("انصراف موقت به درخواست ولی")
    checked(page, width, "review-confirm")
    page.locator("#rc-submit").click()
    expect(page.locator("#review-done")).to_be_visible()
    expect(page.locator("#mentor-now")).to_have_text("تخصیص نیافته")

    # the freed seat is its old mentor's: it is among the candidates with seats left
    expect(page.locator(f'#review-candidates tr[data-mentor="{student.mentor_id}"]')) \
        .to_have_count(1)
    page.select_option("#rv-mentor", student.mentor_id)
    page.fill("#rv-reason", "بازگشت به پشتیبان پیشین")
    page.locator("#review-submit").click()
    expect(page.locator("#rc-mentors")).to_contain_text(student.mentor_id)
    page.locator("#rc-submit").click()
    expect(page.locator("#review-done")).to_contain_text("تخصیص")
    expect(page.locator("#mentor-now a")).to_have_text(student.mentor_id)
    rows = page.locator("#review-history tbody tr")
    expect(rows).to_have_count(2)
    assert [rows.nth(i).get_attribute("data-action") for i in range(2)] == ["assign", "release"]
    newest = rows.first.inner_text()
    assert "بازگشت به پشتیبان پیشین" in newest and "operator" in newest
    assert re.search(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}", newest)   # Jalali, Persian digits
    text = page.inner_text("main")
    assert not re.search(r"\b(MANUAL|assign|release|CAPACITY_FULL|PASSED_QA)\b", text)
    checked(page, width, "review-history")
    page.context.close()


def test_a_seat_taken_meanwhile_is_refused_naming_who(server, browser: Browser,  # noqa: F811
                                                      run) -> None:
    base, job, app = server["base"], run["job"], server["app"]
    page = operator_page(server, browser, 390)
    student = next(s for s in run["allocated"][5:]
                   if page.goto(f"{base}/ui/jobs/{job}/review/{s.national_id}")
                   and page.locator("#rv-mentor option").count())
    target = page.locator("#rv-mentor option").first.get_attribute("value")
    page.fill("#rv-reason", "درخواست ولی")
    page.locator("#review-submit").click()
    expect(page.locator("#review-confirm")).to_be_visible()

    # meanwhile an administrator fills the mentor (exceptions through the API)
    admin = {"Authorization": f"Bearer {issue_token(app.state.settings, 'admin')}"}
    seats = app.state.system.seats_now()
    movers = [s for s in run["allocated"][10:] if s.mentor_id != target and s is not student]
    while seats.seats([target])[target].left > 0:
        mover = movers.pop()
        taken = page.request.post(f"{base}/api/v1/review/move", headers=admin, data={
            "national_id": mover.national_id, "mentor_id": target, "reason": "ظرفیت",
            "exception": True})
        assert taken.ok, taken.text()

    page.locator("#rc-submit").click()
    error = page.locator("#review-error")
    expect(error).to_be_visible()
    message = page.locator("#rv-error").inner_text()
    assert "ظرفیت خالی ندارد" in message and "admin" in message
    assert re.search(r"۱۴[۰-۹]{2}", message) and not re.search(r"[0-9]", message)
    expect(page.locator("#mentor-now a")).to_have_text(student.mentor_id)   # nothing changed
    checked(page, 390, "review-refused")
    page.context.close()
