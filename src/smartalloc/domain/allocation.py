"""The allocation engine (spec step 6, D4–D6, D11): one decision per student, in input order.

Candidates of a student are the union of at most two row groups: the mentors with a global row
on its keys and those with a row for its school. Each distinct group (a bitset of mentors) has
one heap keyed by the ranking; groups are shared by every combination that yields them, so a
mentor sits in few heaps. A mentor's key only grows, so entries are refreshed lazily: a popped
entry that is no longer the mentor's current key is pushed back with the current one. A heap
holds at most one entry per mentor, so the best entry left after the winner is the runner-up.

For the default ranking the same loop runs compiled (``batch_kernel.seat_all``); this module prepares
its inputs and keeps the Python loop as the reference, for other rankings and for explanations
that look at the engine between two students.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from smartalloc.domain.candidates import CandidateIndex, Keys, first_empty_stage, members
from smartalloc.domain.compiled import kernel
from smartalloc.domain.decision import STAGE_LABELS_FA, STAGES
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.policy import Channel, Policy, RankingRule
from smartalloc.domain.ranking import MentorLoad, deciding_rule, key_function, rule_names

DEFAULT_RANKING = (RankingRule.MIN_OCCUPANCY_RATIO, RankingRule.MIN_ALLOCATIONS_NEW,
                   RankingRule.MIN_MENTOR_ID)


@dataclass(slots=True)
class Combo:
    """What the engine knows of the students of one candidate class (six keys, or five and
    ``OTHER_SCHOOL``)."""

    id: int                          # order of creation in its engine
    parts: tuple[int, ...]           # row-group masks whose union is the candidates
    mask: int                        # the candidates
    static_counts: tuple[int, ...]   # the first seven stage counts of the trace
    channel: Channel
    keys: Keys                       # its candidate class (``CandidateIndex.candidate_class``)
    global_aliases: Mapping[int, str]   # mentor position → alias of its global row
    school_aliases: Mapping[int, str]   # … of its row for the student's school (seats first)
    heaps: tuple[list, ...] = ()        # the Python loop's heaps, built on first use

    def failure(self) -> tuple[str, str]:
        """(failure class, empty stage) when no candidate could be given the student."""
        if self.static_counts[-1] == 0:
            return "ELIGIBILITY_NO_MATCH", first_empty_stage(self.static_counts, STAGES)
        return "CAPACITY_FULL", "capacity_gate"


@dataclass(slots=True)
class Seating:
    """The engine's answers for a sequence of students, column by column."""

    combo_ids: Sequence[int]   # the student's combination, an index in ``combos``
    combos: Sequence[Combo]    # every combination of the engine, by id
    winner: Sequence[int]      # natural-order position; -1 when no candidate had a seat
    runner_up: Sequence[int]   # -1 for none
    rule: Sequence[int]        # index in ``AllocationEngine.rule_names``; -1 without runner-up
    occupancy: Sequence[float]  # the winner's, before the pick
    allocated: Sequence[int]
    remaining: Sequence[int]
    open_seats: Sequence[int]  # candidates with a seat left before the pick (capacity gate)
    compiled: bool = False     # the columns are the compiled loop's arrays


