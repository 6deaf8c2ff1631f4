"""ImportToSabt Sheet2 rows (D9, A.8, B.4): layout, phone, contact and finance rules."""

from __future__ import annotations

import pytest

from smartalloc.domain.contracts import SABT_COLUMNS
from smartalloc.domain.contracts import StudentCol as C
from smartalloc.domain.decision import FailureClass
from smartalloc.domain.sabt import build_sabt

from .factories import make_decision, make_policy, make_student, valid_national_id

POLICY = make_policy()
EXPECTED_HEADERS = (
    "پشتیبان", "کد ثبت نام", "گروه آزمایشی", "جنسیت", "وضعیت ثبت نام", "اتباع خارجی", "کد ملی",
    "نام", "نام خانوادگی", "نام پدر", "تاری//خ/ /تولد", "وضعیت تحصیلی", "وضعیت هنرستان", "تلفن",
    "تلفن همراه", "معدل", "معدل نیم سال", "شماره قبض", "کد پستی", "آدرس پست الکترونیک", "آدرس",
    "کد پستی جایگزین", "پشتیبان خاص", "آزمون پیشرفت تحصیلی", "\u0643ار در منزل و مجله",
    "آزمون CD", "زبان خارجی", "اقلیت مذهبی", "شماره پرونده", "نسبت", "تخفیف",
    "نحوه آشنایی با کانون", "نسبت رابط 1", "نام رابط 1", "تلفن رابط 1", "نسبت رابط 2",
    "نام رابط 2", "تلفن رابط 2", "شهر مدرسه 1", "کد مدرسه 1", "شماره کلاس", "سهمیه کنکور",
    "شماره صندلی", "تاریخ ثبت نام", "کد رهگیری حکمت", "نوع بسته حکمت",
)


def one_row(columns=None, **fields) -> dict[str, str]:
    """The Sheet2 row of a single allocated student, as header → cell."""
    student = make_student(0, columns=columns, **fields)
    export = build_sabt([student], [make_decision(0, "EMP-7", student=student, alias="4321")],
                        POLICY)
    assert len(export.rows) == 1
    return dict(zip(SABT_COLUMNS, export.rows[0], strict=True))


def issues(columns=None, **fields):
    student = make_student(0, columns=columns, **fields)
    return build_sabt([student], [make_decision(0, student=student)], POLICY).errors


def test_46_headers_in_contract_order():
    assert SABT_COLUMNS == EXPECTED_HEADERS
    assert len(SABT_COLUMNS) == 46
    assert SABT_COLUMNS[10] == "تاری//خ/ /تولد"
    assert SABT_COLUMNS[24].startswith("\u0643")       # Arabic ك, not Persian ک


def test_row_has_46_text_cells_and_program_columns():
    row = one_row(group=22, gender=0, status=0, center=2, school=1112)
    assert len(row) == 46 and all(isinstance(v, str) for v in row.values())
    assert row["پشتیبان"] == "EMP-7"
    assert row["کد ثبت نام"] == "543570001"
    assert row["کد پستی جایگزین"] == "4321"
    assert (row["گروه آزمایشی"], row["جنسیت"], row["وضعیت ثبت نام"], row["وضعیت تحصیلی"]) == (
        "22", "0", "0", "0")
    assert row["کد مدرسه 1"] == "1112"
    assert row["تاری//خ/ /تولد"] == "1387/05/12"
    assert row["نام"] == "زهرا" and row["نام پدر"] == "علی"


def test_copied_columns_including_arabic_kaf_column():
    row = one_row(columns={C.HOMEWORK: "بله", C.GPA: "18.5", C.ADDRESS: "شیراز", C.SEAT_NO: "12",
                           C.HOW_FOUND: "دوستان", C.BONYAD_KIND: "فرزند"})
    assert row["كار در منزل و مجله"] == "بله"
    assert (row["معدل"], row["آدرس"], row["شماره صندلی"]) == ("18.5", "شیراز", "12")
    assert (row["نحوه آشنایی با کانون"], row["نسبت"]) == ("دوستان", "فرزند")


def test_empty_school_becomes_0_and_school_city_falls_back():
    row = one_row(school=0, columns={C.SCHOOL: "", C.SCHOOL_CITY: ""})
    assert row["کد مدرسه 1"] == "0"
    assert row["شهر مدرسه 1"] == "4001"


