"""The memoised row renderer (issue P) writes exactly what rendering every cell on its own
wrote before it: the reference below is the previous writer's per-cell rule (the caller's
formula rule on the whole row, then each cell by its type). Mixed columns are the point:
``1``, ``1.0``, ``True`` and ``-0.0``/``0.0`` are equal dictionary keys but different cells.
Both renderers are held to it: the Python one and the compiled ``xlsx_kernel``, block by
block (their memos carry from one block to the next)."""

from __future__ import annotations

import enum
import math
import re
from typing import NamedTuple
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartalloc.adapters import xlsx_rows
from smartalloc.adapters.xlsx_rows import renderer
from smartalloc.adapters.xlsx_writer import neutralise

COMPILED = [pytest.param(True, id="compiled"), pytest.param(False, id="python")]

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
     "\ufffe", "\uffff", "س", "\u200c", "'", "_", "x", "_x12", "é", "\U0001f600", "\x7f",
     "\x1f"]), max_size=6).map("".join)
CELL = st.one_of(st.none(), st.just(""), TEXT, st.integers(-3, 3), st.just(10**400),
                 st.sampled_from([2**63 - 1, -2**63, 2**63, -2**63 - 1, 10**18]),
                 st.sampled_from([0.0, -0.0, 1.0, 2.5, math.inf, math.nan]), st.floats(),
                 st.booleans(),
                 st.sampled_from([Kind.A, Code.X]))


@pytest.mark.parametrize("compiled", COMPILED)
@settings(max_examples=400, deadline=None)
@given(rows=st.lists(st.lists(CELL, max_size=4), max_size=30), rule=st.booleans())
def test_rows_are_what_cell_by_cell_rendering_wrote(compiled, rows, rule):
    assert _rendered(rows, rule, compiled) == _reference(rows, rule)


@pytest.mark.parametrize("compiled", COMPILED)
def test_repeated_values_come_from_the_memo_with_their_own_row_number(compiled):
    rows = [("x", 1, 2.5, None)] * 3 + [(True, 1.0, -0.0, "x")]
    xml = _rendered(rows, False, compiled)
    assert xml == _reference(rows, False)
    assert '<c r="A4" t="inlineStr"><is><t>x</t></is></c>' in xml
    assert '<c r="A5" t="b"><v>1</v></c><c r="B5"><v>1.0</v></c><c r="C5"><v>-0.0</v></c>' in xml


def _rendered(rows, rule, compiled, sizes=(2000,)) -> str:
    """The rows through ``renderer`` in blocks of the given sizes (repeated), decoded."""
    render = renderer(LETTERS, neutralise if rule else None, compiled=compiled)
    out, first, k = [], 2, 0
    while first - 2 < len(rows):
        size = sizes[k % len(sizes)]
        block = rows[first - 2:first - 2 + size]
        out.append(render(block, first).decode())
        first, k = first + len(block), k + 1
    return "".join(out)


def test_the_kernel_is_built():
    assert xlsx_rows.xlsx_kernel is not None, "xlsx_kernel is not compiled: run `make env`"


@pytest.mark.parametrize("compiled", COMPILED)
@settings(max_examples=400, deadline=None)
@given(rows=st.lists(st.lists(CELL, max_size=4), max_size=30), rule=st.booleans(),
       sizes=st.lists(st.integers(1, 7), min_size=1, max_size=3))
def test_blocks_are_what_cell_by_cell_rendering_wrote(compiled, rows, rule, sizes):
    assert _rendered(rows, rule, compiled, sizes) == _reference(rows, rule)


@pytest.mark.parametrize("compiled", COMPILED)
def test_a_column_past_its_memo_still_renders_each_value(compiled, monkeypatch):
    monkeypatch.setattr(xlsx_rows, "MEMO", 3)
    rows = [(f"v{i % 5}", f"=w{i}", i, None) for i in range(12)]
    assert _rendered(rows, True, compiled, (4,)) == _reference(rows, True)


class Pair(NamedTuple):
    left: str
    right: int


@pytest.mark.parametrize("compiled", COMPILED)
def test_rows_of_any_sequence_and_rows_longer_than_the_header(compiled):
    rows = [Pair("a", 1), range(3), ("x", 2, "y", 3)]
    assert _rendered(rows, False, compiled) == _reference(rows, False)
    render = renderer(LETTERS[:2], None, compiled=compiled)
    with pytest.raises(IndexError):   # a cell past the header has no column letter
        render([("a", 1, "extra")], 2)


@pytest.mark.parametrize("compiled", COMPILED)
def test_a_lone_surrogate_is_refused_as_utf8_refuses_it(compiled):
    with pytest.raises(UnicodeEncodeError):
        renderer(LETTERS, None, compiled=compiled)([("a\ud800",)], 2)


@given(value=TEXT.filter(bool))
def test_the_formula_rule_changes_only_texts_that_start_with_its_starts(value):
    assert (neutralise(value) is value) == (value[0] not in neutralise.starts)


@pytest.mark.parametrize("compiled", COMPILED)
def test_a_rule_that_names_its_starts_is_called_only_for_such_texts(compiled):
    """~1M calls of the formula rule in the writers of a 100k run were for texts it leaves
    as they are (issue P): a rule that names the first characters it acts on is called for
    those texts only, and the rows are what it writes either way."""
    seen = []

    def counted(value):
        seen.append(value)
        return neutralise(value)

    rows = [("سلام", "=1+1", "-3", "abc"), ("x", "@me", "\tx", "y")]
    for starts, called in ((None, ["سلام", "=1+1", "-3", "abc", "x", "@me", "\tx", "y"]),
                           (neutralise.starts, ["=1+1", "-3", "@me", "\tx"])):
        seen.clear()
        if starts is None:
            counted.__dict__.pop("starts", None)
        else:
            counted.starts = starts
        render = renderer(LETTERS, counted, compiled=compiled)
        assert render(rows, 2).decode() == _reference(rows, True)
        assert seen == called
