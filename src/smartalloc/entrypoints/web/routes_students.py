"""Student search in a run, and the explain view (the API's own explain answer)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from smartalloc.domain.decision import STAGE_LABELS_FA, STAGES
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.ranking import RULE_LABELS_FA
from smartalloc.entrypoints.api import routes_runs
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.api.security import Principal
from smartalloc.entrypoints.web import results
from smartalloc.entrypoints.web.i18n import STAGE_LABELS_EN, lang_of, translator
from smartalloc.entrypoints.web.pages import page
from smartalloc.entrypoints.web.routes_jobs import recent_jobs
from smartalloc.entrypoints.web.session import current

router = APIRouter(include_in_schema=False)


def _job_for(request: Request, job_id: str | None):
    if job_id:
        return routes_runs.allocation_job(request, job_id)
    return request.app.state.jobs.latest("allocation")


@router.get("/ui/students")
def students(request: Request, q: str = "", job_id: str | None = None) -> Response:
    who = current(request, "report:read")
    job = _job_for(request, job_id)
    found: list[results.StudentRow] = []
    if job is not None and q.strip():
        report = results.load_report(request.app.state.settings.runs, job.id)
        found = results.search(report, q) if report else []
        if q.strip().isdecimal():
            log.info("student_search", student=hash_id(normalize_national_id(q)))
    return page(request, "students.html", who=who, q=q, job=job, found=found,
                jobs=[j for j in recent_jobs(request) if j["state"] == "succeeded"])


async def _explain_answer(request: Request, nid: str, who: Principal, job_id: str,
                          mentors: list[str]) -> dict:
    """The API's own explain answer (its route function, so the page shows exactly what
    ``GET /api/v1/students/{id}/explain`` returns: the run's kept explanation)."""
    return await run_in_threadpool(routes_runs.explain, request, nid, who, job_id=job_id,
                                   mentor=mentors or None)


@router.get("/ui/students/{national_id}")
async def explain(request: Request, national_id: str, job_id: str | None = None,
                  mentor: str = "") -> Response:
    who = current(request, "report:read")
    job = _job_for(request, job_id)
    if job is None:
        raise HTTPException(404, "no successful allocation job yet")
    nid = normalize_national_id(national_id)
    mentors = [m.strip() for m in mentor.replace("،", ",").split(",") if m.strip()][:10]
    data = await _explain_answer(request, nid, who, job.id, mentors)
    lang = lang_of(request)
    t = translator(lang)
    labels = STAGE_LABELS_FA if lang == "fa" else STAGE_LABELS_EN
    policy = request.app.state.policy
    rules = [RULE_LABELS_FA.get(r, str(r)) if lang == "fa" else str(r) for r in policy.ranking]
    row = results.find(results.load_report(request.app.state.settings.runs, job.id), nid)
    stages = [{**s, "label": labels.get(s["stage"], s["stage"])} for s in data["stages"]]
    decided_by = data["decision"].get("decided_by", "")
    return page(request, "explain.html", who=who, job=job, nid=nid, data=data, stages=stages,
                student=row, rules=rules, mentor=mentor, stage_order=STAGES,
                decided_by=RULE_LABELS_FA.get(decided_by, decided_by) if lang == "fa"
                else decided_by, top=max([1, *(s["before"] for s in data["stages"])]),
                title=t("exp.title"))
