"""Manager → centre (D16): every manager resolves through the policy, or the run stops.

The centre (0 central / 1 Golestan / 2 Sadra) is one of the six join keys, and Kanoon's reports
carry it only through the manager's name. A manager that silently falls to a default centre
takes every one of its mentors out of reach of the students of its real centre — the failure
that lost 31 % of a real agency's students with QA passed. So each manager is resolved by the
policy's ``center_manager_map`` (names compared by ``name_key``) or by its explicit ``*``
default, the table of how each resolved is reported, and a configuration that cannot be right
(a manager nobody mapped, or students of a centre that has no mentor at all) is refused before
anything is allocated.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from smartalloc.domain.contracts import CENTER_LABELS
from smartalloc.domain.errors import Location, Problem
from smartalloc.domain.normalize import name_key
from smartalloc.domain.notice import Notice
from smartalloc.domain.policy import DEFAULT_CENTRE_KEY, Policy
from smartalloc.domain.records import MentorRecord

BY_MAP, BY_DEFAULT, UNRESOLVED = "map", "default", "unresolved"
RESOLVED_BY_FA = {BY_MAP: "نام مدیر در جدول مدیر ← مرکز", BY_DEFAULT: "مرکز پیش‌فرض (*)",
                  UNRESOLVED: "تعیین نشده"}
# What an unresolved manager's mentors carry until the run refuses to go on: the domain builds
# a complete matrix either way (matrix-only and explain show it), the run never allocates on it.
PROVISIONAL_CENTRE = 0
SETUP_HINT_FA = ("مرکز هر مدیر را در صفحهٔ «راه‌اندازی نمایندگی» یا با دستور «smartalloc setup» "
                 "تعیین کنید")
SETUP_HINT_EN = ("give every manager its centre on the «Agency set-up» page or with "
                 "`smartalloc setup`")


@dataclass(frozen=True, slots=True)
class ManagerCentre:
    """One manager of the Inspactor report and how its centre was found."""

    manager: str        # as first written in the report
    centre: int | None  # None: unresolved
    resolved_by: str    # BY_MAP / BY_DEFAULT / UNRESOLVED
    mentors: int        # valid mentors (distinct ids) of this manager in the report
    first_row: int      # first Inspactor row of this manager


@dataclass(frozen=True, slots=True)
class CentreResolution:
    managers: tuple[ManagerCentre, ...]      # in order of first appearance in the report
    unmatched_entries: tuple[tuple[str, int], ...] = ()  # (name, centre) of map entries that
                                                          # matched no manager of the report

    @property
    def unresolved(self) -> tuple[ManagerCentre, ...]:
        return tuple(m for m in self.managers if m.resolved_by == UNRESOLVED)

    @property
    def by_default(self) -> tuple[ManagerCentre, ...]:
        return tuple(m for m in self.managers if m.resolved_by == BY_DEFAULT)

    def centres_with_mentors(self) -> set[int]:
        return {m.centre for m in self.managers if m.centre is not None and m.mentors}


NO_CENTRES = CentreResolution(())


class CentreMap:
    """The policy's manager → centre map, keyed by ``name_key``, with its explicit default."""

    def __init__(self, policy: Policy):
        entries = policy.center_manager_map
        self.default = entries.get(DEFAULT_CENTRE_KEY, policy.default_center)
        self.entries = {name_key(k): (k, v) for k, v in entries.items() if k != DEFAULT_CENTRE_KEY}
        # ``name_key`` of a manager as the report writes it, remembered: it repeats on every row
        self.key = functools.cache(name_key)

    def resolve(self, manager: str) -> tuple[int | None, str]:
        """(centre, how): the map, else the explicit default, else (None, UNRESOLVED)."""
        entry = self.entries.get(self.key(manager))
        if entry is not None:
            return entry[1], BY_MAP
        return (self.default, BY_DEFAULT) if self.default is not None else (None, UNRESOLVED)

    def centre(self, manager: str) -> int:
        """The centre a mentor of ``manager`` carries in the matrix."""
        centre = self.resolve(manager)[0]
        return PROVISIONAL_CENTRE if centre is None else centre


def resolve_centres(records: Iterable[MentorRecord], centre_map: CentreMap) -> CentreResolution:
    """The manager table of a report: each manager once, with its mentor count and centre."""
    first: dict[str, MentorRecord] = {}
    mentors: dict[str, set[str]] = {}
    for r in sorted(records, key=lambda r: r.row):
        key = centre_map.key(r.manager)
        first.setdefault(key, r)
        if r.mentor_id:
            mentors.setdefault(key, set()).add(r.mentor_id)
    managers = tuple(ManagerCentre(r.manager, *centre_map.resolve(r.manager),
                                   len(mentors.get(key, ())), r.row)
                     for key, r in first.items())
    unmatched = tuple(sorted(entry for key, entry in centre_map.entries.items()
                             if key not in first))
    return CentreResolution(managers, unmatched)


