"""The operator's pages. They call the API's own route functions (imports, run, status,
export, explain, governance) with the principal of the session cookie, so the rules, limits,
audit and error problems are the API's; errors become friendly pages (``pages.ui_problems``)
or, for the run form, inline messages naming file, sheet, row and column."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from smartalloc.adapters.db.auth_schema import Job
from smartalloc.adapters.db.mentor_registry import MentorRegistry
from smartalloc.adapters.db.schema import Allocation
from smartalloc.adapters.db.users import UserStore
from smartalloc.domain.decision import STAGE_LABELS_FA, STAGES
from smartalloc.domain.errors import SmartAllocError
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.normalize import match_key
from smartalloc.domain.policy import Channel, MentorStatus
from smartalloc.domain.ranking import RULE_LABELS_FA
from smartalloc.entrypoints.api import routes_admin, routes_imports, routes_runs
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.api.problems import problem_items
from smartalloc.entrypoints.api.security import Principal, issue_token
from smartalloc.entrypoints.web import results
from smartalloc.entrypoints.web.i18n import STAGE_LABELS_EN, lang_of, translator
from smartalloc.entrypoints.web.pages import page
from smartalloc.entrypoints.web.session import (
    CSRF_FIELD,
    NONCE_COOKIE,
    check_csrf,
    clear_session,
    csrf_for,
    current,
    login_nonce,
    maybe_current,
    set_nonce,
    set_session,
)

router = APIRouter(include_in_schema=False)
FILE_ROLES = (("inspactor", "mentors", True), ("schools", "students", True),
              ("students", "students", True), ("managers", "mentors", False),
              ("crosswalk", "students", False), ("roster", "students", False))
IMPORTERS = {"students": routes_imports.import_students, "mentors": routes_imports.import_mentors}
KINDS = ("sabt", "allocation", "qa", "matrix")
RUN_STAGES = ("read", "matrix", "allocate", "reports", "write", "history", "done")
OVERRIDES_COOKIE = "smartalloc_overrides"
ACTIONS = {"freeze": (MentorStatus.FROZEN, routes_admin.freeze),
           "activate": (MentorStatus.ACTIVE, routes_admin.activate),
           "restrict": (MentorStatus.RESTRICTED, routes_admin.restrict)}


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _home(who: Principal | None) -> str:
    if who is None:
        return "/ui/login"
    return "/ui/run" if "alloc:run" in who.scopes else "/ui/jobs"


def _safe_next(target: str | None) -> str | None:
    target = unquote(target or "")
    ok = target.startswith("/ui/") and not target.startswith("//") and "\\" not in target
    return target if ok and not target.startswith("/ui/login") else None


# --- sign-in ---------------------------------------------------------------------------------
@router.get("/")
@router.get("/ui")
@router.get("/ui/")
def home(request: Request) -> Response:
    return _redirect(_home(maybe_current(request)))


@router.get("/ui/login")
def login_form(request: Request) -> Response:
    who = maybe_current(request)
    if who is not None:
        return _redirect(_safe_next(request.query_params.get("next")) or _home(who))
    return _login_page(request)


def _login_page(request: Request, *, status: int = 200, failed: bool = False,
                username: str = "") -> Response:
    nonce, new = login_nonce(request)
    response = page(request, "login.html", status=status, who=None, failed=failed,
                    login_csrf=csrf_for(request, nonce), username=username,
                    expired=request.query_params.get("expired") == "1",
                    next=_safe_next(request.query_params.get("next")) or "")
    if new:
        set_nonce(request, response, nonce)
    return response


@router.post("/ui/login")
async def login(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")), request.cookies.get(NONCE_COOKIE, ""))
    username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))
    state = request.app.state
    user = await run_in_threadpool(UserStore(state.engine).authenticate, username, password) \
        if username and password else None
    log.info("audit", action="sign_in", user=username, ok=user is not None, via="web")
    if user is None:
        return _login_page(request, status=401, failed=True, username=username)
    who = Principal(user.username, user.role)
    response = _redirect(_safe_next(str(form.get("next", ""))) or _home(who))
    set_session(request, response, issue_token(state.settings, user.username))
    return response


@router.post("/ui/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    response = _redirect("/ui/login")
    clear_session(request, response)
    return response


# --- run ---------------------------------------------------------------------------------------
def _overrides_cookie(request: Request) -> dict[str, bool]:
    try:
        data = json.loads(unquote(request.cookies.get(OVERRIDES_COOKIE, "") or "{}"))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k)[:32]: bool(v) for k, v in data.items() if isinstance(v, bool)}


def _run_page(request: Request, who: Principal, *, status: int = 200,
              errors: dict[str, list[dict]] | None = None, year: str = "",
              overrides: dict[str, bool] | None = None) -> Response:
    policy = request.app.state.policy
    return page(request, "run.html", status=status, who=who, roles=FILE_ROLES,
                errors=errors or {}, year=year, policy=policy,
                overrides=_overrides_cookie(request) if overrides is None else overrides)


@router.get("/ui/run")
def run_form(request: Request) -> Response:
    who = current(request, "alloc:run")
    return _run_page(request, who)


def _upload_problems(request: Request, exc: Exception) -> list[dict]:
    if isinstance(exc, SmartAllocError):
        return problem_items(exc)
    t = translator(lang_of(request))
    status = getattr(exc, "status_code", 500)
    key = f"err.{status}" if status in (413, 415, 422) else "err.other"
    detail = str(getattr(exc, "detail", ""))
    return [{"code": f"HTTP_{status}", "message_fa": translator("fa")(key),
             "message_en": f"{translator('en')(key)} ({detail})" if detail else t(key),
             "file": "", "sheet": "", "row": None, "column": ""}]


@router.post("/ui/run")
async def run_start(request: Request) -> Response:
    who = current(request, "alloc:run")
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    if "import" not in who.scopes:
        raise HTTPException(403, f"the role '{who.role}' lacks the scope 'import'")
    overrides: dict[str, bool] = {}
    for item in form.getlist("override"):
        mentor_id, _, flag = str(item).rpartition(":")
        if mentor_id and flag in ("on", "off"):
            overrides[mentor_id[:32]] = flag == "on"
    year_text = str(form.get("year", "")).strip()
    errors: dict[str, list[dict]] = {}
    year: int | None = None
    if year_text:
        try:
            year = int(year_text)
        except ValueError:
            year = 0
        if not 1300 <= year <= 1500:
            errors["year"] = [{"message_fa": translator("fa")("run.bad_year"),
                               "message_en": translator("en")("run.bad_year")}]
    files: dict[str, str] = {}
    for role, kind, required in FILE_ROLES:
        upload = form.get(role)
        if upload is None or isinstance(upload, str) or not upload.filename:
            if required:
                errors[role] = [{"message_fa": translator("fa")("run.missing"),
                                 "message_en": translator("en")("run.missing")}]
            continue
        try:
            answer = await IMPORTERS[kind](request, upload, who, role, None)
        except (HTTPException, SmartAllocError) as exc:
            errors[role] = _upload_problems(request, exc)
            continue
        files[role] = json.loads(answer.body)["result"]["file_id"]
    if errors:
        log.info("web_run_refused", roles=sorted(errors))
        return _run_page(request, who, status=422, errors=errors, year=year_text,
                         overrides=overrides)
    body = routes_runs.RunBody(**files, year=year, overrides=overrides)
    started = await run_in_threadpool(routes_runs.start_run, request, body, who, None)
    job_id = json.loads(started.body)["job_id"]
    response = _redirect(f"/ui/jobs/{job_id}")
    response.delete_cookie(OVERRIDES_COOKIE, path="/ui")
    return response


# --- jobs and results --------------------------------------------------------------------------
def _recent_jobs(request: Request, limit: int = 30) -> list[dict]:
    with request.app.state.reader.connect() as conn:
        rows = conn.execute(select(Job.id, Job.state, Job.stage, Job.progress, Job.created_by,
                                   Job.created_at, Job.result)
                            .where(Job.kind == "allocation")
                            .order_by(Job.created_at.desc()).limit(limit)).all()
    return [{"id": r[0], "state": r[1], "stage": r[2], "progress": round((r[3] or 0) * 100),
             "by": r[4], "created_at": r[5], "counts": (r[6] or {}).get("counts", {})}
            for r in rows]


@router.get("/ui/jobs")
def jobs(request: Request) -> Response:
    who = current(request, "report:read")
    return page(request, "jobs.html", who=who, jobs=_recent_jobs(request))


@router.get("/ui/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    who = current(request, "report:read")
    job = routes_runs.allocation_job(request, job_id)
    lang = lang_of(request)
    t = translator(lang)
    context: dict[str, Any] = {"job": job, "percent": round(job.progress * 100),
                               "stages": RUN_STAGES,
                               "stage_labels": {s: t(f"stage.{s}") for s in
                                                ("queued", *RUN_STAGES)}}
    if job.state == "succeeded":
        result = job.result or {}
        counts = result.get("counts", {})
        report = results.load_report(request.app.state.settings.runs, job.id) or \
            results.RunReport()
        failures = [(k, counts.get(k, 0)) for k in
                    ("ELIGIBILITY_NO_MATCH", "CAPACITY_FULL", "DATA_MISSING", "DUPLICATE",
                     "INTERNAL_ERROR")]
        rtl = lang == "fa"
        occupancy = sorted(report.occupancy, key=lambda o: (-o.after, o.mentor_id))
        context.update(
            counts=counts, qa_status=result.get("qa_status", ""), failures=failures,
            unallocated=sum(n for _, n in failures), report=report, occupancy=occupancy,
            downloads=[k for k in KINDS if k in (result.get("files") or {})],
            occupancy_svg=results.occupancy_svg(
                occupancy, rtl=rtl, title=t("res.occupancy"),
                labels=(t("res.occupancy.before"), t("res.occupancy.after"))),
            keys_svg=results.bars_svg(
                [(", ".join(map(str, k)), n) for k, n, _ in report.by_keys[:20]], rtl=rtl,
                title=t("res.by_keys")))
    elif job.state == "failed":
        context["errors"] = (job.error or {}).get("errors", [])
    return page(request, "job.html", who=who, **context)


@router.get("/ui/api/jobs/{job_id}")
def job_status(request: Request, job_id: str) -> JSONResponse:
    """The status for the progress bar (cookie auth; the API's status body)."""
    who = current(request, "report:read")
    return JSONResponse(routes_runs.status(request, job_id, who))


@router.get("/ui/jobs/{job_id}/download/{kind}")
def download(request: Request, job_id: str, kind: str) -> Response:
    who = current(request, "report:read")
    if kind not in KINDS:
        raise HTTPException(404, f"no {kind} workbook")
    return routes_runs.export(request, job_id, who, kind)  # type: ignore[arg-type]


# --- students: search and explain ----------------------------------------------------------
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
                jobs=[j for j in _recent_jobs(request) if j["state"] == "succeeded"])


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


