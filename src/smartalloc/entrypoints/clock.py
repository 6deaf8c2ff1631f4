"""The agency's clock: Jalali dates and times in Tehran time, whatever zone the server runs in.

A run's allocation date and an audited governance change are the agency's date and time; a
server in UTC would otherwise stamp a run at 22:00 UTC with yesterday's Tehran date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import jdatetime

from smartalloc.domain.errors import InputError, Problem
from smartalloc.domain.normalize import digits_only

# Iran has kept +03:30 all year since 2022 (no daylight saving).
TEHRAN = timezone(timedelta(hours=3, minutes=30), "IRST")


def tehran(moment: datetime | None = None) -> jdatetime.datetime:
    """``moment`` (default: now; naive = UTC) as a Jalali datetime in Tehran time."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return jdatetime.datetime.fromgregorian(datetime=moment.astimezone(TEHRAN).replace(tzinfo=None))


def jalali_today() -> str:
    """Today's Jalali date in Tehran: ``1404-08-27``."""
    return tehran().strftime("%Y-%m-%d")


def jalali_now() -> str:
    """Now, Jalali, Tehran time: ``1404-08-27 13:05:09``."""
    return tehran().strftime("%Y-%m-%d %H:%M:%S")


def jalali_date(text: str) -> str:
    """An operator's Jalali date — «۱۴۰۵/۰۹/۱۵», «1405-9-15» — as ``1405-09-15``; a text that
    is no Jalali date is refused (never a silent today)."""
    parts = [digits_only(p) for p in str(text).replace("/", "-").split("-")]
    try:
        year, month, day = (int(p) for p in parts)
        return jdatetime.date(year, month, day).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        raise InputError(Problem(
            "DATE_INVALID", f"«{text}» تاریخ شمسی درستی نیست (نمونه: ۱۴۰۵/۰۹/۱۵)",
            f"'{text}' is not a Jalali date (for example 1405/09/15)")) from None
