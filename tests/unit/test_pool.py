"""BuildMentorPool + R0 (D5, D7, FR-MENT): every mentor gets a decision and a reason."""

from __future__ import annotations

from smartalloc.domain.policy import Channel
from smartalloc.domain.pool import build_pool
from smartalloc.domain.records import MentorRecord, MentorReport, Source

from .alloc_fixtures import default_policy

POLICY = default_policy()
GOLESTAN_MANAGER = "نسرین ستاره‌پور"  # mapped to centre 1 in the shipped policy


def mrec(mid: str, *, row: int | None = None, name: str | None = None, manager: str = "مدیر الف",
         gender: str = "پسر", mtype: str = "عادی", schools: tuple[str, ...] = ("0", "0", "0", "0"),
         school_count: int | None = 0, covered: int | None = 10, capacity: int | None = 60,
         postal: str | None = None, groups: str = "3", label: str = "", can_allocate: str = "بلی",
         inactive: str = "خیر") -> MentorRecord:
    """A MentorRecord as the reader would produce it (text cleaned, '' when empty)."""
    number = int(mid) if mid.isdigit() else 1
    if postal is None:
        postal = f"{1000 + number}" if mtype != "مدرسه" else ""
    return MentorRecord(row if row is not None else number + 1, mid, name or f"پشتیبان {mid}",
                        manager, gender, mtype, schools, school_count, covered, capacity, postal,
                        groups, label, can_allocate, inactive)


def report_of(*records: MentorRecord, covered_col: bool = True,
              capacity_col: bool = True) -> MentorReport:
    return MentorReport(tuple(records), Source("InspactorReport-3570.xlsx", "InspactorList3570"),
                        covered_col, capacity_col)


def decision(result, mid):
    return next(d for d in result.decisions if d.mentor_id == mid)


def test_active_mentor_enters_with_capacity_centre_and_gender():
    r = build_pool(report_of(mrec("1", manager=GOLESTAN_MANAGER, gender="دختر")), POLICY)
    (m,) = r.pool
    assert (m.mentor_id, m.gender, m.center, m.capacity, m.covered) == ("1", 0, 1, 60, 10)
    assert m.remaining_at_start == 50 and not r.r0_skipped
    assert decision(r, "1").in_pool and decision(r, "1").status == "active"


def test_invalid_rows_empty_id_unknown_gender_duplicate_id():
    recs = [mrec("", row=2), mrec("5", row=3, gender="نامعلوم"), mrec("7", row=4),
            mrec("7", row=9, name="دیگری")]
    r = build_pool(report_of(*reversed(recs)), POLICY)   # file order does not matter
    assert [m.mentor_id for m in r.pool] == ["7"] and r.pool[0].source_row == 4
    assert sorted(s.source_row for s in r.invalid) == [2, 3, 9]
    dup = next(s for s in r.invalid if s.source_row == 9)
    assert "تکراری" in dup.reason_fa and "4" in dup.reason_fa
    assert "جنسیت" in next(s for s in r.invalid if s.source_row == 3).reason_fa
    assert len(r.decisions) == 4 and all(d.reason_fa for d in r.decisions if not d.in_pool)


def test_inactive_flag_and_can_allocate_filter():
    recs = [mrec("1", inactive="بلی"), mrec("2", can_allocate="خیر"), mrec("3", can_allocate=""),
            mrec("4", can_allocate="yes")]
    r = build_pool(report_of(*recs), POLICY)
    assert [m.mentor_id for m in r.pool] == ["3", "4"]   # empty cell = column absent: no filter
    assert decision(r, "1").status == "inactive" and "غیر فعال" in decision(r, "1").reason_fa
    assert decision(r, "2").source == "inspactor" and "امکان جذب" in decision(r, "2").reason_fa
    off = default_policy(apply_inactive_flag=False, apply_can_allocate_filter=False)
    assert len(build_pool(report_of(*recs), off).pool) == 4


def _governed(mentors=None, managers=None, **kw):
    return default_policy(mentor_pool_governance={
        "default_status": "active", "mentors": mentors or {}, "managers": managers or {}}, **kw)


def test_frozen_mentor_in_the_file_stays_out_even_with_an_override():
    policy = _governed({"9": {"status": "frozen", "reason": "منجمد"}})
    r = build_pool(report_of(mrec("9"), mrec("10")), policy, overrides={"9": True})
    assert [m.mentor_id for m in r.pool] == ["10"]
    d = decision(r, "9")
    assert d.status == "frozen" and not d.in_pool and d.source == "policy"
    assert d.reason_fa.startswith("مسدود در سیاست (نسخهٔ 1.0.3)") and "نادیده" in d.reason_fa
    assert r.removed[0].mentor_id == "9"


