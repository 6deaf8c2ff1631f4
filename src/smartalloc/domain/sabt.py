"""The ImportToSabt export (D9, A.8, B.4, FR-45..49): one 46-column text row per allocation.

Sabt imports Sheet2 positionally, so the row layout is the contract: every cell is ``str`` (a
national id keeps its leading zero, a tracking code never becomes 1.1E+15) and the phone and
finance rules are applied here, in the domain, where they can be tested without Excel.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from smartalloc.domain.contracts import SABT_COLUMNS, SABT_SHEET
from smartalloc.domain.contracts import StudentCol as C
from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.phones import normalize_landline, normalize_mobile, phone_digits
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import STUDENT_INDEX, StudentRecord
from smartalloc.domain.tables import LazyRows

HEKMAT, BONYAD = 3, 1
SUMMARY_SHEET, ERRORS_SHEET = "Summary", "Errors"
SUMMARY_COLUMNS: tuple[str, ...] = ("مورد | item", "مقدار | value")
ERROR_COLUMNS: tuple[str, ...] = (
    "ردیف ورودی | input_row", "کد ملی | national_id", "ستون | column", "پیام | message_fa",
    "message_en",
)
# The sheets of the ImportToSabt workbook and their headers (checked by QA_RULE_OUT_01).
SABT_SHEETS: dict[str, tuple[str, ...]] = {
    SABT_SHEET: SABT_COLUMNS, SUMMARY_SHEET: SUMMARY_COLUMNS, ERRORS_SHEET: ERROR_COLUMNS,
}
# Sabt refuses a row without these; an empty one is reported in Errors (FR-54).
MANDATORY: tuple[str, ...] = (
    "پشتیبان", "کد ثبت نام", "گروه آزمایشی", "جنسیت", "وضعیت ثبت نام", "کد ملی", "نام",
    "نام خانوادگی", "وضعیت تحصیلی", "کد پستی جایگزین", "شهر مدرسه 1", "کد مدرسه 1",
)
_MANDATORY_AT = tuple(SABT_COLUMNS.index(c) for c in MANDATORY)
# Input columns copied unchanged, in output order, per block of the layout.
_COPY_16_21 = (C.GPA, C.GPA_TERM, C.RECEIPT, C.POSTAL, C.EMAIL, C.ADDRESS)
_COPY_23_28 = (C.SPECIAL, C.PROGRESS_EXAM, C.HOMEWORK, C.CD_EXAM, C.LANGUAGE, C.MINORITY)
_COPY_41_44 = (C.CLASS_NO, C.KONKUR_QUOTA, C.SEAT_NO, C.REG_DATE)


@dataclass(frozen=True, slots=True)
class SabtIssue:
    """A row-level problem for the Errors sheet (the row is still written).

    ``column`` is the input column to fix for a phone, the Sabt column for a missing value.
    """

    national_id: str
    column: str
    message_fa: str
    message_en: str
    row: int = 0        # 1-based Excel row of the student in the input report


@dataclass(slots=True)
class SabtExport:
    """Sheet2's rows, the Summary and the Errors (lists, or ``LazyRows`` from ``sabt_later``)."""

    rows: Sequence[tuple[str, ...]] = field(default_factory=list)
    summary: Sequence[tuple[str, object]] = field(default_factory=list)
    errors: Sequence[SabtIssue] = field(default_factory=list)
    columns: tuple[str, ...] = SABT_COLUMNS


def _getter(*columns: str) -> itemgetter:
    """A getter of these input columns from ``StudentRecord.values`` (always returns a tuple)."""
    return itemgetter(*(STUDENT_INDEX[c] for c in columns), STUDENT_INDEX[C.NATIONAL_ID])


_SINGLES = (
    C.FOREIGN, C.FIRST_NAME, C.LAST_NAME, C.FATHER_NAME, C.BIRTH_DATE, C.VOCATIONAL, C.LANDLINE,
    C.MOBILE, C.BONYAD_FILE, C.BONYAD_KIND, C.DISCOUNT, C.HOW_FOUND, C.CONTACT1_NAME,
    C.FATHER_MOBILE, C.CONTACT2_NAME, C.MOTHER_MOBILE, C.SCHOOL_CITY, C.HEKMAT_PACKAGE,
)


