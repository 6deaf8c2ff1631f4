"""Excel readers: happy paths, header variants, digits, ids, layouts (synthetic data only)."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

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
from smartalloc.adapters.xlsx_writer import Sheet, write_workbook
from smartalloc.domain.contracts import (
    CROSSWALK_GROUP_SHEET,
    INSPACTOR_COLUMNS,
    JOIN_KEYS,
    MANAGER_COLUMNS,
    SCHOOL_COLUMNS,
    STUDENT_COLUMNS,
)
from smartalloc.domain.national_id import checksum_digit
from smartalloc.domain.normalize import clean_text
from smartalloc.domain.policy import Policy, load_policy_mapping
from smartalloc.domain.student_rows import clean_column as _clean_column

BOOK1_COLUMNS = tuple(c for i, c in enumerate(STUDENT_COLUMNS) if i not in (1, 2, 3, 4))
FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def policy() -> Policy:
    text = resources.files("smartalloc.resources").joinpath("policy.json").read_text("utf-8")
    return load_policy_mapping(json.loads(text))


def nid(n: int) -> str:
    nine = f"{228000000 + n:09d}"
    return nine + str(checksum_digit(nine))


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Raw workbook: str → text cell (never neutralised), numbers → number cells."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, str) and v != "":
                    ws.write_string(r, c, v)
                elif isinstance(v, int | float) and not isinstance(v, bool):
                    ws.write_number(r, c, v)
    wb.close()
    return path


def row_of(columns, **by_name) -> list:
    return [by_name.get(c, "") for c in columns]


def mentor_row(columns=INSPACTOR_COLUMNS, **kw) -> list:
    base = {"کد کارمندی": 99, "کد کارمندی پشتیبان": 7, "نام پشتیبان": "پشتیبان آزمایشی",
            "نام مدیر": "مدیر نمونه", "جنسیت": "پسر", "نوع پشتیبان": "عادی",
            "نام مدرسه 1": 0, "شامل گروه های آزمایشی": "27,31:35", "گروه آزمایشی": "آزاد",
            "تعداد داوطلبان تحت پوشش": 40, "تعداد تحت پوشش خاص": 60, "کدپستی": "1001",
            "تعداد مدارس تحت پوشش": 0, "امکان جذب دانش آموز": "بلی", "غیر فعال": "خیر"}
    return row_of(columns, **{**base, **kw})


STUDENT_BASE = {"گروه آزمایشی نهایی": "3", "جنسیت": "1", "وضعیت ثبت نام": "0",
                "وضعیت تحصیلی": "1", "مرکز ثبت نام": "0", "مدرسه نهایی": "1112",
                "نام": "آرین", "نام خانوادگی": "نمونه", "تلفن همراه داوطلب": "09170000001"}


def student_file(tmp_path: Path, rows: list[dict], columns=STUDENT_COLUMNS,
                 sheet: str = "Sabt (5)", name: str = "students.xlsx", extra=None) -> Path:
    data = [list(columns)]
    for r in rows:
        merged = {**STUDENT_BASE, **r}
        data.append([merged.get(c, "") for c in columns])
    return xlsx(tmp_path / name, {**(extra or {}), sheet: data})


# --- mentors --------------------------------------------------------------------------------
def test_read_mentors_full_header(tmp_path):
    rows = [list(INSPACTOR_COLUMNS), mentor_row(),
            mentor_row(**{"کد کارمندی پشتیبان": "12", "نوع پشتیبان": "مدرسه", "نام مدرسه 1": 1112,
                          "نام مدرسه 2": "دبیرستان نمونه", "کدپستی": "", "تعداد مدارس تحت پوشش": 2,
                          "تعداد داوطلبان تحت پوشش": "", "تعداد تحت پوشش خاص": ""})]
    path = xlsx(tmp_path / "InspactorReport-3570.xlsx", {"InspactorList3570": rows})
    report = read_mentors(path, policy())
    a, b = report.records
    assert (a.row, a.mentor_id, a.name, a.manager) == (2, "7", "پشتیبان آزمایشی", "مدیر نمونه")
    assert (a.covered, a.capacity, a.school_count, a.postal) == (40, 60, 0, "1001")
    assert a.school_slots == ("0", "", "", "") and a.group_list == "27,31:35"
    assert (a.can_allocate, a.inactive, a.gender_label, a.mentor_type) == ("بلی", "خیر", "پسر", "عادی")
    assert b.mentor_id == "12" and b.school_slots[:2] == ("1112", "دبیرستان نمونه")
    assert (b.covered, b.capacity, b.school_count) == (None, None, 2)
    assert report.has_covered_column and report.has_capacity_column
    assert report.source.sheet == "InspactorList3570" and report.source.rows == 2
    assert report.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_mentors_without_r0_columns_and_persian_digits(tmp_path):
    cols = [c for c in INSPACTOR_COLUMNS if c not in ("تعداد داوطلبان تحت پوشش", "تعداد تحت پوشش خاص")]
    row = mentor_row(cols, **{"کد کارمندی پشتیبان": "۱۵", "تعداد مدارس تحت پوشش": "۲",
                              "کدپستی": "۱۰۰۲"})
    report = read_mentors(xlsx(tmp_path / "m.xlsx", {"S": [cols, row]}), policy())
    rec = report.records[0]
    assert (rec.mentor_id, rec.school_count, rec.postal) == ("15", 2, "1002")
    assert not report.has_covered_column and not report.has_capacity_column
    assert rec.covered is None and rec.capacity is None


def test_mentor_header_variants_and_staff_id_never_used(tmp_path):
    header = ["کد کارمندی", "کد كارمندی پشتيبان | mentor_id", "نام پشتیبان ", "نام مدیر | manager",
              "شامل گروه‌های آزمایشی", "تعداد تحت پوشش خاص", "ستون ناشناخته"]
    row = [555, 8.0, "پشتیبان", "مدیر", "3", "70", "x"]
    rec = read_mentors(xlsx(tmp_path / "m.xlsx", {"S": [header, row]}), policy()).records[0]
    assert (rec.mentor_id, rec.name, rec.manager, rec.group_list, rec.capacity) == (
        "8", "پشتیبان", "مدیر", "3", 70)
    alias_only = [["کد کارمندی", "mentor_id", "نام پشتیبان", "نام مدیر", "گروه آزمایشی"],
                  [555, "9", "پ", "م", "آزاد"]]
    rec = read_mentors(xlsx(tmp_path / "a.xlsx", {"S": alias_only}), policy()).records[0]
    assert rec.mentor_id == "9"


def test_header_below_a_title_row_and_blank_rows_keep_excel_numbers(tmp_path):
    rows = [["گزارش پشتیبانان"], [], list(INSPACTOR_COLUMNS), mentor_row(), [], mentor_row()]
    report = read_mentors(xlsx(tmp_path / "m.xlsx", {"S": rows}), policy())
    assert [r.row for r in report.records] == [4, 6]


# --- schools, managers, crosswalk ------------------------------------------------------------
def test_read_schools_skips_rows_without_code(tmp_path):
    rows = [list(SCHOOL_COLUMNS),
            row_of(SCHOOL_COLUMNS, **{"کد مدرسه": 1112, "نام مدرسه": "نمونه 1", "جنسیت": "پسرانه",
                                      "مقطع": "دبیرستان"}),
            row_of(SCHOOL_COLUMNS, **{"کد مدرسه": "۳", "نام مدرسه": "شهيد كاظمی"}),
            row_of(SCHOOL_COLUMNS, **{"نام مدرسه": "جمع"})]
    schools = read_schools(xlsx(tmp_path / "s.xlsx", {"SchoolList3570": rows}), policy())
    assert [(s.row, s.code, s.name, s.gender_label, s.stage) for s in schools] == [
        (2, 1112, "نمونه 1", "پسرانه", "دبیرستان"), (3, 3, "شهید کاظمی", "", "")]


def test_read_managers(tmp_path):
    rows = [list(MANAGER_COLUMNS), row_of(MANAGER_COLUMNS, **{"نام مدیر": "مدیر یک", "کد مدیر": 11}),
            row_of(MANAGER_COLUMNS, **{"کد مدیر": 12})]
    managers = read_managers(xlsx(tmp_path / "mg.xlsx", {"ManagerList3570": rows}), policy())
    assert [(m.row, m.name, m.code) for m in managers] == [(2, "مدیر یک", "11")]
    header_only = xlsx(tmp_path / "h.xlsx", {"S": [list(MANAGER_COLUMNS)]})
    assert read_managers(header_only, policy()) == ()


def test_read_crosswalk_with_and_without_synonyms(tmp_path):
    groups = [["گروه آزمایشی", "کد گروه", "مقطع تحصیلی"], ["دوازدهم تجربی", 3, "کنکوری"],
              ["نهم", "۲۷", "متوسطه اول"]]
    syn = [["from", "to"], ["دهم علوم انسانی", "دهم انسانی"], ["", "x"]]
    cw = read_crosswalk(xlsx(tmp_path / "c.xlsx", {CROSSWALK_GROUP_SHEET: groups,
                                                   "Synonyms": syn}), policy())
    assert [(g.code, g.name, g.stage) for g in cw.groups] == [
        (3, "دوازدهم تجربی", "کنکوری"), (27, "نهم", "متوسطه اول")]
    assert cw.synonyms == (("دهم علوم انسانی", "دهم انسانی"),)
    cw = read_crosswalk(xlsx(tmp_path / "c2.xlsx", {"other": [["x"]],
                                                    CROSSWALK_GROUP_SHEET: groups}), policy())
    assert len(cw.groups) == 2 and cw.synonyms == ()


# --- students ---------------------------------------------------------------------------------
def test_read_students_sabt_layout(tmp_path):
    columns = list(STUDENT_COLUMNS)
    row = {c: "" for c in columns}
    row.update(STUDENT_BASE)
    data = [columns, [row.get(c, "") for c in columns]]
    data[1][1], data[1][2], data[1][4] = "533730001", "", "503570007"   # two prior counters
    data[1][columns.index("کدملی")] = data[1][58] = nid(1)
    data[1][columns.index("نام خانوادگی")] = "=cmd|' /C calc'!A0"
    path = xlsx(tmp_path / "report.xlsx", {"Sheet1": [["spec"]], "Sabt (5)": data})
    batch = read_students(path, policy())
    s = batch.records[0]
    assert (s.row, s.index, s.national_id, s.national_id_raw) == (2, 0, nid(1), nid(1))
    assert s.keys == (3, 1, 1, 0, 0, 1112) and s.key_problems == ()
    assert s.prior_codes == ("533730001", "503570007")
    assert s.value("نام خانوادگی") == "=cmd|' /C calc'!A0"
    assert len(s.values) == len(STUDENT_COLUMNS) and s.values[1] == "533730001"
    assert batch.source.sheet == "Sabt (5)" and batch.source.rows == 1
    assert batch.source.sha256 == file_sha256(path)


def test_students_ids_digits_and_key_problems(tmp_path):
    zero_id = "0" + "12345678"
    zero_id += str(checksum_digit(zero_id))
    rows = [{"کدملی": zero_id[1:], "کد ملی": zero_id[1:]},                # 9 digits: lost zero
            {"کدملی": nid(3).translate(FA), "گروه آزمایشی نهایی": "۲۲", "مدرسه نهایی": ""},
            {"کدملی": nid(4), "گروه آزمایشی نهایی": "", "جنسیت": "x"}]
    batch = read_students(student_file(tmp_path, rows), policy())
    a, b, c = batch.records
    assert a.national_id == zero_id and a.national_id_raw == zero_id[1:]
    assert b.national_id == nid(3) and b.group == 22 and b.school == 0 and not b.key_problems
    assert c.group is None and c.gender is None and c.keys is None
    assert c.key_problems == (("گروه آزمایشی نهایی", ""), ("جنسیت", "x"))
    assert [r.index for r in batch.records] == [0, 1, 2]


def test_students_header_variants(tmp_path):
    rename = {"گروه آزمایشی نهایی": "کد رشته", "مرکز ثبت نام": "مرکز ثبت\u200cنام",
              "جنسیت": "جنسیت ", "وضعیت تحصیلی": "وضعيت تحصيلی", "مدرسه نهایی": "مدرسه نهایی | school",
              "کدملی": "کد ملي"}
    columns = [rename.get(c, c) for c in BOOK1_COLUMNS if c != "کد ملی"]
    row = {rename.get(k, k): v for k, v in {**STUDENT_BASE, "کدملی": nid(5), "گروه آزمایشی نهایی": "25",
                                             "مرکز ثبت نام": "2"}.items()}
    path = xlsx(tmp_path / "v.xlsx", {"1": [columns, [row.get(c, "") for c in columns]]})
    s = read_students(path, policy()).records[0]
    assert s.keys == (25, 1, 1, 2, 0, 1112) and s.national_id == nid(5)
    assert s.value("کدملی") == s.value("کد ملی") == nid(5)


def test_students_book1_layout_found_after_a_non_student_sheet(tmp_path):
    spec = [["عنوان ستون ها ورودی", "مقدار"], ["کد ثبت نام", "x"]]
    path = student_file(tmp_path, [{"کدملی": nid(6), "کد ملی": nid(6)}], columns=BOOK1_COLUMNS,
                        sheet="1", extra={"Sheet1": spec})
    batch = read_students(path, policy())
    assert batch.source.sheet == "1"
    s = batch.records[0]
    assert s.prior_codes == () and s.values[1:5] == ("", "", "", "") and s.keys[0] == 3


def test_numbers_as_numbers_or_text_give_the_same_records(tmp_path):
    texts = [{"کدملی": nid(7), "کد ملی": nid(7), "گروه آزمایشی نهایی": "22", "مدرسه نهایی": "286",
              "کد ثبت نام0": "523570011", "تخفیف": "101"}]
    numbers = [{k: float(v) if k not in ("کدملی", "کد ملی") else v for k, v in {
        **STUDENT_BASE, **texts[0]}.items() if v.isdigit() and not v.startswith("0")}]
    a = read_students(student_file(tmp_path, texts, name="t.xlsx"), policy()).records
    b = read_students(student_file(tmp_path, numbers, name="n.xlsx"), policy()).records
    assert a == b and a[0].prior_codes == ("523570011",)


def test_students_written_by_the_project_writer_round_trip(tmp_path):
    path = tmp_path / "w.xlsx"
    row = [{**STUDENT_BASE, "کدملی": nid(8), "کد ملی": nid(8)}.get(c, "") for c in STUDENT_COLUMNS]
    write_workbook(path, [Sheet("Sabt (5)", STUDENT_COLUMNS, [row])])
    s = read_students(path, policy()).records[0]
    assert s.national_id == nid(8) and s.keys == (3, 1, 1, 0, 0, 1112)


# --- roster, history -------------------------------------------------------------------------
def test_read_roster_prefers_the_counter_sheet(tmp_path):
    rows = [["student_id", "کدملی"], ["543570001", nid(9)[1:]], [543730002, nid(10)], ["", nid(11)]]
    path = xlsx(tmp_path / "r.xlsx", {"other": [["x"]], "شمارنده": rows})
    roster = read_roster(path)
    assert [(e.code, e.row) for e in roster] == [("543570001", 2), ("543730002", 3)]
    assert roster[0].national_id == nid(9)[1:].zfill(10) and roster[1].national_id == nid(10)


def test_read_history_seed(tmp_path):
    header = ["national_id", "mentor_id", "registration_code", *JOIN_KEYS, "allocation_channel",
              "allocated_at", "run_id"]
    rows = [header, [nid(12), "7", "533570001", 3, 1, 1, 0, 0, 0, "GENERIC", "1403-07-01", ""]]
    (entry,) = read_history_seed(xlsx(tmp_path / "h.xlsx", {"history": rows}))
    assert (entry.national_id, entry.mentor_id, entry.code, entry.keys) == (
        nid(12), "7", "533570001", (3, 1, 1, 0, 0, 0))
    assert (entry.channel, entry.allocated_at, entry.run_id, entry.policy_stamp) == (
        "GENERIC", "1403-07-01", "seed", "seed")


# --- column cleaning is exactly clean_text -----------------------------------------------------
CELL = st.one_of(
    st.text(alphabet=" \t\n.-+0123456789۰۱۲۳abcيكی\u200c\u200f\u00a0\x1c\x01", max_size=8),
    st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False, width=32), st.booleans())


@given(st.lists(CELL, max_size=12))
def test_column_cleaning_equals_clean_text(cells):
    assert _clean_column(tuple(cells)) == tuple(clean_text(c) for c in cells)
