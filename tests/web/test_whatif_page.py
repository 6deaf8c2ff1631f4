"""A run's what-if tab: labelled a what-if, started only by roles that may run (with the CSRF
token), one per run, its numbers the API's report, and the run's own result untouched."""

from __future__ import annotations

import dataclasses
import re
import time

from tests.web.conftest import Web
from tests.web.test_pages import run_files, wait


def _report_page(web: Web, url: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = web.client.get(url).text
        if 'id="wi-summary"' in text or 'class="error-box"' in text:
            return text
        time.sleep(0.1)
    raise AssertionError(text)


def _value(text: str, element: str) -> int:
    return int(re.search(rf'id="{element}" data-value="(\d+)"', text)[1])


def test_whatif_tab_of_a_run(web: Web, small_agency) -> None:
    web.login("admin")
    run = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")},
                          files=run_files(small_agency), follow_redirects=False)
    job_url = run.headers["location"]
    counts = wait(web, job_url)["counts"]
    result = web.client.get(job_url).text
    assert 'id="tab-whatif"' in result and f'href="{job_url}/whatif"' in result

    tab = web.client.get(f"{job_url}/whatif")
    assert tab.status_code == 200
    assert 'id="wi-label"' in tab.text and "فرضی" in tab.text and 'id="wi-none"' in tab.text
    refused = web.client.post(f"{job_url}/whatif", data={}, follow_redirects=False)
    assert refused.status_code == 403                       # no CSRF token
    started = web.client.post(f"{job_url}/whatif", data={"csrf_token": csrf(tab.text)},
                              follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == f"{job_url}/whatif"
    page = _report_page(web, f"{job_url}/whatif")
    assert 'id="wi-label"' in page

    jobs = web.client.app.state.jobs
    [whatif] = jobs.recent("whatif")
    assert whatif.params["run"] == job_url.rsplit("/", 1)[1]
    report = web.client.app.state.system.kept_whatif(web.settings.runs / whatif.id).read()
    assert _value(page, "wi-policy") == report["policy_placed"] == counts["allocated"]
    assert _value(page, "wi-optimum") == report["optimum_placed"] >= report["policy_placed"]
    assert _value(page, "wi-gain") == report["gain"]

    # a second start reuses the finished what-if; the run is as it was
    again = web.client.post(f"{job_url}/whatif", data={"csrf_token": csrf(page)},
                            follow_redirects=False)
    assert again.status_code == 303 and len(jobs.recent("whatif")) == 1
    assert wait(web, job_url)["counts"] == counts and len(jobs.recent("allocation")) == 1

    web.client.cookies.clear()
    web.login("viewer")
    seen = web.client.get(f"{job_url}/whatif").text
    assert 'id="wi-summary"' in seen and 'id="wi-start"' not in seen
    assert web.client.post(f"{job_url}/whatif", data={"csrf_token": csrf(seen)},
                           follow_redirects=False).status_code == 403


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)[1]


def test_whatif_tables_name_the_lost_seats(web: Web, small_agency) -> None:
    """A report with a gain (the order gave mentor A's last seat away) shows its combination,
    mentor and reservation — escaped — under the what-if label."""
    from smartalloc.adapters.flow_solver import OrToolsFlowSolver
    from smartalloc.domain.whatif import FlowProblem, report_json, whatif_report
    from tests.unit.test_whatif import _pool

    web.login("operator")
    run = web.client.post("/ui/run", data={"csrf_token": web.csrf("/ui/run")},
                          files=run_files(small_agency), follow_redirects=False)
    job_url = run.headers["location"]
    wait(web, job_url)
    problem = FlowProblem(((1, 2, 3, 4, 5, 6), (1, 2, 3, 4, 5, 7)), (1, 1), ((0, 1), (0,)),
                          (1, 1), (0, 0), (1, 1), {(0, 0): 1})
    pool = _pool("A", "B")
    pool = (dataclasses.replace(pool[0], name="<b>مریم</b>"), pool[1])
    report = whatif_report(problem, OrToolsFlowSolver().solve(problem), pool)
    state = web.client.app.state
    job, _ = state.jobs.create("whatif", {"files": {}, "run": job_url.rsplit("/", 1)[1]},
                               user="operator")
    state.system.kept_whatif(web.settings.runs / job.id).keep(report_json(report))
    state.jobs.update(job.id, state="succeeded", progress=1.0, stage="done")

    page = web.client.get(f"{job_url}/whatif").text
    assert _value(page, "wi-gain") == 1 and 'id="wi-equal"' not in page
    combos = re.search(r'id="wi-combos".*?</table>', page, re.S)[0]
    assert "گروه ۱،" in combos and "مدرسه ۷" in combos and "مدرسه ۶" not in combos   # words
    mentors = re.search(r'id="wi-mentors".*?</table>', page, re.S)[0]
    assert 'data-mentor="A"' in mentors and "&lt;b&gt;مریم&lt;/b&gt;" in mentors
    reservations = re.search(r'id="wi-reservations".*?</table>', page, re.S)[0]
    assert re.search(r'<td dir="ltr">A</td><td>۱</td>', reservations)
