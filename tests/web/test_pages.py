"""The browser-facing pages through TestClient: sign-in and the session cookie, CSRF, role-aware
menus and the Persian 403, error pages (never a traceback), a bad workbook named inline,
Jalali dates, lang/dir, and one upload → run → results → search → explain → overrides flow."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from pathlib import Path

import jwt
import xlsxwriter
from python_calamine import CalamineWorkbook

from smartalloc.adapters.db.mentor_registry import MentorRegistry
from smartalloc.domain.contracts import SABT_COLUMNS, SABT_SHEET
from smartalloc.entrypoints.api.ratelimit import Verdict
from smartalloc.entrypoints.web.i18n import jalali
from tests.integration.conftest import reported_mentors
from tests.web.conftest import SECRET, UPLOAD_ROLES, XLSX, Web, csrf_of


def html_attrs(text: str) -> tuple[str, str]:
    found = re.search(r'<html lang="(\w+)" dir="(\w+)">', text)
    assert found, text[:200]
    return found[1], found[2]


def menu(text: str) -> set[str]:
    nav = re.search(r"<nav .*?</nav>", text, re.S)
    return set(re.findall(r'href="(/ui/[a-z]+)"', nav[0])) if nav else set()


def run_files(agency, **replace: Path) -> dict:
    paths = {role: replace.get(role, getattr(agency, role)) for role in UPLOAD_ROLES}
    return {role: (p.name, p.read_bytes(), XLSX) for role, p in paths.items()}


def wait(web: Web, job_url: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = web.client.get(job_url.replace("/ui/jobs/", "/ui/api/jobs/")).json()
        if body["state"] in ("succeeded", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(body)


# --- sign-in, cookie, CSRF --------------------------------------------------------------------
def test_login_cookie_flags_and_logout(web: Web) -> None:
    anonymous = web.client.get("/ui/run", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/ui/login?next=/ui/run")

    wrong = web.login("operator", "not-the-password")
    assert wrong.status_code == 401 and "نام کاربری یا گذرواژه نادرست است" in wrong.text
    assert "smartalloc_session" not in web.client.cookies

    form = web.client.get("/ui/login?next=/ui/mentors")
    answer = web.client.post("/ui/login", data={
        "username": "operator", "password": "operator-password", "next": "/ui/mentors",
        "csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/mentors"
    cookie = next(c for c in answer.headers.get_list("set-cookie")
                  if c.startswith("smartalloc_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/", "max-age=3600"} <= flags
    token = cookie.split(";")[0].split("=", 1)[1]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="smartalloc-api")
    assert claims["sub"] == "operator"
    # The same token works as the API's bearer token: one sign-in, one token format.
    assert web.client.get("/api/v1/mentors", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200
    assert web.client.get("/ui/run").status_code == 200

    logout = web.client.post("/ui/logout", data={"csrf_token": web.csrf()},
                             follow_redirects=False)
    assert logout.status_code == 303 and logout.headers["location"] == "/ui/login"
    assert web.client.get("/ui/run", follow_redirects=False).status_code == 303


def test_open_redirect_is_refused(web: Web) -> None:
    form = web.client.get("/ui/login")
    answer = web.client.post("/ui/login", data={
        "username": "viewer", "password": "viewer-password", "next": "//evil.example/ui/x",
        "csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert answer.headers["location"] == "/ui/jobs"


def test_expired_or_forged_session_goes_to_login(web: Web) -> None:
    web.client.cookies.set("smartalloc_session", jwt.encode(
        {"sub": "admin", "iss": "smartalloc", "aud": "smartalloc-api", "exp": 1}, SECRET))
    answer = web.client.get("/ui/jobs", follow_redirects=False)
    assert answer.status_code == 303 and "expired=1" in answer.headers["location"]
    page = web.client.get(answer.headers["location"])
    assert "نشست شما پایان یافته است" in page.text
    web.client.cookies.set("smartalloc_session", jwt.encode(
        {"sub": "admin", "iss": "smartalloc", "aud": "smartalloc-api",
         "exp": 4_000_000_000}, "another-secret-another-secret-another-secret"))
    assert web.client.get("/ui/jobs", follow_redirects=False).status_code == 303
    # The status endpoint the progress bar polls answers JSON, not a redirect.
    polled = web.client.get("/ui/api/jobs/nope")
    assert polled.status_code == 401
    assert polled.headers["content-type"] == "application/problem+json"


def test_state_changes_need_the_csrf_token(web: Web, make_web) -> None:
    assert web.login("admin").status_code == 303
    registry = MentorRegistry(web.client.app.state.engine)
    reported_mentors(web.client.app.state.engine, "7")
    change = {"mentor_id": "7", "action": "freeze", "reason": "مرخصی"}
    missing = web.client.post("/ui/mentors/status", data=change)
    assert missing.status_code == 403
    assert "توکن امنیتی نادرست" in missing.text and html_attrs(missing.text) == ("fa", "rtl")
    forged = web.client.post("/ui/mentors/status", data={**change, "csrf_token": "0" * 64})
    assert forged.status_code == 403
    assert registry.audit("7") == []

    other = make_web()                      # another session's token is not this one's
    other.login("operator")
    stolen = other.csrf()
    assert web.client.post("/ui/mentors/status", data={**change, "csrf_token": stolen}
                           ).status_code == 403
    assert web.client.post("/ui/run", data={}).status_code == 403
    assert web.client.post("/ui/logout", data={}).status_code == 403
    assert web.client.post("/ui/mentors/overrides", data={"ov_7": "off"}).status_code == 403
    assert web.client.get("/ui/jobs").status_code == 200          # still signed in

    asked = web.client.post("/ui/mentors/status", data={**change, "csrf_token": web.csrf()})
    assert asked.status_code == 200 and 'id="confirm-form"' in asked.text
    assert registry.audit("7") == []                              # asked, not done
    done = web.client.post("/ui/mentors/status", data={
        **change, "confirmed": "1", "csrf_token": web.csrf()}, follow_redirects=False)
    assert done.status_code == 303
    assert [(c.to_status, c.reason, c.changed_by) for c in registry.audit("7")] == [
        ("frozen", "مرخصی", "admin")]
    notice = web.client.get(done.headers["location"]).text        # what a freeze does is said
    assert "پیش‌تر به این پشتیبان تخصیص یافته‌اند نزد او می‌مانند" in notice


def test_login_form_needs_its_csrf_token(web: Web) -> None:
    web.client.get("/ui/login")
    refused = web.client.post("/ui/login", data={"username": "admin",
                                                 "password": "admin-password"})
    assert refused.status_code == 403 and "smartalloc_session" not in web.client.cookies


def test_reason_is_mandatory_for_governance(web: Web) -> None:
    web.login("admin")
    answer = web.client.post("/ui/mentors/status", data={
        "mentor_id": "7", "action": "freeze", "reason": "   ", "csrf_token": web.csrf()})
    assert answer.status_code == 422 and "دلیل تغییر وضعیت الزامی است" in answer.text
    restrict = web.client.post("/ui/mentors/status", data={
        "mentor_id": "7", "action": "restrict", "reason": "فقط مدرسه",
        "csrf_token": web.csrf()})
    assert restrict.status_code == 422 and "مدرسه یا کانال مجاز" in restrict.text
    assert MentorRegistry(web.client.app.state.engine).audit("7") == []
    unknown = web.client.post("/ui/mentors/status", data={
        "mentor_id": "۷", "action": "freeze", "reason": "مرخصی", "csrf_token": web.csrf()})
    assert unknown.status_code == 404 and "کد کارمندی را بررسی کنید" in unknown.text
    assert MentorRegistry(web.client.app.state.engine).list() == []


# --- roles --------------------------------------------------------------------------------------
def test_role_aware_menus_and_persian_403(make_web) -> None:
    seen = {}
    for role in ("viewer", "operator", "admin"):
        web = make_web()
        if role == "viewer":          # one known mentor, so the table (and overrides) show
            reported_mentors(web.client.app.state.engine, "7")
        web.login(role)
        mentors = web.client.get("/ui/mentors").text
        assert 'data-mentor="7"' in mentors
        seen[role] = (menu(mentors), 'id="gov-form"' in mentors, 'name="ov_7"' in mentors)
        if role == "viewer":
            refused = web.client.get("/ui/run")
            assert refused.status_code == 403
            assert html_attrs(refused.text) == ("fa", "rtl")
            assert "شما اجازهٔ انجام این کار را ندارید" in refused.text
            assert "نقش «بیننده» مجوز «اجرای تخصیص» را ندارد" in refused.text
            assert "Traceback" not in refused.text
            english = web.client.get("/ui/run?lang=en")
            assert "You are not allowed" in english.text
            assert html_attrs(english.text) == ("en", "ltr")
            web.client.get("/ui/jobs?lang=fa")
            posted = web.client.post("/ui/mentors/status", data={
                "mentor_id": "3", "action": "freeze", "reason": "x", "csrf_token": web.csrf()})
            assert posted.status_code == 403
    assert "/ui/run" not in seen["viewer"][0] and "/ui/jobs" in seen["viewer"][0]
    assert "/ui/run" in seen["operator"][0] and "/ui/run" in seen["admin"][0]
    assert [seen[r][1] for r in ("viewer", "operator", "admin")] == [False, False, True]
    assert [seen[r][2] for r in ("viewer", "operator", "admin")] == [False, True, True]


# --- errors -------------------------------------------------------------------------------------
def bad_inspactor(agency, path: Path) -> Path:
    """The agency's Inspactor report with a fractional capacity on Excel row 3."""
    wb = CalamineWorkbook.from_path(str(agency.inspactor))
    name = wb.sheet_names[0]
    rows = wb.get_sheet_by_name(name).to_python()
    rows[2][rows[0].index("تعداد تحت پوشش خاص")] = 12.5
    out = xlsxwriter.Workbook(str(path))
    sheet = out.add_worksheet(name)
    for i, row in enumerate(rows):
        sheet.write_row(i, 0, row)
    out.close()
    return path


