"""Cells of student-report rows → ``StudentRecord``s: the one set of rules for every way a
student arrives (the batch's workbook, a live Gravity Forms entry, issue L).

Moved here unchanged from the student reader, which is column-wise for 100k rows × 59
columns: ``clean_text`` and ``parse_int`` run once per distinct value of a column (the same few
values repeat in most columns) and rows are re-assembled by ``zip``. A live entry is a batch of
one row through the same code, so it gets the same cleaning, the same key problems and the
same national id as it would in the weekly workbook — no second implementation to drift.
Bad student cells are per-row ``key_problems``, never exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence

from smartalloc.domain.contracts import STUDENT_COLUMNS
from smartalloc.domain.contracts import StudentCol as C
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.normalize import clean_text, parse_int
from smartalloc.domain.records import STUDENT_INDEX, StudentRecord

# StudentRecord field order: group, gender, status, center, finance, school.
KEY_COLUMNS = (C.GROUP, C.GENDER, C.EDU_STATUS, C.CENTER, C.FINANCE, C.SCHOOL)
# In ASCII text ``clean_text`` only changes whitespace runs/edges and "12.0" numbers. Values
# are joined with \x01 (a value boundary); "." is refused wholesale, to stay on the safe side.
_ASCII_DIRTY = ("\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "  ", "\x01 ",
                " \x01", ".")


def build_records(rows: Sequence[Sequence], positions: Sequence[int],
                  numbers: Sequence[int]) -> tuple[StudentRecord, ...]:
    """One record per row (none blank). ``positions``: the row position of every
    ``STUDENT_COLUMNS`` entry, -1 where the input lacks it (a column of ""); ``numbers``: each
    row's number as the operator sees it (the Excel row; 1 for a live entry)."""
    raw_columns = list(zip(*rows, strict=True))
    blank = ("",) * len(rows)
    cleaned: dict[int, tuple[str, ...]] = {-1: blank}
    for pos in positions:
        if pos not in cleaned:
            cleaned[pos] = clean_column(raw_columns[pos])
    columns = [cleaned[pos] for pos in positions]
    problems: dict[int, list[tuple[str, str]]] = {}
    keys = [_key_column(name, columns[STUDENT_INDEX[name]], problems) for name in KEY_COLUMNS]
    nid, nid_2 = columns[STUDENT_INDEX[C.NATIONAL_ID]], columns[STUDENT_INDEX[C.NATIONAL_ID_2]]
    # the second national id column only where the first is empty (mostly nowhere: one scan)
    raws = nid if "" not in nid else [a or b for a, b in zip(nid, nid_2, strict=True)]
    nids = [r if len(r) == 10 and r.isascii() and r.isdigit() else normalize_national_id(r)
            for r in raws]
    # codes as written: the counters judge each and list the unusable ones by row (D15)
    prior_cols = [c for name, c in zip(STUDENT_COLUMNS, columns, strict=True)
                  if name in (C.PRIOR_CODE, C.PRIOR_CODE0) and c is not blank]
    priors = list(map(_prior, zip(*prior_cols, strict=True))) if prior_cols else [()] * len(rows)
    issues: list[tuple] = [()] * len(rows)
    for i, found in problems.items():
        issues[i] = tuple(found)
    return tuple(map(StudentRecord, numbers, range(len(rows)), nids, raws, *keys,
                     zip(*columns, strict=True), priors, issues))


def clean_column(column: tuple) -> tuple[str, ...]:
    """``clean_text`` of every cell, computed once per distinct value of the column.

    Columns of plain ASCII text without stray whitespace or "12.0" numbers (ids, phones,
    codes, dates, empty columns) are already clean: one join and a few C-level scans prove it.
    """
    joined = _ascii_joined(column)
    if (joined is not None and joined.isascii() and not joined.startswith(" ")
            and not joined.endswith(" ") and not any(m in joined for m in _ASCII_DIRTY)):
        return column
    try:
        mapping = {v: v if v.__class__ is str and v.isascii() and v.isdigit() else clean_text(v)
                   for v in set(column)}
    except TypeError:  # an unhashable cell value: clean cell by cell
        return tuple(map(clean_text, column))
    return tuple(map(mapping.__getitem__, column))


def _ascii_joined(column: tuple) -> str | None:
    """The column joined by \x01 when it may be plain ASCII text, else None."""
    first = next(filter(None, column), "")
    if first.__class__ is not str or not first.isascii():  # Persian text or numbers
        return None
    try:
        return "\x01".join(column)
    except TypeError:  # numbers or dates further down
        return None


def _key_column(name: str, column: tuple[str, ...],
                problems: dict[int, list[tuple[str, str]]]) -> list[int | None]:
    """A key as int per row; empty school → 0; anything else unreadable → ``problems``."""
    parsed = {t: parse_int(t) for t in set(column)}
    if name == C.SCHOOL and "" in parsed:
        parsed[""] = 0
    values = list(map(parsed.__getitem__, column))
    if None in parsed.values():
        for i, value in enumerate(values):
            if value is None:
                problems.setdefault(i, []).append((name, column[i]))
    return values


def _prior(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Non-empty codes of one row, deduplicated in order."""
    return tuple(dict.fromkeys(filter(None, codes)))
