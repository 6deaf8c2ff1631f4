"""The agency set-up page (issue G, D16): the managers of the last uploaded InspactorReport,
a centre for each, the academic year with its evidence, and a reason — saved through the set-up
handler (as the API's route) as a new audited profile version. Administrators only, like mentor governance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from smartalloc.domain.errors import SmartAllocError
from smartalloc.entrypoints.api.agency_views import ProfileBody, described, setup_view
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.api.problems import problem_items
from smartalloc.entrypoints.api.security import Principal
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.entrypoints.web.i18n import digits, lang_of, translator
from smartalloc.entrypoints.web.pages import page, redirect
from smartalloc.entrypoints.web.session import CSRF_FIELD, check_csrf, current
from smartalloc.service_layer.setup_agency import set_profile

router = APIRouter(include_in_schema=False)
SCOPE = "mentors:write"


def _report(request: Request) -> tuple[str, dict | None]:
    """(file name, manager table) of the newest uploaded InspactorReport, if any."""
    job = request.app.state.jobs.latest("import:inspactor")
    if job is None or not job.result:
        return "", None
    try:
        found = setup_view(described(request, job.result["file_id"]))
    except Exception:                     # removed upload or unreadable: nothing to show
        return "", None
    return str(job.result.get("filename", "")), found


def _setup_page(request: Request, who: Principal, *, status: int = 200, errors=(),
                form: dict | None = None) -> Response:
    name, found = _report(request)
    profile = request.app.state.store.agency_profile()
    year = found["year"] if found else None
    suggested = (form or {}).get("academic_year") or (year["suggested"] if year else None) or (
        profile.academic_year if profile else request.app.state.policy.academic_year)
    lang = lang_of(request)
    t = translator(lang)
    saved = request.query_params.get("saved", "")
    return page(request, "setup.html", status=status, who=who, report_name=name,
                managers=found["managers"] if found else [], year=year, suggested=suggested,
                profile=profile, centre_ids=request.app.state.policy.center_ids,
                versions=request.app.state.system.profiles().versions(limit=10),
                notice=t("Version %(v)s of the agency profile was saved; the next run uses it.", v=digits(saved, lang)) if saved.isdecimal() else "",
                errors=list(errors), form=form or {})


@router.get("/ui/setup")
def setup(request: Request) -> Response:
    return _setup_page(request, current(request, SCOPE))


@router.post("/ui/setup")
async def save_setup(request: Request) -> Response:
    who = current(request, SCOPE)
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    centres = {}
    for key, value in form.multi_items():
        if key.startswith("manager_") and str(value):
            chosen = str(form.get(f"centre_{key.removeprefix('manager_')}", ""))
            if chosen.strip().isdecimal():
                centres[str(value)[:200]] = int(chosen)
    values = {"academic_year": str(form.get("academic_year", "")).strip(),
              "reason": str(form.get("reason", "")).strip()}
    try:
        body = ProfileBody(centres=centres, academic_year=values["academic_year"],
                           reason=values["reason"])
        saved = set_profile(request.app.state.policy, body.centres, body.academic_year,
                            store=request.app.state.system.profiles(), by=who.username,
                            at=jalali_now(), reason=body.reason)
        log.info("audit", action="agency_profile_saved", version=saved.version,
                 by=who.username)
    except ValidationError as exc:
        items = [{"code": "FORM_INVALID", "message_fa": "", "message_en": e["msg"],
                  "column": ".".join(str(x) for x in e["loc"])} for e in exc.errors()]
        return _setup_page(request, who, status=422, errors=items, form=values)
    except SmartAllocError as exc:
        return _setup_page(request, who, status=422, errors=problem_items(exc), form=values)
    return redirect(f"/ui/setup?saved={saved.version}")
