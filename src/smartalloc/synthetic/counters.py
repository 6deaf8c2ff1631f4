"""National ids, prior registration codes, the roster and the history seed (C.6, C.7).

History holds 5 % of the batch's ids (C.7 says ~20 %): those students are reported DUPLICATE
by the run, and 5 % keeps the demo allocating most of the batch while still exercising the
`allocated_before` path. Prior codes are unique per (year, mid) with sequences of the
policy's length (4 digits: 9-digit codes), so from 15,000 students on only a share of the batch
carries one (15,000 / n).
"""

from __future__ import annotations

import random

from smartalloc.domain.national_id import checksum_digit

HISTORY_SHARE = 0.05
PRIOR_LIMIT = 15_000


class CodeBook:
    """Unique codes `YY + mid + sequence`, drawn without replacement per prefix: sequences of
    the policy's ``sequence_digits`` for the mids 357/373, 4 digits for the legacy 85x."""

    def __init__(self, rng: random.Random, digits: int = 4):
        self._rng = rng
        self._digits = digits
        self._free: dict[str, list[int]] = {}

    def width(self, prefix: str) -> int:
        return 4 if prefix[2:4] == "85" else self._digits

    def draw(self, prefix: str) -> str | None:
        free = self._free.get(prefix)
        width = self.width(prefix)
        if free is None:
            last = 10 ** width - 1
            free = self._free[prefix] = self._rng.sample(range(1, last + 1), last)
        return f"{prefix}{free.pop():0{width}d}" if free else None

    def reserve(self, prefix: str, upto: int) -> None:
        """Sequences 1..upto belong to the current-year roster block: never drawn again."""
        self.draw(prefix)
        self._free[prefix] = [s for s in self._free[prefix] if s > upto]


class NationalIds:
    """Checksum-valid unique ids: ~65 % Shiraz prefixes 228/229, ~2 % a leading zero."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self.used: set[str] = set()

    def new(self, leading_zero: bool = False) -> str:
        rng = self._rng
        while True:
            r = rng.random()
            if leading_zero or r < 0.02:
                head = f"0{rng.randint(0, 99_999_999):08d}"
            elif r < 0.67:
                head = f"{rng.choice(('228', '229'))}{rng.randint(0, 999_999):06d}"
            else:
                head = f"{rng.randint(1, 9)}{rng.randint(0, 99_999_999):08d}"
            nid = head + str(checksum_digit(head))
            if nid not in self.used and nid != nid[0] * 10:
                self.used.add(nid)
                return nid


def prior_code(rng: random.Random, book: CodeBook, gender: int, year: int,
               share: float) -> tuple[int, str] | None:
    """(column 1..3, code) or None: col 1 = last year's girls, 2 = boys, 3 = older / 85x."""
    if rng.random() >= share:
        return None
    yy = year - 1 - 1350
    mid = "357" if gender == 1 else "373"
    if rng.random() < 0.29:
        if rng.random() < 0.7:
            code = book.draw(f"{rng.randint(yy - 3, yy - 1)}{mid}")
        else:
            code = book.draw(f"{rng.randint(yy - 3, yy)}85{rng.randint(0, 3)}")
        return (3, code) if code else None
    code = book.draw(f"{yy}{mid}")
    return ((1 if gender == 0 else 2), code) if code else None


def roster_rows(rng: random.Random, book: CodeBook, ids: NationalIds, prior: list,
                nids: list[str], year: int, conflict: bool) -> tuple[list[list[str]], dict]:
    """Last year's codes of the batch plus a current-year block with a known max sequence."""
    rows = [[code, nids[i]] for i, p in enumerate(prior) if p and p[0] in (1, 2)
            for code in (p[1],)]
    rows = list({r[1]: r for r in rows}.values())  # a duplicated student appears once
    yy = year - 1350
    block = {"357": rng.randint(20, 60), "373": rng.randint(20, 60)}
    for mid, top in block.items():
        book.reserve(f"{yy}{mid}", top)
        width = book.width(f"{yy}{mid}")
        rows += [[f"{yy}{mid}{s:0{width}d}", ids.new()] for s in range(1, top + 1)]
    if conflict and rows:
        victim = rows[0][1]
        block["373"] += 1
        rows.append([f"{yy}373{block['373']:0{book.width(f'{yy}373')}d}", victim])
    rows.sort()
    return rows, {f"{yy}{mid}": top for mid, top in block.items()}
