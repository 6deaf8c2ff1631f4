"""Service load: p50/p95 of the status and explain endpoints under concurrent clients, and
jobs/s for small runs, against a real uvicorn server on the embedded SQLite default.

    .venv/bin/python benchmarks/api_bench.py [--students 200] [--clients 8] [--requests 400]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn

from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.db.users import UserStore
from smartalloc.adapters.policy_file import load_policy
from smartalloc.adapters.readers import read_students
from smartalloc.entrypoints.api import Settings, create_app
from smartalloc.entrypoints.api.security import issue_token
from smartalloc.synthetic import generate_agency

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOADS = (("mentors", "inspactor"), ("students", "schools"), ("students", "students"),
           ("mentors", "managers"), ("students", "crosswalk"), ("students", "roster"))


def serve(settings: Settings, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms (n={len(samples)})"


def load(client: httpx.Client, url: str, clients: int, requests: int) -> list[float]:
    def one(_: int) -> float:
        t = time.perf_counter()
        assert client.get(url).status_code == 200
        return time.perf_counter() - t

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(requests)))


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--students", type=int, default=200)
    args.add_argument("--clients", type=int, default=8)
    args.add_argument("--requests", type=int, default=400)
    args.add_argument("--runs", type=int, default=5)
    opts = args.parse_args()
    root = Path(tempfile.mkdtemp(prefix="api-bench-"))
    policy = load_policy(None)
    agency = generate_agency(root / "agency", students=opts.students, mentors=40, seed=7,
                             policy=policy)
    url = f"sqlite:///{root / 'bench.sqlite'}"
    UserStore(SqlStore(url).engine).add("bench", "bench-password", "admin")
    settings = Settings(database_url=url, data_dir=root / "data", jwt_secret="b" * 40,
                        rate_limit=0, queue="inline")
    server = serve(settings, 8765)
    headers = {"Authorization": f"Bearer {issue_token(settings, 'bench')}"}
    with httpx.Client(base_url="http://127.0.0.1:8765", headers=headers, timeout=60) as client:
        files = {}
        for endpoint, role in UPLOADS:
            path = getattr(agency, role)
            with path.open("rb") as fh:
                r = client.post(f"/api/v1/{endpoint}/import", data={"role": role},
                                files={"file": (path.name, fh, XLSX)})
            files[role] = r.json()["result"]["file_id"]
        t = time.perf_counter()
        for year in range(opts.runs):
            job = client.post("/api/v1/allocation/run", json={**files, "year": 1400 + year}).json()
            while client.get(f"/api/v1/allocation/status/{job['job_id']}").json()["state"] \
                    not in ("succeeded", "failed"):
                time.sleep(0.02)
        print(f"jobs/s ({opts.students} students): {opts.runs / (time.perf_counter() - t):.2f}")
        nid = read_students(agency.students, policy).records[0].national_id
        print("status :", percentiles(load(client, f"/api/v1/allocation/status/{job['job_id']}",
                                           opts.clients, opts.requests)))
        print("explain:", percentiles(load(client, f"/api/v1/students/{nid}/explain?job_id="
                                           f"{job['job_id']}", opts.clients,
                                           max(20, opts.requests // 10))))
    server.should_exit = True


if __name__ == "__main__":
    main()
