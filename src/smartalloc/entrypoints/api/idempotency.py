"""``Idempotency-Key``: a retried POST gets the job its first attempt created; the same key
with another body is a client bug and gets 409 instead of silently running something else."""

from __future__ import annotations

import hashlib

from fastapi import HTTPException

from smartalloc.adapters.db.jobs import JobStore, JobView


def body_hash(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def replay(jobs: JobStore, user: str, key: str | None, request_hash: str) -> JobView | None:
    """The job already created under ``key`` by ``user`` for this body, if any."""
    if not key:
        return None
    found = jobs.by_key(user, key)
    if found is not None and found.request_hash != request_hash:
        raise HTTPException(409, "this Idempotency-Key was used with another request body")
    return found