def test_frozen_manager_freezes_its_mentors_and_beats_an_active_mentor_entry():
    policy = _governed({"1": {"status": "active", "reason": "x"}},
                       {"مدير الف": {"status": "frozen", "reason": "مدیر منجمد"}})
    r = build_pool(report_of(mrec("1"), mrec("2", manager="مدیر ب")), policy)
    assert [m.mentor_id for m in r.pool] == ["2"] and decision(r, "1").status == "frozen"


def test_restricted_mentor_enters_with_its_constraints():
    policy = _governed({"3": {"status": "restricted", "reason": "فقط یک مدرسه",
                              "allowed_schools": [101], "allowed_channels": ["SCHOOL"]}})
    r = build_pool(report_of(mrec("3")), policy)
    (m,) = r.pool
    assert m.status == "restricted" and m.allowed_schools == (101,)
    assert m.allowed_channels == (Channel.SCHOOL,)
    assert decision(r, "3").in_pool and decision(r, "3").reason_fa.startswith("محدود در سیاست")


def test_overrides_drop_active_and_re_enable_inactive_but_never_frozen():
    policy = _governed({"4": {"status": "inactive", "reason": "مرخصی"}})
    recs = [mrec("1"), mrec("2", inactive="بلی"), mrec("3"), mrec("4")]
    r = build_pool(report_of(*recs), policy, overrides={"1": False, "2": True, "4": True,
                                                        "77": False})
    assert [m.mentor_id for m in r.pool] == ["2", "3", "4"]
    assert decision(r, "1").source == "override" and decision(r, "1").status == "inactive"
    assert decision(r, "2").source == "override" and "OVERRIDE" in decision(r, "2").reason_fa
    assert decision(r, "4").in_pool
    assert r.unknown_overrides == ("77",)


def test_r0_removes_covered_equal_and_greater_than_capacity():
    recs = [mrec("1", covered=60, capacity=60), mrec("2", covered=61, capacity=60),
            mrec("3", covered=59, capacity=60), mrec("4", covered=None, capacity=None),
            mrec("5", covered=60, capacity=None)]
    r = build_pool(report_of(*recs), POLICY)
    assert [m.mentor_id for m in r.pool] == ["3", "4"]
    assert (r.pool[1].capacity, r.pool[1].covered) == (60, 0)        # D5 defaults
    for mid in ("1", "2", "5"):
        d = decision(r, mid)
        assert d.status == "removed_r0" and d.source == "r0" and d.reason_fa.startswith("R0")
    assert [m.mentor_id for m in r.blocked] == ["1", "2", "5"]
    side = next(s for s in r.removed if s.mentor_id == "2")
    assert dict(side.extra)["covered"] == 61 and "61" in side.reason_fa


def test_r0_is_skipped_only_when_both_columns_are_absent():
    recs = [mrec("1", covered=None, capacity=None)]
    full = [mrec("1", covered=70, capacity=60)]
    r = build_pool(report_of(*full, covered_col=False, capacity_col=False), POLICY)
    assert r.r0_skipped and len(r.pool) == 1
    r = build_pool(report_of(*recs, covered_col=True, capacity_col=False), POLICY)
    assert not r.r0_skipped and r.pool[0].capacity == 60
    off = default_policy(capacity={"default_capacity": 60, "default_covered": 0,
                                   "r0_enabled": False})
    assert build_pool(report_of(*full), off).r0_skipped


def test_override_does_not_bypass_r0():
    r = build_pool(report_of(mrec("1", inactive="بلی", covered=60, capacity=60)), POLICY,
                   overrides={"1": True})
    assert not r.pool and decision(r, "1").status == "removed_r0"


def test_virtual_mentors_by_name_or_alias_range_and_optional_exclusion():
    recs = [mrec("1", name="دبیرستان امام پسر در انتظار تخصیص پشتیبان"), mrec("2", postal="7001"),
            mrec("3", name="فراگیر"), mrec("4")]
    r = build_pool(report_of(*recs), POLICY)
    assert [m.is_virtual for m in r.pool] == [True, True, True, False]
    virtual = default_policy(virtual_mentors={"exclude_from_pool": True})
    r = build_pool(report_of(*recs), virtual)
    assert [m.mentor_id for m in r.pool] == ["4"] and decision(r, "2").status == "inactive"


def test_pool_and_decisions_are_in_natural_mentor_id_order():
    recs = [mrec(i) for i in ("102", "10", "2")]
    r = build_pool(report_of(*recs), POLICY)
    assert [m.mentor_id for m in r.pool] == ["2", "10", "102"]
    assert [d.mentor_id for d in r.decisions] == ["2", "10", "102"]


def test_default_status_inactive_keeps_only_explicitly_active_mentors():
    policy = default_policy(mentor_pool_governance={
        "default_status": "inactive", "mentors": {"2": {"status": "active", "reason": "ok"}}})
    r = build_pool(report_of(mrec("1"), mrec("2")), policy)
    assert [m.mentor_id for m in r.pool] == ["2"] and "غیرفعال" in decision(r, "1").reason_fa
