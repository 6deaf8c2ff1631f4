"""Uploads: an Excel export is checked (size, type, then read with the same readers as a run)
before it is kept, so a bad workbook is refused at once with the CLI's file/sheet/row/column."""

from __future__ import annotations

import shutil
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from smartalloc.adapters.readers import (
    read_crosswalk,
    read_managers,
    read_mentors,
    read_roster,
    read_schools,
    read_students,
)
from smartalloc.entrypoints.api.idempotency import body_hash, replay
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.entrypoints.api.settings import upload_path
from smartalloc.service_layer.ports import INPUT_ROLES, MENTOR_REPORT_ROLES

router = APIRouter(prefix="/api/v1", tags=["imports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_TYPES = {XLSX, "application/octet-stream"}
READERS = {
    "students": lambda p, pol: read_students(p, pol).records,
    "schools": read_schools,
    "crosswalk": lambda p, pol: read_crosswalk(p, pol),
    "roster": lambda p, pol: read_roster(p),
    "inspactor": lambda p, pol: read_mentors(p, pol).records,
    "managers": read_managers,
}
# Per upload kind its roles, the default first (derived from the one list of input roles).
ROLES = {"students": ("students", *(r for r in INPUT_ROLES
                                    if r not in MENTOR_REPORT_ROLES and r != "students")),
         "mentors": MENTOR_REPORT_ROLES}
KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


def job_view(job) -> dict:
    body = {"job_id": job.id, "kind": job.kind, "state": job.state,
            "progress_percent": round(job.progress * 100, 1), "stage": job.stage,
            "created_at": job.created_at, "updated_at": job.updated_at}
    if job.result is not None:
        body["result"] = job.result
    if job.error is not None:
        body["errors"] = job.error.get("errors", [])
    return body


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"the upload exceeds {limit} bytes")
    return data


async def _import(kind: str, request: Request, upload: UploadFile, role: str | None,
                  who: Principal, key: str | None) -> JSONResponse:
    state = request.app.state
    role = role or ROLES[kind][0]
    if role not in ROLES[kind]:
        raise HTTPException(422, f"role must be one of {', '.join(ROLES[kind])}")
    name = upload.filename or ""
    if upload.content_type not in ACCEPTED_TYPES or not name.lower().endswith(".xlsx"):
        raise HTTPException(415, "only .xlsx workbooks are accepted")
    data = await _read_limited(upload, state.settings.max_upload_bytes)
    if not data.startswith(b"PK"):
        raise HTTPException(415, "the file is not an .xlsx workbook")
    digest = body_hash(kind, role, data)
    if (found := replay(state.jobs, who.username, key, digest)) is not None:
        return JSONResponse(job_view(found), status_code=200)
    file_id = str(uuid.uuid4())
    path = upload_path(state.settings, file_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    # Problems name the operator's file, not the folder it is kept in on the server.
    named = path.with_name(name.replace("/", "_").replace("\\", "_"))
    try:
        path.rename(named)
        content = await run_in_threadpool(READERS[role], named, state.policy)
        named.rename(path)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    rows = len(content) if hasattr(content, "__len__") else None
    if rows is not None and rows > state.settings.max_upload_rows:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise HTTPException(413, f"the workbook has {rows} rows; the limit is "
                                 f"{state.settings.max_upload_rows}")
    job, created = state.jobs.create(
        f"import:{role}", {"role": role, "filename": name}, user=who.username, key=key,
        request_hash=digest, state="succeeded", job_id=file_id,
        result={"file_id": file_id, "role": role, "rows": rows, "filename": name})
    if not created:
        shutil.rmtree(path.parent, ignore_errors=True)
    return JSONResponse(job_view(job), status_code=201 if created else 200)


@router.post("/students/import", status_code=201)
async def import_students(request: Request, file: Annotated[UploadFile, File()],
                          who: Annotated[Principal, Depends(require("import"))],
                          role: Annotated[str | None, Form()] = None,
                          idempotency_key: KeyHeader = None) -> JSONResponse:
    """StudentReport (default), SchoolReport, Crosswalk or roster → a finished import job."""
    return await _import("students", request, file, role, who, idempotency_key)


@router.post("/mentors/import", status_code=201)
async def import_mentors(request: Request, file: Annotated[UploadFile, File()],
                         who: Annotated[Principal, Depends(require("import"))],
                         role: Annotated[str | None, Form()] = None,
                         idempotency_key: KeyHeader = None) -> JSONResponse:
    """InspactorReport (default) or ManagerReport → a finished import job."""
    return await _import("mentors", request, file, role, who, idempotency_key)
