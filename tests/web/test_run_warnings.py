"""A run's warnings on its page are in the page's language only (issue J): a warning is made
in both languages (``domain.notice.Notice``), the terminal and the workbooks show «fa / en»,
the Persian page only the Persian half and the English page only the English one."""

from __future__ import annotations

import pickle
import re

from smartalloc.domain.notice import Notice, notice_words
from smartalloc.entrypoints.web.routes_jobs import warnings_in

from .conftest import Web
from .test_pages import run_files, wait


def _warnings(html: str) -> list[str]:
    section = re.search(r'<section[^>]*id="warnings".*?</section>', html, re.S)
    assert section, "no warnings section"
    return re.findall(r"<li>(.*?)</li>", section[0], re.S)


def test_a_year_the_files_contradict_is_warned_in_the_pages_language(web: Web, small_agency):
    web.login("admin")
    started = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run"), "year": "1399"},
                              files=run_files(small_agency), follow_redirects=False)
    assert started.status_code == 303, started.text
    job = wait(web, started.headers["location"])
    assert job["state"] == "succeeded"
    stored = job["result"]["warnings"]
    assert any("academic year 1399 was used" in w and " / " in w for w in stored)  # as the CLI

    persian = _warnings(web.client.get(f"/ui/jobs/{job['job_id']}?lang=fa").text)
    english = _warnings(web.client.get(f"/ui/jobs/{job['job_id']}?lang=en").text)
    assert len(persian) == len(english) == len(stored)
    assert any("سال تحصیلی ۱۳۹۹" in w for w in persian)   # Persian digits in Persian text
    assert not any(re.search(r"[A-Za-z0-9]", w) for w in persian if "سال تحصیلی" in w)
    assert any("academic year 1399 was used" in w for w in english)
    assert not any(re.search(r"[\u0600-\u06FF]", w) for w in english if "academic year" in w)


def test_a_notice_is_both_halves_and_the_joined_string_everywhere_else():
    notice = Notice("سه کد کنار گذاشته شد", "three codes were set aside")
    assert notice == "سه کد کنار گذاشته شد / three codes were set aside"
    again = pickle.loads(pickle.dumps(notice))      # to a job's process and back
    assert (again.fa, again.en) == (notice.fa, notice.en)
    assert notice_words(notice) == {"fa": notice.fa, "en": notice.en}
    # a job kept before the halves were kept: each warning shown whole
    assert warnings_in({"warnings": ["old / قدیمی"]}, "en") == ["old / قدیمی"]
    assert warnings_in({"warnings": [str(notice)], "warning_words": [notice.words()]},
                       "fa") == [notice.fa]
    assert warnings_in({"warnings": ["x"], "warning_words": [{"fa": "۳ و 4", "en": "3"}]},
                       "fa") == ["۳ و ۴"]