class _ComboIds(dict):
    """Six keys → combination id; a missing combination is created on first lookup."""

    def __init__(self, create: Callable[[Keys], int]):
        super().__init__()
        self.create = create

    def __missing__(self, keys: Keys) -> int:
        return self.create(keys)


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
        self.compiled = kernel is not None and tuple(policy.ranking) == DEFAULT_RANKING
        self._combos: list[Combo] = []            # by id
        self._ids = _ComboIds(self._new_combo)    # keys → id (the id of their candidate class)
        self._class_ids: dict[Keys, int] = {}     # candidate class → id
        self._sync()

    def _sync(self) -> None:
        """(Re)derive the Python loop's state from the allocations."""
        self.current: list[tuple | None] = [
            self.key(m) if self.load.has_seat(m) else None for m in range(len(self.pool))]
        self.with_seat = sum(1 << m for m in range(len(self.pool)) if self.current[m] is not None)
        self._heaps: dict[int, list] = {}
        for combo in self._combos:
            combo.heaps = ()

    def _new_combo(self, keys: Keys) -> int:
        """The id of the combination of ``keys``' candidate class, made on its first keys."""
        kind = self.index.candidate_class(keys)
        combo_id = self._class_ids.get(kind)
        if combo_id is None:
            combo_id = self._class_ids[kind] = len(self._combos)
            self._combos.append(self._combo(combo_id, kind))
        self._ids[keys] = combo_id
        return combo_id

    def _combo(self, combo_id: int, keys: Keys) -> Combo:
        g, s, counts, global_aliases, school_aliases = self.index.combination(keys)
        union = g | s if s else g
        mask = self.index.allowed_mask(union, keys)
        # Normally the two row groups; when a restricted mentor is excluded, exactly the
        # allowed set. Two equal groups are one; an empty one is none.
        if mask != union or not (g and s and g != s):
            parts: tuple[int, ...] = (mask,) if mask else ()
        else:
            parts = (g, s)
        return Combo(combo_id, parts, mask, counts, self.channel(keys), keys, global_aliases,
                     school_aliases)

    def seat_all(self, keys: Sequence[Keys],
                 before: Callable[[int], None] | None = None) -> Seating:
        """Give one student per entry of ``keys`` the best candidate with a seat, in order.
        ``before(j)`` is called before the j-th pick (an explanation looks at the engine then);
        without it, and with the default ranking, the compiled loop does the picks."""
        ids = self._ids
        sequence = [ids[k] for k in keys]
        if self.compiled and before is None:
            return Seating(sequence, self._combos, *self._seat_compiled(sequence),
                           compiled=True)
        return Seating(sequence, self._combos, *self._seat_python(sequence, before))

    def _seat_compiled(self, sequence: list[int]) -> tuple[list, ...]:
        groups: dict[int, int] = {}
        size = (len(self.pool) + 63) // 64 * 8
        combos = self._combos
        combo_groups = [[groups.setdefault(p, len(groups)) for p in c.parts] for c in combos]
        columns = kernel.seat_all(
            self.load.remaining_at_start, self.load.allocated,
            [g.to_bytes(size, "little") for g in groups],
            combo_groups, [c.mask.to_bytes(size, "little") for c in combos], sequence)
        self._sync()
        return columns

    def _seat_python(self, sequence: list[int],
                     before: Callable[[int], None] | None) -> tuple[list, ...]:
        columns: tuple[list, ...] = ([], [], [], [], [], [], [])
        appends = [c.append for c in columns]
        combos = self._combos
        for j, combo_id in enumerate(sequence):
            if before is not None:
                before(j)
            for append, value in zip(appends, self._seat(combos[combo_id]), strict=True):
                append(value)
        return columns

    def _heap(self, mask: int) -> list:
        heap = self._heaps.get(mask)
        if heap is None:
            heap = [self.current[m] for m in members(mask) if self.current[m] is not None]
            heapq.heapify(heap)
            self._heaps[mask] = heap
        return heap

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

    def _seat(self, combo: Combo) -> tuple:
        """The Python loop's pick for one student: (winner, runner-up, rule, occupancy,
        allocated, remaining, open seats) as in ``Seating``."""
        open_seats = (combo.mask & self.with_seat).bit_count()
        heaps = combo.heaps or self._heaps_of(combo)
        valid_top = self._valid_top
        best = min(filter(None, map(valid_top, heaps)), default=None)
        if best is None:
            return -1, -1, -1, 0.0, 0, 0, open_seats
        won = [h for h in heaps if h and h[0] is best]
        for heap in won:
            heapq.heappop(heap)
        runner = min(filter(None, map(valid_top, heaps)), default=None)
        m = best[-1]
        load = self.load
        allocated = load.allocated[m]
        remaining = load.remaining_at_start[m] - allocated
        rule = -1 if runner is None else deciding_rule(best, runner)
        load.allocated[m] = allocated + 1
        if remaining > 1:
            new = self.current[m] = self.key(m)
            for heap in won:
                heapq.heappush(heap, new)
        else:
            self.current[m] = None
            self.with_seat &= ~(1 << m)
        return (m, -1 if runner is None else runner[-1], rule,
                allocated / load.remaining_at_start[m], allocated, remaining, open_seats)

    @property
    def combos(self) -> Sequence[Combo]:
        """Every combination made so far, by id."""
        return self._combos

    def combo(self, keys: Keys) -> Combo:
        """The combination of ``keys``' candidate class (made on first use)."""
        return self._combos[self._ids[keys]]

    def seat_one(self, combo: Combo, already: Mapping[int, int]) -> tuple:
        """One student's pick when the seats are counted elsewhere (live intake, issue L):
        ``already`` = mentor position → students given since the mentor report, the state a
        batch starting now would have. The answer is ``_seat``'s on that state — the best key
        among the candidates with a seat, the runner-up the next — and the engine's own state
        is left as it is, so one engine serves every entry."""
        load = MentorLoad(self.load.capacity, self.load.covered,
                          [already.get(m, 0) for m in range(len(self.pool))])
        key = key_function(self.policy.ranking, load)
        ranked = sorted(key(m) for m in members(combo.mask) if load.has_seat(m))
        if not ranked:
            return -1, -1, -1, 0.0, 0, 0, 0
        best, runner = ranked[0], (ranked[1] if len(ranked) > 1 else None)
        m = best[-1]
        allocated, at_start = load.allocated[m], load.remaining_at_start[m]
        return (m, -1 if runner is None else runner[-1],
                -1 if runner is None else deciding_rule(best, runner), allocated / at_start,
                allocated, at_start - allocated, len(ranked))

    def _heaps_of(self, combo: Combo) -> tuple[list, ...]:
        combo.heaps = tuple(self._heap(p) for p in combo.parts)
        return combo.heaps

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
