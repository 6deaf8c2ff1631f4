"""Excel readers: every unusable workbook is an InputError naming file, sheet, row, column."""

from __future__ import annotations

import re
import zipfile

import pytest

from smartalloc.adapters.readers import (
    file_sha256,
    read_crosswalk,
    read_history_seed,
    read_managers,
    read_mentors,
    read_roster,
    read_schools,
    read_students,
)
from smartalloc.domain.contracts import (
    CROSSWALK_GROUP_SHEET,
    INSPACTOR_COLUMNS,
    JOIN_KEYS,
    SCHOOL_COLUMNS,
    STUDENT_COLUMNS,
)
from smartalloc.domain.errors import InputError

from .test_readers import mentor_row, nid, policy, student_file, xlsx


def error_of(fn, *args) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args)
    return info.value


def codes(err: InputError) -> list[str]:
    return [p.code for p in err.problems]


def test_students_missing_columns_are_listed_all_at_once(tmp_path):
    columns = [c for c in STUDENT_COLUMNS
               if c not in ("گروه آزمایشی نهایی", "مرکز ثبت نام", "کدملی", "کد ملی")]
    path = student_file(tmp_path, [{}], columns=columns, name="Report-3570.xlsx")
    err = error_of(read_students, path, policy())
    assert codes(err) == ["INPUT_MISSING_COLUMN"] * 3
    text = str(err)
    for needle in ("Report-3570.xlsx", "Sabt (5)", "گروه آزمایشی نهایی", "مرکز ثبت نام",
                   "کدملی / کد ملی", "پیدا نشد", "is missing", "کد رشته"):
        assert needle in text
    assert err.problems[0].location.file == "Report-3570.xlsx"
    assert err.problems[0].location.sheet == "Sabt (5)"


def test_students_duplicated_required_column_names_both_positions(tmp_path):
    columns = [*STUDENT_COLUMNS, "جنسيت"]  # Arabic ي: the same column once normalised
    err = error_of(read_students, student_file(tmp_path, [{"کدملی": nid(1)}], columns=columns),
                   policy())
    assert codes(err) == ["INPUT_DUPLICATE_COLUMN"]
    assert "G" in str(err) and "BH" in str(err) and "appears twice" in str(err)
    assert "دو بار" in str(err)


def test_students_no_sheet_with_the_key_columns(tmp_path):
    path = xlsx(tmp_path / "x.xlsx", {"a": [["نام", "x"], ["b", "c"]], "b": [["y"]]})
    err = error_of(read_students, path, policy())
    assert "INPUT_MISSING_COLUMN" in codes(err) and "«a»" in str(err)


def test_mentor_duplicated_id_and_staff_id_is_not_an_id(tmp_path):
    header = ["کد کارمندی پشتیبان", "نام پشتیبان", "نام مدیر", "گروه آزمایشی", "کد کارمندی پشتیبان "]
    err = error_of(read_mentors, xlsx(tmp_path / "m.xlsx", {"S": [header, [1, "a", "b", "c", 2]]}),
                   policy())
    assert codes(err) == ["INPUT_DUPLICATE_COLUMN"] and "column A" in str(err)
    assert "column E" in str(err)
    header = ["کد کارمندی", "نام پشتیبان", "نام مدیر"]
    err = error_of(read_mentors, xlsx(tmp_path / "n.xlsx", {"S": [header, [1, "a", "b"]]}),
                   policy())
    assert codes(err) == ["INPUT_MISSING_COLUMN"] * 2
    assert "کد کارمندی پشتیبان" in str(err) and "گروه آزمایشی" in str(err)


@pytest.mark.parametrize("reader", [read_mentors, read_schools, read_students])
def test_empty_workbook_is_refused(tmp_path, reader):
    err = error_of(reader, xlsx(tmp_path / "empty.xlsx", {"Sheet1": []}), policy())
    assert codes(err)[0] in ("INPUT_EMPTY_SHEET", "INPUT_EMPTY_WORKBOOK")
    assert "empty.xlsx" in str(err) and "empty" in str(err) and "خالی" in str(err)


