"""Who each student is: national id, prior code, names and birth date (C.6), plus the
identity edge cases (bad checksum, lost leading zero, day > 31, ZWJ at a name end).

A repeated student (``dup_of``) copies the identity of the row it repeats.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from smartalloc.synthetic import names
from smartalloc.synthetic.counters import PRIOR_LIMIT, CodeBook, NationalIds, prior_code
from smartalloc.synthetic.student_keys import StudentKeys
from smartalloc.synthetic.tables import PRIMARY_GROUPS

_BIRTH = (({1, 3, 5, 7, 8, 9, 11, 12, 14, 17, 18}, 1386, 1387),
          ({21, 22, 23, 29, 53, 55, 66, 69}, 1387, 1388),
          ({24, 25, 26, 30, 83, 89}, 1388, 1389), ({27}, 1389, 1390), ({31, 33}, 1390, 1392),
          (set(PRIMARY_GROUPS), 1392, 1397))


@dataclass
class Identities:
    nid: list[str]  # as written in the report (edge rows may be invalid)
    true_nid: list[str]  # the checksum-valid id behind each row (what roster/history use)
    prior: list[tuple[int, str] | None]
    first: list[str]
    last: list[str]
    father: list[str]
    birth: list[str]
    edges: dict[str, list[int]] = field(default_factory=dict)


def _birth(rng: random.Random, group: int, status: int, shift: int) -> str:
    lo, hi = 1367, 1386
    if status == 1:
        lo, hi = next(((a, b) for codes, a, b in _BIRTH if group in codes), (1386, 1389))
    month = rng.randint(1, 12)
    last = 31 if month <= 6 else 30 if month <= 11 else 29
    return f"{rng.randint(lo, hi) + shift}/{month:02d}/{rng.randint(1, last):02d}"


def make_identities(rng: random.Random, keys: StudentKeys, ids: NationalIds, book: CodeBook,
                    year: int) -> Identities:
    n = len(keys.group)
    share = min(1.0, PRIOR_LIMIT / max(n, 1))
    shift = year - 1404
    ident = Identities([], [], [], [], [], [], [])
    for i in range(n):
        j = keys.dup_of.get(i)
        if j is not None:
            for col in (ident.true_nid, ident.prior, ident.first, ident.last, ident.father,
                        ident.birth):
                col.append(col[j])
            continue
        g = keys.gender[i]
        first, last = names.person(rng, g)
        ident.true_nid.append(ids.new())
        ident.prior.append(prior_code(rng, book, g, year, share))
        ident.first.append(first)
        ident.last.append(last)
        ident.father.append(rng.choice(names.BOY_NAMES))
        ident.birth.append(_birth(rng, keys.group[i], keys.status[i], shift))
    ident.nid = list(ident.true_nid)
    _edges(rng, keys, ids, ident)
    return ident


def _edges(rng: random.Random, keys: StudentKeys, ids: NationalIds, ident: Identities) -> None:
    n = len(keys.group)
    taken = {i for rows in keys.injected.values() for i in rows}
    taken |= set(keys.dup_of.values())
    free = [i for i in range(n) if i not in taken]
    cases = ("invalid_checksum", "nine_digit_id", "impossible_birth_day", "zwj_name",
             "mobile_persian_digits", "mobile_spaces_dashes", "mobile_ten_digits")
    sizes = (1, 1, 1, 1, 3, 3, 3)
    picks = rng.sample(free, min(len(free), sum(sizes)))
    start = 0
    for case, size in zip(cases, sizes, strict=True):
        ident.edges[case] = picks[start:start + size]
        start += size
    for i in ident.edges["invalid_checksum"]:
        nid = ident.nid[i]
        ident.nid[i] = nid[:9] + str((int(nid[9]) + 1) % 10)
    for i in ident.edges["nine_digit_id"]:
        ids.used.discard(ident.true_nid[i])
        ident.true_nid[i] = ids.new(leading_zero=True)
        ident.nid[i] = ident.true_nid[i][1:]
    for i in ident.edges["impossible_birth_day"]:
        ident.birth[i] = ident.birth[i][:8] + str(rng.randint(32, 35))
    for i in ident.edges["zwj_name"]:
        ident.first[i] += "\u200d"
