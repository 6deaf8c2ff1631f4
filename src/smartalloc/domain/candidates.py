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
from typing import NamedTuple

from smartalloc.domain.channels import channel_rule
from smartalloc.domain.eligibility import EligibilityMatrix, PoolMentor
from smartalloc.domain.policy import Channel, Policy

Keys = tuple[int, int, int, int, int, int]
OTHER_SCHOOL = -1   # stands for any school without rows or rules of its own (never a real code)
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
        last_id, m, bit = None, None, 0
        for row in matrix.rows:
            if row.mentor_id is not last_id:   # a mentor's rows mostly come one after another
                last_id = row.mentor_id
                m = position.get(last_id)
                bit = 0 if m is None else 1 << m
            if m is None:
                continue
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
        self._prefixes: dict[tuple, _Prefix] = {}
        self._by_school = by_school
        self.school_bound = frozenset(by_school)   # the schools of the school rows
        self.channel = channel_rule(policy, self.school_bound)
        self._restricted = 0
        for i, mentor in enumerate(self.pool):
            if mentor.allowed_schools or mentor.allowed_channels:
                self._restricted |= 1 << i
        # The schools that set their students apart: those with school rows, those a channel
        # rule names and those a restricted mentor is limited to. Every other school gives
        # its students the same candidates, stage counts and channel.
        self._distinct_schools = self.school_bound.union(
            *(rule.school_codes for rule in policy.channels.rules),
            *(mentor.allowed_schools for mentor in self.pool))

    def candidate_class(self, keys: Keys) -> Keys:
        """``keys``, with a school that sets nothing apart replaced by ``OTHER_SCHOOL``: all
        keys of one class have the same candidates, aliases, stage counts and channel."""
        school = keys[5]
        if not school or school in self._distinct_schools:
            return keys
        return (*keys[:5], OTHER_SCHOOL)

    def combination(self, keys: Keys) -> Combination:
        """Masks, stage counts and aliases of a six-key combination, from one lookup of its
        first five keys."""
        school = keys[5]
        facts = self._prefix(keys[:5])
        last = self._school_stage(facts, keys).bit_count()
        if not school:
            return _combination((facts.global_mask, 0, (*facts.global_counts, last),
                                 facts.global_aliases, _NONE))
        return _combination((facts.global_mask, self._school_masks.get(keys, 0),
                             (*facts.counts, last), facts.global_aliases,
                             self._school_rows.get(keys, _NONE)))

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

    def candidate_mask(self, keys: Keys) -> int:
        """The positions of ``candidates(keys)`` as one bit mask (no objects built)."""
        g, s, *_ = self.combination(keys)
        return self.allowed_mask(g | s, keys)

    def candidates(self, keys: Keys) -> list[Candidate]:
        """The mentors with a row on these keys, each with the row that seats it: its row for
        the student's school wins over its global row."""
        g, s, _, global_rows, school_rows = self.combination(keys)
        return [Candidate(m, school_rows[m], True) if m in school_rows
                else Candidate(m, global_rows[m], False)
                for m in members(self.allowed_mask(g | s, keys))]

    def _prefix(self, prefix: tuple) -> _Prefix:
        """The first five keys' rows and funnel sets (type … finance) of both kinds, and the
        counts of the funnel with and without the school rows; memoised."""
        facts = self._prefixes.get(prefix)
        if facts is None:
            g = self._global.funnel(prefix, True)
            s = self._school.funnel(prefix, True)
            facts = self._prefixes[prefix] = _Prefix(
                self._global_masks.get(prefix, 0), self._global_rows.get(prefix, _NONE), g, s,
                tuple(a.bit_count() for a in g),
                tuple((a | b).bit_count() for a, b in zip(g, s, strict=True)))
        return facts

    def funnel(self, keys: Keys) -> list[int]:
        """Mentor masks after each of the first seven stages (type … school)."""
        facts = self._prefix(keys[:5])
        g = facts.global_steps
        steps = [a | b for a, b in zip(g, facts.school_steps, strict=True)] if keys[5] else g
        return [*steps, self._school_stage(facts, keys)]

    def _school_stage(self, facts: _Prefix, keys: Keys) -> int:
        """Stage 7: the global rows after finance, plus, for a student with a school, the
        school rows of mentors with a row at that school; restricted mentors taken out."""
        mask = facts.global_steps[5]
        if keys[5]:
            mask |= facts.school_steps[5] & self._by_school.get(keys[5], 0)
        return self.allowed_mask(mask, keys)


class _Prefix(NamedTuple):
    global_mask: int                   # mentors with a global row on the five keys
    global_aliases: Mapping[int, str]  # … and the alias of that row
    global_steps: list[int]            # funnel of the global rows: all, type … finance
    school_steps: list[int]            # funnel of the school rows
    global_counts: tuple[int, ...]     # counts of the funnel for a student without a school
    counts: tuple[int, ...]            # … and with one (global and school rows)


class Combination(NamedTuple):
    global_mask: int                   # mentors with a global row on the six keys' first five
    school_mask: int                   # mentors with a row for the student's school
    counts: tuple[int, ...]            # the first seven stage counts of the trace
    global_aliases: Mapping[int, str]
    school_aliases: Mapping[int, str]


_combination = Combination._make   # a C call; the class call runs a Python ``__new__``


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
