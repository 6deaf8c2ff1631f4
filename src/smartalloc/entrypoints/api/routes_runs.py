"""Allocation jobs: start one on uploaded files, watch it, download its workbooks, and explain
one student's decision on the same inputs.

Explain keeps, per job (a bounded LRU), what reading its workbooks and building its matrix give:
a job's files and overrides never change, and the key also holds the governance-effective
policy's content hash, so a mentor status change builds anew. What the history store says
(governance, earlier runs, seats taken) is read on every call — through the reader engine, so
explain does not queue behind the store's writers on SQLite — so a cached answer equals a fresh
one.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.explain import Explanation
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import Inputs
from smartalloc.entrypoints.api.idempotency import body_hash, replay
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.api.routes_imports import job_view
from smartalloc.entrypoints.api.runner import ROLES, input_paths
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.service_layer.explain_student import explain_student
from smartalloc.service_layer.ports import OUTPUT_FILES, HistoryStore
from smartalloc.service_layer.run_context import build_matrix_for

router = APIRouter(prefix="/api/v1", tags=["allocation"])
FileId = Annotated[str, Field(min_length=1, max_length=36)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RunBody(BaseModel):
    """The uploaded files (file ids of import jobs) a run reads."""

    model_config = ConfigDict(extra="forbid")
    inspactor: FileId
    schools: FileId
    students: FileId
    managers: FileId | None = None
    crosswalk: FileId | None = None
    roster: FileId | None = None
    year: int | None = Field(default=None, ge=1300, le=1500)
    overrides: dict[str, bool] = Field(default_factory=dict)


def _files(request: Request, body: RunBody) -> dict[str, str]:
    files = {role: getattr(body, role) for role in ROLES if getattr(body, role)}
    for role, file_id in files.items():
        job = request.app.state.jobs.get(file_id)
        if job is None or job.kind != f"import:{role}" or job.state != "succeeded":
            raise HTTPException(422, f"'{role}' is not the id of an uploaded {role} workbook")
    return files


def _allocation_job(request: Request, job_id: str):
    job = request.app.state.jobs.get(job_id)
    if job is None or job.kind != "allocation":
        raise HTTPException(404, "no such allocation job")
    return job


@router.post("/allocation/run", status_code=202)
def start_run(request: Request, body: RunBody,
              who: Annotated[Principal, Depends(require("alloc:run"))],
              idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key",
                                                            max_length=255)] = None
              ) -> JSONResponse:
    """Start an allocation job; the same Idempotency-Key and body return the same job."""
    state = request.app.state
    digest = body_hash(body.model_dump_json())
    if (found := replay(state.jobs, who.username, idempotency_key, digest)) is not None:
        return JSONResponse(job_view(found), status_code=200)
    files = _files(request, body)
    job, created = state.jobs.create(
        "allocation", {"files": files, "year": body.year, "overrides": body.overrides},
        user=who.username, key=idempotency_key, request_hash=digest)
    if created:
        state.runner.submit(job.id)
        log.info("audit", action="allocation_started", job_id=job.id, by=who.username)
    elif job.request_hash != digest:
        raise HTTPException(409, "this Idempotency-Key was used with another request body")
    return JSONResponse(job_view(job), status_code=202 if created else 200,
                        headers={"Location": f"/api/v1/allocation/status/{job.id}"})


@router.get("/allocation/status/{job_id}")
def status(request: Request, job_id: str,
           _: Annotated[Principal, Depends(require("report:read"))]) -> dict:
    """State, progress %, stage, counts and errors of a job."""
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such job")
    body = job_view(job)
    body["counts"] = (job.result or {}).get("counts", {})
    return body


@router.get("/reports/export", response_class=FileResponse)
def export(request: Request, job_id: str,
           _: Annotated[Principal, Depends(require("report:read"))],
           kind: Literal["sabt", "allocation", "qa", "matrix"] = "sabt") -> FileResponse:
    """A workbook of a finished run: ImportToSabt (default), allocation, QA or matrix."""
    job = _allocation_job(request, job_id)
    if job.state != "succeeded":
        raise HTTPException(409, f"the job is {job.state}; no workbook to export")
    path = request.app.state.settings.runs / job.id / OUTPUT_FILES[kind]
    if not path.is_file():
        raise HTTPException(404, f"the run wrote no {kind} workbook")
    return FileResponse(path, media_type=XLSX, filename=path.name)


_CACHE_LOCK = threading.Lock()


class ExplainCache:
    """(job id, effective policy hash) → the job's parsed inputs and matrix, the ``size`` most
    recently used. A miss is built once even when several requests ask at the same time."""

    def __init__(self, size: int = 8):
        self.size, self.lock = size, threading.Lock()
        self.entries: OrderedDict[tuple[str, str], tuple[Inputs, EligibilityMatrix]] = (
            OrderedDict())
        self.building: dict[tuple[str, str], threading.Lock] = {}

    def get(self, key: tuple[str, str],
            build: Callable[[], tuple[Inputs, EligibilityMatrix]]
            ) -> tuple[Inputs, EligibilityMatrix]:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
            gate = self.building.setdefault(key, threading.Lock())
        with gate:
            with self.lock:
                if key in self.entries:
                    return self.entries[key]
            try:
                value = build()     # outside the cache lock: other jobs are served meanwhile
            except BaseException:
                with self.lock:
                    self.building.pop(key, None)
                raise
            with self.lock:
                self.entries[key] = value
                self.entries.move_to_end(key)
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
                self.building.pop(key, None)
            return value


def _explain_cache(request: Request) -> ExplainCache:
    state = request.app.state
    cache = getattr(state, "explain_cache", None)
    if cache is None:
        with _CACHE_LOCK:
            cache = getattr(state, "explain_cache", None)
            if cache is None:
                cache = state.explain_cache = ExplainCache()
    return cache


def _history_reader(request: Request) -> SqlStore:
    """The store, reading through the app's reader engine (on SQLite: no write lock)."""
    state = request.app.state
    if state.reader is state.store.engine:
        return state.store
    found = getattr(state, "history_reader", None)
    if found is None:
        found = state.history_reader = SqlStore(state.store.url, state.reader, outbox=False)
    return found


