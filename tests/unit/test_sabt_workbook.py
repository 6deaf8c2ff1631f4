"""The ImportToSabt and QA workbooks read back: sheets, headers, text cells, right-to-left."""

from __future__ import annotations

import zipfile

from python_calamine import CalamineWorkbook

from smartalloc.adapters.qa_workbook import write_qa_workbook
from smartalloc.adapters.sabt_workbook import write_sabt_workbook
from smartalloc.domain.contracts import SABT_COLUMNS
from smartalloc.domain.contracts import StudentCol as C
from smartalloc.domain.qa import QaReport, QaRuleResult, QaStatus, QaViolation
from smartalloc.domain.sabt import ERROR_COLUMNS, SUMMARY_COLUMNS, build_sabt
from tests.outputs import records, run_facts

from .factories import make_decision, make_policy, make_student, valid_national_id

POLICY = make_policy()


def sheet_xml(path, index: int) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def test_sabt_workbook_round_trip(tmp_path):
    nid = valid_national_id(5, prefix=0)
    students = [make_student(0, national_id=nid, finance=3, columns={C.LANDLINE: ""}),
                make_student(1, columns={C.MOBILE: "12"})]
    export = build_sabt(students, [make_decision(0, student=students[0]),
                                   make_decision(1, student=students[1])], POLICY)
    path = tmp_path / "import_to_sabt.xlsx"
    write_sabt_workbook(path, export, POLICY)

    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["Sheet2", "Summary", "Errors"]
    rows = wb.get_sheet_by_name("Sheet2").to_python()
    assert tuple(rows[0]) == SABT_COLUMNS
    first = dict(zip(SABT_COLUMNS, rows[1], strict=True))
    assert first["کد ملی"] == nid and nid.startswith("00")
    assert first["کد رهگیری حکمت"] == "1111111111111111"
    assert first["تلفن"] == "00000000000"
    assert first["تلفن همراه"] == "09171234567"
    assert first["کد ثبت نام"] == "543570001"
    non_empty = [v for r in rows[1:] for v in r if v != ""]
    assert non_empty and all(isinstance(v, str) for v in non_empty)   # no number cells

    summary = wb.get_sheet_by_name("Summary").to_python()
    assert tuple(summary[0]) == SUMMARY_COLUMNS
    assert [POLICY.stamp] == [r[1] for r in summary if r[0].endswith("policy stamp")]
    errors = wb.get_sheet_by_name("Errors").to_python()
    assert tuple(errors[0]) == ERROR_COLUMNS
    assert errors[1][2] == C.MOBILE

    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 3
    for i in (1, 2, 3):
        assert 'rightToLeft="1"' in sheet_xml(path, i)
    assert "<f>" not in sheet_xml(path, 1)


def test_empty_export_still_has_the_contracted_header(tmp_path):
    path = tmp_path / "empty.xlsx"
    write_sabt_workbook(path, build_sabt([], [], POLICY), POLICY)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet2").to_python()
    assert tuple(rows[0]) == SABT_COLUMNS


def test_qa_workbook(tmp_path):
    violation = QaViolation("QA_RULE_STU_02", "M1", "ناهمخوان", "mismatch")
    report = QaReport(QaStatus.FAILED_QA, [
        QaRuleResult("QA_RULE_STU_01", "شرح", True),
        QaRuleResult("QA_RULE_STU_02", "شرح", False, [violation]),
    ])
    path = tmp_path / "qa.xlsx"
    write_qa_workbook(path, report, {"policy_stamp": POLICY.stamp, "run_id": "abc"})
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["خلاصه قواعد", "موارد نقض", "مشخصات اجرا"]
    summary = wb.get_sheet_by_name("خلاصه قواعد").to_python()
    assert summary[0] == ["قاعده", "شرح", "نتیجه", "تعداد موارد نقض", "قاعده (کد)",
                          "نتیجه (کد)"]
    assert summary[1] == ["یک تصمیم برای هر دانش‌آموز", "شرح", "برقرار است", 0,
                          "QA_RULE_STU_01", "PASSED"]
    assert summary[2][2:] == ["نقض شده", 1, "QA_RULE_STU_02", "FAILED"]
    assert wb.get_sheet_by_name("موارد نقض").to_python()[1] == [
        "شمار تخصیص هر پشتیبان", "M1", "ناهمخوان", "mismatch", "QA_RULE_STU_02"]
    facts = records(path, "مشخصات اجرا")
    assert facts[0] == {"مورد": "کنترل کیفیت", "مقدار": "کنترل کیفیت: رد",
                        "کلید (کد)": "qa_status", "مقدار (کد)": "FAILED_QA"}
    meta = run_facts(path)
    assert meta["qa_status"] == "FAILED_QA" and meta["policy_stamp"] == POLICY.stamp
