"""Mentor governance stored in the system of record, merged into the policy of a run.

Statuses set with `smartalloc mentors freeze|activate|restrict` live in the database with an
audit trail; the policy file may also name mentors. For a run both apply: the database entry
wins, except that a mentor frozen by the policy stays frozen (frozen is absolute either way).
"""

from __future__ import annotations

from collections.abc import Mapping

from smartalloc.domain.policy import GovernanceEntry, MentorStatus, Policy


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
