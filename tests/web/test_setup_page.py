"""The agency set-up page (issue G): on the built-in policy a run on unmapped managers fails;
the administrator gives each manager of the uploaded report its centre, and the next run
allocates every centre. Operators and viewers neither see nor reach the page."""

from __future__ import annotations

import re

import pytest

from tests.policies import REAL_NAMES, shipped_policy

from .conftest import Web
from .test_pages import menu, run_files, wait


@pytest.fixture
def shipped_web(make_web, tmp_path) -> Web:
    path = tmp_path / "shipped.json"
    path.write_text(shipped_policy().model_dump_json(), "utf-8")
    return make_web(policy_path=path)


def run_through_page(web: Web, agency) -> dict:
    started = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")},
                              files=run_files(agency), follow_redirects=False)
    assert started.status_code == 303, started.text
    return wait(web, started.headers["location"])


def test_the_administrator_sets_the_centres_and_the_next_run_allocates(shipped_web, real_agency):
    web = shipped_web
    web.login("admin")
    empty = web.client.get("/ui/setup")
    assert empty.status_code == 200 and 'id="no-report"' in empty.text
    assert "/ui/setup" in menu(empty.text)
    assert run_through_page(web, real_agency)["state"] == "failed"

    page = web.client.get("/ui/setup").text
    managers = re.findall(r'name="manager_(\d+)" value="([^"]+)"', page)
    assert {name for _, name in managers} >= set(REAL_NAMES)
    assert "تعیین نشده" in page and 'value="1404"' in page      # the year the files agree on
    form = {"csrf_token": web.csrf("/ui/setup"), "academic_year": "1404", "reason": "هفته اول"}
    for i, name in managers:
        form[f"manager_{i}"] = name
        form[f"centre_{i}"] = str(REAL_NAMES.get(name, 0))
    no_reason = web.client.post("/ui/setup", data={**form, "reason": ""})
    assert no_reason.status_code == 422 and 'id="setup-errors"' in no_reason.text
    saved = web.client.post("/ui/setup", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/ui/setup?saved=1"
    shown = web.client.get("/ui/setup?saved=1").text
    assert "نسخهٔ ۱ پروفایل نمایندگی ذخیره شد" in shown and "هفته اول" in shown
    assert "تعیین نشده" not in shown

    done = run_through_page(web, real_agency)
    assert done["state"] == "succeeded", done


def test_only_administrators_reach_the_page(shipped_web):
    web = shipped_web
    web.login("operator")
    assert "/ui/setup" not in menu(web.client.get("/ui/jobs").text)
    assert web.client.get("/ui/setup").status_code == 403
    posted = web.client.post("/ui/setup", data={"csrf_token": web.csrf(), "reason": "x",
                                                "academic_year": "1404"})
    assert posted.status_code == 403

