"""What a finished run shows an operator on its results page: mentor occupancy before and
after, the unallocated students by six-key combination, the capacity plan, and one line per
student for the search.

Built from the run's own domain objects when it is decided and kept with the run (in its
explanation file, by field name and with a format number), so a page never parses a workbook
back with copied column headers, and a column renamed in a workbook cannot empty a page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields

from smartalloc.domain.capacity_plan import CapacityPlanRow
from smartalloc.domain.decision import Decision, Outcome
from smartalloc.domain.records import StudentRecord
from smartalloc.domain.summary import MentorSummary

FORMAT = 1
Keys = tuple[int, ...]


@dataclass(frozen=True)
class Occupancy:
    mentor_id: str
    name: str
    capacity: int
    new: int
    before: float     # share of capacity used before this run (covered + earlier runs)
    after: float      # … and after it


@dataclass(frozen=True)
class PlanLine:
    profile: str              # the six keys in the operator's words
    failure_class: str
    students: int
    seats_missing: int
    full_mentors: str
    new_mentors_needed: int
    keys: tuple = ()          # the six keys, for the page's language (older kept runs: none)


@dataclass(frozen=True)
class StudentLine:
    national_id: str
    name: str
    status: str               # the outcome: ALLOCATED, or the failure's outcome
    mentor_id: str
    mentor_name: str
    code: str
    failure_class: str
    reason: str


@dataclass
class RunResults:
    occupancy: list[Occupancy] = field(default_factory=list)
    by_keys: list[tuple[Keys, int, str]] = field(default_factory=list)  # keys, students, class
    plan: list[PlanLine] = field(default_factory=list)
    students: list[StudentLine] = field(default_factory=list)


def occupancy(summaries: Iterable[MentorSummary]) -> list[Occupancy]:
    rows = []
    for m in summaries:
        cap = m.capacity
        rows.append(Occupancy(m.mentor_id, m.name, cap, m.allocations_new,
                              (cap - m.remaining_at_start) / cap if cap else 0.0,
                              (cap - m.remaining_after) / cap if cap else 0.0))
    return rows


def plan_lines(plan: Iterable[CapacityPlanRow]) -> list[PlanLine]:
    return [PlanLine(p.profile_fa, str(p.failure), p.students, p.seats_missing,
                     "، ".join(p.full_mentors), p.new_mentors_needed, tuple(p.keys))
            for p in plan]


def by_keys(unallocated: Iterable[tuple[Keys | None, str]]) -> list[tuple[Keys, int, str]]:
    """Unallocated students per six-key combination, most first, with the commonest class."""
    combos: Counter[Keys] = Counter()
    classes: dict[Keys, Counter[str]] = {}
    for keys, failure in unallocated:
        keys = tuple(keys) if keys is not None else (0,) * 6
        combos[keys] += 1
        classes.setdefault(keys, Counter())[failure] += 1
    return [(k, n, classes[k].most_common(1)[0][0]) for k, n in combos.most_common()]


def student_line(national_id: str, name: str, d: Decision) -> StudentLine:
    ok = d.outcome == Outcome.ALLOCATED   # a kept decision holds the outcome's text
    return StudentLine(national_id, name, str(d.outcome), d.mentor_id, d.mentor_name,
                       d.code if ok else "", "" if d.failure is None else str(d.failure),
                       d.reason_fa)


def run_summary(students: Sequence[StudentRecord], decisions: Sequence[Decision],
                summaries: Iterable[MentorSummary], plan: Iterable[CapacityPlanRow]
                ) -> RunResults:
    """The per-run parts of the page's view of a decided run (the student lines are read from
    the run's kept decisions, one per student, when the page asks)."""
    failed = [(students[d.index].keys, str(d.failure or "")) for d in decisions
              if d.outcome is not Outcome.ALLOCATED]
    return RunResults(occupancy(summaries), by_keys(failed), plan_lines(plan))


def summary_document(results: RunResults) -> dict:
    """The per-run parts (not the students, kept one row each beside it), by field name."""
    return {"format": FORMAT,
            "occupancy": [asdict(o) for o in results.occupancy],
            "by_keys": [[list(k), n, c] for k, n, c in results.by_keys],
            "plan": [asdict(p) for p in results.plan]}


def _known(cls, data: Mapping) -> dict:
    """A stored record's fields that this version knows (an added field reads as missing)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def from_summary_document(document: Mapping, students: list[StudentLine]) -> RunResults:
    return RunResults(
        [Occupancy(**_known(Occupancy, o)) for o in document.get("occupancy", ())],
        [(tuple(k), n, c) for k, n, c in document.get("by_keys", ())],
        [PlanLine(**_known(PlanLine, p)) for p in document.get("plan", ())],
        students)
