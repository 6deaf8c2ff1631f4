"""Exit codes 3 (internal error) and 4 (QA failed) through the real CLI entry point
(``cli.main``), with a fault injected where it would really happen."""

from __future__ import annotations

import dataclasses
import sys

import pytest

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.entrypoints import cli
from tests.outputs import visible


def _main(monkeypatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["smartalloc", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    return done.value.code


def test_an_internal_error_exits_3_with_a_crash_log_and_nothing_written(
        small_agency, tmp_path, monkeypatch, capsys):
    import smartalloc.service_layer.run_reports as reports

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in the reports (injected)")

    monkeypatch.setattr(reports, "run_all_invariants", broken)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    out, db = tmp_path / "out", tmp_path / "h.sqlite"
    code = _main(monkeypatch, "run", "--agency", str(small_agency.out_dir), "--out", str(out),
                 "--database-url", sqlite_url(db))
    err = capsys.readouterr().err
    assert code == 3
    assert "internal error (ZeroDivisionError)" in " ".join(err.split())
    assert "Traceback" not in err
    crash = next((tmp_path / "state").rglob("crash.log")).read_text("utf-8")
    assert "a bug in the reports (injected)" in crash
    assert visible(out) == {} and not (out / ".smartalloc").exists()
    assert SqlStore(sqlite_url(db)).load() == []


def test_a_qa_failure_exits_4_publishes_for_diagnosis_and_records_nothing(
        small_agency, tmp_path, monkeypatch, capsys):
    import smartalloc.service_layer.run_reports as reports
    from smartalloc.domain.qa import QaStatus, run_all_invariants

    monkeypatch.setattr(reports, "run_all_invariants", lambda ctx: dataclasses.replace(
        run_all_invariants(ctx), status=QaStatus.FAILED_QA))
    out, db = tmp_path / "out", tmp_path / "h.sqlite"
    code = _main(monkeypatch, "run", "--agency", str(small_agency.out_dir), "--out", str(out),
                 "--database-url", sqlite_url(db))
    assert code == 4
    said = capsys.readouterr()
    assert "were NOT recorded" in " ".join((said.out + said.err).split())
    assert {"qa.xlsx", "import_to_sabt.xlsx"} <= set(visible(out))
    assert SqlStore(sqlite_url(db)).load() == []
