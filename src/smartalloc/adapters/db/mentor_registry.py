"""Mentor governance in the system of record: statuses with an audit trail (FR-MENT-01..05).

Every change writes who, when, from → to and why in تاریخچه_وضعیت_منتور in the same
transaction as the status itself. A mentor can be frozen before it ever appears in a report
(the row is created), so a frozen id that shows up later still stays out.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update

from smartalloc.adapters.db.outbox import write_outbox
from smartalloc.adapters.db.schema import Mentor, MentorStatusChange
from smartalloc.domain.governance import UNKNOWN, GovernanceChange, StatusChange
from smartalloc.domain.normalize import natural_key
from smartalloc.service_layer.ports import MentorView, StatusEvent

__all__ = ["MentorRegistry", "MentorView", "StatusChange"]


class MentorRegistry:
    """The `MentorGovernanceStore` on the database. It records what the handler
    (`service_layer.mentor_governance`) accepted; the rules live in `domain.governance`."""

    def __init__(self, engine: Engine, *, outbox: bool = False):
        """``outbox``: also emit a MentorStatusChanged event in the same transaction."""
        self.engine, self.outbox = engine, outbox

    def list(self, status: str | None = None) -> list[MentorView]:
        query = select(Mentor)
        if status:
            query = query.where(Mentor.c.status == status)
        return sorted(self._views(query), key=lambda v: natural_key(v.mentor_id))

    def get(self, mentor_id: str) -> MentorView | None:
        found = self._views(select(Mentor).where(Mentor.c.mentor_id == mentor_id))
        return found[0] if found else None

    def _views(self, query) -> list[MentorView]:
        with self.engine.connect() as conn:
            rows = conn.execute(query.with_only_columns(
                Mentor.c.mentor_id, Mentor.c.name, Mentor.c.manager, Mentor.c.status, Mentor.c.capacity,
                Mentor.c.covered, Mentor.c.allowed_schools, Mentor.c.allowed_channels)).all()
        return [MentorView(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6] or ()),
                           tuple(r[7] or ())) for r in rows]

    def change(self, change: GovernanceChange, event: StatusEvent) -> StatusChange:
        """Write the status, the audit row and (with the outbox) ``event(recorded, audit id)``
        in one transaction, so no status moves without its audit row and event."""
        mentor_id, to = change.mentor_id, change.to.value
        schools, channels = list(change.schools), [str(c) for c in change.channels]
        with self.engine.begin() as conn:
            before = conn.execute(select(Mentor.c.status).where(Mentor.c.mentor_id == mentor_id)).scalar()
            values = {"status": to, "allowed_schools": schools, "allowed_channels": channels}
            if before is None:
                conn.execute(insert(Mentor).values(mentor_id=mentor_id, name="", **values))
            else:
                conn.execute(update(Mentor).where(Mentor.c.mentor_id == mentor_id).values(**values))
            recorded = StatusChange(mentor_id, before or UNKNOWN, to, change.reason, change.by,
                                    change.at)
            audit_id = conn.execute(insert(MentorStatusChange).values(
                mentor_id=mentor_id, from_status=recorded.from_status, to_status=to,
                reason=change.reason, changed_by=change.by, changed_at=change.at,
                details={"schools": schools, "channels": channels}
            ).returning(MentorStatusChange.c.id)).scalar_one()
            if self.outbox:
                write_outbox(conn, [event(recorded, audit_id)])
        return recorded

    def audit(self, mentor_id: str | None = None) -> list[StatusChange]:
        query = select(MentorStatusChange.c.mentor_id, MentorStatusChange.c.from_status,
                       MentorStatusChange.c.to_status, MentorStatusChange.c.reason,
                       MentorStatusChange.c.changed_by, MentorStatusChange.c.changed_at
                       ).order_by(MentorStatusChange.c.id)
        if mentor_id:
            query = query.where(MentorStatusChange.c.mentor_id == mentor_id)
        with self.engine.connect() as conn:
            return [StatusChange(*r) for r in conn.execute(query)]
