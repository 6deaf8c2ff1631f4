"""The memoised row renderer (issue P) writes exactly what rendering every cell on its own
wrote before it: the reference below is the previous writer's per-cell rule (the caller's
formula rule on the whole row, then each cell by its type). Mixed columns are the point:
``1``, ``1.0``, ``True`` and ``-0.0``/``0.0`` are equal dictionary keys but different cells."""

from __future__ import annotations

import enum
import math
import re
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from smartalloc.adapters.xlsx_rows import rows_xml
from smartalloc.adapters.xlsx_writer import neutralise

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LITERAL = re.compile("_(x[0-9A-Fa-f]{4}_)")
LETTERS = ["A", "B", "C", "D"]


class Kind(enum.Enum):
    A = "a"


class Code(str, enum.Enum):  # noqa: UP042 - a str subclass whose str() is not its value
    X = "=x"


def _reference_text(value: str) -> str:
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    if "_x" in value:
        value = _LITERAL.sub(r"_x005F_\1", value)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def _reference_cell(ref: str, value) -> str:
    if value.__class__ is int:
        return f'<c r="{ref}"><v>{value}</v></c>'
    if value.__class__ is not str:
        if value is True or value is False:
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if value.__class__ is float and math.isfinite(value):
            return f'<c r="{ref}"><v>{value!r}</v></c>'
        value = str(value)
        if not value:
            return ""
    space = ' xml:space="preserve"' if value[0] == " " or value[-1] == " " else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{_reference_text(value)}</t></is></c>'


def _reference(rows, rule) -> str:
    out = []
    for r, row in enumerate(rows, start=2):
        if rule and any(v.__class__ is str and v.startswith(("=", "+", "-", "@", "\t", "\r"))
                        for v in row):
            row = [neutralise(v) for v in row]
        cells = "".join(_reference_cell(f"{LETTERS[c]}{r}", v) for c, v in enumerate(row)
                        if v is not None and v != "")
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


TEXT = st.lists(st.sampled_from(
    ["a", " ", "=", "+", "-", "@", "\t", "\r", "\n", "&", "<", ">", "_x0041_", "\x01", "\x00",
     "\ufffe", "س", "\u200c", "'"]), max_size=6).map("".join)
CELL = st.one_of(st.none(), st.just(""), TEXT, st.integers(-3, 3), st.just(10**400),
                 st.sampled_from([0.0, -0.0, 1.0, 2.5, math.inf, math.nan]), st.booleans(),
                 st.sampled_from([Kind.A, Code.X]))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(CELL, max_size=4), max_size=30), st.booleans())
def test_rows_are_what_cell_by_cell_rendering_wrote(rows, rule):
    got = "".join(rows_xml(rows, LETTERS, neutralise if rule else None))
    assert got == _reference(rows, rule)


def test_repeated_values_come_from_the_memo_with_their_own_row_number():
    rows = [("x", 1, 2.5, None)] * 3 + [(True, 1.0, -0.0, "x")]
    xml = "".join(rows_xml(rows, LETTERS))
    assert xml == _reference(rows, False)
    assert '<c r="A4" t="inlineStr"><is><t>x</t></is></c>' in xml
    assert '<c r="A5" t="b"><v>1</v></c><c r="B5"><v>1.0</v></c><c r="C5"><v>-0.0</v></c>' in xml
