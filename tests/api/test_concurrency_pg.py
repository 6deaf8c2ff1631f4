"""Two API processes and two worker processes on one PostgreSQL: concurrent allocation jobs on
overlapping student batches never put a mentor over capacity nor issue a code twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from smartalloc.adapters.db.schema import Allocation
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_context import build_matrix_for
from tests.api.conftest import make_api
from tests.api.test_flow import upload_all
from tests.integration.test_concurrency_postgres import _batches


def _worker(url: str, data: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "smartalloc.entrypoints.cli", "worker", "--burst",
         "--database-url", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SMARTALLOC_DATA_DIR": str(data), "SMARTALLOC_WRITE_PROCESSES": "1"})


def test_two_apis_two_workers(pg_url: str, tmp_path: Path, small_agency, policy) -> None:
    data = tmp_path / "data"
    batches = _batches(small_agency.out_dir, tmp_path)[:2]
    apis = [make_api(pg_url, data, queue="postgres") for _ in batches]
    job_ids = []
    for gen, batch in zip(apis, batches, strict=True):
        api = next(gen)
        files = upload_all(api, small_agency)
        students = api.upload("students", batch, "students")
        files["students"] = students.json()["result"]["file_id"]
        started = api.client.post("/api/v1/allocation/run", json=files,
                                  headers=api.auth("operator"))
        assert started.status_code == 202, started.text
        job_ids.append(started.json()["job_id"])
    workers = [_worker(pg_url, data) for _ in range(2)]
    results = [(w.wait(timeout=240), w.stderr.read()[-2000:]) for w in workers]
    assert all(code == 0 for code, _ in results), results
    for job_id in job_ids:
        assert api.wait(job_id, timeout=5)["state"] == "succeeded"
    for gen in apis:
        next(gen, None)

    with SqlStore(pg_url).engine.connect() as conn:
        rows = conn.execute(select(Allocation.c.national_id, Allocation.c.mentor_id,
                                   Allocation.c.code)).all()
    codes = [c for _, _, c in rows]
    assert rows and len(codes) == len(set(codes))
    matrix = build_matrix_for(ExcelInputReader().read(resolve_inputs(small_agency.out_dir),
                                                      policy), policy)
    seats = {m.mentor_id: m.remaining_at_start for m in matrix.pool}
    for mentor_id, n in Counter(m for _, m, _ in rows).items():
        assert n <= seats[mentor_id], mentor_id
