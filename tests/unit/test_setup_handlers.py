"""The agency set-up's handlers on fakes: what the API's agency routes and the set-up page
share."""

from __future__ import annotations

import pytest

from smartalloc.domain.errors import ConfigurationError, NotFoundError
from smartalloc.service_layer.setup_agency import describe_upload, set_profile
from tests.fakes import MemoryHistory, MemoryJobBook


class Profiles:
    def __init__(self):
        self.saved = []

    def save(self, profile):
        profile = type(profile)(**{**profile.__dict__, "version": len(self.saved) + 1})
        self.saved.append(profile)
        return profile

    def versions(self, limit=50):
        return list(reversed(self.saved))[:limit]


def test_a_profile_needs_a_reason_and_keeps_every_version(policy):
    profiles = Profiles()
    with pytest.raises(ConfigurationError):
        set_profile(policy, {"مدیر یک": 1}, 1404, store=profiles, by="admin", at="now",
                    reason="  ")
    first = set_profile(policy, {"مدیر یک": 1}, 1404, store=profiles, by="admin", at="now",
                        reason="first week")
    second = set_profile(policy, {"مدیر یک": 2}, 1404, store=profiles, by="admin", at="now",
                         reason="moved")
    assert (first.version, second.version) == (1, 2)
    assert dict(second.centres)["مدیر یک"] == 2 and second.academic_year == 1404


def test_describing_an_upload_that_is_not_there_is_not_found(policy, tmp_path):
    with pytest.raises(NotFoundError):
        describe_upload("0" * 36, jobs=MemoryJobBook(), upload=lambda fid: tmp_path / fid,
                        policy=policy, history=MemoryHistory(), reader=None)
