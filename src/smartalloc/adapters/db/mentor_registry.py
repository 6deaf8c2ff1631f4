"""Mentor governance in the system of record: statuses with an audit trail (FR-MENT-01..05).

Every change writes who, when, from → to and why in تاریخچه_وضعیت_منتور in the same
transaction as the status itself. A mentor can be frozen before it ever appears in a report
(the row is created), so a frozen id that shows up later still stays out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from smartalloc.adapters.db.outbox import write_outbox
from smartalloc.adapters.db.schema import Mentor, MentorStatusChange
from smartalloc.domain.errors import InputError, Location, Problem
from smartalloc.domain.events import status_changed
from smartalloc.domain.normalize import natural_key
from smartalloc.domain.policy import Channel, MentorStatus


@dataclass(frozen=True)
class MentorView:
    mentor_id: str
    name: str
    manager: str
    status: str
    capacity: int
    covered: int
    allowed_schools: tuple[int, ...]
    allowed_channels: tuple[str, ...]


@dataclass(frozen=True)
class StatusChange:
    mentor_id: str
    from_status: str
    to_status: str
    reason: str
    changed_by: str
    changed_at: str


class MentorRegistry:
    def __init__(self, engine: Engine, *, outbox: bool = False):
        """``outbox``: also emit a MentorStatusChanged event in the same transaction."""
        self.engine, self.outbox = engine, outbox

    def list(self, status: str | None = None) -> list[MentorView]:
        query = select(Mentor)
        if status:
            query = query.where(Mentor.status == status)
        return sorted(self._views(query), key=lambda v: natural_key(v.mentor_id))

    def get(self, mentor_id: str) -> MentorView | None:
        found = self._views(select(Mentor).where(Mentor.mentor_id == mentor_id))
        return found[0] if found else None

    def _views(self, query) -> list[MentorView]:
        with self.engine.connect() as conn:
            rows = conn.execute(query.with_only_columns(
                Mentor.mentor_id, Mentor.name, Mentor.manager, Mentor.status, Mentor.capacity,
                Mentor.covered, Mentor.allowed_schools, Mentor.allowed_channels)).all()
        return [MentorView(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6] or ()),
                           tuple(r[7] or ())) for r in rows]

    def change(self, mentor_id: str, to: MentorStatus, *, reason: str, by: str, at: str,
               schools: tuple[int, ...] = (), channels: tuple[Channel, ...] = ()) -> StatusChange:
        """Set a mentor's status (audited). ``restricted`` needs schools and/or channels."""
        if not reason.strip():
            raise InputError(Problem("GOVERNANCE_REASON", "دلیل تغییر وضعیت الزامی است",
                                     "a reason is required for every status change",
                                     Location(column="--reason")))
        if to is MentorStatus.RESTRICTED and not (schools or channels):
            raise InputError(Problem(
                "GOVERNANCE_RESTRICTION", "برای محدودسازی، مدرسه یا کانال مجاز را مشخص کنید",
                "restricted needs --school and/or --channel", Location(column="--school")))
        with self.engine.begin() as conn:
            before = conn.execute(select(Mentor.status).where(Mentor.mentor_id == mentor_id)).scalar()
            values = {"status": to.value, "allowed_schools": list(schools),
                      "allowed_channels": [str(c) for c in channels]}
            if before is None:
                conn.execute(insert(Mentor).values(mentor_id=mentor_id, name="", **values))
            else:
                conn.execute(update(Mentor).where(Mentor.mentor_id == mentor_id).values(**values))
            change = StatusChange(mentor_id, before or "unknown", to.value, reason, by, at)
            audit_id = conn.execute(insert(MentorStatusChange).values(
                mentor_id=mentor_id, from_status=change.from_status, to_status=to.value,
                reason=reason, changed_by=by, changed_at=at,
                details={"schools": list(schools), "channels": [str(c) for c in channels]}
            ).returning(MentorStatusChange.id)).scalar_one()
            if self.outbox:
                write_outbox(conn, [status_changed(mentor_id, change.from_status, to.value,
                                                   reason, by, at, audit_id)])
        return change

    def audit(self, mentor_id: str | None = None) -> list[StatusChange]:
        query = select(MentorStatusChange.mentor_id, MentorStatusChange.from_status,
                       MentorStatusChange.to_status, MentorStatusChange.reason,
                       MentorStatusChange.changed_by, MentorStatusChange.changed_at
                       ).order_by(MentorStatusChange.id)
        if mentor_id:
            query = query.where(MentorStatusChange.mentor_id == mentor_id)
        with self.engine.connect() as conn:
            return [StatusChange(*r) for r in conn.execute(query)]
