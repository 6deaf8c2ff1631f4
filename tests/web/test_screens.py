"""Every page state in real Chromium (issue J, "any screen"): axe-core finds no violation at
390 px and 1366 px, and no page is wider than a 360 px phone. axe-core comes from npm, pinned
by tools/axe/package-lock.json (`make test` and `.ci/run` install it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from smartalloc.adapters.readers import read_students
from smartalloc.domain import glossary
from tests.api.test_intake_now import entry_like
from tests.intake_payloads import SECRET
from tests.web.test_e2e_browser import browser, login_by_keyboard, server, start_run  # noqa: F401

AXE = Path(__file__).resolve().parents[2] / "tools" / "axe" / "node_modules" / "axe-core" / \
    "axe.min.js"


def _violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
    }""")
    return found


def _width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture(scope="module")
def pages(server, browser: Browser, policy) -> list[str]:  # noqa: F811
    """The page states to check: a finished run with its what-if, and every menu page."""
    assert AXE.is_file(), "axe-core is missing: run `npm ci --prefix tools/axe` (make test does)"
    base = server["base"]
    context = browser.new_context(locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login_by_keyboard(page, base, "admin")
    job = start_run(page, base, server["agency"])
    page.goto(f"{base}/ui/jobs/{job}/whatif")
    page.locator("#wi-start").click()
    page.wait_for_selector("#wi-summary", timeout=30_000)
    nid = read_students(server["agency"].students, policy).records[0].national_id
    page.goto(f"{base}/ui/students?q={nid}")
    explain = page.locator("#search-results a.button").first.get_attribute("href")
    page.goto(base + explain)
    mentor = page.locator("#candidates tbody tr").first.get_attribute("data-mentor")
    for n, record in enumerate(read_students(server["agency"].students, policy).records[:3]):
        arrived = httpx.post(f"{base}/api/v1/intake/gravity-forms",
                             content=json.dumps(entry_like(8000 + n, record.keys)),
                             headers={"X-SmartAlloc-Intake-Key": SECRET,
                                      "Content-Type": "application/json"})
        assert arrived.status_code in (200, 202), arrived.text
    state = context.storage_state()
    context.close()
    return [state, "/ui/run", "/ui/jobs", f"/ui/jobs/{job}", f"/ui/jobs/{job}/whatif",
            "/ui/history", f"/ui/jobs/{job}/review",
            "/ui/students?q=1", f"{explain}&mentor={mentor}", "/ui/mentors",
            f"/ui/history?mentor_id={mentor}", "/ui/setup", "/ui/no-such-page",
            f"/ui/jobs/{job}?lang=en", "/ui/password", f"/ui/mentors?mentor={mentor}"]


@pytest.mark.parametrize("width", [390, 1366])
def test_every_page_passes_axe(server, browser: Browser, pages, width: int) -> None:  # noqa: F811
    state, *paths = pages
    # bypass_csp: axe is injected as an inline script, which the pages' CSP rightly refuses
    context = browser.new_context(storage_state=state, viewport={"width": width, "height": 900},
                                  bypass_csp=True)
    page = context.new_page()
    failures = {}
    for path in paths:
        page.goto(server["base"] + path)
        if found := _violations(page):
            failures[path] = found
    # The governance confirmation (reached by a POST): the mentor's name before the change.
    page.goto(server["base"] + paths[-1])
    page.fill("#g-reason", "بررسی دسترس‌پذیری")
    page.locator("#gov-submit").click()
    page.wait_for_selector("#gov-confirm")
    if found := _violations(page):
        failures["confirm"] = found
    if _width(page) > width:
        failures["confirm"] = [f"{_width(page)} px wide"]
    context.close()
    login = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    login.goto(server["base"] + "/ui/login")
    if found := _violations(login):
        failures["/ui/login"] = found
    login.close()
    assert failures == {}, "\n".join(f"{p}: {v}" for p, found in failures.items() for v in found)


def test_no_page_is_wider_than_a_phone(server, browser: Browser, pages) -> None:  # noqa: F811
    state, *paths = pages
    context = browser.new_context(storage_state=state, viewport={"width": 360, "height": 800})
    page = context.new_page()
    wide = {}
    for path in [*paths, "/ui/login"]:
        page.goto(server["base"] + path)
        if (width := _width(page)) > 360:
            wide[path] = width
    context.close()
    assert wide == {}


def _contrast(a: str, b: str) -> float:
    def lum(rgb: str) -> float:
        r, g, b_ = (int(x) / 255 for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
        f = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b_)]
        return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_focus_ring_and_chart_marks_stand_out(server, browser: Browser, pages) -> None:  # noqa: F811
    """WCAG 1.4.11: the focus ring (was #f0a500, 2:1 on white) and the "before" bars (1.98:1)
    at 3:1 or more against what is behind them."""
    state, *paths = pages
    context = browser.new_context(storage_state=state)
    page = context.new_page()
    page.goto(server["base"] + paths[2])                      # a finished run's page
    white = "rgb(255, 255, 255)"
    bar = page.evaluate("getComputedStyle(document.querySelector('svg.chart .bar-before')).fill")
    assert _contrast(bar, white) >= 3, bar
    for _ in range(30):                                        # keyboard focus into the page
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('main')"):
            break
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    behind = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert _contrast(ring, behind) >= 3 and _contrast(ring, white) >= 3, ring
    context.close()


