"""Jobs (imports, allocation runs) in the system of record, so their state outlives the API
process; the idempotency key is unique per user, so a retried POST finds its first job."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from smartalloc.adapters.db.auth_schema import Job

COLUMNS = (Job.c.id, Job.c.kind, Job.c.state, Job.c.progress, Job.c.stage, Job.c.params, Job.c.result,
           Job.c.error, Job.c.idempotency_key, Job.c.request_hash, Job.c.created_by, Job.c.created_at,
           Job.c.updated_at)


@dataclass(frozen=True)
class JobView:
    id: str
    kind: str
    state: str
    progress: float
    stage: str
    params: dict
    result: dict | None
    error: dict | None
    idempotency_key: str | None
    request_hash: str
    created_by: str
    created_at: str
    updated_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class JobStore:
    def __init__(self, engine: Engine, reader: Engine | None = None):
        """``reader``: an engine for the frequent status reads (on SQLite, one that does not
        take the write lock each store transaction takes)."""
        self.engine, self.reader = engine, reader or engine

    def get(self, job_id: str) -> JobView | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(*COLUMNS).where(Job.c.id == job_id)).first()
        return JobView(*row) if row else None

    def latest(self, kind: str, state: str = "succeeded") -> JobView | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(*COLUMNS).where(Job.c.kind == kind, Job.c.state == state)
                               .order_by(Job.c.updated_at.desc()).limit(1)).first()
        return JobView(*row) if row else None

    def by_key(self, user: str, key: str) -> JobView | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(*COLUMNS).where(Job.c.created_by == user,
                                                      Job.c.idempotency_key == key)).first()
        return JobView(*row) if row else None

    def create(self, kind: str, params: dict, *, user: str, key: str | None = None,
               request_hash: str = "", state: str = "queued",
               result: dict | None = None, job_id: str | None = None) -> tuple[JobView, bool]:
        """(job, created). With a key already used by this user, the existing job is returned
        (the caller compares ``request_hash``)."""
        if key and (found := self.by_key(user, key)):
            return found, False
        job_id, now = job_id or str(uuid.uuid4()), _now()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(Job).values(
                    id=job_id, kind=kind, state=state, progress=1.0 if result else 0.0, stage="",
                    params=params, result=result, error=None, idempotency_key=key,
                    request_hash=request_hash, created_by=user, created_at=now, updated_at=now))
        except IntegrityError:
            found = self.by_key(user, key) if key else None
            if found is None:
                raise
            return found, False   # a concurrent request with the same key won
        return self.get(job_id), True  # type: ignore[return-value]

    def update(self, job_id: str, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(Job).where(Job.c.id == job_id).values(**values, updated_at=_now()))

    def claim(self, job_id: str) -> bool:
        """queued → running, once: whoever flips the state runs the job."""
        with self.engine.begin() as conn:
            return bool(conn.execute(update(Job).where(Job.c.id == job_id, Job.c.state == "queued")
                                     .values(state="running", updated_at=_now())).rowcount)

    def heartbeat(self, job_id: str) -> bool:
        """A running job's runner is alive: ``updated_at`` ← now (False: no longer running)."""
        with self.engine.begin() as conn:
            return bool(conn.execute(update(Job).where(Job.c.id == job_id, Job.c.state == "running")
                                     .values(updated_at=_now())).rowcount)

    def requeue_stale(self, older_than: float) -> list[str]:
        """running → queued for jobs whose heartbeat (``updated_at``) is older than
        ``older_than`` seconds: their process died. Each flip is conditional on the heartbeat
        read, so a job whose runner beats meanwhile is not taken, and two sweepers never both
        requeue one job. (The run is idempotent: the same inputs replay the same run id.)"""
        cutoff = (datetime.now(UTC) - timedelta(seconds=older_than)).isoformat(
            timespec="microseconds")
        with self.reader.connect() as conn:
            stale = conn.execute(select(Job.c.id, Job.c.updated_at).where(
                Job.c.state == "running", Job.c.updated_at < cutoff)
                .order_by(Job.c.created_at)).all()
        requeued = []
        for job_id, beat in stale:
            with self.engine.begin() as conn:
                if conn.execute(update(Job).where(Job.c.id == job_id, Job.c.state == "running",
                                                  Job.c.updated_at == beat)
                                .values(state="queued", updated_at=_now())).rowcount:
                    requeued.append(job_id)
        return requeued

    def recent(self, kind: str, limit: int = 30) -> list[JobView]:
        """The newest jobs of a kind, newest first."""
        with self.reader.connect() as conn:
            rows = conn.execute(select(*COLUMNS).where(Job.c.kind == kind)
                                .order_by(Job.c.created_at.desc()).limit(limit)).all()
        return [JobView(*r) for r in rows]

    def queued_before(self, older_than: float) -> list[str]:
        """Jobs queued (and not touched) for more than ``older_than`` seconds: runs and
        what-ifs (an upload is never queued: it is finished when it is created)."""
        cutoff = (datetime.now(UTC) - timedelta(seconds=older_than)).isoformat(
            timespec="microseconds")
        with self.reader.connect() as conn:
            return list(conn.execute(select(Job.c.id).where(
                Job.c.state == "queued", Job.c.updated_at < cutoff)
                .order_by(Job.c.created_at)).scalars())

    def queued(self) -> list[str]:
        with self.reader.connect() as conn:
            return list(conn.execute(select(Job.c.id).where(Job.c.state == "queued")
                                     .order_by(Job.c.created_at)).scalars())