def test_bad_workbook_is_named_inline_in_persian(web: Web, small_agency, tmp_path: Path) -> None:
    web.login("operator")
    bad = bad_inspactor(small_agency, tmp_path / "InspactorReport-bad.xlsx")
    files = run_files(small_agency, inspactor=bad)
    files.pop("students")
    answer = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")}, files=files)
    assert answer.status_code == 422 and html_attrs(answer.text) == ("fa", "rtl")
    block = re.search(r'id="err-inspactor".*?</div>', answer.text, re.S)[0]
    assert "مقدار باید عدد صحیح باشد" in block
    assert "InspactorReport-bad.xlsx" in block                   # file
    assert re.search(r"<dt>برگه</dt><dd>InspactorList\d+</dd>", block)      # sheet
    assert "<dt>ردیف</dt><dd>۳</dd>" in block                    # row, Persian digits
    assert "<dt>ستون</dt><dd>تعداد تحت پوشش خاص (U)</dd>" in block   # column
    assert "این فایل الزامی است" in re.search(r'id="err-students".*?</div>', answer.text,
                                               re.S)[0]
    assert 'id="err-schools"' not in answer.text                # the good file passed
    assert "Traceback" not in answer.text and str(web.settings.data_dir) not in answer.text
    english = web.client.post("/ui/run?lang=en", data={"csrf_token": web.csrf("/ui/run")},
                              files=run_files(small_agency, inspactor=bad))
    assert "the value must be a whole number" in english.text and "Row" in english.text


