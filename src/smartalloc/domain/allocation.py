"""The allocation engine (spec step 6, D4–D6, D11): one decision per student, in input order.

Candidates of a student are the union of at most two row groups: the mentors with a global row
on its keys and those with a row for its school. Each distinct group (a bitset of mentors) has
one heap keyed by the ranking; groups are shared by every combination that yields them, so a
mentor sits in few heaps. A mentor's key only grows, so entries are refreshed lazily: a popped
entry that is no longer the mentor's current key is pushed back with the current one. A heap
holds at most one entry per mentor, so the best entry left after the winner is the runner-up.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smartalloc.domain.candidates import Candidate, CandidateIndex, Keys, first_empty_stage, members
from smartalloc.domain.decision import STAGE_LABELS_FA, STAGES
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.policy import Channel, Policy
from smartalloc.domain.ranking import MentorLoad, deciding_rule, key_function, rule_names


@dataclass(slots=True)
class Pick:
    """The engine's answer for one student (codes and dedupe are added by the caller)."""

    channel: Channel
    stage_counts: tuple[int, ...]
    candidate: Candidate | None = None
    runner_up: int | None = None
    decided_by: str = ""
    failure: str = ""          # ELIGIBILITY_NO_MATCH / CAPACITY_FULL
    empty_stage: str = ""
    occupancy_before: float = 0.0
    allocations_before: int = 0
    remaining_before: int = 0


@dataclass(slots=True)
class _Combo:
    heaps: tuple[list, ...]
    mask: int
    static_counts: tuple[int, ...]
    channel: Channel
    keys: Keys
    index: CandidateIndex
    seats: dict[int, Candidate]

    def seat(self, m: int) -> Candidate:
        """The row (alias) that seats mentor m for this combination, memoised."""
        cand = self.seats.get(m)
        if cand is None:
            cand = self.seats[m] = self.index.alias(m, self.keys)
        return cand


class AllocationEngine:
    """Allocates seat by seat; state (allocations per mentor) lives here for one run."""

    def __init__(self, matrix: EligibilityMatrix, policy: Policy,
                 already: Mapping[str, int] | None = None):
        """``already``: students given to each mentor by earlier runs on the same mentor report
        (its covered counts predate them), so they use up seats here too."""
        self.policy = policy
        self.pool = matrix.pool
        self.index = CandidateIndex(matrix, policy)
        self.channel = self.index.channel
        self.already = [(already or {}).get(m.mentor_id, 0) for m in self.pool]
        self.load = MentorLoad([m.capacity for m in self.pool], [m.covered for m in self.pool],
                               self.already)
        self.key = key_function(policy.ranking, self.load)
        self.rule_names = rule_names(policy.ranking)
        self.current: list[tuple | None] = [
            self.key(m) if self.load.has_seat(m) else None for m in range(len(self.pool))]
        self.with_seat = sum(1 << m for m in range(len(self.pool)) if self.current[m] is not None)
        self._combos: dict[Keys, _Combo] = {}
        self._heaps: dict[int, list] = {}

    def _heap(self, mask: int) -> list:
        heap = self._heaps.get(mask)
        if heap is None:
            heap = [self.current[m] for m in members(mask) if self.current[m] is not None]
            heapq.heapify(heap)
            self._heaps[mask] = heap
        return heap

    def _combo(self, keys: Keys) -> _Combo:
        index = self.index
        g, s = index.row_masks(keys)
        mask = index.allowed_mask(g | s, keys)
        # Normally the heaps of the two row groups; when a restricted mentor is excluded, one
        # heap of exactly the allowed set.
        parts = tuple(p for p in ((g, s) if mask == g | s else (mask,)) if p)
        combo = _Combo(tuple(self._heap(p) for p in parts), mask, index.funnel_counts(keys),
                       self.channel(keys), keys, index, {})
        self._combos[keys] = combo
        return combo

    def _valid_top(self, heap: list) -> tuple | None:
        """Clean stale entries off the top; return the valid top entry or None."""
        current = self.current
        while heap:
            top = heap[0]
            now = current[top[-1]]
            if now is top:
                return top
            if now is None:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, now)
        return None

    def pick(self, keys: Keys) -> Pick:
        """Choose and seat the best candidate for a student with these keys."""
        combo = self._combos.get(keys) or self._combo(keys)
        counts = (*combo.static_counts, (combo.mask & self.with_seat).bit_count())
        heaps, valid_top = combo.heaps, self._valid_top
        if len(heaps) == 1:  # the common case: one row group
            heap = heaps[0]
            best = valid_top(heap)
            if best is not None:
                heapq.heappop(heap)
                won = list(heaps)
                runner = valid_top(heap)
        else:
            best = min(filter(None, map(valid_top, heaps)), default=None)
            if best is not None:
                won = [h for h in heaps if h and h[0] is best]
                for heap in won:
                    heapq.heappop(heap)
                runner = min(filter(None, map(valid_top, heaps)), default=None)
        if best is None:
            if combo.static_counts[-1] == 0:
                stage = first_empty_stage(counts, STAGES)
                return Pick(combo.channel, counts, failure="ELIGIBILITY_NO_MATCH", empty_stage=stage)
            return Pick(combo.channel, counts, failure="CAPACITY_FULL", empty_stage="capacity_gate")
        m = best[-1]
        load = self.load
        allocated = load.allocated[m]
        remaining = load.remaining_at_start[m] - allocated
        pick = Pick(
            combo.channel, counts, combo.seat(m),
            None if runner is None else runner[-1],
            deciding_rule(self.rule_names, best, runner),
            "", "", allocated / load.remaining_at_start[m], allocated, remaining)
        load.allocated[m] = allocated + 1
        if remaining > 1:
            new = self.current[m] = self.key(m)
            for heap in won:
                heapq.heappush(heap, new)
        else:
            self.current[m] = None
            self.with_seat &= ~(1 << m)
        return pick

    def allocations(self) -> dict[str, int]:
        """Students allocated by this run, per mentor id."""
        return {self.pool[m].mentor_id: n - self.already[m]
                for m, n in enumerate(self.load.allocated)}


def failure_text(failure: str, empty_stage: str, keys: Sequence[int]) -> tuple[str, str]:
    """Persian reason and suggested action for an engine failure (D11)."""
    if failure == "CAPACITY_FULL":
        return ("پشتیبان واجد شرایط وجود دارد ولی ظرفیت همه پر است",
                "افزایش «تعداد تحت پوشش خاص» یکی از پشتیبان‌های واجد شرایط یا افزودن پشتیبان جدید "
                "(برنامه ظرفیت را ببینید)")
    label = STAGE_LABELS_FA.get(empty_stage, empty_stage)
    return (f"هیچ ردیفی در ماتریس با شش کلید این دانش‌آموز نیست؛ مرحله «{label}» "
            f"مجموعه را خالی کرد (کلیدها: {tuple(keys)})",
            "بررسی گروه‌های آزمایشی، جنسیت، مرکز و مدارس پشتیبان‌ها در گزارش Inspactor یا "
            "تعریف پشتیبان جدید برای این ترکیب")
