"""What a version of a run's export after review holds (issue K), on domain objects: one row
per allocation of the run (the first record of a repeated national id only), the alias of the
row that seats the student, the delta of the students review touched, and QA that lists an
administrator's exception while an unexplained allocation outside the matrix still fails."""

from __future__ import annotations

from smartalloc.domain.decision import Outcome
from smartalloc.domain.policy import Channel
from smartalloc.domain.qa import REVIEW_01, SCHOOL_01, QaStatus
from smartalloc.domain.review import ReviewAction, ReviewChange
from smartalloc.domain.review_export import (
    AuditedChange,
    Placed,
    delta,
    reviewed_decisions,
)
from smartalloc.service_layer.review_export import ExportSnapshot, build_version
from tests.unit.alloc_fixtures import default_policy
from tests.unit.factories import make_matrix, make_matrix_row, make_pool_mentor, make_student

AT = "1405-09-16 10:00:00"


def _change(nid: str, action: str, to: str = "", *, exception: bool = False) -> ReviewChange:
    return ReviewChange(nid, ReviewAction(action), "M1" if action != "assign" else "", to,
                        "543570001", "درخواست خانواده", "admin", AT, exception, "R1")


def test_one_row_per_allocation_the_first_record_of_a_repeated_id():
    a, b = make_student(0), make_student(1)
    again = make_student(2, national_id=a.national_id)
    decisions = reviewed_decisions([a, b, again], {a.national_id: Placed("M2", "543570001")},
                                   lambda s, m: (f"alias-{m}", True), lambda s: Channel.GENERIC)
    assert [d.outcome for d in decisions] == [Outcome.ALLOCATED, Outcome.FAILED, Outcome.FAILED]
    assert (decisions[0].mentor_id, decisions[0].alias, decisions[0].code,
            decisions[0].is_school_row) == ("M2", "alias-M2", "543570001", True)
    assert [d.index for d in decisions] == [0, 1, 2]


def test_the_delta_splits_by_where_students_stand_now():
    moved, released, back = "0000000001", "0000000002", "0000000003"
    changes = [AuditedChange(1, _change(moved, "move", "M2")),
               AuditedChange(2, _change(released, "release")),
               AuditedChange(3, _change(back, "release")),
               AuditedChange(4, _change(back, "assign", "M1"))]
    d = delta(changes, {moved: Placed("M2", "c1"), back: Placed("M1", "c3")})
    assert (d.changed, d.released) == ((moved, back), (released,))
    assert [c.number for c in d.changes] == [1, 2, 3, 4]


def _snapshot(placed, exceptions=None, changes=()):
    return ExportSnapshot("R1", {}, "1.0+run", "", placed, {}, list(changes), exceptions or {})


def test_qa_lists_an_exception_and_fails_an_unexplained_one():
    policy = default_policy()
    pool = [make_pool_mentor("M1"), make_pool_mentor("M2", gender=0)]
    matrix = make_matrix(pool, [make_matrix_row("M1"), make_matrix_row("M2", gender=0)])
    a, b = make_student(0), make_student(1)
    placed = {a.national_id: Placed("M1", "543570001"),
              b.national_id: Placed("M2", "543570002")}   # M2 has no row for a boy
    exception = _change(b.national_id, "move", "M2", exception=True)

    listed = build_version(_snapshot(placed, {b.national_id: exception},
                                     [AuditedChange(7, exception)]),
                           [a, b], matrix, policy, by="op", at=AT)
    assert listed.qa.status is QaStatus.PASSED_QA
    rule = listed.qa.rule(REVIEW_01)
    assert rule.passed and [v.subject for v in rule.listed] == [b.national_id]
    assert listed.version.version == 2 and listed.version.audit_head == 7
    assert [r[6] for r in listed.delta_sabt.rows] == [b.national_id]
    assert [r[0] for r in listed.sabt.rows] == ["M1", "M2"]
    assert listed.sabt.rows[1][SABT_ALIAS] == "1001"       # the mentor's global row's alias

    hidden = build_version(_snapshot(placed), [a, b], matrix, policy, by="op", at=AT)
    assert hidden.qa.status is QaStatus.FAILED_QA
    assert [v.subject for v in hidden.qa.rule(SCHOOL_01).violations] == [b.national_id]


SABT_ALIAS = 21   # «کد پستی جایگزین»: the column the mentor's alias goes in