def centre_problems(resolution: CentreResolution, student_centres: Mapping[int, int],
                    source: str = "") -> list[Problem]:
    """Why a run must not allocate on this configuration (empty: it may).

    ``student_centres``: centre → number of students of that centre in the student report. The
    messages name rows and counts, never a person's name (the setup command shows the names).
    """
    problems = []
    unresolved = resolution.unresolved
    if unresolved:
        rows = "، ".join(str(m.first_row) for m in unresolved[:20])
        more = "…" if len(unresolved) > 20 else ""
        problems.append(Problem(
            "CENTRE_UNMAPPED",
            f"FAILED_PRE_QA: مرکز {len(unresolved)} مدیر در سیاست تعیین نشده است "
            f"(ردیف‌های {rows}{more} گزارش پشتیبان‌ها)؛ {SETUP_HINT_FA}",
            f"FAILED_PRE_QA: {len(unresolved)} manager(s) have no centre in the policy "
            f"(InspactorReport rows {rows.replace('، ', ', ')}{more}); {SETUP_HINT_EN}",
            Location(file=source, column="نام مدیر")))
        return problems  # the centres below would be provisional
    served = resolution.centres_with_mentors()
    for centre, students in sorted(student_centres.items()):
        if students and centre not in served:
            label = CENTER_LABELS.get(centre, str(centre))
            problems.append(Problem(
                "CENTRE_WITHOUT_MENTORS",
                f"FAILED_PRE_QA: {students} دانش‌آموز مرکز {centre} ({label}) دارند اما هیچ "
                f"پشتیبانی در گزارش پشتیبان‌ها به این مرکز نمی‌رسد؛ جدول مدیر ← مرکز را "
                f"بررسی کنید ({SETUP_HINT_FA})",
                f"FAILED_PRE_QA: {students} student(s) are of centre {centre} but no mentor of "
                f"the InspactorReport is of that centre; check the manager → centre map "
                f"({SETUP_HINT_EN})", Location(file=source, column="مرکز ثبت نام")))
    return problems


def student_centre_counts(centres: Iterable[int | None], policy: Policy) -> dict[int, int]:
    """Students per centre of the policy; an unreadable or unknown centre is that student's
    DATA_MISSING, not a configuration mistake."""
    known = set(policy.center_ids)
    return dict(Counter(c for c in centres if c in known))


def centre_counters(resolution: CentreResolution) -> dict[str, object]:
    """The validation sheet's summary of the manager table."""
    return {
        "managers": len(resolution.managers),
        "managers_by_map": sum(1 for m in resolution.managers if m.resolved_by == BY_MAP),
        "managers_by_default": len(resolution.by_default),
        "managers_unresolved": len(resolution.unresolved),
        "centre_map_unmatched_entries": len(resolution.unmatched_entries),
    }


MANAGER_CENTRE_COLUMNS = ("مدیر", "تعداد پشتیبان", "مرکز", "نام مرکز", "روش تعیین مرکز",
                          "نخستین ردیف در گزارش پشتیبان‌ها")
NOT_IN_REPORT_FA = "در جدول سیاست هست اما هیچ مدیری در گزارش پشتیبان‌ها با این نام نیست"


def manager_centre_rows(resolution: CentreResolution) -> list[tuple[object, ...]]:
    """The manager table (validation side of the matrix workbook and the run summary): each
    manager of the report, then every map entry that matched none."""
    rows: list[tuple[object, ...]] = [
        (m.manager, m.mentors, "" if m.centre is None else m.centre,
         CENTER_LABELS.get(m.centre, "") if m.centre is not None else "",
         RESOLVED_BY_FA[m.resolved_by], m.first_row) for m in resolution.managers]
    rows += [(name, 0, centre, CENTER_LABELS.get(centre, ""), NOT_IN_REPORT_FA, "")
             for name, centre in resolution.unmatched_entries]
    return rows


def centre_warnings(resolution: CentreResolution) -> list[str]:
    """What the run summary says about centres that may not be what the operator meant."""
    out = []
    if resolution.by_default:
        n = len(resolution.by_default)
        out.append(Notice(f"{n} مدیر در جدول مدیر ← مرکز نیست و مرکز پیش‌فرض (*) گرفت",
                          f"{n} manager(s) are not in the manager → centre map and took its "
                          "default (*): see the «managers» sheet of eligibility_matrix.xlsx"))
    if resolution.unmatched_entries:
        n = len(resolution.unmatched_entries)
        out.append(Notice(f"{n} نام در جدول مدیر ← مرکز با هیچ مدیری در گزارش پشتیبان‌ها جور نشد",
                          f"{n} entr(ies) of the manager → centre map matched no manager of the "
                          "InspactorReport: see the «managers» sheet of eligibility_matrix.xlsx"))
    return out
