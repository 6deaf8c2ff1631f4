"""Issue J: which report a workbook is, from its header — each reader's own required columns —
so a report put in another's slot is named (``service_layer.uploads.recognised``)."""

from __future__ import annotations

from smartalloc.adapters.uploads import _HEADERS, ExcelReportChecker
from smartalloc.domain.errors import InputError, Problem
from smartalloc.service_layer.ports import INPUT_ROLES
from smartalloc.service_layer.uploads import REPORT_NAMES, recognised


def test_every_role_has_a_header_and_a_name() -> None:
    assert set(_HEADERS) == set(INPUT_ROLES) == set(REPORT_NAMES)


def test_each_synthetic_report_is_recognised_as_itself_first(small_agency, policy) -> None:
    checker = ExcelReportChecker()
    for role in INPUT_ROLES:
        kinds = checker.kinds(getattr(small_agency, role), policy)
        assert kinds[:1] == (role,), (role, kinds)


def test_only_a_header_refusal_is_turned_into_a_wrong_report() -> None:
    missing = InputError([Problem("INPUT_MISSING_COLUMN", "ستون", "column")] * 4)
    named = recognised(missing, "inspactor", ("schools",), "a.xlsx")
    assert [p.code for p in named.problems] == ["UPLOAD_WRONG_REPORT"]
    assert recognised(missing, "inspactor", (), "a.xlsx") is missing          # unknown header
    assert recognised(missing, "inspactor", ("inspactor",), "a.xlsx") is missing
    cell = InputError(Problem("INPUT_BAD_CELL", "خانه", "cell"))
    assert recognised(cell, "inspactor", ("schools",), "a.xlsx") is cell      # not a header
