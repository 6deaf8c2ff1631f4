"""Errors that carry where the problem is, in Persian and English.

An operator must be able to open the named file, go to the sheet, row and column and fix it,
so every input problem is reported through ``InputError`` and never as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem sits; row is the 1-based Excel row (the header is row 1)."""

    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def describe_en(self) -> str:
        return self._describe(("file '{}'", "sheet '{}'", "row {}", "column '{}'"), ", ")

    def describe_fa(self) -> str:
        return self._describe(("فایل «{}»", "برگه «{}»", "ردیف {}", "ستون «{}»"), "، ")

    def _describe(self, labels: tuple[str, str, str, str], joiner: str) -> str:
        values = (self.file, self.sheet, self.row, self.column)
        return joiner.join(label.format(value) for label, value in zip(labels, values, strict=True)
                           if value not in ("", None))


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: a stable code, the Persian and English message and its location."""

    code: str
    message_fa: str
    message_en: str
    location: Location = field(default_factory=Location)

    def render(self) -> str:
        where_fa = self.location.describe_fa()
        where_en = self.location.describe_en()
        fa = f"{self.message_fa} ({where_fa})" if where_fa else self.message_fa
        en = f"{self.message_en} ({where_en})" if where_en else self.message_en
        return f"[{self.code}] {fa}\n[{self.code}] {en}"


class SmartAllocError(Exception):
    """Base of every expected failure; the CLI turns it into a message and exit code ≠ 0."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(p.render() for p in self.problems))

    def __reduce__(self) -> tuple:
        """Pickled as its problems (an error found in a forked reader reaches the parent)."""
        return self.__class__, (self.problems,), self.__dict__


class InputError(SmartAllocError):
    """A workbook or file that cannot be used as it is (missing column, bad cell, wrong file)."""


class PolicyError(SmartAllocError):
    """The policy file is invalid; names the bad key and value."""


class ConfigurationError(SmartAllocError):
    """The agency's configuration cannot give a trustworthy run (FAILED_PRE_QA, D16): a manager
    without a centre, or students of a centre no mentor belongs to."""


class CounterError(SmartAllocError):
    """Registration codes cannot be issued (duplicate code in the roster, sequence past 9999)."""


class HistoryError(SmartAllocError):
    """The history store is missing, inconsistent or could not be written."""


class OutputError(SmartAllocError):
    """The output workbooks could not be written or published; nothing was kept."""


MAX_PROBLEMS = 20


def capped(problems: list[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """The first ``limit`` problems and, past them, one saying how many more of the same kind
    (an operator fixes the first twenty, not a wall of two thousand)."""
    if len(problems) <= limit:
        return problems
    more = len(problems) - limit
    return [*problems[:limit], Problem(
        "INPUT_MORE_PROBLEMS", f"و {more} خطای دیگر از همین نوع",
        f"and {more} more problems of the same kind", problems[-1].location)]


def input_error(code: str, fa: str, en: str, *, file: str = "", sheet: str = "",
                row: int | None = None, column: str = "") -> InputError:
    """Shorthand for a single-problem ``InputError``."""
    return InputError(Problem(code, fa, en, Location(file, sheet, row, column)))


class DatabaseError(SmartAllocError):
    """The database cannot be reached, its URL is unusable, or a migration cannot be applied;
    the message names the (password-free) URL and what to check."""


class NotFoundError(SmartAllocError):
    """What was asked for does not exist (a job id, a student in a run)."""

    exit_code = 1


class ConflictError(SmartAllocError):
    """The request contradicts the state it meets (a reused idempotency key, a job that has
    not finished)."""


class LimitError(SmartAllocError):
    """The request is larger than the service accepts (rows of an upload)."""
