"""Uploads: an Excel export is checked (size, type, then read with the same readers as a run)
before it is kept, so a bad workbook is refused at once with the CLI's file/sheet/row/column.

The caller is authenticated before the multipart body is parsed: a ``File()`` parameter would
make FastAPI parse (and spool to disk) the whole body before any dependency runs, so an
anonymous client could make the server store 20 MB per request. The form is read in the
handler, after ``require("import")``; its shape is published through ``openapi_extra``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from smartalloc.entrypoints.api.job_views import job_view
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.entrypoints.api.uploads import accept_upload

router = APIRouter(prefix="/api/v1", tags=["imports"])
KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
Importer = Annotated[Principal, Depends(require("import"))]
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "contentMediaType": "application/octet-stream",
                 "title": "File"},
        "role": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Role"}}}}}}}


def _invalid(field: str, kind: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body", field), "msg": message,
                                    "input": None}])


async def _import(kind: str, request: Request, who: Principal, key: str | None) -> JSONResponse:
    """Parse the form (one file, a few fields; the body limit applies) of an authorised
    caller, then hand the upload on."""
    async with request.form(max_files=1, max_fields=8) as form:
        upload, role = form.get("file"), form.get("role")
        if not isinstance(upload, UploadFile):
            raise _invalid("file", "missing", "Field required")
        if role is not None and not isinstance(role, str):
            raise _invalid("role", "string_type", "Input should be a valid string")
        job, created = await accept_upload(kind, request, upload, role or None, who, key)
    return JSONResponse(job_view(job), status_code=201 if created else 200)


@router.post("/students/import", status_code=201, openapi_extra=UPLOAD_BODY)
async def import_students(request: Request, who: Importer,
                          idempotency_key: KeyHeader = None) -> JSONResponse:
    """StudentReport (default), SchoolReport, Crosswalk or roster → a finished import job."""
    return await _import("students", request, who, idempotency_key)


@router.post("/mentors/import", status_code=201, openapi_extra=UPLOAD_BODY)
async def import_mentors(request: Request, who: Importer,
                         idempotency_key: KeyHeader = None) -> JSONResponse:
    """InspactorReport (default) or ManagerReport → a finished import job."""
    return await _import("mentors", request, who, idempotency_key)
