"""The agency's profile over HTTP (issue G): the managers of an uploaded InspactorReport with
their centres, the academic year the files point to, and the stored, audited profile versions.
Reading is for every signed-in role; changing it is the administrator's (as governance is)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from smartalloc.adapters.db.agency_profiles import AgencyProfiles
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.domain.agency_profile import AgencyProfile
from smartalloc.entrypoints.api.observability import log
from smartalloc.entrypoints.api.security import Principal, require
from smartalloc.entrypoints.api.settings import upload_path
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.setup_agency import agency_policy, describe_agency, save_profile

router = APIRouter(prefix="/api/v1/agency", tags=["agency"])
Reader = Annotated[Principal, Depends(require("report:read"))]
Admin = Annotated[Principal, Depends(require("mentors:write"))]


class ProfileBody(BaseModel):
    centres: dict[Annotated[str, Field(min_length=1, max_length=200)], int] = Field(
        description='Manager name → centre (0 central, 1 Golestan, 2 Sadra); "*" = the default',
        max_length=500)
    academic_year: int = Field(ge=1360, le=1499)
    reason: str = Field(min_length=1, max_length=500)


def profile_view(profile: AgencyProfile) -> dict:
    return {**dataclasses.asdict(profile), "centres": dict(profile.centres),
            "previous": dict(profile.previous)}


@router.get("/managers")
def managers(request: Request, _: Reader,
             file_id: Annotated[str, Query(pattern=r"^[0-9a-f-]{36}$")]) -> dict:
    """The managers of an uploaded InspactorReport (`/mentors/import`), each with its mentor
    count and its centre as the policy in force resolves it, and the year evidence."""
    path = upload_path(request.app.state.settings, file_id)
    if not path.is_file():
        raise HTTPException(404, "no uploaded file with this id")
    state = request.app.state
    policy = policy_in_force(state.policy, state.store)[0]
    upload = state.jobs.get(file_id)      # the name it was uploaded with carries the date
    named = ((upload.result or {}).get("filename", ""),) if upload is not None else ()
    roster_job = state.jobs.latest("import:roster")   # the codes say which year is running
    roster = upload_path(state.settings, roster_job.result["file_id"]) \
        if roster_job is not None and roster_job.result else None
    roster = roster if roster is not None and roster.is_file() else None
    found = describe_agency(path, roster, policy, reader=ExcelInputReader(), file_names=named)
    return {"managers": [dataclasses.asdict(m) for m in found.centres.managers],
            "unmatched_entries": [list(e) for e in found.centres.unmatched_entries],
            "year": {**dataclasses.asdict(found.year), "agreed": found.year.agreed,
                     "suggested": found.year.suggested}}


@router.get("/profile")
def current_profile(request: Request, _: Reader) -> dict:
    profile = request.app.state.store.agency_profile()
    if profile is None:
        raise HTTPException(404, "no agency profile yet: an administrator sets it up")
    return profile_view(profile)


@router.get("/profile/versions")
def profile_versions(request: Request, _: Reader) -> list[dict]:
    """Every stored version, newest first, each with the map it replaced (the audit trail)."""
    return [profile_view(p) for p in AgencyProfiles(request.app.state.engine).versions()]


@router.put("/profile")
def put_profile(request: Request, body: ProfileBody, who: Admin) -> dict:
    """Store a new version; runs whose policy names no manager use it from the next run."""
    policy = agency_policy(request.app.state.policy, body.centres, body.academic_year,
                           source="agency profile")
    saved = save_profile(policy, AgencyProfiles(request.app.state.engine), by=who.username,
                         at=jalali_now(), reason=body.reason)
    log.info("audit", action="agency_profile_saved", version=saved.version, by=who.username)
    return profile_view(saved)
