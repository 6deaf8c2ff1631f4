"""The review list (issue K): the students an operator should look at after a run.

Three kinds, each with what the operator reads and what to do about it:

- **unallocated** — the run gave the student no mentor (its failure class and Persian reason,
  the capacity-plan line of its six keys), or review released it since;
- **placeholder** — the student waits on a placeholder mentor (D17: a vacant position, found
  by the policy's name patterns and alias ranges), whether the run or review put it there;
- **flagged** — an operator flagged the student for review and nobody has cleared the flag.

An item is **resolved** when the state it asks about is gone *now* (the database, not the
run): an unallocated student holds an allocation (review assigned it, or a later run did); a
student the run put on a placeholder holds a real mentor. The list shows the open items; a
resolved item is kept only when asked, so a page can say what was done.

This module decides; it reads nothing (``service_layer.review_list`` gathers the inputs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from smartalloc.domain import glossary
from smartalloc.domain.glossary import Term
from smartalloc.domain.run_results import PlanLine


class ItemKind(StrEnum):
    UNALLOCATED = "unallocated"
    PLACEHOLDER = "placeholder"
    FLAGGED = "flagged"


# The kinds in the operators' words (the CLI and the pages show these, never the codes).
KINDS: Mapping[str, Term] = {
    "unallocated": Term("تخصیص‌نیافته", "unallocated"),
    "placeholder": Term("در انتظار پشتیبان واقعی", "waiting on a placeholder"),
    "flagged": Term("نشان‌گذاری‌شده", "flagged"),
}

# What to do, per failure class (and per kind where the class says nothing).
_ACTIONS: Mapping[str, Term] = {
    "CAPACITY_FULL": Term(
        "افزایش «تعداد تحت پوشش خاص» یکی از پشتیبان‌های واجد شرایط، یا تخصیص در بازبینی به "
        "پشتیبانی که ظرفیت خالی دارد",
        "raise an eligible mentor's capacity («تعداد تحت پوشش خاص»), or assign the student by "
        "review to a mentor with a free seat"),
    "ELIGIBILITY_NO_MATCH": Term(
        "افزودن ردیف ماتریس برای این ترکیب (گروه، جنسیت، مرکز یا مدرسهٔ پشتیبانی در گزارش "
        "Inspactor)، یا تخصیص استثنا بیرون از ماتریس توسط مدیر سامانه",
        "add a matrix row for this combination (a mentor's groups, gender, centre or schools "
        "in the InspactorReport), or an administrator's exception outside the matrix"),
    "DATA_MISSING": Term(
        "اصلاح گزارش دانش‌آموزان (کد ملی یا ستون‌های کلیدی) و اجرای دوباره",
        "correct the student report (national id or key columns) and run again"),
    "DUPLICATE": Term(
        "بررسی سابقهٔ دانش‌آموز؛ تخصیص دوباره لازم نیست مگر سابقه نادرست باشد",
        "check the student's history; no new allocation unless the history is wrong"),
    "INTERNAL_ERROR": Term(
        "گزارش خطا به پشتیبانی فنی، سپس تخصیص در بازبینی",
        "report the error to technical support, then assign the student by review"),
    "": Term("تخصیص یکی از پشتیبان‌های واجد شرایط در بازبینی",
             "assign an eligible mentor by review"),
}
_PLACEHOLDER_ACTION = Term(
    "جابه‌جایی دانش‌آموز در بازبینی به یک پشتیبان واقعی",
    "move the student by review to a real mentor")
_FLAG_ACTION = Term("خواندن یادداشت نشان، انجام اقدام لازم و سپس برداشتن نشان",
                    "read the flag's note, act on it, then clear the flag")

RELEASED = Term("پس از اجرا در بازبینی آزاد شد و اکنون پشتیبان ندارد",
                "released by review after the run; it has no mentor now")
NOT_KEPT = Term(
    "توضیح‌های نگه‌داشتهٔ این اجرا پیدا نشد (اجرای خط فرمان بدون ‎--explanations، یا پوشهٔ آن "
    "جابه‌جا شده)؛ برگهٔ «تخصیص‌نیافته‌ها» در allocation.xlsx یا «smartalloc explain» را ببینید",
    "this run's kept explanations were not found (a command-line run without --explanations, "
    "or its folder moved); see the «تخصیص‌نیافته‌ها» sheet of allocation.xlsx or "
    "`smartalloc explain`")
ON_PLACEHOLDER = Term("نزد پشتیبان جایگاه خالی (در انتظار تخصیص پشتیبان)",
                      "with a placeholder mentor (waiting for a person)")


@dataclass(frozen=True)
class ReviewItem:
    """One line of the review list: a student, why it is listed, and what to do."""

    national_id: str
    run_id: str
    kind: str                   # ItemKind: unallocated | placeholder | flagged
    failure_class: str          # the run's class code (ELIGIBILITY_NO_MATCH, …), "" if none
    reason: str                 # Persian: the run's reason (or why it is listed)
    suggested_action: str       # Persian, in the operator's words
    plan_row: str               # the capacity-plan line of the student's six keys, or ""
    mentor_id: str              # the student's mentor now, "" if none
    flagged_reason: str = ""    # the open flag, if the student has one (on every item of it)
    flagged_by: str = ""
    flagged_at: str = ""
    resolved: bool = False


@dataclass(frozen=True)
class Decided:
    """A student as a run decided it (from the run's kept file, or the database's account
    when the run kept none: then ``kept`` is False and class and reason are unknown)."""

    national_id: str
    run_id: str
    mentor_id: str                       # "" when the run allocated none
    failure_class: str = ""
    reason: str = ""
    keys: tuple[int, ...] | None = None  # the six keys (for the capacity-plan line)
    kept: bool = True


@dataclass(frozen=True)
class Flag:
    """An open flag: the latest flag row of a student that no unflag followed."""

    national_id: str
    reason: str
    by: str
    at: str
    run_id: str


def suggestion(kind: str, failure_class: str = "") -> Term:
    """What to do about an item, Persian and English (the item carries the Persian)."""
    if kind == ItemKind.PLACEHOLDER:
        return _PLACEHOLDER_ACTION
    if kind == ItemKind.FLAGGED:
        return _FLAG_ACTION
    return _ACTIONS.get(failure_class, _ACTIONS[""])


def plan_row(keys: Sequence[int] | None, failure_class: str, plan: Iterable[PlanLine]) -> str:
    """The profile of the capacity-plan line for ``keys`` (its own class first), or ""."""
    if keys is None:
        return ""
    found = [p for p in plan if p.keys and tuple(p.keys) == tuple(keys)]
    same = [p for p in found if p.failure_class == failure_class]
    return (same or found)[0].profile if found else ""


def items_of(decided: Decided, now: str | None, placeholder: Callable[[str], bool], *,
             flag: Flag | None = None, plan: Iterable[PlanLine] = ()) -> list[ReviewItem]:
    """Every item of one student: its run's decision against where it stands ``now`` (its
    mentor in the database, None when it holds none)."""
    nid, run, mentor = decided.national_id, decided.run_id, now or ""
    flags = (flag.reason, flag.by, flag.at) if flag else ("", "", "")
    items = []

    def add(kind: ItemKind, failure: str, reason: str, *, resolved: bool = False,
            plan_text: str = "") -> None:
        items.append(ReviewItem(nid, run, str(kind), failure, reason, suggestion(kind, failure).fa,
                                plan_text, mentor, *flags, resolved=resolved))

    failure = decided.failure_class
    if not decided.mentor_id:                          # the run gave it no mentor
        reason = decided.reason or ("" if decided.kept else NOT_KEPT.fa)
        add(ItemKind.UNALLOCATED, failure, reason, resolved=now is not None,
            plan_text=plan_row(decided.keys, failure, plan))
    elif now is None:                                  # allocated by the run, released since
        add(ItemKind.UNALLOCATED, "", RELEASED.fa)
    if now is not None and placeholder(now):
        add(ItemKind.PLACEHOLDER, "", ON_PLACEHOLDER.fa)
    elif now is not None and decided.mentor_id and placeholder(decided.mentor_id):
        add(ItemKind.PLACEHOLDER, "", ON_PLACEHOLDER.fa, resolved=True)   # a real mentor now
    if flag is not None:   # its reason is the flag's note; the class is the run's, if any
        add(ItemKind.FLAGGED, "" if decided.mentor_id else failure, flag.reason)
    return items


def flag_only(flag: Flag, now: str | None) -> ReviewItem:
    """The item of a flagged student no listed run decided (its run kept no line of it)."""
    return ReviewItem(flag.national_id, flag.run_id, str(ItemKind.FLAGGED), "", flag.reason,
                      _FLAG_ACTION.fa, "", now or "", flag.reason, flag.by, flag.at)


def class_words(failure_class: str) -> str:
    """The failure class as an operator reads it (the glossary's words)."""
    return glossary.fa(glossary.FAILURE_CLASSES, failure_class)


ORDER = {ItemKind.UNALLOCATED: 0, ItemKind.PLACEHOLDER: 1, ItemKind.FLAGGED: 2}


def ordered(items: Iterable[ReviewItem]) -> list[ReviewItem]:
    """Open items first, then by kind, run and national id: a stable page and table."""
    return sorted(items, key=lambda i: (i.resolved, ORDER[ItemKind(i.kind)], i.run_id,
                                        i.national_id))