# Words the audit found on pages that operators do not use (issue J): they say فایل اکسل, not
# کارپوشه; ظرفیت, not صندلی; a mentor list, not a pool; no filter stages, no "audit" jargon.
NOT_OPERATORS_WORDS = ("کارپوشه", "صندلی", "استخر", "صافی", "شش‌کلیدی", "ممیزی")
# Codes that must never reach a Persian page as they are (issue J, Why 3): the glossary's words
# are shown, the code only in an attribute.
CODES = (*glossary.QA_STATUSES, *glossary.CHANNELS, *glossary.RANKING_RULES,
         *glossary.FAILURE_CLASSES, "FROZEN", "Policy v")


def test_pages_speak_the_operators_words(server, browser: Browser, pages) -> None:  # noqa: F811
    state, *paths = pages
    context = browser.new_context(storage_state=state)
    page = context.new_page()
    found = {}
    for path in paths:
        page.goto(server["base"] + path)
        text = page.inner_text("body")
        persian = "lang=en" not in path
        codes = [c for c in CODES if re.search(rf"\b{re.escape(c)}\b", text)] if persian else []
        if words := [w for w in NOT_OPERATORS_WORDS if w in text] + codes:
            found[path] = words
    context.close()
    assert found == {}


def test_charts_are_readable_on_a_phone(server, browser: Browser, pages) -> None:  # noqa: F811
    """Issue J, Why 5: chart labels were 3 px on a phone and counts overlapped their bars in
    RTL. A chart is never scaled below reading size (it scrolls inside its box instead), and
    each count stands clear of its bar."""
    state, *paths = pages
    run = next(p for p in paths if p.startswith("/ui/jobs/") and p.count("/") == 3)
    context = browser.new_context(storage_state=state, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server["base"] + run)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    heights = page.evaluate("""[...document.querySelectorAll('svg.chart text.axis')]
        .map(t => t.getBoundingClientRect().height).filter(h => h > 0)""")
    assert heights and min(heights) >= 8, sorted(heights)[:5]
    clear = page.evaluate("""[...document.querySelectorAll('svg.chart.bars rect')].map(bar => {
        const count = bar.nextElementSibling.getBoundingClientRect();
        const box = bar.getBoundingClientRect();
        return count.right <= box.left + 0.5 || count.left >= box.right - 0.5; })""")
    assert clear and all(clear)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
