"""The run page: upload the reports (the upload handler, as the API's import routes), pick the
year and the per-run overrides, start the allocation job (the API's handler too).

When a slot is refused, the files the other slots had accepted are kept: the page comes back
with their upload ids in hidden fields (``kept_<role>``), so the operator re-chooses only the
refused file. A kept id counts only if it is a finished upload of that slot's report — the
same rule a run checks its files by — and a newly chosen file replaces it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from smartalloc.domain.errors import SmartAllocError
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.api.problems import problem_items
from smartalloc.entrypoints.api.security import Principal
from smartalloc.entrypoints.api.uploads import accept_upload
from smartalloc.entrypoints.web.i18n import both
from smartalloc.entrypoints.web.pages import page, redirect
from smartalloc.entrypoints.web.routes_mentors import forget_overrides, saved_overrides
from smartalloc.entrypoints.web.session import CSRF_FIELD, check_csrf, current
from smartalloc.entrypoints.web.words import HTTP_ERRORS, N_, OTHER_ERROR
from smartalloc.service_layer.allocation_jobs import StartAllocation, start_allocation
from smartalloc.service_layer.ports import INPUT_ROLES, MENTOR_REPORT_ROLES, RUN_REQUIRED_ROLES
from smartalloc.service_layer.uploads import kept_upload

router = APIRouter(include_in_schema=False)
# (role, upload kind, required for a run) for each input role, in reading order.
FILE_ROLES = tuple((role, "mentors" if role in MENTOR_REPORT_ROLES else "students",
                    role in RUN_REQUIRED_ROLES) for role in INPUT_ROLES)


def _run_page(request: Request, who: Principal, *, status: int = 200,
              errors: dict[str, list[dict]] | None = None, year: str = "",
              overrides: dict[str, bool] | None = None,
              kept: dict[str, dict] | None = None) -> Response:
    policy = request.app.state.policy
    return page(request, "run.html", status=status, who=who, roles=FILE_ROLES,
                errors=errors or {}, year=year, policy=policy, kept=kept or {},
                overrides=saved_overrides(request, who) if overrides is None else overrides)


@router.get("/ui/run")
def run_form(request: Request) -> Response:
    who = current(request, "alloc:run")
    return _run_page(request, who)


def _upload_problems(request: Request, exc: Exception) -> list[dict]:
    if isinstance(exc, SmartAllocError):
        return problem_items(exc)
    status = getattr(exc, "status_code", 500)
    words = both(HTTP_ERRORS[status] if status in (413, 415, 422) else OTHER_ERROR)
    if detail := str(getattr(exc, "detail", "")):
        words["message_en"] += f" ({detail})"
    return [{"code": f"HTTP_{status}", **words, "file": "", "sheet": "", "row": None,
             "column": ""}]


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
            errors["year"] = [both(N_("The year must be a number between 1300 and 1500."))]
    files: dict[str, str] = {}
    kept: dict[str, dict] = {}
    for role, kind, required in FILE_ROLES:
        upload = form.get(role)
        if upload is None or isinstance(upload, str) or not upload.filename:
            earlier = None if form.get(f"forget_{role}") else kept_upload(
                request.app.state.jobs, str(form.get(f"kept_{role}", ""))[:36], role)
            if earlier is not None:
                files[role], kept[role] = earlier["file_id"], earlier
            elif required:
                errors[role] = [both(N_("This file is required."))]
            continue
        try:
            job, _ = await accept_upload(kind, request, upload, role, who, None)
        except (HTTPException, SmartAllocError) as exc:
            errors[role] = _upload_problems(request, exc)
            continue
        files[role], kept[role] = job.result["file_id"], job.result
    if errors:
        log.info("web_run_refused", roles=sorted(errors), kept=sorted(kept))
        return _run_page(request, who, status=422, errors=errors, year=year_text,
                         overrides=overrides, kept=kept)
    state = request.app.state
    command = StartAllocation(files, who.username, year, overrides)
    job, _ = await run_in_threadpool(start_allocation, command, state.jobs, state.runner)
    log.info("audit", action="allocation_started", job_id=job.id, by=who.username)
    forget_overrides(request, who)
    return redirect(f"/ui/jobs/{job.id}")
