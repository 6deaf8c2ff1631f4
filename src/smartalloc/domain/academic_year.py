"""Which academic year the reports are for (FR-44): inferred, never a silent constant.

Two independent witnesses: the roster's codes (YY = year − offset of the newest code of our
families) and the Jalali dates Kanoon writes into export file names
(`InspactorReport-1404_08_27-3570.xlsx`). A date from Tir (month 4) on belongs to the academic
year that starts that Mehr — registration for it opens in the summer; Farvardin to Khordad still
belong to the year that started the Mehr before. When the witnesses disagree (a new year's first
run, when the roster holds only last year's codes) the operator decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from smartalloc.domain.errors import Problem
from smartalloc.domain.notice import Notice
from smartalloc.domain.policy import Policy

_DATE = re.compile(r"(1[34]\d\d)[_\-.](\d{1,2})[_\-.](\d{1,2})")
FIRST_MONTH_OF_NEXT_YEAR = 4   # Tir


@dataclass(frozen=True, slots=True)
class YearEvidence:
    from_roster: int | None        # newest code year of the roster, as a Jalali year
    from_files: int | None         # from the dates in the file names (None: none or several)
    file_dates: tuple[str, ...]    # the dates found, as written
    policy_year: int               # what the policy says now

    @property
    def inferred(self) -> tuple[int, ...]:
        """The distinct years the witnesses point to."""
        return tuple(sorted({y for y in (self.from_roster, self.from_files) if y is not None}))

    @property
    def agreed(self) -> int | None:
        """The one year every witness points to; None when they disagree or say nothing."""
        years = self.inferred
        return years[0] if len(years) == 1 else None

    @property
    def suggested(self) -> int:
        """What to offer the operator: the agreed year, else the file names' (the exports are
        of the year being registered), else the roster's, else the policy's."""
        return self.agreed or self.from_files or self.from_roster or self.policy_year


def year_of_date(year: int, month: int) -> int:
    return year if month >= FIRST_MONTH_OF_NEXT_YEAR else year - 1


def infer_year(policy: Policy, roster_codes: Iterable[str], file_names: Iterable[str]) -> YearEvidence:
    """What the roster's codes and the file names' dates say about the academic year."""
    mids = {g.counter_mid for g in policy.genders.values()}
    length = 5 + policy.counters.sequence_digits
    years = [int(c[:2]) for c in roster_codes
             if len(c) == length and c.isdecimal() and c[2:5] in mids]
    from_roster = max(years) + policy.counters.year_offset if years else None
    dates, from_dates = [], set()
    for name in file_names:
        for y, m, d in _DATE.findall(name):
            if 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
                dates.append(f"{y}/{int(m):02d}/{int(d):02d}")
                from_dates.add(year_of_date(int(y), int(m)))
    from_files = from_dates.pop() if len(from_dates) == 1 else None
    return YearEvidence(from_roster, from_files, tuple(sorted(set(dates))), policy.academic_year)


def year_check(evidence: YearEvidence, used: int, *, explicit: bool) -> tuple[list[Problem], list[str]]:
    """(problems that stop the run, warnings) for the year a run is about to use.

    Both witnesses pointing to one other year while the year came from the policy is a wrong
    policy: codes of the wrong year would be issued, so the run stops. One witness alone, or an
    explicit ``--year``, only warns: at a year's start the roster holds last year's codes."""
    others = [y for y in evidence.inferred if y != used]
    if not others:
        return [], []
    both = evidence.from_roster is not None and evidence.from_files is not None
    said = (f"roster: {evidence.from_roster or '—'}, file names: {evidence.from_files or '—'}")
    if both and evidence.agreed is not None and not explicit:
        return [Problem(
            "YEAR_MISMATCH",
            f"کدهای شمارنده و تاریخ نام فایل‌ها هر دو سال تحصیلی {evidence.agreed} را نشان می‌دهند "
            f"اما سیاست {used} است؛ هیچ کدی صادر نشد. «smartalloc setup» را اجرا کنید یا --year "
            "بدهید",
            f"the roster's codes and the file names' dates both point to academic year "
            f"{evidence.agreed} but the policy says {used}; no code was issued. Run `smartalloc "
            "setup` or pass --year")], []
    said_fa = (f"فهرست سوابق: {evidence.from_roster or '—'}، "
               f"نام فایل‌ها: {evidence.from_files or '—'}")
    return [], [Notice(f"سال تحصیلی {used} به کار رفت اما شواهد فایل‌ها چیز دیگری می‌گویند ({said_fa})",
                       f"academic year {used} was used but the files suggest otherwise ({said})")]
