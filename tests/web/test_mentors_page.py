"""Issue J (Why 1, 6, 9; deliver 3, 6): governance says which mentor it will act on — by name,
whatever digits the id was typed in — before anything is recorded, and offers undo after; the
overrides an operator chose are kept on the server for their next run; a large agency's
mentors page comes in pages."""

from __future__ import annotations

import re

from smartalloc.adapters.db.mentor_registry import MentorRegistry
from tests.integration.conftest import reported_mentors
from tests.web.conftest import Web


def _status(web: Web, mentor_id: str) -> str:
    return MentorRegistry(web.client.app.state.engine).get(mentor_id).status


def test_persian_digits_are_confirmed_by_name_and_undone(web: Web) -> None:
    reported_mentors(web.client.app.state.engine, "42", "7")
    web.login("admin")
    asked = web.client.post("/ui/mentors/status", data={
        "mentor_id": "۴۲", "action": "freeze", "reason": "مرخصی", "csrf_token": web.csrf()})
    assert asked.status_code == 200
    assert re.search(r'id="confirm-name">mentor 42<', asked.text)   # the real mentor 42
    assert 'name="mentor_id" value="42"' in asked.text
    assert _status(web, "42") == "active"
    done = web.client.post("/ui/mentors/status", data={
        "mentor_id": "۴۲", "action": "freeze", "reason": "مرخصی", "confirmed": "1",
        "csrf_token": web.csrf()})
    assert done.status_code == 200 and _status(web, "42") == "frozen"
    undo = re.search(r'<form[^>]*id="undo-form".*?</form>', done.text, re.S)[0]
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', undo))
    assert fields["action"] == "activate" and fields["mentor_id"] == "42"
    back = web.client.post("/ui/mentors/status", data=fields)
    assert back.status_code == 200 and _status(web, "42") == "active"
    trail = MentorRegistry(web.client.app.state.engine).audit("42")
    assert [(c.from_status, c.to_status) for c in trail] == [("active", "frozen"),
                                                             ("frozen", "active")]
    assert _status(web, "7") == "active"


def test_undoing_a_restriction_restores_its_schools(web: Web) -> None:
    reported_mentors(web.client.app.state.engine, "7")
    web.login("admin")
    registry = MentorRegistry(web.client.app.state.engine)
    web.client.post("/ui/mentors/status", data={
        "mentor_id": "7", "action": "restrict", "reason": "مدرسه", "schools": "1112, 1113",
        "confirmed": "1", "csrf_token": web.csrf()})
    done = web.client.post("/ui/mentors/status", data={
        "mentor_id": "7", "action": "freeze", "reason": "مرخصی", "confirmed": "1",
        "csrf_token": web.csrf()})
    undo = re.search(r'<form[^>]*id="undo-form".*?</form>', done.text, re.S)[0]
    web.client.post("/ui/mentors/status", data=dict(
        re.findall(r'name="([a-z_]+)" value="([^"]*)"', undo)))
    mentor = registry.get("7")
    assert mentor.status == "restricted" and mentor.allowed_schools == (1112, 1113)


def test_overrides_are_kept_on_the_server(make_web) -> None:
    first = make_web()
    reported_mentors(first.client.app.state.engine, "7")
    first.login("operator")
    first.client.post("/ui/mentors/overrides", data={"ov_7": "off",
                                                     "csrf_token": first.csrf()})
    assert not [c for c in first.client.cookies.jar if "override" in c.name]
    other = make_web()                   # another browser, the same operator
    other.login("operator")
    assert 'value="7:off"' in other.client.get("/ui/run").text
    admin = make_web()
    admin.login("admin")                 # another operator chose nothing
    assert 'value="7:off"' not in admin.client.get("/ui/run").text


def test_a_large_pool_comes_in_pages(web: Web) -> None:
    reported_mentors(web.client.app.state.engine, *(str(n) for n in range(1, 251)))
    web.login("viewer")
    first = web.client.get("/ui/mentors").text
    assert first.count('<tr data-mentor="') == 100 and 'id="mentor-pages"' in first
    last = web.client.get("/ui/mentors", params={"page": "3"}).text
    assert last.count('<tr data-mentor="') == 50
    found = web.client.get("/ui/mentors", params={"q": "mentor 250"}).text
    assert 'data-mentor="250"' in found and 'id="mentor-pages"' not in found


def test_a_mentors_history_by_persian_digits(web: Web) -> None:
    reported_mentors(web.client.app.state.engine, "42")
    web.login("admin")
    web.client.post("/ui/mentors/status", data={
        "mentor_id": "42", "action": "freeze", "reason": "مرخصی", "confirmed": "1",
        "csrf_token": web.csrf()})
    page = web.client.get("/ui/history", params={"mentor_id": "۴۲"}).text
    assert "مرخصی" in page                  # the audit trail of mentor 42, not of «۴۲»
