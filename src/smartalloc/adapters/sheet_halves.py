"""Parse a large student sheet on both cores: its package cut in two at a row boundary.

calamine parses a sheet on one core (2.4 s for a 100k-row report) and the run can do nothing
else meanwhile: everything after it needs the students. So the child that checks the package
(``read_ahead``) keeps the sheet's inflated XML from its scan and, once the check has passed,
cuts it at a ``<row`` tag past the middle of its rows. It writes half A (the sheet's head and
the rows before the cut, with every part calamine reads but the other worksheets) into a
memory file and answers; then it writes half B (the head and the rows from the cut), parses
it and sends its rows as a second answer, while the run parses A. The two are joined at the
cut's row number, which the rows carry in their ``r`` attribute, so every row keeps its place.

The cut is made only where it cannot change what calamine reads: the sheet's main namespace
unprefixed, the cut's row numbered, the sheet's name claimed by one part, and — checked by
the child after its first answer — no CDATA, comment, DOCTYPE or processing instruction
anywhere (where a ``<row`` could be text). If the halves do not join as one
grid or anything fails, the sheet is parsed whole as before: the split is a way of reading,
never an answer of its own (the runs' workbooks are byte-identical with and without it,
tests/integration/test_sheet_halves.py).
"""

from __future__ import annotations

import marshal
import os
import pickle
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from smartalloc.adapters.parallel import parallel_enabled
from smartalloc.adapters.read_ahead import Ahead, start_ahead
from smartalloc.adapters.xlsx_formulas import is_sheet_part, sheet_names_by_part
from smartalloc.adapters.xlsx_guard import Uncached, check_package, main_is_default
from smartalloc.adapters.xlsx_kept import KeptPart
from smartalloc.domain.gc_pause import gc_paused
from smartalloc.domain.normalize import name_key

MIN_SHEET_BYTES = 8 << 20    # ~5k rows: below it a second parse saves less than it costs
FIRST_SHARE = 0.56           # of the rows, to half A (the run's own parse): B also pays its
                             # package, its rows dumped and sent (balanced at 100k, measured)
_ROW_NUMBER = re.compile(rb'<row\s[^>]*?\br="([0-9]+)"')

Cells = tuple[list[list], tuple[int, int] | None, tuple[int, int] | None]   # rows, start, end


def find_sheet(sheet_names: Sequence[str], *names: str) -> str | None:
    """The first of ``names`` present (exact name, then ZWNJ/space/letter-insensitive)."""
    for name in names:
        if name in sheet_names:
            return name
    keys = {name_key(s): s for s in reversed(sheet_names)}
    return next((keys[name_key(n)] for n in names if name_key(n) in keys), None)


@dataclass(frozen=True)
class Cut:
    sheet: str        # the sheet's name in the workbook
    row: int          # 1-based row number of half B's first row tag


@dataclass(frozen=True)
class Checked:
    """The package check's answer (``check_package``) and the cut, if the sheet was cut."""

    uncached: Uncached
    cut: Cut | None = None


@dataclass
class _Second:
    """What the checking child keeps for half B, after it has answered with half A."""

    part: str = ""
    pieces: tuple[memoryview, ...] = ()
    xml: bytes = b""
    hidden: bool | None = None   # markup a ``<row`` could be text in (``KeptPart.hidden``)


def check_and_cut(path: Path, name: str, sheet: str, fd: int,
                  second: _Second | None = None) -> Checked:
    """The package check, then (in the checking child) the sheet named like ``sheet`` cut:
    half A written to the memory file ``fd``, half B's pieces kept in ``second``."""
    chosen: list[tuple[str, str]] = []
    kept = KeptPart()

    def keep(zf: zipfile.ZipFile) -> tuple[str, KeptPart] | None:
        parts = sheet_names_by_part(zf)
        found = find_sheet(list(parts.values()), sheet)
        named = [p for p, n in parts.items() if n == found and p in zf.NameToInfo]
        if len(named) != 1 or zf.NameToInfo[named[0]].file_size < MIN_SHEET_BYTES:
            return None   # none, too small, or a name two parts claim (which would calamine read?)
        part = named[0]
        chosen.append((part, found))
        return part, kept

    uncached = check_package(path, name, keep)
    if not chosen:
        return Checked(uncached)
    part, found = chosen[0]
    xml = b"".join(kept.chunks)
    kept.chunks.clear()
    second = second if second is not None else _Second()
    second.hidden = kept.hidden
    row = _cut(path, part, xml, fd, second)
    return Checked(uncached, Cut(found, row) if row else None)


