"""The student report's package check started in a child beside the other reports (issue P)
gives the verdict the check gives in the parent: hostile student reports are refused with the
same problems, a good one reads the same, and an earlier report's failure leaves no child.
A check started before the run (``ExcelInputReader.start``, the command line's, while the
process wires itself; or the program's, before it imports the command line: ``console``) is
taken over by the read of that report as it was, never of a report changed since nor of another
report, and a run that fails before reading leaves no child either."""

from __future__ import annotations

import os
import shutil

import pytest
import typer
from typer.testing import CliRunner

import smartalloc.adapters.parallel as parallel
from smartalloc import bootstrap_early
from smartalloc.adapters import input_reader, sheet_halves, student_check
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.domain.errors import InputError
from smartalloc.entrypoints.cli import app as cli_app
from smartalloc.entrypoints.console import student_report
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.synthetic import generate_agency
from tests.children import reaped
from tests.fuzz.builders import package, zip_bomb

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HOSTILE = {
    "far cell": package([("Sheet1", f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>'
                                    '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">'
                                    '<c r="XFD1048576"><v>1</v></c></row></sheetData>'
                                    "</worksheet>")]),
    "zip bomb": zip_bomb(600 * 1024**2, honest=True),
    "formula without a value": package([("Sabt (5)", f'<?xml version="1.0"?><worksheet '
                                        f'xmlns="{NS}"><sheetData><row r="1"><c r="A1" '
                                        't="inlineStr"><is><t>کد ملی</t></is></c></row>'
                                        '<row r="2"><c r="A2"><f>1+1</f></c></row>'
                                        "</sheetData></worksheet>")]),
}


@pytest.fixture
def agency(small_agency, tmp_path):
    folder = tmp_path / "agency"
    shutil.copytree(small_agency.out_dir, folder)
    return folder


def _forks(monkeypatch, ahead: bool) -> list[int]:
    """Count the reader's forks; ``ahead``: every student report is checked in a child."""
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2" if ahead else "1")
    monkeypatch.setattr(student_check, "AHEAD_MIN_BYTES", 0)
    forks, real_fork = [], os.fork

    def counted_fork():
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(parallel.os, "fork", counted_fork)
    return forks


def _read(folder, policy):
    return ExcelInputReader().read(resolve_inputs(folder), policy)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_student_report_is_refused_alike_from_the_child(case, agency, agency_policy,
                                                                  monkeypatch):
    next(agency.glob("StudentReport*.xlsx")).write_bytes(HOSTILE[case])
    found = {}
    for ahead in (False, True):
        forks = _forks(monkeypatch, ahead)
        with pytest.raises(InputError) as refused:
            _read(agency, agency_policy)
        assert len(forks) == (1 if ahead else 0)
        found[ahead] = refused.value.problems
    assert found[True] == found[False]
    assert found[True][0].code.startswith("INPUT_")


def test_a_good_report_reads_the_same_from_the_child(agency, agency_policy, monkeypatch):
    _forks(monkeypatch, False)
    here = _read(agency, agency_policy)
    forks = _forks(monkeypatch, True)
    there = _read(agency, agency_policy)
    assert len(forks) == 1 and there == here


def test_an_earlier_reports_failure_leaves_no_child(agency, agency_policy, monkeypatch):
    next(agency.glob("InspactorReport*.xlsx")).write_bytes(b"not a workbook")
    forks = _forks(monkeypatch, True)
    with pytest.raises(InputError) as refused:
        _read(agency, agency_policy)
    assert len(forks) == 1 and "Inspactor" in str(refused.value)
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)    # killed and reaped by the reader


def test_a_check_started_before_the_run_is_taken_over_by_its_read(agency, agency_policy,
                                                                  monkeypatch):
    _forks(monkeypatch, False)
    here = _read(agency, agency_policy)
    forks = _forks(monkeypatch, True)
    monkeypatch.setattr(sheet_halves, "MIN_SHEET_BYTES", 0)   # its child cuts the sheet too
    paths = resolve_inputs(agency)
    with ExcelInputReader().start(paths) as reader:
        assert len(forks) == 1                              # started before any read
        there = reader.read(paths, agency_policy)
    assert len(forks) == 1 and there == here and reaped(forks[0])


