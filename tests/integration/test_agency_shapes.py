"""Issue G's shapes over generated agencies (property tests): however the InspactorReport spells
its managers (ZWNJ dropped or spaced, Arabic ي/ك, bidi marks, trailing spaces) every decision is
the same as with the plain names the agency's policy maps (D16 step 1); every legacy code is
listed (D15)."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.policy_file import load_policy
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.centres import BY_MAP
from smartalloc.domain.contracts import STUDENT_SHEET
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_context import build_matrix_for
from smartalloc.synthetic import generate_agency
from tests.policies import shipped_policy

_RUN = itertools.count()


def _decide(folder):
    policy = load_policy(folder / "policy.json")
    inputs = ExcelInputReader().read(resolve_inputs(folder), policy)
    matrix = build_matrix_for(inputs, policy)          # refuses any unresolved manager
    batch = allocate_batch(inputs.students.records, matrix, policy, roster=inputs.roster)
    return ([(r.mentor_id, r.alias, r.keys) for r in matrix.rows],
            [(d.national_id, d.mentor_id, d.code, d.failure) for d in batch.decisions],
            matrix.centres)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(1, 100_000))
def test_manager_spellings_never_change_a_decision(seed, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"spellings{next(_RUN)}")
    plain = generate_agency(root / "plain", students=150, mentors=30, seed=seed,
                            policy=shipped_policy())
    varied = generate_agency(root / "varied", students=150, mentors=30, seed=seed,
                             policy=shipped_policy(), name_variants=True)
    assert plain.policy.read_bytes() == varied.policy.read_bytes()
    assert plain.inspactor.read_bytes() != varied.inspactor.read_bytes()
    rows, decisions, centres = _decide(plain.out_dir)
    rows_v, decisions_v, centres_v = _decide(varied.out_dir)
    assert rows_v == rows and decisions_v == decisions
    assert [(m.centre, m.resolved_by, m.mentors) for m in centres_v.managers] == \
        [(m.centre, m.resolved_by, m.mentors) for m in centres.managers]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(1, 100_000), students=st.integers(60, 300))
def test_every_legacy_code_of_an_agency_is_listed_and_every_manager_mapped(
        seed, students, tmp_path_factory):
    """D15/D16 over generated agencies: the legacy codes (mids 850–853) that the roster and the
    student report hold, counted straight from the workbooks, are all in the run's warnings;
    every manager resolves through the agency's own map."""
    agency = generate_agency(tmp_path_factory.mktemp(f"shapes{next(_RUN)}"), students=students,
                             mentors=30, seed=seed, policy=shipped_policy())
    roster = CalamineWorkbook.from_path(str(agency.roster)).get_sheet_by_index(0).to_python()
    report = CalamineWorkbook.from_path(str(agency.students))
    rows = report.get_sheet_by_name(STUDENT_SHEET).to_python()
    code_columns = [j for j, name in enumerate(rows[0]) if str(name).startswith("کد ثبت نام")]
    legacy = sum(_legacy(r[0]) for r in roster[1:])
    legacy += sum(len({str(r[j]).removesuffix(".0") for j in code_columns if _legacy(r[j])})
                  for r in rows[1:])
    policy = load_policy(agency.policy)
    inputs = ExcelInputReader().read(resolve_inputs(agency.out_dir), policy)
    matrix = build_matrix_for(inputs, policy)
    batch = allocate_batch(inputs.students.records, matrix, policy, roster=inputs.roster)
    assert {m.resolved_by for m in matrix.centres.managers} == {BY_MAP}
    listed = [w for w in batch.warnings if "850–853" in w]
    assert legacy > 0 and listed and listed[0].startswith(f"{legacy} ")


def _legacy(cell) -> bool:
    code = str(cell).removesuffix(".0")
    return len(code) == 9 and code.isdecimal() and code[2:4] == "85" and code[4] in "0123"


def test_an_agency_of_five_digit_sequences_continues_after_its_roster(tmp_path):
    """D15: sequence_digits = 5 everywhere — the generated roster's codes of this year are 10
    digits, and a run's new codes continue after the roster's highest sequence."""
    policy = shipped_policy(counters={"year_offset": 1350, "sequence_digits": 5})
    agency = generate_agency(tmp_path / "five", students=150, mentors=30, seed=5, policy=policy)
    top = json.loads(agency.manifest.read_text("utf-8"))["roster_max_sequence"]
    roster = CalamineWorkbook.from_path(str(agency.roster)).get_sheet_by_index(0).to_python()
    this_year = [str(r[0]) for r in roster[1:] if str(r[0])[:5] in top]
    assert this_year and {len(c) for c in this_year} == {10}
    _, decisions, _ = _decide(agency.out_dir)
    new = [code for _, mentor, code, _ in decisions if mentor and code[:5] in top]
    assert new and all(len(c) == 10 and int(c[5:]) > top[c[:5]] for c in new)
