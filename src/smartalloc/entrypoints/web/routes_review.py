"""The review pages (issue K): a run's review list, and one student's review — its candidates
with seats left now, assign / move / release with a mandatory reason (confirmed first, as
governance is), and its audited history.

The pages call the API's handlers (``service_layer.job_review``) with the session's user, so
the rules, refusals and audit are one: a refusal is shown on the student's page in the page's
language (the 409 of a seat taken meanwhile names who took it and when). Going outside the
student's matrix rows is offered to administrators only (``review:exception``); the handler
refuses it to anyone else anyway.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from smartalloc.domain.errors import SmartAllocError
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.normalize import clean_text
from smartalloc.domain.review import FLAGS, ReviewAction, ReviewRequest
from smartalloc.domain.users import PERSONAL, REVIEW, REVIEW_EXCEPTION
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.api.problems import problem_items, status_of
from smartalloc.entrypoints.api.security import Principal
from smartalloc.entrypoints.api.settings import input_paths
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.entrypoints.web.i18n import lang_of, persian_digits, translator
from smartalloc.entrypoints.web.pages import page, redirect
from smartalloc.entrypoints.web.review_list_view import export_versions, review_items
from smartalloc.entrypoints.web.session import CSRF_FIELD, check_csrf, current
from smartalloc.service_layer import intake, job_review, run_views
from smartalloc.service_layer.allocation_jobs import finished_run, kept_explanation

router = APIRouter(include_in_schema=False)
ACTIONS = {a.value: a for a in ReviewAction}   # assign, move, release, flag, unflag


def _url(job_id: str, nid: str, **query: str) -> str:
    base = f"/ui/jobs/{quote(job_id)}/review/{quote(nid)}"
    return base + (f"?{urlencode(query)}" if query else "")


@router.get("/ui/jobs/{job_id}/review")
async def review_list(request: Request, job_id: str, q: str = "") -> Response:
    who = current(request, PERSONAL)
    state = request.app.state
    job = finished_run(state.jobs, job_id)
    if q.strip():                       # open one student (an allocated one, to move it)
        return redirect(_url(job.id, normalize_national_id(q)))
    return await list_page(request, who, job)


async def list_page(request: Request, who: Principal, job, *, status: int = 200,
                    **extra) -> Response:
    """The run's review list with its export versions after review (``extra``: the export
    form's outcome)."""
    items = await run_in_threadpool(review_items, request, job)
    versions = await run_in_threadpool(export_versions, request, job)
    made = request.query_params.get("made", "")
    state = request.app.state
    live = bool(state.policy.intake.sources)       # live registrations come in (issue L)
    arrivals, older = (await run_in_threadpool(intake.arrivals_page, state.intake) if live
                       else ([], None))
    return page(request, "review_list.html", status=status, who=who, job=job, tab="review",
                items=items, versions=versions, can_act=REVIEW in who.scopes,
                arrivals=arrivals, older_arrivals=older, show_arrivals=live,
                personal=PERSONAL in who.scopes,
                can_hand_over=live and {REVIEW, PERSONAL} <= who.scopes,
                made=int(made) if made.isdecimal() and made.isascii() else None,
                title=translator(lang_of(request))("Review"), **extra)


def _student_context(request: Request, who: Principal, job_id: str, nid: str) -> dict:
    """Everything the student's review page shows (one run's explanation, today's seats,
    the student's allocation now and its audit)."""
    state = request.app.state
    job, found = kept_explanation(state.jobs, state.settings.runs, state.system.kept_run,
                                  job_id, nid)
    kept = found.as_dict()
    holding = next(iter(state.system.search_history(nid)), None)
    candidates = job_review.candidates_now(kept["candidates"], state.system.seats_now())
    if holding is not None:
        candidates = [c for c in candidates if c.mentor_id != holding.mentor_id]
    history = job_review.audit(state.system.review(), nid)
    flags = [c.action for c in history if c.action in FLAGS]
    return {"job": job, "nid": nid, "data": kept, "holding": holding,
            "student": run_views.find(state.settings.runs / job.id, nid, state.system.kept_run),
            "candidates": candidates,
            "history": list(reversed(history)),
            "flagged": bool(flags) and flags[-1] is ReviewAction.FLAG,
            "can_act": REVIEW in who.scopes, "can_except": REVIEW_EXCEPTION in who.scopes}


async def _student_page(request: Request, who: Principal, job_id: str, nid: str, *,
                        status: int = 200, error: str = "", form: dict | None = None
                        ) -> Response:
    context = await run_in_threadpool(_student_context, request, who, job_id, nid)
    lang = lang_of(request)
    done = request.query_params.get("done", "")
    return page(request, "review.html", status=status, who=who, tab="review", error=error,
                form=form or {}, done=done if done in ACTIONS else "",
                title=translator(lang)("Review a student"), **context)