# --- mentors: governance and per-run overrides -------------------------------------------------
def _mentors_page(request: Request, who: Principal, *, status: int = 200,
                  error: str = "", form: dict | None = None) -> Response:
    registry = MentorRegistry(request.app.state.engine)
    wanted = request.query_params.get("status", "")
    mentors = registry.list(wanted or None)
    q = request.query_params.get("q", "").strip()
    if q:
        key = match_key(q)
        mentors = [m for m in mentors if key in match_key(f"{m.mentor_id} {m.name} {m.manager}")]
    t = translator(lang_of(request))
    notice = ""
    if (changed := request.query_params.get("changed")) and (to := request.query_params.get("to")):
        notice = t("mentors.changed", id=changed, a=t(f"status.{request.query_params.get('from')}"),
                   b=t(f"status.{to}"))
    elif (saved := request.query_params.get("saved")) is not None:
        notice = t("mentors.overrides.saved", n=saved)
    return page(request, "mentors.html", status=status, who=who, mentors=mentors, q=q,
                wanted=wanted, statuses=[s.value for s in MentorStatus], notice=notice,
                error=error, form=form or {"mentor_id": request.query_params.get("mentor", "")},
                channels=[c.value for c in Channel], overrides=_overrides_cookie(request),
                can_govern="mentors:write" in who.scopes,
                can_override="alloc:run" in who.scopes)


