"""Runs and their results: the list, a run's page (progress, cards, charts, capacity plan,
downloads), the status the progress bar polls, and the workbook downloads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from smartalloc.domain.notice import notice_words
from smartalloc.domain.run_results import RunResults
from smartalloc.domain.users import scope_for_workbook
from smartalloc.entrypoints.api.downloads import workbook_download
from smartalloc.entrypoints.api.job_views import status_view
from smartalloc.entrypoints.web import results
from smartalloc.entrypoints.web.i18n import digits, lang_of, persian_digits, translator
from smartalloc.entrypoints.web.pages import key_words, page
from smartalloc.entrypoints.web.progress_view import progress_view
from smartalloc.entrypoints.web.session import current
from smartalloc.entrypoints.web.words import message_id
from smartalloc.service_layer.allocation_jobs import (
    allocation_job,
    job_of,
    recent_runs,
    run_workbook,
)

router = APIRouter(include_in_schema=False)
KINDS = ("sabt", "allocation", "qa", "matrix")
RUN_STAGES = ("read", "matrix", "allocate", "reports", "write", "history", "done")


def recent_jobs(request: Request, limit: int = 30) -> list[dict]:
    return [{"id": j.id, "state": j.state, "stage": j.stage,
             "progress": round((j.progress or 0) * 100), "by": j.created_by,
             "created_at": j.created_at, "counts": (j.result or {}).get("counts", {})}
            for j in recent_runs(request.app.state.jobs, limit)]


@router.get("/ui/jobs")
def jobs(request: Request) -> Response:
    who = current(request, "report:read")
    return page(request, "jobs.html", who=who, jobs=recent_jobs(request))


@router.get("/ui/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    who = current(request, "report:read")
    job = allocation_job(request.app.state.jobs, job_id)
    lang = lang_of(request)
    t = translator(lang)
    moving = progress_view(request, job)
    context: dict[str, Any] = {"job": job, **moving,
                               "percent": round(moving.get("progress_percent",
                                                           job.progress * 100)),
                               "stages": RUN_STAGES,
                               "stage_labels": {s: t(message_id("stage", s)) for s in
                                                ("queued", *RUN_STAGES)}}
    if job.state == "succeeded":
        result = job.result or {}
        counts = result.get("counts", {})
        report = request.app.state.system.run_results(
            request.app.state.settings.runs / job.id) or RunResults()
        failures = [(k, counts.get(k, 0)) for k in
                    ("ELIGIBILITY_NO_MATCH", "CAPACITY_FULL", "DATA_MISSING", "DUPLICATE",
                     "INTERNAL_ERROR")]
        rtl = lang == "fa"
        occupancy = sorted(report.occupancy, key=lambda o: (-o.after, o.mentor_id))
        asked = request.query_params
        context.update(
            tables={"occupancy": results.paged(occupancy, asked.get("occ"), "occ"),
                    "by_keys": results.paged(report.by_keys, asked.get("keys"), "keys"),
                    "plan": results.paged(report.plan, asked.get("plan"), "plan")},
            opened={k for k in ("occ", "keys") if k in asked})
        context.update(
            counts=counts, qa_status=result.get("qa_status", ""), failures=failures,
            earlier=result.get("earlier_runs", []), warnings=warnings_in(result, lang),
            unallocated=sum(n for _, n in failures), report=report, occupancy=occupancy,
            downloads=[k for k in KINDS if k in (result.get("files") or {})
                       and scope_for_workbook(k) in who.scopes],
            occupancy_svg=results.occupancy_svg(
                occupancy, rtl=rtl, title=t("Mentor occupancy"),
                labels=(t("before the run"), t("after the run"))),
            keys_svg=results.bars_svg(
                [(key_words(k, lang), n) for k, n, _ in report.by_keys[:20]],
                rtl=rtl, title=t("Unallocated students by six-key combination"), number=lambda n: digits(n, lang)))
    elif job.state == "failed":
        context["errors"] = (job.error or {}).get("errors", [])
    return page(request, "job.html", who=who, **context)


@router.get("/ui/api/jobs/{job_id}")
def job_status(request: Request, job_id: str) -> JSONResponse:
    """The status for the progress bar (cookie auth; the API's status body), with a running
    run's sub-step, its counts and the elapsed time (``progress_view``)."""
    current(request, "report:read")
    job = job_of(request.app.state.jobs, job_id)
    return JSONResponse({**status_view(job), **progress_view(request, job)})


@router.get("/ui/jobs/{job_id}/download/{kind}")
def download(request: Request, job_id: str, kind: str) -> Response:
    if kind not in KINDS:
        raise HTTPException(404, f"no {kind} workbook")
    current(request, scope_for_workbook(kind))   # the students' workbooks: personal data
    jobs = request.app.state.jobs
    path = run_workbook(jobs, request.app.state.settings.runs, job_id, kind)
    return workbook_download(path, kind, job_of(jobs, job_id))


def warnings_in(result: dict, lang: str) -> list[str]:
    """The run's warnings in the page's language (a job kept before the halves were kept
    shows each warning whole)."""
    words = result.get("warning_words") or [notice_words(w) for w in result.get("warnings", [])]
    return [persian_digits(w["fa"]) if lang == "fa" else w["en"] for w in words]
