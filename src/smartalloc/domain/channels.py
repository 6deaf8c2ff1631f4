"""Allocation channel of a student (FR-CHAN): reported everywhere, never changes the ranking."""

from __future__ import annotations

from collections.abc import Callable, Set

from smartalloc.domain.policy import Channel, Policy


def channel_rule(policy: Policy, school_bound: Set[int]) -> Callable[[tuple], Channel]:
    """``channel(keys)`` from the policy rules in order; the first rule that matches wins.

    ``school_bound`` holds the school codes that have school-mentor rows in the matrix.
    """
    rules = policy.channels.rules
    default = policy.channels.default
    known: dict[tuple[int, int], Channel] = {}   # (centre, school) → channel

    def channel(keys: tuple) -> Channel:
        place = keys[3], keys[5]
        found = known.get(place)
        if found is None:
            found = known[place] = first_match(*place)
        return found

    def first_match(center: int, school: int) -> Channel:
        for rule in rules:
            if rule.centers and center not in rule.centers:
                continue
            if rule.school_codes and school not in rule.school_codes:
                continue
            if rule.school_bound and school not in school_bound:
                continue
            if rule.centers or rule.school_codes or rule.school_bound:
                return rule.channel
        return default

    return channel
