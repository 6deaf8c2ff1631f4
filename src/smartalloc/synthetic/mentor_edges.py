"""Mentor ids, aliases and the C.8 edge cases, injected on purpose at every scale.

Scenario mentors (anchors, the full mentor, the tie trio, frozen id 9) never carry a blocking
edge case; purely textual ones (Persian digits, dash ranges, out-of-range alias) may sit on an
anchor because they do not change which students it serves.
"""

from __future__ import annotations

import random
from collections import Counter

from smartalloc.domain.contracts import MENTOR_TYPE_DUAL, MENTOR_TYPE_NORMAL, MENTOR_TYPE_SCHOOL
from smartalloc.synthetic import groups, names
from smartalloc.synthetic.managers import Manager
from smartalloc.synthetic.mentors import TRIO_MANAGER, Mentor, bind_schools, high_school_pools
from smartalloc.synthetic.schools import School

FROZEN_ID = 9
_MALE_DIGITS, _FEMALE_DIGITS = (0, 1, 2, 3, 4), (5, 6, 8, 9)


def mentor_ids(rng: random.Random, n: int, big: bool) -> tuple[list[int], tuple[int, int, int]]:
    """``n`` small sequential ids with ~5 % gaps; always 2, 9, 10 (and 102 when ``big``)."""
    required = {2, FROZEN_ID, 10} | ({102} if big else set())
    ids: list[int] = []
    k = 1
    while len(ids) < n:
        if k not in required and rng.random() < 0.05:
            k += 1
            continue
        ids.append(k)
        k += 1
    if big and 102 not in ids:
        ids[-1] = 102
    trio = (2, 10, 102 if big else max(ids))
    return ids, trio


def _take(rng: random.Random, pool: list[Mentor], k: int, pred=lambda m: True) -> list[Mentor]:
    found = [m for m in pool if pred(m)]
    picked = rng.sample(found, min(k, len(found)))
    for m in picked:
        pool.remove(m)
    return picked


def _make_trio(rng: random.Random, trio: list[Mentor], manager: Manager) -> None:
    for m in trio:
        m.manager, m.gender, m.mtype, m.role = manager, 0, MENTOR_TYPE_NORMAL, "tie"
        m.label, m.groups_text, m.slots = "کنکوری\u200cها", "3", [0, 0, 0, 0]
        m.capacity, m.covered, m.placeholder, m.waiting, m.hoze = 60, 40, False, False, False
        m.name = names.full_name(rng, 0)


