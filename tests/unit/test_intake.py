"""Live intake's domain (issue L): the policy's map, an entry read as a student-report row by
the reader's own rules, and the D14 judgement the batch would make."""

from __future__ import annotations

import pytest

from smartalloc.domain.batch import key_problem
from smartalloc.domain.contracts import STUDENT_COLUMNS
from smartalloc.domain.contracts import StudentCol as C
from smartalloc.domain.decision import FailureClass
from smartalloc.domain.errors import InputError, PolicyError
from smartalloc.domain.intake import body_digest, entry_key, judge, read_entry
from smartalloc.domain.student_rows import build_records
from tests.intake_payloads import INTAKE, entry, intake_policy
from tests.policies import make_policy
from tests.unit.factories import valid_national_id

POLICY = intake_policy()
GF = POLICY.intake.gravity_forms


def _with(**gf) -> dict:
    return {**INTAKE, "gravity_forms": {**INTAKE["gravity_forms"], **gf}}


@pytest.mark.parametrize(("intake", "said"), [
    (_with(fields={"ستون ناشناس": "3"}), "not a column of the student report"),
    (_with(fields={C.GENDER: "92", C.GROUP: "92"}), "mapped to two columns"),
    (_with(fields={C.GENDER: "nine"}), "not a Gravity Forms id"),
    ({**INTAKE, "mode": "at once"}, "is not known"),
    (_with(fields={C.GENDER: "92"}), "required columns"),
    ({**INTAKE, "sources": {"main": {"secret_env": "the-secret-itself"}}}, "secret_env"),
])
def test_a_wrong_intake_policy_stops_with_a_bilingual_error(intake, said):
    with pytest.raises(PolicyError) as err:
        make_policy(intake=intake)
    assert said in str(err.value) and "intake" in str(err.value)


def test_the_shipped_defaults_are_the_a14_ids_and_intake_is_off():
    gf = make_policy().intake.gravity_forms
    assert gf.fields == {C.PRIOR_CODE: "46", C.GENDER: "92", C.FINANCE: "75", C.GROUP: "73",
                         C.SCHOOL: "30"}
    assert gf.values[C.GENDER] == {"زن": "0", "دختر": "0", "مرد": "1", "پسر": "1"}
    assert make_policy().intake.sources == {} and make_policy().intake.mode == "queued"


def test_the_intake_section_leaves_the_batch_policy_stamp_alone():
    assert POLICY.stamp == make_policy().stamp


def test_an_entry_is_the_row_the_batch_reader_would_give():
    payload = entry(3, **{"1.3": "  مهسا\u200cسادات ", "5": "۰" + valid_national_id(3, 0)[1:],
                          "73": "٢٧", "92": "دختر"})
    record = read_entry(payload, GF)
    row = [""] * len(STUDENT_COLUMNS)
    for column, field in GF.fields.items():
        row[STUDENT_COLUMNS.index(column)] = payload[field]
    row[STUDENT_COLUMNS.index(C.GENDER)] = "0"
    assert record == build_records([row], range(len(STUDENT_COLUMNS)), [1])[0]
    assert record.value(C.FIRST_NAME) == "مهسا\u200cسادات"   # ZWNJ kept, spaces trimmed
    assert record.national_id == valid_national_id(3, 0) and record.group == 27
    assert judge(record, POLICY, GF).failure is None


@pytest.mark.parametrize("answer", ["زن", "دختر", "دختر "])
def test_the_gender_answers_map_to_the_join_key(answer):
    assert read_entry(entry(0, **{"92": answer}), GF).gender == 0
    assert read_entry(entry(0, **{"92": "پسر"}), GF).gender == 1


def test_fields_that_do_not_fit_the_map_are_refused_by_id_and_column_without_values():
    payload = entry(0, **{"555": "0912 secret value"})
    del payload["73"]
    with pytest.raises(InputError) as err:
        read_entry(payload, GF)
    codes = {p.code: p.location.column for p in err.value.problems}
    assert codes == {"INTAKE_UNKNOWN_FIELD": "555",
                     "INTAKE_MISSING_FIELD": f"73 ({C.GROUP})"}
    assert "secret" not in str(err.value)
    read_entry(entry(0, **{"555": ""}), GF)   # an unmapped field left empty is no news


def test_entry_ids_are_required():
    with pytest.raises(InputError):
        entry_key("main", {"form_id": "7"})
    with pytest.raises(InputError):
        entry_key("main", ["not", "an", "object"])
    assert body_digest({"a": 1, "b": 2}) == body_digest({"b": 2, "a": 1})


@pytest.mark.parametrize(("fields", "column"), [
    ({"5": "2280000011"}, C.NATIONAL_ID),          # checksum
    ({"5": ""}, C.NATIONAL_ID),
    ({"73": "99"}, C.GROUP),                        # not an official group (D14)
    ({"73": "بیست"}, C.GROUP),                      # unreadable
    ({"92": "نامشخص"}, C.GENDER),
])
def test_unusable_data_is_data_missing_as_in_the_batch(fields, column):
    payload = entry(0, **fields)
    judged = judge(read_entry(payload, GF), POLICY, GF)
    assert judged.failure is FailureClass.DATA_MISSING
    assert column in [f["column"] for f in judged.fields]
    if column != C.NATIONAL_ID:
        assert key_problem(judged.record, POLICY)       # the batch objects as well
    for value in fields.values():
        assert not value or value not in judged.reason_fa + judged.reason_en
