"""The package guard's compiled tag scan (``guard_kernel``) answers as the guard's regular
expressions and substring counts do, on any text made of the tags, references and marks a
hostile sheet can hold, and the extent a sheet part is given is the same with it or without
it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartalloc.adapters import xlsx_guard
from smartalloc.adapters.xlsx_formulas import FormulaScan

kernel = xlsx_guard.guard_kernel

PIECES = ['<c r="', "<c ", "<c>", "<c/>", "<col ", "<cols>", '<row r="', "<row ", "<row>",
          "<rowBreaks>", '<x:c r="', '<x:row r="', 'r="', "A", "Z", "b", "XFD", "AB", "ZZZZZZZZZZ",
          "ZZZZZZZZZZZZZZ", "0", "1", "9", "12", "1048577", "0000000000000000000000007",
          "99999999999999999999", '"', "'", " ", ">", "</c>", "</row>", "<v>", "<", "x:", "\t",
          "<f ", "<f>", "</f>", "<x:f ", "</x:f>", "f>", "<!", "<!--", "<![CDATA[", "<?", "!", "?"]
texts = st.lists(st.sampled_from(PIECES), max_size=60).map(lambda parts: "".join(parts).encode())


def _reference(text: bytes, prefix: bytes) -> tuple[int, ...] | None:
    """The scan by the guard's own expressions (``_Extent``'s letters, digits, row_number),
    and the marks by ``bytes.count`` (``FormulaScan``'s tags, ``<!``, ``<?``)."""
    extent = xlsx_guard._Extent(prefix)
    p = re.escape(prefix + b":") if prefix else b""
    letters = extent.letters.findall(text)
    digits = extent.digits.findall(text)
    rows = re.findall(rb"<" + p + rb'row r="([0-9]+)', text)
    if any(len(x) > 12 for x in letters) or any(len(x) > 18 for x in [*digits, *rows]):
        return None    # the kernel leaves numbers past 64 bits to the expressions
    return (text.count(extent.open_cell), text.count(extent.canonical),
            max((xlsx_guard.column_number(x) for x in letters), default=0),
            max((int(x) for x in digits), default=0), text.count(extent.open_row), len(rows),
            max((int(x) for x in rows), default=0),
            sum(text.count(m) for m in FormulaScan(prefix).markers), text.count(b"<!"),
            text.count(b"<?"))


def _extent(chunks: list[bytes], prefix: bytes) -> tuple[int, int, int]:
    extent = xlsx_guard._Extent(prefix)
    for chunk in chunks:
        extent.feed(chunk)
    return extent.rows(), extent.columns(), extent.grid()


def test_the_kernel_is_built():
    assert kernel is not None, "guard_kernel is not compiled: run `make env`"


@settings(max_examples=400, deadline=None)
@given(texts, st.sampled_from([b"", b"x"]))
def test_the_scan_answers_as_the_expressions(text, prefix):
    tag = b"<" + (prefix + b":" if prefix else b"")
    assert (kernel.scan(text, tag + b"c", tag + b"row", *FormulaScan(prefix).markers)
            == _reference(text, prefix))


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, max_size=4), st.sampled_from([b"", b"x"]))
def test_a_part_gets_the_same_extent_with_or_without_the_kernel(chunks, prefix):
    compiled = _extent(chunks, prefix)
    with pytest.MonkeyPatch.context() as plain:
        plain.setattr(xlsx_guard, "guard_kernel", None)
        assert _extent(chunks, prefix) == compiled


FORMULA = (b"<f ", b"</f>")


@pytest.mark.parametrize(("text", "marks", "found"), [
    (b'<row r="7"><c r="BG7"><v>1</v></c></row>', FORMULA, (1, 1, 59, 7, 1, 1, 7, 0, 0, 0)),
    (b'<c r="xfd3"/><c r="A1048577"/>', FORMULA, (2, 2, 16_384, 1_048_577, 0, 0, 0, 0, 0, 0)),
    (b'<c r="A1x"/><c r="1"/><c r="AB"/>', FORMULA, (3, 3, 1, 0, 0, 0, 0, 0, 0, 0)),  # no quote…
    (b'<cols><col min="1"/></cols><c s="1" r="C3"/>', FORMULA, (3, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
    (b'<rowBreaks/><row spans="1:2" r="4">', FORMULA, (0, 0, 0, 0, 2, 0, 0, 0, 0, 0)),
    (b'<?xml?><c r="A1"><f>B1</f></c><c r="A2"><f t="shared"/><!-- x --></c><f>', FORMULA,
     (2, 2, 1, 2, 0, 0, 0, 2, 1, 1)),   # "<f>" is no mark (its "</f>" is)
    (b'<c r="A1"><f>B1</f></c>', (), (1, 1, 1, 1, 0, 0, 0, 0, 0, 0)),   # no tags asked for
])
def test_the_scan_of_some_tags(text, marks, found):
    assert kernel.scan(text, b"<c", b"<row", *marks) == found
