"""Exports after review on the pages (issue K): make the next version of the run's
ImportToSabt from the review list, and download a version's workbooks.

The version is made by the same handler as the API's (``service_layer.job_review.export_run``
→ ``System.export_after_review``) with the session's user; a refusal (nothing new since the
last version, the run's reports no longer kept) is shown on the review list in the page's
language. Files are served only from the folder the version's record names.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from smartalloc.domain.errors import SmartAllocError
from smartalloc.domain.users import PERSONAL, REVIEW
from smartalloc.entrypoints.api.downloads import XLSX
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.api.problems import status_of
from smartalloc.entrypoints.api.settings import input_paths
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.entrypoints.web.pages import redirect
from smartalloc.entrypoints.web.routes_review import _refusal, list_page
from smartalloc.entrypoints.web.session import CSRF_FIELD, check_csrf, current
from smartalloc.service_layer import job_review
from smartalloc.service_layer.allocation_jobs import finished_run

router = APIRouter(include_in_schema=False)


@router.post("/ui/jobs/{job_id}/review-exports")
async def make_version(request: Request, job_id: str) -> Response:
    who = current(request, REVIEW)
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    state = request.app.state

    def export(run_id, paths, overrides):
        return state.system.export_after_review(run_id, paths, state.policy, by=who.username,
                                                at=jalali_now(), overrides=dict(overrides))
    try:
        job, version = await run_in_threadpool(
            job_review.export_run, state.jobs, job_id, export=export,
            paths_of=lambda files: input_paths(state.settings, dict(files)))
    except SmartAllocError as exc:
        return await list_page(request, who, finished_run(state.jobs, job_id),
                               status=status_of(exc), export_error=_refusal(request, exc))
    log.info("audit", action="review_export", job_id=job.id, version=version.version,
             by=who.username)
    return redirect(f"/ui/jobs/{job.id}/review?made={version.version}#exports")


@router.get("/ui/jobs/{job_id}/review-exports/{version}/{kind}")
def download(request: Request, job_id: str, version: int, kind: str) -> Response:
    current(request, PERSONAL)                # names, national ids, phones
    state = request.app.state
    job = finished_run(state.jobs, job_id)
    run_id = job_review.run_id_of(job)
    path = job_review.version_file(state.system.review_exports().versions(run_id),
                                   state.settings.runs, job, version, kind)
    if path is None:
        raise HTTPException(404, "no such workbook")
    return FileResponse(path, media_type=XLSX,
                        filename=job_review.version_download_name(kind, run_id, version))
