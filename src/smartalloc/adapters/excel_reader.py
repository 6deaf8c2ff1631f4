"""Generic Excel access for the readers: open, pick a sheet, resolve headers, number rows.

Every failure is an ``InputError`` naming file, sheet, row and column in Persian and English,
never a calamine traceback: the operator must be able to fix the workbook from the message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from smartalloc.adapters.sheet_halves import Halves, StudentCheck, find_sheet
from smartalloc.adapters.xlsx_guard import check_package, column_number
from smartalloc.domain.errors import (
    InputError,
    LimitError,
    Location,
    Problem,
    capped,
    input_error,
)
from smartalloc.domain.normalize import clean_text, name_key

_HEADER_SCAN = 10  # a title row above the header is tolerated within the first rows


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 27 → AB)."""
    letters, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _check_file(path: Path) -> None:
    if not path.exists():
        raise input_error("INPUT_FILE_MISSING", "فایل ورودی پیدا نشد", "input file not found",
                          file=str(path))
    if not path.is_file():
        raise input_error("INPUT_NOT_A_FILE", "مسیر داده‌شده یک فایل نیست",
                          "the given path is not a file", file=str(path))


def file_sha256(path: Path) -> str:
    """SHA-256 of the file bytes (recorded in meta and history to recognise a re-run)."""
    _check_file(path := Path(path))
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _unreadable(path: Path, exc: BaseException, sheet: str = "") -> InputError:
    detail = str(exc).strip()[:200] or type(exc).__name__
    return input_error(
        "INPUT_UNREADABLE",
        f"فایل اکسل خوانده نشد؛ فایل xlsx معتبر نیست یا خراب است ({detail})",
        f"cannot read the workbook: not a valid Excel file or damaged ({detail})",
        file=path.name, sheet=sheet)


