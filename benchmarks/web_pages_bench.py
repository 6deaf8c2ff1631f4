"""Operator pages at agency size (issue J, deliver 6): 100k students × 2k mentors.

The agency (seeded, cached under bench-out/ as the pipeline benchmark does) is run through the
service the way a job runs it — ``System.run`` with explanations kept and the job process's
own progress reporting into a jobs table and the job's progress log — then the pages are asked
through the real app (TestClient, signed in as an admin):

- the results page (``/ui/jobs/{id}``): its first view in a fresh process (nothing parsed or
  cached yet), then warm views;
- name search (``/ui/students?q=``) over 50 names drawn from the agency, some typed with
  Arabic ي/ك or a ZWNJ; national-id search;
- the mentors page.

Also: the longest time the job's progress stood still (between two events of its log), the
seconds the name index adds to the writer's explanation file (built again on a copy), and the
pre-index search of the same file (the scan an older file still gets).
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import random
import re
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import structlog
from _support import machine, replace_block
from fastapi.testclient import TestClient
from pipeline_bench import ROOT, SCALES, agency_for

from smartalloc.adapters import kept_view
from smartalloc.adapters.explain_file import ExplainFile
from smartalloc.adapters.policy_file import load_policy
from smartalloc.adapters.progress_file import ProgressLog
from smartalloc.bootstrap import bootstrap
from smartalloc.domain.gc_pause import allow_in_this_process
from smartalloc.domain.normalize import match_key
from smartalloc.entrypoints.api.job_process import job_progress, run_result
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.entrypoints.service import Settings, create_app
from smartalloc.service_layer.run_reports import RunRequest

SECRET = "web-pages-bench-secret-with-enough-entropy-0123456789"
PASSWORD = "bench-Password-7319-kanoon"


def run_job(agency: Path, data: Path, settings: Settings) -> tuple[str, float]:
    """Run the agency as a job would (progress into the jobs table and log); its id, seconds."""
    system = bootstrap(settings.database_url)
    system.users().add("bench", PASSWORD, "admin")
    job, _ = system.jobs().create("allocation", {"files": {}}, user="bench", state="running")
    request = RunRequest(resolve_inputs(agency), load_policy(agency / "policy.json"),
                         settings.runs / job.id, now="1404-09-15", event_key=system.event_key,
                         explanations=True)
    t = time.perf_counter()
    result = system.run(request, job_progress(system, job.id, settings.runs / job.id))
    seconds = time.perf_counter() - t
    system.jobs().update(job.id, state="succeeded", progress=1.0, stage="done",
                         result=run_result(request, result))
    return job.id, seconds


def still_seconds(folder: Path) -> tuple[float, str]:
    """The longest gap between two progress events of the run, and what came after it."""
    events = ProgressLog(folder).read()
    gaps = [(b["t"] - a["t"], b.get("step") or b.get("stage", "")) for a, b in
            itertools.pairwise(events)]
    return max(gaps) if gaps else (0.0, "")


def index_seconds(kept: Path, scratch: Path) -> float:
    """The name index built again on a copy of the run's file (what the writer added)."""
    shutil.copyfile(kept, scratch)
    con = sqlite3.connect(scratch)
    con.execute("DROP TABLE names")
    con.execute("DELETE FROM meta WHERE name = 'search'")
    con.commit()
    t = time.perf_counter()
    kept_view.write_name_index(con)
    con.commit()
    seconds = time.perf_counter() - t
    con.close()
    scratch.unlink()
    return seconds


def queries(kept: Path, count: int, seed: int) -> list[str]:
    """Names as operators type them: a first name, a last name, a whole name; some with
    Arabic ي/ك or a ZWNJ for a space."""
    con = sqlite3.connect(f"file:{kept}?mode=ro", uri=True)
    names = [r[0] for r in con.execute("SELECT name FROM students WHERE name != ''")]
    con.close()
    rng = random.Random(seed)
    found = []
    for i in range(count):
        parts = rng.choice(names).split(" ")
        q = [parts[0], parts[-1], " ".join(parts)][i % 3]
        if i % 4 == 1:
            q = q.replace("ی", "ي").replace("ک", "ك")
        if i % 4 == 2:
            q = q.replace(" ", "\u200c")
        found.append(q)
    return found