@router.get("/ui/mentors")
def mentors(request: Request) -> Response:
    who = current(request, "report:read")
    return _mentors_page(request, who)


@router.post("/ui/mentors/status")
async def mentor_status(request: Request) -> Response:
    who = current(request, "mentors:write")
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    t = translator(lang_of(request))
    values = {k: str(form.get(k, "")).strip() for k in ("mentor_id", "action", "reason",
                                                         "schools")}
    mentor_id, action, reason = values["mentor_id"][:32], values["action"], values["reason"]
    if action not in ACTIONS or not mentor_id:
        raise HTTPException(422, "choose a mentor id and an action")
    if not reason:
        return _mentors_page(request, who, status=422, error=t("mentors.reason_required"),
                             form=values)
    try:
        schools = [int(s) for s in values["schools"].replace("،", ",").replace(" ", ",")
                   .split(",") if s]
    except ValueError:
        return _mentors_page(request, who, status=422, error=t("err.422"), form=values)
    channels = [c for c in form.getlist("channels") if c in {ch.value for ch in Channel}]
    before = next((m.status for m in MentorRegistry(request.app.state.engine).list()
                   if m.mentor_id == mentor_id), "unknown")
    body = routes_admin.StatusBody(reason=reason[:500], schools=schools,
                                   channels=channels)  # type: ignore[arg-type]
    try:
        await run_in_threadpool(ACTIONS[action][1], request, mentor_id, body, who)
    except SmartAllocError as exc:
        item = problem_items(exc)[0]
        return _mentors_page(request, who, status=422, form=values,
                             error=item["message_fa" if lang_of(request) == "fa"
                                        else "message_en"])
    to = ACTIONS[action][0].value
    return _redirect(f"/ui/mentors?changed={quote(mentor_id)}&from={before}&to={to}")


