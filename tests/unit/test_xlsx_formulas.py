"""Formula cells without a saved value are found in the sheet XML however it is spelt and
wherever the guard's chunks cut it."""

from __future__ import annotations

import pytest

from smartalloc.adapters.xlsx_formulas import FormulaScan

SHEET = (b'<x:sheetData><x:row r="2"><x:c r="A2"><x:v>7</x:v></x:c>'
         b'<x:c r="B2"><x:f>A2+1</x:f></x:c>'                       # no value
         b'<x:c r="C2"><x:f>A2+2</x:f><x:v>9</x:v></x:c>'            # cached: fine
         b'<x:c r="D2" t="str"><x:f t="shared" si="0"/><x:v></x:v></x:c>'  # empty value
         b"</x:row></x:sheetData>")


@pytest.mark.parametrize("cut", [None, *range(1, len(SHEET))])
def test_uncached_formulas_are_found_across_chunk_cuts(cut):
    scan = FormulaScan(b"x")
    if cut is None:
        scan.feed(SHEET)
    else:
        scan.feed(SHEET[:cut])
        scan.feed(SHEET[cut:])
    assert scan.cells() == (("B", 2), ("D", 2))


def test_a_plain_sheet_without_formulas_costs_only_a_substring_test():
    scan = FormulaScan(b"")
    scan.feed(b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>')
    assert scan.cells() == ()
