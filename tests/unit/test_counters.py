"""Registration codes (D8): format, continuation, reuse within the year, hard errors."""

from __future__ import annotations

import pytest

from smartalloc.domain.counters import CounterBook
from smartalloc.domain.errors import CounterError
from smartalloc.domain.records import RosterEntry

from .alloc_fixtures import default_policy, national_id

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
