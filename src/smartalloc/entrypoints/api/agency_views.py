"""The agency set-up's request and answers, shared by the API's agency routes and the set-up
page (which calls the same handlers, never the routes)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import Request
from pydantic import BaseModel, Field

from smartalloc.domain.agency_profile import AgencyProfile
from smartalloc.entrypoints.api.settings import upload_path
from smartalloc.service_layer.setup_agency import AgencySetup, describe_upload


class ProfileBody(BaseModel):
    centres: dict[Annotated[str, Field(min_length=1, max_length=200)], int] = Field(
        description='Manager name → centre (0 central, 1 Golestan, 2 Sadra); "*" = the default',
        max_length=500)
    academic_year: int = Field(ge=1360, le=1499)
    reason: str = Field(min_length=1, max_length=500)


def profile_view(profile: AgencyProfile) -> dict:
    return {**dataclasses.asdict(profile), "centres": dict(profile.centres),
            "previous": dict(profile.previous)}


def described(request: Request, file_id: str) -> AgencySetup:
    """The set-up handler's view of an upload (shared with the set-up page)."""
    state = request.app.state
    return describe_upload(file_id, jobs=state.jobs,
                           upload=lambda fid: upload_path(state.settings, fid),
                           policy=state.policy, history=state.system.history,
                           reader=state.system.reader)


def setup_view(found: AgencySetup) -> dict:
    return {"managers": [dataclasses.asdict(m) for m in found.centres.managers],
            "unmatched_entries": [list(e) for e in found.centres.unmatched_entries],
            "year": {**dataclasses.asdict(found.year), "agreed": found.year.agreed,
                     "suggested": found.year.suggested}}
