"""Student rows → records (``domain.student_rows``): the national id is the first national id
column's, or the second's where the first is empty, whether or not any row needs that."""

from __future__ import annotations

import pytest

from smartalloc.domain.contracts import STUDENT_COLUMNS
from smartalloc.domain.contracts import StudentCol as C
from smartalloc.domain.student_rows import build_records
from tests.unit.factories import student_columns, valid_national_id

FIRST, SECOND = STUDENT_COLUMNS.index(C.NATIONAL_ID), STUDENT_COLUMNS.index(C.NATIONAL_ID_2)


def _row(i: int, first: str, second: str) -> list[str]:
    cells = student_columns(i)
    row = [cells.get(name, "") for name in STUDENT_COLUMNS]
    row[FIRST], row[SECOND] = first, second
    return row


@pytest.mark.parametrize("empty_first", [(), (1,), (0, 2)])
def test_the_national_id_falls_back_to_the_second_column_only_where_the_first_is_empty(
        empty_first):
    ids = [valid_national_id(i) for i in range(3)]
    other = valid_national_id(99)
    rows = [_row(i, "" if i in empty_first else ids[i], ids[i] if i in empty_first else other)
            for i in range(3)]
    records = build_records(rows, range(len(STUDENT_COLUMNS)), [2, 3, 4])
    assert [r.national_id for r in records] == ids
    assert [r.national_id_raw for r in records] == ids
    assert [r.row for r in records] == [2, 3, 4]
