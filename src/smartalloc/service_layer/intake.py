"""Live intake, queued mode (issue L, slice 1): one handler per command.

``receive_entry`` reads a Gravity Forms entry as a student-report row, judges it as the batch
would (D14), stores it once per (source, form, entry) with the answer given, and writes
``StudentImported`` to the outbox in the same transaction. A retry — the same body under the
same ids — gets the stored answer; a different body is a conflict (409), unless the stored
entry was rejected for its data: then the corrected entry replaces it (an operator who fixes
an entry in WordPress and resends it must not be locked out by the first attempt).

``export_queued`` hands the queued entries to the next batch as a student-report workbook.
In ``mode = "now"`` an entry the batch would accept is allocated on arrival instead
(``allocate``, ``service_layer.live_intake``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.errors import ConflictError, Problem
from smartalloc.domain.events import Event
from smartalloc.domain.intake import (
    ALLOCATED,
    QUEUED,
    REJECTED,
    EntryKey,
    Judged,
    answer,
    body_digest,
    entry_key,
    imported_event,
    judge,
    read_entry,
    stored_records,
)
from smartalloc.domain.policy import Policy
from smartalloc.domain.sabt import SabtExport, build_sabt

ACCEPTED, UNPROCESSABLE = 202, 422


@dataclass(frozen=True, slots=True)
class StoredEntry:
    key: EntryKey
    digest: str
    received_at: str
    status: str
    national_id: str
    row: tuple[str, ...]            # STUDENT_COLUMNS order, cleaned as the reader cleans
    http_status: int
    response: Mapping[str, object]
    id: int | None = None
    exported_at: str | None = None


@dataclass(frozen=True, slots=True)
class IntakeAnswer:
    http_status: int
    body: Mapping[str, object]
    outcome: str                    # queued | rejected | replayed (a metrics label)


class IntakeEntries(Protocol):
    def find(self, key: EntryKey) -> StoredEntry | None: ...

    def save(self, entry: StoredEntry, events: Sequence[Event], *,
             replace_rejected: bool) -> tuple[StoredEntry, bool]:
        """Store ``entry`` with its events in one transaction → (what the key now holds,
        whether it is ours). ``replace_rejected``: overwrite a rejected entry of that key."""
        ...

    def with_status(self, status: str, *, include_exported: bool) -> list[StoredEntry]:
        """The entries of ``status`` in arrival order (``include_exported``: those handed
        over already too)."""
        ...

    def mark_exported(self, ids: Sequence[int], at: str) -> None: ...

    def recent(self, limit: int, national_id: str | None = None,
               before: int | None = None) -> list[StoredEntry]:
        """The latest entries, newest first (of one student when ``national_id`` is given;
        those stored before entry ``before`` when given: the next page)."""
        ...


# An entry to allocate now (mode "now"): (key, digest, judged, replace_rejected, at) → the
# answer, or None when there is nothing to allocate against yet (no recorded run): queued.
AllocateNow = Callable[[EntryKey, str, Judged, bool, str], "IntakeAnswer | None"]


def receive_entry(source: str, payload: object, policy: Policy, *, store: IntakeEntries,
                  event_key: bytes, at: str, allocate: AllocateNow | None = None
                  ) -> IntakeAnswer:
    """Store and answer one entry (``InputError`` → 422 not stored, ``ConflictError`` → 409);
    ``allocate`` (``live_intake``) takes the entries the batch would accept in mode "now"."""
    key = entry_key(source, payload)
    assert isinstance(payload, Mapping)
    digest = body_digest(payload)
    gf = policy.intake.gravity_forms
    judged = None
    if allocate is not None:
        # Allocated now: the entry is looked up inside the allocation's own transaction (a
        # retry is answered from there), so it is not read twice.
        judged = judge(read_entry(payload, gf), policy, gf)
        if judged.failure is None:
            allocated = allocate(key, digest, judged, False, at)
            if allocated is not None:
                return allocated
    prior = store.find(key)
    if prior is not None and prior.digest == digest:
        return IntakeAnswer(prior.http_status, prior.response, "replayed")
    if prior is not None and prior.status != REJECTED:
        raise conflict(key)
    judged = judged or judge(read_entry(payload, gf), policy, gf)
    body = answer(key, judged, policy.intake.mode)
    status = QUEUED if judged.failure is None else REJECTED
    entry = StoredEntry(key, digest, at, status, judged.record.national_id,
                        judged.record.values, ACCEPTED if status == QUEUED else UNPROCESSABLE,
                        body)
    stored, ours = store.save(entry, [imported_event(key, judged, digest, at, event_key)],
                              replace_rejected=prior is not None)
    if stored.digest != digest:      # another body under these ids won a race
        raise conflict(key)
    return IntakeAnswer(stored.http_status, stored.response, status if ours else "replayed")


def export_queued(store: IntakeEntries, write: Callable[[Path, list[tuple[str, ...]]], None],
                  out: Path, *, at: str, include_exported: bool = False) -> int:
    """Write the queued entries (arrival order) as a student report the batch reads, then mark
    them exported, so next week's file holds only the new ones (``include_exported``: all)."""
    return _hand_over(store, QUEUED, lambda entries: write(out, [e.row for e in entries]),
                      at=at, include_exported=include_exported)


