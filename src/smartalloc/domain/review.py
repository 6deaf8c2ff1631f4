"""Manual review (issue K): the operator's last word over the allocations, audited.

No run places everyone, and parents ask for changes. Rather than editing the ImportToSabt by
hand (after which history, seats and QA no longer match what was uploaded), the operator acts
here, and every action is one audited change of the database's allocations:

- **assign** an unallocated student to a mentor (a registration code is issued, or the
  student's own code of this year kept — D15);
- **move** an allocated student to another mentor (one seat released, one taken; the code stays);
- **release** a student (the seat is freed; the code stays the student's, per D15, and comes
  back if the student is assigned again);
- **flag** a student for review, and **unflag** it: a note for the next operator (the review
  list shows it), audited like any action but changing no allocation, seat or code.

The target must be one of the student's eligible mentors (the matrix rows of its six keys,
the same engine as explain) with a free seat and an active status. An administrator may go
outside the matrix — an **exception**, flagged in the audit, every output and QA. A reason is
always required: it is what the next operator reads.

This module decides; it reads and writes nothing (``service_layer.review`` does).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from smartalloc.domain.errors import ConflictError, CounterError, InputError, NotFoundError, Problem
from smartalloc.domain.policy import Policy

REASON_MAX = 500
ASSIGNABLE = ("active", "restricted")   # a restriction is already in the student's matrix rows


class ReviewAction(StrEnum):
    ASSIGN = "assign"
    MOVE = "move"
    RELEASE = "release"
    FLAG = "flag"
    UNFLAG = "unflag"


# The actions that change an allocation. A flag row of the audit is a note: it must not count
# as the code a student last held, the last taker of a seat, or a change a replay would undo.
MOVING = (ReviewAction.ASSIGN, ReviewAction.MOVE, ReviewAction.RELEASE)
FLAGS = (ReviewAction.FLAG, ReviewAction.UNFLAG)
# The actions in the operators' words (Persian, English), for the audit as people read it.
ACTION_WORDS = {ReviewAction.ASSIGN: ("تخصیص", "assign"), ReviewAction.MOVE: ("جابه‌جایی", "move"),
                ReviewAction.RELEASE: ("آزادسازی", "release"),
                ReviewAction.FLAG: ("نشان‌گذاری", "flag"),
                ReviewAction.UNFLAG: ("برداشتن نشان", "unflag")}


class ReviewRefused(ConflictError):
    """The action cannot be carried out in the current state (HTTP 409)."""


@dataclass(frozen=True)
class Holding:
    """A student's allocation as the database holds it now."""

    national_id: str
    mentor_id: str
    code: str
    run_id: str


@dataclass(frozen=True)
class Seats:
    """A mentor's seats now: its capacity less the students it covers and was given."""

    mentor_id: str
    name: str
    status: str
    capacity: int
    taken: int
    last_taken_by: str = ""       # who took its last seat, for a refusal that names them
    last_taken_at: str = ""

    @property
    def left(self) -> int:
        return self.capacity - self.taken


@dataclass(frozen=True)
class ReviewRequest:
    national_id: str
    action: ReviewAction
    mentor_id: str            # the target; "" for a release
    reason: str
    by: str
    at: str                   # Jalali, Tehran: «1405-09-15 10:30:00»
    exception: bool = False   # an administrator going outside the student's matrix rows


@dataclass(frozen=True)
class ReviewChange:
    """One audited change: who, when, before → after, why."""

    national_id: str
    action: ReviewAction
    from_mentor: str          # "" when the student was not allocated
    to_mentor: str            # "" for a release
    code: str                 # the student's registration code (kept on a release)
    reason: str
    by: str
    at: str
    exception: bool
    run_id: str               # the run the allocation belongs to (its seats are that run's)


