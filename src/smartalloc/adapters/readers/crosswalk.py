"""Crosswalk workbook → ``Crosswalk`` (FR-3, spec C.5): group names ↔ codes, plus synonyms.

The group sheet is mandatory and must hold rows; the `Synonyms` sheet is optional.
"""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.excel_reader import Workbook, resolve_columns
from smartalloc.adapters.readers._cells import int_cell, raise_problems, require_rows, text_getter
from smartalloc.domain.contracts import CROSSWALK_GROUP_SHEET, CROSSWALK_SYNONYM_SHEET
from smartalloc.domain.contracts import CrosswalkCol as C
from smartalloc.domain.errors import input_error
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import Crosswalk, GroupName

GROUP_REQUIRED = (C.GROUP_NAME, C.GROUP_CODE)
SYNONYM_REQUIRED = (C.SYN_FROM, C.SYN_TO)


def read_crosswalk(path: Path, policy: Policy) -> Crosswalk:
    path = Path(path)
    with Workbook(path) as wb:
        group_sheet = wb.find_sheet(CROSSWALK_GROUP_SHEET)
        if group_sheet is None:
            shown = "، ".join(wb.sheet_names)
            raise input_error(
                "INPUT_MISSING_SHEET",
                f"برگه «{CROSSWALK_GROUP_SHEET}» در فایل نیست؛ برگه‌های موجود: {shown}",
                f"sheet '{CROSSWALK_GROUP_SHEET}' is missing; sheets present: "
                f"{', '.join(wb.sheet_names)}", file=path.name, sheet=CROSSWALK_GROUP_SHEET)
        groups = wb.table(group_sheet, expect=GROUP_REQUIRED)
        syn_sheet = wb.find_sheet(CROSSWALK_SYNONYM_SHEET)
        synonyms = wb.table(syn_sheet, expect=SYNONYM_REQUIRED) if syn_sheet else None
    require_rows(groups)
    cols = resolve_columns(groups, (*GROUP_REQUIRED, C.STAGE), required=GROUP_REQUIRED,
                           aliases=policy.column_aliases)
    text = text_getter(cols)
    problems: list = []
    names = []
    for row_no, row in groups.iter_rows():
        if not text(row, C.GROUP_CODE) and not text(row, C.GROUP_NAME):
            continue
        code = int_cell(groups, cols, row, row_no, C.GROUP_CODE, problems, required=True)
        if code is not None:
            names.append(GroupName(code, text(row, C.GROUP_NAME), text(row, C.STAGE)))
    raise_problems(problems)
    pairs: list[tuple[str, str]] = []
    if synonyms is not None and synonyms.header:
        syn_cols = resolve_columns(synonyms, SYNONYM_REQUIRED, required=SYNONYM_REQUIRED)
        get = text_getter(syn_cols)
        pairs = [(a, b) for _, row in synonyms.iter_rows()
                 if (a := get(row, C.SYN_FROM)) and (b := get(row, C.SYN_TO))]
    return Crosswalk(tuple(names), tuple(pairs))
