"""The agency's profile on SQLite and PostgreSQL: versions kept, the newest applies, each knows
what it replaced; a run's policy that names no manager takes it, one that does keeps its own."""

from __future__ import annotations

import pytest

from smartalloc.adapters.db.agency_profiles import AgencyProfiles
from smartalloc.domain.agency_profile import AgencyProfile
from smartalloc.domain.errors import ConfigurationError
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.setup_agency import save_profile
from tests.policies import make_policy, shipped_policy


def test_versions_are_kept_and_the_newest_applies(store):
    profiles = AgencyProfiles(store.engine)
    assert store.agency_profile() is None
    first = save_profile(shipped_policy(center_manager_map={"مدیر الف": 1, "*": 0}), profiles,
                         by="ops", at="1404/08/27 10:00", reason="هفته اول")
    second = save_profile(shipped_policy(center_manager_map={"مدیر الف": 2, "*": 0},
                                         academic_year=1405), profiles,
                          by="admin", at="1405/05/02 09:00", reason="تغییر مدیر")
    assert (first.version, second.version) == (1, 2)
    latest = store.agency_profile()
    assert (latest.version, dict(latest.centres), latest.academic_year) == (
        2, {"مدیر الف": 2, "*": 0}, 1405)
    assert [(p.version, p.changed_by, dict(p.previous)) for p in profiles.versions()] == [
        (2, "admin", {"مدیر الف": 1, "*": 0}), (1, "ops", {})]


def test_a_change_without_a_reason_is_refused(store):
    with pytest.raises(ConfigurationError):
        save_profile(make_policy(), AgencyProfiles(store.engine), by="ops", at="x", reason=" ")


def test_a_policy_that_names_no_manager_takes_the_profile(store):
    save_profile(shipped_policy(center_manager_map={"مدیر الف": 1}, academic_year=1405),
                 AgencyProfiles(store.engine), by="ops", at="x", reason="r")
    policy, version = policy_in_force(shipped_policy(), store)
    assert (dict(policy.center_manager_map), policy.academic_year, version) == (
        {"مدیر الف": 1}, 1405, 1)
    explicit = make_policy()
    assert policy_in_force(explicit, store) == (explicit, None)
    assert AgencyProfile.of(explicit).centres == explicit.center_manager_map
