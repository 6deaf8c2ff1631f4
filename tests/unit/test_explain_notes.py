"""Issue J: the restriction named by a restricted mentor's why-not, in Persian and English."""

from __future__ import annotations

from smartalloc.domain.explain_notes import Reason, restriction_reason


def test_a_school_or_channel_restriction_is_named_and_an_allowed_student_is_not() -> None:
    by_school = restriction_reason(((101, 102), ()), 205, "SCHOOL", "محدود در سیاست (نسخهٔ 1): x")
    assert isinstance(by_school, Reason) and by_school.code == "RESTRICTED"
    assert "101، 102" in by_school and "205" in by_school and "(محدود در سیاست (نسخهٔ 1): x)" in by_school
    assert "only schools 101, 102 and the student's school is 205" in by_school.en
    both = restriction_reason(((101,), ("SADRA",)), 0, "GENERIC")
    assert "none (0)" in both.en and "only channels Sadra" in both.en and "SADRA" not in both
    assert restriction_reason(((101,), ("SADRA",)), 101, "SADRA") is None      # allowed
    assert restriction_reason(None, 5, "GENERIC") is None                       # not restricted
    assert by_school == str(by_school) and by_school.as_dict("7")["reason_en"] == by_school.en
