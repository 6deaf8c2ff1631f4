"""The agency's profile over HTTP (issue G): the managers of an uploaded InspactorReport with
their centres, the academic year the files point to, and the stored, audited profile versions.
Reading is for every signed-in role; changing it is the administrator's (as governance is)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from smartalloc.entrypoints.api.agency_views import (
    ProfileBody,
    described,
    profile_view,
    setup_view,
)
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.service_layer.setup_agency import set_profile

router = APIRouter(prefix="/api/v1/agency", tags=["agency"])
Reader = Annotated[Principal, Depends(require("report:read"))]
Admin = Annotated[Principal, Depends(require("mentors:write"))]


@router.get("/managers")
def managers(request: Request, _: Reader,
             file_id: Annotated[str, Query(pattern=r"^[0-9a-f-]{36}$")]) -> dict:
    """The managers of an uploaded InspactorReport (`/mentors/import`), each with its mentor
    count and its centre as the policy in force resolves it, and the year evidence."""
    return setup_view(described(request, file_id))


@router.get("/profile")
def current_profile(request: Request, _: Reader) -> dict:
    profile = request.app.state.store.agency_profile()
    if profile is None:
        raise HTTPException(404, "no agency profile yet: an administrator sets it up")
    return profile_view(profile)


@router.get("/profile/versions")
def profile_versions(request: Request, _: Reader) -> list[dict]:
    """Every stored version, newest first, each with the map it replaced (the audit trail)."""
    return [profile_view(p) for p in request.app.state.system.profiles().versions()]


@router.put("/profile")
def put_profile(request: Request, body: ProfileBody, who: Admin) -> dict:
    """Store a new version; runs whose policy names no manager use it from the next run."""
    saved = set_profile(request.app.state.policy, body.centres, body.academic_year,
                        store=request.app.state.system.profiles(), by=who.username,
                        at=jalali_now(), reason=body.reason)
    log.info("audit", action="agency_profile_saved", version=saved.version, by=who.username)
    return profile_view(saved)
