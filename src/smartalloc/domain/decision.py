"""One decision per student, with its 8-stage trace (spec step 6, D11)."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from smartalloc.domain import glossary
from smartalloc.domain.glossary import labels_fa
from smartalloc.domain.policy import Channel

STAGES: tuple[str, ...] = (
    "type", "group", "gender", "graduation_status", "center", "finance", "school",
    "capacity_gate",
)
STAGE_LABELS_FA: dict[str, str] = labels_fa(glossary.STAGES)


class Outcome(StrEnum):
    ALLOCATED = "ALLOCATED"
    FAILED = "FAILED"


class FailureClass(StrEnum):
    ELIGIBILITY_NO_MATCH = "ELIGIBILITY_NO_MATCH"
    CAPACITY_FULL = "CAPACITY_FULL"
    DATA_MISSING = "DATA_MISSING"
    DUPLICATE = "DUPLICATE"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class Decision(NamedTuple):
    """The outcome for one student (``index`` = position in the batch).

    A named tuple, not a frozen dataclass: a batch builds one per student, and a tuple is
    built about 5× faster (0.5 µs against 2.5 µs for these 23 fields), immutable all the same.

    ``stage_counts`` holds the number of candidate mentors after each of the 8 stages, in
    ``STAGES`` order (the count before stage 1 is ``pool_size``). For a failure,
    ``failure`` says the class and ``reason_fa``/``action_fa`` explain it in Persian.
    """

    index: int
    national_id: str
    outcome: Outcome
    channel: Channel
    mentor_id: str = ""
    mentor_name: str = ""
    alias: str = ""
    is_school_row: bool = False
    code: str = ""                     # 9-digit registration code (allocated students)
    code_reused: bool = False
    failure: FailureClass | None = None
    reason_fa: str = ""
    action_fa: str = ""
    dedupe_reason: str = ""
    allocated_before: bool = False
    previous_mentor_id: str = ""
    pool_size: int = 0
    stage_counts: tuple[int, ...] = ()
    runner_up_id: str = ""
    decided_by: str = ""               # ranking rule that separated winner and runner-up
    occupancy_before: float = 0.0
    allocations_before: int = 0
    remaining_before: int = 0