def _cut(path: Path, part: str, xml: bytes, fd: int, second: _Second) -> int:
    """Write half A of the sheet ``part`` and keep half B's pieces; the cut's row number, or
    0 (no cut)."""
    opened = xml.find(b"<sheetData>")
    closed = xml.rfind(b"</sheetData>")
    if opened < 0 or closed < opened or not main_is_default(xml[:1 << 16]):
        return 0
    rows_at = opened + len(b"<sheetData>")
    cut = xml.find(b"<row", rows_at + int((closed - rows_at) * FIRST_SHARE), closed)
    number = _ROW_NUMBER.match(xml, cut) if cut >= 0 else None
    if number is None:
        return 0
    view = memoryview(xml)
    with zipfile.ZipFile(path) as zf:
        _package(zf, part, fd, (view[:cut], view[closed:]))
    second.part, second.pieces, second.xml = part, (view[:rows_at], view[cut:]), xml
    return int(number.group(1))


def second_half(path: Path, checked: Checked, fd: int, second: _Second) -> bytes | None:
    """Half B parsed (in the checking child, once it has answered): its rows, dumped; None
    if the sheet holds CDATA, a comment, a DOCTYPE or a processing instruction past its XML
    declaration, where a ``<row`` may be text and the cut wrong: as the package check's
    compiled scan counted them, else searched now (0.28 s at 100k, on the chain the run
    waits for)."""
    if checked.cut is None or not second.pieces:
        return None   # not cut, or not in the process that cut it
    hidden = second.hidden
    if hidden is None:
        hidden = b"<!" in second.xml or second.xml.find(b"<?", 1) >= 0
    if hidden:
        return None   # CDATA, a comment, a DOCTYPE, a processing instruction
    with zipfile.ZipFile(path) as zf:
        _package(zf, second.part, fd, second.pieces)
    return _dumped(_tail(_path(fd), checked.cut.sheet))


def _package(zf: zipfile.ZipFile, part: str, fd: int, sheet: Sequence[memoryview]) -> None:
    """The package ``zf`` with ``part`` made of ``sheet`` and no other worksheet, stored."""
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)   # the copy shares this offset: a rewrite starts at 0 too
    with os.fdopen(os.dup(fd), "wb") as file, \
            zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as out:
        for info in zf.infolist():
            if info.filename == part:
                with out.open(info.filename, "w") as member:
                    for piece in sheet:
                        member.write(piece)
            elif not info.is_dir() and not is_sheet_part(info.filename):
                out.writestr(info.filename, zf.read(info))


class Halves:
    """The run's side of a cut sheet: half A parsed here while the checking child parses B,
    then the two joined."""

    def __init__(self, cut: Cut, fd: int, second: Callable[[], object]):
        self.cut, self._fd, self._second = cut, fd, second

    def cells(self, sheet: str) -> Cells | None:
        """The sheet's rows, start and end as calamine gives them for the whole sheet; None:
        not this sheet, or the halves did not join (the caller parses it whole)."""
        if sheet != self.cut.sheet:
            return None
        try:
            first = _parse(_path(self._fd), sheet)
            blob = self._second()
            if not isinstance(blob, bytes):
                return None   # the child found the sheet not safely cut
            return _join(first, _loaded(blob), self.cut.row - 1)
        except Exception:   # a half calamine refuses: the whole sheet says what is wrong
            return None


def _file_identity(path: Path) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _path(fd: int) -> str:
    return f"/proc/self/fd/{fd}"


def _parse(path: str, sheet: str) -> Cells:
    """Half A as calamine gives a whole sheet: rows from row 0, columns from the first."""
    with python_calamine.load_workbook(path) as book:
        found = book.get_sheet_by_name(sheet)
        return list(found.iter_rows()), found.start, found.end


