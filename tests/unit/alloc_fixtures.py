"""Tiny hand-made pools and students for the allocation-engine tests."""

from __future__ import annotations

import itertools

from smartalloc.domain.contracts import STUDENT_COLUMNS
from smartalloc.domain.eligibility import CoverageMetrics, EligibilityMatrix, MatrixRow, PoolMentor
from smartalloc.domain.national_id import checksum_digit
from smartalloc.domain.normalize import natural_key
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import StudentRecord
from tests.policies import make_policy


def default_policy(**changes) -> Policy:
    return make_policy(**changes)


def national_id(n: int) -> str:
    nine = f"{228000000 + n:09d}"
    return nine + str(checksum_digit(nine))


def mentor(mid: str, *, capacity: int = 60, covered: int = 50, gender: int = 1, center: int = 0,
           **kw) -> PoolMentor:
    return PoolMentor(mid, f"mentor {mid}", "manager", gender, center, capacity, covered, **kw)


def rows_for(m: PoolMentor, groups=(3,), statuses=(1, 0), finance=(0, 1, 3), schools=(0,),
             alias: str | None = None) -> list[MatrixRow]:
    out = []
    for g, s, f, sc in itertools.product(groups, statuses, finance, schools):
        out.append(MatrixRow(m.mentor_id, m.name, m.manager, alias or (m.mentor_id if sc else "1001"),
                             g, "g", m.gender, s if sc == 0 else 1, m.center, f, sc, "", sc != 0,
                             m.covered, m.capacity))
    return out


def matrix_of(pool: list[PoolMentor], rows: list[MatrixRow]) -> EligibilityMatrix:
    pool = sorted(pool, key=lambda m: natural_key(m.mentor_id))
    cov = CoverageMetrics(0, 0, 1.0, 0, 0, 0, "mentors", False, 0.95)
    return EligibilityMatrix(tuple(rows), tuple(pool), (), (), (), (), (), cov)


def student(i: int, *, group=3, gender=1, status=1, center=0, finance=0, school=0,
            nid: str | None = None) -> StudentRecord:
    nid = nid or national_id(i)
    values = tuple("" for _ in STUDENT_COLUMNS)
    return StudentRecord(i + 2, i, nid, nid, group, gender, status, center, finance, school, values)
