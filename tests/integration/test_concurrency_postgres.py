"""Four processes allocate overlapping batches against one mentor pool on PostgreSQL: nobody
over capacity, no code twice, no student twice, and the final state equals a serial run of the
same batches in the same commit order."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from python_calamine import CalamineWorkbook
from sqlalchemy import select

from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.schema import Allocation, Run
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.xlsx_stream import write_xlsx
from smartalloc.domain.contracts import STUDENT_SHEET
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_context import build_matrix_for

BATCHES = 4


def _batches(agency: Path, folder: Path) -> list[Path]:
    """Four student reports, each 40 % of the students, consecutive ones overlapping."""
    report = next(agency.glob("StudentReport*.xlsx"))
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_name(STUDENT_SHEET).to_python()
    text = [["" if v is None else (str(int(v)) if isinstance(v, float) else str(v)) for v in r]
            for r in rows]
    header, body = text[0], text[1:]
    size, step = len(body) * 2 // 5, len(body) // BATCHES
    paths = []
    for i in range(BATCHES):
        part = (body + body)[i * step: i * step + size]
        path = folder / f"batch{i}" / f"StudentReport-batch{i}.xlsx"
        write_xlsx(path, [(STUDENT_SHEET, header, part)])
        paths.append(path)
    return paths


def _run(agency: Path, students: Path, out: Path, url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "smartalloc.entrypoints.cli", "run", "--agency", str(agency),
         "--students", str(students), "--policy", str(agency / "policy.json"), "--out", str(out),
         "--database-url", url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SMARTALLOC_WRITE_PROCESSES": "1"})


def _state(url: str) -> set[tuple[str, str, str]]:
    with SqlStore(url).engine.connect() as conn:
        return set(conn.execute(select(Allocation.c.national_id, Allocation.c.mentor_id,
                                       Allocation.c.code)).all())


def test_four_concurrent_runs_equal_a_serial_run_in_commit_order(small_agency, policy, pg_url,
                                                                  sqlite_url, tmp_path):
    upgrade(pg_url)
    agency = small_agency.out_dir
    batches = _batches(agency, tmp_path)
    procs = [_run(agency, b, tmp_path / f"out{i}", pg_url) for i, b in enumerate(batches)]
    results = [(p.wait(timeout=240), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _ in results), results

    concurrent = _state(pg_url)
    codes = [c for _, _, c in concurrent]
    assert len(codes) == len(set(codes))                         # no code twice
    assert len({n for n, _, _ in concurrent}) == len(concurrent)   # no student twice
    matrix = build_matrix_for(ExcelInputReader().read(resolve_inputs(agency), policy), policy)
    seats = {m.mentor_id: m.remaining_at_start for m in matrix.pool}
    for mentor_id, n in Counter(m for _, m, _ in concurrent).items():
        assert n <= seats[mentor_id], mentor_id                  # nobody over capacity

    with SqlStore(pg_url).engine.connect() as conn:
        order = [inputs for _, inputs in conn.execute(select(Run.c.started_at, Run.c.inputs)
                                                      .order_by(Run.c.started_at))]
    by_sha = {str(_sha(b)): b for b in batches}
    serial_order = [next(by_sha[sha] for sha in inputs.values() if sha in by_sha)
                    for inputs in order]
    assert sorted(serial_order) == sorted(batches)
    for i, batch in enumerate(serial_order):
        proc = _run(agency, batch, tmp_path / f"serial{i}", sqlite_url)
        assert proc.wait(timeout=240) == 0, proc.stderr.read()
    assert _state(sqlite_url) == concurrent


def _sha(path: Path) -> str:
    from smartalloc.adapters.readers import file_sha256

    return file_sha256(path)
