"""Online registrations on the pages (issue L): the ImportToSabt of the students allocated on
arrival, made from the arrivals list (history and review pages).

No weekly run writes these students (the batch skips a student who holds an allocation), so
the operator takes them to Sabt from here. The file is made by the same handler as
`smartalloc intake sabt` and ``POST /api/v1/intake/sabt`` (``downloads.write_live_sabt``) and kept
in the data folder (``intake/``), so a lost download is made again with "all" rather than lost; it names
students, so it is for those who may see them and act (review and personal data).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from smartalloc.domain.users import PERSONAL, REVIEW
from smartalloc.entrypoints.api.downloads import XLSX, write_live_sabt
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.web.pages import redirect
from smartalloc.entrypoints.web.session import CSRF_FIELD, check_csrf, current

router = APIRouter(include_in_schema=False)


@router.post("/ui/intake/sabt")
async def live_sabt(request: Request) -> Response:
    who = current(request, REVIEW)
    who.check(PERSONAL)                      # names, national ids, phones
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    count, path, name = await run_in_threadpool(write_live_sabt, request.app.state,
                                                include_exported=form.get("all") == "1")
    log.info("audit", action="intake_sabt", rows=count, by=who.username)
    if not count:
        return redirect("/ui/history?sabt=none#arrivals")
    return FileResponse(path, media_type=XLSX, filename=name)
