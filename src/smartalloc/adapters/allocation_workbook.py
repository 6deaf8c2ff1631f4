"""allocation.xlsx: the run's allocation tables, capacity plan and meta, one sheet each.

The big sheets (one row per student) are known once the batch is decided; the capacity plan
and meta come after QA. So on two cores the workbook starts in a child with its first sheets
and waits, at the last ones, for ``later`` (``sheet_feed``), as the matrix workbook does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from smartalloc.adapters.xlsx_writer import Sheet, write_sheets
from smartalloc.domain.policy import Policy
from smartalloc.domain.tables import Table


def _sheets(tables: Iterable[Table], policy: Policy) -> Iterable[Sheet]:
    return (Sheet(t.name, t.columns, t.rows, policy.excel.right_to_left) for t in tables)


def write_allocation_workbook(path: Path, tables: Sequence[Table], policy: Policy) -> None:
    """Every table, one sheet each, atomically (``xlsx_writer``: fitted, filtered)."""
    write_allocation_workbook_then(path, tables, [t.name for t in tables], policy, lambda: ())


def write_allocation_workbook_then(path: Path, first: Sequence[Table], names: Sequence[str],
                                   policy: Policy, later: Callable[[], Sequence[Table]]) -> None:
    """The same workbook, its sheets named ``names``: ``first`` written now, then the rest
    once ``later`` gives them."""
    def sheets() -> Iterator[Sheet]:
        yield from _sheets(first, policy)
        yield from _sheets(later(), policy)

    write_sheets(Path(path), names, sheets(), right_to_left=policy.excel.right_to_left,
                 font_name=policy.excel.font_name, font_size=policy.excel.font_size)
