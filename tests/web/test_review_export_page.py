"""Exports after review on the pages (issue K): from the review list an operator releases a
student and makes a new version; the list shows it in words (never a status code) with its three
Excel files, the changes-only file holds the released student; a second version with nothing
new is refused on the page in Persian; a viewer cannot make one; CSRF as every form."""

from __future__ import annotations

import io
import re

from python_calamine import CalamineWorkbook

from tests.web.conftest import Web
from tests.web.test_review_page import _form, reviewed  # noqa: F401


def test_make_a_version_from_the_review_list(web: Web, reviewed) -> None:  # noqa: F811
    job_id, lines = reviewed
    student = next(s for s in lines if s.status == "ALLOCATED")
    review_url = f"/ui/jobs/{job_id}/review/{student.national_id}"
    fields = _form(web.client.get(review_url).text, "release-form")
    done = web.client.post(review_url, data={**fields, "action": "release", "reason": "انصراف",
                                             "confirmed": "1"}, follow_redirects=False)
    assert done.status_code == 303, done.text

    listing = web.client.get(f"/ui/jobs/{job_id}/review").text
    assert 'id="ex-none"' in listing and listing.count('id="exports"') == 1
    assert "ImportToSabt" not in re.search(r"<title>(.*?)</title>", listing, re.S)[1]
    form = _form(listing, "ex-form")
    made = web.client.post(f"/ui/jobs/{job_id}/review-exports", data=form,
                           follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].endswith("made=2#exports")
    listing = web.client.get(made.headers["location"]).text
    assert 'data-version="2"' in listing and "نسخهٔ ۲ ساخته شد" in listing
    assert "PASSED_QA" not in re.sub(r'data-[a-z]+="[^"]*"', "", listing)
    changes = web.client.get(f"/ui/jobs/{job_id}/review-exports/2/changes")
    assert changes.status_code == 200
    released = CalamineWorkbook.from_filelike(io.BytesIO(changes.content)) \
        .get_sheet_by_name("آزادشده‌ها | Released").to_python()[1:]
    assert [r[0] for r in released] == [student.national_id]
    assert web.client.get(f"/ui/jobs/{job_id}/review-exports/2/matrix").status_code == 404

    again = web.client.post(f"/ui/jobs/{job_id}/review-exports", data=form)
    assert again.status_code == 409 and "نسخهٔ ۲" not in again.text
    assert re.search(r'id="ex-error">[^<]*نسخه ۲', again.text)
    bad = web.client.post(f"/ui/jobs/{job_id}/review-exports", data={"csrf_token": "x"})
    assert bad.status_code == 403

    web.client.cookies.clear()
    web.login("viewer")
    viewer = web.client.post(f"/ui/jobs/{job_id}/review-exports",
                             data={"csrf_token": web.csrf()})
    assert viewer.status_code == 403
    assert 'id="ex-form"' not in web.client.get(f"/ui/jobs/{job_id}/review").text
