"""Refuse, before calamine opens it, an .xlsx package that would exhaust memory.

calamine builds every sheet as a dense grid from its first to its last cell: a 1.4 KB sheet
with one cell in A1 and one in XFD1048576 asks for 17 billion cells (549 GB) and the process
aborts — a Rust allocation failure, not an exception. A zip bomb (a small file whose XML
inflates to gigabytes) exhausts memory the slow way. So the package is checked first:

- the sizes the zip declares: at most ``MAX_XML_BYTES`` inflated in all (Python's zipfile
  never inflates past a declared size: a part that lies fails its CRC and is refused);
- the extent of the cells, scanned from the inflated XML: the grid calamine would allocate
  (rows × columns, from the cell references; cells or rows without one are counted one
  further position each) must stay within ``MAX_GRID_CELLS``.

The scan reads the tags of every cell: compiled (``guard_kernel``, built by `make env`) about
0.55 s for a 100k-row student report, half of it inflating (the compiled scan also counts the
formula tags and the marks ``sheet_halves`` looks for: 0.9 s when those were substring
searches); with the regular expressions alone (an unbuilt checkout) about 2 s, with the same
verdicts. Files that are not zip packages are left to calamine (it
refuses garbage cleanly).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from smartalloc.adapters.read_limits import sheet_row_limit, too_many_rows
from smartalloc.adapters.xlsx_formulas import FormulaScan, is_sheet_part, sheet_names_by_part
from smartalloc.adapters.xlsx_kept import KeptPart
from smartalloc.domain.errors import InputError, LimitError, input_error

try:
    from smartalloc.adapters import guard_kernel
except ImportError:   # not built: the expressions below alone, the same answers
    guard_kernel = None

MAX_XML_BYTES = 512 * 1024 * 1024   # inflated package (100k-row report ~150 MB; 200k rows, the
                                    # upload limit, ~300 MB)
MAX_GRID_CELLS = 25_000_000          # rows × columns of one sheet (100k × 59 = 5.9M)
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384   # Excel's own limits
_CHUNK = 1 << 22
_LONGEST_RUN = 1 << 20   # bytes without a "<": no cell holds that (Excel: 32,767 characters)
_MAIN_NS = (b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            b"http://purl.oclc.org/ooxml/spreadsheetml/main")
_PREFIX = re.compile(rb'xmlns:([A-Za-z_][\w.-]*)\s*=\s*["\']([^"\']*)["\']')


def column_number(letters: bytes) -> int:
    """Excel column letters → 1-based number (A → 1, AB → 28)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _number_over(limit: int) -> bytes:
    """A regular expression for a decimal number above ``limit`` (leading zeros allowed)."""
    digits = str(limit).encode()
    over = [b"[1-9][0-9]{%d,}" % len(digits)]
    for i, d in enumerate(digits):
        if d != ord("9"):
            over.append(digits[:i] + b"[%c-9][0-9]{%d}" % (d + 1, len(digits) - i - 1))
    return b"0*(?:" + b"|".join(over) + b")"


def _letters_over(limit: int) -> bytes:
    """A regular expression for column letters (either case) past column ``limit``: more
    letters, or as many and greater at the first letter that differs."""
    name = b""
    while limit:
        limit, r = divmod(limit - 1, 26)
        name = bytes([65 + r]) + name
    over = [b"[A-Za-z]{%d,}" % (len(name) + 1)]
    for i, ch in enumerate(name):
        if ch != ord("Z"):
            same = b"".join(b"[%c%c]" % (c, c + 32) for c in name[:i])
            over.append(same + b"[%c-Z%c-z][A-Za-z]{%d}" % (ch + 1, ch + 33, len(name) - i - 1))
    return b"(?:" + b"|".join(over) + b")"