@pytest.mark.parametrize(("reader", "header"), [
    (read_mentors, INSPACTOR_COLUMNS), (read_schools, SCHOOL_COLUMNS),
    (read_students, STUDENT_COLUMNS)])
def test_header_only_sheet_is_refused(tmp_path, reader, header):
    err = error_of(reader, xlsx(tmp_path / "h.xlsx", {"Sabt (5)": [list(header)]}), policy())
    assert codes(err) == ["INPUT_NO_ROWS"] and "no data rows" in str(err)


@pytest.mark.parametrize("reader", [read_mentors, read_schools, read_students, read_managers,
                                    read_crosswalk])
def test_not_an_excel_file(tmp_path, reader):
    fake = tmp_path / "report.xlsx"
    fake.write_text("national_id,name\n1,2\n", "utf-8")
    err = error_of(reader, fake, policy())
    assert codes(err) == ["INPUT_UNREADABLE"] and "report.xlsx" in str(err)
    assert "خوانده نشد" in str(err) and "cannot read" in str(err)
    other_zip = tmp_path / "z.xlsx"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert codes(error_of(reader, other_zip, policy())) == ["INPUT_UNREADABLE"]


def test_missing_file_and_directory(tmp_path):
    missing = tmp_path / "nope.xlsx"
    for fn, args in ((read_students, (missing, policy())), (read_roster, (missing,)),
                     (read_history_seed, (missing,)), (file_sha256, (missing,))):
        err = error_of(fn, *args)
        assert codes(err) == ["INPUT_FILE_MISSING"] and "nope.xlsx" in str(err)
    assert codes(error_of(read_mentors, tmp_path, policy())) == ["INPUT_NOT_A_FILE"]


def test_mentor_non_numeric_capacity_names_row_and_column(tmp_path):
    rows = [list(INSPACTOR_COLUMNS), mentor_row(),
            mentor_row(**{"تعداد تحت پوشش خاص": "شصت", "تعداد داوطلبان تحت پوشش": "12.5"})]
    err = error_of(read_mentors, xlsx(tmp_path / "m.xlsx", {"List": rows}), policy())
    assert codes(err) == ["INPUT_BAD_CELL"] * 2
    covered, capacity = (p.location for p in err.problems)
    assert (capacity.row, capacity.column, capacity.sheet) == (3, "تعداد تحت پوشش خاص (U)", "List")
    assert covered.column == "تعداد داوطلبان تحت پوشش (R)"
    assert "شصت" in str(err) and "row 3" in str(err) and "ردیف 3" in str(err)


@pytest.mark.parametrize(("column", "value"), [
    ("تعداد تحت پوشش خاص", -5), ("تعداد داوطلبان تحت پوشش", "-1"), ("تعداد مدارس تحت پوشش", -2),
    ("کد کارمندی پشتیبان", 12.5), ("کد کارمندی پشتیبان", "۱۲٫۵"), ("کد کارمندی پشتیبان", "12/5"),
])
def test_mentor_values_that_would_change_meaning_are_refused(tmp_path, column, value):
    rows = [list(INSPACTOR_COLUMNS), mentor_row(), mentor_row(**{column: value})]
    err = error_of(read_mentors, xlsx(tmp_path / "m.xlsx", {"List": rows}), policy())
    assert codes(err) == ["INPUT_BAD_CELL"]
    assert err.problems[0].location.row == 3 and err.problems[0].location.column.startswith(column)


@pytest.mark.parametrize("value", ["EMP-2", 42, "۴۲", 42.0])
def test_mentor_ids_as_codes_or_whole_numbers_are_accepted(tmp_path, value):
    rows = [list(INSPACTOR_COLUMNS), mentor_row(**{"کد کارمندی پشتیبان": value})]
    [record] = read_mentors(xlsx(tmp_path / "m.xlsx", {"List": rows}), policy()).records
    assert record.mentor_id == ("EMP-2" if value == "EMP-2" else "42")


