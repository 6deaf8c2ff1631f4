"""School tokens: codes, unique names, ambiguous and unknown names, empty slots."""

from __future__ import annotations

from smartalloc.domain.records import SchoolRecord
from smartalloc.domain.schools import SchoolDirectory, SchoolTokenKind

from .alloc_fixtures import default_policy

SCHOOLS = [
    SchoolRecord(2, 101, "دبیرستان فرزانگان", "دخترانه"),
    SchoolRecord(3, 102, "دبيرستان شهید بهشتی", "پسرانه"),   # Arabic ي in the report
    SchoolRecord(4, 103, "دبیرستان امام", "پسرانه"),
    SchoolRecord(5, 104, "دبیرستان امام", "دخترانه"),        # same name, other code
    SchoolRecord(6, 105, "مختلط", "مختلط"),
]
DIR = SchoolDirectory(SCHOOLS, default_policy())


def test_a_code_that_exists():
    res = DIR.resolve("101")
    assert res.kind is SchoolTokenKind.CODE and res.code == 101 and res.ok
    assert DIR.resolve("۱۰۲.0").code == 102          # Persian digits, float text


def test_empty_and_zero_slots_are_empty_not_errors():
    for token in ("", " ", "0", "۰", "0.0"):
        res = DIR.resolve(token)
        assert res.kind is SchoolTokenKind.EMPTY and not res.ok and res.reason_fa == ""


def test_unknown_code():
    res = DIR.resolve("999")
    assert res.kind is SchoolTokenKind.UNKNOWN_CODE and res.code is None and "999" in res.reason_fa


def test_unique_name_maps_to_its_code_whatever_the_spelling():
    res = DIR.resolve("دبیرستان  شهيد بهشتی")
    assert res.kind is SchoolTokenKind.NAME and res.code == 102 and res.ok


def test_ambiguous_name_lists_the_candidates():
    res = DIR.resolve("دبیرستان امام")
    assert res.kind is SchoolTokenKind.AMBIGUOUS_NAME and res.code is None
    assert res.candidates == (103, 104) and "103" in res.reason_fa and not res.ok


def test_unknown_name():
    assert DIR.resolve("مدرسه خیالی").kind is SchoolTokenKind.UNKNOWN_NAME


def test_lookups():
    assert DIR.exists(101) and not DIR.exists(0) and len(DIR) == 5
    assert DIR.name_of(103) == "دبیرستان امام" and DIR.name_of(7) == ""
    assert DIR.gender_of(101) == 0 and DIR.gender_of(102) == 1
    assert DIR.gender_of(105) is None and DIR.gender_of(7) is None
    assert SchoolDirectory(SCHOOLS).gender_of(101) == 0   # built-in labels without a policy


def test_duplicate_code_rows_keep_the_first_and_do_not_make_a_name_ambiguous():
    d = SchoolDirectory([SchoolRecord(2, 5, "الف"), SchoolRecord(3, 5, "الف")])
    assert d.resolve("الف").kind is SchoolTokenKind.NAME and d.resolve("الف").code == 5
