"""Allocation jobs: start one on uploaded files, watch it, download its workbooks, and explain
one student's decision.

Explain reads what the run kept (``explain.sqlite``, written with its workbooks): the state the
engine decided on at the time, so the answer does not move when mentors are frozen or other
runs are recorded later, and a lookup costs a few milliseconds instead of a replay.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from smartalloc.adapters.db.jobs import JobView
from smartalloc.adapters.explain_file import ExplainFile
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.entrypoints.api.idempotency import body_hash, replay
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.api.routes_imports import job_view
from smartalloc.entrypoints.api.runner import ROLES
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.service_layer.ports import OUTPUT_FILES

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


def allocation_job(request: Request, job_id: str):
    """The allocation job of this id, else 404."""
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
    job = allocation_job(request, job_id)
    if job.state != "succeeded":
        raise HTTPException(409, f"the job is {job.state}; no workbook to export")
    path = request.app.state.settings.runs / job.id / OUTPUT_FILES[kind]
    if not path.is_file():
        raise HTTPException(404, f"the run wrote no {kind} workbook")
    return FileResponse(path, media_type=XLSX, filename=path.name)


def explain_file(request: Request, job_id: str | None) -> tuple[JobView, ExplainFile]:
    """The explanations kept by an allocation job (default: the latest successful one)."""
    jobs = request.app.state.jobs
    latest = None if job_id else jobs.latest("allocation")
    if not job_id and latest is None:
        raise HTTPException(404, "no successful allocation job yet")
    job = allocation_job(request, job_id or latest.id)
    if job.state != "succeeded":
        raise HTTPException(409, f"the job is {job.state}; nothing to explain yet")
    found = ExplainFile(request.app.state.settings.runs / job.id / OUTPUT_FILES["explain"])
    if not found.exists():
        raise HTTPException(404, "this run kept no explanations")
    return job, found


@router.get("/students/{national_id}/explain")
def explain(request: Request, national_id: str,
            _: Annotated[Principal, Depends(require("report:read"))],
            job_id: Annotated[str | None, Query(min_length=1)] = None,
            mentor: Annotated[list[str] | None, Query(max_length=50)] = None) -> dict:
    """The 8 stages, ranked candidates and winner of one student as the job decided it
    (default: the latest successful run), and why each ``mentor`` was not chosen."""
    job, kept = explain_file(request, job_id)
    nid = normalize_national_id(national_id)
    log.info("explain", student=hash_id(nid), job_id=job.id)
    exp = kept.find(nid, tuple(mentor or ()))
    if exp is None:
        raise HTTPException(404, "this national id is not in the job's student report")
    return exp.as_dict()
