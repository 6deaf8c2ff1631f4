"""A live Gravity Forms entry → a student-report row, judged as the batch judges it (issue L).

The entry is laid out in ``STUDENT_COLUMNS`` order by the policy's field map and goes through
``student_rows.build_records`` — the batch reader's own code — so its cleaning (Persian and
Arabic digits, ی/ک, ZWNJ kept, bidi marks dropped), national id and key problems are the
workbook's. Two kinds of trouble, kept apart on purpose:

* the entry does not fit the map (a mapped field absent, an unmapped field with a value, a
  value that is not text): the form and the policy disagree — refused whole (HTTP 422), like a
  workbook missing a column, and not stored;
* a student's data is unusable (checksum, empty or out-of-domain key, D14): the same
  DATA_MISSING the batch would decide — stored as rejected and answered, like a failed row.

No message carries a value the student typed: fields are named by id and column only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smartalloc.domain.contracts import STUDENT_COLUMNS
from smartalloc.domain.decision import FailureClass
from smartalloc.domain.dedupe import Verdict, dedupe
from smartalloc.domain.errors import InputError, Location, Problem, capped
from smartalloc.domain.events import STUDENT_IMPORTED, Event, event_id, student_ref
from smartalloc.domain.intake_policy import FIELD_ID, GravityFormsMap
from smartalloc.domain.normalize import clean_text
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import STUDENT_INDEX, StudentRecord
from smartalloc.domain.student_rows import KEY_COLUMNS, build_records

QUEUED, REJECTED = "queued", "rejected"
ALLOCATED, DUPLICATE = "allocated", "duplicate"   # a live entry's, in mode "now"
_POSITIONS = tuple(range(len(STUDENT_COLUMNS)))


@dataclass(frozen=True, slots=True)
class EntryKey:
    source: str
    form_id: str
    entry_id: str


@dataclass(frozen=True, slots=True)
class Judged:
    """An entry read and judged: its record, ``failure`` None when it joins the queue."""

    record: StudentRecord
    failure: FailureClass | None
    reason_fa: str = ""
    reason_en: str = ""
    fields: tuple[dict[str, str], ...] = ()   # the fields at fault, by id and column


def body_digest(payload: Mapping) -> str:
    """SHA-256 of the entry as canonical JSON: a retry is the same entry whatever the order of
    its keys; any changed value is a different body."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def entry_key(source: str, payload: object) -> EntryKey:
    """(source, form id, entry id) — the idempotency key; 422 without both ids."""
    if not isinstance(payload, Mapping):
        raise InputError(_problem("INTAKE_NOT_AN_ENTRY", "", "",
                                  "بدنه درخواست یک ورودی Gravity Forms (شیء JSON) نیست",
                                  "the body is not a Gravity Forms entry (a JSON object)"))
    ids = [clean_text(payload.get(k)) if not isinstance(payload.get(k), dict | list) else ""
           for k in ("form_id", "id")]
    bad = [k for k, v in zip(("form_id", "id"), ids, strict=True) if not v.isdigit()]
    if bad:
        raise InputError([_problem("INTAKE_MISSING_ID", k, "", f"شناسه «{k}» ورودی نیست یا "
                                   "عدد نیست", f"the entry has no numeric «{k}»") for k in bad])
    return EntryKey(source, ids[0], ids[1])


def read_entry(payload: Mapping, gf: GravityFormsMap) -> StudentRecord:
    """The entry as the record its student-report row would give (row number 1)."""
    by_field = {f: c for c, f in gf.fields.items()}
    problems = []
    for key, value in payload.items():
        if (isinstance(key, str) and FIELD_ID.match(key) and key not in by_field
                and key not in gf.ignored_fields and _filled(value)):
            problems.append(_problem("INTAKE_UNKNOWN_FIELD", key, "", "فیلدی که در نگاشت سیاست "
                                     "نیست مقدار دارد", "a field the policy does not map has "
                                     "a value (map it or list it in ignored_fields)"))
    row: list[object] = [""] * len(STUDENT_COLUMNS)
    for column, field_id in gf.fields.items():
        if field_id not in payload:
            problems.append(_problem("INTAKE_MISSING_FIELD", field_id, column,
                                     "فیلد نگاشته‌شده در ورودی نیست",
                                     "a mapped field is absent from the entry"))
            continue
        value = payload[field_id]
        if isinstance(value, dict | list):
            problems.append(_problem("INTAKE_NOT_TEXT", field_id, column, "مقدار فیلد متن یا "
                                     "عدد نیست", "the field's value is not text or a number"))
            continue
        answers = gf.values.get(column)
        if answers:
            value = {clean_text(k): v for k, v in answers.items()}.get(clean_text(value), value)
        row[STUDENT_INDEX[column]] = "" if value is None else value
    for column, value in gf.constants.items():
        row[STUDENT_INDEX[column]] = value
    if problems:
        raise InputError(capped(problems))
    return build_records([row], _POSITIONS, [1])[0]


