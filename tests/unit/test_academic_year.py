"""FR-44: the academic year from the roster's codes and the file names' Jalali dates."""

from __future__ import annotations

import pytest

from smartalloc.domain.academic_year import infer_year, year_check
from tests.policies import make_policy

POLICY = make_policy()


def test_roster_and_file_names_agree():
    found = infer_year(POLICY, ["533570001", "543730040", "548510001", "12"],
                       ["InspactorReport-1404_08_27-3570.xlsx", "roster.xlsx"])
    assert (found.from_roster, found.from_files, found.agreed) == (1404, 1404, 1404)
    assert found.file_dates == ("1404/08/27",)


@pytest.mark.parametrize(("name", "year"), [
    ("StudentReport-1405_02_10-3570.xlsx", 1404),   # Ordibehesht: the year that began last Mehr
    ("StudentReport-1405_04_01-3570.xlsx", 1405),   # Tir: registration for the coming year
    ("SchoolReport-1404-12-29.xlsx", 1404),
])
def test_a_date_from_tir_on_belongs_to_the_year_that_starts_that_mehr(name, year):
    assert infer_year(POLICY, [], [name]).from_files == year


def test_disagreement_or_silence_leaves_the_choice_to_the_operator():
    new_year = infer_year(POLICY, ["543570001"], ["InspactorReport-1405_05_02-3570.xlsx"])
    assert (new_year.from_roster, new_year.from_files, new_year.agreed) == (1404, 1405, None)
    assert new_year.inferred == (1404, 1405)
    mixed = infer_year(POLICY, [], ["a-1404_08_27.xlsx", "b-1405_06_01.xlsx"])
    assert mixed.from_files is None and mixed.agreed is None
    assert infer_year(POLICY, [], ["roster.xlsx"]).agreed is None


def test_codes_of_another_shape_or_family_say_nothing_about_the_year():
    assert infer_year(POLICY, ["558510001", "5635700001", "56357A001"], []).from_roster is None


def test_a_run_stops_only_when_both_witnesses_agree_on_another_year():
    both = infer_year(POLICY, ["543570001"], ["InspactorReport-1404_08_27-3570.xlsx"])
    problems, warnings = year_check(both, 1405, explicit=False)
    assert [p.code for p in problems] == ["YEAR_MISMATCH"] and not warnings
    assert "1404" in problems[0].message_en and "smartalloc setup" in problems[0].message_en
    problems, warnings = year_check(both, 1405, explicit=True)   # the operator said so
    assert not problems and "academic year 1405 was used" in warnings[0]
    assert year_check(both, 1404, explicit=False) == ([], [])
    # a new year's first run: last year's codes only, this year's file names → a warning
    new_year = infer_year(POLICY, ["543570001"], ["InspactorReport-1405_05_02-3570.xlsx"])
    problems, warnings = year_check(new_year, 1405, explicit=False)
    assert not problems and "roster: 1404" in warnings[0]
    roster_only = infer_year(POLICY, ["543570001"], ["upload.xlsx"])
    assert year_check(roster_only, 1405, explicit=False)[0] == []