def test_upload_limits_and_types_are_friendly(make_web, small_agency, tmp_path: Path) -> None:
    # The three largest reports exceed the per-file limit while the whole form (~95 KB) stays
    # under the request's (six files' worth plus framing, api.limits): each refused file is
    # named on its own line.
    web = make_web(max_upload_bytes=10_000)
    web.login("operator")
    files = run_files(small_agency)
    files["managers"] = ("notes.txt", b"hello", "text/plain")
    answer = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run"),
                                              "year": "99"}, files=files)
    assert answer.status_code == 422
    assert "از حد مجاز هر فایل" in answer.text                             # 413
    assert "فقط فایل‌های اکسل" in answer.text                              # 415
    assert "سال باید عددی بین" in answer.text


def test_error_pages_404_429_500_are_persian(web: Web, monkeypatch) -> None:
    web.login("viewer")
    missing = web.client.get("/ui/jobs/no-such-job")
    assert missing.status_code == 404 and "موردی که خواستید پیدا نشد" in missing.text
    app = web.client.app
    monkeypatch.setattr(app.state.limiter, "check", lambda ip, user: Verdict(False, 7))
    limited = web.client.get("/ui/jobs")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
    assert "درخواست‌ها بیش از حد مجاز است" in limited.text
    assert web.client.get("/static/app.css").status_code == 200     # assets are not limited
    monkeypatch.undo()

    def broken(*_a, **_k):
        raise RuntimeError("secret internals /srv/data")
    monkeypatch.setattr(app.state.jobs, "get", broken)
    crashed = web.client.get("/ui/jobs/some-id", headers={"X-Correlation-ID": "corr-ui-1"})
    assert crashed.status_code == 500 and "خطای داخلی رخ داد" in crashed.text
    assert "corr-ui-1" in crashed.text
    assert "RuntimeError" not in crashed.text and "/srv/data" not in crashed.text
    assert "Traceback" not in crashed.text


