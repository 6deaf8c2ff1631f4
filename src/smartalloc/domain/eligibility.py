"""Types of the mentor pool and the eligibility matrix (spec steps 2–3).

``build_pool`` (pool.py) and ``build_matrix`` (matrix.py) produce these; the allocation engine,
QA, the capacity plan and the matrix workbook consume them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from smartalloc.domain.centres import NO_CENTRES, CentreResolution
from smartalloc.domain.policy import Channel, MentorStatus


@dataclass(frozen=True, slots=True)
class PoolMentor:
    """A mentor that entered the pool, with its capacity at the start of the run (D5)."""

    mentor_id: str
    name: str
    manager: str
    gender: int                 # 0 girl / 1 boy
    center: int                 # from the manager (centres.CentreMap, D16)
    capacity: int               # تعداد تحت پوشش خاص (default policy.capacity.default_capacity)
    covered: int                # تعداد داوطلبان تحت پوشش (default 0)
    status: MentorStatus = MentorStatus.ACTIVE
    allowed_schools: tuple[int, ...] = ()     # restricted: only these schools ( () = any )
    allowed_channels: tuple[Channel, ...] = ()  # restricted: only these channels ( () = any )
    is_virtual: bool = False    # placeholder mentor (name pattern or 7xxx alias)
    source_row: int = 0

    @property
    def remaining_at_start(self) -> int:
        return max(self.capacity - self.covered, 0)


@dataclass(frozen=True, slots=True)
class PoolDecision:
    """What happened to one InspactorReport mentor: kept or dropped, and why (FR-MENT-08)."""

    mentor_id: str
    name: str
    manager: str
    status: str        # effective status: active / inactive / frozen / restricted / removed_r0 / invalid
    in_pool: bool
    reason_fa: str = ""
    source: str = ""   # policy / override / inspactor / r0
    source_row: int = 0


class MatrixRow(NamedTuple):
    """One allowed (mentor, six keys) combination (D3). ``school`` 0 = global row.

    A named tuple, as ``Decision`` is, not a frozen dataclass: a 100k-student matrix makes
    ~114k of them while the student report waits, and a frozen dataclass sets each of its 15
    fields through ``object.__setattr__`` (3.1 µs a row against 0.3 µs)."""

    mentor_id: str
    mentor_name: str
    manager: str
    alias: str
    group: int
    group_name: str
    gender: int
    status: int
    center: int
    finance: int
    school: int
    school_name: str
    is_school_row: bool
    covered: int
    capacity: int

    @property
    def keys(self) -> tuple[int, int, int, int, int, int]:
        return (self.group, self.gender, self.status, self.center, self.finance, self.school)


@dataclass(frozen=True, slots=True)
class CoverageMetrics:
    """Coverage of the six-key groups (v2.0 core document)."""

    covered_groups: int
    total_groups: int
    coverage_ratio: float
    unseen_group_count: int
    invalid_group_token_count: int
    unmatched_school_count: int
    denominator_mode: str
    include_blocked_candidates_in_denominator: bool
    threshold: float


@dataclass(frozen=True, slots=True)
class SideRow:
    """A row of a diagnostic side sheet (removed_mentors, unmatched_schools, unseen_groups,
    invalid_mentors): the mentor, the raw value and the reason."""

    mentor_id: str
    mentor_name: str
    manager: str
    value: str
    reason_fa: str
    source_row: int = 0
    extra: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class EligibilityMatrix:
    """The matrix rows (sorted; counter = position + 1) and everything reported beside them."""

    rows: tuple[MatrixRow, ...]
    pool: tuple[PoolMentor, ...]                 # in natural mentor-id order
    pool_decisions: tuple[PoolDecision, ...]
    removed_mentors: tuple[SideRow, ...]         # R0 and governance removals
    unmatched_schools: tuple[SideRow, ...]
    unseen_groups: tuple[SideRow, ...]
    invalid_mentors: tuple[SideRow, ...]
    coverage: CoverageMetrics
    validation: dict[str, object] = field(default_factory=dict)
    r0_skipped: bool = False
    centres: CentreResolution = NO_CENTRES  # each manager's centre and how (D16)