class _Extent:
    """Largest row and column a sheet part can place a cell at, as calamine would: from the
    cell references; a cell without one is one column further, a row without one one row
    further (counted per row, across chunks)."""

    def __init__(self, prefix: bytes, formula_tags: tuple[bytes, ...] = ()):
        p = re.escape(prefix + b":") if prefix else b""
        self.formula_tags = formula_tags   # counted by the compiled scan (``FormulaScan``)
        self.canonical = b"<" + (prefix + b":" if prefix else b"") + b'c r="'
        self.letters = re.compile(rb"<" + p + rb'c r="([A-Za-z]+)[0-9]')
        self.digits = re.compile(rb"<" + p + rb'c r="[A-Za-z]+([0-9]+)"')
        self.cell = re.compile(rb"<" + p + rb"c[\s/>]")
        self.open_cell = b"<" + (prefix + b":" if prefix else b"") + b"c"
        self.open_row = b"<" + (prefix + b":" if prefix else b"") + b"row"
        self.any_ref = re.compile(rb"<" + p + rb"""c\s[^>]*?\br\s*=\s*["']\s*([A-Za-z]+)\s*"""
                                  rb"([0-9]+)")
        self.row = re.compile(rb"<" + p + rb"row[\s/>]")
        self.row_number = re.compile(rb"<" + p + rb"""row\s[^>]*?\br\s*=\s*["']\s*([0-9]+)""")
        self.max_col = self.max_row = 0
        self.loose_rows = self.loose_run = self.loose_cols = 0
        self._beyond_key: tuple[int, int] | None = None
        self._beyond_re: re.Pattern[bytes] | None = None

    def feed(self, text: bytes) -> tuple[int, int, int] | None:
        """The extent of ``text`` taken in; the compiled scan's counts of the other marks it
        stops at (formula tags, ``<!``, ``<?``), None without them."""
        tags = (guard_kernel.scan(text, self.open_cell, self.open_row, *self.formula_tags)
                if guard_kernel is not None else None)
        if tags is None:
            self._feed(text)
            return None
        opened, canonical, max_col, max_row, rows, numbered, max_numbered, *marks = tags
        if numbered != rows:   # a row spelt otherwise, or another tag (<rowBreaks…)
            self._rows(text, rows)
        self.max_row = max(self.max_row, max_row, max_numbered)
        self.max_col = max(self.max_col, max_col)
        if opened != canonical:
            self._others(text)
        return marks[0], marks[1], marks[2]

    def _feed(self, text: bytes) -> None:
        """``feed`` by regular expressions (``guard_kernel`` is their compiled twin)."""
        opened = text.count(self.open_cell)   # <c…, <col…, <cfRule…: a superset of the cells
        canonical = text.count(self.canonical)
        rows = text.count(self.open_row)   # <row…, <rowBreaks…: at most one row too many
        if rows:
            self._rows(text, rows)
        # Lean pass (issue P): one search for a canonical cell beyond the extent known so far
        # (its rows' numbers included); only a chunk that has one is read cell by cell.
        if canonical and self._beyond().search(text) is not None:
            letters = set(self.letters.findall(text))
            self.max_col = max(self.max_col, max((column_number(x) for x in letters), default=0))
            digits = set(self.digits.findall(text))
            self.max_row = max(self.max_row, max((int(x) for x in digits), default=0))
        if opened != canonical:
            self._others(text)

    def _rows(self, text: bytes, rows: int) -> None:
        """The rows' numbers (``rows``: how many row tags the chunk opens)."""
        numbered = self.row_number.findall(text)
        self.max_row = max(self.max_row, max((int(x) for x in set(numbered)), default=0))
        self.loose_rows += rows - len(numbered)

    def _others(self, text: bytes) -> None:
        """Other tags, or cells spelt otherwise (quotes, spaces…): every reference read."""
        cells = len(self.cell.findall(text))
        refs = self.any_ref.findall(text)
        for letters_, digits_ in refs:
            self.max_col = max(self.max_col, column_number(letters_))
            self.max_row = max(self.max_row, int(digits_))
        if len(refs) < cells:
            self._loose_cells(text)

    def _beyond(self) -> re.Pattern[bytes]:
        """A canonical cell whose column or row is past ``max_col``/``max_row``."""
        key = (self.max_col, self.max_row)
        if key != self._beyond_key:
            self._beyond_key = key
            self._beyond_re = re.compile(
                re.escape(self.canonical) + b"(?:" + _letters_over(self.max_col) + b"[0-9]|"
                + b"[A-Za-z]+" + _number_over(self.max_row) + b'")')
        return self._beyond_re

    def _loose_cells(self, text: bytes) -> None:
        """The longest run of reference-less cells within one row."""
        starts = [m.start() for m in self.row.finditer(text)]
        bounds = [0, *starts, len(text)]
        for i in range(len(bounds) - 1):
            if i:
                self.loose_run = 0   # a new row
            segment = text[bounds[i]:bounds[i + 1]]
            self.loose_run += (len(self.cell.findall(segment))
                               - len(self.any_ref.findall(segment)))
            self.loose_cols = max(self.loose_cols, self.loose_run)

    def rows(self) -> int:
        return self.max_row + self.loose_rows

    def columns(self) -> int:
        return self.max_col + self.loose_cols

    def grid(self) -> int:
        if self.rows() > MAX_ROWS or self.columns() > MAX_COLUMNS:
            return MAX_GRID_CELLS + 1
        return self.rows() * self.columns()


def main_prefix(head: bytes) -> bytes:
    """The prefix the part binds to the SpreadsheetML namespace (b"" when it is the default)."""
    for prefix, uri in _PREFIX.findall(head[:65536]):
        if uri in _MAIN_NS:
            return prefix
    return b""


def main_is_default(head: bytes) -> bool:
    """The part declares SpreadsheetML its default namespace (its tags unprefixed) and binds
    no prefix to it."""
    return main_prefix(head) == b"" and any(b'xmlns="' + ns + b'"' in head[:65536]
                                            for ns in _MAIN_NS)


Uncached = dict[str, tuple[tuple[str, int], ...]]   # sheet name → (column letters, row)