def timed(client: TestClient, path: str, **params) -> tuple[float, str]:
    t = time.perf_counter()
    answer = client.get(path, params=params)
    seconds = time.perf_counter() - t
    assert answer.status_code == 200, (path, answer.status_code)
    return seconds, answer.text


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="100k")
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--names", type=int, default=50)
    parser.add_argument("--write-doc", type=Path)
    args = parser.parse_args()
    allow_in_this_process()
    students, mentors = SCALES[args.scale]
    agency = agency_for(args.scale, students, mentors, args.seed)
    data = ROOT / f"web-pages-{args.scale}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    settings = Settings(database_url=f"sqlite:///{data.resolve() / 'web.sqlite'}",
                        data_dir=data.resolve(), jwt_secret=SECRET, queue="inline",
                        rate_limit=0, policy_path=agency / "policy.json")
    job_id, run_s = run_job(agency, data, settings)
    folder = settings.runs / job_id
    kept = (folder / "explain.sqlite").resolve()
    still, after = still_seconds(folder)
    index_s = index_seconds(kept, data / "index-copy.sqlite")
    names = queries(kept, args.names, args.seed)

    app = create_app(settings)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with TestClient(app) as client:
        form = client.get("/ui/login").text
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form)[1]
        client.post("/ui/login", data={"username": "bench", "password": PASSWORD,
                                       "csrf_token": csrf})
        first, page = timed(client, f"/ui/jobs/{job_id}")
        assert 'id="card-allocated"' in page
        warm = [timed(client, f"/ui/jobs/{job_id}")[0] for _ in range(5)]
        by_name = []
        for q in names:
            seconds, text = timed(client, "/ui/students", q=q, job_id=job_id)
            assert 'id="search-results"' in text, q      # every name is some student's
            by_name.append(seconds)
        nid = sqlite3.connect(f"file:{kept}?mode=ro", uri=True).execute(
            "SELECT national_id FROM students LIMIT 1 OFFSET 5000").fetchone()[0]
        by_id = [timed(client, "/ui/students", q=nid, job_id=job_id)[0] for _ in range(10)]
        mentors_first = timed(client, "/ui/mentors")[0]
        mentors_warm = [timed(client, "/ui/mentors")[0] for _ in range(5)]
    app.state.engine.dispose()
    app.state.reader.dispose()

    # The same file as the page read it before issue J's deliver 6: every student parsed, and
    # a name search scanning match_key over every name (an older file still searches so).
    t = time.perf_counter()
    whole = ExplainFile(kept).results()
    parse_s = time.perf_counter() - t
    scans = []
    for q in names[:10]:
        key = match_key(q)
        t = time.perf_counter()
        [s for s in whole.students if key and key in match_key(s.name)][:50]
        scans.append(time.perf_counter() - t)

    row = {"scale": args.scale, "students": students, "mentors": mentors, "run_s": run_s,
           "still_s": still, "names": len(names), "still_before": after, "index_s": index_s,
           "results_first_s": first, "results_warm_p50_s": statistics.median(warm),
           "name_p50_s": pct(by_name, 0.5), "name_p95_s": pct(by_name, 0.95),
           "name_max_s": max(by_name), "nid_p50_s": statistics.median(by_id),
           "mentors_first_s": mentors_first, "mentors_p50_s": statistics.median(mentors_warm),
           "old_parse_s": parse_s, "old_scan_p50_s": statistics.median(scans),
           "machine": machine()}
    print(json.dumps(row, ensure_ascii=False, indent=1))
    if args.write_doc:
        write_doc(args.write_doc, row)


def write_doc(path: Path, r: dict) -> None:
    ms = lambda s: f"{s * 1000:,.0f} ms"   # noqa: E731
    lines = [
        f"Measured by `benchmarks/web_pages_bench.py` on {r['machine']}, "
        f"{time.strftime('%Y-%m-%d')}: {r['students']:,} students × {r['mentors']:,} mentors run "
        f"as a job ({r['run_s']:.1f} s, explanations kept), then the pages through the app "
        "(TestClient, signed in). Targets: results page ≤ 1 s, name search ≤ 200 ms.", "",
        "| page | first view | p50 | p95 |", "|---|---|---|---|",
        f"| results `/ui/jobs/{{id}}` | {ms(r['results_first_s'])} | "
        f"{ms(r['results_warm_p50_s'])} | |",
        f"| name search, {r['names']} names | | {ms(r['name_p50_s'])} | {ms(r['name_p95_s'])} |",
        f"| national-id search | | {ms(r['nid_p50_s'])} | |",
        f"| mentors `/ui/mentors` | {ms(r['mentors_first_s'])} | {ms(r['mentors_p50_s'])} | |",
        "",
        f"The name index adds **{r['index_s']:.2f} s** to writing the run's `explain.sqlite` (in a "
        f"writer process). Longest still progress during the run: {r['still_s']:.1f} s "
        f"(before «{r['still_before']}»). The same file read as before the index and summary: "
        f"every student parsed {r['old_parse_s']:.2f} s, a name scan "
        f"{ms(r['old_scan_p50_s'])} (p50) — what a file kept before them still costs."]
    replace_block(path, "webpages", lines, "## Operator pages at agency size (issue J)")


if __name__ == "__main__":
    sys.exit(main())