def test_national_id_with_leading_zero_stays_10_digit_text():
    nid = valid_national_id(12, prefix=0)
    assert nid.startswith("0000")
    assert one_row(national_id=nid)["کد ملی"] == nid
    lost = nid.lstrip("0")                               # a 9-digit id read from a number cell
    assert one_row(national_id=lost)["کد ملی"] == nid


def test_mobile_rules():
    assert one_row(columns={C.MOBILE: "9171234567"})["تلفن همراه"] == "09171234567"
    assert one_row(columns={C.MOBILE: "۰۹۱۷ ۱۲۳-۴۵۶۷"})["تلفن همراه"] == "09171234567"
    assert one_row(columns={C.MOBILE: "12345"})["تلفن همراه"] == ""
    [issue] = issues(columns={C.MOBILE: "12345"})
    assert issue.column == C.MOBILE and issue.row == 2
    assert "12345" not in issue.message_fa + issue.message_en   # rows and columns, no phone


@pytest.mark.parametrize(("raw", "finance", "expected"), [
    ("36251234", 0, "36251234"),
    ("52251234", 0, "52251234"),
    ("07136251234", 0, ""),
    ("", 0, ""),
    ("", 3, "00000000000"),            # Hekmat with empty landline
    ("07136251234", 3, "00000000000"),  # Hekmat with an invalid landline
    ("36251234", 3, "36251234"),
])
def test_landline_rules(raw, finance, expected):
    assert one_row(finance=finance, columns={C.LANDLINE: raw})["تلفن"] == expected


def test_blanked_landline_is_reported_without_the_number():
    [issue] = issues(columns={C.LANDLINE: "07136251234"})
    assert issue.column == C.LANDLINE
    assert "07136251234" not in issue.message_fa + issue.message_en    # no phone in a message


@pytest.mark.parametrize("finance", [3, 0])
def test_the_hekmat_placeholder_already_in_the_input_is_no_error(finance):
    placeholder = POLICY.sabt.hekmat_empty_landline
    assert issues(finance=finance, columns={C.LANDLINE: placeholder}) == []
    expected = placeholder if finance == 3 else ""
    assert one_row(finance=finance, columns={C.LANDLINE: placeholder})["تلفن"] == expected


@pytest.mark.parametrize("written", ["۰۰۰۰۰۰۰۰۰۰۰", "000-0000-0000", " 00000000000 "])
def test_the_hekmat_placeholder_is_recognised_however_it_is_typed(written):
    """Persian digits, dashes, spaces: the placeholder's digits are what count (the fast path
    for plain ASCII digits must not lose these)."""
    assert POLICY.sabt.hekmat_empty_landline == "00000000000"
    assert issues(finance=0, columns={C.LANDLINE: written}) == []
    assert one_row(finance=0, columns={C.LANDLINE: written})["تلفن"] == ""
    assert one_row(finance=3, columns={C.LANDLINE: written})["تلفن"] == "00000000000"


def contacts(father: str, mother: str) -> tuple[str, ...]:
    row = one_row(columns={C.FATHER_MOBILE: father, C.MOTHER_MOBILE: mother,
                           C.CONTACT1_NAME: "پدر", C.CONTACT2_NAME: "مادر"})
    return tuple(row[c] for c in ("نسبت رابط 1", "نام رابط 1", "تلفن رابط 1", "نسبت رابط 2",
                                  "نام رابط 2", "تلفن رابط 2"))


def test_contact1_is_father_and_contact2_mother_when_different():
    assert contacts("09170000001", "9360000002") == (
        "1", "پدر", "09170000001", "2", "مادر", "09360000002")


def test_contact2_blank_when_same_as_contact1():
    assert contacts("09170000001", "0917-000-0001") == ("1", "پدر", "09170000001", "", "", "")


@pytest.mark.parametrize("father", ["", "12345"])
def test_contact2_moves_up_when_father_empty_or_invalid(father):
    assert contacts(father, "09360000002") == ("2", "مادر", "09360000002", "", "", "")


def test_no_contact_phone_at_all():
    assert contacts("", "") == ("1", "پدر", "", "", "", "")


