"""`smartalloc whatif` through the real entry point: labelled a what-if, records nothing, and
the same inputs give the same JSON report byte for byte."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.schema import Run
from smartalloc.adapters.db.store import SqlStore

from .test_cli_run import cli


def test_whatif_is_labelled_reproducible_and_records_nothing(small_agency, tmp_path):
    history = tmp_path / "h.sqlite"
    reports = []
    for n in (1, 2):
        report = tmp_path / f"whatif-{n}.json"
        done = cli("whatif", "--agency", str(small_agency.out_dir), "--json", str(report),
                   env_history=history)
        assert done.returncode == 0, done.stderr
        assert "WHAT-IF" in done.stdout and "فرضی" in done.stdout
        reports.append(report.read_bytes())
    assert reports[0] == reports[1]
    body = json.loads(reports[0])
    assert body["what_if"] is True and body["optimum_placed"] >= body["policy_placed"]
    assert body["competing"] > 0
    store = SqlStore(sqlite_url(history))
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Run)).scalar() == 0
    assert store.load() == []
