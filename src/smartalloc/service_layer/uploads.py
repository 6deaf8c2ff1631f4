"""Use case: keep an uploaded Kanoon report, after checking it with the run's own readers, so
a bad workbook is refused at once — naming the operator's file, sheet, row and column — and
not when a run reads it. The upload becomes a finished import job whose id a run names.

The operator's side of a refusal lives here too (issue J), one rule for the API and the run
page: a file over the size limit is told the limit, its size and what to do; a report put in
another report's slot is recognised by its header and named, instead of the missing columns.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from smartalloc.domain.errors import InputError, LimitError, Location, Problem
from smartalloc.domain.policy import Policy
from smartalloc.service_layer.idempotency import key_reused, replayed, request_hash
from smartalloc.service_layer.ports import INPUT_ROLES, MENTOR_REPORT_ROLES
from smartalloc.service_layer.service_ports import (
    JobBook,
    JobRecord,
    ReportChecker,
    UploadShelf,
)

MB = 1024 * 1024
#: Each role's report as the operator knows it (Persian, English).
REPORT_NAMES = {
    "inspactor": ("گزارش پشتیبان‌ها", "InspactorReport"),
    "schools": ("گزارش مدارس", "SchoolReport"),
    "students": ("گزارش دانش‌آموزان", "StudentReport"),
    "managers": ("گزارش مدیران", "ManagerReport"),
    "crosswalk": ("جدول تطبیق", "Crosswalk"),
    "roster": ("فهرست سوابق", "roster"),
}
# A reader's refusals that mean "this header is not my report's": only these are worth
# checking against the other reports' headers.
_HEADER_PROBLEMS = {"INPUT_MISSING_COLUMN", "INPUT_MISSING_SHEET"}


def megabytes(size: int) -> str:
    """``21.4``, ``20``, ``1.03``: enough digits to tell a size from the limit."""
    value = size / MB
    text = f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def too_large(filename: str, size: int | None, limit: int,
              code: str = "UPLOAD_TOO_LARGE") -> LimitError:
    """A file over the upload limit: the limit, the file's size (when known) and what to do."""
    limit_mb = megabytes(limit)
    size_fa = f"{megabytes(size)} مگابایت است و " if size else ""
    size_en = f"is {megabytes(size)} MB, " if size else ""
    shown = f"«{filename}» " if filename else ""
    return LimitError(Problem(
        code,
        f"فایل {shown}{size_fa}از حد مجاز هر فایل ({limit_mb} مگابایت) بزرگ‌تر است. برگه‌های "
        "اضافی (جز برگهٔ گزارش) و ستون‌های بی‌استفاده را حذف کنید یا فایل را در چند بخش "
        "بارگذاری و اجرا کنید؛ اگر لازم است، از مدیر سامانه بخواهید SMARTALLOC_MAX_UPLOAD_MB را "
        "بیشتر کند.",
        f"the file {filename + ' ' if filename else ''}{size_en}over the limit of {limit_mb} MB "
        "per file. Remove the extra sheets (all but the report's) and unused columns, or split "
        "the file and run the parts; if needed, ask the administrator to raise "
        "SMARTALLOC_MAX_UPLOAD_MB.",
        Location(file=filename)))


def wrong_report(expected: str, found: str, filename: str) -> InputError:
    """``filename`` was put in ``expected``'s slot but its header is ``found``'s report."""
    (want_fa, want_en), (got_fa, got_en) = REPORT_NAMES[expected], REPORT_NAMES[found]
    return InputError(Problem(
        "UPLOAD_WRONG_REPORT",
        f"این فایل شبیه {got_fa} ({got_en}) است، نه {want_fa} ({want_en})؛ آن را در جای "
        f"«{got_fa}» بگذارید و برای این جا فایل {want_fa} را انتخاب کنید.",
        f"this looks like a {got_en}, not the {want_en}: put it in the {got_en} slot and "
        f"choose the {want_en} file for this one.", Location(file=filename)))


def recognised(error: InputError, role: str, kinds: Sequence[str],
               filename: str) -> InputError:
    """The refusal to give for a file ``role``'s reader refused with ``error``: when the
    refusal is about the header and the header holds another report's columns (``kinds``:
    the reports whose required columns it holds, best match first), that report is named;
    otherwise ``error`` itself."""
    if not any(p.code in _HEADER_PROBLEMS for p in error.problems):
        return error
    other = next((k for k in kinds if k != role and k in REPORT_NAMES), None)
    return error if other is None else wrong_report(role, other, filename)


def kept_upload(jobs: JobBook, file_id: str, role: str) -> dict | None:
    """An upload kept from an earlier try of the run form: its result (file id, name, rows)
    if ``file_id`` is a finished upload of ``role`` — the rule a run checks its files by."""
    job = jobs.get(file_id) if file_id else None
    if job is None or job.kind != f"import:{role}" or job.state != "succeeded":
        return None
    return job.result


# Per upload kind its roles, the default first (derived from the one list of input roles).
UPLOAD_ROLES = {"students": ("students", *(r for r in INPUT_ROLES
                                           if r not in MENTOR_REPORT_ROLES and r != "students")),
                "mentors": MENTOR_REPORT_ROLES}


@dataclass(frozen=True)
class ImportUpload:
    kind: str                 # "students" or "mentors": which upload it came through
    role: str | None          # which report it is (default: the kind's first role)
    filename: str             # the operator's name for it, used in every problem
    data: bytes
    user: str
    key: str | None = None    # Idempotency-Key


def import_upload(command: ImportUpload, jobs: JobBook, shelf: UploadShelf,
                  checker: ReportChecker, policy: Policy, max_rows: int
                  ) -> tuple[JobRecord, bool]:
    """(job, created): the kept upload as a finished import job, or the one this key already
    made for the same file. A file that fails its check is not kept."""
    roles = UPLOAD_ROLES[command.kind]
    role = command.role or roles[0]
    if role not in roles:
        raise InputError(Problem(
            "UPLOAD_ROLE", f"نوع فایل باید یکی از این‌ها باشد: {'، '.join(roles)}",
            f"role must be one of {', '.join(roles)}", Location(column="role")))
    fingerprint = request_hash(command.kind, role, command.data)
    if (found := replayed(jobs, command.user, command.key, fingerprint)) is not None:
        return found, False
    file_id = str(uuid.uuid4())
    checking = shelf.put(file_id, command.data, command.filename)
    try:
        try:
            rows = checker.rows(role, checking, policy, max_rows)
        except InputError as error:
            kinds = getattr(checker, "kinds", None)   # a test double may not recognise
            raise recognised(error, role, kinds(checking, policy) if kinds else (),
                             command.filename) from None
        if rows is not None and rows > max_rows:
            raise LimitError(Problem(
                "UPLOAD_TOO_MANY_ROWS", f"فایل {rows} ردیف دارد؛ بیشترین مجاز {max_rows} است",
                f"the workbook has {rows} rows; the limit is {max_rows}",
                Location(file=command.filename)))
        shelf.accept(file_id, checking)
    except BaseException:
        shelf.discard(file_id)
        raise
    job, created = jobs.create(
        f"import:{role}", {"role": role, "filename": command.filename}, user=command.user,
        key=command.key, request_hash=fingerprint, state="succeeded", job_id=file_id,
        result={"file_id": file_id, "role": role, "rows": rows, "filename": command.filename})
    if not created:   # the same key won meanwhile: its job stands, this copy goes
        shelf.discard(file_id)
        if job.request_hash != fingerprint:   # …and it was another file: a client's mistake
            raise key_reused()
    return job, created
