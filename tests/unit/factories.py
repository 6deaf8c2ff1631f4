"""Small builders of domain objects for unit tests: realistic defaults, override anything.

    make_student(0, finance=3, columns={"تلفن منزل": ""})
    make_decision(0, mentor_id="M1")                         # ALLOCATED
    make_decision(1, failure=FailureClass.CAPACITY_FULL)     # FAILED
    make_matrix([make_pool_mentor("M1")], [make_matrix_row("M1")])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from smartalloc.domain.contracts import STUDENT_COLUMNS
from smartalloc.domain.contracts import StudentCol as C
from smartalloc.domain.decision import Decision, FailureClass, Outcome
from smartalloc.domain.eligibility import CoverageMetrics, EligibilityMatrix, MatrixRow, PoolMentor
from smartalloc.domain.national_id import checksum_digit
from smartalloc.domain.normalize import natural_key
from smartalloc.domain.policy import Channel
from smartalloc.domain.records import STUDENT_INDEX, StudentRecord
from tests.policies import make_policy  # noqa: F401 — the tests import it from here

_KEY_FIELDS = ("group", "gender", "status", "center", "finance", "school")
_KEY_COLUMNS = (C.GROUP, C.GENDER, C.EDU_STATUS, C.CENTER, C.FINANCE, C.SCHOOL)




def valid_national_id(n: int, prefix: int = 228000000) -> str:
    """A checksum-valid 10-digit id; ``prefix=0`` gives ids with leading zeros."""
    nine = f"{prefix + n:09d}"
    return nine + str(checksum_digit(nine))


def student_columns(index: int = 0, **keys: int | None) -> dict[str, str]:
    """Typical cleaned text of a student row (Sabt (5) layout)."""
    cols = {
        C.FIRST_NAME: "زهرا", C.LAST_NAME: f"احمدی{index}", C.FATHER_NAME: "علی",
        C.BIRTH_DATE: "1387/05/12", C.LANDLINE: "36251234", C.MOBILE: "09171234567",
        C.FATHER_MOBILE: "09177654321", C.MOTHER_MOBILE: "09361112233", C.DISCOUNT: "0",
        C.CONTACT1_REL: "1", C.CONTACT2_REL: "2", C.SCHOOL_CITY: "4001", C.KONKUR_QUOTA: "1",
    }
    for name, column in zip(_KEY_FIELDS, _KEY_COLUMNS, strict=True):
        value = keys.get(name)
        cols[column] = "" if value is None else str(value)
    return cols


def make_student(index: int = 0, *, columns: Mapping[str, str] | None = None,
                 **overrides) -> StudentRecord:
    """A StudentRecord whose key fields and key columns agree; ``columns`` overrides cells."""
    fields: dict = {"group": 3, "gender": 1, "status": 1, "center": 0, "finance": 0, "school": 0}
    fields.update({k: overrides.pop(k) for k in _KEY_FIELDS if k in overrides})
    nid = overrides.pop("national_id", None) or valid_national_id(index)
    cells = student_columns(index, **fields)
    cells[C.NATIONAL_ID] = cells[C.NATIONAL_ID_2] = nid
    cells.update(columns or {})
    values = [""] * len(STUDENT_COLUMNS)
    for column, text in cells.items():
        values[STUDENT_INDEX[column]] = text
    record = dict(row=index + 2, index=index, national_id=nid, national_id_raw=nid,
                  values=tuple(values), **fields)
    record.update(overrides)
    return StudentRecord(**record)


def make_decision(index: int = 0, mentor_id: str = "M1", *, student: StudentRecord | None = None,
                  failure: FailureClass | None = None, **overrides) -> Decision:
    """ALLOCATED to ``mentor_id`` unless ``failure`` is given (then FAILED, no mentor)."""
    nid = student.national_id if student else valid_national_id(index)
    if failure is None:
        fields = dict(outcome=Outcome.ALLOCATED, mentor_id=mentor_id,
                      mentor_name=f"mentor {mentor_id}", alias="1001",
                      code=f"54357{index + 1:04d}")
    else:
        fields = dict(outcome=Outcome.FAILED, failure=failure, reason_fa="دلیل آزمایشی")
    fields.update(overrides)
    return Decision(index=index, national_id=nid, channel=Channel.GENERIC, **fields)


def make_pool_mentor(mentor_id: str = "M1", **overrides) -> PoolMentor:
    fields = dict(mentor_id=mentor_id, name=f"mentor {mentor_id}", manager="manager", gender=1,
                  center=0, capacity=60, covered=50)
    fields.update(overrides)
    return PoolMentor(**fields)


def make_matrix_row(mentor_id: str = "M1", *, group: int = 3, gender: int = 1, status: int = 1,
                    center: int = 0, finance: int = 0, school: int = 0, **overrides) -> MatrixRow:
    """A global row (school 0, alias 1001) or, with ``school``, a school row (alias = id)."""
    fields = dict(mentor_id=mentor_id, mentor_name=f"mentor {mentor_id}", manager="manager",
                  alias=mentor_id if school else "1001", group=group, group_name="g",
                  gender=gender, status=status, center=center, finance=finance, school=school,
                  school_name=f"school {school}" if school else "", is_school_row=school != 0,
                  covered=50, capacity=60)
    fields.update(overrides)
    return MatrixRow(**fields)


def make_matrix(pool: Sequence[PoolMentor], rows: Sequence[MatrixRow], **overrides
                ) -> EligibilityMatrix:
    coverage = CoverageMetrics(0, 0, 1.0, 0, 0, 0, "mentors", False, 0.95)
    fields = dict(rows=tuple(rows), pool=tuple(sorted(pool, key=lambda m: natural_key(m.mentor_id))),
                  pool_decisions=(), removed_mentors=(), unmatched_schools=(), unseen_groups=(),
                  invalid_mentors=(), coverage=coverage)
    fields.update(overrides)
    return EligibilityMatrix(**fields)