class _Builder:
    """Precomputed column getters and the counters of one export."""

    def __init__(self, policy: Policy):
        self.sabt = policy.sabt
        self.prefixes = tuple(self.sabt.landline_prefixes)
        # Each getter appends the national id column so that it returns a tuple even for one
        # column; ``[:-1]`` drops it again.
        self.singles = _getter(*_SINGLES)
        self.copy_a, self.copy_b, self.copy_c = (
            _getter(*_COPY_16_21), _getter(*_COPY_23_28), _getter(*_COPY_41_44))
        self.counts: Counter[str] = Counter()
        self.errors: list[SabtIssue] = []

    def issue(self, s: StudentRecord, nid: str, column: str, fa: str, en: str) -> None:
        self.errors.append(SabtIssue(nid, column, fa, en, s.row))

    def mobile(self, s: StudentRecord, nid: str, raw: str, column: str) -> str:
        phone = normalize_mobile(raw)
        if not phone:
            self.counts["phones_blanked"] += 1
            self.issue(s, nid, column, "شماره همراه نامعتبر است و خالی نوشته شد",
                       "invalid mobile number; written blank")
        return phone

    def landline(self, s: StudentRecord, nid: str, raw: str, hekmat: bool) -> str:
        if raw and phone_digits(raw) == self.sabt.hekmat_empty_landline:
            raw = ""   # the placeholder itself (a Hekmat row of last year's export): no number
        land = normalize_landline(raw, self.prefixes) if raw else ""
        if raw and not land:
            self.counts["landlines_blanked"] += 1
            self.issue(s, nid, C.LANDLINE, "تلفن ثابت با پیش‌شماره مجاز شروع نمی‌شود و خالی نوشته شد",
                       "landline does not start with an allowed prefix; written blank")
        if hekmat and not land:
            self.counts["hekmat_landline_default"] += 1
            return self.sabt.hekmat_empty_landline
        return land

    def row(self, s: StudentRecord, d: Decision) -> tuple[str, ...]:
        v, sabt = s.values, self.sabt
        nid = s.national_id or d.national_id
        if len(nid) != 10 or not nid.isdigit() or not nid.isascii():
            nid = normalize_national_id(nid)
        (foreign, first, last, father_name, birth, vocational, raw_land, raw_mobile, bonyad_file,
         bonyad_kind, discount, how_found, c1_name, raw_father, c2_name, raw_mother, city,
         package, _) = self.singles(v)
        hekmat, bonyad = s.finance == HEKMAT, s.finance == BONYAD
        land = self.landline(s, nid, raw_land, hekmat)
        mobile = _fast(raw_mobile) or (raw_mobile and self.mobile(s, nid, raw_mobile, C.MOBILE))
        father = _fast(raw_father) or (
            raw_father and self.mobile(s, nid, raw_father, C.FATHER_MOBILE))
        mother = _fast(raw_mother) or (
            raw_mother and self.mobile(s, nid, raw_mother, C.MOTHER_MOBILE))
        if father:
            c1 = (sabt.contact1_relation, c1_name, father)
            c2 = ((sabt.contact2_relation, c2_name, mother)
                  if mother and mother != father else _NO_CONTACT)
        elif mother:  # contact 2 moves up; the slot it left stays empty
            self.counts["contact2_moved_up"] += 1
            c1, c2 = (sabt.contact2_relation, c2_name, mother), _NO_CONTACT
        else:
            c1, c2 = (sabt.contact1_relation, c1_name, ""), _NO_CONTACT
        self.counts["hekmat_rows"] += hekmat
        self.counts["bonyad_rows"] += bonyad
        out = (
            d.mentor_id, d.code, _text(s.group), _text(s.gender), _text(s.finance), foreign, nid,
            first, last, father_name, birth, _text(s.status), vocational, land, mobile,
            *self.copy_a(v)[:-1], d.alias, *self.copy_b(v)[:-1],
            bonyad_file if bonyad else "", bonyad_kind, "" if hekmat else discount, how_found,
            *c1, *c2, city or sabt.school_city_code, _text(s.school or 0), *self.copy_c(v)[:-1],
            sabt.hekmat_tracking_code if hekmat else "",
            (package or sabt.hekmat_package_default) if hekmat else "",
        )
        if not all(map(out.__getitem__, _MANDATORY_AT)):
            for at in _MANDATORY_AT:
                if not out[at]:
                    self.counts["missing_mandatory"] += 1
                    self.issue(s, nid, SABT_COLUMNS[at], "مقدار اجباری خالی است",
                               "mandatory value is empty")
        if len(nid) != 10:
            self.issue(s, nid, "کد ملی", "کد ملی ۱۰ رقمی نیست", "national id is not 10 digits")
        return out


