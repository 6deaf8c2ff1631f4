"""Mentor governance rules (FR-MENT-01..05): when a status change is acceptable and what it
tells the outside world.

The rules used to live in the database adapter, so they could only be exercised (or reused by
another store) through SQL. Here they are plain functions: `checked_change` refuses what no
store may record, `status_event` is the one definition of the MentorStatusChanged event. The
store that records a change is a port of the service layer; it hands the audit row id it
allocated to `status_event`, since that id is what makes the event id unique.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartalloc.domain.errors import InputError, Location, Problem
from smartalloc.domain.events import Event, status_changed
from smartalloc.domain.normalize import clean_text
from smartalloc.domain.policy import Channel, MentorStatus

UNKNOWN = "unknown"
"""The from-status of a mentor the system of record has never seen (it may be frozen before
it appears in any report)."""


@dataclass(frozen=True)
class GovernanceChange:
    """A status change that passed the rules: only this reaches a store."""

    mentor_id: str
    to: MentorStatus
    reason: str
    by: str
    at: str
    schools: tuple[int, ...] = ()
    channels: tuple[Channel, ...] = ()


@dataclass(frozen=True)
class StatusChange:
    """One row of the audit trail: who moved a mentor from which status to which, and why."""

    mentor_id: str
    from_status: str
    to_status: str
    reason: str
    changed_by: str
    changed_at: str


def checked_change(mentor_id: str, to: MentorStatus, *, reason: str, by: str, at: str,
                   schools: tuple[int, ...] = (), channels: tuple[Channel, ...] = ()
                   ) -> GovernanceChange:
    """The change, if acceptable: every change needs a reason (the audit trail is useless
    without it) and ``restricted`` needs the schools and/or channels it is restricted to
    (a restriction to nothing would be a freeze under another name). The Location columns
    name the CLI options, which is where an operator fixes the request."""
    if not reason.strip():
        raise InputError(Problem("GOVERNANCE_REASON", "دلیل تغییر وضعیت الزامی است",
                                 "a reason is required for every status change",
                                 Location(column="--reason")))
    if to is MentorStatus.RESTRICTED and not (schools or channels):
        raise InputError(Problem(
            "GOVERNANCE_RESTRICTION", "برای محدودسازی، مدرسه یا کانال مجاز را مشخص کنید",
            "restricted needs --school and/or --channel", Location(column="--school")))
    return GovernanceChange(mentor_key(mentor_id), to, reason, by, at, tuple(schools),
                            tuple(channels))


def mentor_key(mentor_id: str) -> str:
    """A mentor id as the reports' readers keep it: «۴۲» (a Persian keyboard), «٤٢» and «42 »
    are mentor 42 — never a made-up mentor next to the real one (issue J)."""
    return clean_text(mentor_id)


def status_event(change: StatusChange, audit_id: int) -> Event:
    """The MentorStatusChanged event of a recorded change; ``audit_id`` is its audit row."""
    return status_changed(change.mentor_id, change.from_status, change.to_status, change.reason,
                          change.changed_by, change.changed_at, audit_id)
