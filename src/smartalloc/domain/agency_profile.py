"""The agency's profile (issue G): which centre each manager belongs to and which academic year
the reports are for — set by the operator (`smartalloc setup`, the set-up page), stored as
audited versions, applied to every run whose policy does not name the managers itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from smartalloc.domain.policy import Policy


@dataclass(frozen=True)
class AgencyProfile:
    centres: Mapping[str, int]     # manager name (as the report writes it) → centre; "*" default
    academic_year: int
    version: int = 0               # 0: not stored yet
    changed_by: str = ""
    changed_at: str = ""           # Jalali, Tehran time
    reason: str = ""
    previous: Mapping[str, int] = field(default_factory=dict)   # the map it replaced (audit)

    @classmethod
    def of(cls, policy: Policy, **audit: object) -> AgencyProfile:
        """The profile a (validated) policy carries."""
        return cls(dict(policy.center_manager_map), policy.academic_year, **audit)


def names_managers(policy: Policy) -> bool:
    """Does the policy say anything about centres itself (a map entry or a default)?"""
    return bool(policy.center_manager_map) or policy.default_center is not None


def with_profile(policy: Policy, profile: AgencyProfile | None) -> tuple[Policy, int | None]:
    """(policy, the profile version applied). A policy that names managers is explicit and
    wins; one that names none (the built-in policy) takes the stored profile."""
    if profile is None or names_managers(policy):
        return policy, None
    applied = policy.model_copy(update={"center_manager_map": dict(profile.centres),
                                        "academic_year": profile.academic_year})
    return applied, profile.version