def stored_records(rows: Sequence[Sequence[str]]) -> list[StudentRecord]:
    """Stored entries' rows (``STUDENT_COLUMNS`` order, already cleaned) read back as the
    reader reads a student report, numbered 1… in the order given."""
    return build_records([list(r) for r in rows], _POSITIONS, list(range(1, len(rows) + 1)))


def judge(record: StudentRecord, policy: Policy, gf: GravityFormsMap) -> Judged:
    """DATA_MISSING exactly when the batch would decide it (D14), in the batch's order: the
    national id (``dedupe``'s own check and reason), then the six keys."""
    verdict = dedupe([record], {})[0]
    if verdict.verdict is Verdict.INVALID_ID:
        return Judged(record, FailureClass.DATA_MISSING, verdict.reason_fa,
                      "invalid national id (checksum, length or empty)",
                      _named(("کدملی", "کد ملی"), gf))
    bad = bad_keys(record, policy)
    if bad:
        return Judged(record, FailureClass.DATA_MISSING,
                      f"کلید خالی، نامعتبر یا خارج از دامنه: {'، '.join(bad)}",
                      "key columns empty, unreadable or outside the policy's domain",
                      _named(bad, gf))
    return Judged(record, None)


def bad_keys(record: StudentRecord, policy: Policy) -> list[str]:
    """Key columns the batch's ``key_problem`` objects to (by name, never by value)."""
    unreadable = [column for column, _ in record.key_problems]
    if unreadable or record.keys is None:
        return unreadable or [c for c, v in zip(KEY_COLUMNS, _keys(record), strict=True)
                              if v is None]
    group, gender, status, center, finance, school = record.keys
    ok = (group in policy.official_group_codes, gender in (0, 1), status in (0, 1),
          center in policy.center_ids, finance in policy.finance_variants, school >= 0)
    return [c for c, fine in zip(KEY_COLUMNS, ok, strict=True) if not fine]


def answer(key: EntryKey, judged: Judged, mode: str) -> dict:
    """What the site is told, stored as is so a retry gets it again."""
    return {"status": REJECTED if judged.failure else QUEUED, "mode": mode,
            "source": key.source, "form_id": key.form_id, "entry_id": key.entry_id,
            "failure": str(judged.failure) if judged.failure else None,
            "reason_fa": judged.reason_fa, "reason_en": judged.reason_en,
            "fields": list(judged.fields)}


def imported_event(key: EntryKey, judged: Judged, digest: str, at: str, event_key: bytes,
                   status: str | None = None) -> Event:
    """``StudentImported`` for a stored entry (``status`` as stored; by default queued or
    rejected): the student by reference, the entry by ids; the digest in the subject gives a
    corrected resubmission its own event."""
    r = judged.record
    ref = student_ref(r.national_id, event_key) if r.national_id else ""
    subject = entry_subject(key, digest)
    return Event(event_id("", STUDENT_IMPORTED, subject), STUDENT_IMPORTED, at, "",
                 {"student_ref": ref, "row": None, "keys": list(r.keys) if r.keys else None,
                  "source": key.source, "form_id": key.form_id, "entry_id": key.entry_id,
                  "status": status or (REJECTED if judged.failure else QUEUED)})


def entry_subject(key: EntryKey, digest: str) -> str:
    """What names an entry's events (ids are ``uuid5`` of it): one per body of an entry."""
    return f"intake|{key.source}|{key.form_id}|{key.entry_id}|{digest[:16]}"


def _keys(r: StudentRecord) -> tuple:
    return (r.group, r.gender, r.status, r.center, r.finance, r.school)


def _named(columns, gf: GravityFormsMap) -> tuple[dict[str, str], ...]:
    return tuple({"field_id": gf.fields[c], "column": c} if c in gf.fields
                 else {"field_id": "", "column": c} for c in columns
                 if c in gf.fields or c in gf.constants)


def _filled(value: object) -> bool:
    return isinstance(value, dict | list) or clean_text(value) != ""


def _problem(code: str, field_id: str, column: str, fa: str, en: str) -> Problem:
    where = f"{field_id} ({column})" if column else field_id
    return Problem(code, f"{fa}: فیلد {where}", f"{en}: field {where}", Location(column=where))
