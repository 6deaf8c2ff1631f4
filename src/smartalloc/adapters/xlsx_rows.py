"""The rows of a worksheet as XML: the hot loop of every large workbook (issue P).

Most cells of a 100k-row sheet repeat a value already written in the same column (labels,
codes, keys, mentor ids, the policy stamp), so each column keeps its rendered cells by value,
with the row number left out as ``\\x00``. A row whose cells are all ``str``, ``int`` or
``None`` is then one C-level pass (``"".join(map(getitem, columns, row))``) and one
``str.replace`` of the marker by its row number; only a value the column has not seen costs a
Python call. ``\\x00`` can stand for the row number because no rendered text holds it: C0
controls are always written as ``_xHHHH_``. Any other row (floats, booleans, ``str``
subclasses such as enums, a row longer than the header) takes the cell-by-cell path, which
writes what the memo would have written for the same values.

This Python renderer is the reference; where ``make env`` built ``xlsx_kernel`` the same rows
are rendered by it, straight to UTF-8 (``renderer``), and the rules above stay here once: the
kernel calls ``str_tail`` for a text with anything to escape and ``_Renderer.odd`` for any
other row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from operator import getitem

try:
    from smartalloc.adapters import xlsx_kernel
except ImportError:   # not built (no compiler): the Python renderer, the same bytes
    xlsx_kernel = None

MEMO = 4096               # distinct values remembered per column: ids past it cost no insert
ROW = "\x00"              # the row number's place in a rendered cell
_TEXT, _NUMBERS = (str, type(None)), (int, float)
_LITERAL_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")   # text that Excel would decode
# what XML needs escaped and what it forbids (C0 controls, U+FFFE/U+FFFF): a regular
# expression finds them (str.translate is several times slower on Persian text), a table
# replaces them in the rare text that holds one
_FORBIDDEN = [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]
_SPECIAL = re.compile("[&<>" + "".join(map(chr, _FORBIDDEN)) + "]")
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;",
            **{c: f"_x{c:04X}_" for c in _FORBIDDEN}}

Neutralise = Callable[[object], object]


def rule_starts(neutralise: Neutralise | None) -> str | None:
    """The first characters of the only texts ``neutralise`` may change, where the rule says
    (its ``starts``; ``xlsx_writer.neutralise``): any other text is left as it is without a
    call, ~1M calls in the writers of a 100k run (issue P). None: every text goes through it."""
    starts = getattr(neutralise, "starts", None)
    return starts if isinstance(starts, str) else None


def text(value: str) -> str:
    """A cell's text as XML: ``&<>`` escaped, literal ``_xHHHH_`` kept literal (Excel would
    decode it), forbidden characters in Excel's ``_xHHHH_`` form."""
    if "_x" in value:
        value = _LITERAL_ESCAPE.sub(r"_x005F_\1", value)
    return value if _SPECIAL.search(value) is None else value.translate(_ESCAPES)


def str_tail(value: str) -> str:
    """A text cell after its reference: the same for every cell holding ``value``."""
    space = ' xml:space="preserve"' if value[0] == " " or value[-1] == " " else ""
    return f' t="inlineStr"><is><t{space}>{text(value)}</t></is></c>'


def cell(ref: str, value, style: str = "") -> str:
    """Any one cell (``None`` and ``""`` are never written: the caller skips them)."""
    if value.__class__ is int:      # any size: never through a float
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    if value.__class__ is not str:
        if value is True or value is False:
            return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
        if value.__class__ in (int, float) and math.isfinite(value):
            return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
        value = str(value)  # str subclasses (enums), inf/nan and anything else: as text
    if not value:
        return ""
    return f'<c r="{ref}"{style}' + str_tail(value)


