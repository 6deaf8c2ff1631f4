"""The six join keys of every student (C.6), drawn first and kept compact.

Capacities are scaled from this demand before any row is rendered, and the 59-column rows
are produced lazily from these keys at write time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from smartalloc.synthetic.schools import School
from smartalloc.synthetic.tables import HIGH, OFFICIAL, school_stage

# Current students (status 1); graduates are drawn apart (≈ 23 %, groups 3/5/1/9 only).
_CURRENT = {3: 20.0, 22: 10.7, 25: 8.3, 27: 8.3, 1: 5.8, 5: 4.0, 21: 5.1, 24: 5.1, 35: 4.3,
            23: 2.0, 26: 1.2, 33: 0.8, 41: 0.4, 11: 0.4, 55: 0.4, 9: 0.2}
_SPRINKLE = 0.12  # every other official code, so each one is exercised
_GRADUATE = {3: 90, 5: 5, 1: 4, 9: 1}
NO_MATCH_KEY = (45, 1, 1, 2)  # سوم دبستان, boy, student, Sadra: no mentor serves it
CAPACITY_FULL_KEY = (43, 0, 1, 1)  # چهارم دبستان, girl, student, Golestan: one seat only
HUB_SHARE, BOUND_SHARE, UNKNOWN_SHARE, BLANK_GRADUATE = 0.16, 0.19, 0.05, 0.15


@dataclass
class StudentKeys:
    group: list[int]
    gender: list[int]
    status: list[int]
    centre: list[int]
    finance: list[int]
    school: list[int]  # 0 = blank
    dup_of: dict[int, int]  # row → earlier row it repeats (same person, ~1 %)
    injected: dict[str, list[int]]

    def key(self, i: int) -> tuple[int, int, int, int, int]:
        return (self.group[i], self.gender[i], self.status[i], self.centre[i], self.school[i])


def _weights() -> tuple[list[int], list[float]]:
    groups = list(OFFICIAL)
    return groups, [_CURRENT.get(g, _SPRINKLE) for g in groups]


def draw_keys(rng: random.Random, n: int, schools: list[School], hub: School,
              bound: dict[int, list[School]]) -> StudentKeys:
    centre = rng.choices((0, 2, 1), (70, 22, 8), k=n)
    gender = [1 if rng.random() < (0.7 if c == 2 else 0.42) else 0 for c in centre]
    status = [0 if rng.random() < 0.23 else 1 for _ in range(n)]
    cur_groups, cur_w = _weights()
    current = rng.choices(cur_groups, cur_w, k=n)
    grads = rng.choices(list(_GRADUATE), list(_GRADUATE.values()), k=n)
    group = [current[i] if status[i] else grads[i] for i in range(n)]
    finance = rng.choices((0, 3, 1), (81, 17, 2), k=n)
    keys = StudentKeys(group, gender, status, centre, finance, [0] * n, {}, {})
    _inject(rng, keys, n)
    _schools(rng, keys, schools, hub, bound)
    _duplicates(rng, keys)
    return keys


def _inject(rng: random.Random, keys: StudentKeys, n: int) -> None:
    rows = rng.sample(range(n), min(n, 6))
    for case, key, part in (("no_eligible_mentor", NO_MATCH_KEY, rows[:3]),
                            ("capacity_full", CAPACITY_FULL_KEY, rows[3:])):
        for i in part:
            keys.group[i], keys.gender[i], keys.status[i], keys.centre[i] = key
        keys.injected[case] = part


def _schools(rng: random.Random, keys: StudentKeys, schools: list[School], hub: School,
             bound: dict[int, list[School]]) -> None:
    n = len(keys.group)
    bound_codes = {s.code for g in bound for s in bound[g]}
    tail: dict[tuple[str, int], list[School]] = {}
    for s in schools:
        if s.gender is not None and s.code != hub.code and s.code not in bound_codes:
            tail.setdefault((s.stage, s.gender), []).append(s)
    cum = {k: _zipf_cum(len(v)) for k, v in tail.items()}
    fixed = {i for rows in keys.injected.values() for i in rows}
    high = [i for i in range(n) if school_stage(keys.group[i]) == HIGH and i not in fixed]
    rng.shuffle(high)
    hub_rows = [i for i in high if keys.gender[i] == hub.gender][:round(HUB_SHARE * n)]
    taken = set(hub_rows)
    rest = [i for i in high if i not in taken and keys.status[i] == 1]
    bound_rows = rest[:round(BOUND_SHARE * n)]
    for i in hub_rows:
        keys.school[i] = hub.code
    for i in bound_rows:
        pool = [s for s in bound.get(keys.gender[i], []) if s.code != hub.code]
        if pool:
            keys.school[i] = rng.choice(pool).code
            taken.add(i)
    missing = max(s.code for s in schools) + 100
    for i in range(n):
        if i in taken or keys.school[i]:
            continue
        if keys.status[i] == 0 and rng.random() < BLANK_GRADUATE:
            continue
        if i not in fixed and rng.random() < UNKNOWN_SHARE:
            keys.school[i] = missing + rng.randint(0, 40)
            continue
        k = (school_stage(keys.group[i]), keys.gender[i])
        keys.school[i] = rng.choices(tail[k], cum_weights=cum[k])[0].code


def _zipf_cum(m: int) -> list[float]:
    total, out = 0.0, []
    for r in range(1, m + 1):
        total += 1.0 / r ** 0.9
        out.append(total)
    return out


def _duplicates(rng: random.Random, keys: StudentKeys) -> None:
    """~1 % of rows repeat an earlier student (same keys; identity copied at render time)."""
    n = len(keys.group)
    fixed = {i for rows in keys.injected.values() for i in rows}
    count = max(1, n // 100)
    rows = sorted(rng.sample([i for i in range(1, n) if i not in fixed], min(count, n - 7)))
    done = []
    for j in rows:
        i = rng.randrange(j)
        for _ in range(20):
            if i not in keys.dup_of and i not in fixed:
                break
            i = rng.randrange(j)
        else:
            continue
        keys.dup_of[j] = i
        done.append(j)
        for col in (keys.group, keys.gender, keys.status, keys.centre, keys.finance, keys.school):
            col[j] = col[i]
    keys.injected["duplicate_national_id"] = done
