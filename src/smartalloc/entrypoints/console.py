"""The ``smartalloc`` program: start what a command can start before the command line is
imported, then run the command line (``cli.console``).

Importing the command line, the policy's models and the service stack takes 0.3–0.5 s, and
only then can Typer parse the arguments. ``smartalloc run`` cannot parse the student report
before its package is checked, and the check needs nothing but the report: so it is started
here first, on the second core, for the report the command line will resolve (``--students``,
else the latest ``StudentReport*.xlsx`` of ``--agency``). The run takes it over only if it is
that report, unchanged (``bootstrap_early``); any other guess is stopped unused. At 100k
students the run no longer waits for the check (measured: docs/decisions.md, ninth pass).
"""

from __future__ import annotations

import sys
from pathlib import Path


def student_report(argv: list[str]) -> Path | None:
    """The student report ``smartalloc run`` with these arguments will read, or None (another
    command, or no report named): ``--students PATH`` wins over ``--agency DIR``, as in
    ``inputs.resolve_inputs``; each as ``--name value`` or ``--name=value``."""
    if not argv or argv[0] != "run":
        return None
    given: dict[str, str] = {}
    words = iter(argv[1:])
    for word in words:
        name, equals, value = word.partition("=")
        if name in ("--students", "--agency"):
            found = value if equals else next(words, None)
            if found is None:
                return None
            given[name] = found
    if "--students" in given:
        return Path(given["--students"])
    if "--agency" in given:
        from smartalloc.entrypoints.input_files import find_report

        return find_report(Path(given["--agency"]), "students")
    return None


def console() -> None:
    """The ``smartalloc`` command (the project's script)."""
    report = student_report(sys.argv[1:])
    if report is not None and report.is_file():
        from smartalloc.bootstrap_early import start_student_check

        start_student_check(report)
    from smartalloc.entrypoints.cli import console as command_line

    command_line()


if __name__ == "__main__":
    console()
