"""The whole pipeline committed to real PostgreSQL: the same result as the embedded SQLite
default, idempotent re-runs, and a failure between allocation and commit leaving nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.domain.errors import HistoryError
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import RunRequest, run_allocation


def _run(agency, policy, out, store):
    return run_allocation(RunRequest(resolve_inputs(agency.out_dir), policy, out, now="1404-08-27"),
                          reader=ExcelInputReader(), writer=ExcelOutputWriter(), history=store)


def test_postgres_equals_sqlite_and_reruns_are_idempotent(small_agency, policy, pg_url,
                                                          sqlite_url, tmp_path):
    upgrade(pg_url)
    pg, lite = SqlStore(pg_url), SqlStore(sqlite_url)
    first = _run(small_agency, policy, tmp_path / "pg", pg)
    assert first.qa_status == "PASSED_QA"
    assert _run(small_agency, policy, tmp_path / "lite", lite).counts == first.counts
    assert pg.load() == lite.load() and len(pg.load()) == first.counts["allocated"]
    again = _run(small_agency, policy, tmp_path / "pg2", pg)
    assert again.run_id == first.run_id and pg.load() == lite.load()
    assert (tmp_path / "pg/import_to_sabt.xlsx").read_bytes() == \
        (tmp_path / "pg2/import_to_sabt.xlsx").read_bytes()


class FailingPgStore(SqlStore):
    @staticmethod
    def _advance_counters(conn, entries):
        raise OperationalError("UPDATE", {}, RuntimeError("connection lost (injected)"))


def test_failure_between_allocation_and_commit_leaves_postgres_unchanged(small_agency, policy,
                                                                         pg_url, tmp_path):
    upgrade(pg_url)
    out = tmp_path / "out"
    with pytest.raises(HistoryError):
        _run(small_agency, policy, out, FailingPgStore(pg_url))
    assert SqlStore(pg_url).load() == []
    assert not out.exists() or not any(out.iterdir())
