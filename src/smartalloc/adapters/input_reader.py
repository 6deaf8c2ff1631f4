"""``InputReader`` port over the Excel readers: every input of a run, with its hash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from smartalloc.adapters.readers import (
    file_sha256,
    read_crosswalk,
    read_managers,
    read_mentors,
    read_roster,
    read_schools,
    read_students,
)
from smartalloc.adapters.sheet_halves import StudentCheck
from smartalloc.adapters.student_check import check_ahead
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import Inputs, MentorReport, RosterEntry, Source, StudentBatch
from smartalloc.service_layer.ports import InputPaths
from smartalloc.service_layer.progress import step


class ExcelInputReader:
    def __init__(self) -> None:
        self._started: StudentCheck | None = None

    def start(self, paths: InputPaths, started: StudentCheck | None = None) -> ExcelInputReader:
        """Start now what reading ``paths`` can start before the run: the student report's
        package check, in a child (``check_ahead``), which so runs on the second core while
        this process starts up (the store opened, its schema checked, the run lock taken: at
        100k students the run waited ~0.4 s for a check started by ``read``) — or take
        ``started``, one the program began before it imported all this. ``read`` of the
        same, unchanged report takes it over; ``close`` stops it if none did."""
        self.close()
        if started is not None:
            self._started = started
        elif paths.students is not None:
            self._started = check_ahead(paths.students)
        return self

    def close(self) -> None:
        started, self._started = self._started, None
        if started is not None:
            started.close()

    def __enter__(self) -> ExcelInputReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, path: Path) -> StudentCheck:
        """The check ``start`` began, if it is of this report as it is now; else one begun now."""
        started = self._started
        if started is not None and started.serves(path):
            self._started = None
            return started
        self.close()
        return check_ahead(path)

    def mentors(self, path: Path, policy: Policy) -> MentorReport:
        return read_mentors(path, policy)

    def roster(self, path: Path) -> tuple[RosterEntry, ...]:
        return read_roster(path)

    def read(self, paths: InputPaths, policy: Policy,
             meanwhile: Callable[[Inputs], object] | None = None) -> Inputs:
        """Every input of a run. The student report is read last: its package check starts
        first, in a child, while the other reports are read and ``meanwhile`` gets the
        inputs read so far (no students) on this thread; then the report is parsed."""
        given = [role for role, _ in paths.items()]
        done: list[str] = []

        def reading(role: str) -> bool:
            """Name the report being read on the run's page (k of n); False: not given."""
            if role in given:
                step("report", len(done), len(given), item=role)
                done.append(role)
            return role in given

        ahead = self._check(paths.students) if "students" in given else None
        try:
            reading("inspactor")
            mentors = read_mentors(paths.inspactor, policy)
            reading("schools")
            schools = read_schools(paths.schools, policy)
            managers = read_managers(paths.managers, policy) if reading("managers") else ()
            crosswalk = read_crosswalk(paths.crosswalk, policy) if reading("crosswalk") else None
            roster = read_roster(paths.roster) if reading("roster") else ()
            side = Inputs(mentors, tuple(schools), StudentBatch((), Source("", "")), crosswalk,
                          tuple(managers), tuple(roster), ())
            students = side.students
            if meanwhile is not None:   # this process has no other thread: it may fork
                meanwhile(side)
            if ahead is not None and reading("students"):
                students = read_students(paths.students, policy, ahead)
        finally:
            if ahead is not None:
                ahead.close()
        # the student report was hashed as it was read: not read again for its hash
        sources = tuple(Source(f"{role}:{path.name}", "", students.source.sha256
                               if role == "students" else file_sha256(path))
                        for role, path in paths.items())
        return replace(side, students=students, sources=sources)
