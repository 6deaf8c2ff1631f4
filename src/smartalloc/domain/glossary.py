"""The operators' words for the system's codes: one place, Persian and English (issue J).

Workbooks for people show these labels while the machine codes (``ALLOCATED``,
``ELIGIBILITY_NO_MATCH``, ``SADRA``, ``min_mentor_id``, ``PASSED_QA``) stay in columns of their
own, so scripts and diffs keep working. The web can show the same words from the same table.

Keys are the codes' string values, not the enums: this module imports nothing from the
domain but ``contracts`` (constants only), so ``decision``, ``ranking`` and ``reasons`` can
take their labels from here without an import cycle (a ``StrEnum`` member looks up as its value). ``tests/unit/test_glossary.py``
holds every enum member to a label, so a new code cannot reach a workbook unlabelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from smartalloc.domain.contracts import CENTER_LABELS, GENDER_LABELS, STATUS_LABELS


class Term(NamedTuple):
    fa: str
    en: str


OUTCOMES: Mapping[str, Term] = {
    "ALLOCATED": Term("تخصیص داده شد", "allocated"),
    "FAILED": Term("تخصیص داده نشد", "not allocated"),
}
FAILURE_CLASSES: Mapping[str, Term] = {
    "ELIGIBILITY_NO_MATCH": Term("بدون پشتیبان واجد شرایط", "no eligible mentor"),
    "CAPACITY_FULL": Term("ظرفیت پر", "capacity full"),
    "DATA_MISSING": Term("داده ناقص یا نامعتبر", "missing or invalid data"),
    "DUPLICATE": Term("تکراری", "duplicate"),
    "INTERNAL_ERROR": Term("خطای داخلی", "internal error"),
}
# Allocation channels (FR-CHAN-01): the spec's channel table in the agency's words.
CHANNELS: Mapping[str, Term] = {
    "SCHOOL": Term("مدرسه", "school"),
    "GOLESTAN": Term("گلستان", "Golestan"),
    "SADRA": Term("صدرا", "Sadra"),
    "GENERIC": Term("عمومی", "general"),
}
# The channel recorded with an allocation: the engine's, or an operator's review (issue K).
RECORDED_CHANNELS: Mapping[str, Term] = {
    **CHANNELS, "MANUAL": Term("دستی (بازبینی اپراتور)", "manual (operator review)")}
# What became of a live registration (issue L), as the history and review pages show it.
INTAKE_STATUSES: Mapping[str, Term] = {
    "allocated": Term("تخصیص داده شد (آنلاین)", "allocated on arrival"),
    "queued": Term("در صف اجرای هفتگی", "waiting for the weekly run"),
    "duplicate": Term("از پیش تخصیص یافته", "already allocated"),
    "rejected": Term("رد شد (داده ناقص یا نامعتبر)", "rejected (missing or invalid data)"),
}
# Ranking rules (D6), as the trace and the selection reasons name them.
RANKING_RULES: Mapping[str, Term] = {
    "min_occupancy_ratio": Term("کمترین نسبت اشغال", "lowest occupancy ratio"),
    "min_allocations_new": Term("کمترین تخصیص جدید", "fewest new allocations"),
    "min_mentor_id": Term("کوچک‌ترین شناسه پشتیبان", "smallest mentor id"),
    "min_load_ratio": Term("کمترین نسبت بار", "lowest load ratio"),
    "max_remaining_capacity": Term("بیشترین ظرفیت باقی‌مانده", "most remaining capacity"),
}
# The 8 stages of the trace (spec step 6).
STAGES: Mapping[str, Term] = {
    "type": Term("نوع پشتیبان", "mentor type"),
    "group": Term("گروه آزمایشی", "study group"),
    "gender": Term("جنسیت", "gender"),
    "graduation_status": Term("وضعیت تحصیلی", "graduation status"),
    "center": Term("مرکز", "centre"),
    "finance": Term("وضعیت مالی", "finance"),
    "school": Term("مدرسه", "school"),
    "capacity_gate": Term("ظرفیت", "capacity"),
}
CENTRES: Mapping[int, Term] = {
    code: Term(CENTER_LABELS[code], en) for code, en in ((0, "central"), (1, "Golestan"),
                                                         (2, "Sadra"))
}
# The other join keys' codes (spec D1): gender, graduation status, finance; the Persian words
# are the spec's, as the matrix workbook writes them (``contracts``).
GENDERS: Mapping[int, Term] = {0: Term(GENDER_LABELS[0], "girls"),
                               1: Term(GENDER_LABELS[1], "boys")}
GRADUATION_STATUSES: Mapping[int, Term] = {
    1: Term(STATUS_LABELS[1], "student"), 0: Term(STATUS_LABELS[0], "graduate"),
}
FINANCES: Mapping[int, Term] = {
    0: Term("عادی", "normal finance"), 1: Term("بنیاد شهید", "Bonyad-e-Shahid"),
    3: Term("حکمت", "Hekmat"),
}
# A mentor's status in the run's mentor list (governance, and why the list left one out).
MENTOR_STATUSES: Mapping[str, Term] = {
    "active": Term("فعال", "active"), "inactive": Term("غیرفعال", "inactive"),
    "frozen": Term("مسدود", "frozen"), "restricted": Term("محدود", "restricted"),
    "removed_r0": Term("بدون ظرفیت خالی", "no free seat in the report"),
    "invalid": Term("نامعتبر در گزارش", "invalid in the report"),
}
QA_STATUSES: Mapping[str, Term] = {
    "PASSED_QA": Term("کنترل کیفیت: قبول", "QA passed"),
    "FAILED_QA": Term("کنترل کیفیت: رد", "QA failed"),
    "FAILED_PRE_QA": Term("رد در کنترل پیش از تخصیص (ماتریس)", "failed before allocation"),
}
# One QA rule's own result.
QA_RESULTS: Mapping[str, Term] = {
    "PASSED": Term("برقرار است", "holds"),
    "FAILED": Term("نقض شده", "violated"),
}
QA_RULES: Mapping[str, Term] = {
    "QA_RULE_STU_01": Term("یک تصمیم برای هر دانش‌آموز", "one decision per student"),
    "QA_RULE_STU_02": Term("شمار تخصیص هر پشتیبان", "allocations per mentor"),
    "QA_RULE_JOIN_01": Term("کلیدهای اتصال", "join keys"),
    "QA_RULE_SCHOOL_01": Term("قاعده مدرسه", "school rule"),
    "QA_RULE_ALLOC_01": Term("ظرفیت و نسبت اشغال", "capacity and occupancy"),
    "QA_RULE_OUT_01": Term("برگه‌ها و ستون‌های خروجی", "output sheets and columns"),
    "QA_RULE_REVIEW_01": Term("استثناهای بازبینی", "review exceptions"),
}
BOOLEANS: Mapping[bool, Term] = {True: Term("بله", "yes"), False: Term("خیر", "no")}

ALL: Mapping[str, Mapping] = {
    "outcome": OUTCOMES, "failure_class": FAILURE_CLASSES, "channel": CHANNELS,
    "recorded_channel": RECORDED_CHANNELS, "intake_status": INTAKE_STATUSES,
    "ranking_rule": RANKING_RULES, "stage": STAGES, "centre": CENTRES, "gender": GENDERS,
    "graduation_status": GRADUATION_STATUSES, "finance": FINANCES,
    "mentor_status": MENTOR_STATUSES,
    "qa_status": QA_STATUSES, "qa_result": QA_RESULTS, "qa_rule": QA_RULES,
    "boolean": BOOLEANS,
}


def fa(table: Mapping, code: object) -> str:
    """The Persian label of ``code`` in ``table``; empty for no code (``None``/""), the code
    itself when the table does not know it (a new code shows, it is never hidden)."""
    if code is None or code == "":
        return ""
    term = table.get(code)
    return term.fa if term is not None else str(code)


def en(table: Mapping, code: object) -> str:
    if code is None or code == "":
        return ""
    term = table.get(code)
    return term.en if term is not None else str(code)


def word(table: Mapping, code: object, lang: str) -> str:
    """``fa`` or ``en``, by the page's or message's language."""
    return fa(table, code) if lang == "fa" else en(table, code)


def yes_no(value: bool) -> str:
    """بله / خیر: a boolean as a person reads it (never ``True``/``False``)."""
    return BOOLEANS[bool(value)].fa


def labels_fa(table: Mapping) -> dict:
    """``{code: Persian label}`` for the modules that keep a plain label dict."""
    return {code: term.fa for code, term in table.items()}


# The run's facts (the meta sheets): key → label. ``count_<class>`` and ``input_<file>`` keys
# are labelled by ``meta_label``.
RUN_FACTS: Mapping[str, Term] = {
    "run_id": Term("شناسه اجرا", "run id"),
    "policy_version": Term("نسخه سیاست", "policy version"),
    "policy_stamp": Term("مهر سیاست", "policy stamp"),
    "ssot_version": Term("نسخه مرجع داده (SSoT)", "SSoT version"),
    "academic_year": Term("سال تحصیلی", "academic year"),
    "allocated_at": Term("تاریخ تخصیص", "allocation date"),
    "pre_qa_status": Term("کنترل پیش از تخصیص", "pre-allocation QA"),
    "qa_status": Term("کنترل کیفیت", "QA status"),
    "overrides": Term("استثناهای این اجرا", "overrides"),
    "counter_warnings": Term("هشدارهای کد ثبت نام", "registration code warnings"),
    "managers": Term("مدیران", "managers"),
    "managers_by_map": Term("مدیران با مرکز از جدول سیاست", "managers mapped by the policy"),
    "managers_by_default": Term("مدیران با مرکز پیش‌فرض", "managers on the default centre"),
    "managers_unresolved": Term("مدیران بی‌مرکز", "managers without a centre"),
    "centre_map_unmatched_entries": Term("مدخل‌های جدول مراکز بی مدیر", "unmatched map entries"),
    "allocated_earlier_runs": Term("اجراهای پیشین همین گزارش", "earlier runs of this report"),
    "agency_profile_version": Term("نسخه نمایه نمایندگی", "agency profile version"),
    "count_students": Term("شمار: دانش‌آموزان", "students"),
    "count_allocated": Term("شمار: تخصیص داده شد", "allocated"),
    "count_codes_reused": Term("شمار: کد ثبت نام قبلی حفظ شد", "codes reused"),
    "count_allocated_earlier": Term("شمار: تخصیص در اجراهای پیشین",
                                    "allocated by earlier runs"),
    "rules": Term("قواعد کنترل کیفیت", "QA rules"),
    "rules_failed": Term("قواعد نقض‌شده", "rules failed"),
    "violations": Term("موارد نقض", "violations"),
}
# Facts whose value is itself a code: shown by its label, the code kept beside it.
FACT_VALUES: Mapping[str, Mapping] = {"qa_status": QA_STATUSES, "pre_qa_status": QA_STATUSES}


def meta_label(key: str) -> str:
    """The Persian label of a meta key (the key itself if it has none)."""
    if key in RUN_FACTS:
        return RUN_FACTS[key].fa
    if key.startswith("count_") and key[6:] in FAILURE_CLASSES:
        return f"شمار: {FAILURE_CLASSES[key[6:]].fa}"
    if key.startswith("input_"):
        return f"اثر انگشت SHA-256 فایل {key[6:]}"
    return key


def meta_rows(meta: Mapping[str, object], cell) -> list[tuple]:
    """Meta as (label, value for people, key (code), value (code)) rows; ``cell`` renders a
    raw value as the sheet shows it."""
    rows = []
    for key, value in meta.items():
        raw = cell(value)
        table = FACT_VALUES.get(str(key))
        shown = (fa(table, value) if table else yes_no(value) if isinstance(value, bool)
                 else raw)
        rows.append((meta_label(str(key)), shown, str(key), raw))
    return rows