def test_a_report_changed_after_its_check_started_is_checked_again(agency, agency_policy, policy,
                                                                   tmp_path, monkeypatch):
    other = generate_agency(tmp_path / "other", students=150, mentors=40, seed=7, policy=policy)
    forks = _forks(monkeypatch, True)
    monkeypatch.setattr(sheet_halves, "MIN_SHEET_BYTES", 0)   # the stale check holds its rows
    paths = resolve_inputs(agency)
    with ExcelInputReader().start(paths) as reader:
        shutil.copyfile(next(other.out_dir.glob("StudentReport*.xlsx")), paths.students)
        there = reader.read(paths, agency_policy)
    assert len(forks) == 2 and all(map(reaped, forks))
    assert len(there.students.records) == 150


def test_a_run_that_fails_before_reading_stops_the_check_it_started(agency, tmp_path,
                                                                    monkeypatch):
    forks = _forks(monkeypatch, True)
    result = CliRunner().invoke(cli_app, [
        "run", "--agency", str(agency), "--out", str(tmp_path / "out"),
        "--database-url", "nosuchdatabase://nowhere"])
    assert result.exit_code != 0 and not (tmp_path / "out").exists()
    assert len(forks) == 1 and reaped(forks[0])


def _started_by_the_reader(monkeypatch) -> list:
    """The checks the run's reader starts itself (not taken over)."""
    started, start = [], input_reader.check_ahead
    monkeypatch.setattr(input_reader, "check_ahead", lambda path: started.append(path) or
                        start(path))
    return started


def _run(agency, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli_app, [
        "run", "--agency", str(agency), "--out", str(out), "--date", "1405/09/15",
        "--database-url", f"sqlite:///{tmp_path / 'h.sqlite'}"])
    assert result.exit_code == 0, result.output
    return (out / "import_to_sabt.xlsx").read_bytes()


def test_the_programs_early_check_is_taken_over_by_the_run(agency, tmp_path, monkeypatch):
    _forks(monkeypatch, True)
    own = _run(agency, tmp_path / "own")
    forks = _forks(monkeypatch, True)
    by_reader = _started_by_the_reader(monkeypatch)
    bootstrap_early.start_student_check(student_report(["run", "--agency", str(agency)]))
    early = forks[0]
    assert _run(agency, tmp_path / "early") == own
    assert by_reader == [] and reaped(early)


def test_an_early_check_of_another_report_is_stopped_unused(agency, policy, tmp_path,
                                                            monkeypatch):
    other = generate_agency(tmp_path / "other", students=150, mentors=40, seed=7, policy=policy)
    forks = _forks(monkeypatch, True)
    by_reader = _started_by_the_reader(monkeypatch)
    bootstrap_early.start_student_check(next(other.out_dir.glob("StudentReport*.xlsx")))
    wrong = forks[0]
    _run(agency, tmp_path)
    assert by_reader == [next(agency.glob("StudentReport*.xlsx"))] and reaped(wrong)


def test_a_check_no_run_takes_is_stopped_at_exit(agency, monkeypatch):
    forks = _forks(monkeypatch, True)
    bootstrap_early.start_student_check(next(agency.glob("StudentReport*.xlsx")))
    bootstrap_early.stop_student_check()    # what the program's exit runs (atexit)
    assert len(forks) == 1 and reaped(forks[0])
    assert bootstrap_early.take_student_check(next(agency.glob("StudentReport*.xlsx"))) is None


@pytest.mark.parametrize("flags", [
    ["--agency", "{agency}"], ["--agency={agency}"],
    ["--out", "x", "--students", "{students}", "--agency", "{agency}"],
    ["--agency", "{agency}", "--students={students}", "--trace"],
    ["--students", "{students}"],
    ["--out", "x"],
])
def test_the_programs_guess_is_the_report_the_run_resolves(flags, agency, tmp_path):
    """``console.student_report`` reads the arguments before Typer does; whatever the form,
    it names the report the run command's own parsing and ``resolve_inputs`` give."""
    students = tmp_path / "StudentReport-other.xlsx"
    shutil.copyfile(next(agency.glob("StudentReport*.xlsx")), students)
    argv = ["run", *(f.format(agency=agency, students=students) for f in flags)]
    command = typer.main.get_command(cli_app)
    params = command.get_command(None, "run").make_context("run", argv[1:] + ["--out", "o"]).params
    given = params["students"]
    resolved = resolve_inputs(params["agency"], required=(), students=given).students
    assert student_report(argv) == resolved
    assert student_report(["matrix", *argv[1:]]) is None
