"""The real `smartalloc` command on a synthetic agency: outputs, determinism, bad input."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import xml.dom.minidom
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from smartalloc.adapters.qa_workbook import SUMMARY_SHEET as QA_SUMMARY
from smartalloc.domain.allocation_report import (
    ALLOCATIONS_SHEET,
    OUTCOME_CODE,
    SUMMARY_SHEET,
    TRACE_SHEET,
)
from smartalloc.domain.contracts import SABT_COLUMNS
from tests.outputs import visible

OUTPUTS = {"import_to_sabt.xlsx", "allocation.xlsx", "eligibility_matrix.xlsx",
           "eligibility_matrix.csv", "qa.xlsx"}


def cli(*args: str, env_history: Path | None = None,
        input: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "smartalloc.entrypoints.cli", *args]
    if env_history is not None:
        cmd += ["--database-url", f"sqlite:///{env_history}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, input=input)


def sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def run_agency(agency: Path, out: Path, history: Path, *more: str) -> subprocess.CompletedProcess:
    return cli("run", "--agency", str(agency), "--out", str(out), "--policy",
               str(agency / "policy.json"), "--date", "1405/09/15", *more, env_history=history)


def test_run_writes_every_workbook_with_the_contracts(small_agency, tmp_path):
    done = run_agency(small_agency.out_dir, tmp_path / "out", tmp_path / "h.sqlite")
    assert done.returncode == 0, done.stderr + done.stdout
    out = tmp_path / "out"
    assert set(visible(out)) == OUTPUTS
    sabt = sheet(out / "import_to_sabt.xlsx", "Sheet2")
    assert tuple(sabt[0]) == SABT_COLUMNS
    allocations = sheet(out / "allocation.xlsx", ALLOCATIONS_SHEET)
    header = allocations[0]
    status = header.index(OUTCOME_CODE)
    allocated = [r for r in allocations[1:] if r[status] == "ALLOCATED"]
    assert len(allocations) - 1 == small_agency.students_count   # one row per input student
    assert len(sabt) - 1 == len(allocated) > 0.6 * small_agency.students_count
    nid = SABT_COLUMNS.index("کد ملی")
    assert all(isinstance(r[nid], str) and len(r[nid]) == 10 for r in sabt[1:])
    with zipfile.ZipFile(out / "import_to_sabt.xlsx") as z:
        assert 'rightToLeft="1"' in z.read("xl/worksheets/sheet1.xml").decode()
    qa = sheet(out / "qa.xlsx", QA_SUMMARY)
    assert all(row[-1] == "PASSED" and row[2] == "برقرار است" for row in qa[1:]), qa
    for name in OUTPUTS - {"eligibility_matrix.csv"}:   # every part is well-formed XML
        with zipfile.ZipFile(out / name) as z:
            for part in z.namelist():
                xml.dom.minidom.parseString(z.read(part))


def test_the_trace_sheet_is_written_only_with_trace(small_agency, tmp_path):
    """Issue P: the per-student stage trace is a sheet of allocation.xlsx only when asked for
    (explain rebuilds any student's trace); every other sheet and workbook is the same."""
    for name, more in (("plain", ()), ("traced", ("--trace",))):
        done = run_agency(small_agency.out_dir, tmp_path / name, tmp_path / f"{name}.sqlite",
                          *more)
        assert done.returncode == 0, done.stderr + done.stdout
    plain, traced = (CalamineWorkbook.from_path(str(tmp_path / n / "allocation.xlsx"))
                     for n in ("plain", "traced"))
    assert TRACE_SHEET not in plain.sheet_names
    assert traced.sheet_names == [*plain.sheet_names[:2], TRACE_SHEET, *plain.sheet_names[2:]]
    trace = traced.get_sheet_by_name(TRACE_SHEET).to_python()
    assert len(trace) - 1 == small_agency.students_count
    for name in plain.sheet_names:
        assert sheet(tmp_path / "plain/allocation.xlsx", name) == \
            sheet(tmp_path / "traced/allocation.xlsx", name), name
    for name in OUTPUTS - {"allocation.xlsx"}:   # QA passed in both, the rest byte for byte
        assert (tmp_path / "plain" / name).read_bytes() == \
            (tmp_path / "traced" / name).read_bytes(), name


def test_same_inputs_same_decisions_and_codes(small_agency, tmp_path):
    for name in ("a", "b"):
        done = run_agency(small_agency.out_dir, tmp_path / name, tmp_path / f"{name}.sqlite",
                          "--trace")
        assert done.returncode == 0, done.stderr
    for sheet_name in (ALLOCATIONS_SHEET, TRACE_SHEET, SUMMARY_SHEET):
        assert sheet(tmp_path / "a/allocation.xlsx", sheet_name) == \
            sheet(tmp_path / "b/allocation.xlsx", sheet_name)
    assert sheet(tmp_path / "a/import_to_sabt.xlsx", "Sheet2") == \
        sheet(tmp_path / "b/import_to_sabt.xlsx", "Sheet2")
    for name in OUTPUTS:  # the writer is byte-deterministic: whole files are identical
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_rerunning_the_same_inputs_is_idempotent(small_agency, tmp_path):
    """Same inputs + policy on the same database: the run is replayed — the same workbooks,
    nobody allocated twice, history unchanged."""
    history = tmp_path / "h.sqlite"
    assert run_agency(small_agency.out_dir, tmp_path / "1", history).returncode == 0
    from smartalloc.adapters.db.engine import sqlite_url
    from smartalloc.adapters.db.store import SqlStore

    first = SqlStore(sqlite_url(history)).load()
    assert run_agency(small_agency.out_dir, tmp_path / "2", history).returncode == 0
    assert SqlStore(sqlite_url(history)).load() == first
    for name in OUTPUTS:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def _agency_copy(small_agency, tmp_path) -> Path:
    copy = tmp_path / "agency"
    shutil.copytree(small_agency.out_dir, copy)
    return copy


@pytest.mark.parametrize("damage", ["not_excel", "empty_file"])
def test_unreadable_student_report_is_a_clear_error_and_writes_nothing(small_agency, tmp_path, damage):
    agency = _agency_copy(small_agency, tmp_path)
    target = next(agency.glob("StudentReport*.xlsx"))
    target.write_bytes(b"name,national id\nnot,a workbook\n" if damage == "not_excel" else b"")
    done = run_agency(agency, tmp_path / "out", tmp_path / "h.sqlite")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert target.name in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_input_flag_names_it(tmp_path):
    done = cli("run", "--out", str(tmp_path / "o"), "--schools", "x.xlsx")
    assert done.returncode == 2
    assert "inspactor" in done.stderr


def test_policy_error_names_key_and_value(small_agency, tmp_path):
    bad = tmp_path / "policy.json"
    text = (small_agency.out_dir / "policy.json").read_text("utf-8")
    bad.write_text(text.replace('"min_allocations_new"', '"min_happiness"'), "utf-8")
    done = cli("run", "--agency", str(small_agency.out_dir), "--out", str(tmp_path / "o"),
               "--policy", str(bad), env_history=tmp_path / "h.sqlite")
    assert done.returncode == 2
    assert "ranking" in done.stderr and "min_happiness" in done.stderr


def test_a_usage_error_is_a_usage_message_not_an_internal_error():
    done = cli("run")
    assert done.returncode == 2
    assert "--out" in done.stderr and "internal" not in done.stderr.lower()


def test_the_allocation_date_is_the_operators_and_a_wrong_one_is_refused(small_agency, tmp_path):
    """``--date`` (Persian digits as typed) is the run's allocation date in history and in
    ImportToSabt, so a run re-made another day gives the same workbooks; no date is a refusal
    naming it, with nothing written."""
    done = cli("run", "--agency", str(small_agency.out_dir), "--out", str(tmp_path / "a"),
               "--policy", str(small_agency.out_dir / "policy.json"), "--date", "۱۴۰۴/۷/۱",
               env_history=tmp_path / "a.sqlite")
    assert done.returncode == 0, done.stderr
    with closing(sqlite3.connect(tmp_path / "a.sqlite")) as db:
        dates = {d for (d,) in db.execute('SELECT DISTINCT "تاریخ_تخصیص" FROM "تخصیص_ها"')}
    assert dates == {"1404-07-01"}
    bad = cli("run", "--agency", str(small_agency.out_dir), "--out", str(tmp_path / "b"),
              "--policy", str(small_agency.out_dir / "policy.json"), "--date", "1404/13/40",
              env_history=tmp_path / "b.sqlite")
    assert bad.returncode != 0 and "DATE_INVALID" in bad.stderr + bad.stdout
    assert "1404/13/40" in bad.stderr + bad.stdout
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())
