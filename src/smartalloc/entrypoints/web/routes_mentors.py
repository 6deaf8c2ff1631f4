"""The mentor pool: filter, govern (freeze / activate / restrict with a reason, audited with the
signed-in user) and choose per-run overrides for the next run (kept in a cookie).

Governance goes through the same handler as the API and the CLI
(`service_layer.mentor_governance`), so the page only checks the session's scope, reads the
form and renders the outcome; the rules and the audit are the handler's."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from smartalloc.domain.errors import SmartAllocError
from smartalloc.domain.normalize import match_key
from smartalloc.domain.policy import Channel, MentorStatus
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.api.problems import problem_items, status_of
from smartalloc.entrypoints.api.security import Principal
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.entrypoints.web.i18n import lang_of, translator
from smartalloc.entrypoints.web.pages import page, redirect
from smartalloc.entrypoints.web.session import CSRF_FIELD, check_csrf, current
from smartalloc.service_layer.mentor_governance import (
    ChangeMentorStatus,
    change_mentor_status,
    list_mentors,
)
from smartalloc.service_layer.ports import MentorGovernanceStore

router = APIRouter(include_in_schema=False)
OVERRIDES_COOKIE = "smartalloc_overrides"
ACTIONS = {"freeze": MentorStatus.FROZEN, "activate": MentorStatus.ACTIVE,
           "restrict": MentorStatus.RESTRICTED}
REASON_MAX = 500                    # as the API's StatusBody allows


def _registry(request: Request) -> MentorGovernanceStore:
    """The governance store, with the outbox when the system of record has one (as the API)."""
    return request.app.state.system.mentors()


def overrides_cookie(request: Request) -> dict[str, bool]:
    """The overrides chosen for the next run (mentor id → on/off); a bad cookie is none."""
    try:
        data = json.loads(unquote(request.cookies.get(OVERRIDES_COOKIE, "") or "{}"))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k)[:32]: bool(v) for k, v in data.items() if isinstance(v, bool)}


def _mentors_page(request: Request, who: Principal, *, status: int = 200,
                  error: str = "", form: dict | None = None) -> Response:
    wanted = request.query_params.get("status", "")
    mentors = list_mentors(_registry(request), wanted or None)
    q = request.query_params.get("q", "").strip()
    if q:
        key = match_key(q)
        mentors = [m for m in mentors if key in match_key(f"{m.mentor_id} {m.name} {m.manager}")]
    t = translator(lang_of(request))
    notice = ""
    if (changed := request.query_params.get("changed")) and (to := request.query_params.get("to")):
        notice = t("mentors.changed", id=changed, a=t(f"status.{request.query_params.get('from')}"),
                   b=t(f"status.{to}"))
        if to in (MentorStatus.FROZEN.value, MentorStatus.INACTIVE.value):
            notice += " " + t("mentors.freeze_effect")
    elif (saved := request.query_params.get("saved")) is not None:
        notice = t("mentors.overrides.saved", n=saved)
    return page(request, "mentors.html", status=status, who=who, mentors=mentors, q=q,
                wanted=wanted, statuses=[s.value for s in MentorStatus], notice=notice,
                error=error, form=form or {"mentor_id": request.query_params.get("mentor", "")},
                channels=[c.value for c in Channel], overrides=overrides_cookie(request),
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
    channels = tuple(Channel(c) for c in form.getlist("channels")
                     if c in {ch.value for ch in Channel})
    command = ChangeMentorStatus(mentor_id, ACTIONS[action], reason=reason[:REASON_MAX],
                                 by=who.username, at=jalali_now(), schools=tuple(schools),
                                 channels=channels)
    try:
        change = await run_in_threadpool(change_mentor_status, command, _registry(request))
    except SmartAllocError as exc:   # 422 for a rule, 404 for an id no report names
        item = problem_items(exc)[0]
        return _mentors_page(request, who, status=status_of(exc), form=values,
                             error=item["message_fa" if lang_of(request) == "fa"
                                        else "message_en"])
    log.info("audit", action="mentor_status_changed", mentor_id=mentor_id,
             to=change.to_status, by=who.username)
    return redirect(f"/ui/mentors?changed={quote(mentor_id)}&from={change.from_status}"
                    f"&to={change.to_status}")


@router.post("/ui/mentors/overrides")
async def mentor_overrides(request: Request) -> Response:
    current(request, "alloc:run")
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    chosen = dict(overrides_cookie(request))
    for key, value in form.multi_items():
        if key.startswith("ov_"):
            mentor_id = key[3:][:32]
            if value == "on":
                chosen[mentor_id] = True
            elif value == "off":
                chosen[mentor_id] = False
            else:
                chosen.pop(mentor_id, None)
    response = redirect(f"/ui/mentors?saved={len(chosen)}")
    response.set_cookie(OVERRIDES_COOKIE, quote(json.dumps(chosen)), path="/ui",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response
