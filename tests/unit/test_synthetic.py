"""Synthetic agency generator (spec Part C): contracts, invariants and C.8 edge cases.

Everything is read back from the written workbooks with python_calamine, as a run would.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from smartalloc.adapters.policy_file import load_policy
from smartalloc.domain.centres import BY_MAP, CentreMap
from smartalloc.domain.contracts import (
    CROSSWALK_COLUMNS,
    CROSSWALK_GROUP_SHEET,
    INSPACTOR_COLUMNS,
    MANAGER_COLUMNS,
    SCHOOL_COLUMNS,
    STUDENT_COLUMNS,
    STUDENT_SHEET,
    InspactorCol,
    StudentCol,
)
from smartalloc.domain.groups import parse_group_list
from smartalloc.domain.national_id import is_valid_national_id, normalize_national_id
from smartalloc.domain.normalize import digits_only, parse_int
from smartalloc.synthetic import GeneratedAgency, generate_agency, generate_early_variant
from smartalloc.synthetic.history import HISTORY_COLUMNS
from smartalloc.synthetic.tables import GROUP_NAMES, MAPPING_COLUMNS, school_stage

STUDENTS, MENTORS, SEED = 200, 40, 1404
PRIOR = re.compile(r"^\d{2}(357|373|85[0-3])\d{4}$")
SCHOOL_GENDER = {"دخترانه": 0, "پسرانه": 1}


@pytest.fixture(scope="module")
def policy():
    return load_policy(None)


@pytest.fixture(scope="module")
def agency(tmp_path_factory, policy) -> GeneratedAgency:
    return generate_agency(tmp_path_factory.mktemp("a"), students=STUDENTS, mentors=MENTORS,
                           seed=SEED, policy=policy)


def sheets(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def records(path: Path, sheet: str) -> list[dict]:
    rows = sheets(path)[sheet]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture(scope="module")
def mentors(agency):
    return records(agency.inspactor, "InspactorList3570")


@pytest.fixture(scope="module")
def student_rows(agency):
    return sheets(agency.students)[STUDENT_SHEET]


@pytest.fixture(scope="module")
def students(student_rows):
    """Rows as dicts; the three repeated `کد ثبت نام` cells are kept apart as `_prior`."""
    header = student_rows[0]
    prior_at = [i for i, c in enumerate(header) if c == StudentCol.PRIOR_CODE]
    out = []
    for r in student_rows[1:]:
        d = dict(zip(header, r, strict=True))
        d["_prior"] = [r[i] for i in prior_at]
        out.append(d)
    return out


@pytest.fixture(scope="module")
def schools(agency):
    return {int(r["کد مدرسه"]): r for r in records(agency.schools, "SchoolList3570")}


def as_int(v) -> int:
    return int(parse_int(v))


# --- contracts ------------------------------------------------------------------------------
def test_sheet_names_and_exact_headers(agency):
    expect = {
        agency.inspactor: {"InspactorList3570": INSPACTOR_COLUMNS},
        agency.schools: {"SchoolList3570": SCHOOL_COLUMNS},
        agency.managers: {"ManagerList3570": MANAGER_COLUMNS},
        agency.crosswalk: {CROSSWALK_GROUP_SHEET: CROSSWALK_COLUMNS, "Synonyms": ("from", "to")},
        agency.students: {STUDENT_SHEET: STUDENT_COLUMNS, "Sheet1": MAPPING_COLUMNS},
        agency.roster: {"شمارنده": ("student_id", "کد ملی")},
        agency.history_seed: {"history": HISTORY_COLUMNS},
    }
    for path, wanted in expect.items():
        got = sheets(path)
        assert list(got) == list(wanted), path.name
        for name, columns in wanted.items():
            assert tuple(got[name][0]) == tuple(columns), (path.name, name)
    assert agency.inspactor.name == "InspactorReport-1404_08_27-3570.xlsx"
    assert agency.students.name == "StudentReport-1404_08_27-3570.xlsx"
    assert Counter(STUDENT_COLUMNS)["کد ثبت نام"] == 3


def test_counts_policy_copy_and_crosswalk(agency, policy, mentors, student_rows):
    assert (agency.students_count, agency.mentors_count, agency.seed) == (STUDENTS, MENTORS, SEED)
    assert len(student_rows) == STUDENTS + 1 and len(mentors) == MENTORS
    written = load_policy(agency.policy)
    managers = {m["نام مدیر"] for m in mentors}
    # the agency's own policy: the given one, every manager mapped as `setup` would (D16), the
    # frozen scenario mentor; nothing else changed
    assert set(written.center_manager_map) == managers
    assert {written.center_manager_map[n] for n in managers} == {0, 1, 2}
    assert written.mentor_pool_governance.mentors["9"].status == "frozen"
    assert written.model_dump(exclude={"center_manager_map", "mentor_pool_governance"}) == \
        policy.model_dump(exclude={"center_manager_map", "mentor_pool_governance"})
    groups = sheets(agency.crosswalk)[CROSSWALK_GROUP_SHEET][1:]
    assert {int(r[1]): r[0] for r in groups} == GROUP_NAMES
    mapping = sheets(agency.students)["Sheet1"]
    assert len(mapping) == 60 and all(len(r) == 5 for r in mapping)
    assert [r[0] for r in mapping[1:]] == list(STUDENT_COLUMNS)


def test_every_student_cell_is_text(student_rows):
    assert all(isinstance(v, str) for row in student_rows for v in row)


# --- determinism ----------------------------------------------------------------------------
def test_same_seed_same_bytes_and_cells(agency, tmp_path, policy):
    again = generate_agency(tmp_path / "b", students=STUDENTS, mentors=MENTORS, seed=SEED,
                            policy=policy)
    for field in ("inspactor", "schools", "managers", "crosswalk", "students", "roster",
                  "history_seed", "policy"):
        a, b = getattr(agency, field), getattr(again, field)
        assert a.read_bytes() == b.read_bytes(), field
        if a.suffix == ".xlsx":
            assert sheets(a) == sheets(b), field


def test_other_seed_other_contents(agency, tmp_path, policy):
    other = generate_agency(tmp_path / "c", students=STUDENTS, mentors=MENTORS, seed=SEED + 1,
                            policy=policy)
    assert sheets(other.students)[STUDENT_SHEET] != sheets(agency.students)[STUDENT_SHEET]
    assert sheets(other.inspactor) != sheets(agency.inspactor)


# --- students -------------------------------------------------------------------------------
def test_national_ids_valid_except_injected(students):
    assert all(s[StudentCol.NATIONAL_ID] == s[StudentCol.NATIONAL_ID_2] for s in students)
    raw = [s[StudentCol.NATIONAL_ID] for s in students]
    invalid = [x for x in raw if not is_valid_national_id(normalize_national_id(x))]
    assert len(invalid) == 1  # the one invalid-checksum id
    assert sum(len(x) == 9 for x in raw) == 1  # a lost leading zero, valid once padded
    assert sum(x.startswith(("228", "229")) for x in raw) / len(raw) > 0.5
    duplicates = len(raw) - len(set(raw))
    assert 1 <= duplicates <= 0.03 * len(raw)


def test_student_schools_exist_except_injected(students, schools):
    codes = [as_int(s[StudentCol.SCHOOL]) for s in students if s[StudentCol.SCHOOL]]
    missing = [c for c in codes if c not in schools]
    assert 1 <= len(missing) <= 0.08 * len(codes)
    assert any(not s[StudentCol.SCHOOL] for s in students)  # empty → 0 (graduates)
    hub = Counter(codes).most_common(1)[0][1] / len(students)
    assert 0.12 <= hub <= 0.2


def test_student_gender_and_stage_match_school(students, schools):
    for s in students:
        code = parse_int(s[StudentCol.SCHOOL])
        if code in schools:
            school = schools[code]
            assert SCHOOL_GENDER[school["جنسیت"]] == as_int(s[StudentCol.GENDER])
            assert school["مقطع"] == school_stage(as_int(s[StudentCol.GROUP]))


def test_graduates_only_in_konkur_groups(students):
    grads = [as_int(s[StudentCol.GROUP]) for s in students if s[StudentCol.EDU_STATUS] == "0"]
    assert grads and set(grads) <= {1, 3, 5, 9}


def test_prior_codes(students):
    for s in students:
        filled = [(i, v) for i, v in enumerate(s["_prior"]) if v]
        assert len(filled) == 1  # exactly one of the three columns
        col, code = filled[0]
        assert PRIOR.match(code), code
        gender = as_int(s[StudentCol.GENDER])
        if code[2:5] in ("357", "373"):
            assert code[2:5] == ("357" if gender == 1 else "373")
        assert (col == 0) == (code[:5] == "53373") or col == 2
        assert s[StudentCol.PRIOR_CODE0] == (code if col == 2 else "")


def test_student_edge_cases(students):
    births = [s[StudentCol.BIRTH_DATE] for s in students]
    assert sum(int(b.split("/")[2]) > 31 for b in births) == 1
    mobiles = [s[StudentCol.MOBILE] for s in students]
    assert any(re.search("[۰-۹]", m) for m in mobiles)
    assert any(" " in m or "-" in m for m in mobiles)
    assert any(len(m) == 10 and m.startswith("9") for m in mobiles)
    assert all(len(digits_only(m)) in (10, 11) for m in mobiles)
    hekmat = [s for s in students if s[StudentCol.FINANCE] == "3"]
    assert hekmat and all(s[StudentCol.HEKMAT_TRACKING] == "1111111111111111"
                          and s[StudentCol.DISCOUNT] == "" for s in hekmat)


# --- mentors --------------------------------------------------------------------------------
def _slots(m: dict) -> list:
    return [m[c] for c in InspactorCol.SCHOOL_SLOTS]


def test_school_count_equals_filled_slots(mentors):
    # A slot holding a school *name* (C.8 #3) counts as filled, like a code.
    for m in mentors:
        filled = sum(1 for v in _slots(m) if v not in (0, 0.0, "", None))
        assert int(m[InspactorCol.SCHOOL_COUNT]) == filled


def test_mentor_types_and_aliases(mentors):
    types = Counter(m[InspactorCol.MENTOR_TYPE] for m in mentors)
    assert set(types) <= {"عادی", "مدرسه", "عادی و مدرسه"} and types["مدرسه"] >= 3
    for m in mentors:
        postal = m[InspactorCol.POSTAL]
        assert isinstance(postal, str)
        assert (postal == "") == (m[InspactorCol.MENTOR_TYPE] == "مدرسه")
    aliases = [m[InspactorCol.POSTAL] for m in mentors if m[InspactorCol.POSTAL]]
    assert len(aliases) == len(set(aliases))


def test_school_mentors_bound_to_gender_matched_high_schools(mentors, schools):
    for m in mentors:
        for v in _slots(m):
            code = parse_int(v)
            if code and code in schools:
                assert schools[code]["مقطع"] == "دبیرستان"
                assert SCHOOL_GENDER[schools[code]["جنسیت"]] == (m["جنسیت"] == "پسر")


def test_mentor_edge_cases(mentors, schools, policy):
    ids = [m[InspactorCol.MENTOR_ID] for m in mentors]
    assert ids.count(None) + ids.count("") == 1
    by_id = {int(i): m for i, m in zip(ids, mentors, strict=True) if i not in (None, "")}
    assert {2, 9, 10} <= set(by_id) and not policy.mentor_pool_governance.mentors
    postals = {m[InspactorCol.POSTAL] for m in mentors}
    assert {"999", "12345"} <= postals
    names = Counter(r["نام مدرسه"] for r in schools.values())
    text_slots = [v for m in mentors for v in _slots(m) if isinstance(v, str) and v]
    assert any(names[v] == 1 for v in text_slots) and any(names[v] > 1 for v in text_slots)
    int_slots = {int(v) for m in mentors for v in _slots(m) if isinstance(v, float) and v}
    assert int_slots - set(schools)
    lists = [m[InspactorCol.GROUP_LIST] for m in mentors]
    assert any(re.search("[۰-۹]", t) for t in lists)
    assert any("-" in t for t in lists) and any("–" in t for t in lists)
    assert any(parse_group_list(t, policy).unseen for t in lists)
    cov = [(m[InspactorCol.COVERED], m[InspactorCol.CAPACITY]) for m in mentors]
    assert any(a == b for a, b in cov) and any(a > b for a, b in cov)
    assert any(m[InspactorCol.CAN_ALLOCATE] == "خیر" for m in mentors)
    assert any(m[InspactorCol.INACTIVE] == "بلی" for m in mentors)


def test_tie_trio_shares_one_profile(mentors):
    by_id = {int(m[InspactorCol.MENTOR_ID]): m for m in mentors if m[InspactorCol.MENTOR_ID]}
    third = 102 if len(mentors) >= 100 else max(by_id)  # below 100 mentors: the largest id
    trio = [by_id[2], by_id[10], by_id[third]]
    keys = ("جنسیت", "نام مدیر", "نوع پشتیبان", "شامل گروه های آزمایشی",
            InspactorCol.CAPACITY, InspactorCol.COVERED)
    assert len({tuple(m[k] for k in keys) for m in trio}) == 1
    assert trio[0][InspactorCol.COVERED] < trio[0][InspactorCol.CAPACITY]


def test_no_match_and_capacity_full_scenarios(agency, mentors, students):
    policy = load_policy(agency.policy)
    centres = CentreMap(policy)

    def serving(group, gender, centre):
        return [m for m in mentors if m[InspactorCol.MENTOR_ID]
                and (m["جنسیت"] == "پسر") == gender
                and centres.resolve(m["نام مدیر"]) == (centre, BY_MAP)
                and group in parse_group_list(m[InspactorCol.GROUP_LIST], policy).codes]

    def batch(group, gender, centre):
        return [s for s in students if (as_int(s[StudentCol.GROUP]), as_int(s[StudentCol.GENDER]),
                                        as_int(s[StudentCol.CENTER])) == (group, gender, centre)]

    assert serving(3, 1, 2) and serving(3, 0, 1)  # the centres resolve through the policy
    assert batch(45, 1, 2) and not serving(45, 1, 2)  # ELIGIBILITY_NO_MATCH
    full = serving(43, 0, 1)
    seats = sum(m[InspactorCol.CAPACITY] - m[InspactorCol.COVERED] for m in full)
    assert full and seats < len(batch(43, 0, 1))  # CAPACITY_FULL


def test_managers_match_inspactor(agency, mentors, policy):
    managers = records(agency.managers, "ManagerList3570")
    names = {m["نام مدیر"] for m in managers}
    assert {m["نام مدیر"] for m in mentors} <= names
    assert set(policy.center_manager_map) <= names
    assert any("در انتظار تخصیص" in n for n in names)
    for row in managers:
        mine = [m for m in mentors if m["نام مدیر"] == row["نام مدیر"]]
        normal = sum(m["نوع پشتیبان"] != "مدرسه" for m in mine)
        school = sum(m["نوع پشتیبان"] != "عادی" for m in mine)
        assert (row["تعداد پشتیبان عادی"], row["تعداد پشتیبان مدرسه"]) == (normal, school)


# --- roster and history ---------------------------------------------------------------------
def test_roster_holds_prior_codes_and_a_current_block(agency, students):
    roster = sheets(agency.roster)["شمارنده"][1:]
    codes = [r[0] for r in roster]
    assert len(codes) == len(set(codes)) and len({r[1] for r in roster}) == len(roster)
    by_nid = {r[1]: r[0] for r in roster}
    for s in students:
        code = next(v for v in s["_prior"] if v)
        nid = normalize_national_id(s[StudentCol.NATIONAL_ID])
        if code.startswith(("53357", "53373")) and is_valid_national_id(nid):
            assert by_nid[nid] == code  # (the mistyped id stays off the roster)
    current = [c for c in codes if c.startswith(("54357", "54373"))]
    assert current and max(int(c[5:]) for c in current if c.startswith("54373")) >= 20


def test_roster_conflict_on_request(tmp_path, policy):
    agency = generate_agency(tmp_path, students=STUDENTS, mentors=MENTORS, seed=SEED,
                             policy=policy, roster_conflict=True)
    roster = sheets(agency.roster)["شمارنده"][1:]
    assert max(Counter(r[1] for r in roster).values()) == 2


def test_history_seed(agency, students):
    rows = records(agency.history_seed, "history")
    batch = {normalize_national_id(s[StudentCol.NATIONAL_ID]) for s in students}
    valid = [r for r in rows if is_valid_national_id(r["national_id"])]
    assert len(rows) - len(valid) == 1  # one malformed id
    assert all(r["national_id"] in batch for r in valid)
    assert len(valid) == round(0.05 * STUDENTS)
    assert len({r["registration_code"] for r in rows}) == len(rows)


def test_capacities_scale_with_students_per_mentor(tmp_path, policy):
    agency = generate_agency(tmp_path, students=3000, mentors=40, seed=7, policy=policy)
    manifest = json.loads(agency.manifest.read_text("utf-8"))["capacity"]
    assert manifest["raised_capacities"] > 0
    assert manifest["remaining_seats"] >= 1.1 * manifest["servable_students"]


def test_rejects_too_small(tmp_path, policy):
    with pytest.raises(ValueError):
        generate_agency(tmp_path, students=10, mentors=5, seed=1, policy=policy)


def test_early_variant_reuses_ids_with_lower_covered(agency, mentors):
    path = generate_early_variant(agency)
    assert path.parent.name == "early" and "1404_05_24" in path.name
    early = records(path, "InspactorList3570")
    assert tuple(sheets(path)["InspactorList3570"][0]) == INSPACTOR_COLUMNS
    now = {m[InspactorCol.MENTOR_ID]: m for m in mentors if m[InspactorCol.MENTOR_ID]}
    assert 0 < len(early) <= 62 and all(e[InspactorCol.MENTOR_ID] in now for e in early)
    assert all(e[InspactorCol.COVERED] <= now[e[InspactorCol.MENTOR_ID]][InspactorCol.COVERED]
               for e in early)
    assert any(e[InspactorCol.NAME] != now[e[InspactorCol.MENTOR_ID]][InspactorCol.NAME]
               for e in early)