def _guard(exc: BaseException) -> None:
    """Interpreter exits pass; anything else (calamine panics too) is the file's fault."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
        raise exc


@dataclass
class Table:
    """One sheet as raw cells: the header row and the data rows below it, with Excel numbers."""

    file: str
    sheet: str
    header: tuple[str, ...]
    header_row: int          # 1-based Excel row of the header (0 when the sheet is empty)
    col_offset: int          # 0-based Excel column of header[0]
    rows: list[list] = field(default_factory=list)

    def letter(self, j: int) -> str:
        return column_letter(self.col_offset + j)

    def iter_rows(self) -> Iterator[tuple[int, list]]:
        """(Excel row, cells) for every row that has at least one non-empty cell."""
        first = self.header_row + 1
        for i, row in enumerate(self.rows):
            if row.count("") != len(row):
                yield first + i, row

    def where(self, row: int | None = None, column: str = "") -> dict:
        return {"file": self.file, "sheet": self.sheet, "row": row, "column": column}


class Workbook:
    """An open workbook. Use as a context manager so the file handle is released."""

    def __init__(self, path: Path, checked: StudentCheck | None = None):
        """``checked``: the package check, when it was started earlier (in a child, beside
        the other reports; it may have cut the student sheet in two, ``sheet_halves``); by
        default the check runs here."""
        self.path, self.name = Path(path), Path(path).name
        self._halves: Halves | None = None
        _check_file(self.path)
        try:
            # before calamine: bombs abort a process; formulas without a value read as empty
            if checked is not None:
                answer = checked.result()
                self.uncached, self._halves = answer.uncached, checked.halves(answer)
            else:
                self.uncached = check_package(self.path, self.name)
            self._wb = python_calamine.load_workbook(str(self.path))
            self.sheet_names: tuple[str, ...] = tuple(self._wb.sheet_names)
        except (InputError, LimitError):
            raise
        except BaseException as exc:
            _guard(exc)
            raise _unreadable(self.path, exc) from None
        if not self.sheet_names:
            raise input_error("INPUT_EMPTY_WORKBOOK", "فایل اکسل هیچ برگه‌ای ندارد",
                              "the workbook has no sheet", file=self.name)

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self._wb.close()

    def find_sheet(self, *names: str) -> str | None:
        """The first of ``names`` present (exact name, then ZWNJ/space/letter-insensitive)."""
        return find_sheet(self.sheet_names, *names)

    def table(self, sheet: str, expect: Sequence[str] = ()) -> Table:
        """Load ``sheet``; the header is the first non-empty row (or, within the first rows,
        the first one holding any of the ``expect`` headers)."""
        try:
            cells = self._halves.cells(sheet) if self._halves is not None else None
            if cells is None:
                calamine_sheet = self._wb.get_sheet_by_name(sheet)
                cells = list(calamine_sheet.iter_rows()), calamine_sheet.start, calamine_sheet.end
            rows, start, end = cells
        except BaseException as exc:
            _guard(exc)
            raise _unreadable(self.path, exc, sheet) from None
        if start is None or end is None:
            return Table(self.name, sheet, (), 0, 0)
        row_base = end[0] + 1 - len(rows)  # 0-based Excel row of rows[0], whatever calamine does
        filled = [i for i, r in enumerate(rows[:200]) if r.count("") != len(r)][:_HEADER_SCAN]
        if not filled:
            return Table(self.name, sheet, (), 0, start[1])
        keys = {name_key(e) for e in expect}
        at = next((i for i in filled if keys & {name_key(str(c).split("|")[0]) for c in rows[i]}),
                  filled[0])
        header = tuple(c if isinstance(c, str) else clean_text(c) for c in rows[at])
        table = Table(self.name, sheet, header, row_base + at + 1, start[1], rows[at + 1:])
        _refuse_uncached(table, self.uncached.get(sheet, ()))
        return table


def _refuse_uncached(table: Table, cells: Sequence[tuple[str, int]]) -> None:
    """A formula cell of the table with no saved value would be read as empty: refuse it."""
    problems = []
    for letters, row in cells:
        j = column_number(letters.encode()) - 1 - table.col_offset
        if row <= table.header_row or not 0 <= j < len(table.header):
            continue
        problems.append(Problem(
            "INPUT_FORMULA_WITHOUT_VALUE",
            "این خانه فرمول است اما مقدار ذخیره‌شده ندارد و خالی خوانده می‌شود؛ فایل را در اکسل "
            "باز و ذخیره کنید یا به‌جای فرمول مقدار بگذارید",
            "this cell is a formula without a saved value and would be read as empty; open and "
            "save the file in a spreadsheet program, or paste values instead of the formula",
            Location(table.file, table.sheet, row, f"{table.header[j]} ({letters})")))
    if problems:
        raise InputError(capped(problems))


@dataclass
class Columns:
    """Canonical column → 0-based position in a row (``multi`` columns: every position)."""

    index: dict[str, int]
    multi: dict[str, tuple[int, ...]]
    aliases_used: dict[str, str]
    unmatched: tuple[str, ...]

    def get(self, row: list, column: str) -> object:
        j = self.index.get(column)
        return "" if j is None or j >= len(row) else row[j]


Required = str | tuple[str, ...]  # a tuple means "any one of these"


def resolve_columns(table: Table, wanted: Sequence[str], *, required: Sequence[Required] = (),
                    aliases: Mapping[str, Sequence[str]] | None = None,
                    multi: Sequence[str] = (),
                    forbidden: Mapping[str, Sequence[str]] | None = None) -> Columns:
    """Match ``wanted`` canonical headers: exact, then by ``name_key`` (a bilingual "fa | en"
    header matches on its fa part), then through ``aliases`` only when the canonical column is
    absent. Missing required columns and duplicated required columns raise one InputError."""
    head = table.header
    fa = [h.split("|")[0].strip() for h in head]
    hkeys = [{name_key(h), name_key(f)} - {""} for h, f in zip(head, fa, strict=True)]
    alias_map = {name_key(k): list(v) for k, v in (aliases or {}).items()}
    banned = {name_key(k): {name_key(b) for b in v} for k, v in (forbidden or {}).items()}
    owner: dict[int, str] = {}
    found: dict[str, list[int]] = {c: [] for c in wanted}

    def claim(c: str, test: Callable[[int], bool], shared: bool = False) -> None:
        for j in range(len(head)):
            if (shared or j not in owner) and test(j) and not (hkeys[j] & banned.get(
                    name_key(c), set())):
                found[c].append(j)
                owner.setdefault(j, c)
                if c not in multi:
                    return

    for c in wanted:
        claim(c, lambda j, c=c: c in (head[j], fa[j]))
    for c in wanted:
        if not found[c] or c in multi:
            key = name_key(c)
            claim(c, lambda j, k=key: k in hkeys[j])
    used: dict[str, str] = {}
    for c in wanted:
        for alias in alias_map.get(name_key(c), ()) if not found[c] else ():
            claim(c, lambda j, a=alias: a in (head[j], fa[j]) or name_key(a) in hkeys[j], True)
            if found[c]:
                used[c] = head[found[c][0]]
                break
    problems = _duplicates(table, hkeys, found, owner, required, used, alias_map, multi)
    problems += _missing(table, found, required, alias_map)
    if problems:
        raise InputError(problems)
    return Columns({c: js[0] for c, js in found.items() if js},
                   {c: tuple(sorted(found[c])) for c in multi},
                   used, tuple(h for j, h in enumerate(head) if j not in owner and h))


def _names(req: Required) -> tuple[str, ...]:
    return (req,) if isinstance(req, str) else req


def _duplicates(table: Table, hkeys: list[set[str]], found: dict[str, list[int]],
                owner: dict[int, str], required: Sequence[Required], used: dict[str, str],
                alias_map: dict, multi: Sequence[str]) -> list[Problem]:
    """A required column matched by a second, unused header is ambiguous: refuse to guess."""
    head = table.header
    problems = []
    for c in (c for req in required for c in _names(req) if c not in multi and found.get(c)):
        first = found[c][0]
        keys = {name_key(c)}
        if c in used:
            keys |= {name_key(a) for a in alias_map.get(name_key(c), ())}
        j = next((j for j in range(len(head)) if j not in owner and hkeys[j] & keys), None)
        if j is None:
            continue
        a, b, h = table.letter(first), table.letter(j), head[j]
        problems.append(Problem(
            "INPUT_DUPLICATE_COLUMN",
            f"ستون «{c}» دو بار آمده است: ستون {a} («{head[first]}») و ستون {b} («{h}»)؛ "
            "فقط یکی را نگه دارید",
            f"column '{c}' appears twice: column {a} ('{head[first]}') and column {b} "
            f"('{h}'); keep only one",
            Location(table.file, table.sheet, table.header_row, c)))
    return problems


def _missing(table: Table, found: dict[str, list[int]], required: Sequence[Required],
             alias_map: dict) -> list[Problem]:
    problems = []
    for req in required:
        names = _names(req)
        if any(found.get(c) for c in names):
            continue
        accepted = [a for c in names for a in (c, *alias_map.get(name_key(c), ()))]
        shown = " / ".join(names)
        problems.append(Problem(
            "INPUT_MISSING_COLUMN",
            f"ستون الزامی «{shown}» پیدا نشد؛ نام‌های پذیرفته: {'، '.join(accepted)}",
            f"required column '{shown}' is missing; accepted headers: {', '.join(accepted)}",
            Location(table.file, table.sheet, table.header_row or 1, shown)))
    return problems
