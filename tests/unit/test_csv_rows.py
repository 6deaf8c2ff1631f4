"""The CSV writer renders rows a block at a time in C and applies the formula rule only to a
block where a field may start like a formula (issue P). Its text is exactly what the rule
applied to every row wrote before: the reference below is that previous writer."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartalloc.adapters import xlsx_writer

TEXT = st.text(alphabet=st.sampled_from(list("ab ,\"'=+-@\t\r\nسی۱0")), max_size=6)
CELLS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-2, 2), TEXT)
ROWS = st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=12)


def _reference(rows) -> str:
    """The writer before issue P: the rule on every row, None as empty."""
    out = io.StringIO()
    csv.writer(out).writerows(["" if v is None else v for v in row]
                              for row in xlsx_writer._safe_rows(rows))
    return out.getvalue()


def _written(rows) -> str:
    out = io.StringIO()
    xlsx_writer._write_csv_rows(out, rows)
    return out.getvalue()


@settings(max_examples=500, deadline=None)
@given(ROWS, st.sampled_from([1, 3, 2000]))
def test_the_rows_are_written_as_the_rule_wrote_them(rows, block):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xlsx_writer, "_CSV_BLOCK", block)
        assert _written(iter(rows)) == _reference(rows)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\r"])
def test_a_text_that_starts_like_a_formula_is_neutralised_anywhere_in_a_block(value):
    rows = [["a", 1, None]] * 2500
    rows[2100] = ["a", value, None]     # the second block
    text = _written(rows)
    assert text == _reference(rows)
    assert "'" + value in text