@router.post("/ui/mentors/overrides")
async def mentor_overrides(request: Request) -> Response:
    current(request, "alloc:run")
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    chosen = dict(_overrides_cookie(request))
    for key, value in form.multi_items():
        if key.startswith("ov_"):
            mentor_id = key[3:][:32]
            if value == "on":
                chosen[mentor_id] = True
            elif value == "off":
                chosen[mentor_id] = False
            else:
                chosen.pop(mentor_id, None)
    response = _redirect(f"/ui/mentors?saved={len(chosen)}")
    response.set_cookie(OVERRIDES_COOKIE, quote(json.dumps(chosen)), path="/ui",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


# --- history -----------------------------------------------------------------------------------
@router.get("/ui/history")
def history(request: Request, national_id: str = "", mentor_id: str = "") -> Response:
    who = current(request, "report:read")
    state = request.app.state
    entries, audit, mentor = [], [], None
    nid = normalize_national_id(national_id) if national_id.strip() else ""
    mentor_id = mentor_id.strip()[:32]
    if nid:
        log.info("history_search", student=hash_id(nid))
        entries = [{"national_id": e.national_id, "mentor_id": e.mentor_id, "code": e.code,
                    "channel": e.channel, "allocated_at": e.allocated_at, "run_id": e.run_id,
                    "policy_stamp": e.policy_stamp} for e in state.store.search(nid)]
    elif mentor_id:
        with state.reader.connect() as conn:
            rows = conn.execute(select(
                Allocation.national_id, Allocation.mentor_id, Allocation.code,
                Allocation.channel, Allocation.allocated_at, Allocation.run_id,
                Allocation.policy_stamp).where(Allocation.mentor_id == mentor_id)
                .order_by(Allocation.code).limit(1000)).all()
        keys = ("national_id", "mentor_id", "code", "channel", "allocated_at", "run_id",
                "policy_stamp")
        entries = [dict(zip(keys, r, strict=True)) for r in rows]
        registry = MentorRegistry(state.engine)
        audit = registry.audit(mentor_id)
        mentor = next((m for m in registry.list() if m.mentor_id == mentor_id), None)
    return page(request, "history.html", who=who, national_id=nid, mentor_id=mentor_id,
                entries=entries, audit=audit, mentor=mentor,
                searched=bool(nid or mentor_id))
