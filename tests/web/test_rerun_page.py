"""Re-running is explained on the results page (issue G): the students an earlier run allocated
are counted apart from the failures, with the run and its date."""

from __future__ import annotations

import re

from smartalloc.adapters.db.mentor_registry import MentorRegistry
from smartalloc.domain.policy import MentorStatus
from smartalloc.entrypoints.web.i18n import digits
from smartalloc.service_layer.mentor_governance import ChangeMentorStatus, change_mentor_status

from .conftest import Web
from .test_setup_page import run_through_page


def test_a_rerun_says_who_allocated_its_students_before(web: Web, small_agency):
    web.login("admin")
    first = run_through_page(web, small_agency)
    assert first["state"] == "succeeded"
    change_mentor_status(ChangeMentorStatus(                  # the next run is another run
        "2", MentorStatus.FROZEN, reason="مرخصی", by="test", at="1404-08-28 10:00:00"),
        MentorRegistry(web.client.app.state.engine))
    second = run_through_page(web, small_agency)
    assert second["state"] == "succeeded"
    allocated = first["counts"]["allocated"]
    assert second["counts"]["allocated_earlier"] == allocated
    page = web.client.get(f"/ui/jobs/{second['job_id']}").text
    assert re.search(r'id="card-earlier">([^<]*)<', page)[1] == digits(allocated, "fa")
    assert f"در اجرای {first['result']['run_id']}" in page
