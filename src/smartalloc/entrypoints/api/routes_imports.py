"""Uploads: an Excel export is checked (size, type, then read with the same readers as a run)
before it is kept, so a bad workbook is refused at once with the CLI's file/sheet/row/column."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile
from fastapi.responses import JSONResponse

from smartalloc.entrypoints.api.job_views import job_view
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.entrypoints.api.uploads import accept_upload

router = APIRouter(prefix="/api/v1", tags=["imports"])
KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


async def _import(kind: str, request: Request, upload: UploadFile, role: str | None,
                  who: Principal, key: str | None) -> JSONResponse:
    job, created = await accept_upload(kind, request, upload, role, who, key)
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
