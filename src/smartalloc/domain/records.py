"""Typed records the readers produce and the domain consumes.

Readers (adapters) only clean cells (``normalize.clean_text`` / ``parse_int``) and put them
here; every interpretation (mentor type, group lists, keys) happens in the domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from smartalloc.domain.contracts import STUDENT_COLUMNS


@dataclass(frozen=True, slots=True)
class Source:
    """Which file and sheet a set of records came from (for diagnostics and meta)."""

    file: str
    sheet: str
    sha256: str = ""
    rows: int = 0


@dataclass(frozen=True, slots=True)
class MentorRecord:
    """One InspactorReport row. Text fields are cleaned text ("" when empty)."""

    row: int
    mentor_id: str
    name: str
    manager: str
    gender_label: str
    mentor_type: str
    school_slots: tuple[str, ...]
    school_count: int | None
    covered: int | None
    capacity: int | None
    postal: str
    group_list: str
    group_label: str
    can_allocate: str = ""
    inactive: str = ""
    waiting: str = ""


@dataclass(frozen=True, slots=True)
class MentorReport:
    records: tuple[MentorRecord, ...]
    source: Source
    has_covered_column: bool = True
    has_capacity_column: bool = True


@dataclass(frozen=True, slots=True)
class SchoolRecord:
    row: int
    code: int
    name: str
    gender_label: str = ""
    stage: str = ""


@dataclass(frozen=True, slots=True)
class ManagerRecord:
    row: int
    name: str
    code: str = ""


@dataclass(frozen=True, slots=True)
class GroupName:
    code: int
    name: str
    stage: str = ""


@dataclass(frozen=True, slots=True)
class Crosswalk:
    """Group names ↔ codes and the optional Synonyms sheet (from → to, cleaned text)."""

    groups: tuple[GroupName, ...]
    synonyms: tuple[tuple[str, str], ...] = ()


# Index of each canonical student column in ``StudentRecord.values`` (first occurrence).
STUDENT_INDEX: dict[str, int] = {}
for _i, _name in enumerate(STUDENT_COLUMNS):
    STUDENT_INDEX.setdefault(_name, _i)


@dataclass(slots=True)
class StudentRecord:
    """One student row.

    ``values`` holds the cleaned text of every canonical column of ``STUDENT_COLUMNS`` in that
    order ("" where the input lacks the column), so the Sabt mapping can copy any of them.
    Key fields are ``None`` when the cell is empty or unreadable; ``key_problems`` lists
    (column, raw text) for those, so the decision can say DATA_MISSING precisely.
    """

    row: int
    index: int
    national_id: str
    national_id_raw: str
    group: int | None
    gender: int | None
    status: int | None
    center: int | None
    finance: int | None
    school: int | None
    values: tuple[str, ...]
    prior_codes: tuple[str, ...] = ()
    key_problems: tuple[tuple[str, str], ...] = ()

    def value(self, column: str) -> str:
        return self.values[STUDENT_INDEX[column]]

    @property
    def keys(self) -> tuple[int, int, int, int, int, int] | None:
        """The six join keys in JOIN_KEYS order, or None if any is missing."""
        k = (self.group, self.gender, self.status, self.center, self.finance, self.school)
        return None if None in k else k  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class StudentBatch:
    records: tuple[StudentRecord, ...]
    source: Source


class RosterEntry(NamedTuple):
    """An existing registration code and its national id (either may come from history).
    A named tuple: a batch makes one per code typed in the student report, and a frozen
    dataclass is about 3× slower to build."""

    code: str
    national_id: str
    row: int | None = None
    source: str = ""       # the file it was read from ("" = history)


class HistoryEntry(NamedTuple):
    """A final allocation of an earlier run (FR-HIST-01). A named tuple, as ``Decision`` is:
    a run makes one per allocated student and loads one per recorded allocation (a frozen
    dataclass cost 1.7 µs each: 0.17 s of the 100k run's chain, issue P)."""

    national_id: str
    mentor_id: str
    code: str
    keys: tuple[int, int, int, int, int, int]
    channel: str
    allocated_at: str
    run_id: str
    policy_stamp: str


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything a run reads, already parsed."""

    mentors: MentorReport
    schools: tuple[SchoolRecord, ...]
    students: StudentBatch
    crosswalk: Crosswalk | None = None
    managers: tuple[ManagerRecord, ...] = ()
    roster: tuple[RosterEntry, ...] = ()
    sources: tuple[Source, ...] = field(default_factory=tuple)
