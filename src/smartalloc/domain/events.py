"""Domain events (issue D): versioned, typed facts about a committed run.

They are written to the outbox in the same transaction as the change they describe, so a
rolled-back run emits nothing. National ids never leave in clear: a student is named by
``student_ref`` = HMAC-SHA256(agency key, national id), which a subscriber holding the key can
match but nobody reading the broker can reverse. Event ids are derived from the run and the
subject, so a replayed run produces the same ids and idempotent consumers see no duplicates.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.records import StudentRecord

SCHEMA_VERSION = 1
_NAMESPACE = uuid.UUID("6f2b8c1e-5a0d-4c3e-9b7a-2d1f0e9c8b7a")
_NAMESPACE_BYTES = _NAMESPACE.bytes

STUDENT_IMPORTED = "StudentImported"
COUNTER_GENERATED = "CounterGenerated"
MENTOR_ASSIGNED = "MentorAssigned"
ALLOCATION_FAILED = "AllocationFailed"
MENTOR_STATUS_CHANGED = "MentorStatusChanged"
RUN_COMPLETED = "RunCompleted"
STUDENT_REASSIGNED = "StudentReassigned"   # manual review: assigned or moved (issue K)
STUDENT_RELEASED = "StudentReleased"       # manual review: seat freed, code kept
EVENT_TYPES = (STUDENT_IMPORTED, COUNTER_GENERATED, MENTOR_ASSIGNED, ALLOCATION_FAILED,
               MENTOR_STATUS_CHANGED, RUN_COMPLETED, STUDENT_REASSIGNED, STUDENT_RELEASED)


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    event_type: str
    occurred_at: str
    run_id: str
    payload: Mapping[str, object] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @property
    def routing_key(self) -> str:
        """Topic routing key, e.g. ``smartalloc.v1.MentorAssigned``."""
        return f"smartalloc.v{self.schema_version}.{self.event_type}"

    def message(self) -> dict[str, object]:
        """The wire form (JSON-ready)."""
        return {"event_id": self.event_id, "event_type": self.event_type,
                "schema_version": self.schema_version, "occurred_at": self.occurred_at,
                "run_id": self.run_id, "payload": dict(self.payload)}


def student_ref(national_id: str, key: bytes) -> str:
    return hmac.new(key, national_id.encode(), hashlib.sha256).hexdigest()[:32]


def event_id(run_id: str, event_type: str, subject: str) -> str:
    """``str(uuid.uuid5(_NAMESPACE, "run|type|subject"))`` without building a ``UUID`` (its
    constructor was two thirds of the 30k events of a 10k run, inside the run's transaction):
    SHA-1 of namespace and name, version 5 and RFC 4122 variant bits set, 8-4-4-4-12 hex."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{run_id}|{event_type}|{subject}"
                                    .encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _event(kind: str, run_id: str, at: str, subject: str, payload: dict) -> Event:
    return Event(event_id(run_id, kind, subject), kind, at, run_id, payload)


def run_events(students: Sequence[StudentRecord], decisions: Sequence[Decision], *, run_id: str,
               occurred_at: str, key: bytes, counts: Mapping[str, int], qa_status: str,
               policy_stamp: str) -> Iterator[Event]:
    """The events of a committed run, in decision order, closed by RunCompleted."""
    for d in decisions:
        s = students[d.index]
        ref = student_ref(d.national_id, key) if d.national_id else f"row-{s.row}"
        subject = f"{ref}|{s.row}"
        keys = list(s.keys) if s.keys is not None else None
        yield _event(STUDENT_IMPORTED, run_id, occurred_at, subject,
                     {"student_ref": ref, "row": s.row, "keys": keys})
        yield from decision_events(d, ref, keys, run_id=run_id, occurred_at=occurred_at,
                                   subject=subject)
    yield _event(RUN_COMPLETED, run_id, occurred_at, "run",
                 {"counts": dict(counts), "qa_status": qa_status, "policy_stamp": policy_stamp})


def decision_events(d: Decision, ref: str, keys: list[int] | None, *, run_id: str,
                    occurred_at: str, subject: str) -> Iterator[Event]:
    """What one decision announces: the code and the mentor, or the failure — of a run's
    student or of a live entry (issue L, whose subject names the entry)."""
    if d.outcome is Outcome.ALLOCATED:
        yield _event(COUNTER_GENERATED, run_id, occurred_at, subject,
                     {"student_ref": ref, "registration_code": d.code, "reused": d.code_reused})
        yield _event(MENTOR_ASSIGNED, run_id, occurred_at, subject,
                     {"student_ref": ref, "mentor_id": d.mentor_id, "alias": d.alias,
                      "channel": str(d.channel), "registration_code": d.code, "keys": keys})
    else:
        yield _event(ALLOCATION_FAILED, run_id, occurred_at, subject,
                     {"student_ref": ref, "failure_class": str(d.failure),
                      "reason_fa": d.reason_fa, "channel": str(d.channel)})


def status_changed(mentor_id: str, from_status: str, to_status: str, reason: str, by: str,
                   at: str, sequence: int) -> Event:
    """A governance change; ``sequence`` (the audit row id) makes its id unique."""
    return _event(MENTOR_STATUS_CHANGED, "", at, f"{mentor_id}|{sequence}",
                  {"mentor_id": mentor_id, "from_status": from_status, "to_status": to_status,
                   "reason": reason, "changed_by": by})


def review_event(change, key: bytes, sequence: int) -> Event:
    """A manual-review change (``domain.review.ReviewChange``); ``sequence`` (its audit row)
    makes the id unique. The student by its reference, the reason as the operator wrote it."""
    ref = student_ref(change.national_id, key)
    kind = STUDENT_RELEASED if change.action == "release" else STUDENT_REASSIGNED
    # No run id on the event itself: a replay of that run replaces its own unsent events,
    # and a review is not the run's to replace (the run is in the payload).
    return _event(kind, "", change.at, f"review|{sequence}",
                  {"student_ref": ref, "run_id": change.run_id, "action": str(change.action),
                   "from_mentor": change.from_mentor, "to_mentor": change.to_mentor,
                   "registration_code": change.code, "exception": change.exception,
                   "reason": change.reason, "by": change.by})
