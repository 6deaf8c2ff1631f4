"""Write the ImportToSabt workbook (D9, FR-45, FR-49): Sheet2, Summary and Errors.

Sheet2 is the contract Sabt imports, so its cells are written exactly as the domain built them:
every value a text cell (national ids keep their leading zero, the 16-digit tracking code never
turns into a float), right-to-left like every Kanoon sheet. Its 46 headers are Sabt's and stay
as they are; like every output sheet its columns are fitted to their content and filtered.
"""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.xlsx_writer import Cell, Sheet, write_workbook
from smartalloc.domain.contracts import SABT_COLUMNS, SABT_SHEET
from smartalloc.domain.policy import Policy
from smartalloc.domain.sabt import (
    ERROR_COLUMNS,
    ERRORS_SHEET,
    SUMMARY_COLUMNS,
    SUMMARY_SHEET,
    SabtExport,
)


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def sabt_sheets(export: SabtExport, rtl: bool) -> list[Sheet]:
    """Sheet2, Summary and Errors of ``export`` (also the first sheets of a review's delta)."""
    summary = [(label, _cell(value)) for label, value in export.summary]
    errors = [(e.row or "", e.national_id, e.column, e.message_fa, e.message_en)
              for e in export.errors]
    return [
        Sheet(SABT_SHEET, SABT_COLUMNS, export.rows, rtl),
        Sheet(SUMMARY_SHEET, SUMMARY_COLUMNS, summary, rtl),
        Sheet(ERRORS_SHEET, ERROR_COLUMNS, errors, rtl),
    ]


def write_sabt_workbook(path: Path, export: SabtExport, policy: Policy) -> None:
    """Atomically write the three sheets to ``path``."""
    write_workbook(path, sabt_sheets(export, policy.excel.right_to_left),
                   font_name=policy.excel.font_name, font_size=policy.excel.font_size)
