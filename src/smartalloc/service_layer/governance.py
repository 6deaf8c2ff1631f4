"""What the system of record adds to the policy of a run: the agency profile and the mentor
governance (`policy_in_force`).

Statuses set with `smartalloc mentors freeze|activate|restrict` live in the database with an
audit trail; the policy file may also name mentors. For a run both apply: the database entry
wins, except that a mentor frozen by the policy stays frozen (frozen is absolute either way).
"""

from __future__ import annotations

from collections.abc import Mapping

from smartalloc.domain.agency_profile import with_profile
from smartalloc.domain.policy import GovernanceEntry, MentorStatus, Policy
from smartalloc.service_layer.ports import HistoryStore


def effective_policy(policy: Policy, stored: Mapping[str, GovernanceEntry]) -> Policy:
    if not stored:
        return policy
    governance = policy.mentor_pool_governance
    mentors = dict(governance.mentors)
    for mentor_id, entry in stored.items():
        current = mentors.get(mentor_id)
        if current is not None and current.status is MentorStatus.FROZEN:
            continue
        mentors[mentor_id] = entry
    return policy.model_copy(update={
        "mentor_pool_governance": governance.model_copy(update={"mentors": mentors})})


def policy_in_force(policy: Policy, history: HistoryStore) -> tuple[Policy, int | None]:
    """The policy a run decides under: the stored agency profile when the policy names no
    manager itself (D16), then the stored mentor governance; with the profile version used."""
    profiled, version = with_profile(policy, history.agency_profile())
    return effective_policy(profiled, history.governance()), version