def apply_edges(rng: random.Random, mentors: list[Mentor], managers: list[Manager],
                schools: list[School], hub: School) -> dict[str, list[Mentor]]:
    """Roles, ids, slots, aliases and edge cases; returns the edge mentors by case name."""
    n = len(mentors)
    pool = [m for m in mentors if m.role == "" and not m.placeholder]
    edges: dict[str, list[Mentor]] = {}
    trio = _take(rng, pool, 3)
    _make_trio(rng, trio, managers[TRIO_MANAGER])
    frozen = _take(rng, pool, 1)
    for m in frozen:
        m.role = "frozen"
    blocked = ("empty_id", "covered_eq_capacity", "covered_gt_capacity", "cannot_allocate",
               "inactive")
    for case in blocked:
        edges[case] = _take(rng, pool, 1)
    edges["inactive"] += _take(rng, pool, max(0, n // 100 - 1))
    for m in (x for case in blocked for x in edges[case]):
        m.role = "blocked"
    school_cases = ("school_name_unique", "school_name_ambiguous", "school_code_unknown",
                    "three_slots")
    for case in school_cases:
        got = _take(rng, pool, 1, lambda m: m.mtype == MENTOR_TYPE_SCHOOL)
        got = got or _take(rng, pool, 1, lambda m: m.mtype == MENTOR_TYPE_NORMAL)
        for m in got:
            m.mtype = MENTOR_TYPE_SCHOOL
        edges[case] = got
    bound = bind_schools(rng, mentors, schools, hub)
    _school_edges(rng, edges, schools, bound)
    _blocking_values(edges)
    edges["odd_capacity"] = _take(rng, pool, 3, lambda m: m.mtype == MENTOR_TYPE_NORMAL)
    for m, cap in zip(edges["odd_capacity"], (50, 61, 255), strict=False):
        m.capacity, m.covered = cap, min(m.covered, cap - 1)
    ids, trio_ids = mentor_ids(rng, n - 1, n >= 100)
    _assign_ids(rng, mentors, ids, trio, trio_ids, frozen, edges["empty_id"])
    _aliases(rng, mentors)
    _text_edges(rng, mentors, edges)
    for m in mentors:
        m.manager.counts = Counter()
    for m in mentors:
        if m.mtype in (MENTOR_TYPE_NORMAL, MENTOR_TYPE_DUAL):
            m.manager.counts["normal"] += 1
        if m.mtype in (MENTOR_TYPE_SCHOOL, MENTOR_TYPE_DUAL):
            m.manager.counts["school"] += 1
    edges["tie"], edges["frozen"] = trio, frozen
    return edges, bound


def _school_edges(rng: random.Random, edges: dict[str, list[Mentor]], schools: list[School],
                  bound: dict[int, list[School]]) -> None:
    name_count = Counter(s.name for s in schools)
    for m in edges["school_name_unique"]:
        pool = high_school_pools(schools)[m.gender]
        unique = [s for s in pool if name_count[s.name] == 1] or pool
        m.slots[0] = rng.choice(unique).name
    for m in edges["school_name_ambiguous"]:
        m.slots[1] = rng.choice(sorted(n for n, c in name_count.items() if c > 1))
    missing = max(s.code for s in schools) + rng.randint(3, 40)
    for m in edges["school_code_unknown"]:
        m.slots[1] = missing
    for m in edges["three_slots"]:
        codes = [s.code for s in bound[m.gender]]
        picks = rng.sample(codes, min(3, len(codes)))
        m.slots = picks + [0] * (4 - len(picks))


def _blocking_values(edges: dict[str, list[Mentor]]) -> None:
    for m in edges["covered_eq_capacity"]:
        m.capacity, m.covered, m.fixed = 60, 60, True
    for m in edges["covered_gt_capacity"]:
        m.capacity, m.covered, m.fixed = 70, 84, True
    for m in edges["cannot_allocate"]:
        m.can_allocate = False
    for m in edges["inactive"]:
        m.inactive = True


def _assign_ids(rng: random.Random, mentors: list[Mentor], ids: list[int], trio: list[Mentor],
                trio_ids: tuple[int, int, int], frozen: list[Mentor],
                no_id: list[Mentor]) -> None:
    special = dict(zip(map(id, trio), trio_ids, strict=False))
    for m in frozen:
        special[id(m)] = FROZEN_ID
    rest = [i for i in ids if i not in special.values()]
    rng.shuffle(rest)
    it = iter(rest)
    empty = {id(m) for m in no_id}
    for m in mentors:
        m.mid = None if id(m) in empty else special.get(id(m)) or next(it)
    staff = rng.sample(range(2, len(mentors) + 12 + len(mentors) // 8), len(mentors))
    for i, m in enumerate(mentors):
        if staff[i] == m.mid:  # the forbidden second id never equals the mentor id
            j = (i + 1) % len(mentors)
            staff[i], staff[j] = staff[j], staff[i]
        m.staff = staff[i]


def _aliases(rng: random.Random, mentors: list[Mentor]) -> None:
    """`D0NN` boys / `D5NN` girls per manager block digit; placeholders 7xxx or 87xx."""
    used: Counter = Counter()
    virtual = 0
    for m in sorted(mentors, key=lambda x: (x.mid is None, x.mid or 0)):
        if m.mtype == MENTOR_TYPE_SCHOOL:
            m.postal = ""
        elif m.placeholder:
            virtual += 1
            m.postal = f"87{virtual % 100:02d}" if virtual % 3 == 0 and virtual < 300 \
                else str(7000 + virtual)
        else:
            digits = _MALE_DIGITS if m.gender == 1 else _FEMALE_DIGITS
            c = used[(m.manager.digit, m.gender)]
            used[(m.manager.digit, m.gender)] += 1
            m.postal = f"{m.manager.digit}{digits[c // 100 % len(digits)]}{c % 100:02d}"


def _text_edges(rng: random.Random, mentors: list[Mentor],
                edges: dict[str, list[Mentor]]) -> None:
    pool = [m for m in mentors if m.role in ("anchor", "") and not m.placeholder
            and m.mtype == MENTOR_TYPE_NORMAL]
    for case, value in (("postal_999", "999"), ("postal_12345", "12345")):
        edges[case] = _take(rng, pool, 1)
        for m in edges[case]:
            m.postal = value
    for case, dash in (("group_dash_range", "-"), ("group_endash_range", "–")):
        edges[case] = _take(rng, pool, 1, lambda m: ":" in m.groups_text)
        for m in edges[case]:
            m.groups_text = m.groups_text.replace(":", dash)
    edges["group_persian_digits"] = _take(rng, pool, 1)
    for m in edges["group_persian_digits"]:
        m.groups_text = groups.persian_digits(m.groups_text)
    edges["group_unknown_token"] = _take(rng, pool, 1)
    for m in edges["group_unknown_token"]:
        m.groups_text += ",فیزیک"
