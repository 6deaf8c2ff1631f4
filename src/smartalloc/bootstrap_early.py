"""The composition root's part a program runs first: the student report's package check,
started before the program imports its command line and the service stack.

``smartalloc run`` spends 0.3–0.5 s importing (the command line, the policy's models, the
reader, SQLAlchemy) before it could ask ``bootstrap.start_reading`` for the check, and at 100k
students the run then waited for it (~0.35 s on the job timeline, issue P). The check needs
nothing of all that, only the report's path, so the program's entry (``entrypoints.console``)
starts it here first, for the report the command line will resolve. ``start_reading`` takes it
over for that report as the file still is (``StudentCheck.serves``); a check begun for another
file, or one no run takes, is stopped unused (at exit at the latest).

Beside ``bootstrap`` rather than in it (as ``bootstrap_backups``): importing that package
imports what this is here to run ahead of.
"""

from __future__ import annotations

import atexit
from pathlib import Path

from smartalloc.adapters.sheet_halves import StudentCheck
from smartalloc.adapters.student_check import check_ahead
from smartalloc.domain.gc_pause import allow_in_this_process

_started: list[StudentCheck] = []   # at most one


def start_student_check(path: Path) -> None:
    """Start the check of the student report at ``path`` now, for a run (a batch process: its
    child may pause the collector, ``gc_pause``); ``take_student_check`` hands it over."""
    allow_in_this_process()
    stop_student_check()
    _started.append(check_ahead(path))


def take_student_check(path: Path | None) -> StudentCheck | None:
    """The check started for ``path``, if that is the report it was started for, unchanged;
    a check started for anything else is stopped."""
    check = _started.pop() if _started else None
    if check is not None and path is not None and check.serves(path):
        return check
    if check is not None:
        check.close()
    return None


def stop_student_check() -> None:
    """Stop a check no run took over (its child reaped, its memory files freed)."""
    while _started:
        _started.pop().close()


atexit.register(stop_student_check)
