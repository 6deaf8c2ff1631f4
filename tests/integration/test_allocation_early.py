"""allocation.xlsx started with its big sheets while the other reports are built (issue P): a
forked child writes them and waits for the capacity plan and meta, which follow QA. Completed,
the workbook is the plain path's to the byte; stopped, it leaves no child and no file."""

from __future__ import annotations

import pytest

from smartalloc.adapters import output_writer
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.domain.allocation_report import ALLOCATIONS_SHEET
from smartalloc.domain.tables import LazyRows
from tests.children import reaped
from tests.decided import decided


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")
    monkeypatch.setattr(output_writer, "MIN_PARALLEL_COST", 0)   # a small agency forks too


@pytest.fixture(scope="module")
def run(small_agency, agency_policy, tmp_path_factory):
    return decided(small_agency.out_dir, agency_policy, tmp_path_factory.mktemp("unused"))


def _staged(writer, out, matrix, policy):
    return writer.start(out, matrix, {"pre_qa_status": "PASSED"}, policy)


def test_the_early_allocation_workbook_is_the_plain_one(run, agency_policy, tmp_path,
                                                       two_cores):
    matrix, outputs = run
    writer = ExcelOutputWriter()
    plain = _staged(writer, tmp_path / "plain", matrix, agency_policy)
    writer.write(plain, outputs, agency_policy)
    plain.finish()

    early = _staged(writer, tmp_path / "early", matrix, agency_policy)
    tables = list(outputs.allocation_tables)
    writer.start_allocation(early, tables[:-2], [t.name for t in tables[-2:]], agency_policy)
    assert "allocation" in early.started and "allocation" in early.feeds
    writer.write(early, outputs, agency_policy)
    assert early.feeds == {}
    early.finish()
    assert ({p.name: p.read_bytes() for p in early.files}
            == {p.name: p.read_bytes() for p in plain.files})
    assert [p.name for p in early.files].count("allocation.xlsx") == 1


def test_the_per_student_rows_are_built_by_the_child_not_here(small_agency, agency_policy,
                                                              tmp_path, two_cores):
    """The run's own process never builds the per-student sheets' rows: the child forked to
    write them does (issue P: 0.36 s at 100k off the run's chain)."""
    from python_calamine import CalamineWorkbook

    matrix, outputs = decided(small_agency.out_dir, agency_policy, tmp_path / "unused")
    writer = ExcelOutputWriter()
    staged = _staged(writer, tmp_path / "out", matrix, agency_policy)
    tables = list(outputs.allocation_tables)
    writer.start_allocation(staged, tables[:-2], [t.name for t in tables[-2:]], agency_policy)
    writer.write(staged, outputs, agency_policy)
    staged.finish()
    lazy = [t.rows for t in tables if isinstance(t.rows, LazyRows)]
    assert len(lazy) == 3 and not any(rows.built for rows in lazy)
    book = next(p for p in staged.files if p.name == "allocation.xlsx")
    sheet = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(ALLOCATIONS_SHEET)
    assert len(sheet.to_python()) - 1 == len(tables[0].rows) == small_agency.students_count


def test_a_run_stopped_before_the_last_sheets_leaves_no_child_or_file(
        run, agency_policy, tmp_path, two_cores):
    matrix, outputs = run
    writer = ExcelOutputWriter()
    staged = _staged(writer, tmp_path / "out", matrix, agency_policy)
    tables = list(outputs.allocation_tables)
    writer.start_allocation(staged, tables[:-2], [t.name for t in tables[-2:]], agency_policy)
    child = staged.background[-1].pid
    staged.discard()                          # the child waited for sheets that never came
    assert reaped(child)
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []


def test_the_sheets_sent_must_be_the_awaited_ones(run, agency_policy, tmp_path, two_cores):
    matrix, outputs = run
    writer = ExcelOutputWriter()
    staged = _staged(writer, tmp_path / "out", matrix, agency_policy)
    tables = list(outputs.allocation_tables)
    writer.start_allocation(staged, tables[:-2], ["capacity", "other"], agency_policy)
    with pytest.raises(ValueError, match="waits for the sheets"):
        writer.write(staged, outputs, agency_policy)
    staged.discard()                          # the feed it kept is closed: no child waits
    assert all(reaped(b.pid) for b in staged.background if b.pid)


@pytest.mark.parametrize("cores", ["1", "2"])
def test_one_core_or_a_small_run_starts_nothing(run, agency_policy, tmp_path, monkeypatch,
                                               cores):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", cores)   # 2: the real threshold holds
    matrix, outputs = run
    writer = ExcelOutputWriter()
    staged = _staged(writer, tmp_path / "out", matrix, agency_policy)
    tables = list(outputs.allocation_tables)
    writer.start_allocation(staged, tables[:-2], [t.name for t in tables[-2:]], agency_policy)
    assert "allocation" not in staged.started and staged.feeds == {}
    writer.write(staged, outputs, agency_policy)
    staged.finish()
    assert "allocation.xlsx" in [p.name for p in staged.files]


def test_the_sabt_export_is_built_by_its_writer_not_here(small_agency, agency_policy, tmp_path,
                                                         two_cores, monkeypatch):
    """The run's own process never builds the Sabt export's rows: the child forked to write
    ImportToSabt does (issue P: 0.8 s at 100k off the run's chain), and the workbook is the one
    written from the export built here, to the byte."""
    from python_calamine import CalamineWorkbook

    from smartalloc.adapters import parallel
    from smartalloc.adapters.sabt_workbook import write_sabt_workbook

    monkeypatch.setattr(parallel, "MIN_PARALLEL_COST", 0)
    matrix, outputs = decided(small_agency.out_dir, agency_policy, tmp_path / "unused")
    writer = ExcelOutputWriter()
    staged = _staged(writer, tmp_path / "out", matrix, agency_policy)
    writer.write_sabt(staged, outputs.sabt, agency_policy)
    assert staged.background[-1].pid                      # forked
    writer.write(staged, outputs, agency_policy)
    staged.finish()
    assert isinstance(outputs.sabt.rows, LazyRows) and not outputs.sabt.rows.built
    assert not outputs.sabt.summary.built and not outputs.sabt.errors.built

    here = tmp_path / "here.xlsx"
    write_sabt_workbook(here, outputs.sabt, agency_policy)   # now built in this process
    assert outputs.sabt.rows.built
    written = next(p for p in staged.files if p.name == "import_to_sabt.xlsx")
    assert written.read_bytes() == here.read_bytes()
    assert len(outputs.sabt.rows) == sum(
        1 for row in CalamineWorkbook.from_path(str(here)).get_sheet_by_index(0).to_python()[1:])