# --- language and dates --------------------------------------------------------------------------
def test_lang_dir_and_language_switch(web: Web) -> None:
    fa = web.client.get("/ui/login")
    assert html_attrs(fa.text) == ("fa", "rtl") and "ورود به سامانه" in fa.text
    assert "/static/fonts/Vazirmatn-Variable.woff2" in fa.text
    assert 'href="/ui/login?lang=en"' in fa.text
    en = web.client.get("/ui/login?lang=en")
    assert html_attrs(en.text) == ("en", "ltr") and "Sign in" in en.text
    assert html_attrs(web.client.get("/ui/login").text) == ("en", "ltr")    # remembered
    css = web.client.get("/static/app.css")
    assert css.status_code == 200 and "@font-face" in css.text and "Vazirmatn" in css.text
    font = web.client.get("/static/fonts/Vazirmatn-Variable.woff2")
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
    for label in re.findall(r'<label for="(\w+)"', fa.text):
        assert f'id="{label}"' in fa.text


def test_jalali_dates() -> None:
    assert jalali("2025-11-18T10:00:00+00:00") == "۱۴۰۴/۰۸/۲۷ ۱۳:۳۰"       # Tehran +03:30
    assert jalali("2025-11-18T10:00:00", "en") == "1404/08/27 13:30"         # naive = UTC
    assert jalali(datetime(2025, 3, 20, 21, 0, tzinfo=UTC)) == "۱۴۰۴/۰۱/۰۱ ۰۰:۳۰"   # Nowruz
    assert jalali(date(2024, 3, 20), "en") == "1403/01/01"
    assert jalali("1404-08-27 10:11:12") == "۱۴۰۴/۰۸/۲۷ ۱۰:۱۱"               # already Jalali
    assert jalali("1404-08-27", "en") == "1404/08/27"
    assert jalali("") == "" and jalali(None) == ""