class _Column(dict):
    """One column's rendered cells by value. Keys are exact ``str`` and one number type per
    column (``numbers``, see ``_Rows.safe``): ``1``, ``1.0`` and ``True`` are equal as keys, so
    a column that holds more than one of them sends those rows the cell-by-cell way; ``0.0``
    is never kept, because ``-0.0`` would find it and is written differently."""

    __slots__ = ("neutralise", "numbers", "ref", "starts")

    def __init__(self, letter: str, neutralise: Neutralise | None):
        super().__init__({None: "", "": ""})
        self.ref, self.neutralise = f'<c r="{letter}{ROW}"', neutralise
        self.starts = rule_starts(neutralise)
        self.numbers: type | None = None

    def __missing__(self, value) -> str:
        kind = value.__class__
        if kind is str:   # str_tail and text, inlined: most cells of the unique columns
            shown = value
            if self.neutralise is not None and (self.starts is None or value[0] in self.starts):
                shown = self.neutralise(value)
            if "_x" in shown:
                shown = _LITERAL_ESCAPE.sub(r"_x005F_\1", shown)
            if _SPECIAL.search(shown) is not None:
                shown = shown.translate(_ESCAPES)
            space = ' xml:space="preserve"' if shown[0] == " " or shown[-1] == " " else ""
            rendered = f'{self.ref} t="inlineStr"><is><t{space}>{shown}</t></is></c>'
        elif kind is int:
            rendered = f"{self.ref}><v>{value}</v></c>"
        else:
            rendered = cell(self.ref[6:-1], value)   # a float: inf and nan become text
            if not value:
                return rendered
        if len(self) < MEMO:
            self[value] = rendered
        return rendered


def safe_row(row: Sequence, neutralise: Neutralise | None) -> Sequence:
    """The row as the caller's formula rule leaves it: every cell neutralised when one text
    cell needs it, else the row itself (what ``xlsx_writer`` always did per row)."""
    if neutralise is None:
        return row
    if any(v.__class__ is str and neutralise(v) is not v for v in row):
        return [neutralise(v) for v in row]
    return row


class _Rows:
    """Which rows may take the memo: decided once per row shape (its cells' types)."""

    def __init__(self, columns: list[_Column]):
        self.columns, self.shapes = columns, {}

    def safe(self, shape: tuple[type, ...]) -> bool:
        """Text, empty, and per column always the same number type: the first number type a
        column meets is the only one its memo will hold."""
        known = self.shapes.get(shape)
        if known is None:
            known = len(shape) <= len(self.columns) and all(
                self._claims(column, kind) for column, kind in zip(self.columns, shape,
                                                                    strict=False))
            if len(self.shapes) < MEMO:
                self.shapes[shape] = known
        return known

    @staticmethod
    def _claims(column: _Column, kind: type) -> bool:
        if kind in _TEXT:
            return True
        if kind not in _NUMBERS:
            return False
        if column.numbers is None:
            column.numbers = kind
        return column.numbers is kind


class _Renderer:
    """One sheet's rows as XML in Python: the reference of the compiled ``xlsx_kernel`` and the
    renderer where it is not built. ``neutralise``: the caller's rule for a cell value
    (``xlsx_writer.neutralise``), applied as ``safe_row`` would."""

    def __init__(self, letters: Sequence[str], neutralise: Neutralise | None):
        self.columns = [_Column(letter, neutralise) for letter in letters]
        self.safe = _Rows(self.columns).safe
        self.slow = [f"{letter}{ROW}" for letter in letters]
        self.neutralise = neutralise

    def row(self, row: Sequence, number: int) -> str:
        """The row's XML: from the memo when its shape allows, else cell by cell."""
        if not self.safe(tuple(map(type, row))):
            return self.odd(row, number)
        cells = "".join(map(getitem, self.columns, row))
        return f'<row r="{ROW}">{cells}</row>'.replace(ROW, str(number))

    def odd(self, row: Sequence, number: int) -> str:
        """The row's XML cell by cell (what the memo would write for the same values)."""
        row = safe_row(row, self.neutralise)
        cells = "".join([cell(self.slow[c], v) for c, v in enumerate(row)
                         if v is not None and v != ""])
        return f'<row r="{ROW}">{cells}</row>'.replace(ROW, str(number))

    def render(self, block: list[Sequence], first: int) -> bytes:
        """``block``'s rows as UTF-8 XML, numbered from ``first``."""
        row = self.row
        return "".join([row(cells, r) for r, cells in enumerate(block, start=first)]).encode()


def renderer(letters: Sequence[str], neutralise: Neutralise | None = None,
             compiled: bool = True) -> Callable[[list[Sequence], int], bytes]:
    """A sheet's ``render(block, first)``: compiled where ``make env`` built ``xlsx_kernel``
    (100k rows × 46 cells: 1.4 s in Python, 0.2 s compiled), else the Python ``_Renderer``;
    the same bytes either way. ``compiled=False``: the Python one (tests hold them equal)."""
    python = _Renderer(letters, neutralise)
    if xlsx_kernel is None or not compiled:
        return python.render
    return xlsx_kernel.Renderer([letter.encode() for letter in letters], neutralise,
                                python.odd, str_tail, MEMO, rule_starts(neutralise)).render