_NO_CONTACT = ("", "", "")


def _fast(raw: str) -> str:
    """The common case without a call into the phone rules: already a clean 09… mobile."""
    if len(raw) == 11 and raw[:2] == "09" and raw.isdigit() and raw.isascii():
        return raw
    return ""


_SMALL = {i: str(i) for i in range(100)}


def _text(value: int | None) -> str:
    """Key as text; the keys of an allocated student are small ints, so look them up."""
    if value is None:
        return ""
    return _SMALL.get(value) or str(value)


def build_sabt(students: Sequence[StudentRecord], decisions: Sequence[Decision],
               policy: Policy, stamp: str | None = None) -> SabtExport:
    """Sheet2 rows (one per ALLOCATED decision, in decision order), Summary and Errors;
    ``stamp``: the policy stamp the Summary names (default the policy's own; a version after
    review names its run's)."""
    builder = _Builder(policy)
    rows = [builder.row(students[d.index], d) for d in decisions
            if d.outcome is Outcome.ALLOCATED]
    c = builder.counts
    allocated = len(rows)
    summary: list[tuple[str, object]] = [
        ("تعداد دانش‌آموزان | students", len(students)),
        ("تعداد تصمیم‌ها | decisions", len(decisions)),
        ("تخصیص‌یافته | allocated", allocated),
        ("تخصیص‌نیافته | not allocated", len(decisions) - allocated),
        ("ردیف‌های نوشته‌شده | rows written", len(rows)),
        ("ردیف‌های حکمت | Hekmat rows", c["hekmat_rows"]),
        ("ردیف‌های بنیاد | Bonyad rows", c["bonyad_rows"]),
        ("تلفن ثابت پیش‌فرض حکمت | Hekmat default landlines", c["hekmat_landline_default"]),
        ("تلفن ثابت حذف‌شده | landlines blanked", c["landlines_blanked"]),
        ("تلفن همراه حذف‌شده | mobiles blanked", c["phones_blanked"]),
        ("رابط ۲ جایگزین رابط ۱ | contact 2 moved up", c["contact2_moved_up"]),
        ("مقدار اجباری خالی | mandatory values missing", c["missing_mandatory"]),
        ("خطاها | errors", len(builder.errors)),
        ("نسخه سیاست | policy stamp", stamp or policy.stamp),
    ]
    return SabtExport(rows, summary, builder.errors)


def sabt_later(students: Sequence[StudentRecord], decisions: Sequence[Decision],
               policy: Policy) -> SabtExport:
    """A run's export, built when first read: by the writer forked to write it, beside the
    run (issue P: 0.8 s of the run's chain at 100k). Its number of rows (one per allocated
    decision) is known now, and is all of its rows QA reads; a build that gives another
    number is a bug, raised where it is built. ``build_sabt``'s export, to the byte."""
    built = functools.cache(lambda: build_sabt(students, decisions, policy))
    allocated = sum(d.outcome is Outcome.ALLOCATED for d in decisions)
    return SabtExport(LazyRows(lambda: built().rows, allocated),
                      LazyRows(lambda: built().summary, None),
                      LazyRows(lambda: built().errors, None))