def explain_cached(cache: ExplainCache, job_id: str, paths, policy: Policy, national_id: str,
                   *, history: HistoryStore, year: int | None, mentors: tuple[str, ...],
                   overrides: dict[str, bool]) -> Explanation | None:
    """``explain_student`` with the job's inputs and matrix kept in ``cache`` (keyed by the job
    and the effective policy, so a governance change builds a fresh entry)."""
    def load(effective: Policy) -> tuple[Inputs, EligibilityMatrix]:
        def build() -> tuple[Inputs, EligibilityMatrix]:
            inputs = ExcelInputReader().read(paths, effective)
            return inputs, build_matrix_for(inputs, effective, overrides)
        return cache.get((job_id, effective.content_hash), build)

    return explain_student(paths, policy, national_id, reader=ExcelInputReader(),
                           history=history, year=year, mentors=mentors, overrides=overrides,
                           load=load)


@router.get("/students/{national_id}/explain")
async def explain(request: Request, national_id: str,
                  _: Annotated[Principal, Depends(require("report:read"))],
                  job_id: Annotated[str | None, Query(min_length=1)] = None,
                  mentor: Annotated[list[str] | None, Query()] = None) -> dict:
    """The 8 stages, ranked candidates and winner of one student, on the inputs of the job
    (default: the latest successful run)."""
    state = request.app.state
    latest = None if job_id else state.jobs.latest("allocation")
    if not job_id and latest is None:
        raise HTTPException(404, "no successful allocation job yet")
    job = _allocation_job(request, job_id or latest.id)
    nid = normalize_national_id(national_id)
    log.info("explain", student=hash_id(nid), job_id=job.id)
    exp = await run_in_threadpool(
        explain_cached, _explain_cache(request), job.id,
        input_paths(state.settings, job.params["files"]), state.policy, nid,
        history=_history_reader(request), year=job.params.get("year"),
        mentors=tuple(mentor or ()),
        overrides=job.params.get("overrides") or {})
    if exp is None:
        raise HTTPException(404, "this national id is not in the job's student report")
    decision = dataclasses.asdict(exp.decision)
    return {"national_id": nid, "decision": decision,
            "stages": [dataclasses.asdict(s) for s in exp.stages],
            "candidates": [dataclasses.asdict(c) for c in exp.candidates],
            "why_not": [{"mentor_id": m, "reason_fa": r} for m, r in exp.why_not]}