@router.get("/ui/jobs/{job_id}/review/{national_id}")
async def review_student(request: Request, job_id: str, national_id: str) -> Response:
    who = current(request, PERSONAL)
    nid = normalize_national_id(national_id)
    log.info("review_page", student=hash_id(nid), job_id=job_id)
    return await _student_page(request, who, job_id, nid)


def _form_values(form) -> dict:
    values = {k: str(form.get(k, "")).strip() for k in ("action", "mentor_id", "other_mentor",
                                                        "reason", "exception")}
    values["exception"] = "1" if values["exception"] == "1" else ""
    values["mentor_id"] = clean_text(values["mentor_id"]).strip()[:32]
    values["other_mentor"] = clean_text(values["other_mentor"]).strip()[:32]
    return values


def _refusal(request: Request, exc: SmartAllocError) -> str:
    """The handler's refusal in the page's language (Persian digits on a Persian page)."""
    item = problem_items(exc)[0]
    return persian_digits(item["message_fa"]) if lang_of(request) == "fa" else item["message_en"]


@router.post("/ui/jobs/{job_id}/review/{national_id}")
async def review_action(request: Request, job_id: str, national_id: str) -> Response:
    who = current(request, REVIEW)
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    nid = normalize_national_id(national_id)
    values = _form_values(form)
    action = ACTIONS.get(values["action"])
    if action is None:
        raise HTTPException(422, "choose assign, move or release")
    moving = action in (ReviewAction.ASSIGN, ReviewAction.MOVE)
    exception = bool(values["exception"]) and moving
    if exception:
        who.check(REVIEW_EXCEPTION)                       # 403: an administrator's only
    mentor = "" if not moving else (
        values["other_mentor"] if exception and values["other_mentor"] else values["mentor_id"])
    t = translator(lang_of(request))
    if not "".join(c for c in values["reason"] if c != "\u200c").strip():
        return await _student_page(request, who, job_id, nid, status=422, form=values,
                                   error=t("A reason is required for every review action."))
    if moving and not mentor:
        return await _student_page(request, who, job_id, nid, status=422, form=values,
                                   error=t("Choose the mentor."))
    if action in FLAGS:                   # a note for the next operator: nothing to confirm
        return await _flag(request, who, job_id, nid, action, values)
    if form.get("confirmed") != "1":      # first what will change, then the change
        state = request.app.state
        seats = await run_in_threadpool(state.system.seats_now().seats, [mentor] if mentor
                                        else [])
        line = run_views.find(state.settings.runs / job_id, nid, state.system.kept_run)
        holding = next(iter(state.system.search_history(nid)), None)
        return page(request, "review_confirm.html", who=who, job_id=job_id, nid=nid,
                    action=action.value, values={**values, "mentor": mentor},
                    target=seats.get(mentor), student=line, holding=holding,
                    exception=exception, title=t("Confirm the review action"))
    review = ReviewRequest(nid, action, mentor, values["reason"],
                           who.username, jalali_now(), exception)
    state = request.app.state

    def carry_out(req, paths, year, overrides):
        return state.system.review_action(req, paths, state.policy,
                                          admin=REVIEW_EXCEPTION in who.scopes, year=year,
                                          overrides=dict(overrides))
    try:
        job, change = await run_in_threadpool(
            job_review.act_on_run, state.jobs, job_id, review, act=carry_out,
            paths_of=lambda files: input_paths(state.settings, dict(files)))
    except SmartAllocError as exc:       # 404 / 409 / 422: shown on the student's page
        log.info("review_refused", student=hash_id(nid), job_id=job_id,
                 code=exc.problems[0].code, by=who.username)
        return await _student_page(request, who, job_id, nid, status=status_of(exc),
                                   form=values, error=_refusal(request, exc))
    log.info("audit", action=f"review_{action}", student=hash_id(nid), job_id=job.id,
             to=change.to_mentor, exception=change.exception, by=who.username)
    return redirect(_url(job.id, nid, done=action.value) + "#history")



async def _flag(request: Request, who: Principal, job_id: str, nid: str, action: ReviewAction,
                values: dict) -> Response:
    """Flag the student for review, or clear its flag (an audit row; no allocation changes)."""
    review = ReviewRequest(nid, action, "", values["reason"], who.username, jalali_now())
    try:
        await run_in_threadpool(request.app.state.system.review_flag, review)
    except SmartAllocError as exc:       # 404 unknown student, 409 already (un)flagged
        return await _student_page(request, who, job_id, nid, status=status_of(exc),
                                   form=values, error=_refusal(request, exc))
    log.info("audit", action=f"review_{action}", student=hash_id(nid), job_id=job_id,
             by=who.username)
    return redirect(_url(job_id, nid, done=action.value) + "#history")
