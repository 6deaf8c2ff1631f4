"""Sign-in, mentor governance (admin only, audited with the signed-in user) and history."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.policy import Channel, MentorStatus
from smartalloc.domain.users import PERSONAL
from smartalloc.entrypoints.api.login_guard import guarded_sign_in
from smartalloc.entrypoints.api.observability import hash_id, log
from smartalloc.entrypoints.api.security import (
    PASSWORD_CHANGE_REQUIRED,
    Principal,
    bearer,
    issue_token,
    principal,
    require,
    revoke_token,
)
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.service_layer import history_records, mentor_governance
from smartalloc.service_layer.mentor_governance import ChangeMentorStatus, change_mentor_status
from smartalloc.service_layer.ports import MentorGovernanceStore

router = APIRouter(prefix="/api/v1", tags=["admin"])
Reader = Annotated[Principal, Depends(require("report:read"))]
Governor = Annotated[Principal, Depends(require("mentors:write"))]


class StatusBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
    schools: list[int] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)


@router.post("/auth/token", tags=["auth"])
async def token(request: Request, username: Annotated[str, Form()],
                password: Annotated[str, Form()]) -> dict:
    """Password → bearer token (the one route that takes no token)."""
    state = request.app.state
    user = await guarded_sign_in(request, username, password)
    log.info("audit", action="sign_in", user=username[:64], ok=user is not None)
    if user is None:
        raise HTTPException(401, "wrong username or password", {"WWW-Authenticate": "Bearer"})
    if user.must_change:   # a password someone else saw opens nothing but its own replacement
        raise HTTPException(403, PASSWORD_CHANGE_REQUIRED)
    return {"access_token": issue_token(state.settings, user.username), "token_type": "bearer",
            "expires_in": state.settings.token_minutes * 60}


@router.post("/auth/logout", tags=["auth"], status_code=204)
def logout(request: Request, who: Annotated[Principal, Depends(principal)],
           credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> Response:
    """Sign this token out: refused from now on, until it would have expired (any role)."""
    revoke_token(request, credentials.credentials)
    log.info("audit", action="sign_out", user=who.username)
    return Response(status_code=204)


def _registry(request: Request) -> MentorGovernanceStore:
    return request.app.state.system.mentors()


@router.get("/mentors")
def list_mentors(request: Request, _: Reader, status: str | None = None) -> list[dict]:
    found = mentor_governance.list_mentors(_registry(request), status)
    return [dataclasses.asdict(m) for m in found]


@router.get("/mentors/audit")
def mentor_audit(request: Request, _: Reader, mentor_id: str | None = None) -> list[dict]:
    trail = mentor_governance.status_audit(_registry(request), mentor_id)
    return [dataclasses.asdict(c) for c in trail]


def _change(request: Request, mentor_id: str, to: MentorStatus, body: StatusBody,
            who: Principal) -> dict:
    command = ChangeMentorStatus(mentor_id, to, reason=body.reason, by=who.username,
                                 at=jalali_now(), schools=tuple(body.schools),
                                 channels=tuple(body.channels))
    change = change_mentor_status(command, _registry(request))
    log.info("audit", action="mentor_status_changed", mentor_id=mentor_id, to=to.value,
             by=who.username)
    return dataclasses.asdict(change)


@router.post("/mentors/{mentor_id}/freeze")
def freeze(request: Request, mentor_id: str, body: StatusBody, who: Governor) -> dict:
    return _change(request, mentor_id, MentorStatus.FROZEN, body, who)


@router.post("/mentors/{mentor_id}/activate")
def activate(request: Request, mentor_id: str, body: StatusBody, who: Governor) -> dict:
    return _change(request, mentor_id, MentorStatus.ACTIVE, body, who)


@router.post("/mentors/{mentor_id}/restrict")
def restrict(request: Request, mentor_id: str, body: StatusBody, who: Governor) -> dict:
    return _change(request, mentor_id, MentorStatus.RESTRICTED, body, who)


@router.get("/history")
def history(request: Request, _: Annotated[Principal, Depends(require(PERSONAL))],
            national_id: Annotated[str, Query(min_length=1, max_length=20)]) -> list[dict]:
    """The recorded allocation of a national id."""
    nid = normalize_national_id(national_id)
    log.info("history_search", student=hash_id(nid))
    return [e._asdict() for e in history_records.search(request.app.state.system.history, nid)]
