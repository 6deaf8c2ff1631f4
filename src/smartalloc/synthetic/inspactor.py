"""Inspactor rows (41 columns) and `نام حوزه` venues, in the real cell types (C.1): ints stay
int, `کدپستی` is text, the `حوزه در خود مدرسه` flags are bool, an empty id is an empty cell.
"""

from __future__ import annotations

import random

from smartalloc.synthetic import names
from smartalloc.synthetic.mentors import Mentor


def venues(rng: random.Random, managers: int) -> list[str]:
    count = max(20, min(25, managers * 2))
    kinds = ("دبیرستان پسرانه", "دبیرستان دخترانه", "آموزشگاه", "هنرستان", "مجتمع آموزشی")
    out: list[str] = []
    while len(out) < count:
        name = f"{rng.choice(kinds)} {rng.choice(names.SCHOOL_STEMS)}"
        if name not in out:
            out.append(name)
    return out


def inspactor_rows(mentors: list[Mentor]) -> list[list]:
    """Rows in INSPACTOR_COLUMNS order, sorted by mentor id (the empty id last)."""
    rows = []
    for m in sorted(mentors, key=lambda x: (x.mid is None, x.mid or 0)):
        filled = sum(1 for s in m.slots if s not in (0, ""))
        rows.append([
            3570, m.staff, m.mid, "پسر" if m.gender == 1 else "دختر", m.name, m.manager.name,
            m.venue, m.label, "خیر", "بلی", "بلی", "بلی", m.mtype, *m.slots, m.covered,
            m.postal, m.groups_text, m.capacity, "بلی" if m.inactive else "خیر", filled,
            m.hoze, False, False, False, "بلی" if m.waiting else "خیر",
            "بلی" if m.can_allocate else "خیر", *([0] * 12),
        ])
    return rows


_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
_SPELLINGS = (
    lambda n: n.replace("\u200c", ""),          # the joiner left out
    lambda n: n.replace("\u200c", " "),         # a space typed for it
    lambda n: n.translate(_ARABIC),              # Arabic ي/ك from another keyboard
    lambda n: f"\u200f{n}  ",                   # a bidi mark and trailing spaces
)


def vary_manager_names(rows: list[list], rng: random.Random, column: int) -> int:
    """Rewrite about a third of the managers' names as operators and other exports spell them
    (D16 step 1 must read them as the same manager); returns how many rows changed."""
    changed = 0
    for row in rows:
        if rng.random() < 0.35:
            varied = rng.choice(_SPELLINGS)(row[column])
            changed += varied != row[column]
            row[column] = varied
    return changed
