"""Allocation jobs: start one on uploaded files, watch it, download its workbooks, and explain
one student's decision.

Explain reads what the run kept (``explain.sqlite``, written with its workbooks): the state the
engine decided on at the time, so the answer does not move when mentors are frozen or other
runs are recorded later, and a lookup costs a few milliseconds instead of a replay.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.users import PERSONAL, scope_for_workbook
from smartalloc.entrypoints.api.downloads import workbook_download
from smartalloc.entrypoints.api.job_views import job_view, moving_progress, status_view
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.api.runner import ROLES
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.service_layer.allocation_jobs import (
    StartAllocation,
    job_of,
    kept_explanation,
    run_workbook,
    start_allocation,
)
from smartalloc.service_layer.idempotency import request_hash

router = APIRouter(prefix="/api/v1", tags=["allocation"])
FileId = Annotated[str, Field(min_length=1, max_length=36)]


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

    def command(self, user: str, key: str | None) -> StartAllocation:
        """The job this body asks for (a run or a what-if), fingerprinted for its key."""
        return StartAllocation(
            {role: getattr(self, role) for role in ROLES if getattr(self, role)}, user,
            self.year, self.overrides, key, request_hash(self.model_dump_json()))


@router.post("/allocation/run", status_code=202)
def start_run(request: Request, body: RunBody,
              who: Annotated[Principal, Depends(require("alloc:run"))],
              idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key",
                                                            max_length=255)] = None
              ) -> JSONResponse:
    """Start an allocation job; the same Idempotency-Key and body return the same job."""
    state = request.app.state
    job, created = start_allocation(body.command(who.username, idempotency_key), state.jobs,
                                    state.runner)
    if created:
        log.info("audit", action="allocation_started", job_id=job.id, by=who.username)
    return JSONResponse(job_view(job), status_code=202 if created else 200,
                        headers={"Location": f"/api/v1/allocation/status/{job.id}"})


@router.get("/allocation/status/{job_id}")
def status(request: Request, job_id: str,
           _: Annotated[Principal, Depends(require("report:read"))]) -> dict:
    """State, progress %, stage, counts and errors of a job; while a run runs, its sub-step
    (with counts), files written and elapsed seconds."""
    job = job_of(request.app.state.jobs, job_id)
    return {**status_view(job), **moving_progress(request.app.state, job)}


def workbook_kind(who: Annotated[Principal, Depends(require("report:read"))],
                  kind: Literal["sabt", "allocation", "qa", "matrix"] = "sabt") -> str:
    """The workbook asked for, if the caller's role may read what it holds (checked before
    the other parameters, so a viewer learns nothing about the job)."""
    who.check(scope_for_workbook(kind))
    return kind


@router.get("/reports/export", response_class=FileResponse)
def export(request: Request, job_id: str,
           kind: Annotated[str, Depends(workbook_kind)]) -> FileResponse:
    """A workbook of a finished run: ImportToSabt (default), allocation, QA or matrix. The
    ones naming students need ``personal:read`` (not a viewer's). Named by kind, the run's
    Jalali date and run id (``downloads``)."""
    jobs = request.app.state.jobs
    path = run_workbook(jobs, request.app.state.settings.runs, job_id, kind)
    return workbook_download(path, kind, job_of(jobs, job_id))


@router.get("/students/{national_id}/explain")
def explain(request: Request, national_id: str,
            _: Annotated[Principal, Depends(require(PERSONAL))],
            job_id: Annotated[str | None, Query(min_length=1)] = None,
            mentor: Annotated[list[str] | None, Query(max_length=50)] = None) -> dict:
    """The 8 stages, ranked candidates and winner of one student as the job decided it
    (default: the latest successful run), and why each ``mentor`` was not chosen."""
    state = request.app.state
    nid = normalize_national_id(national_id)
    job, found = kept_explanation(state.jobs, state.settings.runs, state.system.kept_run,
                                  job_id, nid, tuple(mentor or ()))
    log.info("explain", student=hash_id(nid), job_id=job.id)
    return found.as_dict()
