"""Ranking of candidate mentors (D6): a key per mentor, smaller is better.

Keys only grow as a mentor receives students (every rule is monotone), which is what lets the
allocation engine keep one lazily refreshed heap per six-key combination.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from smartalloc.domain import glossary
from smartalloc.domain.glossary import labels_fa
from smartalloc.domain.policy import RankingRule

RULE_LABELS_FA: dict[str, str] = labels_fa(glossary.RANKING_RULES)


class MentorLoad:
    """Mutable per-mentor counters, indexed by the mentor's natural-order position."""

    __slots__ = ("allocated", "capacity", "covered", "remaining_at_start")

    def __init__(self, capacity: Sequence[int], covered: Sequence[int],
                 already: Sequence[int] | None = None):
        self.capacity = list(capacity)
        self.covered = list(covered)
        self.remaining_at_start = [max(c - v, 0) for c, v in zip(capacity, covered, strict=True)]
        # Seats taken since the report by earlier runs count as allocations of this report.
        self.allocated = list(already) if already is not None else [0] * len(self.capacity)

    def occupancy_ratio(self, m: int) -> float:
        rem = self.remaining_at_start[m]
        return self.allocated[m] / rem if rem else 0.0

    def load_ratio(self, m: int) -> float:
        cap = self.capacity[m] or 1  # capacity 0 is read as 1 (Policy §16)
        return (self.covered[m] + self.allocated[m]) / cap

    def has_seat(self, m: int) -> bool:
        return self.allocated[m] < self.remaining_at_start[m]


def key_function(rules: Sequence[RankingRule], load: MentorLoad) -> Callable[[int], tuple]:
    """Build ``key(m)``; the mentor's natural-order position always closes the tuple, so the
    order is total and equal keys fall back to natural mentor-id order (a stable sort)."""
    rules = list(rules)
    alloc, rem0 = load.allocated, load.remaining_at_start
    default = [RankingRule.MIN_OCCUPANCY_RATIO, RankingRule.MIN_ALLOCATIONS_NEW,
               RankingRule.MIN_MENTOR_ID]
    if rules == default:  # the hot path, written out
        def default_key(m: int) -> tuple:
            a, r = alloc[m], rem0[m]
            return (a / r if r else 0.0, a, m)
        return default_key

    parts: list[Callable[[int], object]] = []
    for rule in rules:
        if rule is RankingRule.MIN_OCCUPANCY_RATIO:
            parts.append(load.occupancy_ratio)
        elif rule is RankingRule.MIN_ALLOCATIONS_NEW:
            parts.append(alloc.__getitem__)
        elif rule is RankingRule.MIN_MENTOR_ID:
            parts.append(int)
        elif rule is RankingRule.MIN_LOAD_RATIO:
            parts.append(load.load_ratio)
        elif rule is RankingRule.MAX_REMAINING_CAPACITY:
            parts.append(lambda m: alloc[m] - rem0[m])
    if RankingRule.MIN_MENTOR_ID not in rules:
        parts.append(int)

    def key(m: int) -> tuple:
        return tuple(p(m) for p in parts)
    return key


def rule_names(rules: Sequence[RankingRule]) -> tuple[str, ...]:
    """The name of each position of a ranking key (the closing mentor position included)."""
    names = [str(r) for r in rules]
    if RankingRule.MIN_MENTOR_ID not in rules:
        names.append(str(RankingRule.MIN_MENTOR_ID))
    return tuple(names)


def deciding_rule(winner: tuple, runner_up: tuple) -> int:
    """Position (in ``rule_names``) of the first ranking rule on which winner and runner-up
    differ. Keys end with the mentor position, so two keys always differ somewhere."""
    i = 0
    while winner[i] == runner_up[i]:
        i += 1
    return i
