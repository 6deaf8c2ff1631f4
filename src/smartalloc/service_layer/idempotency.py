"""``Idempotency-Key``: a retried request gets the job its first attempt created; the same key
with another body is a client's mistake and is refused (409) rather than silently running
something else. Shared by uploads and allocation runs."""

from __future__ import annotations

import hashlib

from smartalloc.domain.errors import ConflictError, Problem
from smartalloc.service_layer.service_ports import JobBook, JobRecord


def request_hash(*parts: bytes | str) -> str:
    """The fingerprint of a request body: a retried request with the same key and body gets
    the job the first attempt created; another body under that key is refused."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def key_reused() -> ConflictError:
    return ConflictError(Problem(
        "IDEMPOTENCY_KEY_REUSED", "این کلید تکرار (Idempotency-Key) با درخواست دیگری به کار رفته است",
        "this Idempotency-Key was used with another request body"))


def replayed(jobs: JobBook, user: str, key: str | None, fingerprint: str) -> JobRecord | None:
    """The job already created under ``key`` by ``user`` for this body, if any."""
    if not key:
        return None
    found = jobs.by_key(user, key)
    if found is not None and found.request_hash != fingerprint:
        raise key_reused()
    return found
