"""Mentors (C.4): type, groups, capacity, covered, alias and school slots for each row.

Roles keep the scenario controllable at every scale: one broad *anchor* mentor per
(centre, gender) so common combinations are always served, a *full* mentor that is the only
one serving primary-school girls of Golestan (one seat → CAPACITY_FULL), and no primary
mentor at all for Sadra boys (→ ELIGIBILITY_NO_MATCH).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from smartalloc.domain.contracts import MENTOR_TYPE_DUAL, MENTOR_TYPE_NORMAL, MENTOR_TYPE_SCHOOL
from smartalloc.synthetic import groups, names
from smartalloc.synthetic.managers import GOLESTAN, SADRA, Manager
from smartalloc.synthetic.schools import School
from smartalloc.synthetic.tables import HIGH, PRIMARY_GROUPS

# (gender, centre) → group codes no ordinary mentor may serve.
FORBIDDEN = {(1, 2): frozenset(PRIMARY_GROUPS), (0, 1): frozenset(PRIMARY_GROUPS)}
TRIO_MANAGER = 2  # the manager that owns the tie trio (centre 0)


@dataclass
class Mentor:
    gender: int
    manager: Manager
    mtype: str = MENTOR_TYPE_NORMAL
    label: str = ""
    groups_text: str = ""
    name: str = ""
    venue: str = ""
    mid: int | None = None
    staff: int = 0
    slots: list = field(default_factory=lambda: [0, 0, 0, 0])
    capacity: int = 60
    covered: int = 0
    postal: str = ""
    placeholder: bool = False
    inactive: bool = False
    can_allocate: bool = True
    waiting: bool = False
    hoze: bool = False
    role: str = ""  # anchor | full | tie | frozen | blocked | "" (ordinary)
    fixed: bool = False  # capacity is part of a scenario: never rescaled

    @property
    def centre(self) -> int:
        return self.manager.centre

    @property
    def codes(self) -> frozenset[int]:
        return groups.expand(self.groups_text)

    @property
    def has_schools(self) -> bool:
        return self.mtype != MENTOR_TYPE_NORMAL


def _slot_genders(rng: random.Random, m: Manager) -> list[int]:
    forced = {GOLESTAN: [0, 1, 0], SADRA: [0, 1], TRIO_MANAGER: [0, 1]}.get(m.index, [])
    out = []
    for i in range(m.size):
        if i < len(forced):
            out.append(forced[i])
        elif m.gender_mode == "mixed":
            out.append(0 if rng.random() < 0.52 else 1)
        else:
            out.append(0 if m.gender_mode == "girls" else 1)
    return out


def _ordinary(rng: random.Random, mentor: Mentor, in_big: bool) -> None:
    forbidden = FORBIDDEN.get((mentor.gender, mentor.centre), frozenset())
    r = rng.random()
    if in_big:
        mentor.mtype = MENTOR_TYPE_SCHOOL if r < 0.92 else MENTOR_TYPE_NORMAL
    else:
        mentor.mtype = (MENTOR_TYPE_SCHOOL if r < 0.025 else
                        MENTOR_TYPE_DUAL if r < 0.045 else MENTOR_TYPE_NORMAL)
    mentor.label, mentor.groups_text = groups.draw(rng, forbidden)
    school = mentor.mtype == MENTOR_TYPE_SCHOOL
    if school and rng.random() < 0.25:
        mentor.capacity = 250
    else:
        mentor.capacity = rng.choices((60, 70, 80), (62, 14, 3))[0]
    if rng.random() < 0.07:  # R0: covered ≥ capacity
        mentor.covered = mentor.capacity + rng.randint(0, 25)
    else:
        mentor.covered = max(0, min(mentor.capacity - 1, int(rng.gauss(49, 15))))
    mentor.waiting = rng.random() < 0.05
    mentor.hoze = rng.random() < 0.02


def _placeholder(rng: random.Random, mentor: Mentor, hub: School) -> None:
    mentor.placeholder = mentor.waiting = True
    mentor.label, mentor.groups_text = groups.draw(
        rng, FORBIDDEN.get((mentor.gender, mentor.centre), frozenset()),
        ("آزاد", "کنکوری\u200cها"))
    mentor.mtype = MENTOR_TYPE_NORMAL
    if mentor.gender == hub.gender and rng.random() < 0.15:
        mentor.mtype = rng.choice((MENTOR_TYPE_SCHOOL, MENTOR_TYPE_DUAL))
        mentor.slots = [hub.code, 0, 0, 0]
    mentor.capacity = 250
    mentor.covered = rng.randint(0, 435)


def _name(rng: random.Random, mentor: Mentor, schools: list[School]) -> str:
    if not mentor.placeholder:
        return names.full_name(rng, mentor.gender)
    sex = "پسر" if mentor.gender == 1 else "دختر"
    label = rng.choice(("فراگیر", rng.choice(schools).name, "دوازدهم", "دبیرستان",
                        mentor.manager.name.split()[-1]))
    return f"{label} {sex} در انتظار تخصیص پشتیبان"


def build_mentors(rng: random.Random, managers: list[Manager], schools: list[School],
                  hub: School, venues: list[str]) -> list[Mentor]:
    """Every mentor row with its role; ids, aliases and slots are set by ``finish_mentors``."""
    mentors: list[Mentor] = []
    anchored: set[tuple[int, int]] = set()
    for m in managers:
        genders = _slot_genders(rng, m)
        mine = rng.sample(venues, min(len(venues), rng.randint(1, 7)))
        for i, gender in enumerate(genders):
            mentor = Mentor(gender, m, venue=rng.choice(mine))
            key = (gender, m.centre)
            if not m.school_heavy and key not in anchored and not m.placeholder:
                anchored.add(key)
                mentor.role, mentor.fixed = "anchor", False
                mentor.label, mentor.groups_text = (
                    groups.ANCHOR_NO_PRIMARY if key in FORBIDDEN else groups.ANCHOR_ALL)
                mentor.capacity, mentor.covered = 70, rng.randint(5, 30)
            elif m.index == GOLESTAN and i == 2:
                mentor.role, mentor.fixed = "full", True
                mentor.label, mentor.groups_text = groups.PRIMARY_ONLY
                mentor.capacity, mentor.covered = 60, 59
            elif not m.placeholder and rng.random() < 0.12:
                _placeholder(rng, mentor, hub)
            else:
                _ordinary(rng, mentor, m.school_heavy)
            mentors.append(mentor)
    for mentor in mentors:
        mentor.name = _name(rng, mentor, schools)
    return mentors


def high_school_pools(schools: list[School]) -> dict[int, list[School]]:
    return {g: [s for s in schools if s.stage == HIGH and s.gender == g] for g in (0, 1)}


def bind_schools(rng: random.Random, mentors: list[Mentor], schools: list[School],
                 hub: School) -> dict[int, list[School]]:
    """Fill school slots from gender-matched high-school pools, 1–4 mentors per bound school."""
    pools = high_school_pools(schools)
    bound: dict[int, list[School]] = {}
    for g in (0, 1):
        todo = [m for m in mentors if m.has_schools and m.gender == g and not any(m.slots)]
        counts = [1 if rng.random() < 0.65 or m.mtype == MENTOR_TYPE_DUAL else 2 for m in todo]
        need = max(1, min(len(pools[g]), -(-sum(counts) // 2)))
        others = [s for s in pools[g] if s.code != hub.code]
        chosen = rng.sample(others, min(len(others), need - (1 if g == hub.gender else 0)))
        bound[g] = ([hub] if g == hub.gender else []) + chosen
        cycle = list(bound[g])
        rng.shuffle(cycle)
        k = 0
        for mentor, n in zip(todo, counts, strict=True):
            picks: list[int] = []
            while len(picks) < min(n, len(cycle)):
                code = cycle[k % len(cycle)].code
                k += 1
                if code not in picks:
                    picks.append(code)
            mentor.slots = picks + [0] * (4 - len(picks))
    return bound
