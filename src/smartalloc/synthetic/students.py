"""The 59-column student rows (`Sabt (5)` layout, C.6), rendered lazily, every cell text.

One row costs a few dozen ``random`` calls and one list; nothing per cell is stored, so a
100k batch streams straight into the writer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from smartalloc.domain.contracts import STUDENT_COLUMNS
from smartalloc.synthetic import names
from smartalloc.synthetic.identities import Identities
from smartalloc.synthetic.schools import School
from smartalloc.synthetic.student_keys import StudentKeys

_COL = {name: i for i, name in reversed(list(enumerate(STUDENT_COLUMNS)))}
_PRIOR = [i for i, c in enumerate(STUDENT_COLUMNS) if c == "کد ثبت نام"]  # the three columns
_OTHER_PREFIXES = ("0902", "0903", "0936", "0933", "0990", "0991", "0992", "0993", "0999")
_FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@dataclass
class RowContext:
    year: int
    schools: dict[int, School]
    aliases: list[str]  # current aliases: postal codes and school-mentor ids
    mentor_names: list[str]
    entry_offsets: list[int]  # seconds since the window start, sorted, unique
    entry_day0: int


def _mobile(rng: random.Random, p0917: float) -> str:
    prefix = "0917" if rng.random() < p0917 else rng.choice(_OTHER_PREFIXES)
    return f"{prefix}{rng.randint(0, 9_999_999):07d}"


def _school_info(rng: random.Random, school: School | None) -> str:
    if rng.random() < 0.03:
        return ""
    name = school.name if school else rng.choice(names.SCHOOL_STEMS)
    r = rng.random()
    if r < 0.25:
        return "".join(ch for ch in name if not ch.isdigit()).strip()
    if r < 0.4:
        return f"شهید {name}"
    if r < 0.5:
        return f"{name} (دولتی)"
    return name


def _phones(rng: random.Random) -> tuple[str, str, str]:
    student = _mobile(rng, 0.35)
    father = _mobile(rng, 0.85) if rng.random() < 0.99 else ""
    mother = _mobile(rng, 0.70) if rng.random() < 0.85 else ""
    r = rng.random()
    if r < 0.02 and father:
        father = student
    elif r < 0.06 and mother:
        mother = student
    if father and mother == father:
        mother = _mobile(rng, 0.70)
    return student, father, mother


def _styled(mobile: str, case: str) -> str:
    if case == "mobile_persian_digits":
        return mobile.translate(_FA)
    if case == "mobile_spaces_dashes":
        return f"{mobile[:4]} {mobile[4:7]}-{mobile[7:]}"
    return mobile[1:]  # mobile_ten_digits


def student_rows(rng: random.Random, keys: StudentKeys, ident: Identities,
                 ctx: RowContext) -> Iterator[list[str]]:
    """Rows in STUDENT_COLUMNS order (59 text cells, "" = empty)."""
    c = _COL
    styled = {i: case for case in ("mobile_persian_digits", "mobile_spaces_dashes",
                                   "mobile_ten_digits") for i in ident.edges.get(case, ())}
    exam_late, exam_early = f"{ctx.year - 1}/12/24", f"{ctx.year - 1}/08/18"
    for i in range(len(keys.group)):
        row = [""] * 59
        prior = ident.prior[i]
        if prior:
            row[_PRIOR[prior[0] - 1]] = prior[1]
            if prior[0] == 3:
                row[c["کد ثبت نام0"]] = prior[1]
        finance, school_code = keys.finance[i], keys.school[i]
        row[c["گروه آزمایشی نهایی"]] = str(keys.group[i])
        row[c["جنسیت"]] = str(keys.gender[i])
        row[c["وضعیت ثبت نام"]] = str(finance)
        row[c["کدملی"]] = row[c["کد ملی"]] = ident.nid[i]
        row[c["نام"]], row[c["نام خانوادگی"]] = ident.first[i], ident.last[i]
        row[c["نام پدر"]], row[c["تاریخ تولد"]] = ident.father[i], ident.birth[i]
        row[c["وضعیت تحصیلی"]] = str(keys.status[i])
        if rng.random() < 0.4:
            row[c["تلفن منزل"]] = f"3{rng.randint(0, 9_999_999):07d}"
        student, father, mother = _phones(rng)
        if i in styled:
            student = _styled(student, styled[i])
        row[c["تلفن همراه داوطلب"]] = student
        row[c["تلفن همراه پدر"]], row[c["تلفن همراه مادر"]] = father, mother
        if rng.random() < 0.97:
            row[c["کپی کد جایگزین 39"]] = (rng.choice(ctx.aliases) if rng.random() < 0.75
                                           else f"{rng.randint(1, 9)}{rng.choice('05')}0{rng.randint(0, 9)}")
        if finance == 1:
            row[c["شماره پرونده بنیاد شهید"]] = str(rng.randint(100000, 999999))
        if finance == 3:
            row[c["کد رهگیری حکمت"]] = "1111111111111111"
            row[c["نوع بسته حکمت"]] = "آزمون"
            row[c["آیا پول به نمایندگی داده یا نه؟"]] = "پول داده"
        else:
            r = rng.random()
            row[c["تخفیف"]] = "0" if r < 0.92 else "101" if r < 0.98 else rng.choice(
                ("123", "160", "162"))
        row[c["نسبت رابط 1"]], row[c["نسبت رابط 2"]] = "1", "2"
        row[c["شهر مدرسه"]], row[c["سهمیه کنکور"]] = "4001", "1"
        row[c["مدرسه نهایی"]] = str(school_code) if school_code else ""
        row[c["پشتیبان"]] = (rng.choice(ctx.mentor_names) if rng.random() < 0.25
                            else names.full_name(rng, rng.randint(0, 1)))
        row[c["مدرسه اطلاع"]] = _school_info(rng, ctx.schools.get(school_code))
        row[c["مرکز ثبت نام"]] = str(keys.centre[i])
        row[c["تاریخ اولین آزمون"]] = exam_late if rng.random() < 0.87 else exam_early
        row[c["زمان"]] = f"{rng.randint(16, 18):02d}:{rng.randint(0, 59):02d}"
        off = ctx.entry_offsets[i]
        day, rest = divmod(off, 86400)
        row[c["تاریخ ورودی"]] = (f"{ctx.year}-08-{ctx.entry_day0 + day:02d} {rest // 3600:02d}:"
                                 f"{rest // 60 % 60:02d}:{rest % 60:02d}")
        yield row
