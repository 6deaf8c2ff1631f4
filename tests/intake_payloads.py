"""Recorded-shape Gravity Forms Webhooks payloads (issue L): the add-on's "all fields" JSON
body — entry meta (id, form_id, date_created, ip, source_url…) beside field ids as keys, a
name field split into sub-inputs ("1.3", "1.6") — built from the test factories' student, so
national ids pass the checksum. No network: tests post these to the app in process."""

from __future__ import annotations

from pathlib import Path

from smartalloc.domain.contracts import StudentCol as C
from tests.policies import make_policy
from tests.unit.factories import student_columns, valid_national_id

SECRET = "intake-secret-0123456789abcdefghijklmnopqrstuv"
SECRET_ENV = "SMARTALLOC_INTAKE_KEY_MAIN"
# The agency's form: A.14 ids and the rest of its fields (all other columns stay mappable).
FIELDS = {C.PRIOR_CODE: "46", C.GENDER: "92", C.FINANCE: "75", C.GROUP: "73", C.SCHOOL: "30",
          C.NATIONAL_ID: "5", C.FIRST_NAME: "1.3", C.LAST_NAME: "1.6", C.FATHER_NAME: "6",
          C.BIRTH_DATE: "7", C.EDU_STATUS: "80", C.CENTER: "81", C.MOBILE: "20",
          C.ADDRESS: "21"}
INTAKE = {"mode": "queued",
          "gravity_forms": {"fields": FIELDS, "ignored_fields": ["1.2", "1.4", "1.8", "99"]},
          "sources": {"main": {"secret_env": SECRET_ENV}}}


def intake_policy():
    return make_policy(intake=INTAKE)


def now_policy_file(folder: Path) -> Path:
    """The test policy with live intake allocating on arrival (mode "now"), as a file."""
    path = folder / "policy-now.json"
    path.write_text(make_policy(intake={**INTAKE, "mode": "now"}).model_dump_json(), "utf-8")
    return path


def entry(n: int = 0, *, entry_id: int | None = None, **fields: object) -> dict:
    """Entry ``n`` of form 7: a girl (field 92 «دختر»), group 27, school 0 → centre 0."""
    cols = student_columns(n, group=27, gender=0, status=1, center=0, finance=0, school=0)
    body: dict[str, object] = {
        "id": str(entry_id if entry_id is not None else 1000 + n), "form_id": "7",
        "post_id": None, "date_created": "2026-12-06 10:12:13",
        "date_updated": "2026-12-06 10:12:13", "is_starred": "0", "is_read": "0",
        "ip": "203.0.113.7", "source_url": "https://kanoon.example/register/",
        "user_agent": "Mozilla/5.0", "currency": "USD", "payment_status": None,
        "created_by": "", "status": "active",
        "1.2": "", "1.3": cols[C.FIRST_NAME], "1.4": "", "1.6": cols[C.LAST_NAME], "1.8": "",
        "5": valid_national_id(n), "6": cols[C.FATHER_NAME], "7": cols[C.BIRTH_DATE],
        "20": cols[C.MOBILE], "21": "", "30": "", "46": "", "73": "27", "75": "0",
        "80": "1", "81": "0", "92": "دختر", "99": "",
    }
    body.update({str(k): v for k, v in fields.items()})
    return body
