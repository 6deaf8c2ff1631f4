"""The early-year Inspactor variant (C.4 last bullet, the 05_24 shape): ~60 rows, the same ids,
covered counts about 25 lower, and one row in three naming a different person in the same slot.

It is derived from an already generated agency, and written to ``early/`` so an agency-folder
run still picks the 08_27 report.
"""

from __future__ import annotations

import random
from pathlib import Path

from python_calamine import CalamineWorkbook

from smartalloc.adapters.xlsx_stream import write_xlsx
from smartalloc.domain.contracts import INSPACTOR_COLUMNS, InspactorCol
from smartalloc.synthetic import names
from smartalloc.synthetic.agency import AGENCY, GeneratedAgency

EARLY_ROWS = 62


def _cell(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None if v == "" else v


def generate_early_variant(agency: GeneratedAgency, *, seed: int | None = None,
                           year: int = 1404) -> Path:
    """Write `early/InspactorReport-<year>_05_24-3570.xlsx` from ``agency``'s Inspactor report."""
    rng = random.Random(agency.seed if seed is None else seed)
    sheet = f"InspactorList{AGENCY}"
    rows = CalamineWorkbook.from_path(str(agency.inspactor)).get_sheet_by_name(sheet).to_python()
    col = {c: i for i, c in enumerate(rows[0])}
    body = [[_cell(v) for v in r] for r in rows[1:] if r[col[InspactorCol.MENTOR_ID]] != ""]
    body = sorted(body, key=lambda r: r[col[InspactorCol.MENTOR_ID]])[:EARLY_ROWS]
    for r in body:
        r[col[InspactorCol.COVERED]] = max(0, r[col[InspactorCol.COVERED]] - rng.randint(15, 35))
        name = r[col[InspactorCol.NAME]]
        if rng.random() < 1 / 3 and "در انتظار" not in name:
            r[col[InspactorCol.NAME]] = names.full_name(rng, int(r[col["جنسیت"]] == "پسر"))
        r[col[InspactorCol.INACTIVE]] = "خیر"
    path = agency.out_dir / "early" / f"InspactorReport-{year}_05_24-{AGENCY}.xlsx"
    write_xlsx(path, [(sheet, INSPACTOR_COLUMNS, body)])
    return path
