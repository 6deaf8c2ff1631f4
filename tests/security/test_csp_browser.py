"""Finding I-4 in a real browser: under the Content-Security-Policy the pages still work and
Chromium reports no violation — app.js runs, the style sheet and font load, the bars get their
widths from data (no style attribute), the job page's progress bar from ``aria-valuenow``.

Debian's headless Chromium through Playwright against a real uvicorn server, as the web e2e
test does (its server and browser fixtures are reused).
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from smartalloc.adapters.readers import read_students
from tests.web.test_e2e_browser import browser, login_by_keyboard, server, start_run  # noqa: F401


def violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text)
            if "Content Security Policy" in m.text else None)
    return found


def test_pages_work_under_the_policy(server, browser: Browser, policy) -> None:  # noqa: F811
    base, agency = server["base"], server["agency"]
    context = browser.new_context(locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    found = violations(page)
    login_by_keyboard(page, base, "admin")
    assert found == [], found
    job = start_run(page, base, agency)           # drag and drop, busy state, live progress
    width = page.evaluate("getComputedStyle(document.querySelector('#job-progress .fill'))"
                          ".width === getComputedStyle(document.querySelector('#job-progress'))"
                          ".width")
    assert width, "the finished job's bar is not full"
    assert found == []
    found.clear()
    for path in ("/ui/run", "/ui/jobs", "/ui/students", "/ui/mentors", "/ui/history",
                 "/ui/setup", f"/ui/jobs/{job}?lang=en"):
        page.goto(base + path)
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith(
            "Vazirmatn"), path
        if not path.startswith("/ui/jobs/"):
            assert found == [], (path, found)
    found.clear()
    nid = read_students(agency.students, policy).records[0].national_id
    page.goto(f"{base}/ui/students/{nid}?job_id={job}")   # the explain page's stage bars
    widths = page.locator("#stages .hbar").evaluate_all(
        "bars => bars.map(b => b.getBoundingClientRect().width)")
    assert len(widths) == 8 and max(widths) > 10, widths
    assert found == [], found
    context.close()
