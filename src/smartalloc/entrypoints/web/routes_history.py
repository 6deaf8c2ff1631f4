"""History of a national id (its allocation) or of a mentor (its allocations and audit trail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smartalloc.domain.governance import mentor_key
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.users import PERSONAL, REVIEW
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.web.pages import page
from smartalloc.entrypoints.web.session import current
from smartalloc.service_layer import history_records, intake
from smartalloc.service_layer.mentor_governance import mentor as mentor_view
from smartalloc.service_layer.mentor_governance import status_audit

router = APIRouter(include_in_schema=False)


def _row(e) -> dict:
    return {"national_id": e.national_id, "mentor_id": e.mentor_id, "code": e.code,
            "channel": e.channel, "allocated_at": e.allocated_at, "run_id": e.run_id,
            "policy_stamp": e.policy_stamp}


@router.get("/ui/history")
def history(request: Request, national_id: str = "", mentor_id: str = "",
            arrivals_before: Annotated[int | None, Query(ge=1)] = None) -> Response:
    who = current(request, "report:read")
    state = request.app.state
    entries, audit, mentor = [], [], None
    nid = normalize_national_id(national_id) if national_id.strip() else ""
    mentor_id = mentor_key(mentor_id)[:32]   # «۴۲» as typed on a Persian keyboard is 42
    personal = PERSONAL in who.scopes   # allocations name students; a mentor's audit does not
    if nid:
        who.check(PERSONAL)
        log.info("history_search", student=hash_id(nid))
        entries = [_row(e) for e in history_records.search(state.system.history, nid)]
    elif mentor_id:
        if personal:
            entries = [_row(e) for e in
                       history_records.of_mentor(state.system.history, mentor_id)]
        registry = state.system.mentors()
        audit = status_audit(registry, mentor_id)
        mentor = mentor_view(registry, mentor_id)
    # Live registrations (issue L): a student's own, or the latest when nothing is searched;
    # they name students, so only for those who may see personal data.
    live = personal and not mentor_id and bool(state.policy.intake.sources)
    arrivals, older = (intake.arrivals_page(state.intake, national_id=nid or None,
                                            before=arrivals_before) if live else ([], None))
    return page(request, "history.html", who=who, national_id=nid, mentor_id=mentor_id,
                entries=entries, audit=audit, mentor=mentor, personal=personal,
                searched=bool(nid or mentor_id), arrivals=arrivals,
                older_arrivals=older, arrivals_before=arrivals_before if live else None,
                show_arrivals=live and bool(arrivals or not nid),
                can_hand_over=live and REVIEW in who.scopes,
                sabt_none=request.query_params.get("sabt") == "none")
