"""The agency's profile in the database: every saved version is kept (the audit trail), the
newest applies (``SqlStore.agency_profile``)."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select

from smartalloc.adapters.db.schema import AgencyProfileVersion as Row
from smartalloc.domain.agency_profile import AgencyProfile

_COLUMNS = (Row.c.centres, Row.c.academic_year, Row.c.version, Row.c.changed_by, Row.c.changed_at,
            Row.c.reason)


def _profile(row, previous: dict | None = None) -> AgencyProfile:
    centres, year, version, by, at, reason = row
    return AgencyProfile(dict(centres), year, version, by, at, reason, dict(previous or {}))


class AgencyProfiles:
    def __init__(self, engine: Engine):
        self.engine = engine

    def save(self, profile: AgencyProfile) -> AgencyProfile:
        """Store ``profile`` as the newest version (its who / when / why must be set)."""
        with self.engine.begin() as conn:
            before = conn.execute(select(Row.c.centres).order_by(Row.c.version.desc()).limit(1)
                                  ).scalar()
            version = conn.execute(insert(Row).values(
                centres=dict(profile.centres), academic_year=profile.academic_year,
                changed_by=profile.changed_by, changed_at=profile.changed_at,
                reason=profile.reason).returning(Row.c.version)).scalar_one()
        return AgencyProfile(dict(profile.centres), profile.academic_year, version,
                             profile.changed_by, profile.changed_at, profile.reason,
                             dict(before or {}))

    def latest(self) -> AgencyProfile | None:
        versions = self.versions(limit=2)
        return versions[0] if versions else None

    def versions(self, limit: int = 50) -> list[AgencyProfile]:
        """Newest first, each with the map it replaced."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_COLUMNS).order_by(Row.c.version.desc())
                                .limit(limit + 1)).all()
        return [_profile(row, rows[i + 1][0] if i + 1 < len(rows) else None)
                for i, row in enumerate(rows[:limit])]
