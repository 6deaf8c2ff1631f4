"""Review never issues a code the agency already gave out (issue K), on the real database: a
code of the year known only from the roster file, above every code SmartAlloc issued, is
skipped when review assigns a student that never held a code — the code issued is the next
one above it, and the counter moves past it."""

from __future__ import annotations

import shutil

from python_calamine import CalamineWorkbook
from sqlalchemy import select

from smartalloc.adapters.db.schema import Allocation, Counter, Student
from smartalloc.adapters.xlsx_stream import write_xlsx
from smartalloc.bootstrap import bootstrap
from smartalloc.domain.contracts import RosterCol
from tests.integration.test_review_store import _act, _run
from tests.unit.factories import valid_national_id


def test_an_assign_skips_codes_known_only_from_the_roster(small_agency, tmp_path, sqlite_url):
    agency = tmp_path / "agency"
    shutil.copytree(small_agency.out_dir, agency)
    _run(agency, tmp_path / "out", sqlite_url)
    system = bootstrap(sqlite_url)
    with system.engine.connect() as conn:
        allocated = dict(conn.execute(select(Allocation.c.national_id, Allocation.c.code)).all())
        heads = dict(conn.execute(select(Counter.c.mid, Counter.c.last_sequence)).all())
        students = conn.execute(select(Student.c.national_id, Student.c.gender, Student.c.group_code,
                                       Student.c.center, Student.c.finance)).all()
    waiting, gender = next((n, g) for n, g, *keys in sorted(students)
                           if n not in allocated and None not in (g, *keys))
    prefix = next(c[:5] for n, c in allocated.items()
                  if dict((s[0], s[1]) for s in students)[n] == gender)
    far = int(heads[prefix[2:]]) + 40                         # above every code issued
    roster = agency / "roster.xlsx"
    book = CalamineWorkbook.from_path(str(roster))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    write_xlsx(roster, [(book.sheet_names[0], (RosterCol.CODE, RosterCol.NATIONAL_ID),
                         [*[tuple(str(c) for c in r) for r in rows[1:]],
                          (f"{prefix}{far:04d}", valid_national_id(9999))])])

    released = next(n for n in sorted(allocated))
    seat = _act(system, agency, released, "release").from_mentor     # one seat free
    change = _act(system, agency, waiting, "assign", seat, exception=True, admin=True,
                  by="admin")
    assert change.code == f"{prefix}{far + 1:04d}"
    with system.engine.connect() as conn:
        assert conn.execute(select(Counter.c.last_sequence)
                            .where(Counter.c.mid == prefix[2:])).scalar() == far + 1