def _tail(path: str, sheet: str) -> Cells:
    """Half B from its first row (not the ~half of blank rows before it), each row from
    column A: the joining run need not widen B's rows if its first column is blank."""
    with python_calamine.load_workbook(path) as book:
        found = book.get_sheet_by_name(sheet)
        rows, start = found.to_python(), found.start
        if start is not None and start[1]:
            before = [""] * start[1]
            rows = [[*before, *row] for row in rows]
        return rows, start, found.end


def _dumped(cells: Cells) -> bytes:
    try:
        return b"m" + marshal.dumps(cells)
    except ValueError:   # a date or time cell: pickle carries it
        return b"p" + pickle.dumps(cells, protocol=5)


def _loaded(blob: bytes) -> Cells:
    return marshal.loads(blob[1:]) if blob[:1] == b"m" else pickle.loads(blob[1:])


def _join(first: Cells, second: Cells, cut: int) -> Cells | None:
    """One grid of A's rows (``_parse``) before row ``cut`` (0-based) and B's (``_tail``), as
    calamine gives a whole sheet's: rows placed by the end row (the first row's index is
    end + 1 − rows), columns from the leftmost cell of either half to the rightmost."""
    rows_a, start_a, end_a = first
    rows_b, start_b, end_b = second
    if start_a is None or end_a is None or not rows_a:
        return None
    base_a = end_a[0] + 1 - len(rows_a)
    kept = rows_a[:max(cut - base_a, 0)]
    if any(row.count("") != len(row) for row in rows_a[len(kept):]):
        return None   # A holds cells at or past the cut: not a clean cut
    if start_b is None or end_b is None or not rows_b:
        return kept, start_a, (base_a + len(kept) - 1, end_a[1])
    gap = start_b[0] - (base_a + len(kept))
    if start_b[0] < cut or gap < 0:
        return None
    first_col, last_col = min(start_a[1], start_b[1]), max(end_a[1], end_b[1])
    width = last_col - first_col + 1
    rows = [*_fitted(kept, first_col - start_a[1], last_col - end_a[1]),
            *([""] * width for _ in range(gap)),
            *_fitted(rows_b, first_col, last_col - end_b[1])]
    return rows, (min(start_a[0], start_b[0]), first_col), (base_a + len(rows) - 1, last_col)


def _fitted(rows: list[list], left: int, right: int) -> list[list]:
    """Each row without its first ``left`` cells (a negative ``left``: with that many blank
    cells before it) and with ``right`` blank cells after it."""
    if not left and not right:
        return rows
    before, after = [""] * max(-left, 0), [""] * right
    skip = max(left, 0)
    return [[*before, *row[skip:], *after] for row in rows]


class StudentCheck:
    """The student report's package check started now in a child (``Ahead``), which also cuts
    the student sheet when it is large and there are two cores, answers, then parses half B;
    ``result`` is its ``Checked`` and ``halves`` the run's side of the cut."""

    def __init__(self, path: Path, sheet: str, *, worth: bool):
        name, self._fds = path.name, None
        self.path, self._file = path, _file_identity(path)
        if worth and parallel_enabled() and hasattr(os, "memfd_create"):
            self._fds = (os.memfd_create("half-a"), os.memfd_create("half-b"))
        fds, second = self._fds, _Second()

        def work() -> Checked:
            with gc_paused():   # bulk work, wherever the check was started
                if fds is None:
                    return Checked(check_package(path, name))
                return check_and_cut(path, name, sheet, fds[0], second)

        def then(checked: Checked) -> bytes | None:
            with gc_paused():
                return second_half(path, checked, fds[1], second)

        self._ahead: Ahead[Checked] = start_ahead(work, worth=worth, then=then if fds else None)

    def serves(self, path: Path) -> bool:
        """Whether this check is of ``path`` as the file is now (same file, same size and
        modification time): a check started before the run (``ExcelInputReader.start``) is
        taken over only then."""
        return Path(path) == self.path and _file_identity(path) == self._file

    def result(self) -> Checked:
        return self._ahead.result()

    def halves(self, checked: Checked) -> Halves | None:
        if checked.cut is None or self._fds is None:
            return None
        return Halves(checked.cut, self._fds[0], self._ahead.later)

    def close(self) -> None:
        """Reap the child if it was never asked, and free the memory files."""
        self._ahead.cancel()
        fds, self._fds = self._fds, None
        for fd in fds or ():
            os.close(fd)