# --- one whole flow through the pages ----------------------------------------------------------
def test_run_results_search_explain_overrides(web: Web, small_agency) -> None:
    web.login("admin")
    run = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")},
                          files=run_files(small_agency), follow_redirects=False)
    assert run.status_code == 303, run.text
    job_url = run.headers["location"]
    status = wait(web, job_url)
    assert status["state"] == "succeeded" and status["progress_percent"] == 100
    counts = status["counts"]
    page = web.client.get(job_url).text
    assert f'data-value="{counts["allocated"]}"' in page
    assert re.search(r'id="card-qa" data-code="PASSED_QA">کنترل کیفیت: قبول<', page)
    assert page.count("<svg") == 2 and "۱۴" in re.search(r"<time[^>]*>([^<]*)", page)[1]
    for kind in ("sabt", "allocation", "qa", "matrix"):
        assert f'id="download-{kind}"' in page
    sabt = web.client.get(f"{job_url}/download/sabt")
    assert sabt.status_code == 200 and sabt.content.startswith(b"PK")
    assert re.search(r'filename="import_to_sabt-14\d\d-\d\d-\d\d-[0-9a-f]{12}\.xlsx"',
                     sabt.headers["content-disposition"])        # the run's day and id
    path = web.settings.data_dir / "sabt.xlsx"
    path.write_bytes(sabt.content)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SABT_SHEET).to_python()
    assert tuple(rows[0]) == SABT_COLUMNS and len(rows) - 1 == counts["allocated"]
    plan = re.search(r'id="capacity-plan".*?</table>', page, re.S)
    assert plan is None or plan[0].count("<tr>") >= 2

    row = rows[1]
    nid, first = str(row[SABT_COLUMNS.index("کد ملی")]), str(row[SABT_COLUMNS.index("نام")])
    by_id = web.client.get("/ui/students", params={"q": nid}).text
    assert by_id.count("/ui/students/" + nid) == 1
    by_name = web.client.get("/ui/students", params={"q": first}).text
    assert nid in by_name
    explained = web.client.get(f"/ui/students/{nid}", params={"mentor": "1"}).text
    assert len(re.findall(r'<tr data-stage="', explained)) == 8
    assert 'class="winner"' in explained and 'id="why-not"' in explained
    assert web.client.get("/ui/students/0000000000").status_code == 404

    mentor = re.search(r'id="winner"><a [^>]*>([^<]+)<', explained)[1]
    saved = web.client.post("/ui/mentors/overrides", data={
        f"ov_{mentor}": "off", "csrf_token": web.csrf()}, follow_redirects=False)
    assert saved.status_code == 303
    assert f'value="{mentor}:off"' in web.client.get("/ui/run").text
    again = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run"),
                                             "override": f"{mentor}:off", "year": "1404"},
                            files=run_files(small_agency), follow_redirects=False)
    second = again.headers["location"].rsplit("/", 1)[-1]
    assert wait(web, again.headers["location"])["state"] == "succeeded"
    job = web.client.app.state.jobs.get(second)
    assert job.params["overrides"] == {mentor: False} and job.params["year"] == 1404
    assert f'data-mentor="{mentor}"' not in re.search(
        r'id="occupancy".*?</table>', web.client.get(again.headers["location"]).text, re.S)[0]
    assert f'value="{mentor}:off"' not in web.client.get("/ui/run").text   # used: forgotten
    history = web.client.get("/ui/history", params={"national_id": nid}).text
    assert nid in history and mentor in history


def test_two_sign_ins_of_one_user_are_distinct_sessions(make_web) -> None:
    """Even within the same second: each session has its own token and CSRF token, and one
    session's CSRF token is refused in the other."""
    first, second = make_web(), make_web()
    assert first.login("admin").status_code == 303
    assert second.login("admin").status_code == 303
    assert first.csrf() != second.csrf()
    change = {"mentor_id": "7", "action": "freeze", "reason": "test"}
    assert first.client.post("/ui/mentors/status", data={**change, "csrf_token": second.csrf()}
                             ).status_code == 403
