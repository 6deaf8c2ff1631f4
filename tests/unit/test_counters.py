"""Registration codes (D8, D15): format, continuation, reuse within the year, hard errors,
the codes that are never chosen, headroom."""

from __future__ import annotations

import pytest

from smartalloc.domain.allocation_report import EXCEL_CELL_LIMIT, meta_value
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.counters import CounterBook, row_ranges
from smartalloc.domain.errors import CounterError
from smartalloc.domain.records import RosterEntry

from .alloc_fixtures import default_policy, matrix_of, mentor, national_id, rows_for, student

POLICY = default_policy()


def test_codes_continue_after_the_highest_sequence_of_the_year_per_gender():
    book = CounterBook(POLICY, 1404, [RosterEntry("543570041", national_id(1)),
                                      RosterEntry("543730007", national_id(2)),
                                      RosterEntry("533579999", national_id(3))])
    assert book.issue(national_id(10), 1) == ("543570042", False)
    assert book.issue(national_id(11), 0) == ("543730008", False)
    assert book.issue(national_id(12), 1) == ("543570043", False)


def test_year_1405_starts_a_new_sequence():
    book = CounterBook(POLICY, 1405, [RosterEntry("543570041", national_id(1))])
    assert book.issue(national_id(10), 1) == ("553570001", False)


def test_a_returning_student_keeps_its_code_of_this_year_only():
    book = CounterBook(POLICY, 1404, [RosterEntry("543570005", national_id(1)),
                                      RosterEntry("533570009", national_id(2))])
    assert book.issue(national_id(1), 1) == ("543570005", True)
    assert book.issue(national_id(2), 1) == ("543570006", False)   # last year's code: new one
    # a code of the other gender's mid is not reused either
    book = CounterBook(POLICY, 1404, [RosterEntry("543730005", national_id(3))])
    assert book.issue(national_id(3), 1) == ("543570001", False)


def test_a_code_held_by_two_national_ids_is_a_hard_error():
    with pytest.raises(CounterError) as err:
        CounterBook(POLICY, 1404, [RosterEntry("543570005", national_id(1)),
                                   RosterEntry("543570005", national_id(2))])
    assert "543570005" in str(err.value)


def test_a_clashing_code_typed_in_the_student_report_is_ignored_with_a_warning():
    book = CounterBook(POLICY, 1404, [RosterEntry("543570005", national_id(1))],
                       claimed=[RosterEntry("543570005", national_id(2))])
    assert book.issue(national_id(2), 1) == ("543570006", False)
    assert any("ignored" in w for w in book.warnings)


def test_past_9999_is_a_clear_error_never_a_wrap():
    book = CounterBook(POLICY, 1404, [RosterEntry("543579998", national_id(1))])
    assert book.issue(national_id(2), 1) == ("543579999", False)
    with pytest.raises(CounterError) as err:
        book.issue(national_id(3), 1)
    assert "COUNTER_EXHAUSTED" in str(err.value)
    assert book.issue(national_id(4), 0) == ("543730001", False)   # girls are unaffected


def test_same_year_two_codes_keeps_the_later():
    book = CounterBook(POLICY, 1404, [RosterEntry("543570003", national_id(1)),
                                      RosterEntry("543570009", national_id(1))])
    assert book.issue(national_id(1), 1) == ("543570009", True)
    assert book.warnings


def test_an_issued_code_is_remembered_unless_asked_not_to():
    book = CounterBook(POLICY, 1404, [])
    assert book.issue(national_id(1), 1) == ("543570001", False)
    assert book.issue(national_id(1), 1) == ("543570001", True)    # the same student again
    assert book.issue(national_id(2), 1, remember=False) == ("543570002", False)
    assert book.reusable(national_id(2), 1) == ""                  # a batch never asks again


def test_no_code_is_reused_when_the_policy_says_so():
    policy = default_policy(dedupe={**POLICY.dedupe.model_dump(),
                                    "reuse_code_for_returning": False})
    book = CounterBook(policy, 1404, [RosterEntry("543570005", national_id(1))])
    assert book.issue(national_id(1), 1) == ("543570006", False)
    assert book.issue(national_id(1), 1) == ("543570007", False)   # nor one it just issued