@dataclass(frozen=True)
class CodeFamily:
    """The registration codes of one academic year (D15): YY + the gender's mid + sequence.

    ``known`` holds, per mid, the highest sequence of this year known *outside* the database —
    the roster and the codes typed in the student report — which the database's counter (the
    codes SmartAlloc issued) does not count: review issues above both, as a batch does."""

    yy: int
    mids: Mapping[int, str]        # gender code → counter mid (357 boys, 373 girls)
    digits: int
    known: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, policy: Policy, year: int, known: Iterable[str] = ()) -> CodeFamily:
        return cls.of_codes(year - policy.counters.year_offset,
                            {g.code: g.counter_mid for g in policy.genders.values()},
                            policy.counters.sequence_digits, known)

    @classmethod
    def of_codes(cls, yy: int, mids: Mapping[int, str], digits: int,
                 known: Iterable[str] = ()) -> CodeFamily:
        highest: dict[str, int] = {}
        prefixes = {f"{yy:02d}{mid}": mid for mid in mids.values()}
        for code in known:
            mid = prefixes.get(code[:5])
            if mid is not None and len(code) == 5 + digits and code.isdecimal():
                highest[mid] = max(highest.get(mid, 0), int(code[5:]))
        return cls(yy, mids, digits, highest)

    def floor(self, gender: int) -> int:
        """The highest sequence of the gender's codes known outside the database (0: none)."""
        return self.known.get(self.mids[gender], 0)

    def prefix(self, gender: int) -> str:
        return f"{self.yy:02d}{self.mids[gender]}"

    def owns(self, code: str, gender: int) -> bool:
        """Whether ``code`` is a code of this year for this gender (one a student keeps)."""
        return (gender in self.mids and len(code) == 5 + self.digits
                and code.startswith(self.prefix(gender)) and code.isdecimal())

    def code(self, gender: int, sequence: int) -> str:
        if not 0 < sequence < 10 ** self.digits:
            raise CounterError(Problem(
                "COUNTER_EXHAUSTED", f"شماره‌های کد ثبت‌نام پیشوند {self.prefix(gender)} تمام شده است",
                f"the registration codes of prefix {self.prefix(gender)} are used up"))
        return self.prefix(gender) + str(sequence).zfill(self.digits)


def checked_reason(reason: str) -> str:
    """A reason an operator can read later: not empty, not a novel."""
    text = " ".join(reason.split())
    if not "".join(c for c in text if unicodedata.category(c) != "Cf").strip():  # ZWNJ alone
        raise InputError(Problem("REVIEW_REASON_REQUIRED", "دلیل این تغییر الزامی است",
                                 "a reason is required for every review action"))
    if len(text) > REASON_MAX:
        raise InputError(Problem("REVIEW_REASON_TOO_LONG",
                                 f"دلیل بیش از {REASON_MAX} نویسه است",
                                 f"the reason is longer than {REASON_MAX} characters"))
    return text


def decide(request: ReviewRequest, holding: Holding | None, target: Seats | None, *,
           eligible: bool, admin: bool, code: str, run_id: str,
           flagged: bool = False) -> ReviewChange:
    """The change ``request`` makes, or the reason it is refused.

    ``holding`` is the student's allocation now (None: unallocated); ``target`` the mentor
    asked for (None: no such mentor); ``eligible`` whether it is one of the student's matrix
    rows; ``code`` the registration code the student would hold (its own, or the next one);
    ``run_id`` the run a new allocation is counted in; ``flagged`` whether the student has an
    open flag (for a flag or an unflag)."""
    reason = checked_reason(request.reason)
    action = request.action
    if action in FLAGS:
        return _flag(request, reason, holding, flagged=flagged, run_id=run_id)
    if action is ReviewAction.ASSIGN and holding is not None:
        raise ReviewRefused(Problem(
            "REVIEW_ALREADY_ALLOCATED",
            f"این دانش‌آموز به پشتیبان {holding.mentor_id} تخصیص یافته است؛ «جابه‌جایی» را "
            "به کار ببرید",
            f"the student is allocated to mentor {holding.mentor_id}; use «move»"))
    if action in (ReviewAction.MOVE, ReviewAction.RELEASE) and holding is None:
        raise ReviewRefused(Problem("REVIEW_NOT_ALLOCATED",
                                    "این دانش‌آموز تخصیص نیافته است؛ «تخصیص» را به کار ببرید",
                                    "the student is not allocated; use «assign»"))
    if action is ReviewAction.RELEASE:
        assert holding is not None
        return ReviewChange(request.national_id, action, holding.mentor_id, "", holding.code,
                            reason, request.by, request.at, False, holding.run_id)
    _check_target(request, holding, target, eligible=eligible, admin=admin)
    assert target is not None
    return ReviewChange(request.national_id, action, holding.mentor_id if holding else "",
                        target.mentor_id, holding.code if holding else code, reason, request.by,
                        request.at, request.exception, holding.run_id if holding else run_id)


