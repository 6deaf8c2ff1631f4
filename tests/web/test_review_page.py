"""The review pages through TestClient (issue K): from a run's results and a student's
explanation to its review page; a move confirmed first and then shown in the history (Persian
and English words, never a code); a reason required; the administrator's exception box shown
to administrators only and refused to an operator (403); CSRF as every form."""

from __future__ import annotations

import re

import pytest

from smartalloc.service_layer.ports import OUTPUT_FILES
from tests.web.conftest import Web
from tests.web.test_pages import run_files, wait


@pytest.fixture
def reviewed(web: Web, small_agency):
    web.login("operator")
    run = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")},
                          files=run_files(small_agency), follow_redirects=False)
    job_url = run.headers["location"]
    assert wait(web, job_url)["state"] == "succeeded"
    job_id = job_url.rsplit("/", 1)[-1]
    state = web.client.app.state
    lines = state.system.kept_run(state.settings.runs / job_id / OUTPUT_FILES["explain"]) \
        .results().students
    return job_id, lines


def _form(html: str, form_id: str) -> dict:
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert form, form_id
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[0]))
    return fields


def test_review_reached_from_results_and_explain_then_a_move_is_in_the_history(
        web: Web, reviewed) -> None:
    job_id, lines = reviewed
    results = web.client.get(f"/ui/jobs/{job_id}").text
    assert f'href="/ui/jobs/{job_id}/review"' in results
    listing = web.client.get(f"/ui/jobs/{job_id}/review")
    assert listing.status_code == 200
    unallocated = {s.national_id for s in lines if s.status != "ALLOCATED"}
    assert set(re.findall(r'data-nid="(\d+)" data-kind="unallocated"', listing.text)) == \
        unallocated
    for code in ("ELIGIBILITY_NO_MATCH", "CAPACITY_FULL", "MANUAL", "PASSED_QA"):
        assert code not in re.sub(r'data-[a-z]+="[^"]*"', "", listing.text)

    student = next(s for s in lines if s.status == "ALLOCATED")
    explain = web.client.get(f"/ui/students/{student.national_id}", params={"job_id": job_id})
    review_url = f"/ui/jobs/{job_id}/review/{student.national_id}"
    assert f'href="{review_url}"' in explain.text
    page = web.client.get(review_url)
    assert page.status_code == 200
    assert 'id="rv-exception"' not in page.text                    # an operator's page
    assert 'id="release-form"' in page.text
    options = re.findall(r'<option value="([^"]+)"', page.text)
    assert options and student.mentor_id not in options
    form = _form(page.text, "review-form")

    no_reason = web.client.post(review_url, data={**form, "mentor_id": options[0],
                                                  "reason": " \u200c "})
    assert no_reason.status_code == 422
    assert "برای هر اقدام بازبینی، نوشتن دلیل الزامی است." in no_reason.text
    forged = web.client.post(review_url, data={**form, "csrf_token": "0" * 64,
                                               "mentor_id": options[0], "reason": "x"})
    assert forged.status_code == 403
    excepted = web.client.post(review_url, data={**form, "mentor_id": options[0],
                                                  "reason": "x", "exception": "1"})
    assert excepted.status_code == 403                              # the administrator's only

    confirm = web.client.post(review_url, data={**form, "mentor_id": options[0],
                                                "reason": "درخواست ولی"})
    assert confirm.status_code == 200 and 'id="review-confirm"' in confirm.text
    assert student.name in confirm.text and options[0] in confirm.text
    done = web.client.post(review_url, data=_form(confirm.text, "rc-form"),
                           follow_redirects=False)
    assert done.status_code == 303, done.text
    after = web.client.get(done.headers["location"]).text
    assert 'id="review-done"' in after
    history = re.search(r'id="review-history".*?</table>', after, re.S)[0]
    assert "درخواست ولی" in history and "جابه‌جایی" in history and "operator" in history
    assert re.search(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}", history)     # Jalali, Persian digits
    assert f"{student.mentor_id}</bdi> ← <bdi dir=\"ltr\">{options[0]}" in history

    flag = _form(after, "flag-form")
    assert flag["action"] == "flag"
    flagged = web.client.post(review_url, data={**flag, "reason": "تماس دوباره با ولی"},
                              follow_redirects=True)
    assert 'id="review-done"' in flagged.text and _form(flagged.text, "flag-form")["action"] \
        == "unflag"
    listing = web.client.get(f"/ui/jobs/{job_id}/review").text
    assert f'data-nid="{student.national_id}" data-kind="flagged"' in listing
    assert "نشان‌گذاری‌شده" in listing

    english = web.client.get(review_url, params={"lang": "en"}).text
    assert "Review history of this student" in english and ">Move" in english


def test_admin_sees_the_exception_box_and_a_refusal_is_shown(web: Web, reviewed) -> None:
    job_id, lines = reviewed
    student = next(s for s in lines if s.status == "ALLOCATED")
    other = next(s for s in lines if s.status == "ALLOCATED" and s.mentor_id != student.mentor_id)
    web.client.post("/ui/logout", data={"csrf_token": web.csrf()})
    web.login("admin")
    review_url = f"/ui/jobs/{job_id}/review/{student.national_id}"
    page = web.client.get(review_url).text
    assert 'id="rv-exception"' in page and 'id="rv-other"' in page
    form = _form(page, "review-form")
    refused = web.client.post(review_url, data={
        **form, "other_mentor": "99999", "exception": "1", "reason": "آزمون",
        "confirmed": "1"})
    assert refused.status_code == 404
    assert 'id="review-error"' in refused.text
    assert "پشتیبانی با شناسه ۹۹۹۹۹ در فهرست پشتیبان‌ها نیست" in refused.text
    moved = web.client.post(review_url, data={
        **form, "other_mentor": other.mentor_id, "exception": "1", "reason": "استثنای مدیر",
        "confirmed": "1"}, follow_redirects=True)
    assert moved.status_code == 200
    history = re.search(r'id="review-history".*?</table>', moved.text, re.S)[0]
    assert "استثنا" in history and "admin" in history