# --- D15: codes of another shape or family are listed by row, never chosen, never dropped ------
def test_a_legacy_code_never_takes_the_place_of_the_valid_code_of_this_year():
    book = CounterBook(POLICY, 1404, [RosterEntry("543570005", national_id(1), 2, "roster.xlsx"),
                                      RosterEntry("548510001", national_id(1), 3, "roster.xlsx")])
    assert book.issue(national_id(1), 1) == ("543570005", True)
    assert book.issue(national_id(2), 1) == ("543570006", False)    # 851 moves no sequence
    assert any("850–853" in w and "roster.xlsx rows 3" in w for w in book.warnings)


def test_malformed_codes_are_listed_by_file_and_row():
    known = [RosterEntry("54357001", national_id(1), 2, "roster.xlsx"),      # 8 digits
             RosterEntry("5435700012", national_id(2), 3, "roster.xlsx"),    # 10 digits
             RosterEntry("54357A001", national_id(3), 4, "roster.xlsx"),     # a letter
             RosterEntry("543570007", national_id(4), 6, "roster.xlsx")]
    claimed = [RosterEntry("12", national_id(5), 9, "student report")]
    book = CounterBook(POLICY, 1404, known, claimed)
    [warning] = book.warnings
    assert "4 registration code(s) are not 9 digits" in warning
    assert "roster.xlsx rows 2-4" in warning and "student report rows 9" in warning
    assert national_id(1) not in warning                          # rows, never a national id
    assert book.issue(national_id(9), 1) == ("543570008", False)


@pytest.mark.parametrize("order", [1, -1])
def test_several_codes_of_this_year_the_highest_sequence_wins_whatever_the_order(order):
    codes = [RosterEntry("543570009", national_id(1), 2), RosterEntry("543570003", national_id(1), 3)]
    book = CounterBook(POLICY, 1404, codes[::order])
    assert book.issue(national_id(1), 1) == ("543570009", True)
    assert any("highest sequence was kept" in w for w in book.warnings)


def test_sequence_digits_change_the_code_length_everywhere():
    policy = default_policy(counters={"year_offset": 1350, "sequence_digits": 5})
    book = CounterBook(policy, 1404, [RosterEntry("5435700041", national_id(1), 2, "r.xlsx"),
                                      RosterEntry("543570099", national_id(2), 3, "r.xlsx")])
    assert book.issue(national_id(1), 1) == ("5435700041", True)
    assert book.issue(national_id(3), 1) == ("5435700042", False)
    assert any("not 10 digits" in w and "r.xlsx rows 3" in w for w in book.warnings)
    two = CounterBook(default_policy(counters={"year_offset": 1350, "sequence_digits": 2}), 1404,
                      [RosterEntry("5437398", national_id(1))])
    assert two.issue(national_id(2), 0) == ("5437399", False)
    with pytest.raises(CounterError):
        two.issue(national_id(3), 0)


def test_row_ranges_name_every_row():
    assert row_ranges([9, 3, 4, 5, 12, 13, 4]) == "3-5, 9, 12-13"
    assert row_ranges([]) == ""


def test_a_shortage_of_codes_stops_the_batch_before_any_code_is_issued():
    policy = default_policy(counters={"year_offset": 1350, "sequence_digits": 1})   # 1–9
    pool = [mentor("1", capacity=100, covered=0)]
    matrix = matrix_of(pool, rows_for(pool[0]))
    students = [student(i) for i in range(12)]
    with pytest.raises(CounterError) as err:
        allocate_batch(students, matrix, policy)
    text = str(err.value)
    assert "COUNTER_HEADROOM" in text and "up to 12 new" in text and "only 9 are left" in text
    # eight students, four keeping a code of this year (sequences 1–4): 4 new codes, 5 left —
    # more students than codes left, yet they fit, so the exact count is taken
    roster = [RosterEntry(f"54357{i + 1}", students[i].national_id) for i in range(4)]
    result = allocate_batch(students[:8], matrix, policy, roster=roster)
    assert [d.code for d in result.decisions] == [f"54357{n}" for n in range(1, 9)]
    assert [d.code_reused for d in result.decisions] == [True] * 4 + [False] * 4



def test_a_list_of_thousands_of_rows_never_breaks_the_meta_cell():
    known = [RosterEntry(f"54{i:07d}"[:8], national_id(i), 2 + 2 * i, "roster.xlsx")
             for i in range(20_000)]                                 # 8 digits, every other row
    [warning] = CounterBook(POLICY, 1404, known).warnings
    assert len(warning) > EXCEL_CELL_LIMIT and "40000" in warning    # every row is named
    cell = meta_value(warning)
    assert len(cell) <= EXCEL_CELL_LIMIT and cell.endswith("the full list is in the run's warnings)")
    assert meta_value("short") == "short"
