"""Service load on loopback against a real `smartalloc serve` process on the embedded SQLite
default:

1. jobs/s for small runs (one after another);
2. status and explain under concurrent clients, no job running: p50/p95/p99;
3. a bounded mixed load — status, explain and export (every workbook kind) at once — while
   allocation jobs run back to back in the same server: p50/p95/p99 per endpoint and the
   error rate.

The load comes from wrk (Debian's package; one closed-loop wrk process per endpoint, all at
once, `wrk_paths.lua` cycling over the endpoint's paths with the bearer token); without wrk,
from a pool of httpx threads in this process.

    .venv/bin/python benchmarks/api_bench.py [--write-doc docs/performance.md]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
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
WRK_SCRIPT = Path(__file__).with_name("wrk_paths.lua")
Stats = tuple[int, float, float, float, float]   # requests, error rate, p50, p95, p99 (ms)


def serve(settings: Settings, port: int, workers: int = 1) -> subprocess.Popen:
    """`smartalloc serve` in its own process, as in production (the load generator's threads
    must not share the server's interpreter lock); its JSON logs go to a file."""
    env = {**os.environ, "DATABASE_URL": settings.database_url,
           "SMARTALLOC_DATA_DIR": str(settings.data_dir),
           "SMARTALLOC_JWT_SECRET": settings.jwt_secret, "SMARTALLOC_RATE_LIMIT": "0",
           "SMARTALLOC_QUEUE": settings.queue, "SMARTALLOC_LOGIN_THROTTLE": "0",
           # the agency's own policy: with the built-in one every run stops (issue G)
           "SMARTALLOC_POLICY": str(settings.policy_path),
           # serve refuses to start without a pseudonym key (issue I); a throw-away one here
           "SMARTALLOC_EVENT_KEY": os.environ.get("SMARTALLOC_EVENT_KEY")
           or secrets.token_urlsafe(48)}
    log = (settings.data_dir.parent / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "smartalloc.entrypoints.cli", "serve",
                               "--port", str(port), "--workers", str(workers)],
                              env=env, stdout=log, stderr=log)
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


def thread_load(client: httpx.Client, urls: dict[str, list[str]], clients: int,
                requests: int, seed: int = 7) -> dict[str, Stats]:
    """``requests`` GETs from ``clients`` threads: an endpoint drawn at random, then one of
    its urls (the fallback when wrk is not installed)."""
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
    return {label: (len(samples), sum(not ok for _, ok in samples) / len(samples),
                    *quantiles([s for s, _ in samples]))
            for label, samples in results.items()}


def wrk_load(base: str, token: str, urls: dict[str, list[str]], connections: int,
             seconds: int) -> dict[str, Stats]:
    """One wrk process per endpoint, all at once, ``connections`` each, for ``seconds``."""
    procs = {}
    for label, paths in urls.items():
        env = {**os.environ, "WRK_PATHS": ",".join(paths), "WRK_TOKEN": token}
        procs[label] = subprocess.Popen(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", str(WRK_SCRIPT), base], env=env, stdout=subprocess.PIPE, text=True)
    found: dict[str, Stats] = {}
    for label, proc in procs.items():
        out, _ = proc.communicate()
        line = next(x for x in out.splitlines() if x.startswith("WRK "))
        n, errors, p50, p95, p99 = line.split()[1:]
        found[label] = (int(n), int(errors) / max(int(n), 1), float(p50), float(p95),
                        float(p99))
    return found


def rows(results: dict[str, Stats]) -> list[str]:
    return [f"| {label} | {n:,} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {err:.1%} |"
            for label, (n, err, p50, p95, p99) in sorted(results.items())]


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--students", type=int, default=200)
    args.add_argument("--busy-students", type=int, default=3000,
                      help="size of the runs kept going during the mixed load")
    args.add_argument("--clients", type=int, default=8)
    args.add_argument("--requests", type=int, default=800, help="per phase, without wrk")
    args.add_argument("--seconds", type=int, default=10, help="per phase, with wrk")
    args.add_argument("--runs", type=int, default=5)
    args.add_argument("--write-doc", type=Path)
    opts = args.parse_args()
    tool = "wrk" if shutil.which("wrk") else "threads"
    root = Path(tempfile.mkdtemp(prefix="api-bench-"))
    policy = load_policy(None)
    small = generate_agency(root / "small", students=opts.students, mentors=40, seed=7,
                            policy=policy)
    busy = generate_agency(root / "busy", students=opts.busy_students, mentors=300, seed=8,
                           policy=policy)
    url = f"sqlite:///{root / 'bench.sqlite'}"
    UserStore(SqlStore(url).engine).add("bench", "bench-password", "admin")
    settings = Settings(database_url=url, data_dir=root / "data",
                        jwt_secret=secrets.token_urlsafe(48),
                        rate_limit=0, queue="inline", policy_path=small.policy)
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
        token = headers["Authorization"].split()[1]

        def measure(urls: dict[str, list[str]], seed: int) -> dict[str, Stats]:
            if tool == "wrk":
                return wrk_load("http://127.0.0.1:8765", token, urls,
                                max(1, opts.clients // len(urls)), opts.seconds)
            return thread_load(client, urls, opts.clients, opts.requests, seed)

        quiet = measure(urls, 7)
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
        urls["export"] = [f"/api/v1/reports/export?job_id={job_id}&kind={k}" for k in EXPORTS]
        mixed = measure(urls, 8)
        stop.set()
        runner.join()
        for line in rows(mixed):
            print("busy", line)
        print(f"busy runs ({opts.busy_students} students): {len(busy_runs)}, "
              f"mean {statistics.mean(busy_runs):.2f} s")
    server.terminate()
    server.wait(timeout=30)

    if opts.write_doc:
        load_note = (f"wrk, one closed-loop process per endpoint for {opts.seconds} s"
                     if tool == "wrk" else f"{opts.requests} requests from httpx threads")
        head = ["| endpoint | requests | p50 ms | p95 ms | p99 ms | errors |",
                "|---|---|---|---|---|---|"]
        replace_block(opts.write_doc, "api", [
            f"Measured by `make bench` on {machine()}, {time.strftime('%Y-%m-%d')}: a real "
            f"`smartalloc serve` process on loopback, SQLite default, rate limit off, "
            f"{opts.clients} concurrent clients split over the endpoints ({load_note}; "
            "`benchmarks/api_bench.py`).", "",
            f"Small runs ({opts.students} students, 40 mentors), one after another: "
            f"**{jobs_per_s:.2f} jobs/s**.", "",
            "Quiet (no job running):", "", *head, *rows(quiet), "",
            f"Busy: status, explain and export (the four workbooks in turn) at once while "
            f"{opts.busy_students}-student allocation jobs ran back to back in the same server "
            f"({len(busy_runs)} runs, mean {statistics.mean(busy_runs):.2f} s each):", "",
            *head, *rows(mixed)],
            heading="## Service load (issues #4 and #7)")


if __name__ == "__main__":
    main()
