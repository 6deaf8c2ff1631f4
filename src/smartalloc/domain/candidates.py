"""Who can serve a student: the candidate mentors of a six-key combination and the 8-stage
funnel that explains how the pool narrowed down to them (D4, FR-38).

Mentor sets are Python ints used as bitsets (bit m = the mentor at natural position m), so a
stage of the funnel is one ``&`` and a count is ``bit_count()``. Candidates come straight from
the matrix rows: global rows (school 0) plus the rows of the student's school.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from smartalloc.domain.channels import channel_rule
from smartalloc.domain.eligibility import EligibilityMatrix, PoolMentor
from smartalloc.domain.policy import Channel, Policy

Keys = tuple[int, int, int, int, int, int]


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

    def __init__(self) -> None:
        self.all = 0
        self.by: list[defaultdict[int, int]] = [defaultdict(int) for _ in range(6)]

    def add(self, bit: int, keys: Keys) -> None:
        self.all |= bit
        for i, value in enumerate(keys):
            self.by[i][value] |= bit

    def funnel(self, keys: Keys, use: bool) -> list[int]:
        """Cumulative sets after type, group, gender, status, centre, finance, school."""
        current = self.all if use else 0
        steps = [current]
        for i in range(6):
            current &= self.by[i].get(keys[i], 0)
            steps.append(current)
        return steps


class CandidateIndex:
    """Candidate masks, aliases and funnel counts for any six-key combination."""

    def __init__(self, matrix: EligibilityMatrix, policy: Policy):
        self.pool: tuple[PoolMentor, ...] = matrix.pool
        self.position = {m.mentor_id: i for i, m in enumerate(self.pool)}
        self._global_rows: dict[tuple, dict[int, str]] = defaultdict(dict)
        self._school_rows: dict[Keys, dict[int, str]] = defaultdict(dict)
        self._global, self._school = _KindIndex(), _KindIndex()
        for row in matrix.rows:
            m = self.position.get(row.mentor_id)
            if m is None:
                continue
            if row.is_school_row:
                self._school_rows[row.keys].setdefault(m, row.alias)
                self._school.add(1 << m, row.keys)
            else:
                self._global_rows[row.keys[:5]].setdefault(m, row.alias)
                self._global.add(1 << m, row.keys)
        self._global_masks = {k: sum(1 << m for m in v) for k, v in self._global_rows.items()}
        self._school_masks = {k: sum(1 << m for m in v) for k, v in self._school_rows.items()}
        self.school_bound = frozenset(k[5] for k in self._school_rows)
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

    def alias(self, m: int, keys: Keys) -> Candidate:
        """The row that seats mentor m for this student: its school row wins over its global row."""
        if keys[5]:
            school = self._school_rows.get(keys)
            if school and m in school:
                return Candidate(m, school[m], True)
        return Candidate(m, self._global_rows[keys[:5]][m], False)

    def candidates(self, keys: Keys) -> list[Candidate]:
        g, s = self.row_masks(keys)
        return [self.alias(m, keys) for m in members(self.allowed_mask(g | s, keys))]

    def funnel(self, keys: Keys) -> list[int]:
        """Mentor masks after each of the first seven stages (type … school)."""
        g = self._global.funnel(keys[:5] + (0,), True)
        s = self._school.funnel(keys, keys[5] != 0)
        steps = [g[i] | s[i] for i in range(6)]
        return [*steps, self.allowed_mask(g[6] | s[6], keys)]

    def funnel_counts(self, keys: Keys) -> tuple[int, ...]:
        return tuple(mask.bit_count() for mask in self.funnel(keys))


def first_empty_stage(counts: Sequence[int], stages: Sequence[str]) -> str:
    """Name of the first stage whose count is zero (D11: which stage emptied the set)."""
    for name, count in zip(stages, counts, strict=False):
        if count == 0:
            return name
    return stages[-1]
