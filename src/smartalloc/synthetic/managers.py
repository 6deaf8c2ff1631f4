"""Managers (C.3): sizes follow the real 28/15/13/10/… shape, one manager per centre 1 and 2.

The Golestan and Sadra names are read from the policy's ``center_manager_map`` when it names
them; the policy the generator writes maps every manager to its centre, as `smartalloc setup`
would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from smartalloc.domain.policy import DEFAULT_CENTRE_KEY, Policy
from smartalloc.synthetic import names

_PATTERN = (28, 15, 13, 10, 10, 10, 9, 9, 7, 1, 1, 1)
SADRA, GOLESTAN = 1, 3  # manager indexes with a fixed role
_MIN_CENTRE_SIZE = 3  # each centre needs mentors of both genders (coverage anchors)


@dataclass
class Manager:
    index: int
    code: int
    staff_id: int
    name: str
    centre: int
    digit: int  # alias block digit D of D0NN / D5NN
    gender_mode: str  # "mixed" | "girls" | "boys"
    placeholder: bool
    size: int = 0
    school_heavy: bool = False  # owns almost all school-only mentors (every 12th manager)
    counts: dict[str, int] = field(default_factory=dict)


# Names of the Golestan and Sadra managers when the policy names none (the shipped policy holds
# no made-up names, D16); fixed, so the generated reports do not depend on the policy.
CENTRE_NAMES = {1: "نسرین ستاره‌پور", 2: "لیلا آسمانی‌فر"}


def _centre_names(policy: Policy) -> dict[int, str]:
    found: dict[int, str] = {}
    for name, centre in policy.center_manager_map.items():
        if name != DEFAULT_CENTRE_KEY:
            found.setdefault(centre, name)
    return {**CENTRE_NAMES, **found}


def centre_map(managers: list[Manager]) -> dict[str, int]:
    """The manager → centre map `smartalloc setup` would write for these managers."""
    return {m.name: m.centre for m in managers}


def _sizes(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of ``total`` over ``weights``, each at least 1."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    sizes = [max(1, int(r)) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(sizes) < total:
        sizes[order[i % len(order)]] += 1
        i += 1
    while sum(sizes) > total:
        big = max(range(len(sizes)), key=lambda j: sizes[j])
        sizes[big] -= 1
    for idx in (SADRA, GOLESTAN):
        while sizes[idx] < _MIN_CENTRE_SIZE:
            big = max(range(len(sizes)), key=lambda j: sizes[j])
            sizes[big] -= 1
            sizes[idx] += 1
    return sizes


def generate_managers(rng: random.Random, mentors: int, policy: Policy) -> list[Manager]:
    count = max(6, round(mentors / 10))
    weights = [_PATTERN[i % len(_PATTERN)] for i in range(count)]
    if count < 10:
        weights[-1] = 1  # keep one tiny placeholder "manager" at every scale
    sizes = _sizes(mentors, weights)
    centre_names = _centre_names(policy)
    staff = rng.sample(range(100, 100 + 10 * count), count)
    managers = []
    for i in range(count):
        placeholder = weights[i] == 1 and (i == count - 1 or i % 12 == 10)
        centre = {SADRA: 2, GOLESTAN: 1}.get(i, 0)
        digit = {SADRA: 8, GOLESTAN: 9}.get(i, rng.choice((1, 1, 2, 3, 4, 8)))
        heavy = i % len(_PATTERN) == 0
        if heavy or i in (SADRA, GOLESTAN):
            mode = "mixed"
        else:
            mode = rng.choices(("girls", "boys", "mixed"), (30, 30, 40))[0]
        if placeholder:
            sex = rng.choice(("پسر", "دختر"))
            name = f"فراگیر {sex} در انتظار تخصیص پشتیبان"
            if i != count - 1:
                name = f"{rng.choice(names.SURNAMES)} {sex} در انتظار تخصیص پشتیبان"
        elif centre in centre_names and i in (SADRA, GOLESTAN):
            name = centre_names[centre]
        else:
            name = names.full_name(rng, 0 if rng.random() < 0.7 else 1)
        managers.append(Manager(i, i + 1, staff[i], name, centre, digit, mode, placeholder,
                                sizes[i], heavy))
    _unique_names(rng, managers)
    return managers


def _unique_names(rng: random.Random, managers: list[Manager]) -> None:
    """Distinct names; the policy's centre names are never changed."""
    fixed = {m.index for m in managers if m.index in (SADRA, GOLESTAN)}
    seen = {m.name for m in managers if m.index in fixed}
    for m in managers:
        if m.index in fixed:
            continue
        while m.name in seen:
            m.name = f"{m.name.split()[0]} {rng.choice(names.SURNAMES)}\u200c{rng.choice(names.SURNAMES)}"
        seen.add(m.name)


def manager_rows(rng: random.Random, managers: list[Manager]) -> list[list]:
    """Rows in MANAGER_COLUMNS order; the type counts equal the mentor counts (dual in both)."""
    rows = []
    for m in managers:
        normal, school = m.counts.get("normal", 0), m.counts.get("school", 0)
        gender = "پسر" if rng.random() < 0.2 else "دختر"
        mobile = "0917" + f"{rng.randint(0, 9_999_999):07d}"
        rows.append([3570, m.staff_id, m.code, m.name, gender, mobile,
                     "بلی" if rng.random() < 0.4 else "خیر", "بلی" if normal else "خیر", "خیر",
                     "بلی" if school else "خیر", 100 * m.code + rng.randint(0, 99), normal, 0,
                     school])
    return rows
