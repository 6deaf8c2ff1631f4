"""Live intake over HTTP (issue L): the Gravity Forms Webhooks add-on posts each entry here.

Authentication is a per-source secret in the ``X-SmartAlloc-Intake-Key`` header — the one
kind of credential the add-on sends without code (its request headers are static; a body
signature needs PHP on the site). It is compared in constant time with every source's secret
(SHA-256 of both sides, no early exit) and a failure is a bare 401. A replayed request is
harmless by design: the same ids get the same stored answer. The path is outside the per-IP
rate limit (app.py): a registration rush from the one WordPress server must not be answered
429, since the add-on does not retry.

Answers: 200 allocated now (mode "now": mentor and registration code) or already allocated,
202 queued, 422 rejected (stored, D14) or unfit for the map (not stored), 409 a
different body under stored ids. Log lines and errors name the source, form and entry ids
and the fields by id and column, never a value the student typed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response
from prometheus_client import Counter, Histogram

from smartalloc.domain.errors import ConflictError, InputError
from smartalloc.domain.users import PERSONAL, REVIEW
from smartalloc.entrypoints.api import problems
from smartalloc.entrypoints.api.downloads import XLSX, write_live_sabt
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.service_layer.intake import receive_entry

PATH = "/api/v1/intake/gravity-forms"
KEY_HEADER = "X-SmartAlloc-Intake-Key"
OUTCOMES = ("allocated", "queued", "duplicate", "rejected", "replayed", "invalid", "conflict",
            "unauthorized", "error")
INTAKE_ENTRIES = Counter("intake_entries_total", "Live intake requests by outcome (allocated, "
                         "queued, duplicate, rejected, replayed, invalid, conflict, "
                         "unauthorized, error)",
                         ["outcome"])
INTAKE_DURATION = Histogram("intake_entry_duration_seconds", "Time to answer a live intake "
                            "request", buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])
Reviewer = Annotated[Principal, Depends(require(REVIEW))]

# Entries of one service process deciding at once; the rest wait on the event loop, which
# costs them nothing. An entry spends most of its time waiting for the database, and the
# entries allocated now take their candidates' rows in turn (``live_store``): with every
# request in a thread, the one holding those rows had to win the interpreter lock back from
# the others after each answer from the database, and everyone waited longer for it. With
# two (one deciding, one getting ready), measured with 8 senders on 2 service processes:
# 236–260 → 322–342 entries/s, p95 48–52 → 43 ms (docs/performance.md).
IN_FLIGHT = 2


def source_of(secrets: dict[str, bytes], given: str) -> str | None:
    """The source whose secret is ``given``; every secret is compared (constant time)."""
    probe = hashlib.sha256(given.encode()).digest()
    found = None
    for name, secret in secrets.items():
        if hmac.compare_digest(probe, hashlib.sha256(secret).digest()) and given:
            found = name
    return found


def _in_flight(state) -> asyncio.Semaphore:
    """The process's gate, made in the loop serving it (a test client may bring another)."""
    loop = asyncio.get_running_loop()
    gate = getattr(state, "intake_gate", None)
    if gate is None or gate[0] is not loop:
        gate = state.intake_gate = (loop, asyncio.Semaphore(IN_FLIGHT))
    return gate[1]


@router.post("/gravity-forms", status_code=202)
async def gravity_forms(request: Request) -> Response:
    """One Gravity Forms entry (Webhooks add-on, JSON, all fields): stored once per
    (source, form id, entry id) and, by the policy's ``intake.mode``, allocated now (the
    mentor and the registration code in the answer) or queued for the next batch — or
    rejected with the reason."""
    started, outcome = time.perf_counter(), "error"
    try:
        source = source_of(request.app.state.intake_secrets,
                           request.headers.get(KEY_HEADER, ""))
        if source is None:
            outcome = "unauthorized"
            return problems.problem(request, 401, "unauthorized")
        try:
            payload = json.loads(await request.body())
        except ValueError:
            outcome = "invalid"
            return problems.problem(request, 422, "the body is not JSON",
                                    "بدنه درخواست JSON نیست / the body is not JSON")
        state = request.app.state
        try:
            async with _in_flight(state):
                result = await run_in_threadpool(
                    receive_entry, source, payload, state.policy, store=state.intake,
                    event_key=state.system.event_key, at=jalali_now(),
                    allocate=state.allocate_now)
        except InputError:
            outcome = "invalid"
            raise
        except ConflictError:
            outcome = "conflict"
            raise
        outcome = result.outcome
        log.info("intake_entry", source=source, form_id=result.body.get("form_id"),
                 entry_id=result.body.get("entry_id"), outcome=outcome,
                 failure=result.body.get("failure"))
        return JSONResponse(dict(result.body), status_code=result.http_status)
    finally:
        INTAKE_ENTRIES.labels(outcome).inc()
        INTAKE_DURATION.observe(time.perf_counter() - started)


@router.post("/sabt", response_class=FileResponse, responses={
    200: {"content": {XLSX: {}}, "description": "The ImportToSabt workbook"},
    204: {"description": "No student was allocated on arrival since the last one"}})
def live_sabt_export(request: Request, who: Reviewer,
                     everyone: Annotated[bool, Query(alias="all", description=(
                         "every student allocated on arrival, not only those since the last "
                         "file"))] = False) -> Response:
    """The ImportToSabt of the students allocated on arrival since the last one: no weekly
    run writes them (the batch skips a student who holds an allocation). They are then marked
    handed over; ``all=true`` writes every one again. The file names students: review and
    personal-data scopes both."""
    who.check(PERSONAL)
    count, path, name = write_live_sabt(request.app.state, include_exported=everyone)
    log.info("audit", action="intake_sabt", rows=count, by=who.username)
    if not count:
        return Response(status_code=204)
    return FileResponse(path, media_type=XLSX, filename=name)
