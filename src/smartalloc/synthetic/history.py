"""History seed (C.7): earlier allocations for 5 % of the batch's ids, plus one malformed id.

C.7 suggests ~20 %; every id in history is reported DUPLICATE by a run (policy
``skip_previously_allocated``), so 5 % keeps the demo allocating most of the batch while the
`allocated_before` / code-reuse paths are still exercised at every scale.
"""

from __future__ import annotations

import random

from smartalloc.synthetic.counters import HISTORY_SHARE, CodeBook
from smartalloc.synthetic.identities import Identities
from smartalloc.synthetic.mentors import Mentor
from smartalloc.synthetic.student_keys import StudentKeys

HISTORY_COLUMNS = (
    "national_id", "mentor_id", "registration_code", "کدرشته", "جنسیت", "دانش آموز فارغ",
    "مرکز گلستان صدرا", "مالی حکمت بنیاد", "کد مدرسه", "allocation_channel", "allocated_at",
    "run_id",
)


def history_rows(rng: random.Random, keys: StudentKeys, ident: Identities, mentors: list[Mentor],
                 bound_codes: set[int], book: CodeBook, year: int) -> tuple[list[list], list[int]]:
    """Rows for sheet `history` and the batch rows whose id they cover."""
    n = len(keys.group)
    blocked = {i for rows in keys.injected.values() for i in rows} | set(keys.dup_of)
    blocked |= {i for rows in ident.edges.values() for i in rows}
    pool = [i for i in range(n) if i not in blocked]
    chosen = sorted(rng.sample(pool, min(len(pool), max(1, round(HISTORY_SHARE * n)))))
    by_gender = {g: [str(m.mid) for m in mentors if m.mid is not None and m.gender == g]
                 for g in (0, 1)}
    yy = year - 1 - 1350
    rows = []
    for i in chosen:
        g, status, centre, school = keys.gender[i], keys.status[i], keys.centre[i], keys.school[i]
        prior = ident.prior[i]
        code = prior[1] if prior and prior[0] in (1, 2) else book.draw(
            f"{yy}{'357' if g == 1 else '373'}")
        channel = ("SCHOOL" if status == 1 and school in bound_codes else
                   {1: "GOLESTAN", 2: "SADRA"}.get(centre, "GENERIC"))
        rows.append([ident.true_nid[i], rng.choice(by_gender[g]), code, keys.group[i], g, status,
                     centre, keys.finance[i], school, channel, _stamp(rng, year - 1), "seed-history"])
    i = rng.choice(pool)
    rows.append(["12345ABC", rng.choice(by_gender[keys.gender[i]]),
                 book.draw(f"{yy}{'357' if keys.gender[i] == 1 else '373'}"), keys.group[i],
                 keys.gender[i], keys.status[i], keys.centre[i], keys.finance[i], keys.school[i],
                 "GENERIC", _stamp(rng, year - 1), "seed-history"])
    return rows, chosen


def _stamp(rng: random.Random, year: int) -> str:
    return (f"{year}-{rng.randint(7, 9):02d}-{rng.randint(1, 30):02d} "
            f"{rng.randint(8, 19):02d}:{rng.randint(0, 59):02d}:00")
