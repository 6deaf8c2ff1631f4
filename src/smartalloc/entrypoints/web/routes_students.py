"""Student search in a run, and the explain view (the API's own explain answer)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from smartalloc.domain import glossary
from smartalloc.domain.decision import STAGES
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.run_results import StudentLine
from smartalloc.domain.users import PERSONAL
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.web.i18n import lang_of, translator
from smartalloc.entrypoints.web.pages import page
from smartalloc.entrypoints.web.routes_jobs import recent_jobs
from smartalloc.entrypoints.web.session import current
from smartalloc.service_layer import run_views
from smartalloc.service_layer.allocation_jobs import allocation_job, kept_explanation

router = APIRouter(include_in_schema=False)


def _job_for(request: Request, job_id: str | None):
    if job_id:
        return allocation_job(request.app.state.jobs, job_id)
    return request.app.state.jobs.latest("allocation")


def _run_folder(request: Request, job) -> Path:
    return request.app.state.settings.runs / job.id


@router.get("/ui/students")
def students(request: Request, q: str = "", job_id: str | None = None) -> Response:
    who = current(request, PERSONAL)
    job = _job_for(request, job_id)
    found: list[StudentLine] = []
    if job is not None and q.strip():
        # the run's kept file answers: its name index, or one national id (never a parse of
        # every student of the run)
        found = run_views.search(_run_folder(request, job), q, request.app.state.system.kept_run)
        if q.strip().isdecimal():
            log.info("student_search", student=hash_id(normalize_national_id(q)))
    return page(request, "students.html", who=who, q=q, job=job, found=found,
                jobs=[j for j in recent_jobs(request) if j["state"] == "succeeded"])


async def _explain_answer(request: Request, nid: str, job_id: str,
                          mentors: list[str]) -> dict:
    """The run's kept explanation, from the handler the API's explain answer comes from."""
    state = request.app.state
    _, found = await run_in_threadpool(kept_explanation, state.jobs, state.settings.runs,
                                       state.system.kept_run, job_id, nid, tuple(mentors))
    log.info("explain", student=hash_id(nid), job_id=job_id)
    return found.as_dict()


@router.get("/ui/students/{national_id}")
async def explain(request: Request, national_id: str, job_id: str | None = None,
                  mentor: str = "") -> Response:
    who = current(request, PERSONAL)
    job = _job_for(request, job_id)
    if job is None:
        raise HTTPException(404, "no successful allocation job yet")
    nid = normalize_national_id(national_id)
    mentors = [m.strip() for m in mentor.replace("،", ",").split(",") if m.strip()][:10]
    data = await _explain_answer(request, nid, job.id, mentors)
    lang = lang_of(request)
    t = translator(lang)
    policy = request.app.state.policy
    rules = [glossary.word(glossary.RANKING_RULES, r, lang) for r in policy.ranking]
    row = run_views.find(_run_folder(request, job), nid, request.app.state.system.kept_run)
    stages = [{**s, "label": glossary.word(glossary.STAGES, s["stage"], lang)}
              for s in data["stages"]]
    decided_by = data["decision"].get("decided_by", "")
    return page(request, "explain.html", who=who, job=job, nid=nid, data=data, stages=stages,
                student=row, rules=rules, mentor=mentor, stage_order=STAGES,
                decided_by=glossary.word(glossary.RANKING_RULES, decided_by, lang), top=max([1, *(s["before"] for s in data["stages"])]),
                title=t("Why this allocation"))
