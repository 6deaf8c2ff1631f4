"""The agency's clock is Tehran time whatever the server's zone: 21:00 UTC is already the next
Jalali day in Tehran."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from smartalloc.entrypoints.clock import jalali_now, jalali_today, tehran


def test_late_utc_evening_is_the_next_tehran_day() -> None:
    evening = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)          # 00:30 on the 25th in Tehran
    assert tehran(evening).strftime("%Y-%m-%d %H:%M") == "1405-09-04 00:30"
    assert tehran(evening.replace(tzinfo=None)) == tehran(evening)   # naive means UTC
    assert tehran(datetime(2026, 11, 24, 20, 0, tzinfo=UTC)).strftime("%d") == "03"


def test_stamps_have_the_stored_formats() -> None:
    assert re.fullmatch(r"14\d\d-\d\d-\d\d", jalali_today())
    assert re.fullmatch(r"14\d\d-\d\d-\d\d \d\d:\d\d:\d\d", jalali_now())
