"""Service load on loopback against a real uvicorn server on the embedded SQLite default:

1. jobs/s for small runs (one after another);
2. status and explain under concurrent clients, no job running: p50/p95/p99;
3. a bounded mixed load — status, explain and export (every workbook kind) from concurrent
   clients — while allocation jobs run back to back in the same server: p50/p95/p99 per
   endpoint and the error rate.

    .venv/bin/python benchmarks/api_bench.py [--write-doc docs/performance.md]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _support import machine, replace_block

from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.db.users import UserStore
from smartalloc.adapters.policy_file import load_policy
from smartalloc.adapters.readers import read_students
from smartalloc.entrypoints.api import Settings
from smartalloc.entrypoints.api.security import issue_token
from smartalloc.synthetic import generate_agency

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOADS = (("mentors", "inspactor"), ("students", "schools"), ("students", "students"),
           ("mentors", "managers"), ("students", "crosswalk"), ("students", "roster"))
EXPORTS = ("sabt", "allocation", "qa", "matrix")


def serve(settings: Settings, port: int) -> subprocess.Popen:
    """`smartalloc serve` in its own process, as in production (the load generator's threads
    must not share the server's interpreter lock); its JSON logs go to a file."""
    env = {**os.environ, "DATABASE_URL": settings.database_url,
           "SMARTALLOC_DATA_DIR": str(settings.data_dir),
           "SMARTALLOC_JWT_SECRET": settings.jwt_secret, "SMARTALLOC_RATE_LIMIT": "0",
           "SMARTALLOC_QUEUE": settings.queue}
    log = (settings.data_dir.parent / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "smartalloc.entrypoints.cli", "serve",
                               "--port", str(port)], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


def timed_get(client: httpx.Client, url: str) -> tuple[float, bool]:
    t = time.perf_counter()
    try:
        ok = client.get(url).status_code == 200
    except httpx.HTTPError:
        ok = False
    return time.perf_counter() - t, ok


def upload(client: httpx.Client, agency) -> dict[str, str]:
    files = {}
    for endpoint, role in UPLOADS:
        path = getattr(agency, role)
        with path.open("rb") as fh:
            r = client.post(f"/api/v1/{endpoint}/import", data={"role": role},
                            files={"file": (path.name, fh, XLSX)})
        files[role] = r.json()["result"]["file_id"]
    return files


def run_job(client: httpx.Client, files: dict[str, str], year: int) -> str:
    job = client.post("/api/v1/allocation/run", json={**files, "year": year}).json()
    while client.get(f"/api/v1/allocation/status/{job['job_id']}").json()["state"] \
            not in ("succeeded", "failed"):
        time.sleep(0.02)
    return job["job_id"]


def load(client: httpx.Client, urls: dict[str, list[str]], clients: int,
         requests: int, seed: int = 7) -> dict[str, list[tuple[float, bool]]]:
    """``requests`` GETs from ``clients`` threads: an endpoint drawn at random, then one of
    its urls."""
    rng = random.Random(seed)
    labels = sorted(urls)
    picks = [(label, rng.choice(urls[label])) for label in
             (rng.choice(labels) for _ in range(requests))]
    results: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    lock = threading.Lock()

    def one(pick: tuple[str, str]) -> None:
        sample = timed_get(client, pick[1])
        with lock:
            results[pick[0]].append(sample)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, picks))
    return results