def test_hekmat_row():
    row = one_row(finance=3, columns={C.DISCOUNT: "101", C.HEKMAT_PACKAGE: ""})
    assert row["کد رهگیری حکمت"] == "1111111111111111"
    assert isinstance(row["کد رهگیری حکمت"], str) and len(row["کد رهگیری حکمت"]) == 16
    assert row["نوع بسته حکمت"] == "آزمون"
    assert row["تخفیف"] == ""
    assert one_row(finance=3, columns={C.HEKMAT_PACKAGE: "کامل"})["نوع بسته حکمت"] == "کامل"


def test_non_hekmat_row_has_no_hekmat_values():
    row = one_row(finance=0, columns={C.HEKMAT_TRACKING: "1111111111111111",
                                      C.HEKMAT_PACKAGE: "آزمون", C.DISCOUNT: "101"})
    assert (row["کد رهگیری حکمت"], row["نوع بسته حکمت"], row["تخفیف"]) == ("", "", "101")


@pytest.mark.parametrize(("finance", "expected"), [(1, "A-778"), (0, ""), (3, "")])
def test_bonyad_file_number_only_for_finance_1(finance, expected):
    assert one_row(finance=finance, columns={C.BONYAD_FILE: "A-778"})["شماره پرونده"] == expected


def test_only_allocated_decisions_in_decision_order():
    students = [make_student(i) for i in range(4)]
    decisions = [make_decision(2, "M3"), make_decision(0, "M1"),
                 make_decision(1, failure=FailureClass.CAPACITY_FULL), make_decision(3, "M4")]
    export = build_sabt(students, decisions, POLICY)
    assert [r[0] for r in export.rows] == ["M3", "M1", "M4"]
    assert [r[6] for r in export.rows] == [students[i].national_id for i in (2, 0, 3)]


def test_missing_mandatory_value_is_reported():
    errs = issues(columns={C.FIRST_NAME: ""})
    assert [(e.column, e.message_en) for e in errs] == [("نام", "mandatory value is empty")]
    assert errs[0].national_id == valid_national_id(0) and errs[0].row == 2


def test_summary_counts():
    students = [make_student(0, finance=3, columns={C.LANDLINE: ""}),
                make_student(1, finance=1, columns={C.MOBILE: "bad"}),
                make_student(2)]
    decisions = [make_decision(0), make_decision(1),
                 make_decision(2, failure=FailureClass.ELIGIBILITY_NO_MATCH)]
    summary = dict(build_sabt(students, decisions, POLICY).summary)
    by_en = {k.split(" | ")[1]: v for k, v in summary.items()}
    assert by_en["students"] == 3 and by_en["allocated"] == 2 and by_en["rows written"] == 2
    assert by_en["Hekmat rows"] == 1 and by_en["Bonyad rows"] == 1
    assert by_en["Hekmat default landlines"] == 1 and by_en["mobiles blanked"] == 1
    assert by_en["errors"] == 1 and by_en["policy stamp"] == POLICY.stamp


def test_a_later_export_is_the_export_and_is_built_only_when_read(monkeypatch):
    """The run's export (``sabt_later``) is built where it is first read, by its writer (issue
    P); its row count is known before, for QA; built, it is ``build_sabt``'s export."""
    from smartalloc.domain import sabt as sabt_module

    policy = make_policy()
    students = [make_student(i, columns={C.MOBILE: "123" if i == 1 else "09121234567"})
                for i in range(3)]
    decisions = [make_decision(0, "M1"), make_decision(1, "M2"),
                 make_decision(2, failure=FailureClass.CAPACITY_FULL)]
    eager = build_sabt(students, decisions, policy)
    calls, real = [], sabt_module.build_sabt
    monkeypatch.setattr(sabt_module, "build_sabt", lambda *a: calls.append(1) or real(*a))
    later = sabt_module.sabt_later(students, decisions, policy)
    assert len(later.rows) == 2 and calls == [] and not later.rows.built
    assert list(later.rows) == eager.rows and calls == [1]
    assert list(later.summary) == eager.summary and list(later.errors) == eager.errors
    assert len(later.errors) == 1 and calls == [1]      # one build for all three