def export_allocated(store: IntakeEntries, write: Callable[[Path, SabtExport], None],
                     out: Path, policy: Policy, *, at: str,
                     include_exported: bool = False) -> int:
    """Write the students allocated on arrival as an ImportToSabt workbook — the upload that
    registers them in Kanoon's system, which no batch makes for them (the batch skips a
    student already allocated) — then mark them handed over (``include_exported``: all).
    Each row is built by the batch's own ``build_sabt`` from the entry's stored row and its
    decision (mentor, alias, code)."""
    def sabt(entries: list[StoredEntry]) -> None:
        decisions = [Decision(i, e.national_id, Outcome.ALLOCATED, policy.channels.default,
                              mentor_id=str(e.response["mentor"]["id"]),
                              alias=str(e.response["mentor"]["alias"]),
                              code=str(e.response["registration_code"]))
                     for i, e in enumerate(entries)]
        write(out, build_sabt(stored_records([e.row for e in entries]), decisions, policy))
    return _hand_over(store, ALLOCATED, sabt, at=at, include_exported=include_exported)


def _hand_over(store: IntakeEntries, status: str, write: Callable[[list[StoredEntry]], None],
               *, at: str, include_exported: bool) -> int:
    entries = store.with_status(status, include_exported=include_exported)
    if not entries:
        return 0
    write(entries)
    store.mark_exported([e.id for e in entries if e.id is not None and e.exported_at is None],
                        at)
    return len(entries)


def conflict(key: EntryKey) -> ConflictError:
    return ConflictError(Problem(
        "INTAKE_CONFLICT",
        f"ورودی {key.entry_id} فرم {key.form_id} پیش‌تر با محتوای دیگری ثبت شده است",
        f"entry {key.entry_id} of form {key.form_id} was stored before with a different body"))


def arrivals_page(store: IntakeEntries, *, size: int = 50, national_id: str | None = None,
                  before: int | None = None) -> tuple[list[Arrival], int | None]:
    """A page of the latest live entries as the pages show them, newest first (those stored
    before entry ``before``, when given): when, from where, what became of each (allocated
    now, queued for the batch, a duplicate, rejected), the mentor and code an allocated one
    got, or why it waits — and the ``before`` of the page after it (None: this is the last)."""
    found = [Arrival(e.received_at, e.key.source, e.key.form_id, e.key.entry_id, e.status,
                     e.national_id, str((e.response.get("mentor") or {}).get("id") or ""),
                     str(e.response.get("registration_code") or ""),
                     str(e.response.get("failure") or ""), str(e.response.get("reason_fa") or ""),
                     str(e.response.get("reason_en") or ""), e.exported_at, e.id)
             for e in store.recent(size + 1, national_id, before)]
    return found[:size], (found[size - 1].id if len(found) > size else None)


@dataclass(frozen=True, slots=True)
class Arrival:
    received_at: str
    source: str
    form_id: str
    entry_id: str
    status: str                 # allocated | queued | duplicate | rejected
    national_id: str
    mentor_id: str
    code: str
    failure: str
    reason_fa: str
    reason_en: str
    exported_at: str | None
    id: int | None = None       # the stored entry's: pages go back from it
