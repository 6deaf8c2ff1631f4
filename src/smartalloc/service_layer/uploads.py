"""Use case: keep an uploaded Kanoon report, after checking it with the run's own readers, so
a bad workbook is refused at once — naming the operator's file, sheet, row and column — and
not when a run reads it. The upload becomes a finished import job whose id a run names.
"""

from __future__ import annotations

import uuid
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
        rows = checker.rows(role, checking, policy, max_rows)
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
