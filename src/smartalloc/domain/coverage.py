"""Matrix coverage on the six join keys (v2.0 core document, A.2).

Interpretation, fixed here so that every number can be recomputed by hand:

* A *group* is one six-key tuple (group, gender, status, centre, finance, school).
* *Viable groups* (M) are the tuples the pool mentors can produce after every filter of the
  matrix build: governance, R0, alias (a Normal side needs an alias) and school resolution
  (a School side needs a resolved school). M is computed from each mentor's plan (its parsed
  group codes × gender × statuses × centre × finance × resolved schools), independently of
  the emitted rows, so a lost row shows up as an unseen group.
* *Blocked groups* (B) are the tuples that mentors blocked by the alias/capacity filters would
  have produced: R0-removed mentors, and the Normal side of a mentor without a usable alias
  (``alias.normal = postal_only`` and an invalid postal code). Mentors dropped by governance,
  Inspactor flags or overrides are decisions, not blocks, and never count.
* *Student groups* (S) are the distinct six-key tuples of the students passed in.
* Denominator D by ``denominator_mode``: ``mentors`` → M; ``mentors_students_intersection`` →
  M ∩ S; ``mentors_students_union`` → M ∪ S. With
  ``include_blocked_candidates_in_denominator`` M is replaced by M ∪ B in those formulas.
* A group is *covered* when a matrix row could serve it: a row with the same six keys, or —
  for a group with school ≠ 0 — a global row (school 0) with the same other five keys (D4).
* covered_groups = |covered ∩ D|; unseen_group_count = |D| − covered_groups (only viable or
  counted groups, never tokens); coverage_ratio = covered / |D|, 1.0 when D is empty.
* ``invalid_group_token_count`` and ``unmatched_school_count`` are reported as given and never
  enter D.
"""

from __future__ import annotations

from collections.abc import Iterable

from smartalloc.domain.eligibility import CoverageMetrics
from smartalloc.domain.policy import CoveragePolicy

Keys = tuple[int, int, int, int, int, int]


def denominator(mentor_groups: set[Keys], blocked_groups: set[Keys], student_groups: set[Keys],
                policy: CoveragePolicy) -> set[Keys]:
    """The set D of six-key groups the ratio is measured on."""
    mentors = mentor_groups | blocked_groups if policy.include_blocked_candidates_in_denominator \
        else mentor_groups
    if policy.denominator_mode == "mentors_students_intersection":
        return mentors & student_groups
    if policy.denominator_mode == "mentors_students_union":
        return mentors | student_groups
    return set(mentors)


def served(keys: Keys, row_keys: set[Keys]) -> bool:
    """True if a matrix row can serve these keys (exact row, or a global row when school ≠ 0)."""
    return keys in row_keys or (keys[5] != 0 and (*keys[:5], 0) in row_keys)


def uncovered_groups(mentor_groups: set[Keys], blocked_groups: set[Keys],
                     student_groups: set[Keys], row_keys: set[Keys],
                     policy: CoveragePolicy) -> list[Keys]:
    """The denominator groups without a serving row, sorted (for diagnostics)."""
    d = denominator(mentor_groups, blocked_groups, student_groups, policy)
    return sorted(k for k in d if not served(k, row_keys))


def compute_coverage(mentor_groups: Iterable[Keys], blocked_groups: Iterable[Keys],
                     row_keys: Iterable[Keys], student_keys: Iterable[Keys],
                     policy: CoveragePolicy, *, invalid_group_token_count: int = 0,
                     unmatched_school_count: int = 0) -> CoverageMetrics:
    """CoverageMetrics for one matrix; see the module docstring for every definition."""
    rows = set(row_keys)
    d = denominator(set(mentor_groups), set(blocked_groups), set(map(tuple, student_keys)),
                    policy)
    covered = sum(1 for k in d if served(k, rows))
    total = len(d)
    return CoverageMetrics(
        covered_groups=covered, total_groups=total,
        coverage_ratio=covered / total if total else 1.0,
        unseen_group_count=total - covered,
        invalid_group_token_count=invalid_group_token_count,
        unmatched_school_count=unmatched_school_count,
        denominator_mode=policy.denominator_mode,
        include_blocked_candidates_in_denominator=policy.include_blocked_candidates_in_denominator,
        threshold=policy.threshold,
    )
