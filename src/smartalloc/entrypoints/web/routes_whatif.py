"""A run's what-if tab: start the what-if of the run's own uploads (operators and admins), watch
it, and read its report — labelled a what-if everywhere; the run's result is never touched.

The page only checks the session's scope, reads the form and renders: the rules (the run must
have finished, one what-if per run unless it failed) are the handlers' (``whatif_jobs``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from smartalloc.entrypoints.web.i18n import lang_of, translator
from smartalloc.entrypoints.web.pages import page, redirect
from smartalloc.entrypoints.web.session import CSRF_FIELD, check_csrf, current
from smartalloc.entrypoints.web.words import message_id
from smartalloc.service_layer.allocation_jobs import finished_run
from smartalloc.service_layer.whatif_jobs import kept_whatif, whatif_beside, whatif_of_run

router = APIRouter(include_in_schema=False)
SHOWN = 200   # rows per table on the page (the API's report has all of them)


@router.get("/ui/jobs/{job_id}/whatif")
def whatif_tab(request: Request, job_id: str) -> Response:
    who = current(request, "report:read")
    state = request.app.state
    run = finished_run(state.jobs, job_id)
    job = whatif_of_run(state.jobs, run.id)
    t = translator(lang_of(request))
    context: dict = {"run": run, "wjob": job, "shown": SHOWN,
                     "can_start": "alloc:run" in who.scopes,
                     "stage_labels": {s: t(message_id("stage", s))
                                      for s in ("queued", "whatif", "done")}}
    if job is not None:
        context["percent"] = round((job.progress or 0) * 100)
        if job.state == "succeeded":
            context["report"] = kept_whatif(state.jobs, state.settings.runs,
                                            state.system.kept_whatif, job.id)
        elif job.state == "failed":
            context["errors"] = (job.error or {}).get("errors", [])
    return page(request, "whatif.html", who=who, job=run, tab="whatif", **context)


@router.post("/ui/jobs/{job_id}/whatif")
async def start_whatif(request: Request, job_id: str) -> Response:
    who = current(request, "alloc:run")
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    state = request.app.state
    await run_in_threadpool(whatif_beside, job_id, who.username, state.jobs, state.runner)
    return redirect(f"/ui/jobs/{job_id}/whatif")