def rows(results: dict[str, list[tuple[float, bool]]]) -> list[str]:
    out = []
    for label in sorted(results):
        samples = results[label]
        p50, p95, p99 = quantiles([s for s, _ in samples])
        errors = sum(not ok for _, ok in samples)
        out.append(f"| {label} | {len(samples)} | {p50:.1f} | {p95:.1f} | {p99:.1f} | "
                   f"{errors / len(samples):.1%} |")
    return out


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--students", type=int, default=200)
    args.add_argument("--busy-students", type=int, default=3000,
                      help="size of the runs kept going during the mixed load")
    args.add_argument("--clients", type=int, default=8)
    args.add_argument("--requests", type=int, default=800)
    args.add_argument("--runs", type=int, default=5)
    args.add_argument("--write-doc", type=Path)
    opts = args.parse_args()
    root = Path(tempfile.mkdtemp(prefix="api-bench-"))
    policy = load_policy(None)
    small = generate_agency(root / "small", students=opts.students, mentors=40, seed=7,
                            policy=policy)
    busy = generate_agency(root / "busy", students=opts.busy_students, mentors=300, seed=8,
                           policy=policy)
    url = f"sqlite:///{root / 'bench.sqlite'}"
    UserStore(SqlStore(url).engine).add("bench", "bench-password", "admin")
    settings = Settings(database_url=url, data_dir=root / "data", jwt_secret="b" * 40,
                        rate_limit=0, queue="inline")
    server = serve(settings, 8765)
    headers = {"Authorization": f"Bearer {issue_token(settings, 'bench')}"}
    with httpx.Client(base_url="http://127.0.0.1:8765", headers=headers, timeout=60,
                      limits=httpx.Limits(max_connections=opts.clients * 2)) as client:
        files = upload(client, small)
        t = time.perf_counter()
        for year in range(opts.runs):
            job_id = run_job(client, files, 1400 + year)
        jobs_per_s = opts.runs / (time.perf_counter() - t)
        print(f"jobs/s ({opts.students} students): {jobs_per_s:.2f}")

        nids = [r.national_id for r in read_students(small.students, policy).records[:50]]
        urls = {"status": [f"/api/v1/allocation/status/{job_id}"],
                "explain": [f"/api/v1/students/{n}/explain?job_id={job_id}" for n in nids]}
        quiet = load(client, urls, opts.clients, opts.requests)
        for line in rows(quiet):
            print("quiet", line)

        busy_files = upload(client, busy)
        stop, busy_runs = threading.Event(), []

        def keep_busy() -> None:
            year = 1420
            while not stop.is_set():
                t0 = time.perf_counter()
                run_job(client, busy_files, year)
                busy_runs.append(time.perf_counter() - t0)
                year += 1

        runner = threading.Thread(target=keep_busy, daemon=True)
        runner.start()
        time.sleep(0.5)   # the first busy job is running
        urls |= {f"export {k}": [f"/api/v1/reports/export?job_id={job_id}&kind={k}"]
                 for k in EXPORTS}
        mixed = load(client, urls, opts.clients, opts.requests, seed=8)
        stop.set()
        runner.join()
        for line in rows(mixed):
            print("busy", line)
        print(f"busy runs ({opts.busy_students} students): {len(busy_runs)}, "
              f"mean {statistics.mean(busy_runs):.2f} s")
    server.terminate()
    server.wait(timeout=30)

    if opts.write_doc:
        head = ["| endpoint | requests | p50 ms | p95 ms | p99 ms | errors |",
                "|---|---|---|---|---|---|"]
        replace_block(opts.write_doc, "api", [
            f"Measured by `make bench` on {machine()}, {time.strftime('%Y-%m-%d')}: a real "
            f"uvicorn server on loopback, SQLite default, {opts.clients} concurrent clients, "
            "rate limit off (`benchmarks/api_bench.py`).", "",
            f"Small runs ({opts.students} students, 40 mentors), one after another: "
            f"**{jobs_per_s:.2f} jobs/s**.", "",
            f"Quiet (no job running), {opts.requests} requests:", "", *head, *rows(quiet), "",
            f"Busy: {opts.requests} requests while {opts.busy_students}-student allocation jobs "
            f"ran back to back in the same server ({len(busy_runs)} runs, mean "
            f"{statistics.mean(busy_runs):.2f} s each):", "", *head, *rows(mixed)],
            heading="## Service load (issues #4 and #7)")


if __name__ == "__main__":
    main()
