"""An upload as the transport sees it — an .xlsx of bounded size — handed to the upload
handler; shared by the API's import routes and the run page."""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from smartalloc.entrypoints.api.security import Principal
from smartalloc.entrypoints.api.text_guard import check_filename
from smartalloc.service_layer.uploads import ImportUpload, import_upload, too_large

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_TYPES = {XLSX, "application/octet-stream"}


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    """The file's bytes; over ``limit``, a 413 that gives the limit, the file's size (the
    multipart parser counted it) and what to do."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise too_large(upload.filename or "", upload.size or len(data), limit)
    return data


async def accept_upload(kind: str, request: Request, upload: UploadFile, role: str | None,
                        who: Principal, key: str | None):
    """The transport's checks (name, type, size), then the upload handler: (job, created)."""
    state = request.app.state
    name = upload.filename or ""
    check_filename(name)   # the text guard checked it in the stream; the rule lives there
    if upload.content_type not in ACCEPTED_TYPES or not name.lower().endswith(".xlsx"):
        raise HTTPException(415, "only .xlsx workbooks are accepted")
    data = await _read_limited(upload, state.settings.max_upload_bytes)
    if not data.startswith(b"PK"):
        raise HTTPException(415, "the file is not an .xlsx workbook")
    shelf, checker = state.system.uploads(state.settings.uploads)
    return await run_in_threadpool(
        import_upload, ImportUpload(kind, role, name, data, who.username, key), state.jobs,
        shelf, checker, state.policy, state.settings.max_upload_rows)
