"""D16: every manager resolves to a centre through the policy, or the run is refused."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from smartalloc.domain.centres import (
    BY_DEFAULT,
    BY_MAP,
    UNRESOLVED,
    CentreMap,
    centre_problems,
    centre_warnings,
    student_centre_counts,
)
from smartalloc.domain.matrix import build_matrix
from smartalloc.domain.normalize import name_key
from tests.policies import make_policy, shipped_policy

from .test_pool import mrec, report_of

ZWNJ = "\u200c"


def test_a_manager_written_with_zwnj_matches_the_same_name_typed_without_it():
    policy = shipped_policy(center_manager_map={"مدیر صدراپور": 2, "علی کاظمی": 1})
    m = build_matrix(report_of(mrec("1", manager=f"مدیر صدرا{ZWNJ}پور"),
                               mrec("2", manager="علي  كاظمي")), [], policy)
    assert {r.mentor_id: r.center for r in m.rows} == {"1": 2, "2": 1}
    assert [x.resolved_by for x in m.centres.managers] == [BY_MAP, BY_MAP]


@given(st.sampled_from(["", ZWNJ, " ", "\u200f", " " + ZWNJ]), st.sampled_from(["ی", "ي", "ى"]),
       st.sampled_from(["ک", "ك"]))
def test_name_key_ignores_joiners_spaces_bidi_marks_and_arabic_letters(joiner, ye, kaf):
    assert name_key(f"کاظمی{joiner}پور") == name_key(f"{kaf}اظم{ye}پور") == "کاظمیپور"


def test_the_shipped_policy_leaves_every_real_manager_unresolved_and_the_run_is_refused():
    policy = shipped_policy()
    report = report_of(mrec("1", manager="زهرا کاظمی"), mrec("2", manager="زهرا کاظمی"),
                       mrec("3", manager="مریم رضایی"))
    m = build_matrix(report, [], policy)
    assert [(x.manager, x.centre, x.resolved_by, x.mentors) for x in m.centres.managers] == [
        ("زهرا کاظمی", None, UNRESOLVED, 2), ("مریم رضایی", None, UNRESOLVED, 1)]
    assert m.validation["managers_unresolved"] == 2
    problems = centre_problems(m.centres, {0: 5, 1: 3}, "InspactorReport.xlsx")
    assert [p.code for p in problems] == ["CENTRE_UNMAPPED"]
    text = problems[0].render()
    assert "FAILED_PRE_QA" in text and "smartalloc setup" in text and "2, 4" in text
    assert "کاظمی" not in text and "رضایی" not in text  # rows, never a person's name


def test_an_explicit_default_lists_who_fell_to_it_and_the_map_entries_that_matched_nobody():
    policy = shipped_policy(center_manager_map={"*": 0, "نسرین ستاره‌پور": 1, "کسی دیگر": 2})
    m = build_matrix(report_of(mrec("1", manager="نسرین ستاره پور"), mrec("2", manager="مدیر ب")),
                     [], policy)
    assert [(x.centre, x.resolved_by) for x in m.centres.managers] == [(1, BY_MAP), (0, BY_DEFAULT)]
    assert m.centres.unmatched_entries == (("کسی دیگر", 2),)
    assert (m.validation["managers_by_default"], m.validation["centre_map_unmatched_entries"]) \
        == (1, 1)
    assert centre_problems(m.centres, {0: 1, 1: 1}) == []
    warnings = centre_warnings(m.centres)   # said in the run summary, by count, never by name
    assert len(warnings) == 2 and "1 manager(s)" in warnings[0] and "1 entr" in warnings[1]
    assert not any("مدیر ب" in w or "کسی دیگر" in w for w in warnings)


def test_students_of_a_centre_no_mentor_belongs_to_stop_the_run_naming_the_centre():
    policy = make_policy()   # test map: two named managers, "*" → 0
    m = build_matrix(report_of(mrec("1", manager="مدیر الف")), [], policy)
    problems = centre_problems(m.centres, {0: 10, 2: 4})
    assert [p.code for p in problems] == ["CENTRE_WITHOUT_MENTORS"]
    assert "4 student(s) are of centre 2" in problems[0].message_en
    assert "صدرا" in problems[0].message_fa
    # a centre outside the policy (7) or unreadable is that student's DATA_MISSING, not this
    assert student_centre_counts([0, 0, 7, None, 2], policy) == {0: 2, 2: 1}


def test_old_default_center_is_the_explicit_default():
    policy = shipped_policy(default_center=1)
    assert CentreMap(policy).resolve("هر کسی") == (1, BY_DEFAULT)


def test_manager_governance_matches_names_by_the_same_key():
    policy = make_policy(mentor_pool_governance={"managers": {
        f"مدیر صدرا{ZWNJ}پور": {"status": "frozen", "reason": "تست"}}})
    m = build_matrix(report_of(mrec("1", manager="مدیر صدراپور"), mrec("2")), [], policy)
    assert [x.mentor_id for x in m.pool] == ["2"]
