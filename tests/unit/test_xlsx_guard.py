"""The package guard's lean pass (issue P) reads a chunk cell by cell only when one search
finds a canonical cell past the extent known so far, and its compiled tag scan
(``guard_kernel``) reads every canonical tag in C. These hold both to the protection, each
file checked both ways: a far cell hidden among ordinary ones, in a late chunk, past every row
element's number, is still found, and an ordinary sheet still reads."""

from __future__ import annotations

import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartalloc.adapters import xlsx_guard
from smartalloc.adapters.xlsx_kept import KeptPart
from smartalloc.domain.errors import InputError

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _package(path, rows: list[str]) -> None:
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>{"".join(rows)}'
             "</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", sheet)


def _ordinary(n: int, cols: str = "ABC") -> list[str]:
    return [f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in cols) + "</row>"
            for r in range(1, n + 1)]


@pytest.fixture(autouse=True, params=["compiled", "expressions"])
def small_chunks(monkeypatch, request):
    monkeypatch.setattr(xlsx_guard, "_CHUNK", 512)   # many chunks: the extent is carried over
    if request.param == "expressions":
        monkeypatch.setattr(xlsx_guard, "guard_kernel", None)
    else:
        assert xlsx_guard.guard_kernel is not None, "guard_kernel is not built: `make env`"


def test_an_ordinary_sheet_passes(tmp_path):
    _package(tmp_path / "ok.xlsx", _ordinary(400))
    assert xlsx_guard.check_package(tmp_path / "ok.xlsx", "ok.xlsx") == {}


@pytest.mark.parametrize("far", ['<c r="A900000"><v>1</v></c>',      # row past its row's
                                 '<c r="XFD301"><v>1</v></c>',        # column, late chunk
                                 '<c r="xfd301"><v>1</v></c>',        # lower case
                                 '<c r="AAA0000900001"><v>1</v></c>'])  # leading zeros
def test_a_far_cell_among_ordinary_ones_is_refused(tmp_path, far, monkeypatch):
    monkeypatch.setattr(xlsx_guard, "MAX_GRID_CELLS", 1_000_000)
    rows = _ordinary(400)
    rows[300] = rows[300].replace("</row>", far + "</row>")
    _package(tmp_path / "far.xlsx", rows)
    with pytest.raises(InputError) as refused:
        xlsx_guard.check_package(tmp_path / "far.xlsx", "far.xlsx")
    assert refused.value.problems[0].code == "INPUT_TOO_LARGE"


@pytest.mark.parametrize(("limit", "inside", "outside"), [
    (0, [], [1, 9]), (59, [1, 59], [60, 100, 1000]), (99, [99, 10], [100, 101]),
    (1_048_576, [1_048_576, 999_999], [1_048_577, 2_000_000, 10_000_000])])
def test_the_searches_for_a_number_past_the_extent(limit, inside, outside):
    import re

    number = re.compile(xlsx_guard._number_over(limit) + b"$")
    assert not [n for n in inside if number.match(b"%d" % n)]
    assert all(number.match(b"%d" % n) and number.match(b"00%d" % n) for n in outside)


def _scan_part(path, kept=None):
    with zipfile.ZipFile(path) as zf:
        return xlsx_guard._scan(zf, zf.getinfo("xl/worksheets/sheet1.xml"), path.name, kept)


def test_formulas_without_a_saved_value_are_found_in_a_late_chunk(tmp_path):
    """The compiled scan says which pieces hold a formula tag; a piece it says none of is
    never searched (the expressions' run searches every piece itself)."""
    rows = _ordinary(400)
    rows[7] = rows[7].replace("<v>8</v>", "<f>A1+1</f>", 1)             # no value
    rows[300] = rows[300].replace('<c r="B301"><v>301</v>',
                                  '<c r="B301"><f t="shared" si="0"/><v></v>')   # empty value
    rows[350] = rows[350].replace("<v>351</v>", "<f>A1</f><v>5</v>")    # cached: fine
    _package(tmp_path / "f.xlsx", rows)
    assert _scan_part(tmp_path / "f.xlsx") == (("A", 8), ("B", 301))


MARKUP = ["<!-- a comment -->", "<![CDATA[<row r=\"9\">]]>", "<?pi x?>", "<!DOCTYPE x>",
          "<", "!", "?", "<f>1</f>"]


HEADS = ["", '<?xml version="1.0"?>', "\ufeff<?xml?>", " <?xml?>"]


@settings(max_examples=60, deadline=None)
@given(head=st.sampled_from(HEADS),
       marks=st.lists(st.tuples(st.integers(0, 399), st.sampled_from(MARKUP)), max_size=3))
def test_the_kept_part_knows_whether_markup_could_hide_a_row(tmp_path_factory, head, marks,
                                                              request):
    """``KeptPart.hidden`` answers as searching the whole part did (``<!`` anywhere, ``<?``
    past its first byte), with the compiled scan; without it, it does not know."""
    rows = _ordinary(400)
    for where, mark in marks:
        rows[where] = rows[where].replace("</row>", mark + "</row>")
    xml = (f'{head}<worksheet xmlns="{NS}"><sheetData>{"".join(rows)}'
           "</sheetData></worksheet>").encode()
    path = tmp_path_factory.mktemp("kept") / "k.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    kept = KeptPart()
    _scan_part(path, kept)
    assert b"".join(kept.chunks) == xml
    searched = b"<!" in xml or xml.find(b"<?", 1) >= 0
    compiled = request.node.callspec.params["small_chunks"] == "compiled"
    assert kept.hidden == (searched if compiled else None)


def test_a_mark_cut_between_two_pieces_is_seen():
    """Only a part that is not markup is fed in pieces that may end at a ``<``."""
    kept = KeptPart()
    kept.scanned(b"text <", 0, 0)
    kept.scanned(b"!-- x", 0, 0)
    assert kept.hidden is True