def check_package(path: Path, name: str,
                  keep: Callable[[zipfile.ZipFile], tuple[str, KeptPart] | None] | None = None
                  ) -> Uncached:
    """Raise ``InputError`` for a package too large to open safely; ``name`` as shown. Returns
    the formula cells without a saved value of each sheet (``xlsx_formulas``), found on the way.
    ``keep``: given the open package, names a part whose inflated bytes (and what the scan saw
    in them) go to the ``KeptPart`` it gives (``sheet_halves``: the student sheet, not
    inflated a second time)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return {}   # not a zip: calamine decides (and refuses garbage with its own error)
    with zf:
        infos = zf.infolist()
        declared = sum(i.file_size for i in infos)
        if declared > MAX_XML_BYTES:
            raise _too_large(name, f"{declared / 2**20:,.0f} MB")
        kept_part, kept = (keep(zf) if keep is not None else None) or ("", None)
        found = {}
        for info in infos:
            if not info.is_dir():
                cells = _scan(zf, info, name, kept if info.filename == kept_part else None)
                if cells:
                    found[info.filename] = cells
        if not found:
            return {}
        sheets = sheet_names_by_part(zf)
        return {sheets[part]: cells for part, cells in found.items() if part in sheets}


def _scan(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
          kept: KeptPart | None = None) -> tuple[tuple[str, int], ...]:
    last_row = sheet_row_limit() if is_sheet_part(info.filename) else None
    extent: _Extent | None = None
    formulas: FormulaScan | None = None
    tail, markup = b"", False
    try:
        with zf.open(info) as part:
            while chunk := part.read(_CHUNK):
                if kept is not None:
                    kept.chunks.append(chunk)
                if extent is None:
                    prefix = main_prefix(chunk)
                    formulas = FormulaScan(prefix) if is_sheet_part(info.filename) else None
                    extent = _Extent(prefix, formulas.markers if formulas else ())
                    markup = chunk.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
                text = tail + chunk
                cut = text.rfind(b"<")   # an element cut by the chunk waits for the next one
                if len(text) - cut > _LONGEST_RUN or cut < 0:
                    if markup:
                        raise _too_long(name, info.filename)
                    cut = len(text)      # not XML (an image…): nothing to carry over
                _feed(text[:cut], extent, formulas, kept)
                tail = text[cut:]
                if extent.grid() > MAX_GRID_CELLS:
                    raise _too_wide(name, info.filename, extent)
                if last_row is not None and extent.rows() > last_row:   # stop here
                    raise too_many_rows(name, info.filename, extent.rows())
            if extent is not None and tail:
                _feed(tail, extent, formulas, kept)
    except (InputError, LimitError):
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError) as exc:   # CRC mismatch, bad deflate stream, encryption…
        raise input_error(
            "INPUT_UNREADABLE",
            f"فایل اکسل خوانده نشد؛ بخش «{info.filename}» آن خراب است ({exc})",
            f"cannot read the workbook: its part '{info.filename}' is damaged ({exc})",
            file=name) from None
    if extent is not None and extent.grid() > MAX_GRID_CELLS:
        raise _too_wide(name, info.filename, extent)
    if extent is not None and last_row is not None and extent.rows() > last_row:
        raise too_many_rows(name, info.filename, extent.rows())
    return formulas.cells() if formulas is not None else ()


def _feed(piece: bytes, extent: _Extent, formulas: FormulaScan | None,
          kept: KeptPart | None) -> None:
    """The next piece of a part scanned: its extent, formula tags and, for a kept part, the
    marks of markup a tag could hide in; each searched for once, by the compiled scan."""
    marks = extent.feed(piece)
    if formulas is not None:
        formulas.feed(piece, None if marks is None else marks[0] > 0)
    if kept is not None:
        kept.scanned(piece, *(marks[1:] if marks is not None else (None, None)))


def _too_long(name: str, part: str) -> InputError:
    return input_error(
        "INPUT_TOO_LARGE",
        f"بخش «{part}» فایل اکسل متنی بیش از یک مگابایت بی‌وقفه دارد (هر خانه اکسل حداکثر "
        "۳۲٬۷۶۷ نویسه است)؛ فایل معتبر نیست",
        f"the workbook's part '{part}' holds a run of over 1 MB without markup (an Excel cell "
        "holds at most 32,767 characters); not a valid workbook", file=name)


def _too_large(name: str, size: str) -> InputError:
    return input_error(
        "INPUT_TOO_LARGE",
        f"فایل اکسل پس از بازشدن {size} است (بیش از {MAX_XML_BYTES // 2**20} مگابایت)؛ "
        "آن را کوچک‌تر کنید یا چند فایل کنید",
        f"the workbook inflates to {size} (over {MAX_XML_BYTES // 2**20} MB); make it smaller "
        "or split it", file=name)


def _too_wide(name: str, part: str, extent: _Extent) -> InputError:
    rows, cols = extent.rows(), extent.columns()
    return input_error(
        "INPUT_TOO_LARGE",
        f"برگه‌ای از فایل ({part}) تا ردیف {rows:,} و ستون {cols:,} خانه دارد "
        f"(بیش از {MAX_GRID_CELLS:,} خانه)؛ خانه‌های دور و خالی را پاک کنید",
        f"a sheet of the workbook ({part}) reaches row {rows:,} and column {cols:,} "
        f"(over {MAX_GRID_CELLS:,} cells); delete the far, stray cells", file=name)
