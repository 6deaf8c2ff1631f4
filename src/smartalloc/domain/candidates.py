"""Who can serve a student: the candidate mentors of a six-key combination and the 8-stage
funnel that explains how the pool narrowed down to them (D4, FR-38).

Mentor sets are Python ints used as bitsets (bit m = the mentor at natural position m), so a
stage of the funnel is one ``&`` and a count is ``bit_count()``. Candidates come straight from
the matrix rows: global rows (school 0) plus the rows of the student's school.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from smartalloc.domain.channels import channel_rule
from smartalloc.domain.eligibility import EligibilityMatrix, PoolMentor
from smartalloc.domain.policy import Channel, Policy

Keys = tuple[int, int, int, int, int, int]
_NONE: Mapping[int, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Candidate:
    mentor: int          # position in the natural-order pool
    alias: str
    is_school_row: bool


def members(mask: int) -> list[int]:
    """Positions of the set bits, ascending (natural mentor order)."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


class _KindIndex:
    """Bitsets of one row kind (global or school), per attribute value."""

    def __init__(self, masks: Mapping[tuple, int], last: Mapping[int, int]) -> None:
        """``masks``: mentors per distinct first five keys; ``last``: mentors per school."""
        self.all = 0
        self.by: list[dict[int, int]] = [{} for _ in range(6)]
        for keys, mask in masks.items():
            self.all |= mask
            for by, value in zip(self.by, keys, strict=False):
                by[value] = by.get(value, 0) | mask
        self.by[5].update(last)

    def funnel(self, prefix: tuple, use: bool) -> list[int]:
        """Cumulative sets after type, group, gender, status, centre, finance."""
        current = self.all if use else 0
        steps = [current]
        for by, value in zip(self.by, prefix, strict=False):
            current &= by.get(value, 0)
            steps.append(current)
        return steps


class CandidateIndex:
    """Candidate masks, aliases and funnel counts for any six-key combination."""

    def __init__(self, matrix: EligibilityMatrix, policy: Policy):
        self.pool: tuple[PoolMentor, ...] = matrix.pool
        self.position = position = {m.mentor_id: i for i, m in enumerate(self.pool)}
        # Aliases and masks of the mentors with a row on each key: global rows by their first
        # five keys, school rows by all six; school rows also by first five keys and by school.
        global_rows: dict[tuple, dict[int, str]] = {}
        school_rows: dict[Keys, dict[int, str]] = {}
        global_masks: dict[tuple, int] = {}
        school_masks: dict[Keys, int] = {}
        school_prefix: dict[tuple, int] = {}
        by_school: dict[int, int] = {}
        for row in matrix.rows:
            m = position.get(row.mentor_id)
            if m is None:
                continue
            bit = 1 << m
            prefix = (row.group, row.gender, row.status, row.center, row.finance)
            if row.is_school_row:
                key = (*prefix, row.school)
                rows, masks = school_rows, school_masks
                school_prefix[prefix] = school_prefix.get(prefix, 0) | bit
                by_school[row.school] = by_school.get(row.school, 0) | bit
            else:
                key, rows, masks = prefix, global_rows, global_masks
            aliases = rows.get(key)
            if aliases is None:
                rows[key] = {m: row.alias}
                masks[key] = bit
            elif m not in aliases:
                aliases[m] = row.alias
                masks[key] |= bit
        self._global_rows, self._school_rows = global_rows, school_rows
        self._global_masks, self._school_masks = global_masks, school_masks
        self._global = _KindIndex(global_masks, {0: _union(global_masks.values())})
        self._school = _KindIndex(school_prefix, by_school)
        self._steps: dict[tuple, tuple[list[int], list[int], tuple[int, ...]]] = {}
        self.school_bound = frozenset(k[5] for k in school_rows)
        self.channel = channel_rule(policy, self.school_bound)
        self._restricted = 0
        for i, mentor in enumerate(self.pool):
            if mentor.allowed_schools or mentor.allowed_channels:
                self._restricted |= 1 << i

    def row_masks(self, keys: Keys) -> tuple[int, int]:
        """(global-rows mask, school-rows mask) of the mentors with a row on these keys."""
        return (self._global_masks.get(keys[:5], 0),
                self._school_masks.get(keys, 0) if keys[5] else 0)

    def allowed_mask(self, mask: int, keys: Keys) -> int:
        """``mask`` without restricted mentors whose schools/channels exclude this student."""
        restricted = mask & self._restricted
        if not restricted:
            return mask
        channel = self.channel(keys)
        for m in members(restricted):
            if not self._allowed(m, keys[5], channel):
                mask &= ~(1 << m)
        return mask

    def _allowed(self, m: int, school: int, channel: Channel) -> bool:
        mentor = self.pool[m]
        if mentor.allowed_schools and school not in mentor.allowed_schools:
            return False
        return not (mentor.allowed_channels and channel not in mentor.allowed_channels)

    def aliases(self, keys: Keys) -> tuple[Mapping[int, str], Mapping[int, str]]:
        """(mentor → alias of its global row, mentor → alias of its row for the student's
        school) for these keys; a mentor's school row seats it before its global row."""
        school = self._school_rows.get(keys, _NONE) if keys[5] else _NONE
        return self._global_rows.get(keys[:5], _NONE), school

    def alias(self, m: int, keys: Keys) -> Candidate:
        """The row that seats mentor m for this student: its school row wins over its global row."""
        global_rows, school_rows = self.aliases(keys)
        if m in school_rows:
            return Candidate(m, school_rows[m], True)
        return Candidate(m, global_rows[m], False)

    def candidates(self, keys: Keys) -> list[Candidate]:
        g, s = self.row_masks(keys)
        return [self.alias(m, keys) for m in members(self.allowed_mask(g | s, keys))]

    def _prefix_steps(self, keys: Keys) -> tuple[list[int], list[int], tuple[int, ...]]:
        """Per kind, the sets after type … finance (they depend on the first five keys only,
        and on whether the student has a school), and the counts of their union; memoised."""
        memo = (keys[:5], keys[5] != 0)
        steps = self._steps.get(memo)
        if steps is None:
            g = self._global.funnel(keys[:5], True)
            s = self._school.funnel(keys[:5], keys[5] != 0)
            counts = tuple((a | b).bit_count() for a, b in zip(g, s, strict=True))
            steps = self._steps[memo] = (g, s, counts)
        return steps

    def funnel(self, keys: Keys) -> list[int]:
        """Mentor masks after each of the first seven stages (type … school)."""
        g, s, _ = self._prefix_steps(keys)
        school = g[5] | (s[5] & self._school.by[5].get(keys[5], 0))
        return [*(a | b for a, b in zip(g, s, strict=True)), self.allowed_mask(school, keys)]

    def funnel_counts(self, keys: Keys) -> tuple[int, ...]:
        g, s, counts = self._prefix_steps(keys)
        school = g[5] | (s[5] & self._school.by[5].get(keys[5], 0))
        return (*counts, self.allowed_mask(school, keys).bit_count())


def _union(masks: Iterable[int]) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out


def first_empty_stage(counts: Sequence[int], stages: Sequence[str]) -> str:
    """Name of the first stage whose count is zero (D11: which stage emptied the set)."""
    for name, count in zip(stages, counts, strict=False):
        if count == 0:
            return name
    return stages[-1]