def _flag(request: ReviewRequest, reason: str, holding: Holding | None, *, flagged: bool,
          run_id: str) -> ReviewChange:
    """A flag (or its clearing): no mentor on either side, the student's current code if it
    holds one, the run its allocation (or, unallocated, its last decision) belongs to."""
    if request.action is ReviewAction.FLAG and flagged:
        raise ReviewRefused(Problem(
            "REVIEW_ALREADY_FLAGGED",
            "این دانش‌آموز از پیش برای بازبینی نشان‌گذاری شده است؛ نشان را در فهرست بازبینی "
            "ببینید یا نخست آن را بردارید",
            "the student is already flagged for review; see the flag in the review list or "
            "clear it first"))
    if request.action is ReviewAction.UNFLAG and not flagged:
        raise ReviewRefused(Problem(
            "REVIEW_NOT_FLAGGED", "این دانش‌آموز نشان بازبینی ندارد که برداشته شود",
            "the student has no review flag to clear"))
    return ReviewChange(request.national_id, request.action, "", "",
                        holding.code if holding else "", reason, request.by, request.at, False,
                        holding.run_id if holding else run_id)


def _check_target(request: ReviewRequest, holding: Holding | None, target: Seats | None, *,
                  eligible: bool, admin: bool) -> None:
    wanted = request.mentor_id
    if target is None:
        raise NotFoundError(Problem("REVIEW_UNKNOWN_MENTOR",
                                    f"پشتیبانی با شناسه {wanted} در فهرست پشتیبان‌ها نیست",
                                    f"no mentor with id {wanted} in the mentor list"))
    if holding is not None and holding.mentor_id == target.mentor_id:
        raise ReviewRefused(Problem("REVIEW_SAME_MENTOR",
                                    f"دانش‌آموز هم‌اکنون نزد پشتیبان {wanted} است",
                                    f"the student is already with mentor {wanted}"))
    if request.exception and not admin:
        raise ReviewRefused(Problem(
            "REVIEW_EXCEPTION_ADMIN_ONLY",
            "تخصیص بیرون از ردیف‌های ماتریس دانش‌آموز فقط با نقش مدیر سامانه ممکن است",
            "an allocation outside the student's matrix rows is for an administrator only"))
    if not eligible and not request.exception:
        raise ReviewRefused(Problem(
            "REVIEW_NOT_ELIGIBLE",
            f"پشتیبان {wanted} در ردیف‌های ماتریس این دانش‌آموز نیست (گروه، جنسیت، وضعیت "
            "تحصیلی، مرکز، مالی یا مدرسه جور نیست)",
            f"mentor {wanted} is not in this student's matrix rows (group, gender, graduation "
            "status, centre, finance or school do not match)"))
    if target.status not in ASSIGNABLE:
        raise ReviewRefused(Problem("REVIEW_MENTOR_NOT_ACTIVE",
                                    f"پشتیبان {wanted} فعال نیست",
                                    f"mentor {wanted} is not active ({target.status})"))
    if target.left <= 0:
        who = (f"؛ آخرین ظرفیت را {target.last_taken_by} در {target.last_taken_at} گرفت"
               if target.last_taken_by else "")
        who_en = (f"; its last seat was taken by {target.last_taken_by} at "
                  f"{target.last_taken_at}" if target.last_taken_by else "")
        raise ReviewRefused(Problem("REVIEW_NO_SEAT",
                                    f"پشتیبان {wanted} ظرفیت خالی ندارد{who}",
                                    f"mentor {wanted} has no free seat{who_en}"))
