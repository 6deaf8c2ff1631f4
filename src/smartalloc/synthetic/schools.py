"""SchoolReport (C.2): codes, stages, genders and the pools the mentors and students draw from.

The number of schools scales with the batch (150..~1500) so a 100k batch still has a long tail,
while a 200-student test stays small and fast.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from smartalloc.domain.contracts import SCHOOL_GENDER_BOYS, SCHOOL_GENDER_GIRLS
from smartalloc.synthetic import names
from smartalloc.synthetic.tables import HIGH, MIDDLE, PRIMARY, VOCATIONAL

_KINDS = (("دولتی", 70), ("غیرانتفاعی", 22.5), ("استعدادهای درخشان", 2), ("نمونه دولتی", 2),
          ("شاهد", 2), ("سایر موارد", 1), ("وابسته به دانشگاه آزاد", 0.3),
          ("وابسته به دانشگاه دولتی", 0.2))
_STAGES = ((HIGH, 41), (PRIMARY, 28), (MIDDLE, 27.5), (VOCATIONAL, 3.5))
_GENDER_LABEL = {0: SCHOOL_GENDER_GIRLS, 1: SCHOOL_GENDER_BOYS, None: ""}


@dataclass
class School:
    code: int
    name: str
    stage: str
    gender: int | None  # 0 girls, 1 boys, None = blank (a few primary schools)
    kind: str
    district: int

    @property
    def gender_label(self) -> str:
        return _GENDER_LABEL[self.gender]


def _pick(rng: random.Random, table) -> str:
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


def _codes(rng: random.Random, n: int) -> list[int]:
    """Unique codes with the real length mix: 0.4 % / 5 % / 55 % / 40 % for 1–4 digits."""
    n1 = min(7, max(1, round(n * 0.004)))
    n2 = min(90, round(n * 0.05))
    n4 = round(n * 0.40)
    n3 = min(900, n - n1 - n2 - n4)
    n4 = n - n1 - n2 - n3
    top = max(1490, 1000 + int(n4 * 1.25))
    codes = (rng.sample(range(3, 10), n1) + rng.sample(range(10, 100), n2)
             + rng.sample(range(100, 1000), n3) + rng.sample(range(1000, top), n4))
    rng.shuffle(codes)
    return codes


def school_count(students: int, mentors: int) -> int:
    return max(150, min(1500, max(students // 2, mentors // 2)))


def generate_schools(rng: random.Random, n: int) -> list[School]:
    """``n`` schools; every (stage, gender) gets at least three so no student lacks a school."""
    schools: list[School] = []
    used_names: list[str] = []
    cells = [(s, g) for s, _ in _STAGES for g in (0, 1)]
    for i, code in enumerate(_codes(rng, n)):
        if i < 3 * len(cells):
            stage, gender = cells[i % len(cells)]
        else:
            stage = _pick(rng, _STAGES)
            gender = 0 if rng.random() < 0.54 else 1
            if stage == PRIMARY and rng.random() < 0.014:
                gender = None
        if used_names and rng.random() < 0.15:  # reused name → name→code ambiguity
            name = rng.choice(used_names)
        else:
            name = rng.choice(names.SCHOOL_STEMS)
            if rng.random() < 0.3:
                name += rng.choice(("", " ")) + str(rng.randint(1, 4))
            elif rng.random() < 0.5:
                name = f"{name} {rng.choice(names.SURNAMES)}"
            used_names.append(name)
        district = 10 if i == n // 2 else int(_pick(rng, (("1", 35), ("2", 32), ("3", 18),
                                                           ("4", 15))))
        schools.append(School(code, name, stage, gender, _pick(rng, _KINDS), district))
    return schools


def _phone(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.74:
        return str(rng.randint(2000000, 8999999))
    if r < 0.88:
        return "071" + str(rng.randint(30000000, 39999999))
    if r < 0.945:
        return str(rng.randint(30000000, 39999999))
    return "123456" if r < 0.95 else ""


def _ministry(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.03:
        return rng.choice((123456, 122385))
    if r < 0.96:
        return rng.randint(10_000_000, 99_999_999)
    return rng.choice((rng.randint(100_000, 999_999), rng.randint(1_000_000, 9_999_999),
                       rng.randint(100_000_000, 999_999_999)))


def school_rows(rng: random.Random, schools: list[School]) -> list[list]:
    """Rows in SCHOOL_COLUMNS order; codes int, phone and names text."""
    rows = []
    for s in schools:
        address = "" if rng.random() < 0.02 else (
            "بورسیه" if rng.random() < 0.035 else
            f"{rng.choice(names.STREETS)}، پلاك {rng.randint(1, 120)}".replace(
                "ی", "ي" if rng.random() < 0.3 else "ی"))
        agency = rng.choices((3570, 3730, ""), (35, 11, 54))[0]
        principal = names.full_name(rng, 0 if s.gender == 0 else 1) if rng.random() < 0.52 else ""
        full = f"{s.stage} {s.kind} {s.gender_label} {s.name} منطقه {s.district}"
        rows.append([s.code * 100000 + 4001, 4001, "شيراز", s.code, _ministry(rng), s.name,
                     s.district, s.kind, s.stage, s.gender_label, "بله", _phone(rng), address,
                     0 if rng.random() < 0.76 else 1, agency, principal, " ".join(full.split())])
    return rows
