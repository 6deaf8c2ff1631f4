"""Mentor governance use cases: change a mentor's status (freeze / activate / restrict) and the
queries the CLI, the API and the web pages show (the pool, one mentor, the audit trail).

Every entry point calls these, so the rules of `smartalloc.domain.governance` apply the same
way whichever one an operator uses, and the store behind `MentorGovernanceStore` only records.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartalloc.domain import governance
from smartalloc.domain.errors import Location, NotFoundError, Problem
from smartalloc.domain.governance import StatusChange
from smartalloc.domain.policy import Channel, MentorStatus
from smartalloc.service_layer.ports import MentorGovernanceStore, MentorView


@dataclass(frozen=True)
class ChangeMentorStatus:
    """The command: set ``mentor_id`` to ``to``, by whom, when and why; ``schools`` and
    ``channels`` are what a restricted mentor may still serve."""

    mentor_id: str
    to: MentorStatus
    reason: str
    by: str
    at: str
    schools: tuple[int, ...] = ()
    channels: tuple[Channel, ...] = ()


def change_mentor_status(command: ChangeMentorStatus,
                         registry: MentorGovernanceStore) -> StatusChange:
    """Check the change (``preview_status_change``), then record it with its audit row and
    event; return what was recorded (from → to)."""
    change, _ = _checked(command, registry)
    return registry.change(change, governance.status_event)


def preview_status_change(command: ChangeMentorStatus,
                          registry: MentorGovernanceStore) -> MentorView:
    """What the change would act on, recording nothing: the mentor as it is now, so the page
    can ask "freeze mentor 42 — <name>?" before anything is audited. Raises as the change
    would."""
    return _checked(command, registry)[1]


def _checked(command: ChangeMentorStatus, registry: MentorGovernanceStore):
    """The change against the rules (raises ``InputError``) and the mentor, one the reports
    have named (``NotFoundError``: a typo or a made-up id would otherwise be frozen and
    audited while the real mentor keeps receiving students)."""
    change = governance.checked_change(
        command.mentor_id, command.to, reason=command.reason, by=command.by, at=command.at,
        schools=command.schools, channels=command.channels)
    if (found := registry.get(change.mentor_id)) is None:
        raise NotFoundError(Problem(
            "MENTOR_UNKNOWN",
            f"پشتیبان «{change.mentor_id}» در گزارش پشتیبانِ هیچ اجرای ثبت‌شده‌ای نیست؛ کد "
            "کارمندی را بررسی کنید (وضعیت پشتیبان‌ها پس از نخستین اجرا قابل تغییر است)",
            f"mentor '{change.mentor_id}' is in no recorded run's mentor report: check the id "
            "(mentors can be governed once a run has recorded them)",
            Location(column="mentor_id")))
    return change, found


def list_mentors(registry: MentorGovernanceStore, status: str | None = None) -> list[MentorView]:
    return registry.list(status or None)


def mentor(registry: MentorGovernanceStore, mentor_id: str) -> MentorView | None:
    return registry.get(mentor_id)


def status_audit(registry: MentorGovernanceStore,
                 mentor_id: str | None = None) -> list[StatusChange]:
    return registry.audit(mentor_id or None)
