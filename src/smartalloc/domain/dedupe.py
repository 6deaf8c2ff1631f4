"""Dedupe students by normalised national id, within the batch and against history
(FR-HIST-02/03). Runs before ranking; every student removed from the flow carries a reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from smartalloc.domain.compiled import kernel
from smartalloc.domain.national_id import is_valid_national_id
from smartalloc.domain.records import HistoryEntry, StudentRecord


class Verdict(StrEnum):
    NEW = "new"
    INVALID_ID = "invalid_id"
    DUPLICATE_IN_BATCH = "duplicate_in_batch"
    ALLOCATED_BEFORE = "allocated_before"


@dataclass(frozen=True, slots=True)
class DedupeResult:
    verdict: Verdict
    reason_fa: str
    previous: HistoryEntry | None = None
    first_row: int | None = None


def dedupe(students: Sequence[StudentRecord], history: Mapping[str, HistoryEntry],
           *, skip_previously_allocated: bool = True) -> list[DedupeResult]:
    """One result per student, in order. The first row of a national id is kept."""
    seen: dict[str, int] = {}
    fresh = DedupeResult(Verdict.NEW, "بدون سابقه")  # immutable, shared by every new student

    def judge(student: StudentRecord, ok: bool) -> DedupeResult:
        nid = student.national_id
        if not ok:
            # The reason travels in events and logs: it describes the id, never repeats it.
            why = ("خالی" if not nid else f"{len(nid)} رقم" if len(nid) != 10 or not nid.isdigit()
                   else "رقم کنترل نادرست")
            return DedupeResult(Verdict.INVALID_ID, f"کد ملی نامعتبر ({why})")
        if nid in seen:
            return DedupeResult(
                Verdict.DUPLICATE_IN_BATCH, f"کد ملی تکراری در همین فایل (ردیف {seen[nid]})",
                first_row=seen[nid])
        seen[nid] = student.row
        previous = history.get(nid)
        if previous is None:
            return fresh
        if skip_previously_allocated:
            return DedupeResult(
                Verdict.ALLOCATED_BEFORE,
                f"قبلاً به پشتیبان {previous.mentor_id} تخصیص یافته (اجرای {previous.run_id})",
                previous=previous)
        return DedupeResult(Verdict.NEW, "سابقه تخصیص دارد", previous=previous)

    if kernel is not None:  # the checksum and the common case compiled, the rest by ``judge``
        return kernel.dedupe(students, seen, history, fresh, judge, is_valid_national_id)
    return [judge(student, is_valid_national_id(student.national_id)) for student in students]