def test_crosswalk_errors(tmp_path):
    err = error_of(read_crosswalk, xlsx(tmp_path / "c.xlsx", {"x": [["a"]]}), policy())
    assert codes(err) == ["INPUT_MISSING_SHEET"] and CROSSWALK_GROUP_SHEET in str(err)
    groups = [["گروه آزمایشی", "کد گروه"], ["نهم", "نه"]]
    err = error_of(read_crosswalk, xlsx(tmp_path / "d.xlsx", {CROSSWALK_GROUP_SHEET: groups}),
                   policy())
    assert codes(err) == ["INPUT_BAD_CELL"] and err.problems[0].location.row == 2
    syn = [["from", "x"], ["a", "b"]]
    err = error_of(read_crosswalk, xlsx(tmp_path / "e.xlsx", {
        CROSSWALK_GROUP_SHEET: [["گروه آزمایشی", "کد گروه"], ["نهم", 27]], "Synonyms": syn}),
        policy())
    assert codes(err) == ["INPUT_MISSING_COLUMN"] and "Synonyms" in str(err)


def test_schools_bad_code(tmp_path):
    rows = [["کد مدرسه", "نام مدرسه"], ["12a", "x"], [13, "y"], [-14, "z"], [15.5, "w"]]
    err = error_of(read_schools, xlsx(tmp_path / "s.xlsx", {"S": rows}), policy())
    assert codes(err) == ["INPUT_BAD_CELL"] * 3
    assert [p.location.row for p in err.problems] == [2, 4, 5]
    assert err.problems[0].location.column == "کد مدرسه (A)"


def test_roster_and_history_errors(tmp_path):
    err = error_of(read_roster, xlsx(tmp_path / "r.xlsx", {"شمارنده": [["student_id"], ["1"]]}))
    assert codes(err) == ["INPUT_MISSING_COLUMN"] and "کد ملی" in str(err)
    header = ["national_id", "mentor_id", "registration_code", *JOIN_KEYS, "allocation_channel"]
    rows = [header, [nid(1), "7", "533570001", "سه", 1, 1, 0, 0, 0, "GENERIC"],
            ["", "7", "533570002", 3, 1, 1, 0, 0, 0, "GENERIC"]]
    err = error_of(read_history_seed, xlsx(tmp_path / "h.xlsx", {"history": rows}))
    assert codes(err) == ["INPUT_BAD_CELL"] * 2
    assert err.problems[0].location.row == 2 and err.problems[1].location.row == 3


def test_many_bad_cells_are_capped(tmp_path):
    rows = [list(INSPACTOR_COLUMNS)] + [mentor_row(**{"تعداد تحت پوشش خاص": "x"})] * 30
    err = error_of(read_mentors, xlsx(tmp_path / "m.xlsx", {"S": rows}), policy())
    assert len(err.problems) == 21 and err.problems[-1].code == "INPUT_MORE_PROBLEMS"


def _without_cached_values(path):
    """Drop the saved values of every formula (as a generator that never calculates does)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", data)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_a_formula_without_a_saved_value_is_refused_by_row_and_column(tmp_path):
    rows = [list(INSPACTOR_COLUMNS), mentor_row(), mentor_row(**{"کد کارمندی پشتیبان": 8})]
    path = xlsx(tmp_path / "m.xlsx", {"List": rows})
    column = INSPACTOR_COLUMNS.index("کد کارمندی پشتیبان")
    with zipfile.ZipFile(path) as z:     # the id of row 3 becomes the formula =7+1
        parts = {n: z.read(n) for n in z.namelist()}
    letter = chr(65 + column)
    sheet = parts["xl/worksheets/sheet1.xml"]
    sheet = re.sub(rb'(<c r="' + letter.encode() + rb'3"[^>]*?)( t="[a-z]+")?>.*?</c>',
                   rb"\1><f>7+1</f><v>8</v></c>", sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert [r.mentor_id for r in read_mentors(path, policy()).records] == ["7", "8"]  # cached
    err = error_of(read_mentors, _without_cached_values(path), policy())
    assert codes(err) == ["INPUT_FORMULA_WITHOUT_VALUE"]
    where = err.problems[0].location
    assert (where.row, where.column) == (3, f"کد کارمندی پشتیبان ({letter})")
