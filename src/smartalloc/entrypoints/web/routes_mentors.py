"""The mentor pool: filter, page through, govern (freeze / activate / restrict with a reason,
audited with the signed-in user; confirmed with the mentor's name first, undone in one click)
and choose per-run overrides for the next run (kept on the server, per user).

Governance goes through the same handler as the API and the CLI
(`service_layer.mentor_governance`), so the page only checks the session's scope, reads the
form and renders the outcome; the rules and the audit are the handler's. The confirmation
exists because an id typed with a slip (or with Persian digits, before issue J) acted on
another mentor than the one meant, and said it worked."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from smartalloc.domain import glossary
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
    preview_status_change,
)
from smartalloc.service_layer.ports import MentorGovernanceStore

router = APIRouter(include_in_schema=False)
ACTIONS = {"freeze": MentorStatus.FROZEN, "activate": MentorStatus.ACTIVE,
           "restrict": MentorStatus.RESTRICTED}
UNDO = {status.value: action for action, status in ACTIONS.items()}
REASON_MAX = 500                    # as the API's StatusBody allows
PAGE_SIZE = 100                     # 2,000 mentors on one page were 1.2 MB of HTML


def _registry(request: Request) -> MentorGovernanceStore:
    """The governance store, with the outbox when the system of record has one (as the API)."""
    return request.app.state.system.mentors()


def _book(request: Request):
    settings = request.app.state.settings
    return request.app.state.system.overrides_book(settings.data_dir / "overrides")


def saved_overrides(request: Request, who: Principal) -> dict[str, bool]:
    """The overrides ``who`` chose for their next run (mentor id → on/off)."""
    return _book(request).get(who.username)


def forget_overrides(request: Request, who: Principal) -> None:
    """A run started with them: the next one starts from none again."""
    _book(request).clear(who.username)


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10**6 else 1


def _undo(request: Request) -> dict | None:
    """The undo form of the change just made: back to its earlier status and restriction."""
    q = request.query_params
    if q.get("from") not in UNDO or q.get("from") == q.get("to"):
        return None
    return {"mentor_id": q.get("changed", ""), "action": UNDO[q["from"]],
            "schools": q.get("schools", ""), "channels": q.getlist("channel")}


def _mentors_page(request: Request, who: Principal, *, status: int = 200,
                  error: str = "", form: dict | None = None) -> Response:
    wanted = request.query_params.get("status", "")
    mentors = list_mentors(_registry(request), wanted or None)
    q = request.query_params.get("q", "").strip()
    if q:
        key = match_key(q)
        mentors = [m for m in mentors if key in match_key(f"{m.mentor_id} {m.name} {m.manager}")]
    pages = max(1, -(-len(mentors) // PAGE_SIZE))
    number = min(_page_number(request), pages)
    shown = mentors[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    lang = lang_of(request)
    t = translator(lang)
    notice = ""
    if (changed := request.query_params.get("changed")) and (to := request.query_params.get("to")):
        was = request.query_params.get("from")
        notice = t("Mentor %(id)s: %(a)s → %(b)s.", id=changed,
                   a=glossary.word(glossary.MENTOR_STATUSES, was, lang) or t("unknown"),
                   b=glossary.word(glossary.MENTOR_STATUSES, to, lang))
        if to in (MentorStatus.FROZEN.value, MentorStatus.INACTIVE.value):
            notice += " " + t("Students already allocated to this mentor stay with it; "
                              "from the next run no new student is given to it.")
    elif (saved := request.query_params.get("saved")) is not None:
        notice = t("%(n)s overrides saved for the next run.", n=saved)
    keep = [(k, v) for k, v in (("q", q), ("status", wanted)) if v]
    return page(request, "mentors.html", status=status, who=who, mentors=shown, q=q,
                wanted=wanted, statuses=[s.value for s in MentorStatus], notice=notice,
                undo=_undo(request) if notice and "mentors:write" in who.scopes else None,
                error=error, form=form or {"mentor_id": request.query_params.get("mentor", "")},
                channels=[c.value for c in Channel], overrides=saved_overrides(request, who),
                can_govern="mentors:write" in who.scopes,
                can_override="alloc:run" in who.scopes, total=len(mentors),
                first=(number - 1) * PAGE_SIZE + 1, page_no=number, pages=pages,
                page_url=lambda n: "/ui/mentors?" + urlencode([*keep, ("page", n)]))


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
        return _mentors_page(request, who, status=422, error=t("A reason is required for every status change."),
                             form=values)
    try:
        schools = [int(s) for s in values["schools"].replace("،", ",").replace(" ", ",")
                   .split(",") if s]
    except ValueError:
        return _mentors_page(request, who, status=422, error=t("The data is not valid; fix the items below."), form=values)
    channels = tuple(Channel(c) for c in form.getlist("channels")
                     if c in {ch.value for ch in Channel})
    command = ChangeMentorStatus(mentor_id, ACTIONS[action], reason=reason[:REASON_MAX],
                                 by=who.username, at=jalali_now(), schools=tuple(schools),
                                 channels=channels)
    registry = _registry(request)
    try:
        before = await run_in_threadpool(preview_status_change, command, registry)
        if form.get("confirmed") != "1":   # first the mentor's name, then the change
            return page(request, "mentor_confirm.html", who=who, mentor=before,
                        action=action, to=ACTIONS[action].value, values=values,
                        chosen_channels=[c.value for c in channels])
        change = await run_in_threadpool(change_mentor_status, command, registry)
    except SmartAllocError as exc:   # 422 for a rule, 404 for an id no report names
        item = problem_items(exc)[0]
        return _mentors_page(request, who, status=status_of(exc), form=values,
                             error=item["message_fa" if lang_of(request) == "fa"
                                        else "message_en"])
    log.info("audit", action="mentor_status_changed", mentor_id=change.mentor_id,
             to=change.to_status, by=who.username)
    earlier = [("schools", ",".join(map(str, before.allowed_schools)))] + [
        ("channel", c) for c in before.allowed_channels]
    return redirect("/ui/mentors?" + urlencode([
        ("changed", change.mentor_id), ("from", change.from_status),
        ("to", change.to_status), *earlier]))


@router.post("/ui/mentors/overrides")
async def mentor_overrides(request: Request) -> Response:
    who = current(request, "alloc:run")
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    chosen = dict(saved_overrides(request, who))
    for key, value in form.multi_items():
        if key.startswith("ov_"):
            mentor_id = key[3:][:32]
            if value == "on":
                chosen[mentor_id] = True
            elif value == "off":
                chosen[mentor_id] = False
            else:
                chosen.pop(mentor_id, None)
    _book(request).put(who.username, chosen)
    return redirect(f"/ui/mentors?saved={len(chosen)}")
